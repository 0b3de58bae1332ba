-- Live mode's trigger in C (src/live_trigger.c, issue 12): the keys of the
-- changed people come from the transition tables as the PL/pgSQL trigger's
-- statement computed them, and for a few people the kept statements run
-- directly.  What live mode leaves behind is what bg.sync would make (a sync
-- right after finds nothing to change), for every key type (key texts as
-- bg_internal._key_sql makes them), NULL and repeated keys, a changed key,
-- watched columns compared as a row comparison compares them, DDL on the
-- watched table between firings; firings out of the ordinary go to the
-- PL/pgSQL trigger (bg_internal._people_changed_general) with the same
-- trigger data: more than 100 rows a side, a key column it cannot read, a
-- row trigger, a trigger without transition tables; TRUNCATE syncs every
-- group; a kept statement of the wrong shape is an error (42804).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_live_trigger;
SET search_path = regress_live_trigger, public;

-- try(query), score_mismatches(): the shared helpers
\set try_query
\set score_mismatches
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO account VALUES (1, 'Acme'), (2, 'Globex');
SELECT bg.bind_accounts('account');
SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', $$job_title is 'CEO'$$);
SELECT bg.add_role('T', 'Practitioner', $$job_title contains 'engineer'$$);
SELECT bg.publish_template('T');
SELECT bg.create_solution_interest('SI', 'T', update_existing => true);
SELECT bg.create_account_list('L');
SELECT bg.add_accounts('L', ARRAY[1, 2]);

-- Binds people table tbl, makes the groups of SI over it, turns live mode
-- on, runs the changes, and gives the members (key, role, removed), then
-- what a sync finds to change (nothing when live mode kept up) and the
-- stored scores' mismatches.
CREATE FUNCTION live_case(tbl regclass, changes text[]) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    c text;
BEGIN
    PERFORM bg.bind_people(tbl);
    IF EXISTS (SELECT FROM bg.buying_groups) THEN
        PERFORM bg.drop_buying_groups('SI');
    END IF;
    PERFORM bg.create_buying_groups('SI', 'L');
    PERFORM bg.watch_people();
    FOREACH c IN ARRAY changes LOOP
        EXECUTE c;
    END LOOP;
    RETURN QUERY SELECT format('%s %s%s', m.person_key, m.role, CASE WHEN m.is_removed THEN ' (removed)' ELSE '' END)
                   FROM bg.members m ORDER BY m.person_key, m.role, m.is_removed;
    RETURN NEXT 'sync: ' || (bg.sync() - 'groups')::text;
    RETURN NEXT 'score mismatches: ' || score_mismatches();
END $$;

-- ---------------------------------------------------------------------------
-- Key types: each key's text is the one a creation job and a sync make
-- ---------------------------------------------------------------------------
-- numeric: trailing zeros dropped (2.50 is 2.5)
CREATE TABLE p_numeric (id numeric(8,2) PRIMARY KEY, account_id integer NOT NULL, job_title text, note text);
INSERT INTO p_numeric VALUES (1, 1, 'CEO', NULL), (2.5, 1, 'Intern', NULL), (3.25, 2, 'Engineer', NULL);
SELECT live_case('p_numeric', ARRAY[
    $$INSERT INTO p_numeric VALUES (4.10, 2, 'CEO', NULL)$$,
    $$UPDATE p_numeric SET job_title = 'Network Engineer' WHERE id = 2.50$$,
    $$UPDATE p_numeric SET job_title = 'Intern' WHERE id = 1.0$$,
    $$UPDATE p_numeric SET note = 'unwatched' WHERE id = 3.25$$,
    $$DELETE FROM p_numeric WHERE id = 3.250$$]);
-- char(n): trailing blanks dropped
CREATE TABLE p_char (id char(6) PRIMARY KEY, account_id integer NOT NULL, job_title text);
INSERT INTO p_char VALUES ('a', 1, 'CEO'), ('b b', 1, 'Intern');
SELECT live_case('p_char', ARRAY[
    $$INSERT INTO p_char VALUES ('c  ', 2, 'Engineer')$$,
    $$UPDATE p_char SET job_title = 'Engineer' WHERE id = 'b b'$$,
    $$UPDATE p_char SET job_title = 'Intern' WHERE id = 'a'$$]);
-- uuid: one text whatever the spelling
CREATE TABLE p_uuid (id uuid PRIMARY KEY, account_id integer NOT NULL, job_title text);
INSERT INTO p_uuid VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 1, 'Intern');
SELECT live_case('p_uuid', ARRAY[
    $$INSERT INTO p_uuid VALUES ('B0EEBC999C0B4EF8BB6D6BB9BD380A12', 1, 'CEO')$$,
    $$UPDATE p_uuid SET job_title = 'Engineer' WHERE id = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'$$]);
-- text and varchar: case matters, as in their equality
CREATE TABLE p_text (id text PRIMARY KEY, account_id integer NOT NULL, job_title text);
INSERT INTO p_text VALUES ('ab', 1, 'CEO'), ('AB', 1, 'Intern');
SELECT live_case('p_text', ARRAY[
    $$UPDATE p_text SET job_title = 'Engineer' WHERE id = 'AB'$$,
    $$UPDATE p_text SET job_title = 'Intern' WHERE id = 'ab'$$]);
CREATE TABLE p_varchar (id varchar(10) PRIMARY KEY, account_id integer NOT NULL, job_title text);
INSERT INTO p_varchar VALUES ('x 1 ', 1, 'Intern');
SELECT live_case('p_varchar', ARRAY[$$UPDATE p_varchar SET job_title = 'CEO'$$]);
-- a domain over bigint, and bigint keys past the integers
CREATE DOMAIN person_no AS bigint CHECK (VALUE > 0);
CREATE TABLE p_domain (id person_no PRIMARY KEY, account_id bigint NOT NULL, job_title text);
INSERT INTO p_domain VALUES (5000000000, 1, 'Intern'), (7, 2, 'CEO');
SELECT live_case('p_domain', ARRAY[
    $$UPDATE p_domain SET job_title = 'CEO' WHERE id = 5000000000$$,
    $$UPDATE p_domain SET account_id = 1 WHERE id = 7$$]);

-- ---------------------------------------------------------------------------
-- Which people changed (table p, key integer, no primary key)
-- ---------------------------------------------------------------------------
CREATE TABLE p (id integer, account_id integer NOT NULL, job_title text, note text, hired date);
INSERT INTO p VALUES (1, 1, 'CEO', NULL, NULL), (2, 1, 'Intern', NULL, NULL), (3, 2, 'Engineer', NULL, NULL),
                     (4, 2, NULL, NULL, NULL);
SELECT live_case('p', ARRAY[]::text[]);
-- the events and row versions of members and groups, to see what a
-- statement wrote
CREATE VIEW writes AS
SELECT (SELECT count(*) FROM bg_internal.event) AS events,
       (SELECT string_agg(m.xmin::text, ',' ORDER BY m.group_id, m.person_key) FROM bg_internal.member m) AS members,
       (SELECT string_agg(g.xmin::text, ',' ORDER BY g.id) FROM bg_internal.buying_group g) AS groups;
CREATE TABLE before AS SELECT * FROM writes;
CREATE FUNCTION wrote() RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(', ', CASE WHEN w.events <> b.events THEN (w.events - b.events) || ' events' END,
                     CASE WHEN w.members <> b.members THEN 'members' END,
                     CASE WHEN w.groups <> b.groups THEN 'groups' END)
      FROM writes w, before b;
$$;
CREATE FUNCTION mark() RETURNS void LANGUAGE sql AS $$
    DELETE FROM before;
    INSERT INTO before SELECT * FROM writes;
$$;
-- a watched column set to the value it has, NULL to NULL, unwatched
-- columns: no one changed, nothing written
SELECT mark();
UPDATE p SET job_title = job_title WHERE id IN (1, 2);
UPDATE p SET job_title = NULL WHERE id = 4;
UPDATE p SET note = 'n', hired = '2024-01-01';
SELECT wrote() AS nothing;
-- a value to NULL and back, trailing blanks: changes
UPDATE p SET job_title = NULL WHERE id = 1;
SELECT wrote() AS ceo_gone, mark();
UPDATE p SET job_title = 'CEO' WHERE id = 1;
SELECT wrote() AS ceo_back, mark();
UPDATE p SET job_title = 'Engineer ' WHERE id = 3;
SELECT wrote() AS same_role_no_write, mark();
-- a changed key is two people: the old one leaves, the new one joins
UPDATE p SET id = 30 WHERE id = 3;
SELECT wrote() AS key_changed, mark();
-- a NULL key is no one (it matches no member), in an insert, an update
-- and a delete
INSERT INTO p VALUES (NULL, 1, 'CEO', NULL, NULL);
UPDATE p SET job_title = 'Engineer' WHERE id IS NULL;
DELETE FROM p WHERE id IS NULL;
SELECT wrote() AS null_key, mark();
-- repeated keys: person 5 is two rows; a change of either is a change
INSERT INTO p VALUES (5, 1, 'Intern', NULL, NULL), (5, 1, 'Intern', NULL, NULL);
UPDATE p SET job_title = 'CEO' WHERE id = 5 AND ctid = (SELECT min(ctid) FROM p WHERE id = 5);
SELECT person_key, role FROM bg.members WHERE person_key = '5';
-- several people in one statement, both sides of the 100 rows: the same
-- memberships as a sync makes
INSERT INTO p SELECT 100 + g, 1 + g % 2, (ARRAY['CEO', 'Engineer', 'Intern'])[1 + g % 3], NULL, NULL
  FROM generate_series(1, 60) g;
UPDATE p SET job_title = 'Senior Engineer' WHERE id BETWEEN 101 AND 130;
INSERT INTO p SELECT 200 + g, 1 + g % 2, 'Engineer', NULL, NULL FROM generate_series(1, 150) g;
UPDATE p SET job_title = 'CEO' WHERE id BETWEEN 201 AND 350;
UPDATE p SET id = id + 1000 WHERE id BETWEEN 101 AND 160;     -- 60 rows a side, 120 people
UPDATE p SET note = 'all' WHERE id > 100;
DELETE FROM p WHERE id BETWEEN 201 AND 330;
SELECT count(*) FILTER (WHERE NOT is_removed) AS current_members, count(*) FILTER (WHERE is_removed) AS removed
  FROM bg.members;
SELECT bg.sync() - 'groups' AS sync_finds, score_mismatches();

-- ---------------------------------------------------------------------------
-- DDL on the watched table between firings, in one session
-- ---------------------------------------------------------------------------
ALTER TABLE p ADD COLUMN extra integer;
UPDATE p SET job_title = 'Engineer' WHERE id = 2;
ALTER TABLE p DROP COLUMN note;
UPDATE p SET job_title = 'CEO', extra = 1 WHERE id = 2;
ALTER TABLE p RENAME COLUMN hired TO hired_on;
ALTER TABLE p ALTER job_title TYPE varchar(60);
UPDATE p SET job_title = 'Intern' WHERE id = 1;
ALTER TABLE p ALTER account_id TYPE bigint;
UPDATE p SET account_id = 2 WHERE id = 2;
ALTER TABLE p ALTER id TYPE bigint;
INSERT INTO p (id, account_id, job_title) VALUES (6000000000, 1, 'CEO');
SELECT person_key, role FROM bg.members WHERE person_key IN ('1', '2', '6000000000') AND NOT is_removed ORDER BY 1, 2;
SELECT bg.sync() - 'groups' AS sync_finds, score_mismatches();

-- ---------------------------------------------------------------------------
-- The names of the groups a firing locks follow their accounts when they
-- no longer do (an account renamed while the accounts' trigger was off)
-- ---------------------------------------------------------------------------
ALTER TABLE account DISABLE TRIGGER bg_watch_accounts;
UPDATE account SET name = 'Acme Renamed' WHERE id = 1;
UPDATE account SET name = 'Globex Renamed' WHERE id = 2;
ALTER TABLE account ENABLE TRIGGER bg_watch_accounts;
SELECT account_key, name, account_name FROM bg.buying_groups ORDER BY 1;
UPDATE p SET job_title = 'Engineer' WHERE id = 1;       -- account 1: a few people
SELECT account_key, name, account_name FROM bg.buying_groups ORDER BY 1;
INSERT INTO p (id, account_id, job_title) SELECT 2000 + g, 2, 'CEO' FROM generate_series(1, 120) g;   -- account 2: many
SELECT account_key, name, account_name FROM bg.buying_groups ORDER BY 1;
SELECT bg.sync() - 'groups' AS sync_finds, score_mismatches();

-- ---------------------------------------------------------------------------
-- TRUNCATE: every group of the interest synced
-- ---------------------------------------------------------------------------
BEGIN;
TRUNCATE p;
SELECT count(*) FILTER (WHERE NOT is_removed) AS current_members FROM bg.members;
SELECT bg.sync() - 'groups' AS sync_finds, score_mismatches();
ROLLBACK;

-- ---------------------------------------------------------------------------
-- Firings the PL/pgSQL trigger takes, as before
-- ---------------------------------------------------------------------------
-- the trigger function called directly, fired for each row, or from a
-- statement trigger without transition tables
SELECT try($$SELECT bg_internal._people_changed()$$);
CREATE TRIGGER by_row AFTER UPDATE ON p FOR EACH ROW EXECUTE FUNCTION bg_internal._people_changed();
SELECT try($$UPDATE p SET job_title = 'Intern' WHERE id = 1$$);
DROP TRIGGER by_row ON p;
CREATE TRIGGER no_tables AFTER INSERT ON p FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._people_changed();
SELECT try($$INSERT INTO p (id, account_id, job_title) VALUES (7, 1, 'CEO')$$);
DROP TRIGGER no_tables ON p;

-- ---------------------------------------------------------------------------
-- Kept statements of the wrong shape (bg's owner can plant them)
-- ---------------------------------------------------------------------------
UPDATE p SET job_title = 'Engineer' WHERE id = 1;      -- the kept statements are there
SELECT bg_internal._plan_set(format('people:%s:lock', (SELECT id FROM bg_internal.solution_interest)),
                             'SELECT 1', '{text[],integer}');
SELECT try($$UPDATE p SET job_title = 'CEO' WHERE id = 1$$);
SELECT bg_internal._plan_set(format('people:%s:lock', (SELECT id FROM bg_internal.solution_interest)),
                             'SELECT ARRAY[1::bigint]', '{text[]}');
SELECT try($$UPDATE p SET job_title = 'CEO' WHERE id = 1$$);
-- a change of the catalog drops them: the next firing builds them again
SELECT bg.create_role('Sponsor');
UPDATE p SET job_title = 'CEO' WHERE id = 1;
SELECT person_key, role FROM bg.members WHERE person_key = '1' AND NOT is_removed;
SELECT bg.sync() - 'groups' AS sync_finds, score_mismatches();

-- a key column that cannot hold keys, past the DDL guard (as a restore
-- would): the general path's error, as before
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE p_ci (id text PRIMARY KEY, account_id integer NOT NULL, job_title text);
INSERT INTO p_ci VALUES ('a', 1, 'CEO');
SELECT count(*) > 0 AS members FROM live_case('p_ci', ARRAY[]::text[]);
SET check_function_bodies = off;
ALTER TABLE p_ci ALTER id TYPE text COLLATE ci;
RESET check_function_bodies;
SELECT try($$UPDATE p_ci SET job_title = 'Engineer' WHERE id = 'a'$$);

SET client_min_messages = warning;
DROP SCHEMA regress_live_trigger CASCADE;
