-- Live mode's kept plans (src/plan_cache.c, docs/design.md §13.3): a firing
-- for a few people runs statements built once per interest and kept
-- planned until bg's catalog changes; what they do is what the statements
-- built on every firing did (one path against the other, same people, same
-- answers), across changes of bindings and interests; a firing for many
-- people takes the path planned for them; the kept-plan functions are bg's
-- owner's alone; the kept plans, reads and recount across ALTER TABLE of
-- the people, re-binding and an interest created again over another
-- template (issue 12).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_live_kept;
SET search_path = regress_live_kept, public;

-- try(query), score_mismatches(): the shared helpers
\set try_query
\set score_mismatches
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL, job_title text);
INSERT INTO account SELECT a, 'Account ' || a FROM generate_series(1, 30) a;
INSERT INTO person SELECT p, 1 + p % 30, (ARRAY['CEO', 'Engineer', 'Intern', 'Director'])[1 + p % 4]
  FROM generate_series(1, 600) p;
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');
SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', $$job_title is 'CEO'$$);
SELECT bg.add_role('T', 'Influencer', $$job_title starts with 'Dir'$$);
SELECT bg.add_role('T', 'Practitioner', $$job_title is 'Engineer'$$);
SELECT bg.publish_template('T');
SELECT bg.create_solution_interest('SI', 'T', update_existing => true);
SELECT bg.create_account_list('L');
SELECT bg.add_accounts('L', (SELECT array_agg(id) FROM account));
SELECT bg.create_buying_groups('SI', 'L') > 0 AS created;
SELECT bg.watch_people();

-- every member as the conditions say now: 0 when live mode kept up
CREATE VIEW wrong AS
SELECT count(*) AS wrong FROM person p
  JOIN bg_internal.buying_group g ON g.account_key = p.account_id::text
  FULL JOIN (SELECT m.group_id, m.person_key, r.name FROM bg_internal.member m
               JOIN bg_internal.role r ON r.id = m.role_id WHERE NOT m.is_removed) m
    ON m.group_id = g.id AND m.person_key = p.id::text
 WHERE m.name IS DISTINCT FROM bg.role_for('T', p);

-- single-row changes (kept plans), then the same kind of change for many
-- people at once (the path planned on every firing)
UPDATE person SET job_title = 'CEO' WHERE id = 2;
UPDATE person SET job_title = 'Intern' WHERE id = 4;
UPDATE person SET account_id = 7 WHERE id = 5;
INSERT INTO person VALUES (601, 3, 'Director');
DELETE FROM person WHERE id = 8;
SELECT * FROM wrong;
UPDATE person SET job_title = 'Engineer' WHERE id BETWEEN 100 AND 350;   -- 251 people
SELECT * FROM wrong;
SELECT score_mismatches();

-- a change of the bindings is a new catalog: the kept statements are built
-- again for the new people table
CREATE TABLE person2 (LIKE person INCLUDING ALL);
INSERT INTO person2 SELECT * FROM person;
SELECT bg.bind_people('person2');
UPDATE person2 SET job_title = 'CEO' WHERE id = 12;
SELECT person_key, role FROM bg.members WHERE person_key = '12' AND NOT is_removed;
UPDATE person SET job_title = 'CEO' WHERE id = 13;       -- no longer bound: nothing
SELECT count(*) AS person_13_members FROM bg.members WHERE person_key = '13' AND role = 'Decision Maker' AND NOT is_removed;
-- so is a new interest
SELECT bg.create_solution_interest('SI2', 'T', update_existing => true);
SELECT bg.create_buying_groups('SI2', 'L') > 0 AS created;
UPDATE person2 SET job_title = 'Engineer' WHERE id = 16;
SELECT solution_interest, role FROM bg.members WHERE person_key = '16' AND NOT is_removed ORDER BY 1;
SELECT score_mismatches();

-- the kept-plan functions, called by bg's owner directly
SELECT bg_internal._plan_set('regress', 'SELECT $1 + 1, $2', '{integer,text}');
SELECT bg_internal._plan_ready('regress') AS ready, bg_internal._plan_ready('nothing') AS nothing_ready;
SELECT * FROM bg_internal._plan_run('regress', 41, 'x'::text) AS t(n integer, s text);
SELECT try($$SELECT * FROM bg_internal._plan_run('regress', 41) AS t(n integer, s text)$$);
SELECT try($$SELECT * FROM bg_internal._plan_run('regress', 41::bigint, 'x'::text) AS t(n integer, s text)$$);
SELECT try($$SELECT * FROM bg_internal._plan_run('regress', 41, 'x'::text) AS t(n bigint, s text)$$);
SELECT try($$SELECT * FROM bg_internal._plan_run('regress', 41, 'x'::text) AS t(n integer)$$);
SELECT try($$SELECT * FROM bg_internal._plan_run('nothing', 1) AS t(n integer)$$);
SELECT try($$SELECT bg_internal._plan_ready(repeat('k', 64))$$);
SELECT try($$SELECT bg_internal._plan_set('regress', 'SELECT', '{NULL}')$$);
SELECT bg_internal._memo_set('regress', 'kept') AS memo_set, bg_internal._memo('regress') AS memo,
       bg_internal._memo('nothing') AS nothing;
-- a change of the catalog drops what was kept
SELECT bg.create_role('Sponsor');
SELECT bg_internal._plan_ready('regress') AS ready_after_change, bg_internal._memo('regress') AS memo_after_change;
-- nobody else may call them, even with EXECUTE and USAGE granted
CREATE ROLE regress_live_kept_role;
GRANT USAGE ON SCHEMA bg_internal, regress_live_kept TO regress_live_kept_role;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA bg_internal TO regress_live_kept_role;
SET ROLE regress_live_kept_role;
SELECT try($$SELECT bg_internal._plan_ready('regress')$$);
SELECT try($$SELECT bg_internal._plan_set('regress', 'SELECT 1', '{}')$$);
SELECT try($$SELECT * FROM bg_internal._plan_run('regress', 1) AS t(n integer)$$);
SELECT try($$SELECT bg_internal._memo('regress')$$);
SELECT try($$SELECT bg_internal._memo_set('regress', 'x')$$);
RESET ROLE;

-- Across changes, in one session: the kept statements, the reads of the
-- people they run (src/read_as_owner.c: a generic plan per query and
-- owner, the template compiled per row type) and the recount of scores are
-- planned once and kept; after every change below the next firings still
-- do what the conditions say (0 wrong memberships, scores exact): a watched
-- column's type changed, another column added and dropped, a watched column
-- refused to be dropped (the DDL guard's error), the key column widened,
-- the people bound again to another table, the interest dropped and created
-- again over another template.  The interests above go first.
SELECT bg.drop_buying_groups('SI') > 0 AS dropped, bg.drop_buying_groups('SI2') > 0 AS dropped2;
SELECT bg.drop_solution_interest('SI'), bg.drop_solution_interest('SI2');
CREATE TABLE person3 (id integer PRIMARY KEY, account_id integer NOT NULL, job_title text, department text,
                     note text);
INSERT INTO person3 SELECT p, 1 + p % 20, (ARRAY['CEO', 'Engineer', 'Intern', 'Director'])[1 + p % 4],
                          (ARRAY['IT', 'Sales', 'Finance'])[1 + p % 3], 'n' || p
  FROM generate_series(1, 300) p;
SELECT bg.bind_people('person3');
SELECT bg.create_template('T3');
SELECT bg.add_role('T3', 'Decision Maker', $$job_title is 'CEO'$$);
SELECT bg.add_role('T3', 'Influencer', $$job_title starts with 'Dir' and department is 'IT'$$);
SELECT bg.add_role('T3', 'Practitioner', $$job_title is 'Engineer'$$);
SELECT bg.publish_template('T3');
SELECT bg.create_solution_interest('SI3', 'T3', update_existing => true);
SELECT bg.create_buying_groups('SI3', 'L') > 0 AS created;

-- every rule member as template tmpl says for the people of table people
-- now (manual members are not made here): 0 when live mode kept up
CREATE FUNCTION wrong_in(people regclass, tmpl text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format($q$
        SELECT count(*) FROM %s p
          JOIN bg_internal.buying_group g ON g.account_key = p.account_id::text
          FULL JOIN (SELECT m.group_id, m.person_key, r.name FROM bg_internal.member m
                       JOIN bg_internal.role r ON r.id = m.role_id WHERE NOT m.is_removed) m
            ON m.group_id = g.id AND m.person_key = p.id::text
         WHERE m.name IS DISTINCT FROM bg.role_for(%L, p)$q$, people, tmpl) INTO n;
    RETURN n;
END $$;

-- the kept plans, made by a first firing
UPDATE person3 SET job_title = 'CEO' WHERE id = 2;
UPDATE person3 SET department = 'IT' WHERE id = 3;
SELECT wrong_in('person3', 'T3');

-- a watched column's type changed: the reads are planned again by
-- PostgreSQL, the template compiled again for the new row type
ALTER TABLE person3 ALTER COLUMN job_title TYPE varchar(40);
UPDATE person3 SET job_title = 'CEO' WHERE id = 5;
UPDATE person3 SET job_title = 'Director', department = 'IT' WHERE id = 6;
SELECT wrong_in('person3', 'T3');

-- a column added and another dropped (no condition reads them)
ALTER TABLE person3 ADD COLUMN phone text;
ALTER TABLE person3 DROP COLUMN note;
UPDATE person3 SET job_title = 'Engineer' WHERE id = 9;
INSERT INTO person3 VALUES (301, 4, 'CEO', 'Sales', '555');
DELETE FROM person3 WHERE id = 10;
SELECT wrong_in('person3', 'T3');

-- a watched column cannot be dropped: the DDL guard's error, and live
-- mode goes on as before
SELECT try($$ALTER TABLE person3 DROP COLUMN department$$);
UPDATE person3 SET department = 'IT', job_title = 'Director' WHERE id = 13;
SELECT wrong_in('person3', 'T3');

-- the key column widened (the binding follows: a new catalog, the kept
-- statements built again for the new type), then a key past integer's range
ALTER TABLE person3 ALTER COLUMN id TYPE bigint;
INSERT INTO person3 VALUES (3000000000, 7, 'CEO', 'IT', NULL);
UPDATE person3 SET job_title = 'Engineer' WHERE id = 14;
SELECT wrong_in('person3', 'T3');
SELECT role FROM bg.members WHERE person_key = '3000000000' AND NOT is_removed;

-- many people at once (the path planned for them), then one again
UPDATE person3 SET job_title = 'Intern' WHERE id BETWEEN 100 AND 250;
UPDATE person3 SET job_title = 'CEO' WHERE id = 101;
SELECT wrong_in('person3', 'T3');
SELECT score_mismatches();

-- bound again to another table, its columns in another order
CREATE TABLE person4 (job_title text, department text, account_id integer NOT NULL, id bigint PRIMARY KEY);
INSERT INTO person4 SELECT job_title, department, account_id, id FROM person3;
SELECT bg.bind_people('person4');
UPDATE person4 SET job_title = 'CEO' WHERE id = 17;
UPDATE person4 SET job_title = 'Director', department = 'IT' WHERE id = 18;
UPDATE person3 SET job_title = 'CEO' WHERE id = 19;       -- no longer bound: nothing
SELECT wrong_in('person4', 'T3');
SELECT count(*) AS person_19_decision_makers FROM bg.members
 WHERE person_key = '19' AND role = 'Decision Maker' AND solution_interest = 'SI3' AND NOT is_removed;

-- the interest dropped and created again, same name, another template
SELECT bg.drop_buying_groups('SI3') > 0 AS dropped;
SELECT bg.drop_solution_interest('SI3');
SELECT bg.create_template('T4');
SELECT bg.add_role('T4', 'Champion', $$department is 'Sales'$$);
SELECT bg.add_role('T4', 'Practitioner', $$job_title contains 'gin'$$);
SELECT bg.publish_template('T4');
SELECT bg.create_solution_interest('SI3', 'T4', update_existing => true);
SELECT bg.create_buying_groups('SI3', 'L') > 0 AS created;
UPDATE person4 SET department = 'Sales' WHERE id = 21;
UPDATE person4 SET job_title = 'Engineer', department = 'IT' WHERE id = 22;
UPDATE person4 SET job_title = 'CEO', department = 'Finance' WHERE id = 23;
SELECT wrong_in('person4', 'T4');
SELECT person_key, role FROM bg.members WHERE person_key IN ('21', '22', '23') AND solution_interest = 'SI3' AND NOT is_removed ORDER BY 1;
SELECT score_mismatches();
-- (what counts the wrong memberships sees a change live mode did not make)
SELECT bg.watch_people(false);
UPDATE person4 SET department = 'Sales' WHERE id = 24;
SELECT wrong_in('person4', 'T4') AS wrong_unwatched;
SELECT bg.sync('SI3') ->> 'added' AS added_by_sync;
SELECT wrong_in('person4', 'T4');

SET client_min_messages = warning;
DROP SCHEMA regress_live_kept CASCADE;
DROP EXTENSION bg CASCADE;
DROP OWNED BY regress_live_kept_role;
DROP ROLE regress_live_kept_role;
