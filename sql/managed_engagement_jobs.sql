-- bg.refresh_engagement as a job (docs/design.md §7.1): every refresh is a
-- row of kind engagement in bg.jobs, done or, with record_failure, failed
-- with its error; the kinds' constraints; a people key that is not unique
-- gives a clear error and writes nothing; bg.purge_jobs purges refreshes
-- too.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_engagement_jobs;
SET search_path = regress_engagement_jobs, public;
SET TimeZone = 'UTC';

-- try(query): the shared helpers
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

-- a people table without a unique key
CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (id integer NOT NULL, account_id integer NOT NULL, job_title text);
CREATE TABLE activity (person_id integer, activity_type text, occurred_at timestamptz);
INSERT INTO account VALUES (1, 'Acme'), (2, 'Globex');
INSERT INTO person VALUES (11, 1, 'VP Sales'), (12, 1, 'Director of IT'), (21, 2, 'VP Engineering');
INSERT INTO activity VALUES (11, 'email', '2026-11-29 10:00+00'), (12, 'email', '2026-11-28 10:00+00'),
                            (21, 'email', '2026-11-27 10:00+00'), (21, 'email', '2026-11-27 11:00+00');
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');
SELECT bg.bind_activities('activity');
SELECT bg.create_weighting_model('m');
SELECT bg.set_activity_weight('m', 'email', 'vital');
SELECT bg.activate_weighting_model('m');
SELECT bg.create_template('t');
SELECT bg.add_role('t', 'Decision Maker', 'job_title starts with ''vp''', weight => 'vital');
SELECT bg.add_role('t', 'Influencer', 'job_title contains ''director''', weight => 'important');
SELECT bg.publish_template('t');
SELECT bg.create_solution_interest('S', 't');
SELECT bg.create_account_list('all');
SELECT bg.add_accounts('all', ARRAY[1, 2]);
SELECT bg.create_buying_groups('S', 'all') AS creation_job;

-- a refresh is a job: its id in the result ("job"), a done row of kind
-- engagement, without interest or list, no groups created or members added
SELECT bg.refresh_engagement('2026-11-29 12:00+00') - 'ms' AS refresh;
SELECT id, kind, solution_interest, account_list, status, groups_created, members_added,
       finished_at >= started_at AS finished, error, error_code
  FROM bg.jobs ORDER BY id;
SELECT try($$SELECT bg.refresh_engagement('2026-11-29 12:00+00', NULL)$$);
-- errors found before the run record no job, even with record_failure
SELECT try($$SELECT bg.refresh_engagement(NULL, true)$$);
SELECT count(*) AS jobs FROM bg.jobs;

-- the kinds' constraints
SELECT try($$INSERT INTO bg_internal.job (kind, started_at) VALUES ('buying_groups', '2026-11-29 12:00+00')$$);
SELECT try($$INSERT INTO bg_internal.job (solution_interest, account_list, kind, started_at)
             VALUES ('S', 'all', 'engagement', '2026-11-29 12:00+00')$$);
SELECT try($$INSERT INTO bg_internal.job (kind, started_at) VALUES ('other', '2026-11-29 12:00+00')$$);

-- a person key twice: a clear error (23505) with one duplicated key,
-- nothing written, no job kept; whether the duplicated people's scores
-- change (the upsert meets their row twice) or not
INSERT INTO person VALUES (12, 2, 'Director of IT'), (21, 2, 'VP Engineering');
INSERT INTO activity VALUES (11, 'email', '2026-11-29 11:00+00');   -- changes 11's score only
CREATE TABLE before AS SELECT * FROM bg_internal.person_engagement;
SELECT try($$SELECT bg.refresh_engagement('2026-11-29 12:00+00')$$);
INSERT INTO activity SELECT 11, 'email', '2026-11-29 11:00+00' FROM generate_series(1, 3);   -- and everyone's
SELECT try($$SELECT bg.refresh_engagement('2026-11-29 12:00+00')$$);
SELECT count(*) AS jobs FROM bg.jobs;
-- with record_failure: a warning, and the job kept as failed with the error
SELECT bg.refresh_engagement('2026-11-29 12:00+00', record_failure => true) - 'ms' AS refresh;
SELECT id, kind, status, error_code, error FROM bg.jobs WHERE kind = 'engagement' ORDER BY id;
-- nothing of the failed runs was written
SELECT count(*) AS changed_people
  FROM bg_internal.person_engagement e FULL JOIN before b USING (person_key)
 WHERE (e.raw, e.score, e.as_of) IS DISTINCT FROM (b.raw, b.score, b.as_of);
SELECT account_key, round(engagement_raw::numeric, 6) AS raw, engagement_as_of FROM bg.buying_groups ORDER BY account_key;
DELETE FROM person WHERE ctid IN (SELECT max(ctid) FROM person GROUP BY id HAVING count(*) > 1);
SELECT bg.refresh_engagement('2026-11-29 12:00+00') - 'ms' - 'job' AS refresh;
SELECT account_key, round(engagement_raw::numeric, 6) AS raw FROM bg.buying_groups ORDER BY account_key;

-- any other error of the run is recorded as it is: activities read through
-- a view that fails (as its owner)
CREATE VIEW failing_activity AS
SELECT person_id, activity_type, occurred_at + (1 / (person_id - person_id)) * interval '1 second' AS occurred_at
  FROM activity;
SELECT bg.bind_activities('failing_activity');
SELECT try($$SELECT bg.refresh_engagement('2026-11-29 12:00+00')$$);
SELECT bg.refresh_engagement('2026-11-29 12:00+00', true) - 'ms' AS refresh;
SELECT id, kind, status, error_code, error FROM bg.jobs WHERE status = 'failed' ORDER BY id;

-- purge_jobs purges refreshes as it purges creation jobs
SELECT bg.purge_jobs(interval '0') AS purged;
SELECT count(*) AS jobs FROM bg.jobs;

DROP SCHEMA regress_engagement_jobs CASCADE;
