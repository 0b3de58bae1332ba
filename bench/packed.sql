-- Packed tallies (issue 12, target 1): completeness + missing roles per
-- account with the state the planner hook now uses (a packed bigint,
-- bg.packed_completeness and bg.packed_missing_roles) against the same
-- aggregates over a bg.role_tally (the column twins, called by hand with the
-- arguments the hook passes), a by-value count of the same role evaluation,
-- and the GROUP BY floor: interleaved rounds in one session; medians,
-- minimums, and the medians of ratios taken within each round.
-- After gen.sql, template.sql, template_small.sql and queries.sql (for
-- bench_rounds); psql variable runs.
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
      FROM people p GROUP BY 1) s$$),
 -- the same as packed, the roles evaluated by walking the condition trees
 (7, 'packed Small, trees', $$SET bg.flat_roles = off; SELECT count(*), sum(c), sum(cardinality(m)) FROM (SELECT account_id, bg.completeness('Small', p) AS c, bg.missing_roles('Small', p) AS m FROM people p GROUP BY 1) s; RESET bg.flat_roles$$),
 (8, 'packed Bench, trees', $$SET bg.flat_roles = off; SELECT count(*), sum(c), sum(cardinality(m)) FROM (SELECT account_id, bg.completeness('Bench', p) AS c, bg.missing_roles('Bench', p) AS m FROM people p GROUP BY 1) s; RESET bg.flat_roles$$),
 -- the floor plus reading the templates' three columns into a built-in
 -- that does nothing else: what any per-row function would add before
 -- evaluating a role
 (9, 'columns', 'SELECT count(*), sum(n) FROM (SELECT account_id, count(num_nonnulls(job_title, department, seniority)) AS n FROM people GROUP BY 1) s');

\echo '== the same answers (must be t) =='
SELECT (SELECT array_agg(x ORDER BY x) FROM (SELECT account_id, bg.completeness('Small', p), bg.missing_roles('Small', p) FROM people p GROUP BY 1) x)
     = (SELECT array_agg(x ORDER BY x) FROM (SELECT account_id,
            bg.completeness('Small', '{job_title,department,seniority}'::text[], job_title, department, seniority),
            bg.missing_roles('Small', '{job_title,department,seniority}'::text[], job_title, department, seniority)
          FROM people p GROUP BY 1) x) AS same_small;

\echo '== packed against bg.role_tally:' :runs 'interleaved rounds, serial (ms); per-round ratios to the floor of the same round =='
SHOW bg.flat_roles;
-- bench_rounds (queries.sql) keeps every sample with its round in bench_samples
CREATE TEMP TABLE packed_timings AS
SELECT * FROM bench_rounds((SELECT array_agg(variant ORDER BY n) FROM packed_variants),
                           (SELECT array_agg(query ORDER BY n) FROM packed_variants), :runs);
CREATE TEMP VIEW packed_samples AS SELECT round, variant, ms FROM bench_samples;
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
