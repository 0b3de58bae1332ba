-- The ad-hoc queries of the Citus test (scripts/citus_test.sh): each
-- section ("\echo == name") must print the same on the cluster as on the
-- plain database.  people and accounts are distributed by account.
\echo == role_for
SELECT p.id, bg.role_for('Cyber', p) FROM crm.person p ORDER BY p.id;
\echo == role_for_draft
SELECT p.id, bg.role_for('Draft', p) FROM crm.person p WHERE p.account_id = 7 ORDER BY p.id;
\echo == explain_role
SELECT p.id, e.* FROM crm.person p, bg.explain_role('Cyber', p) e
 WHERE p.account_id IN (1, 2) ORDER BY p.id, e.priority;
\echo == role_for_grouped
SELECT bg.role_for('Cyber', p) AS role, count(*) FROM crm.person p GROUP BY 1 ORDER BY 1;
\echo == by_account
SELECT account_id, bg.role_counts('Cyber', p), bg.completeness('Cyber', p),
       bg.role_completeness('Cyber', p), bg.missing_roles('Cyber', p)
  FROM crm.person p GROUP BY account_id ORDER BY account_id;
\echo == by_account_role_text
SELECT account_id, bg.role_counts('Cyber', bg.role_for('Cyber', p)),
       bg.completeness('Cyber', bg.role_for('Cyber', p)),
       bg.role_completeness('Cyber', bg.role_for('Cyber', p)),
       bg.missing_roles('Cyber', bg.role_for('Cyber', p))
  FROM crm.person p GROUP BY account_id ORDER BY account_id;
\echo == by_account_draft
SELECT account_id, bg.completeness('Draft', p), bg.missing_roles('Draft', p)
  FROM crm.person p GROUP BY account_id ORDER BY account_id;
\echo == by_industry
SELECT a.industry, bg.role_counts('Cyber', p), bg.completeness('Cyber', p),
       bg.role_completeness('Cyber', p), bg.missing_roles('Cyber', p)
  FROM crm.account a JOIN crm.person p ON p.account_id = a.id
 GROUP BY a.industry ORDER BY a.industry;
\echo == by_department
SELECT department, bg.role_counts('Cyber', p), bg.completeness('Cyber', p)
  FROM crm.person p GROUP BY department ORDER BY department;
\echo == by_department_role_text
SELECT department, bg.role_counts('Cyber', bg.role_for('Cyber', p))
  FROM crm.person p GROUP BY department ORDER BY department;
\echo == total
SELECT bg.role_counts('Cyber', p), bg.completeness('Cyber', p),
       bg.role_completeness('Cyber', p), bg.missing_roles('Cyber', p)
  FROM crm.person p;
\echo == total_draft
SELECT bg.role_counts('Draft', p), bg.completeness('Draft', p) FROM crm.person p;
\echo == having
SELECT account_id, bg.completeness('Cyber', p) FROM crm.person p
 GROUP BY account_id HAVING bg.completeness('Cyber', p) < 80 ORDER BY account_id;
\echo == having_industry
SELECT a.industry, bg.completeness('Cyber', p) FROM crm.account a JOIN crm.person p ON p.account_id = a.id
 GROUP BY a.industry HAVING bg.completeness('Cyber', p) > 0 ORDER BY a.industry;
\echo == filter
SELECT account_id, bg.role_counts('Cyber', p) FILTER (WHERE seniority > 3),
       bg.completeness('Cyber', p) FILTER (WHERE department = 'Security')
  FROM crm.person p GROUP BY account_id ORDER BY account_id;
\echo == filter_department
SELECT department, bg.role_counts('Cyber', p) FILTER (WHERE seniority > 3)
  FROM crm.person p GROUP BY department ORDER BY department;
\echo == window_by_account
SELECT p.id, bg.completeness('Cyber', p) OVER (PARTITION BY p.account_id)
  FROM crm.person p WHERE p.account_id <= 5 ORDER BY p.id;
\echo == window_by_department
SELECT p.id, bg.role_counts('Cyber', p) OVER (PARTITION BY p.department)
  FROM crm.person p WHERE p.id <= 60 ORDER BY p.id;
\echo == window_by_department_cte
WITH r AS MATERIALIZED (SELECT p.id, p.department, bg.role_for('Cyber', p) AS role FROM crm.person p)
SELECT r.id, bg.role_counts('Cyber', r.role) OVER (PARTITION BY r.department)
  FROM r WHERE r.id <= 60 ORDER BY r.id;
\echo == left_join_accounts
SELECT a.id, bg.completeness('Cyber', p), bg.missing_roles('Cyber', p), bg.role_counts('Cyber', p)
  FROM crm.account a LEFT JOIN crm.person p ON p.account_id = a.id
 GROUP BY a.id ORDER BY a.id;
\echo == left_join_industry
SELECT a.industry, bg.completeness('Cyber', p)
  FROM crm.account a LEFT JOIN crm.person p ON p.account_id = a.id
 GROUP BY a.industry ORDER BY a.industry;
\echo == subquery
SELECT s.completeness, count(*) FROM (
    SELECT account_id, bg.completeness('Cyber', p) AS completeness
      FROM crm.person p GROUP BY account_id) s
 GROUP BY 1 ORDER BY 1;
\echo == prepared
PREPARE by_acct(int) AS SELECT bg.completeness('Cyber', p), bg.role_counts('Cyber', p) FROM crm.person p WHERE account_id = $1;
EXECUTE by_acct(1);
EXECUTE by_acct(2);
EXECUTE by_acct(7);
EXECUTE by_acct(9);
EXECUTE by_acct(11);
EXECUTE by_acct(13);
EXECUTE by_acct(12);
DEALLOCATE by_acct;
\echo == draft_change_in_transaction
BEGIN;
SELECT bg.create_role('Legal', 'signs off');
SELECT bg.add_role('Draft', 'Legal', $$department = 'Legal'$$, required => true);
SELECT department, bg.role_counts('Draft', p), bg.missing_roles('Draft', p)
  FROM crm.person p GROUP BY department ORDER BY department;
ROLLBACK;
SELECT bg.role_counts('Draft', p) FROM crm.person p;
\echo == prepared_template_parameter
PREPARE by_tmpl(text) AS SELECT account_id, bg.completeness($1, p), bg.missing_roles($1, p)
  FROM crm.person p WHERE account_id < 6 GROUP BY account_id ORDER BY account_id;
EXECUTE by_tmpl('Cyber');
EXECUTE by_tmpl('Draft');
EXECUTE by_tmpl('Cyber');
EXECUTE by_tmpl('Draft');
EXECUTE by_tmpl('Cyber');
EXECUTE by_tmpl('Draft');
EXECUTE by_tmpl('Cyber');
DEALLOCATE by_tmpl;
\echo == prepared_after_template_change
PREPARE draft_counts AS SELECT department, bg.role_counts('Draft', p) FROM crm.person p
 GROUP BY department ORDER BY department;
EXECUTE draft_counts;
EXECUTE draft_counts;
EXECUTE draft_counts;
EXECUTE draft_counts;
EXECUTE draft_counts;
EXECUTE draft_counts;
SELECT bg.add_role('Draft', 'Executive Steering Committee', $$seniority >= 7$$, priority => 1);
EXECUTE draft_counts;
SELECT bg.remove_role('Draft', 'Executive Steering Committee');
EXECUTE draft_counts;
DEALLOCATE draft_counts;
-- The shared form of the scoring aggregates (plan_shared_tally.c): on the
-- cluster every scoring aggregate of one template becomes a final function
-- over one bg.position_counts; these forms must still answer as the plain
-- node does.
\echo == shared_filter_having_order
SELECT a.industry, bg.completeness('Cyber', p) FILTER (WHERE p.seniority > 2) AS c,
       bg.missing_roles('Cyber', p) FILTER (WHERE p.seniority > 2),
       bg.role_counts('Cyber', p) FILTER (WHERE p.department = 'Security')
  FROM crm.account a JOIN crm.person p ON p.account_id = a.id
 GROUP BY a.industry HAVING bg.completeness('Cyber', p) FILTER (WHERE p.seniority > 2) > 0
 ORDER BY bg.completeness('Cyber', p) FILTER (WHERE p.seniority > 2) DESC, a.industry;
\echo == shared_mixed_role_text
SELECT p.department, bg.completeness('Cyber', p), bg.missing_roles('Cyber', bg.role_for('Cyber', p)),
       bg.role_counts('Cyber', CASE WHEN p.seniority > 6 THEN 'Champion' END),
       bg.role_completeness('Cyber', bg.role_for('Cyber', p))
  FROM crm.person p GROUP BY p.department ORDER BY p.department;
\echo == shared_two_templates
SELECT a.country, bg.completeness('Cyber', p), bg.completeness('Draft', p),
       bg.missing_roles('Draft', p), bg.role_counts('Cyber', p)
  FROM crm.account a JOIN crm.person p ON p.account_id = a.id GROUP BY a.country ORDER BY a.country;
\echo == shared_distinct
SELECT p.department, bg.role_counts(DISTINCT 'Cyber', p), bg.completeness('Cyber', p)
  FROM crm.person p GROUP BY p.department ORDER BY p.department;
\echo == shared_order_by
SELECT p.department, bg.missing_roles('Cyber', p ORDER BY p.id), bg.completeness('Cyber', p)
  FROM crm.person p GROUP BY p.department ORDER BY p.department;
SELECT p.account_id, bg.role_counts('Cyber', p ORDER BY p.id DESC)
  FROM crm.person p WHERE p.account_id < 5 GROUP BY p.account_id ORDER BY p.account_id;
\echo == shared_empty
SELECT a.id / 5 AS bucket, bg.completeness('Cyber', p), bg.role_counts('Cyber', p),
       bg.missing_roles('Cyber', p), count(p.id)
  FROM crm.account a LEFT JOIN crm.person p ON p.account_id = a.id
 WHERE a.id > 45 GROUP BY 1 ORDER BY 1;
SELECT bg.completeness('Cyber', p), bg.missing_roles('Cyber', p) FROM crm.person p WHERE p.account_id > 100;
SELECT p.department, bg.completeness('Cyber', p) FILTER (WHERE p.seniority > 100) FROM crm.person p
 GROUP BY p.department ORDER BY p.department;
\echo == shared_empty_null_conditions
BEGIN;
SELECT bg.create_template('Nulls');
SELECT bg.add_role('Nulls', 'Decision Maker', 'job_title is empty');
SELECT bg.add_role('Nulls', 'Practitioner', 'seniority <> 3', required => false);
SELECT a.id, bg.role_counts('Nulls', p), bg.completeness('Nulls', p), count(p.id)
  FROM crm.account a LEFT JOIN crm.person p ON p.account_id = a.id
 WHERE a.id > 45 GROUP BY a.id ORDER BY a.id;
SELECT a.id / 5 AS bucket, bg.role_counts('Nulls', p), bg.missing_roles('Nulls', p)
  FROM crm.account a LEFT JOIN crm.person p ON p.account_id = a.id
 WHERE a.id > 45 GROUP BY 1 ORDER BY 1;
ROLLBACK;
\echo == shared_role_for_alongside
SELECT a.industry, bg.completeness('Cyber', p), bg.missing_roles('Cyber', p),
       count(*) FILTER (WHERE bg.role_for('Cyber', p) = 'Practitioner') AS practitioners
  FROM crm.account a JOIN crm.person p ON p.account_id = a.id GROUP BY a.industry ORDER BY a.industry;
SELECT p.account_id, bg.completeness('Cyber', p), bg.missing_roles('Cyber', p),
       count(*) FILTER (WHERE bg.role_for('Cyber', p) = 'Practitioner') AS practitioners
  FROM crm.person p WHERE p.account_id < 8 GROUP BY p.account_id ORDER BY p.account_id;
SELECT a.industry, bg.role_for('Cyber', p) AS role, count(*), bg.role_counts('Cyber', p)
  FROM crm.account a JOIN crm.person p ON p.account_id = a.id GROUP BY 1, 2 ORDER BY 1, 2;
\echo == shared_subquery
WITH t AS (SELECT a.industry, bg.completeness('Cyber', p) AS c, bg.missing_roles('Cyber', p) AS m
             FROM crm.account a JOIN crm.person p ON p.account_id = a.id GROUP BY a.industry)
SELECT * FROM t ORDER BY industry;
SELECT d, c FROM (SELECT p.department AS d, bg.completeness('Draft', p) AS c FROM crm.person p GROUP BY 1) s
 WHERE c IS NOT NULL ORDER BY d;
\echo == shared_form_written
SELECT a.industry, bg.counts_completeness('Cyber', bg.position_counts(bg.role_position('Cyber', p))),
       bg.counts_role_counts('Cyber', bg.position_counts(bg.role_position('Cyber', p)))
  FROM crm.account a JOIN crm.person p ON p.account_id = a.id GROUP BY a.industry ORDER BY a.industry;
SELECT p.account_id, bg.position_counts(bg.role_position('Cyber', p)),
       bg.counts_missing_roles('Cyber', bg.position_counts(bg.role_position('Cyber', p)))
  FROM crm.person p WHERE p.account_id < 5 GROUP BY 1 ORDER BY 1;
-- Packed position counts (bg.packed_position_counts): where the template
-- fits and no bg.role_counts shares the state; counts saturate at the
-- largest threshold's width (by industry, far below the people counted), a
-- template that does not fit keeps bg.position_counts.
\echo == packed_by_industry
SELECT a.industry, bg.completeness('Cyber', p), bg.role_completeness('Cyber', p), bg.missing_roles('Cyber', p),
       bg.completeness('Draft', p), bg.missing_roles('Draft', bg.role_for('Draft', p))
  FROM crm.account a JOIN crm.person p ON p.account_id = a.id GROUP BY a.industry ORDER BY a.industry;
\echo == packed_wide_and_unfit
BEGIN;
SELECT bg.create_template('Wide');
SELECT bg.add_role('Wide', 'Practitioner', 'seniority > 2', members_required => 40);
SELECT bg.add_role('Wide', 'Decision Maker', $$department = 'IT'$$, members_required => 6);
SELECT bg.create_template('Unfit');
SELECT bg.add_role('Unfit', 'Practitioner', 'seniority > 0', members_required => 300);
SELECT bg.add_role('Unfit', 'Champion', $$department = 'Legal'$$, members_required => 2);
SELECT a.country, bg.completeness('Wide', p), bg.role_completeness('Wide', p), bg.missing_roles('Wide', p),
       bg.completeness('Unfit', p), bg.role_completeness('Unfit', p), bg.missing_roles('Unfit', p)
  FROM crm.account a JOIN crm.person p ON p.account_id = a.id GROUP BY a.country ORDER BY a.country;
SELECT p.account_id, bg.completeness('Wide', p), bg.missing_roles('Wide', p), bg.role_completeness('Unfit', p)
  FROM crm.person p WHERE p.account_id < 6 GROUP BY 1 ORDER BY 1;
SELECT a.id / 10 AS bucket, bg.completeness('Wide', p), bg.missing_roles('Wide', p), count(p.id)
  FROM crm.account a LEFT JOIN crm.person p ON p.account_id = a.id GROUP BY 1 ORDER BY 1;
ROLLBACK;
\echo == shared_as_reader
SET ROLE bg_citus_reader;
SELECT a.industry, bg.role_counts('Cyber', p), bg.completeness('Cyber', p),
       bg.role_completeness('Cyber', p), bg.missing_roles('Cyber', p)
  FROM crm.account a JOIN crm.person p ON p.account_id = a.id
 GROUP BY a.industry ORDER BY a.industry;
SELECT account_id, bg.completeness('Cyber', p), bg.missing_roles('Cyber', bg.role_for('Cyber', p))
  FROM crm.person p WHERE account_id < 5 GROUP BY account_id ORDER BY account_id;
SELECT p.department, bg.completeness('Draft', p) FILTER (WHERE p.seniority > 2)
  FROM crm.person p GROUP BY 1 ORDER BY 1;
SELECT a.country, bg.role_counts('Cyber', CASE p.department WHEN 'Security' THEN 'Practitioner'
                                           WHEN 'Executive' THEN 'Executive Steering Committee' END),
       bg.missing_roles('Cyber', CASE p.department WHEN 'Security' THEN 'Practitioner'
                                           WHEN 'Executive' THEN 'Executive Steering Committee' END)
  FROM crm.account a JOIN crm.person p ON p.account_id = a.id GROUP BY 1 ORDER BY 1;
RESET ROLE;
