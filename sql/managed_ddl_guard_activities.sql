-- The DDL guard (docs/design.md §3, §14) over the bound activities table
-- (bg.bind_activities): its person, activity type and time columns cannot be
-- dropped or retyped out from under bg.refresh_engagement, a renamed one is
-- followed, the table cannot be dropped by name; its other columns, a table
-- no longer bound, and restores (check_function_bodies off) are left alone.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_ddl_activities;
SET search_path = regress_ddl_activities, public;
SET TimeZone = 'UTC';

-- try(query): the shared helpers
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE person (id integer PRIMARY KEY, account_id integer, job_title text);
CREATE TABLE activity (person_id integer, activity_type text, occurred_at timestamptz, note text);
INSERT INTO person VALUES (1, 1, 'CEO'), (2, 1, 'CTO');
INSERT INTO activity VALUES (1, 'email', '2026-11-29 10:00+00'), (2, 'web', '2026-11-28 10:00+00'),
                            (2, 'email', '2026-11-28 11:00+00');

-- only the activities bound: the guard keeps them already
SELECT bg.bind_activities('activity');
SELECT try($$ALTER TABLE activity DROP COLUMN person_id$$);
SELECT try($$DROP TABLE activity$$);
SELECT bg.bind_people('person');
SELECT bg.create_weighting_model('m');
SELECT bg.set_activity_weight('m', 'email', 'vital');
SELECT bg.set_activity_weight('m', 'web', 'normal');
SELECT bg.activate_weighting_model('m');
SELECT bg.refresh_engagement('2026-11-29 12:00+00') - 'ms' - 'job' AS refresh;

-- dropped: refused (2BP01), with or without CASCADE
SELECT try($$ALTER TABLE activity DROP COLUMN person_id$$);
SELECT try($$ALTER TABLE activity DROP COLUMN activity_type$$);
SELECT try($$ALTER TABLE activity DROP COLUMN occurred_at CASCADE$$);
SELECT try($$DROP TABLE activity$$);
SELECT try($$DROP TABLE activity CASCADE$$);

-- retyped: the person column to another key family, refused; within its
-- family (the keys' texts do not change), allowed and recorded
SELECT try($$ALTER TABLE activity ALTER person_id TYPE text$$);
SELECT try($$ALTER TABLE activity ALTER person_id TYPE numeric$$);
ALTER TABLE activity ALTER person_id TYPE bigint;
SELECT person_type FROM bg_internal.activity_binding;
-- the type column stays text, varchar or char; the time column timestamptz
ALTER TABLE activity ALTER activity_type TYPE varchar(40);
SELECT try($$ALTER TABLE activity ALTER activity_type TYPE integer USING 1$$);
SELECT try($$ALTER TABLE activity ALTER occurred_at TYPE timestamp$$);
SELECT try($$ALTER TABLE activity ALTER occurred_at TYPE date$$);

-- renamed: followed
ALTER TABLE activity RENAME person_id TO who;
ALTER TABLE activity RENAME activity_type TO kind;
ALTER TABLE activity RENAME occurred_at TO at;
SELECT relid, person_column, type_column, at_column, person_type FROM bg_internal.activity_binding;
-- columns bg does not read come and go
ALTER TABLE activity DROP COLUMN note;
ALTER TABLE activity ADD COLUMN note text;
-- through all of it the refresh works, and finds nothing to change
SELECT bg.refresh_engagement('2026-11-29 12:00+00') - 'ms' - 'job' AS refresh;

-- while a dump is loaded (check_function_bodies off) the guard stands aside
BEGIN;
SET LOCAL check_function_bodies = off;
ALTER TABLE activity DROP COLUMN who;
ROLLBACK;

-- bound to another table: the old one is free
CREATE TABLE activity2 (who bigint, kind text, at timestamptz);
SELECT bg.bind_activities('activity2', person => 'who', type => 'kind', at => 'at');
ALTER TABLE activity DROP COLUMN kind;
DROP TABLE activity;
SELECT try($$DROP TABLE activity2$$);

-- dropping the schema (not the table by name) takes the bound tables along
DROP SCHEMA regress_ddl_activities CASCADE;
SELECT count(*) AS activity_bindings FROM bg_internal.activity_binding;
