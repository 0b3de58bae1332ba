-- Live mode works for every role that may write the people table, with no
-- grant on bg at all, and gives that role nothing more (docs/design.md §11):
-- its INSERT, UPDATE (of watched and unwatched columns) and DELETE
-- re-evaluate the memberships, while bg's tables and functions stay closed
-- to it.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
DROP ROLE IF EXISTS regress_bg_crm;
RESET client_min_messages;
CREATE EXTENSION bg;
CREATE ROLE regress_bg_crm;

CREATE SCHEMA regress_live_grants;
SET search_path = regress_live_grants, public;
-- try(query), score_mismatches(): the shared helpers
\set try_query
\set score_mismatches
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL, job_title text, phone text);
INSERT INTO account VALUES (1, 'Acme');
INSERT INTO person VALUES (1, 1, 'CISO', '1'), (2, 1, 'Engineer', '2');
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');
SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', $$job_title is 'CISO'$$);
SELECT bg.add_role('T', 'Practitioner', $$job_title contains 'engineer'$$);
SELECT bg.publish_template('T');
SELECT bg.create_solution_interest('S', 'T', update_existing => true);
SELECT bg.create_account_list('L');
SELECT bg.add_accounts('L', ARRAY[1]);
SELECT bg.create_buying_groups('S', 'L') > 0 AS created;
SELECT bg.watch_people();

-- the CRM's role may use the people table, and nothing of bg
GRANT USAGE ON SCHEMA regress_live_grants TO regress_bg_crm;
GRANT SELECT, INSERT, UPDATE, DELETE ON person TO regress_bg_crm;
SET ROLE regress_bg_crm;
INSERT INTO person VALUES (3, 1, 'Security Engineer', '3');
UPDATE person SET job_title = 'CISO' WHERE id = 2;       -- a watched column
UPDATE person SET phone = '22' WHERE id = 2;              -- an unwatched one
DELETE FROM person WHERE id = 1;
-- bg stays closed
SELECT try($$SELECT count(*) FROM bg_internal.member$$);
SELECT try($$INSERT INTO bg_internal.member VALUES (1, '9', 1, 'manual')$$);
SELECT try($$SELECT bg.assign_member(1, 3, 'Decision Maker')$$);
RESET ROLE;

SELECT person_key, role, source, is_removed FROM bg.members ORDER BY person_key;
SELECT member_count, completeness, missing_roles FROM bg.buying_groups;
SELECT score_mismatches();

SET client_min_messages = warning;
DROP SCHEMA regress_live_grants CASCADE;
DROP EXTENSION bg CASCADE;
DROP OWNED BY regress_bg_crm;
DROP ROLE regress_bg_crm;
