-- bg.role_coverage (docs/design.md §6.7): one row per buying group and role
-- of its template, flat for BI tools.  For every group it equals the stored
-- jsonb role_counts and role_completeness and the missing_roles array of
-- bg.buying_groups (removed members do not count, roles that are not
-- required are never missing, thresholds above 1); the view and every
-- column have comments.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_managed_coverage;
SET search_path = regress_managed_coverage, public;

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text);
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL, job_title text);
INSERT INTO account SELECT a, 'Account ' || a FROM generate_series(1, 40) a;
-- people with every mix of titles: account a has (a % 4) chiefs, (a % 3)
-- directors, (a % 5) engineers
INSERT INTO person
SELECT row_number() OVER (), a, t
  FROM generate_series(1, 40) a,
       LATERAL (SELECT 'Chief Officer' FROM generate_series(1, a % 4)
                UNION ALL SELECT 'Director' FROM generate_series(1, a % 3)
                UNION ALL SELECT 'Security Engineer' FROM generate_series(1, a % 5)) x(t);
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');
\i :abs_srcdir/test/helpers/fixtures_sec.sql
-- a second template: thresholds above 1, a role that is not required, a
-- role only filled by hand
SELECT bg.create_template('ops');
SELECT bg.add_role('ops', 'Practitioner', 'job_title contains ''engineer''', members_required => 3);
SELECT bg.add_role('ops', 'Champion', 'job_title contains ''director''', required => false, members_required => 2);
SELECT bg.add_role('ops', 'Decision Maker', NULL);
SELECT bg.publish_template('ops');
SELECT bg.create_solution_interest('Sec', 'sec');
SELECT bg.create_solution_interest('Ops', 'ops');
SELECT bg.create_account_list('all');
SELECT bg.add_accounts('all', ARRAY(SELECT id FROM account));
SELECT bg.create_buying_groups(si, 'all') > 0 AS created FROM unnest(ARRAY['Sec', 'Ops']) si;
-- manual members, and removed ones
SELECT bg.assign_member(bg.buying_group_id('Ops', a), p.id, 'Decision Maker')
  FROM generate_series(1, 40, 3) a JOIN person p ON p.account_id = a AND p.job_title = 'Chief Officer';
SELECT count(*) > 0 AS removed FROM (
    SELECT bg.remove_member(m.buying_group, m.person_key::integer)
      FROM bg.members m WHERE m.person_key::integer % 7 = 0) x;

-- one row per group and template role
SELECT (SELECT count(*) FROM bg.role_coverage) AS coverage_rows,
       (SELECT sum((SELECT count(*) FROM jsonb_object_keys(g.role_counts))) FROM bg.buying_groups g) AS jsonb_roles;
-- every row equal to the stored jsonb; missing roles in priority order
SELECT count(*) AS differing_rows
  FROM bg.role_coverage c JOIN bg.buying_groups g ON g.id = c.buying_group
 WHERE (c.solution_interest, c.account_key, c.account_name)
           IS DISTINCT FROM (g.solution_interest, g.account_key, g.account_name)
    OR c.members IS DISTINCT FROM (g.role_counts ->> c.role)::integer
    OR c.completeness IS DISTINCT FROM (g.role_completeness ->> c.role)::double precision
    OR c.is_missing IS DISTINCT FROM (c.role = ANY (g.missing_roles));
-- members counted from bg.members
SELECT count(*) AS differing_counts
  FROM bg.role_coverage c
 WHERE c.members <> (SELECT count(*) FROM bg.members m
                      WHERE m.buying_group = c.buying_group AND m.role = c.role AND NOT m.is_removed);
SELECT count(*) AS differing_missing_roles
  FROM bg.buying_groups g
 WHERE g.missing_roles IS DISTINCT FROM
       coalesce((SELECT array_agg(c.role ORDER BY c.priority) FROM bg.role_coverage c
                  WHERE c.buying_group = g.id AND c.is_missing), '{}');
-- the values seen: thresholds 2 and 3 give fractions, not-required roles are never missing
SELECT c.solution_interest, c.role, c.priority, c.required, c.members_required, c.members,
       round(c.completeness::numeric, 2) AS completeness, c.is_missing, count(*) AS groups
  FROM bg.role_coverage c
 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
 ORDER BY 1, 3, 6;
-- README.md's example: Decision Maker completeness per solution interest
SELECT solution_interest, avg(completeness) AS decision_maker_completeness,
       count(*) FILTER (WHERE is_missing) AS groups_missing_one
  FROM bg.role_coverage
 WHERE role = 'Decision Maker'
 GROUP BY solution_interest
 ORDER BY solution_interest;
-- the roles of one group
SELECT * FROM bg.role_coverage WHERE buying_group = bg.buying_group_id('Ops', 7) ORDER BY priority;
-- column comments for BI tools
SELECT a.attname, col_description(a.attrelid, a.attnum) IS NOT NULL AS has_comment
  FROM pg_attribute a WHERE a.attrelid = 'bg.role_coverage'::regclass AND a.attnum > 0 ORDER BY a.attnum;
SELECT obj_description('bg.role_coverage'::regclass, 'pg_class') IS NOT NULL AS view_has_comment;

SET client_min_messages = warning;
DROP SCHEMA regress_managed_coverage CASCADE;
RESET client_min_messages;
