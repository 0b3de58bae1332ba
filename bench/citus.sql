-- bench/citus.sh: one database's timings (median of :runs rounds, ms) and
-- the ratio of each bg query to count(*) grouped the same way.  Planner
-- settings (serial, no index scans) are the nodes' (bench/citus.sh).
\pset footer off
CREATE TEMP TABLE timings AS
SELECT * FROM bench_rounds(
    ARRAY['account_count', 'account_bg', 'industry_count', 'industry_bg'],
    ARRAY['SELECT account_id, count(*) FROM people GROUP BY 1',
          $$SELECT account_id, bg.completeness('Bench', p) AS c, bg.missing_roles('Bench', p) AS m
              FROM people p GROUP BY 1$$,
          'SELECT a.industry, count(*) FROM accounts a JOIN people p ON p.account_id = a.id GROUP BY 1',
          $$SELECT a.industry, bg.completeness('Bench', p) AS c
              FROM accounts a JOIN people p ON p.account_id = a.id GROUP BY 1$$],
    :runs);
SELECT b.variant, round(b.ms::numeric) AS ms,
       round((b.ms / c.ms)::numeric, 2) AS ratio_to_count
  FROM timings b
  JOIN timings c ON c.variant = CASE WHEN b.variant LIKE 'account%' THEN 'account_count' ELSE 'industry_count' END
 ORDER BY b.variant;
SELECT a.industry, bg.completeness('Bench', p)
  FROM accounts a JOIN people p ON p.account_id = a.id GROUP BY 1 ORDER BY 1;
