-- The DDL guard (docs/design.md §3, §14): with tables bound, a column bg
-- reads cannot be dropped, renamed or retyped out from under it, a renamed
-- binding column is followed, a bound table cannot be dropped by name, and
-- the bound tables stay writable and usable through every accepted DDL.
-- Unbound tables, and restores (check_function_bodies off), are left alone.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_managed_ddl;
SET search_path = regress_managed_ddl, public;

-- try(query), score_mismatches(): the shared helpers
\set try_query
\set score_mismatches
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL, parent_id integer, country text, region text);
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL, job_title text, seniority integer,
                     department text, note text);
INSERT INTO account VALUES (1, 'Acme', NULL, 'US', 'West'), (2, 'Globex', 1, 'US', 'East');
INSERT INTO person VALUES (11, 1, 'CISO', 5, 'IT', NULL), (12, 1, 'Engineer', 2, 'IT', NULL),
                          (21, 2, 'Engineer', 3, 'Ops', NULL);
SELECT bg.bind_accounts('account', parent => 'parent_id');
SELECT bg.bind_people('person');
SELECT bg.create_template('Live');
SELECT bg.add_role('Live', 'Decision Maker', $$job_title = 'CISO'$$);
SELECT bg.add_role('Live', 'Practitioner', $$job_title contains 'engineer' and seniority >= 2$$);
SELECT bg.publish_template('Live');
SELECT bg.create_template('Draft');
SELECT bg.add_role('Draft', 'Influencer', $$department is 'IT'$$);
SELECT bg.create_account_list('Everyone', 'dynamic', $$country is 'US'$$);
SELECT bg.create_solution_interest('Watched', 'Live', update_existing => true, include_subaccounts => true);
SELECT bg.create_buying_groups('Watched', 'Everyone') > 0 AS created;
SELECT bg.watch_people();

-- the issue: renaming the key column with live mode on.  bg follows the
-- rename; every write keeps working and keeps the groups current.
ALTER TABLE person RENAME id TO person_id;
SELECT kind, key_column, account_column, name_column, parent_column FROM bg_internal.binding ORDER BY 1;
INSERT INTO person VALUES (13, 1, 'Engineer', 4, 'IT', NULL);
UPDATE person SET job_title = 'CISO' WHERE person_id = 21;
DELETE FROM person WHERE person_id = 12;
SELECT account_key, person_key, role, is_removed FROM bg.members ORDER BY 1, 2;
-- the account column and the accounts' binding columns are followed too
ALTER TABLE person RENAME account_id TO company_id;
ALTER TABLE account RENAME parent_id TO parent;
ALTER TABLE account RENAME name TO title;
SELECT kind, key_column, account_column, name_column, parent_column FROM bg_internal.binding ORDER BY 1;
INSERT INTO person VALUES (22, 2, 'Engineer', 2, 'Ops', NULL);
SELECT bg.sync();

-- the issue: dropping a column a live template reads is refused; the
-- table stays writable and role_for and sync keep working
SELECT try($$ALTER TABLE person DROP COLUMN job_title$$);
SELECT try($$ALTER TABLE person DROP COLUMN seniority CASCADE$$);
INSERT INTO person VALUES (14, 1, 'Engineer', 3, 'IT', NULL);
SELECT person_id, bg.role_for('Live', p) FROM person p ORDER BY 1;
SELECT bg.sync();
-- nor renamed, nor retyped so that the condition no longer fits
SELECT try($$ALTER TABLE person RENAME job_title TO title$$);
SELECT try($$ALTER TABLE person ALTER job_title TYPE integer USING length(job_title)$$);
SELECT try($$ALTER TABLE person ALTER seniority TYPE text$$);
-- a change that still fits is allowed
ALTER TABLE person ALTER job_title TYPE varchar(100);
ALTER TABLE person ALTER seniority TYPE bigint;
-- binding columns: dropped, refused
SELECT try($$ALTER TABLE person DROP COLUMN person_id$$);
SELECT try($$ALTER TABLE person DROP COLUMN company_id$$);
SELECT try($$ALTER TABLE account DROP COLUMN parent$$);
SELECT try($$ALTER TABLE account DROP COLUMN title$$);
-- a dynamic list's filter column: dropped, renamed or retyped, refused
SELECT try($$ALTER TABLE account DROP COLUMN country$$);
SELECT try($$ALTER TABLE account RENAME country TO land$$);
SELECT try($$ALTER TABLE account ALTER country TYPE integer USING 1$$);
-- a draft's condition column is kept too, until the draft changes
SELECT try($$ALTER TABLE person DROP COLUMN department$$);
SELECT bg.set_condition('Draft', 'Influencer', NULL);
ALTER TABLE person DROP COLUMN department;
-- columns nothing reads come and go
ALTER TABLE person DROP COLUMN note;
ALTER TABLE account DROP COLUMN region;
ALTER TABLE person ADD COLUMN phone text;

-- key columns: between integer types, or text and varchar, allowed (the
-- texts of the keys do not change); to another family, refused
ALTER TABLE person ALTER person_id TYPE bigint;
ALTER TABLE account ALTER parent TYPE bigint;
SELECT kind, key_type, account_type, parent_type FROM bg_internal.binding ORDER BY 1;
SELECT try($$ALTER TABLE person ALTER person_id TYPE text$$);
SELECT try($$ALTER TABLE person ALTER company_id TYPE numeric$$);
SELECT try($$ALTER TABLE account ALTER id TYPE double precision$$);
SELECT kind, key_type, account_type, parent_type FROM bg_internal.binding ORDER BY 1;

-- a bound table cannot be dropped by name
SELECT try($$DROP TABLE person$$);
SELECT try($$DROP TABLE account CASCADE$$);

-- through a type: a typed people table whose type loses an attribute
CREATE TYPE contact_t AS (id integer, account_id integer, job_title text, seniority integer);
CREATE TABLE contact OF contact_t (PRIMARY KEY (id));
SELECT bg.bind_people('contact');
SELECT try($$ALTER TYPE contact_t DROP ATTRIBUTE job_title CASCADE$$);
SELECT try($$ALTER TYPE contact_t RENAME ATTRIBUTE seniority TO level CASCADE$$);
SELECT try($$ALTER TYPE contact_t ALTER ATTRIBUTE id TYPE text CASCADE$$);
ALTER TYPE contact_t RENAME ATTRIBUTE id TO contact_id CASCADE;
SELECT kind, key_column FROM bg_internal.binding WHERE kind = 'people';
SELECT bg.bind_people('person', key => 'person_id', account => 'company_id');

-- the groups are exact through all of it
INSERT INTO person VALUES (15, 2, 'CISO', 9);
SELECT account_key, person_key, role, is_removed FROM bg.members ORDER BY 1, 2;
SELECT * FROM score_mismatches();

-- unbound tables are not the guard's business
CREATE TABLE scratch (id integer, job_title text);
ALTER TABLE scratch RENAME id TO scratch_id;
ALTER TABLE scratch DROP COLUMN job_title;
ALTER TABLE scratch ALTER scratch_id TYPE text;
DROP TABLE scratch;

-- a key column's collation that is not deterministic is refused
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
ALTER TABLE person ALTER phone TYPE text COLLATE ci;     -- a column bg does not read
CREATE TABLE code_person (code text PRIMARY KEY, account_id integer, job_title text, seniority integer);
SELECT bg.bind_people('code_person', key => 'code');
SELECT try($$ALTER TABLE code_person ALTER code TYPE varchar(20) COLLATE ci$$);
ALTER TABLE code_person ALTER code TYPE varchar(20);
SELECT kind, key_type FROM bg_internal.binding WHERE kind = 'people';
SELECT bg.bind_people('person', key => 'person_id', account => 'company_id');

-- while a dump is loaded (check_function_bodies off) the guard stands aside
BEGIN;
SET LOCAL check_function_bodies = off;
ALTER TABLE person DROP COLUMN job_title;
ROLLBACK;

-- a binding broken behind the guard (by a restore): its keys cannot be read
-- (42703), and DDL on the table is refused until it is bound again
CREATE TEMP TABLE accounts_binding AS SELECT * FROM bg_internal.binding WHERE kind = 'accounts';
CREATE TABLE account2 (id integer PRIMARY KEY, name text);
SELECT bg.bind_accounts('account2');
SELECT bg.create_account_list('guarded');
SET check_function_bodies = off;
ALTER TABLE account2 DROP COLUMN id;
RESET check_function_bodies;
SELECT try($$SELECT bg.add_accounts('guarded', ARRAY[1])$$);
SELECT try($$ALTER TABLE account2 ADD COLUMN note text$$);
SELECT bg.bind_accounts(b.relid, b.key_column, b.name_column, b.parent_column) FROM accounts_binding b;
ALTER TABLE account2 ADD COLUMN note text;      -- no longer bound
DROP TABLE account2;

-- dropping the schema (not the table by name) takes the bound tables along
DROP SCHEMA regress_managed_ddl CASCADE;
SELECT kind FROM bg_internal.binding ORDER BY 1;
