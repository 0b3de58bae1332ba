-- The plain-SQL way: the Bench template written by hand as a CASE over
-- lower(btrim(...)), the way a user would without bg.  The OFFSET 0 keeps the
-- folded title computed once per row (a flattened subquery would repeat it
-- in every branch).
\set ON_ERROR_STOP 1
CREATE OR REPLACE VIEW sql_roles AS
SELECT id, account_id, CASE
  WHEN t LIKE 'chief%' OR t LIKE 'president%' OR t LIKE 'evp%' OR t LIKE 'founder%'
    OR t LIKE 'président%' OR t LIKE 'geschäftsführer%' OR t IN ('ceo', 'cfo', 'cio', 'cto', 'coo')
    THEN 'Executive Steering Committee'
  WHEN t LIKE 'vp%' OR t LIKE 'vice president%' OR t LIKE 'head of%' OR t LIKE 'director%'
    OR t LIKE 'managing director%' OR t LIKE 'directeur%' OR t LIKE 'directrice%' OR t LIKE 'leiter%'
    OR t LIKE 'директор%' OR t = 'ciso'
    THEN 'Decision Maker'
  WHEN (t LIKE '%architect%' OR t LIKE '%principal%' OR t LIKE '%lead%' OR t LIKE '%beauftragter%'
    OR t LIKE '%responsable%') AND seniority >= 3
    THEN 'Champion'
  WHEN t LIKE '%manager%' OR t LIKE '%counsel%' OR t LIKE '%compliance%' OR t LIKE '%procurement%'
    OR t LIKE '%auditor%' OR t LIKE '%менеджер%' OR t LIKE '%einkauf%'
    THEN 'Influencer'
  WHEN t LIKE '%engineer%' OR t LIKE '%analyst%' OR t LIKE '%administrator%' OR t LIKE '%developer%'
    OR t LIKE '%specialist%' OR t LIKE '%ingénieur%' OR t LIKE '%инженер%' OR t LIKE '%entwickler%'
    THEN 'Practitioner'
  WHEN t <> '' AND lower(btrim(department)) IN ('finance', 'marketing', 'sales', 'operations')
    THEN 'Other'
  END AS role
FROM (SELECT id, account_id, lower(btrim(coalesce(job_title, ''))) AS t, department, seniority
        FROM people OFFSET 0) s;

-- Completeness and missing roles per account in plain SQL, as view
-- scores_view over roles_view (both bench templates have the same roles and
-- thresholds): counts per role, then the docs/design.md §5 arithmetic (same
-- operation order as bg, so equal doubles).
CREATE OR REPLACE PROCEDURE create_sql_scores(scores_view text, roles_view text)
LANGUAGE plpgsql AS $f$
BEGIN
    EXECUTE format($$
CREATE OR REPLACE VIEW %I AS
SELECT account_id,
       (least(esc, 1) * 100.0::float8 / 1 + least(dm, 1) * 100.0::float8 / 1
        + least(ch, 1) * 100.0::float8 / 1 + least(inf, 2) * 100.0::float8 / 2
        + least(pr, 3) * 100.0::float8 / 3) / 5 AS completeness,
       array_remove(ARRAY[CASE WHEN esc < 1 THEN 'Executive Steering Committee' END,
                          CASE WHEN dm < 1 THEN 'Decision Maker' END,
                          CASE WHEN ch < 1 THEN 'Champion' END,
                          CASE WHEN inf < 2 THEN 'Influencer' END,
                          CASE WHEN pr < 3 THEN 'Practitioner' END], NULL) AS missing
  FROM (SELECT account_id,
               count(*) FILTER (WHERE role = 'Executive Steering Committee') AS esc,
               count(*) FILTER (WHERE role = 'Decision Maker') AS dm,
               count(*) FILTER (WHERE role = 'Champion') AS ch,
               count(*) FILTER (WHERE role = 'Influencer') AS inf,
               count(*) FILTER (WHERE role = 'Practitioner') AS pr
          FROM %I GROUP BY account_id) c$$, scores_view, roles_view);
END $f$;
CALL create_sql_scores('sql_scores', 'sql_roles');

-- How many people's roles and accounts' scores bg and the plain-SQL views
-- disagree on, for one template (a literal in the queries, as a user
-- writes it, so the planner hook narrows the rows).
CREATE OR REPLACE FUNCTION bench_differences(template text, roles_view text, scores_view text,
                                             OUT role_differences bigint, OUT score_differences bigint)
LANGUAGE plpgsql AS $f$
BEGIN
    EXECUTE format($$SELECT count(*) FROM people p JOIN %I s USING (id)
                      WHERE bg.role_for(%L, p) IS DISTINCT FROM s.role$$, roles_view, template)
       INTO role_differences;
    EXECUTE format($$SELECT count(*) FROM (
  (SELECT account_id, bg.completeness(%1$L, p) AS completeness, bg.missing_roles(%1$L, p) AS missing
     FROM people p GROUP BY 1
   EXCEPT ALL SELECT * FROM %2$I)
  UNION ALL
  (SELECT * FROM %2$I
   EXCEPT ALL SELECT account_id, bg.completeness(%1$L, p), bg.missing_roles(%1$L, p)
     FROM people p GROUP BY 1)) d$$, template, scores_view)
       INTO score_differences;
END $f$;

-- Median wall time (ms) of each query over `runs` rounds.  Each round runs
-- every query once, in turn, so drift of a shared machine hits all alike.
-- Each query must return one row that consumes every column it computes
-- (PostgreSQL drops a subquery's unused outputs, which would time nothing).
CREATE OR REPLACE FUNCTION bench_rounds(names text[], queries text[], runs integer)
RETURNS TABLE (variant text, ms float8)
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS bench_samples (variant text, ms float8, round integer);
    TRUNCATE bench_samples;
    FOR r IN 1..runs LOOP
        FOR i IN 1..array_length(queries, 1) LOOP
            t0 := clock_timestamp();
            EXECUTE queries[i];
            INSERT INTO bench_samples
            VALUES (names[i], extract(epoch FROM clock_timestamp() - t0) * 1000, r);
        END LOOP;
    END LOOP;
    RETURN QUERY
        SELECT b.variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY b.ms)
          FROM bench_samples b GROUP BY b.variant;
END $$;
