-- Live mode's kept plans (src/plan_cache.c, docs/design.md §13.3): a firing
-- for a few people runs statements built once per interest and kept
-- planned until bg's catalog changes; what they do is what the statements
-- built on every firing did (one path against the other, same people, same
-- answers), across changes of bindings and interests; a firing for many
-- people takes the path planned for them; the kept-plan functions are bg's
-- owner's alone.
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

SET client_min_messages = warning;
DROP SCHEMA regress_live_kept CASCADE;
DROP EXTENSION bg CASCADE;
DROP OWNED BY regress_live_kept_role;
DROP ROLE regress_live_kept_role;
