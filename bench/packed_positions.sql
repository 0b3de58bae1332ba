-- Packed position counts (issue 13): what a Citus worker runs per account
-- (completeness + missing roles over the shared state, narrowed there as
-- here), with the by-value state the planner hook now writes
-- (bg.packed_position_counts) against the bigint[] one it replaces
-- (bg.position_counts), beside the roles evaluated and counted by the
-- built-in count and the GROUP BY floor; by industry (8 groups) too.
-- Interleaved rounds in one session on a plain database: medians,
-- minimums, and the medians of the ratios taken within each round.
-- After gen.sql, template.sql, an industry per account (as bench/citus.sh)
-- and queries.sql (for bench_rounds); psql variable runs.
\ir session.sql
SET enable_indexscan = off;
SET enable_indexonlyscan = off;
SET enable_bitmapscan = off;

CREATE TEMP TABLE pp_variants (n int, variant text, query text);
INSERT INTO pp_variants VALUES
 (1, 'account floor', 'SELECT count(*), sum(n) FROM (SELECT account_id, count(*) AS n FROM people GROUP BY 1) s'),
 (2, 'account eval', $$SELECT count(*), sum(n) FROM (SELECT account_id, count(bg.role_position('Bench', p)) AS n FROM people p GROUP BY 1) s$$),
 (3, 'account array', $$SELECT count(*), sum(c), sum(cardinality(m)) FROM (SELECT account_id,
      bg.counts_completeness('Bench', bg.position_counts(bg.role_position('Bench', p))) AS c,
      bg.counts_missing_roles('Bench', bg.position_counts(bg.role_position('Bench', p))) AS m
      FROM people p GROUP BY 1) s$$),
 (4, 'account packed', $$SELECT count(*), sum(c), sum(cardinality(m)) FROM (SELECT account_id,
      bg.packed_counts_completeness('Bench', bg.packed_position_counts(bg.packed_role_position('Bench', p))) AS c,
      bg.packed_counts_missing_roles('Bench', bg.packed_position_counts(bg.packed_role_position('Bench', p))) AS m
      FROM people p GROUP BY 1) s$$),
 (5, 'industry floor', 'SELECT count(*), sum(n) FROM (SELECT a.industry, count(*) AS n FROM accounts a JOIN people p ON p.account_id = a.id GROUP BY 1) s'),
 (6, 'industry array', $$SELECT count(*), sum(c) FROM (SELECT a.industry,
      bg.counts_completeness('Bench', bg.position_counts(bg.role_position('Bench', p))) AS c
      FROM accounts a JOIN people p ON p.account_id = a.id GROUP BY 1) s$$),
 (7, 'industry packed', $$SELECT count(*), sum(c) FROM (SELECT a.industry,
      bg.packed_counts_completeness('Bench', bg.packed_position_counts(bg.packed_role_position('Bench', p))) AS c
      FROM accounts a JOIN people p ON p.account_id = a.id GROUP BY 1) s$$);

\echo '== the same answers (must be t) =='
SELECT (SELECT array_agg(x ORDER BY x) FROM (SELECT account_id,
            bg.counts_completeness('Bench', bg.position_counts(bg.role_position('Bench', p))),
            bg.counts_missing_roles('Bench', bg.position_counts(bg.role_position('Bench', p)))
          FROM people p GROUP BY 1) x)
     = (SELECT array_agg(x ORDER BY x) FROM (SELECT account_id,
            bg.packed_counts_completeness('Bench', bg.packed_position_counts(bg.packed_role_position('Bench', p))),
            bg.packed_counts_missing_roles('Bench', bg.packed_position_counts(bg.packed_role_position('Bench', p)))
          FROM people p GROUP BY 1) x) AS same;

\echo '== packed against array:' :runs 'interleaved rounds, serial (ms); per-round ratios =='
CREATE TEMP TABLE pp_timings AS
SELECT * FROM bench_rounds((SELECT array_agg(variant ORDER BY n) FROM pp_variants),
                           (SELECT array_agg(query ORDER BY n) FROM pp_variants), :runs);
SELECT v.variant,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.ms)::numeric, 1) AS median_ms,
       round(min(s.ms)::numeric, 1) AS min_ms,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.ms / f.ms)::numeric, 2) AS "median of / floor",
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.ms / a.ms)::numeric, 2) AS "median of packed / array"
  FROM pp_variants v
  JOIN bench_samples s ON s.variant = v.variant
  JOIN bench_samples f ON f.round = s.round AND f.variant = split_part(v.variant, ' ', 1) || ' floor'
  LEFT JOIN bench_samples a ON a.round = s.round AND v.variant LIKE '% packed'
                           AND a.variant = replace(v.variant, 'packed', 'array')
 GROUP BY v.n, v.variant
 ORDER BY v.n;
