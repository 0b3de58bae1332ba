-- Checks nobody below a superuser can turn off (docs/design.md §8, §11): a
-- schema bg that another role owns is refused at CREATE EXTENSION; turning
-- check_function_bodies off (which any user may do) does not make the member
-- triggers or the DDL guard stand aside outside a superuser's session.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
DROP SCHEMA IF EXISTS bg CASCADE;
DROP ROLE IF EXISTS regress_bg_eve;
DROP ROLE IF EXISTS regress_bg_writer;
RESET client_min_messages;
CREATE ROLE regress_bg_eve;
CREATE ROLE regress_bg_writer;
CREATE SCHEMA regress_bypass;
SET search_path = regress_bypass, public;
-- try(query): the shared helper
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

-- ---------------------------------------------------------------------------
-- A schema bg owned by another role
-- ---------------------------------------------------------------------------
CREATE SCHEMA bg AUTHORIZATION regress_bg_eve;
SELECT try($$CREATE EXTENSION bg$$);
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'bg';
SELECT count(*) AS objects_left FROM pg_class WHERE relnamespace = 'bg'::regnamespace;
DROP SCHEMA bg;
-- so is a schema bg_internal that exists, whoever owns it
CREATE SCHEMA bg_internal AUTHORIZATION regress_bg_eve;
SELECT try($$CREATE EXTENSION bg$$);
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'bg';
DROP SCHEMA bg_internal;
-- one the installing role owns is used
CREATE SCHEMA bg;
CREATE EXTENSION bg;
SELECT extversion FROM pg_extension WHERE extname = 'bg';
-- score_mismatches(): the shared helper (it reads bg's views)
\unset try_query
\set score_mismatches
\i :abs_srcdir/test/helpers/regress.sql

-- ---------------------------------------------------------------------------
-- A writer (bg's writer level) that owns its people table
-- ---------------------------------------------------------------------------
CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL, job_title text);
INSERT INTO account VALUES (1, 'Acme');
INSERT INTO person VALUES (1, 1, 'CISO'), (2, 1, 'Engineer'), (3, 1, 'Security Engineer');
ALTER TABLE person OWNER TO regress_bg_writer;
-- bg reads the people as their owner, who reaches them through the schema
GRANT USAGE ON SCHEMA regress_bypass TO regress_bg_writer;
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');
SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', $$job_title is 'CISO'$$);
SELECT bg.add_role('T', 'Practitioner', $$job_title contains 'engineer'$$, members_required => 2);
SELECT bg.publish_template('T');
SELECT bg.create_solution_interest('S', 'T');
SELECT bg.create_account_list('L');
SELECT bg.add_accounts('L', ARRAY[1]);
SELECT bg.create_buying_groups('S', 'L') > 0 AS created;
SELECT bg.grant_access('regress_bg_writer', 'writer');
-- (the views show it the groups of the accounts it may read)
GRANT SELECT ON account TO regress_bg_writer;

SET SESSION AUTHORIZATION regress_bg_writer;
SET check_function_bodies = off;
-- bg's tables are closed to it: no member row outside the template, no
-- member deleted behind the stored scores
SELECT try($$INSERT INTO bg_internal.member (group_id, person_key, role_id, source) VALUES (1, '9', 12345, 'manual')$$);
SELECT try($$DELETE FROM bg_internal.member WHERE person_key = '3'$$);
-- its changes through bg's functions (which run as bg's owner, in a session
-- that is not a superuser's) still pass the member triggers and update the
-- stored scores
SELECT bg.remove_member(bg.buying_group_id('S', 1), 3);
SELECT member_count, completeness, missing_roles FROM bg.buying_groups;
SELECT score_mismatches();
-- the DDL guard still refuses to drop a column a condition reads
ALTER TABLE person DROP COLUMN job_title;
RESET check_function_bodies;
RESET SESSION AUTHORIZATION;
SELECT count(*) AS job_title_kept FROM pg_attribute
 WHERE attrelid = 'regress_bypass.person'::regclass AND attname = 'job_title' AND NOT attisdropped;

-- a superuser's session with check_function_bodies off is a restore: the
-- member triggers stand aside (pg_restore's data was consistent when dumped)
SET check_function_bodies = off;
DELETE FROM bg_internal.member WHERE person_key = '2';
RESET check_function_bodies;
SELECT member_count FROM bg.buying_groups;

-- ---------------------------------------------------------------------------
-- No path to superuser through a domain on a bound column: the owner of the
-- people table retypes its account column to a domain whose CHECK calls the
-- owner's function; bg's jobs run by a superuser never run it (keys are cast
-- to the domain's base type)
-- ---------------------------------------------------------------------------
GRANT CREATE ON SCHEMA regress_bypass TO regress_bg_writer;
SET SESSION AUTHORIZATION regress_bg_writer;
CREATE TABLE regress_bypass.calls (who name, super boolean);
CREATE FUNCTION regress_bypass.escalate(integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO regress_bypass.calls
    SELECT current_user, (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user);
    BEGIN
        ALTER ROLE regress_bg_writer SUPERUSER;
    EXCEPTION WHEN insufficient_privilege THEN
        NULL;
    END;
    RETURN true;
END $$;
CREATE DOMAIN regress_bypass.account_ref AS integer CHECK (regress_bypass.escalate(VALUE));
ALTER TABLE person ALTER COLUMN account_id TYPE regress_bypass.account_ref;
RESET SESSION AUTHORIZATION;
TRUNCATE regress_bypass.calls;
SELECT bg.create_solution_interest('S2', 'T', update_existing => true);
SELECT bg.create_buying_groups('S2', 'L') > 0 AS created;
SELECT bg.sync();
SELECT bg.assign_member(bg.buying_group_id('S2', 1), 2, 'Practitioner');
SELECT who, super, count(*) FROM regress_bypass.calls GROUP BY 1, 2 ORDER BY 1;
-- the owner's own writes run the CHECK as the owner, live mode's
-- re-evaluation adds nothing
SELECT bg.watch_people();
SET SESSION AUTHORIZATION regress_bg_writer;
INSERT INTO person VALUES (4, 1, 'CISO');
UPDATE person SET job_title = 'Engineer' WHERE id = 4;
RESET SESSION AUTHORIZATION;
SELECT bg.watch_people(false);
SELECT who, super, count(*) FROM regress_bypass.calls GROUP BY 1, 2 ORDER BY 1;
SELECT rolsuper AS writer_is_superuser FROM pg_roles WHERE rolname = 'regress_bg_writer';
SELECT person_key, role, source FROM bg.members WHERE solution_interest = 'S2' ORDER BY 1;

SET client_min_messages = warning;
DROP SCHEMA regress_bypass CASCADE;
DROP EXTENSION bg CASCADE;
DROP OWNED BY regress_bg_writer;
DROP ROLE regress_bg_eve;
DROP ROLE regress_bg_writer;
