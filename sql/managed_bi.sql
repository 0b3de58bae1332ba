-- The README's "Buying groups in BI tools" section, run as written: the
-- example queries over bg.buying_groups and bg.members, and the
-- materialized view recipe refreshed CONCURRENTLY after members change.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
DROP SCHEMA IF EXISTS crm CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA crm;
CREATE TABLE crm.account (id integer PRIMARY KEY, name text NOT NULL, country text, parent_id integer);
CREATE TABLE crm.person (id integer PRIMARY KEY, account_id integer, full_name text, job_title text);
INSERT INTO crm.account VALUES (1, 'Acme', 'US', NULL), (2, 'Acme Canada', 'CA', 1),
                               (3, 'Globex', 'US', NULL), (4, 'Initech', 'DE', NULL);
INSERT INTO crm.person VALUES
    (1, 1, 'Ada Park', 'CISO'), (2, 1, 'Bo Chen', 'Security Engineer'),
    (3, 2, 'Cy Diaz', 'Network Engineer'), (4, 3, 'Di Evans', 'IT Analyst'),
    (5, 3, 'Ed Fox', 'Director of IT'), (6, 4, 'Fay Gill', 'CEO');

\o /dev/null
SELECT bg.bind_accounts('crm.account', key => 'id', name => 'name', parent => 'parent_id');
SELECT bg.bind_people('crm.person', key => 'id', account => 'account_id');
SELECT bg.create_template('Cybersecurity');
SELECT bg.add_role('Cybersecurity', 'Decision Maker', $$job_title starts with any ('VP', 'Head of', 'Director') or job_title = 'CISO'$$);
SELECT bg.add_role('Cybersecurity', 'Practitioner', $$job_title contains any ('Engineer', 'Analyst')$$, members_required => 2);
SELECT bg.add_role('Cybersecurity', 'Champion');
SELECT bg.publish_template('Cybersecurity');
SELECT bg.create_account_list('North America', 'dynamic', $$country in ('US', 'CA')$$);
SELECT bg.create_solution_interest('Security platform', 'Cybersecurity', update_existing => true);
SELECT bg.create_buying_groups('Security platform', 'North America');
\o

SELECT name, member_count, completeness, role_completeness, missing_roles FROM bg.buying_groups ORDER BY name;

-- README: groups below 50 % completeness that miss a Decision Maker
SELECT name, completeness, missing_roles
  FROM bg.buying_groups
 WHERE completeness < 50 AND 'Decision Maker' = ANY (missing_roles)
 ORDER BY completeness, name;

-- README: members by role
SELECT g.name AS buying_group, m.role, p.full_name, p.job_title, m.source
  FROM bg.members m
  JOIN bg.buying_groups g ON g.id = m.buying_group
  JOIN crm.person p ON p.id = m.person_key::integer
 WHERE NOT m.is_removed
 ORDER BY g.name, m.role, p.full_name;

-- README: the materialized view recipe
CREATE MATERIALIZED VIEW buying_group_dashboard AS
SELECT g.id, g.name, g.solution_interest, a.name AS account, a.country,
       g.member_count, round(g.completeness::numeric, 1) AS completeness,
       g.missing_roles
  FROM bg.buying_groups g
  JOIN crm.account a ON a.id = g.account_key::integer;
CREATE UNIQUE INDEX ON buying_group_dashboard (id);
SELECT name, account, country, member_count, completeness, missing_roles FROM buying_group_dashboard ORDER BY name;

-- members change; the dashboard follows after a concurrent refresh
SELECT bg.assign_member(bg.buying_group_id('Security platform', 2), 3, 'Practitioner');
SELECT bg.assign_member(bg.buying_group_id('Security platform', 2), 3, 'Champion');
SELECT bg.remove_member(bg.buying_group_id('Security platform', 3), 4);
REFRESH MATERIALIZED VIEW CONCURRENTLY buying_group_dashboard;
SELECT name, account, country, member_count, completeness, missing_roles FROM buying_group_dashboard ORDER BY name;

-- the dashboard equals the views, which equal the aggregates over members
SELECT count(*) AS dashboard_differences
  FROM buying_group_dashboard d JOIN bg.buying_groups g USING (id)
 WHERE (d.member_count, d.completeness, d.missing_roles)
       IS DISTINCT FROM (g.member_count, round(g.completeness::numeric, 1), g.missing_roles);
SELECT count(*) AS score_differences
  FROM bg.buying_groups g
  LEFT JOIN (SELECT m.buying_group, count(*) AS n, bg.completeness('Cybersecurity', m.role) AS c,
                    bg.missing_roles('Cybersecurity', m.role) AS mr
               FROM bg.members m WHERE NOT m.is_removed GROUP BY 1) s ON s.buying_group = g.id
 WHERE (g.member_count, g.completeness, g.missing_roles)
       IS DISTINCT FROM (coalesce(s.n, 0), coalesce(s.c, 0), coalesce(s.mr, ARRAY['Decision Maker', 'Practitioner']));

-- every column a BI tool shows has a description
SELECT c.relname, count(*) FILTER (WHERE col_description(c.oid, a.attnum) IS NULL) AS undocumented_columns,
       obj_description(c.oid, 'pg_class') IS NOT NULL AS view_documented
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relnamespace = 'bg'::regnamespace
   AND c.relname IN ('buying_groups', 'members', 'account_lists', 'solution_interests', 'jobs')
 GROUP BY c.oid, c.relname ORDER BY c.relname;

DROP MATERIALIZED VIEW buying_group_dashboard;
DROP SCHEMA crm CASCADE;
