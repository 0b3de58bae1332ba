-- Deterministic activities for the engagement benchmark (issue 14): :activities
-- rows (default 20 000 000) over the people of gen.sql, 10 activity types, 90
-- days up to 2026-11-29 12:00 UTC, skewed (person p's share falls as
-- p^-0.6: person 1 has tens of thousands of activities, the median person a
-- few); plus account `demo`'s people (the first account with 20 people), who
-- get 100 activities each (2 000 in all) for the single-account query.  Every
-- choice is a hash of the row number.  Unlogged, one index on person_id.
-- Needs gen.sql first; engagement_setup.sql then makes bg's side.
\set ON_ERROR_STOP 1
\if :{?activities}
\else
\set activities 20000000
\endif
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
SET maintenance_work_mem = '1GB';
SET jit = off;
\timing on
DROP TABLE IF EXISTS activities, demo;

CREATE TABLE demo AS
SELECT p.id FROM people p
 WHERE p.account_id = (SELECT q.account_id FROM people q GROUP BY 1 HAVING count(*) = 20 ORDER BY 1 LIMIT 1);

CREATE UNLOGGED TABLE activities (person_id integer NOT NULL, activity_type text NOT NULL, occurred_at timestamptz NOT NULL);
INSERT INTO activities
SELECT (1 + ((SELECT max(id) FROM people) - 1)
             * power(((h1 & 2147483647)::float8 + 0.5) / 2147483648.0::float8, 2.5::float8))::integer,
       'type_' || ((h2 & 2147483647) % 10),
       timestamptz '2026-11-29 12:00+00' - ((h2 & 2147483647) % 7776000) * interval '1 second'
  FROM generate_series(1, (:activities - (SELECT 100 * count(*) FROM demo))::integer) g,
       LATERAL (SELECT hashint4(g) AS h1, hashint4(g + 7919) AS h2) h;
INSERT INTO activities
SELECT d.id, 'type_' || (i % 10), timestamptz '2026-11-29 12:00+00' - (i * 21601) * interval '1 second'
  FROM demo d, generate_series(1, 100) i;
CREATE INDEX activities_person_idx ON activities (person_id);
VACUUM ANALYZE activities;

\timing off
SELECT sum(n) AS activities, count(*) AS active_people,
       max(n) AS most_active, percentile_cont(0.5) WITHIN GROUP (ORDER BY n) AS median_active
  FROM (SELECT person_id, count(*) AS n FROM activities GROUP BY 1) x;
