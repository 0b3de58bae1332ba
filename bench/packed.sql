-- Packed tallies (issue 12, target 1): completeness + missing roles per
-- account with the state the planner hook now uses (a packed bigint,
-- bg.packed_completeness and bg.packed_missing_roles) against the same
-- aggregates over a bg.role_tally (the column twins, called by hand with the
-- arguments the hook passes), a by-value count of the same role evaluation,
-- and the GROUP BY floor: interleaved rounds in one session, medians.
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

\echo '== packed against bg.role_tally: median of' :runs 'interleaved rounds, serial (ms) =='
CREATE TEMP TABLE packed_timings AS
SELECT * FROM bench_rounds((SELECT array_agg(variant ORDER BY n) FROM packed_variants),
                           (SELECT array_agg(query ORDER BY n) FROM packed_variants), :runs);
SELECT v.variant, round(t.ms::numeric, 1) AS median_ms, round((t.ms / f.ms)::numeric, 2) AS "/ floor",
       round(b.least::numeric, 1) AS min_ms, round((b.least / fb.least)::numeric, 2) AS "min / floor's min"
  FROM packed_variants v JOIN packed_timings t USING (variant)
  JOIN packed_timings f ON f.variant = 'floor'
  JOIN (SELECT variant, min(ms) AS least FROM bench_samples GROUP BY 1) b ON b.variant = v.variant
  JOIN (SELECT min(ms) AS least FROM bench_samples WHERE variant = 'floor') fb ON true
 ORDER BY v.n;
