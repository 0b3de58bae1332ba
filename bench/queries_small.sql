-- The Small template (template_small.sql) written by hand, as carefully as a
-- user would: lower(btrim(...)) once per row (OFFSET 0 keeps it from being
-- repeated in every branch), LIKE patterns; then the FILTER counts per
-- account and the docs/design.md §5 arithmetic of queries.sql (run first).
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

CALL create_sql_scores('sql_small_scores', 'sql_small_roles');
