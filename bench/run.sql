-- One benchmark run in one session: equivalence checks, then medians of
-- interleaved rounds and ratios, for the Bench and the Small template.
-- psql variables: runs (rounds); quick=1 leaves out the slow plain-SQL
-- variants (sql, case) while iterating.
\ir session.sql
\if :{?quick}
\else
  \set quick 0
\endif
-- every variant reads the table: no index-only shortcut for the floor
SET enable_indexscan = off;
SET enable_indexonlyscan = off;
SET enable_bitmapscan = off;

\echo '== equivalence (must be all 0) =='
CREATE TEMP TABLE differences AS
SELECT t.template, d.role_differences, d.score_differences
  FROM (VALUES ('Bench', 'sql_roles', 'sql_scores'),
               ('Small', 'sql_small_roles', 'sql_small_scores')) t(template, roles, scores),
       bench_differences(t.template, t.roles, t.scores) d;
SELECT * FROM differences ORDER BY template;
SELECT count(*) <> 0 AS disagree FROM differences
 WHERE role_differences + score_differences <> 0 \gset
\if :disagree
  \echo 'bg and plain SQL disagree'
  SELECT 1/0 AS abort_benchmark;
\endif

-- Every query consumes every column it computes.
CREATE TEMP TABLE variants (n int, variant text, query text, slow boolean);
INSERT INTO variants VALUES
 (1, 'scan', 'SELECT count(job_title) FROM people', false),
 (2, 'floor', 'SELECT count(*), sum(n) FROM (SELECT account_id, count(*) AS n FROM people GROUP BY 1) s', false),
 (3, 'bg', $$SELECT count(*), sum(c), sum(cardinality(m)) FROM (SELECT account_id, bg.completeness('Bench', p) AS c, bg.missing_roles('Bench', p) AS m FROM people p GROUP BY 1) s$$, false),
 (4, 'sql', 'SELECT count(*), sum(completeness), sum(cardinality(missing)) FROM sql_scores', true),
 (5, 'role_for', $$SELECT count(r) FROM (SELECT bg.role_for('Bench', p) AS r FROM people p) s$$, false),
 (6, 'case', 'SELECT count(role) FROM sql_roles', true),
 (7, 'bg_small', $$SELECT count(*), sum(c), sum(cardinality(m)) FROM (SELECT account_id, bg.completeness('Small', p) AS c, bg.missing_roles('Small', p) AS m FROM people p GROUP BY 1) s$$, false),
 (8, 'sql_small', 'SELECT count(*), sum(completeness), sum(cardinality(missing)) FROM sql_small_scores', true),
 (9, 'role_for_small', $$SELECT count(r) FROM (SELECT bg.role_for('Small', p) AS r FROM people p) s$$, false),
 (10, 'case_small', 'SELECT count(role) FROM sql_small_roles', true),
 -- the least any per-row function of the templates' three columns costs:
 -- a built-in that reads them and does nothing else (target 2's bound)
 (11, 'columns', 'SELECT count(num_nonnulls(job_title, department, seniority)) FROM people', false);
DELETE FROM variants WHERE slow AND :quick = 1;

\echo '== timings: median of' :runs 'interleaved rounds, serial (ms) =='
CREATE TEMP TABLE timings AS
SELECT * FROM bench_rounds((SELECT array_agg(variant ORDER BY n) FROM variants),
                           (SELECT array_agg(query ORDER BY n) FROM variants), :runs);

SELECT t.variant, round(t.ms::numeric, 1) AS median_ms
  FROM timings t JOIN variants v USING (variant) ORDER BY v.n;

\echo '== ratios =='
CREATE TEMP VIEW m AS SELECT variant, ms::numeric AS ms FROM timings;
SELECT t.template,
       round(bg.ms / fl.ms, 2) AS "bg / floor (target <= 1.5)",
       round(sq.ms / bg.ms, 2) AS "sql / bg (target >= 4)",
       round(rf.ms / sc.ms, 2) AS "role_for / scan (target <= 1.3)",
       round(co.ms / sc.ms, 2) AS "columns / scan",
       round(cs.ms / rf.ms, 2) AS "case / role_for"
  FROM (VALUES (1, 'Bench', ''), (2, 'Small', '_small')) t(k, template, sfx)
  JOIN m fl ON fl.variant = 'floor'
  JOIN m sc ON sc.variant = 'scan'
  JOIN m co ON co.variant = 'columns'
  JOIN m bg ON bg.variant = 'bg' || t.sfx
  JOIN m rf ON rf.variant = 'role_for' || t.sfx
  LEFT JOIN m sq ON sq.variant = 'sql' || t.sfx
  LEFT JOIN m cs ON cs.variant = 'case' || t.sfx
 ORDER BY t.k;

-- Parallel (issue 12, target 3): the same queries with 2 workers, against
-- their serial medians above; bg must scale as the floor does.
\if :{?parallel}
\else
  \set parallel 0
\endif
SELECT :parallel = 1 AS run_parallel \gset
\if :run_parallel
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
\echo '== timings with 2 workers: median of' :runs 'interleaved rounds (ms) =='
CREATE TEMP TABLE ptimings AS
SELECT * FROM bench_rounds((SELECT array_agg(variant ORDER BY n) FROM variants WHERE NOT slow),
                           (SELECT array_agg(query ORDER BY n) FROM variants WHERE NOT slow), :runs);
SELECT p.variant, round(s.ms::numeric, 1) AS serial_ms, round(p.ms::numeric, 1) AS parallel_ms,
       round((s.ms / p.ms)::numeric, 2) AS speedup
  FROM ptimings p JOIN timings s USING (variant) JOIN variants v USING (variant) ORDER BY v.n;
\echo '== bg speedup / floor speedup (target >= 0.9) =='
SELECT v.variant,
       round(((s.ms / p.ms) / (sf.ms / pf.ms))::numeric, 2) AS "speedup / floor speedup"
  FROM variants v
  JOIN timings s USING (variant) JOIN ptimings p USING (variant)
  JOIN timings sf ON sf.variant = 'floor' JOIN ptimings pf ON pf.variant = 'floor'
 WHERE v.variant IN ('bg', 'bg_small')
 ORDER BY v.n;
SET max_parallel_workers_per_gather = 0;
\endif
