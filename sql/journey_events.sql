-- The event outbox (docs/design.md §7.3): the events every writer of
-- buying groups and members writes (one group_created per created group,
-- member, role, completeness, stage and status events, sources), nothing
-- for a statement that changes nothing or rolls back, delivery to named
-- consumers in commit order with acknowledgement, bg.consumers, purging,
-- and every error with its SQLSTATE.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_journey_events;
SET search_path = regress_journey_events, public;

\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL, title text);
INSERT INTO account VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech');
INSERT INTO person VALUES (11, 1, 'CEO'), (12, 1, 'Engineer'), (21, 2, 'CEO'), (22, 2, 'Clerk'), (31, 3, 'Engineer');
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');
SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', 'title contains ''CEO''');
SELECT bg.add_role('T', 'Practitioner', 'title contains ''Engineer''');
SELECT bg.add_role('T', 'Other', NULL);
SELECT bg.publish_template('T');
SELECT bg.create_stage_model('M');
SELECT bg.add_stage('M', 'New', entry => true);
SELECT bg.add_stage('M', 'Won', outcome => 'success');
SELECT bg.allow_transition('M', 'New', 'Won');
SELECT bg.publish_stage_model('M');
SELECT bg.create_solution_interest('SI', 'T', update_existing => true);
SELECT bg.set_stage_model('SI', 'M');
SELECT bg.create_account_list('L');
SELECT bg.add_accounts('L', ARRAY[1, 2, 3]);
-- the events since the last call, without times (ids and values by kind)
CREATE TABLE seen (last bigint);
INSERT INTO seen VALUES (0);
CREATE FUNCTION new_events() RETURNS TABLE (kind text, account text, person text, old_value jsonb, new_value jsonb, source text)
LANGUAGE sql AS $$
    WITH e AS (SELECT * FROM bg.events WHERE id > (SELECT last FROM seen)),
    u AS (UPDATE seen SET last = coalesce((SELECT max(id) FROM e), last))
    SELECT e.kind, e.account_key, e.person_key,
           e.old_value - 'added_at' - 'removed_at' - 'stage_entered_at',
           e.new_value - 'added_at' - 'removed_at' - 'stage_entered_at', e.source
      FROM e ORDER BY e.id;
$$;
CREATE FUNCTION gid(account integer) RETURNS bigint LANGUAGE sql AS $$ SELECT bg.buying_group_id('SI', account) $$;

-- a creation job: one group_created per group with its initial counts and stage
SELECT bg.create_buying_groups('SI', 'L');
SELECT * FROM new_events();
-- ids follow commit order; every committed event is in bg.events once
SELECT count(*) AS events, count(DISTINCT id) AS ids, bool_and(committed_at >= created_at) AS committed_after
  FROM bg.events;

-- members: assigned (with completeness_changed), role changed, removed
SELECT bg.assign_member(gid(2), 22, 'Practitioner');
SELECT * FROM new_events();
SELECT bg.set_member_role(gid(2), 22, 'Other');
SELECT * FROM new_events();
SELECT bg.remove_member(gid(1), 12);
SELECT * FROM new_events();
-- a rule member made manual (same role) is an assignment by the user
SELECT bg.assign_member(gid(1), 11, 'Decision Maker');
SELECT * FROM new_events();
-- statements that change nothing write nothing
SELECT bg.remove_member(gid(1), 12);
SELECT bg.assign_member(gid(1), 11, 'Decision Maker');
SELECT bg.set_status(gid(1), NULL);
SELECT bg.move_stage(gid(1), 'New');
SELECT bg.sync('SI');
SELECT * FROM new_events();
SELECT count(*) AS batches_without_events FROM bg_internal.event_batch b WHERE b.events IS DISTINCT FROM
       (SELECT count(*) FROM bg_internal.event e WHERE e.batch = b.id);
-- a change that rolls back leaves no event
BEGIN;
SELECT bg.set_status(gid(1), 'gone');
ROLLBACK;
SELECT * FROM new_events();
-- status and stage
SELECT bg.set_status(gid(1), 'hot');
SELECT bg.move_stage(gid(1), 'Won');
SELECT bg.move_stages(ARRAY[gid(2), gid(3)], 'Won');
SELECT * FROM new_events();
-- sync and live mode label their changes
UPDATE person SET title = 'CEO' WHERE id = 31;
SELECT bg.sync('SI');
SELECT * FROM new_events();
SELECT bg.watch_people();
UPDATE person SET title = 'Engineer' WHERE id = 31;
SELECT * FROM new_events();
SELECT bg.watch_people(false);
-- an uncommitted event is not in bg.events, not even for its own transaction
BEGIN;
SELECT bg.set_status(gid(2), 'warm');
SELECT count(*) AS own_uncommitted FROM bg.events WHERE kind = 'status_changed' AND account_key = '2';
COMMIT;
SELECT * FROM new_events();
-- "crossed 50": groups whose completeness went from below 50 to 50 or more
SELECT bg.remove_member(gid(3), 31);
SELECT bg.assign_member(gid(3), 31, 'Practitioner');
SELECT account_key, old_value, new_value FROM bg.events
 WHERE kind = 'completeness_changed'
   AND (old_value ->> 'completeness')::float8 < 50 AND (new_value ->> 'completeness')::float8 >= 50
 ORDER BY id;
SELECT * FROM new_events();

-- delivery: consumers read in id order, the same events until acknowledged
SELECT count(*) AS all_events, max(id) = (SELECT max(last_id) FROM bg_internal.event_batch) AS max_is_last
  FROM bg.events;
SELECT array_agg(id ORDER BY id) = (SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM bg.events ORDER BY id LIMIT 3) x)
       AS first_three FROM bg.read_events('app', 3);
SELECT array_agg(kind) AS again FROM bg.read_events('app', 3);
SELECT name, acknowledged_up_to, pending, read_up_to = (SELECT id FROM bg.events ORDER BY id OFFSET 2 LIMIT 1) AS read_three
  FROM bg.consumers;
SELECT bg.ack_events('app', (SELECT id FROM bg.events ORDER BY id OFFSET 1 LIMIT 1));
SELECT count(*) AS next_batch, min(id) = (SELECT id FROM bg.events ORDER BY id OFFSET 2 LIMIT 1) AS starts_after_ack
  FROM bg.read_events('app', 1000);
-- acknowledging less than before changes nothing; beyond what was read is an error
SELECT bg.ack_events('app', 1);
SELECT acknowledged_up_to = (SELECT id FROM bg.events ORDER BY id OFFSET 1 LIMIT 1) AS unchanged FROM bg.consumers;
SELECT try($$SELECT bg.ack_events('app', 1000000)$$);
-- a second consumer is independent
SELECT count(*) AS other_consumer FROM bg.read_events('other');
SELECT bg.ack_events('app', (SELECT max(id) FROM bg.events));
SELECT name, pending FROM bg.consumers ORDER BY name;
SELECT count(*) AS nothing_left FROM bg.read_events('app');
-- a rolled back acknowledgement: the events come again
BEGIN;
SELECT bg.ack_events('other', (SELECT max(id) FROM bg.events));
ROLLBACK;
SELECT count(*) = (SELECT count(*) FROM bg.events) AS same_again FROM bg.read_events('other');
-- errors
SELECT try($$SELECT * FROM bg.read_events(NULL)$$);
SELECT try($$SELECT * FROM bg.read_events('  ')$$);
SELECT try($$SELECT * FROM bg.read_events('app', NULL)$$);
SELECT try($$SELECT * FROM bg.read_events('app', 0)$$);
SELECT try($$SELECT bg.ack_events('nobody', 1)$$);
SELECT try($$SELECT bg.ack_events('app', NULL)$$);
SELECT try($$SELECT bg.ack_events(NULL, 1)$$);
SELECT try($$SELECT bg.drop_consumer('nobody')$$);
SELECT try($$SELECT bg.purge_events(NULL)$$);
SELECT try($$SELECT bg.purge_events('-1 day')$$);
SELECT bg.drop_consumer('other');
SELECT name FROM bg.consumers;

-- dropping the groups: group_deleted with the group's row, then its members
SELECT bg.drop_buying_groups('SI');
SELECT kind, account, person, old_value ->> 'status' AS status, old_value ->> 'stage' AS stage, new_value, source
  FROM new_events();

-- purging: every event committed more than older_than ago
SELECT bg.purge_events('1 day');
SELECT bg.purge_events('0') = (SELECT count(*) FROM bg_internal.event) AS purged_all;
SELECT count(*) AS events, (SELECT count(*) FROM bg_internal.event_batch) AS batches FROM bg.events;
SELECT name, pending FROM bg.consumers;
SELECT count(*) AS after_purge FROM bg.read_events('app');

-- bg_internal._jsonb_object_memo (a creation job's group_created values):
-- jsonb_build_object's object, kept per call site for arguments met again,
-- also after a setting that a value's text form depends on changes
SELECT count(*) AS calls, count(DISTINCT x % 7) AS distinct_arguments,
       count(*) FILTER (WHERE a IS DISTINCT FROM b) AS different
  FROM (SELECT x,
               bg_internal._jsonb_object_memo('n', x % 7, 'c', CASE WHEN x % 7 = 0 THEN NULL ELSE (x % 7) / 3.0::float8 END,
                                              'r', ARRAY['a', NULL, repeat('b', x % 7)], 'j', jsonb_build_object('k', x % 7),
                                              't', timestamptz '2024-01-01 00:00+00' + (x % 7) * interval '1 hour', 's', NULL::text) AS a,
               jsonb_build_object('n', x % 7, 'c', CASE WHEN x % 7 = 0 THEN NULL ELSE (x % 7) / 3.0::float8 END,
                                  'r', ARRAY['a', NULL, repeat('b', x % 7)], 'j', jsonb_build_object('k', x % 7),
                                  't', timestamptz '2024-01-01 00:00+00' + (x % 7) * interval '1 hour', 's', NULL::text) AS b
          FROM generate_series(1, 1000) x) s;
DO $$
DECLARE
    setting text[];
BEGIN
    FOREACH setting SLICE 1 IN ARRAY ARRAY[['TimeZone', 'UTC'], ['TimeZone', 'Asia/Tokyo'], ['extra_float_digits', '0'],
                                           ['IntervalStyle', 'iso_8601'], ['bytea_output', 'escape']] LOOP
        PERFORM set_config(setting[1], setting[2], true);
        RAISE NOTICE '% %: %', setting[1], setting[2],
            bg_internal._jsonb_object_memo('t', timestamptz '2024-01-01 00:00+00', 'f', 1 / 3.0::float8, 'i', interval '1 day 2 hours', 'b', '\x00ff'::bytea)
            = jsonb_build_object('t', timestamptz '2024-01-01 00:00+00', 'f', 1 / 3.0::float8, 'i', interval '1 day 2 hours', 'b', '\x00ff'::bytea);
    END LOOP;
END $$;
SELECT try($$SELECT bg_internal._jsonb_object_memo('a', 1, 'b')$$);

DROP SCHEMA regress_journey_events CASCADE;
