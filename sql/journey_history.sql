-- History (docs/design.md §7.4): bg.members_at and bg.buying_groups_at
-- reproduce snapshots of bg.members and bg.buying_groups taken after each
-- step of a randomized sequence of operations (manual assignments, role
-- changes, removals, status and stage changes, syncs after people changed,
-- creation jobs, dropped groups), each step its own transaction; the
-- errors; purging moves bg.history_start().
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;
SET datestyle = 'ISO';

CREATE SCHEMA regress_journey_history;
SET search_path = regress_journey_history, public;

\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL, title text);
INSERT INTO account SELECT a, 'Account ' || a FROM generate_series(1, 8) a;
INSERT INTO person SELECT a * 10 + i, a, (ARRAY['CEO', 'Engineer', 'Clerk'])[1 + (a + i) % 3]
  FROM generate_series(1, 8) a, generate_series(1, 4) i;
\o /dev/null
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');
SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', 'title contains ''CEO''');
SELECT bg.add_role('T', 'Practitioner', 'title contains ''Engineer''');
SELECT bg.add_role('T', 'Other', NULL, required => false);
SELECT bg.publish_template('T');
SELECT bg.create_stage_model('M');
SELECT bg.add_stage('M', 'New', entry => true);
SELECT bg.add_stage('M', 'Working');
SELECT bg.add_stage('M', 'Won', outcome => 'success');
SELECT bg.allow_transition('M', 'New', 'Working');
SELECT bg.allow_transition('M', 'Working', 'New');
SELECT bg.allow_transition('M', 'Working', 'Won');
SELECT bg.publish_stage_model('M');
SELECT bg.create_solution_interest('SI', 'T', update_existing => true);
SELECT bg.create_solution_interest('SI2', 'T', update_existing => true);
SELECT bg.set_stage_model('SI', 'M');
SELECT bg.create_account_list('L');
SELECT bg.add_accounts('L', ARRAY[1, 2, 3, 4]);
\o

CREATE TABLE snap_members AS SELECT now() AS at, m.* FROM bg.members m WITH NO DATA;
CREATE TABLE snap_groups AS
SELECT now() AS at, g.id, g.solution_interest, g.account_key, g.member_count, g.completeness,
       g.role_completeness, g.missing_roles, g.role_counts, g.created_at, g.stage, g.stage_entered_at, g.status
  FROM bg.buying_groups g WITH NO DATA;
CREATE TABLE steps (n integer, op text);

CREATE PROCEDURE snapshot() LANGUAGE plpgsql AS $$
DECLARE
    at timestamptz := clock_timestamp();
BEGIN
    INSERT INTO snap_members SELECT at, m.* FROM bg.members m;
    INSERT INTO snap_groups
    SELECT at, g.id, g.solution_interest, g.account_key, g.member_count, g.completeness,
           g.role_completeness, g.missing_roles, g.role_counts, g.created_at, g.stage, g.stage_entered_at, g.status
      FROM bg.buying_groups g;
    COMMIT;
END $$;

-- one random operation per step, each committed before its snapshot
CREATE PROCEDURE run_steps(steps integer) LANGUAGE plpgsql AS $$
DECLARE
    op text;
    g bigint;
    p integer;
    ok boolean;
BEGIN
    PERFORM bg.create_buying_groups('SI', 'L');
    COMMIT;
    CALL snapshot();
    FOR n IN 1 .. steps LOOP
        op := (ARRAY['assign', 'role', 'remove', 'status', 'stage', 'sync', 'create', 'drop'])[1 + floor(random() * 8)::int];
        SELECT x.id INTO g FROM bg.buying_groups x ORDER BY x.id OFFSET floor(random() * 1000)::int % greatest(1, (SELECT count(*) FROM bg.buying_groups)::int) LIMIT 1;
        IF op = 'assign' AND g IS NOT NULL THEN
            SELECT x.id INTO p FROM person x JOIN bg.buying_groups y ON y.account_key = x.account_id::text AND y.id = g
             ORDER BY x.id OFFSET floor(random() * 4)::int LIMIT 1;
            PERFORM bg.assign_member(g, p, (ARRAY['Decision Maker', 'Practitioner', 'Other'])[1 + floor(random() * 3)::int]);
        ELSIF op = 'role' AND g IS NOT NULL THEN
            SELECT m.person_key::int INTO p FROM bg.members m WHERE m.buying_group = g AND NOT m.is_removed ORDER BY m.person_key LIMIT 1;
            IF p IS NOT NULL THEN
                PERFORM bg.set_member_role(g, p, (ARRAY['Decision Maker', 'Practitioner', 'Other'])[1 + floor(random() * 3)::int]);
            END IF;
        ELSIF op = 'remove' AND g IS NOT NULL THEN
            SELECT m.person_key::int INTO p FROM bg.members m WHERE m.buying_group = g AND NOT m.is_removed ORDER BY m.person_key DESC LIMIT 1;
            IF p IS NOT NULL THEN
                PERFORM bg.remove_member(g, p);
            END IF;
        ELSIF op = 'status' AND g IS NOT NULL THEN
            PERFORM bg.set_status(g, (ARRAY['hot', 'cold', NULL])[1 + floor(random() * 3)::int]);
        ELSIF op = 'stage' AND g IS NOT NULL THEN
            IF (SELECT y.stage IS NOT NULL FROM bg.buying_groups y WHERE y.id = g) THEN
                ok := bg.try_move_stage(g, (ARRAY['New', 'Working', 'Won'])[1 + floor(random() * 3)::int]);
            END IF;
        ELSIF op = 'sync' THEN
            UPDATE person SET title = (ARRAY['CEO', 'Engineer', 'Clerk'])[1 + floor(random() * 3)::int]
             WHERE id = (SELECT x.id FROM person x ORDER BY x.id OFFSET floor(random() * 32)::int LIMIT 1);
            PERFORM bg.sync();
        ELSIF op = 'create' THEN
            PERFORM bg.add_accounts('L', ARRAY[1 + floor(random() * 8)::int]);
            PERFORM bg.create_buying_groups((ARRAY['SI', 'SI2'])[1 + floor(random() * 2)::int], 'L');
        ELSIF op = 'drop' THEN
            PERFORM bg.drop_buying_groups('SI2');
        END IF;
        INSERT INTO steps VALUES (n, op);
        COMMIT;
        CALL snapshot();
    END LOOP;
END $$;

SELECT setseed(0.15);
CALL run_steps(60);
-- every kind of step ran, and every kind of event was written
SELECT op, count(*) > 0 AS ran FROM steps GROUP BY op ORDER BY op;
SELECT kind, count(*) > 0 AS written FROM bg.events GROUP BY kind ORDER BY kind;
SELECT count(DISTINCT at) AS snapshots FROM snap_groups;

-- each snapshot against the state the history functions give for its time
-- (group names aside: a deleted group's is shown without its account's name)
SELECT count(*) AS member_snapshots_differing FROM (
    SELECT DISTINCT s.at FROM snap_groups s
     WHERE EXISTS (SELECT * FROM snap_members x WHERE x.at = s.at
                   EXCEPT SELECT s.at, h.* FROM bg.members_at(s.at) h)
        OR EXISTS (SELECT s.at, h.* FROM bg.members_at(s.at) h
                   EXCEPT SELECT * FROM snap_members x WHERE x.at = s.at)) d;
SELECT count(*) AS group_snapshots_differing FROM (
    SELECT DISTINCT s.at FROM snap_groups s
     WHERE EXISTS (SELECT * FROM snap_groups x WHERE x.at = s.at
                   EXCEPT SELECT s.at, h.id, h.solution_interest, h.account_key, h.member_count, h.completeness,
                                 h.role_completeness, h.missing_roles, h.role_counts, h.created_at, h.stage,
                                 h.stage_entered_at, h.status FROM bg.buying_groups_at(s.at) h)
        OR EXISTS (SELECT s.at, h.id, h.solution_interest, h.account_key, h.member_count, h.completeness,
                          h.role_completeness, h.missing_roles, h.role_counts, h.created_at, h.stage,
                          h.stage_entered_at, h.status FROM bg.buying_groups_at(s.at) h
                   EXCEPT SELECT * FROM snap_groups x WHERE x.at = s.at)) d;
-- now is the current state; engagement is not held
SELECT (SELECT count(*) FROM bg.members_at(clock_timestamp())) = (SELECT count(*) FROM bg.members) AS members_now,
       (SELECT count(*) FROM bg.buying_groups_at(clock_timestamp()) WHERE engagement_score IS NULL)
        = (SELECT count(*) FROM bg.buying_groups) AS groups_now;
-- before the first group
SELECT count(*) AS groups_before FROM bg.buying_groups_at('-infinity');
SELECT count(*) AS members_before FROM bg.members_at('-infinity');

-- a reader: the functions run as their caller, over the views, and show
-- what they show it
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_history_reader;
RESET client_min_messages;
CREATE ROLE regress_history_reader;
SELECT bg.grant_access('regress_history_reader', 'reader');
GRANT USAGE ON SCHEMA regress_journey_history TO regress_history_reader;
GRANT SELECT ON account, person TO regress_history_reader;
SET ROLE regress_history_reader;
SELECT (SELECT count(*) FROM bg.members_at(clock_timestamp())) = (SELECT count(*) FROM bg.members) AS reader_members,
       (SELECT count(*) FROM bg.buying_groups_at(clock_timestamp())) = (SELECT count(*) FROM bg.buying_groups) AS reader_groups,
       (SELECT count(*) FROM bg.members) > 0 AS some_members;
RESET ROLE;
REVOKE SELECT ON person FROM regress_history_reader;
SET ROLE regress_history_reader;
SELECT count(*) AS members_of_people_not_readable FROM bg.members_at(clock_timestamp());
SELECT sum(member_count) AS counted_from_readable_members FROM bg.buying_groups_at(clock_timestamp());
RESET ROLE;
DROP OWNED BY regress_history_reader;
DROP ROLE regress_history_reader;

-- errors, and purging: history reaches back to the newest purged event
SELECT try($$SELECT * FROM bg.members_at(NULL)$$);
SELECT try($$SELECT * FROM bg.buying_groups_at(NULL)$$);
SELECT bg.history_start() IS NULL AS held_since_install;
SELECT bg.purge_events('0') > 0 AS purged;
SELECT bg.history_start() BETWEEN (SELECT min(at) FROM snap_groups) AND (SELECT max(at) FROM snap_groups) AS start_moved;
SELECT regexp_replace(try($$SELECT * FROM bg.members_at('-infinity')$$), '[0-9]{4}-[0-9-]+ [0-9:.+-]+', 'T', 'g') AS error;
SELECT regexp_replace(try($$SELECT * FROM bg.buying_groups_at('-infinity')$$), '[0-9]{4}-[0-9-]+ [0-9:.+-]+', 'T', 'g') AS error;
SELECT (SELECT count(*) FROM bg.members_at(bg.history_start())) = (SELECT count(*) FROM bg.members) AS current_at_start;

DROP SCHEMA regress_journey_history CASCADE;
