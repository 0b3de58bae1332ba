-- Hints point to what works (issue 11), and every function returning void
-- returns the same value to clients: a non-NULL void ('' in text), as
-- PL/pgSQL and PostgreSQL's own void functions (pg_sleep) do; a LANGUAGE sql
-- function would return NULL instead.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_managed_hints;
SET search_path = regress_managed_hints, public;

-- try(query): the shared helper
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL, job_title text);
INSERT INTO account VALUES (1, 'Acme');
INSERT INTO person VALUES (11, 1, 'CISO'), (12, 1, 'Engineer'), (13, 1, 'Clerk');

\o /dev/null
SELECT bg.bind_accounts('account');
SELECT bg.bind_people('person');
SELECT bg.create_role('Legal Approver');
SELECT bg.create_template('sec');
SELECT bg.add_role('sec', 'Decision Maker', $$job_title = 'CISO'$$);
SELECT bg.add_role('sec', 'Practitioner', $$job_title contains 'engineer'$$);
SELECT bg.publish_template('sec');
SELECT bg.create_template('draft');
SELECT bg.add_role('draft', 'Decision Maker');
SELECT bg.create_account_list('all', 'dynamic', 'true');
SELECT bg.create_solution_interest('si', 'sec');
SELECT bg.create_buying_groups('si', 'all');
\o

-- a role that exists but is not in the live template of the group: the hint
-- points to a copy of the template, not to add_role (which refuses a live one)
SELECT try($$SELECT bg.assign_member(bg.buying_group_id('si', 1), 13, 'Legal Approver')$$);
SELECT try($$SELECT bg.set_member_role(bg.buying_group_id('si', 1), 11, 'Champion')$$);
-- a role that does not exist at all: the same, not create_role (a new role
-- would still not be in the live template)
SELECT try($$SELECT bg.assign_member(bg.buying_group_id('si', 1), 13, 'Legal')$$);
SELECT try($$SELECT bg.assign_members(bg.buying_group_id('si', 1), ARRAY[12, 13], 'Nobody')$$);
SELECT try($$SELECT bg.assign_member(bg.buying_group_id('si', 1), 13, NULL)$$);
-- the roles of a live template, through the template's own functions
SELECT try($$SELECT bg.update_role('sec', 'Champion', weight => 'vital')$$);
-- drafts keep the hints that work there
SELECT try($$SELECT bg.update_role('draft', 'Champion', weight => 'vital')$$);
SELECT try($$SELECT bg.update_role('draft', 'Legal', weight => 'vital')$$);
-- removing someone who is not a member
SELECT try($$SELECT bg.remove_member(bg.buying_group_id('si', 1), 13)$$);

-- void results: no function of bg returning void is LANGUAGE sql
SELECT p.oid::regprocedure AS sql_void_function
  FROM pg_proc p
 WHERE p.pronamespace = 'bg'::regnamespace AND p.prorettype = 'void'::regtype
   AND p.prolang = (SELECT l.oid FROM pg_language l WHERE l.lanname = 'sql')
 ORDER BY 1;
-- and each kind returns a non-NULL void to the client
SELECT bg.assign_member(bg.buying_group_id('si', 1), 13, 'Practitioner') IS NOT NULL AS assign_member,
       bg.set_member_role(bg.buying_group_id('si', 1), 13, 'Decision Maker') IS NOT NULL AS set_member_role;
SELECT bg.assign_members(bg.buying_group_id('si', 1), ARRAY[12, 13], 'Practitioner') IS NOT NULL AS assign_members,
       bg.remove_member(bg.buying_group_id('si', 1), 13) IS NOT NULL AS remove_member;
SELECT bg.remove_members(bg.buying_group_id('si', 1), ARRAY[12]) IS NOT NULL AS remove_members,
       bg.create_role('Another') IS NOT NULL AS create_role,
       bg.watch_people() IS NOT NULL AS watch_people,
       pg_sleep(0) IS NOT NULL AS pg_sleep;

SET client_min_messages = warning;
DROP SCHEMA regress_managed_hints CASCADE;
DROP EXTENSION bg CASCADE;
