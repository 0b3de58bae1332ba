-- Benchmark of bg.refresh_engagement (issue 14) over the activities of
-- engagement_gen.sql, as of 2026-11-29 12:00 UTC, in :runs interleaved
-- rounds; each round runs, in turn:
--   refresh_model  bg.refresh_engagement after switching the active model
--                  (bench <-> bench2): every person and group is rewritten
--   refresh_same   the same refresh again: nothing to write
--   sql_select     the same result in plain SQL, as one SELECT that
--                  consumes every column (person raw and score, group raw
--                  and score)
--   count          SELECT person_id, count(*) ... GROUP BY 1 over the window,
--                  consumed fully (the floor)
--   account        bg.engagement_raw of account demo's 20 people (2 000
--                  activities) through the person index, planned each time
--                  (the median of 50 calls)
-- then prints the medians and ratios.  It first checks that the stored
-- scores equal the plain-SQL ones (must be 0 differences).  Needs
-- engagement_setup.sql first.
\ir session.sql
SET client_min_messages = warning;
SET TimeZone = 'UTC';

-- §7.1 in plain SQL, as of $1: person raw and score, group raw and score
CREATE OR REPLACE FUNCTION plain_sql(as_of timestamptz)
RETURNS TABLE (what text, k text, raw float8, score float8)
LANGUAGE sql STABLE AS $$
WITH w AS (SELECT x.activity_type, x.weight AS w
             FROM bg.activity_weights x JOIN bg.weighting_models m ON m.name = x.model
            WHERE m.status = 'active'),
-- count per person, type and UTC day of the window
c AS (SELECT a.person_id, a.activity_type, count(*) AS n, (a.occurred_at AT TIME ZONE 'UTC')::date AS d
        FROM activities a
       WHERE a.occurred_at <= as_of AND a.occurred_at > as_of - interval '30 days'
       GROUP BY 1, 2, 4),
pc AS (SELECT c.person_id, sum(least(c.n, 20) * w.w) / 100.0 AS raw
         FROM c JOIN w USING (activity_type) GROUP BY 1),
r AS MATERIALIZED (SELECT p.id::text AS k, coalesce(pc.raw, 0)::float8 AS raw
                     FROM people p LEFT JOIN pc ON pc.person_id = p.id),
-- current members with their role's weight value in the group's template
v AS (SELECT m.group_id, m.person_key, m.role_id, rw.v
        FROM bg_internal.member m
        JOIN bg_internal.buying_group g ON g.id = m.group_id
        JOIN bg_internal.solution_interest s ON s.id = g.solution_interest_id
        JOIN bg_internal.template_role x ON (x.template_id, x.role_id) = (s.template_id, m.role_id)
        JOIN (VALUES ('trivial', 20), ('minor', 40), ('normal', 60), ('important', 80), ('vital', 100)) rw (weight, v)
          ON rw.weight = x.weight
       WHERE NOT m.is_removed),
vg AS (SELECT group_id, sum(v) AS total FROM (SELECT DISTINCT group_id, role_id, v FROM v) d GROUP BY 1),
gx AS (SELECT v.group_id, sum(coalesce(r.raw, 0) * v.v) / min(vg.total) AS raw
         FROM v JOIN vg USING (group_id) LEFT JOIN r ON r.k = v.person_key GROUP BY 1),
gr AS MATERIALIZED (SELECT g.id, coalesce(gx.raw, 0)::float8 AS raw
                      FROM bg_internal.buying_group g LEFT JOIN gx ON gx.group_id = g.id)
SELECT 'person', r.k, r.raw,
       CASE WHEN max(sqrt(r.raw)) OVER () = 0 THEN 0 ELSE 100 * sqrt(r.raw) / max(sqrt(r.raw)) OVER () END
  FROM r
UNION ALL
SELECT 'group', gr.id::text, gr.raw,
       CASE WHEN max(sqrt(gr.raw)) OVER () = 0 THEN 0 ELSE 100 * sqrt(gr.raw) / max(sqrt(gr.raw)) OVER () END
  FROM gr
$$;

\echo '== first refresh =='
SELECT bg.activate_weighting_model('bench');
SELECT bg.refresh_engagement('2026-11-29 12:00+00') AS refresh;
\echo '== equivalence: stored scores vs plain SQL (must be 0) =='
SELECT count(*) AS differences
  FROM plain_sql('2026-11-29 12:00+00') x
  LEFT JOIN bg_internal.person_engagement e ON x.what = 'person' AND e.person_key = x.k
  LEFT JOIN bg_internal.buying_group g ON x.what = 'group' AND g.id::text = x.k
 WHERE abs(x.raw - coalesce(e.raw, g.engagement_raw)) > 1e-9 OR abs(x.score - coalesce(e.score, g.engagement_score)) > 1e-9
    OR coalesce(e.raw, g.engagement_raw) IS NULL;
SELECT (SELECT count(*) FROM bg_internal.person_engagement) AS stored_people,
       (SELECT count(*) FROM bg_internal.person_engagement WHERE raw > 0) AS engaged_people,
       (SELECT count(*) FROM bg_internal.buying_group WHERE engagement_raw > 0) AS engaged_groups;

CREATE TEMP TABLE eng_timings (round int, variant text, ms double precision, rows bigint);

CREATE OR REPLACE PROCEDURE bench_engagement(runs int)
LANGUAGE plpgsql AS $$
DECLARE
    as_of timestamptz := '2026-11-29 12:00+00';
    t0 timestamptz;
    r jsonb;
    n bigint;
    ms double precision[];
    acct integer := (SELECT p.account_id FROM people p JOIN demo d ON d.id = p.id LIMIT 1);
BEGIN
    FOR i IN 1 .. runs LOOP
        PERFORM bg.activate_weighting_model(CASE WHEN i % 2 = 1 THEN 'bench2' ELSE 'bench' END);
        COMMIT;
        t0 := clock_timestamp();
        r := bg.refresh_engagement(as_of);
        INSERT INTO eng_timings VALUES (i, 'refresh_model', 1000 * extract(epoch FROM clock_timestamp() - t0),
                                        (r ->> 'people_written')::bigint + (r ->> 'groups_written')::bigint);
        COMMIT;
        t0 := clock_timestamp();
        r := bg.refresh_engagement(as_of);
        INSERT INTO eng_timings VALUES (i, 'refresh_same', 1000 * extract(epoch FROM clock_timestamp() - t0),
                                        (r ->> 'people_written')::bigint + (r ->> 'groups_written')::bigint);
        COMMIT;
        t0 := clock_timestamp();
        SELECT count(*) + sum(x.raw)::bigint * 0 + sum(x.score)::bigint * 0 + sum(length(x.k)) * 0 + sum(length(x.what)) * 0
          INTO n FROM plain_sql(as_of) x;
        INSERT INTO eng_timings VALUES (i, 'sql_select', 1000 * extract(epoch FROM clock_timestamp() - t0), n);
        COMMIT;
        t0 := clock_timestamp();
        SELECT count(*) + sum(x.n) * 0 INTO n
          FROM (SELECT a.person_id, count(*) AS n FROM activities a
                 WHERE a.occurred_at > as_of - interval '30 days' AND a.occurred_at <= as_of GROUP BY 1) x;
        INSERT INTO eng_timings VALUES (i, 'count', 1000 * extract(epoch FROM clock_timestamp() - t0), n);
        COMMIT;
        ms := '{}';
        FOR j IN 1 .. 50 LOOP
            t0 := clock_timestamp();
            EXECUTE 'SELECT count(*) + sum(x.raw)::bigint * 0
                       FROM (SELECT a.person_id, bg.engagement_raw(a.activity_type, a.occurred_at, $1) AS raw
                               FROM activities a WHERE a.person_id IN (SELECT p.id FROM people p WHERE p.account_id = $2)
                              GROUP BY 1) x' INTO n USING as_of, acct;
            ms := ms || 1000 * extract(epoch FROM clock_timestamp() - t0)::double precision;
        END LOOP;
        INSERT INTO eng_timings SELECT i, 'account', percentile_cont(0.5) WITHIN GROUP (ORDER BY m), n FROM unnest(ms) m;
        COMMIT;
    END LOOP;
END $$;

CALL bench_engagement(:runs);

\echo '== per round (ms) =='
SELECT round, variant, round(ms::numeric, 1) AS ms, rows FROM eng_timings ORDER BY round, variant;

\echo '== medians and ratios =='
WITH med AS (
    SELECT variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM eng_timings GROUP BY variant
), m AS (SELECT variant, ms FROM med)
SELECT (SELECT round(ms::numeric) FROM m WHERE variant = 'refresh_model') AS refresh_model_ms,
       (SELECT round(ms::numeric) FROM m WHERE variant = 'refresh_same') AS refresh_same_ms,
       (SELECT round(ms::numeric) FROM m WHERE variant = 'sql_select') AS sql_select_ms,
       (SELECT round(ms::numeric) FROM m WHERE variant = 'count') AS count_ms,
       (SELECT round(ms::numeric, 2) FROM m WHERE variant = 'account') AS "account_ms (target < 5)",
       round(((SELECT ms FROM m WHERE variant = 'sql_select') / (SELECT ms FROM m WHERE variant = 'refresh_model'))::numeric, 2)
           AS "sql / refresh_model (target >= 3)",
       round(((SELECT ms FROM m WHERE variant = 'sql_select') / (SELECT ms FROM m WHERE variant = 'refresh_same'))::numeric, 2)
           AS "sql / refresh_same",
       round(((SELECT ms FROM m WHERE variant = 'refresh_model') / (SELECT ms FROM m WHERE variant = 'count'))::numeric, 2)
           AS "refresh_model / count (target <= 2)",
       round(((SELECT ms FROM m WHERE variant = 'refresh_same') / (SELECT ms FROM m WHERE variant = 'count'))::numeric, 2)
           AS "refresh_same / count";
