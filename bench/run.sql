-- One benchmark run in one session: equivalence checks, then medians and ratios.
\set ON_ERROR_STOP 1
\pset footer off
SET jit = off;
SET max_parallel_workers_per_gather = 0;
SET work_mem = '256MB';
-- every variant reads the table: no index-only shortcut for the floor
SET enable_indexscan = off;
SET enable_indexonlyscan = off;
SET enable_bitmapscan = off;

\echo '== equivalence (must be 0 and 0) =='
SELECT count(*) AS role_for_differences
  FROM people p JOIN sql_roles s USING (id)
 WHERE bg.role_for('Bench', p) IS DISTINCT FROM s.role;
SELECT count(*) AS score_differences FROM (
  (SELECT account_id, bg.completeness('Bench', p) AS completeness, bg.missing_roles('Bench', p) AS missing
     FROM people p GROUP BY 1
   EXCEPT ALL SELECT * FROM sql_scores)
  UNION ALL
  (SELECT * FROM sql_scores
   EXCEPT ALL SELECT account_id, bg.completeness('Bench', p), bg.missing_roles('Bench', p)
     FROM people p GROUP BY 1)) d \gset
\if :score_differences
  \echo 'bg and plain SQL disagree'
  SELECT 1/0 AS abort_benchmark;
\endif
\echo score_differences :score_differences

\echo '== timings: median of' :runs 'rounds, serial (ms) =='
CREATE TEMP TABLE timings AS
SELECT * FROM bench_rounds(
    ARRAY['scan', 'floor', 'bg', 'sql', 'role_for', 'case'],
    ARRAY['SELECT count(job_title) FROM people',
          'SELECT account_id, count(*) FROM people GROUP BY 1',
          $$SELECT account_id, bg.completeness('Bench', p) AS c, bg.missing_roles('Bench', p) AS m FROM people p GROUP BY 1$$,
          'SELECT * FROM sql_scores',
          $$SELECT bg.role_for('Bench', p) AS r FROM people p$$,
          'SELECT role FROM sql_roles'],
    :runs);

SELECT variant, round(ms::numeric, 1) AS median_ms FROM timings
 ORDER BY array_position(ARRAY['scan', 'floor', 'bg', 'sql', 'role_for', 'case'], variant);

\echo '== ratios =='
SELECT round((SELECT ms FROM timings WHERE variant = 'bg')::numeric
             / (SELECT ms FROM timings WHERE variant = 'floor')::numeric, 2) AS "bg / floor (target <= 2, stretch 1.5)",
       round((SELECT ms FROM timings WHERE variant = 'sql')::numeric
             / (SELECT ms FROM timings WHERE variant = 'bg')::numeric, 2) AS "sql / bg (target >= 3)",
       round((SELECT ms FROM timings WHERE variant = 'case')::numeric
             / (SELECT ms FROM timings WHERE variant = 'role_for')::numeric, 2) AS "case / role_for",
       round((SELECT ms FROM timings WHERE variant = 'role_for')::numeric
             / (SELECT ms FROM timings WHERE variant = 'scan')::numeric, 2) AS "role_for / scan";
