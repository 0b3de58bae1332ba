-- Packed tallies (issue 12, target 1): completeness + missing roles per
-- account with the state the planner hook now uses (a packed bigint,
-- bg.packed_completeness and bg.packed_missing_roles) against the same
-- aggregates over a bg.role_tally (the column twins, called by hand with the
-- arguments the hook passes), a by-value count of the same role evaluation,
-- and the GROUP BY floor: interleaved rounds in one session; medians,
-- minimums, and the medians of ratios taken within each round.
-- After gen.sql, template.sql and template_small.sql; psql variable runs.
\ir session.sql
SET enable_indexscan = off;
SET enable_indexonlyscan = off;
SET enable_bitmapscan = off;

CREATE TEMP TABLE packed_variants (n int, variant text, query text);
INSERT INTO packed_variants VALUES
 (1, 'floor', 'SELECT count(*), sum(n) FROM (SELECT account_id, count(*) AS n FROM people GROUP BY 1) s'),
 (2, 'count role_for Small', $$SELECT count(*), sum(n) FROM (SELECT account_id, count(bg.role_for('Small', p)) AS n FROM people p GROUP BY 1) s$$),
 (3, 'packed Small', $$SELECT count(*), sum(c), sum(cardinality(m)) FROM (SELECT account_id, bg.completeness('Small', p) AS c, bg.missing_roles('Small', p) AS m FROM people p GROUP BY 1) s$$),
 (4, 'tally Small', $$SELECT count(*), sum(c), sum(cardinality(m)) FROM (SELECT account_id,
      bg.completeness('Small', '{job_title,department,seniority}'::text[], job_title, department, seniority) AS c,
      bg.missing_roles('Small', '{job_title,department,seniority}'::text[], job_title, department, seniority) AS m
      FROM people p GROUP BY 1) s$$),
 (5, 'packed Bench', $$SELECT count(*), sum(c), sum(cardinality(m)) FROM (SELECT account_id, bg.completeness('Bench', p) AS c, bg.missing_roles('Bench', p) AS m FROM people p GROUP BY 1) s$$),
 (6, 'tally Bench', $$SELECT count(*), sum(c), sum(cardinality(m)) FROM (SELECT account_id,
      bg.completeness('Bench', '{job_title,department,seniority}'::text[], job_title, department, seniority) AS c,
      bg.missing_roles('Bench', '{job_title,department,seniority}'::text[], job_title, department, seniority) AS m
      FROM people p GROUP BY 1) s$$);

\echo '== the same answers (must be t) =='
SELECT (SELECT array_agg(x ORDER BY x) FROM (SELECT account_id, bg.completeness('Small', p), bg.missing_roles('Small', p) FROM people p GROUP BY 1) x)
     = (SELECT array_agg(x ORDER BY x) FROM (SELECT account_id,
            bg.completeness('Small', '{job_title,department,seniority}'::text[], job_title, department, seniority),
            bg.missing_roles('Small', '{job_title,department,seniority}'::text[], job_title, department, seniority)
          FROM people p GROUP BY 1) x) AS same_small;

\echo '== packed against bg.role_tally:' :runs 'interleaved rounds, serial (ms); per-round ratios to the floor of the same round =='
CREATE TEMP TABLE packed_samples (round int, variant text, ms float8);
SELECT set_config('bench.runs', :'runs', false) \gset
DO $$
DECLARE
    v record;
    t0 timestamptz;
BEGIN
    FOR r IN 0..current_setting('bench.runs')::int LOOP   -- round 0 warms up, not kept
        FOR v IN SELECT * FROM packed_variants ORDER BY n LOOP
            t0 := clock_timestamp();
            EXECUTE v.query;
            IF r > 0 THEN
                INSERT INTO packed_samples VALUES (r, v.variant, extract(epoch FROM clock_timestamp() - t0) * 1000);
            END IF;
        END LOOP;
    END LOOP;
END $$;
SELECT v.variant,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.ms)::numeric, 1) AS median_ms,
       round(min(s.ms)::numeric, 1) AS min_ms,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.ms / f.ms)::numeric, 2) AS "median of / floor",
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.ms / t.ms)::numeric, 2) AS "median of packed / tally"
  FROM packed_variants v
  JOIN packed_samples s ON s.variant = v.variant
  JOIN packed_samples f ON f.round = s.round AND f.variant = 'floor'
  LEFT JOIN packed_samples t ON t.round = s.round AND v.variant LIKE 'packed %'
                            AND t.variant = replace(v.variant, 'packed', 'tally')
 GROUP BY v.n, v.variant
 ORDER BY v.n;
