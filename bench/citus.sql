-- bench/citus.sh: one database's timings (median of :runs rounds, ms) and
-- the ratio of each bg query to count(*) grouped the same way.  Besides the
-- benchmark's queries (account_bg, industry_bg): four aggregates by industry
-- (industry_bg4, with bg.role_counts, which needs exact counts), the three
-- that need counts only up to the thresholds (industry_bg3), and the parts
-- of their cost: the roles evaluated and
-- counted by the built-in count (*_eval), and bg.position_counts through
-- Citus's partial-aggregate wrapper without evaluating roles
-- (industry_wrapper); and, for scale, PostgreSQL's own per-row text
-- functions counted per account (account_length, account_lower), and the
-- least any per-row function of the template's three columns costs: a
-- built-in that reads them and does nothing else (*_columns).  Planner
-- settings (serial, no index scans) are the nodes' (bench/citus.sh).
\pset footer off
CREATE TEMP TABLE timings AS
SELECT * FROM bench_rounds(
    ARRAY['account_count', 'account_bg', 'account_eval', 'industry_count', 'industry_bg',
          'industry_bg4', 'industry_bg3', 'industry_eval', 'industry_wrapper', 'account_length', 'account_lower',
          'account_columns', 'industry_columns'],
    ARRAY['SELECT account_id, count(*) FROM people GROUP BY 1',
          $$SELECT account_id, bg.completeness('Bench', p) AS c, bg.missing_roles('Bench', p) AS m
              FROM people p GROUP BY 1$$,
          $$SELECT account_id, count(bg.role_position('Bench', p)) FROM people p GROUP BY 1$$,
          'SELECT a.industry, count(*) FROM accounts a JOIN people p ON p.account_id = a.id GROUP BY 1',
          $$SELECT a.industry, bg.completeness('Bench', p) AS c
              FROM accounts a JOIN people p ON p.account_id = a.id GROUP BY 1$$,
          $$SELECT a.industry, bg.completeness('Bench', p), bg.missing_roles('Bench', p),
                   bg.role_counts('Bench', p), bg.role_completeness('Bench', p)
              FROM accounts a JOIN people p ON p.account_id = a.id GROUP BY 1$$,
          $$SELECT a.industry, bg.completeness('Bench', p), bg.missing_roles('Bench', p),
                   bg.role_completeness('Bench', p)
              FROM accounts a JOIN people p ON p.account_id = a.id GROUP BY 1$$,
          $$SELECT a.industry, count(bg.role_position('Bench', p))
              FROM accounts a JOIN people p ON p.account_id = a.id GROUP BY 1$$,
          $$SELECT a.industry, bg.position_counts(1 + p.id % 6)
              FROM accounts a JOIN people p ON p.account_id = a.id GROUP BY 1$$,
          'SELECT account_id, count(length(job_title)) FROM people GROUP BY 1',
          'SELECT account_id, count(lower(job_title)) FROM people GROUP BY 1',
          'SELECT account_id, count(num_nonnulls(job_title, department, seniority)) FROM people GROUP BY 1',
          $$SELECT a.industry, count(num_nonnulls(p.job_title, p.department, p.seniority))
              FROM accounts a JOIN people p ON p.account_id = a.id GROUP BY 1$$],
    :runs);
SELECT b.variant, round(b.ms::numeric) AS ms,
       round((b.ms / c.ms)::numeric, 2) AS ratio_to_count
  FROM timings b
  JOIN timings c ON c.variant = CASE WHEN b.variant LIKE 'account%' THEN 'account_count' ELSE 'industry_count' END
 ORDER BY b.variant;
SELECT a.industry, bg.completeness('Bench', p)
  FROM accounts a JOIN people p ON p.account_id = a.id GROUP BY 1 ORDER BY 1;
