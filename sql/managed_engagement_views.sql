-- The engagement reporting views (docs/design.md §7.1) against hand-computed
-- values: bg.engagement_by_role (UTC months, the active model's types or
-- all, removed members, no activities table bound), bg.role_acquisition
-- (months of the additions, removed members count), bg.score_bands (the
-- edges 25, 50, 75 and 100, empty bands, groups never refreshed), the
-- person_engagement column of bg.members after a refresh, what a reader
-- under row-level security sees, and the comments.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_managed_engagement_views;
SET search_path = regress_managed_engagement_views, public;
SET TimeZone = 'UTC';

-- try(query): the shared helpers
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL REFERENCES account, job_title text);
CREATE TABLE activity (person_id integer, activity_type text, occurred_at timestamptz);
CREATE INDEX ON activity (person_id);

INSERT INTO account VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech'), (4, 'Umbrella'), (5, 'Hooli'), (6, 'Stark');
INSERT INTO person VALUES
    (11, 1, 'Chief Security Officer'), (12, 1, 'Director of IT'), (13, 1, 'Security Engineer'),
    (14, 1, 'Analyst'),                   -- Champion, assigned by hand
    (15, 1, 'Network Engineer'),          -- a second Practitioner, removed later
    (21, 2, 'VP Engineering'), (22, 2, 'Director of Security'), (23, 2, 'Site Engineer'),
    (31, 3, 'Chief Information Officer'), (32, 3, 'Director of Operations'),
    (41, 4, 'VP Sales'),
    (51, 5, 'Receptionist'),              -- no role: group 5 is empty
    (61, 6, 'Chief Executive');           -- account 6 gets its group after the refresh
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');
-- four required roles of one member each, all vital: k roles filled give a
-- completeness of 25·k, and V(g) = 100·k
SELECT bg.create_template('eng');
SELECT bg.add_role('eng', 'Decision Maker', 'job_title starts with any (''chief'', ''vp'')', weight => 'vital');
SELECT bg.add_role('eng', 'Influencer', 'job_title contains ''director''', weight => 'vital');
SELECT bg.add_role('eng', 'Practitioner', 'job_title contains ''engineer''', weight => 'vital');
SELECT bg.add_role('eng', 'Champion', weight => 'vital');
SELECT bg.publish_template('eng');
SELECT bg.create_solution_interest('Security', 'eng');
SELECT bg.create_solution_interest('Cloud', 'eng');       -- no groups: every band 0
SELECT bg.create_account_list('first');
SELECT bg.add_accounts('first', ARRAY[1, 2, 3, 4, 5]);
SELECT bg.create_buying_groups('Security', 'first');
SELECT bg.assign_member(bg.buying_group_id('Security', 1), 14, 'Champion');

-- the additions, at fixed times: 11 on 2026-11-01 01:30 UTC (October 31 at
-- -02), 21 on 2026-10-31 22:30 UTC (November 1 at +02), 15 in November, the
-- others in October
UPDATE bg_internal.member SET added_at = CASE person_key
    WHEN '11' THEN '2026-10-31 23:30-02'::timestamptz
    WHEN '21' THEN '2026-11-01 00:30+02'::timestamptz
    WHEN '15' THEN '2026-11-05 10:00+00'::timestamptz
    ELSE '2026-10-15 10:00+00'::timestamptz END;

-- no activities table bound: no rows, no error
SELECT count(*) AS no_activities_bound FROM bg.engagement_by_role;

-- email is weighted (vital), spam is not; as_of 2026-11-29 12:00 UTC:
-- R(11) = 64 (16 on each of four days), R(21) = 27, R(31) = 8, R(41) = 1,
-- R(61) = 2; 15's two emails are older than the window, one on each side of
-- the end of September in UTC; 99 is not a bound person
INSERT INTO activity
SELECT 11, 'email', '2026-11-10 09:00+00'::timestamptz + d * interval '1 day' FROM generate_series(0, 3) d, generate_series(1, 16)
UNION ALL SELECT 11, 'spam', '2026-11-14 09:00+00' FROM generate_series(1, 3)
UNION ALL SELECT 21, 'email', '2026-11-10 09:00+00' FROM generate_series(1, 20)
UNION ALL SELECT 21, 'email', '2026-11-11 09:00+00' FROM generate_series(1, 7)
UNION ALL SELECT 31, 'email', '2026-11-10 09:00+00' FROM generate_series(1, 8)
UNION ALL SELECT 41, 'email', '2026-11-10 09:00+00'
UNION ALL SELECT 15, 'email', '2026-10-01 00:30+02'          -- 2026-09-30 22:30 UTC
UNION ALL SELECT 15, 'email', '2026-09-30 23:30-02'          -- 2026-10-01 01:30 UTC
UNION ALL SELECT 15, 'email', NULL                           -- no time: counts nowhere
UNION ALL SELECT 61, 'email', '2026-11-20 09:00+00' FROM generate_series(1, 2)
UNION ALL SELECT 99, 'email', '2026-11-20 09:00+00' FROM generate_series(1, 5);
SELECT bg.bind_activities('activity');

-- no model active: every type counts (11's spam too); the months are UTC
-- months whatever the session's time zone
SET TimeZone = 'America/St_Johns';
SELECT * FROM bg.engagement_by_role;
SET TimeZone = 'UTC';

SELECT bg.create_weighting_model('m');
SELECT bg.set_activity_weight('m', 'email', 'vital');
SELECT bg.activate_weighting_model('m');
-- the active model's types only: 64 + 27 + 8 + 1 = 100 in November
SELECT * FROM bg.engagement_by_role;

-- members added per role and UTC month
SELECT * FROM bg.role_acquisition;

-- before any refresh: completeness 100, 75, 50, 25, 0 (groups 1 to 5); no
-- engagement score yet, so no group in the engagement bands
SELECT account_key, completeness, engagement_score FROM bg.buying_groups ORDER BY account_key;
SELECT * FROM bg.score_bands;
SELECT person_key, role, person_engagement FROM bg.members ORDER BY person_key;

-- G(g) = R(decision maker)·100 / (100·k): 64/4 = 16, 27/3 = 9, 8/2 = 4,
-- 1/1 = 1, 0; E(g) = 100·sqrt(G)/4: exactly 100, 75, 50, 25, 0
SELECT bg.refresh_engagement('2026-11-29 12:00+00') - 'ms' AS refresh;
SELECT account_key, completeness, engagement_score FROM bg.buying_groups ORDER BY account_key;
-- S(p) = 100·sqrt(R(p))/8
SELECT m.person_key, m.role, round(m.person_engagement::numeric, 9) AS person_engagement,
       round((100 * sqrt(x.r) / 8)::numeric, 9) AS expected
  FROM bg.members m
  JOIN (VALUES ('11', 64), ('12', 0), ('13', 0), ('14', 0), ('15', 0), ('21', 27), ('22', 0), ('23', 0),
               ('31', 8), ('32', 0), ('41', 1)) x(k, r) ON x.k = m.person_key
 ORDER BY m.person_key;
SELECT * FROM bg.score_bands;

-- account 6 gets a group after the refresh: its completeness (25) counts,
-- its engagement (never refreshed) does not; its decision maker's
-- activities count at once (they are read, not stored), and bg.members
-- shows the score the refresh gave the person (a bound person then):
-- 100·sqrt(2)/8
SELECT bg.add_accounts('first', ARRAY[6]);
SELECT bg.create_buying_groups('Security', 'first');
UPDATE bg_internal.member SET added_at = '2026-12-01 00:00+00' WHERE person_key = '61';
SELECT account_key, completeness, engagement_score FROM bg.buying_groups WHERE account_key = '6';
SELECT measure, band, low, high, buying_groups FROM bg.score_bands WHERE solution_interest = 'Security';
SELECT * FROM bg.engagement_by_role WHERE role = 'Decision Maker';
SELECT person_key, round(person_engagement::numeric, 9) AS person_engagement FROM bg.members WHERE person_key = '61';

-- a removed member: its activities no longer count, its addition does
SELECT bg.remove_member(bg.buying_group_id('Security', 1), 15);
SELECT * FROM bg.engagement_by_role;
SELECT * FROM bg.role_acquisition WHERE role = 'Practitioner';

-- A reader under row-level security: the people of accounts 1 and 2, the
-- accounts 1, 2 and 6.  bg.engagement_by_role and bg.role_acquisition count
-- those people only, in those accounts' groups; bg.score_bands counts those
-- groups; bg.members shows their scores.
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_engv_reader;
RESET client_min_messages;
CREATE ROLE regress_engv_reader;
SELECT bg.grant_access('regress_engv_reader', 'reader');
GRANT USAGE ON SCHEMA regress_managed_engagement_views TO regress_engv_reader;
GRANT SELECT ON person, account TO regress_engv_reader;
ALTER TABLE person ENABLE ROW LEVEL SECURITY;
CREATE POLICY first_accounts ON person FOR SELECT USING (account_id IN (1, 2));
ALTER TABLE account ENABLE ROW LEVEL SECURITY;
CREATE POLICY some_accounts ON account FOR SELECT USING (id IN (1, 2, 6));
SET ROLE regress_engv_reader;
SELECT * FROM bg.engagement_by_role;
SELECT * FROM bg.role_acquisition;
SELECT measure, band, buying_groups FROM bg.score_bands WHERE solution_interest = 'Security';
SELECT person_key, role, round(person_engagement::numeric, 9) AS person_engagement FROM bg.members ORDER BY person_key;
-- the reader cannot name the function behind bg.engagement_by_role
SELECT try($$SELECT * FROM bg_internal._activity_months(ARRAY['11'])$$);
RESET ROLE;
-- which answers for the people its caller may SELECT only, whatever keys it
-- is given (here through a view of the test's, which runs it as its reader)
CREATE VIEW months_of_some AS
SELECT * FROM bg_internal._activity_months(ARRAY['11', '21', '31', '41', '61', '99']) ORDER BY 1, 2;
GRANT SELECT ON months_of_some TO regress_engv_reader;
SELECT * FROM months_of_some;
SET ROLE regress_engv_reader;
SELECT * FROM months_of_some;
RESET ROLE;
-- a role without SELECT on the people sees nobody's activities
REVOKE SELECT ON person FROM regress_engv_reader;
SET ROLE regress_engv_reader;
SELECT count(*) AS without_select FROM bg.engagement_by_role;
SELECT count(*) AS without_select FROM months_of_some;
RESET ROLE;
DROP VIEW months_of_some;
DROP POLICY first_accounts ON person;
ALTER TABLE person DISABLE ROW LEVEL SECURITY;
DROP POLICY some_accounts ON account;
ALTER TABLE account DISABLE ROW LEVEL SECURITY;
DROP OWNED BY regress_engv_reader;
DROP ROLE regress_engv_reader;

-- more rows than the read fetches at a time (1 000): 1 200 months of 11's,
-- from January 1900 to December 1999, and November 2026
INSERT INTO activity SELECT 11, 'email', '1900-01-15 12:00+00'::timestamptz + i * interval '1 month' FROM generate_series(0, 1199) i;
SELECT count(*) AS months, sum(activities) AS activities, min(month), max(month)
  FROM bg.engagement_by_role WHERE role = 'Decision Maker';

-- a model that weights no type: nothing counts
SELECT bg.create_weighting_model('none');
SELECT bg.activate_weighting_model('none');
SELECT count(*) AS nothing_weighted FROM bg.engagement_by_role;

-- every view and column has a comment
SELECT c.relname, a.attname
  FROM pg_class c LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.oid IN ('bg.engagement_by_role'::regclass, 'bg.role_acquisition'::regclass, 'bg.score_bands'::regclass,
                 'bg.members'::regclass)
   AND (coalesce(obj_description(c.oid, 'pg_class'), '') = '' OR coalesce(col_description(c.oid, a.attnum), '') = '');

SET client_min_messages = warning;
DROP SCHEMA regress_managed_engagement_views CASCADE;
RESET client_min_messages;
