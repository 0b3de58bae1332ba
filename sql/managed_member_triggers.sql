-- The triggers of bg_internal.member in C (src/score_trigger.c,
-- src/member_events.c, issue 12): a statement of at most 100 rows a side
-- is recounted, checked and given its events by statements kept planned
-- over its transition tables; any other firing is the PL/pgSQL trigger's
-- (bg_internal._members_changed_general, _change_events_general).  Both
-- paths write the same events and scores (this test gives the output of
-- the PL/pgSQL triggers they replaced): direct writes of every kind, on
-- both sides of the 100 rows, a statement that writes nothing, rows
-- outside bg's rules (23503, 42704), a creation job (no member events, its
-- scores stored by the job), a restore (the triggers stand aside), the
-- table altered between statements, savepoints, and the trigger functions
-- fired out of the ordinary.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_member_triggers;
SET search_path = regress_member_triggers, public;

-- try(query), score_mismatches(): the shared helpers
\set try_query
\set score_mismatches
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL, title text);
INSERT INTO account SELECT a, 'Account ' || a FROM generate_series(1, 3) a;
INSERT INTO person SELECT p, 1 + p % 3, (ARRAY['CEO', 'Engineer', 'Clerk'])[1 + p % 3] FROM generate_series(1, 30) p;
SELECT bg.bind_accounts('account');
SELECT bg.bind_people('person');
SELECT bg.create_template('Members');
SELECT bg.add_role('Members', 'Decision Maker', $$title is 'CEO'$$);
SELECT bg.add_role('Members', 'Practitioner', $$title is 'Engineer'$$);
SELECT bg.add_role('Members', 'Other', NULL);
SELECT bg.publish_template('Members');
SELECT bg.create_solution_interest('SI', 'Members');
SELECT bg.create_account_list('L');
SELECT bg.add_accounts('L', ARRAY[1, 2, 3]);

-- the events since the last call, without times, one a line (or counted
-- by kind and source)
CREATE TABLE seen (last bigint);
INSERT INTO seen VALUES (0);
CREATE FUNCTION new_events(counted boolean DEFAULT false) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    from_id bigint := (SELECT last FROM seen);
BEGIN
    UPDATE seen SET last = coalesce((SELECT max(id) FROM bg.events), last);
    IF counted THEN
        RETURN QUERY SELECT format('%s %s: %s', e.kind, e.source, count(*)) FROM bg.events e
                      WHERE e.id > from_id GROUP BY e.kind, e.source ORDER BY e.kind, e.source;
    ELSE
        RETURN QUERY SELECT concat_ws(' ', e.kind, e.account_key, e.person_key, e.old_value - 'added_at' - 'removed_at',
                                      e.new_value - 'added_at' - 'removed_at', e.source)
                       FROM bg.events e WHERE e.id > from_id ORDER BY e.id;
    END IF;
END $$;
CREATE FUNCTION gid(account integer) RETURNS bigint LANGUAGE sql AS $$ SELECT bg.buying_group_id('SI', account) $$;
CREATE FUNCTION rid(role_name text) RETURNS integer LANGUAGE sql AS $$ SELECT r.id FROM bg_internal.role r WHERE r.name = role_name $$;
CREATE VIEW scores AS
SELECT account_key, member_count, role_counts, completeness, missing_roles FROM bg.buying_groups ORDER BY 1;

-- a creation job: no member events (group_created announces them), its
-- scores stored with the groups
SELECT bg.create_buying_groups('SI', 'L');
SELECT * FROM new_events(true);
SELECT * FROM scores;

-- ---------------------------------------------------------------------------
-- Direct writes of a few rows (the C path)
-- ---------------------------------------------------------------------------
INSERT INTO bg_internal.member (group_id, person_key, role_id, source)
VALUES (gid(1), '100', rid('Other'), 'manual'), (gid(2), '101', rid('Decision Maker'), 'import');
SELECT * FROM new_events();
UPDATE bg_internal.member SET role_id = rid('Practitioner') WHERE person_key = '100';
UPDATE bg_internal.member SET is_removed = true, removed_at = now() WHERE person_key = '101';
UPDATE bg_internal.member SET source = 'manual' WHERE person_key = '100';
UPDATE bg_internal.member SET added_at = added_at WHERE person_key = '100';     -- no event
SELECT * FROM new_events();
DELETE FROM bg_internal.member WHERE person_key IN ('100', '101');
SELECT * FROM new_events();
-- statements that write nothing: no event, no recount
UPDATE bg_internal.member SET role_id = role_id WHERE false;
INSERT INTO bg_internal.member SELECT * FROM bg_internal.member WHERE false;
DELETE FROM bg_internal.member WHERE false;
SELECT * FROM new_events();
SELECT * FROM scores;
SELECT score_mismatches();

-- ---------------------------------------------------------------------------
-- Many rows (the PL/pgSQL path): the same events and scores
-- ---------------------------------------------------------------------------
INSERT INTO bg_internal.member (group_id, person_key, role_id, source)
SELECT gid(1 + p % 3), (1000 + p)::text, rid((ARRAY['Decision Maker', 'Practitioner', 'Other'])[1 + p % 3]), 'manual'
  FROM generate_series(1, 150) p;
SELECT * FROM new_events(true);
UPDATE bg_internal.member SET role_id = rid('Other') WHERE person_key::integer BETWEEN 1001 AND 1120;
SELECT * FROM new_events(true);
UPDATE bg_internal.member SET is_removed = true, removed_at = now() WHERE person_key::integer > 1000;
SELECT * FROM new_events(true);
SELECT * FROM scores;
DELETE FROM bg_internal.member WHERE person_key::integer > 1000;
SELECT * FROM new_events(true);
SELECT * FROM scores;
SELECT score_mismatches();

-- ---------------------------------------------------------------------------
-- Rows outside bg's rules: errors, on both paths
-- ---------------------------------------------------------------------------
SELECT try($$INSERT INTO bg_internal.member (group_id, person_key, role_id, source) VALUES (999999, '1', 1, 'manual')$$);
SELECT try($$INSERT INTO bg_internal.member (group_id, person_key, role_id, source)
             SELECT gid(1), p::text, rid('Other'), 'manual' FROM generate_series(2000, 2200) p
             UNION ALL SELECT 999999, '1', 1, 'manual'$$);
SELECT bg.create_role('Sponsor');
SELECT try($$INSERT INTO bg_internal.member (group_id, person_key, role_id, source)
             VALUES (gid(1), '7', rid('Sponsor'), 'manual')$$);
SELECT try($$UPDATE bg_internal.member SET role_id = rid('Sponsor') WHERE group_id = gid(1)$$);
SELECT * FROM new_events();

-- ---------------------------------------------------------------------------
-- The table altered between statements: the statements kept over its
-- transition tables are planned again
-- ---------------------------------------------------------------------------
INSERT INTO bg_internal.member (group_id, person_key, role_id, source) VALUES (gid(3), '300', rid('Other'), 'manual');
ALTER TABLE bg_internal.member ADD COLUMN note text;
UPDATE bg_internal.member SET role_id = rid('Decision Maker'), note = 'n' WHERE person_key = '300';
ALTER TABLE bg_internal.member DROP COLUMN note;
UPDATE bg_internal.member SET is_removed = true WHERE person_key = '300';
DELETE FROM bg_internal.member WHERE person_key = '300';
SELECT * FROM new_events();
SELECT score_mismatches();

-- ---------------------------------------------------------------------------
-- Savepoints: what a rolled-back savepoint wrote leaves no event
-- ---------------------------------------------------------------------------
BEGIN;
INSERT INTO bg_internal.member (group_id, person_key, role_id, source) VALUES (gid(1), '400', rid('Other'), 'manual');
SAVEPOINT a;
INSERT INTO bg_internal.member (group_id, person_key, role_id, source) VALUES (gid(1), '401', rid('Other'), 'manual');
ROLLBACK TO a;
UPDATE bg_internal.member SET role_id = rid('Practitioner') WHERE person_key = '400';
COMMIT;
SELECT * FROM new_events();
SELECT score_mismatches();

-- ---------------------------------------------------------------------------
-- A restore (check_function_bodies off, a superuser): the triggers stand
-- aside; loaded rows are taken as they are
-- ---------------------------------------------------------------------------
SET check_function_bodies = off;
INSERT INTO bg_internal.member (group_id, person_key, role_id, source) VALUES (gid(2), '500', rid('Other'), 'manual');
RESET check_function_bodies;
SELECT * FROM new_events();
SELECT score_mismatches() AS not_recounted;
DELETE FROM bg_internal.member WHERE person_key = '500';
SELECT score_mismatches();

-- ---------------------------------------------------------------------------
-- The trigger functions fired out of the ordinary: called directly, fired
-- for each row, on another table (the PL/pgSQL triggers' behaviour)
-- ---------------------------------------------------------------------------
SELECT try($$SELECT bg_internal._members_changed()$$);
SELECT try($$SELECT bg_internal._change_events()$$);
CREATE TABLE other (group_id bigint, person_key text, role_id integer, source text);
CREATE TRIGGER scores_by_row AFTER INSERT ON other FOR EACH ROW EXECUTE FUNCTION bg_internal._members_changed();
SELECT try($$INSERT INTO other VALUES (1, '1', 1, 'manual')$$);
DROP TRIGGER scores_by_row ON other;
CREATE TRIGGER events_elsewhere AFTER INSERT ON other REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._change_events();
SELECT try($$INSERT INTO other VALUES (gid(1), '1', rid('Other'), 'manual')$$);
SELECT * FROM new_events();

SET client_min_messages = warning;
DROP SCHEMA regress_member_triggers CASCADE;
