-- The Small template (template_small.sql) written by hand, as carefully as a
-- user would: lower(btrim(...)) once per row (OFFSET 0 keeps it from being
-- repeated in every branch), LIKE patterns, then FILTER counts per account
-- and the docs/design.md §5 arithmetic in bg's operation order.
\set ON_ERROR_STOP 1
CREATE OR REPLACE VIEW sql_small_roles AS
SELECT id, account_id, CASE
  WHEN t LIKE 'chief%' OR t LIKE 'president%' OR t LIKE 'founder%' OR t LIKE 'evp%'
    THEN 'Executive Steering Committee'
  WHEN t LIKE 'vp%' OR t LIKE 'vice president%' OR t LIKE 'head of%' OR t LIKE 'director%'
    THEN 'Decision Maker'
  WHEN (t LIKE '%architect%' OR t LIKE '%lead%' OR t LIKE '%principal%') AND seniority >= 3
    THEN 'Champion'
  WHEN t LIKE '%manager%' OR t LIKE '%counsel%' OR t LIKE '%auditor%'
    OR t LIKE '%officer' OR t LIKE '%consultant'
    THEN 'Influencer'
  WHEN t LIKE '%engineer' OR t LIKE '%analyst' OR t LIKE '%developer' OR t LIKE '%administrator'
    OR t LIKE '%specialist'
    THEN 'Practitioner'
  WHEN lower(btrim(department)) IN ('finance', 'marketing', 'sales', 'operations')
    THEN 'Other'
  END AS role
FROM (SELECT id, account_id, lower(btrim(coalesce(job_title, ''))) AS t, department, seniority
        FROM people OFFSET 0) s;

CREATE OR REPLACE VIEW sql_small_scores AS
SELECT account_id,
       (least(ex, 1) * 100.0::float8 / 1 + least(dm, 1) * 100.0::float8 / 1
        + least(ch, 1) * 100.0::float8 / 1 + least(inf, 2) * 100.0::float8 / 2
        + least(pr, 3) * 100.0::float8 / 3) / 5 AS completeness,
       array_remove(ARRAY[CASE WHEN ex < 1 THEN 'Executive Steering Committee' END,
                          CASE WHEN dm < 1 THEN 'Decision Maker' END,
                          CASE WHEN ch < 1 THEN 'Champion' END,
                          CASE WHEN inf < 2 THEN 'Influencer' END,
                          CASE WHEN pr < 3 THEN 'Practitioner' END], NULL) AS missing
  FROM (SELECT account_id,
               count(*) FILTER (WHERE role = 'Executive Steering Committee') AS ex,
               count(*) FILTER (WHERE role = 'Decision Maker') AS dm,
               count(*) FILTER (WHERE role = 'Champion') AS ch,
               count(*) FILTER (WHERE role = 'Influencer') AS inf,
               count(*) FILTER (WHERE role = 'Practitioner') AS pr
          FROM sql_small_roles GROUP BY account_id) c;
