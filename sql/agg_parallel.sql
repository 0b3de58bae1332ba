-- The scoring aggregates under parallel query (docs/design.md §5, STYLE "Tests"):
-- forced parallel plans show Partial and Finalize aggregation for the person
-- and role variants, and their results equal the serial ones over 200000
-- people in 1000 accounts; zero rows and all-NULL people too.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_agg_parallel;
SET search_path = regress_agg_parallel, public;

-- try(query): the shared helpers
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

SELECT bg.create_template('P');
SELECT bg.add_role('P', 'Decision Maker', 'job_title starts with any (''chief'', ''vp'')', members_required => 45);
SELECT bg.add_role('P', 'Influencer', 'job_title contains any (''director'', ''head'')', members_required => 40);
SELECT bg.add_role('P', 'Practitioner', 'job_title contains ''engineer''', members_required => 50);
SELECT bg.add_role('P', 'Champion', 'seniority >= 9', members_required => 15);
SELECT bg.add_role('P', 'Other', 'job_title is not empty', required => false);
SELECT bg.create_template('Q');
SELECT bg.add_role('Q', 'Practitioner', 'job_title is ''engineer''', members_required => 20);
SELECT bg.add_role('Q', 'Other', 'job_title is empty', members_required => 40);

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO account SELECT a, 'account ' || a FROM generate_series(1, 1003) a;
-- 200000 people in accounts 1..1000 (1001..1003 have none)
CREATE TABLE person (
    id          integer PRIMARY KEY,
    account_id  integer NOT NULL,
    job_title   text,
    seniority   integer
);
INSERT INTO person
SELECT g,
       1 + abs(hashint4(g * 7919)) % 1000,
       (ARRAY['Chief Executive', 'VP Sales', 'Director of IT', 'Head of Security',
              'Software Engineer', 'Engineer', 'Clerk', 'Intern', '', NULL])[1 + abs(hashint4(g)) % 10],
       abs(hashint4(g * 31)) % 11
FROM generate_series(1, 200000) g;
CREATE TABLE person_role AS
SELECT p.id, p.account_id, bg.role_for('P', p) AS role FROM person p;
-- statistics from every row, so that the plans below do not depend on a sample
SET default_statistics_target = 1000;
ANALYZE account, person, person_role;
RESET default_statistics_target;

-- ---------------------------------------------------------------------------
-- Serial answers
-- ---------------------------------------------------------------------------
SET max_parallel_workers_per_gather = 0;

EXPLAIN (COSTS OFF)
SELECT p.account_id, bg.completeness('P', p) FROM person p GROUP BY p.account_id;

CREATE TABLE serial_total AS
SELECT bg.role_counts('P', p) AS role_counts, bg.completeness('P', p) AS completeness,
       bg.role_completeness('P', p) AS role_completeness, bg.missing_roles('P', p) AS missing
FROM person p;
CREATE TABLE serial_by_account AS
SELECT p.account_id,
       bg.role_counts('P', p) AS role_counts, bg.completeness('P', p) AS completeness,
       bg.role_completeness('P', p) AS role_completeness, bg.missing_roles('P', p) AS missing,
       bg.completeness('Q', p) AS q_completeness, bg.missing_roles('Q', p) AS q_missing
FROM person p
GROUP BY p.account_id;
CREATE TABLE serial_by_role AS
SELECT r.account_id,
       bg.role_counts('P', r.role) AS role_counts, bg.completeness('P', r.role) AS completeness,
       bg.role_completeness('P', r.role) AS role_completeness, bg.missing_roles('P', r.role) AS missing
FROM person_role r
GROUP BY r.account_id;

-- the answers vary between accounts
SELECT count(*) AS groups, count(DISTINCT completeness) AS distinct_completeness,
       min(completeness) AS min, max(completeness) AS max,
       count(DISTINCT missing) AS distinct_missing, count(DISTINCT q_completeness) AS distinct_q
FROM serial_by_account;
SELECT * FROM serial_total;
SELECT role, count(*) AS people FROM person_role GROUP BY role ORDER BY role NULLS LAST;

-- ---------------------------------------------------------------------------
-- Parallel plans: Partial and Finalize aggregation
-- ---------------------------------------------------------------------------
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;   -- the workers do all the scanning

EXPLAIN (COSTS OFF)
CREATE TABLE parallel_total AS
SELECT bg.role_counts('P', p) AS role_counts, bg.completeness('P', p) AS completeness,
       bg.role_completeness('P', p) AS role_completeness, bg.missing_roles('P', p) AS missing
FROM person p;
CREATE TABLE parallel_total AS
SELECT bg.role_counts('P', p) AS role_counts, bg.completeness('P', p) AS completeness,
       bg.role_completeness('P', p) AS role_completeness, bg.missing_roles('P', p) AS missing
FROM person p;

EXPLAIN (COSTS OFF)
CREATE TABLE parallel_by_account AS
SELECT p.account_id,
       bg.role_counts('P', p) AS role_counts, bg.completeness('P', p) AS completeness,
       bg.role_completeness('P', p) AS role_completeness, bg.missing_roles('P', p) AS missing,
       bg.completeness('Q', p) AS q_completeness, bg.missing_roles('Q', p) AS q_missing
FROM person p
GROUP BY p.account_id;
CREATE TABLE parallel_by_account AS
SELECT p.account_id,
       bg.role_counts('P', p) AS role_counts, bg.completeness('P', p) AS completeness,
       bg.role_completeness('P', p) AS role_completeness, bg.missing_roles('P', p) AS missing,
       bg.completeness('Q', p) AS q_completeness, bg.missing_roles('Q', p) AS q_missing
FROM person p
GROUP BY p.account_id;

EXPLAIN (COSTS OFF)
CREATE TABLE parallel_by_role AS
SELECT r.account_id,
       bg.role_counts('P', r.role) AS role_counts, bg.completeness('P', r.role) AS completeness,
       bg.role_completeness('P', r.role) AS role_completeness, bg.missing_roles('P', r.role) AS missing
FROM person_role r
GROUP BY r.account_id;
CREATE TABLE parallel_by_role AS
SELECT r.account_id,
       bg.role_counts('P', r.role) AS role_counts, bg.completeness('P', r.role) AS completeness,
       bg.role_completeness('P', r.role) AS role_completeness, bg.missing_roles('P', r.role) AS missing
FROM person_role r
GROUP BY r.account_id;

-- the same answers, both ways
SELECT count(*) AS differences FROM (TABLE parallel_total EXCEPT TABLE serial_total) d;
SELECT count(*) AS differences FROM (TABLE serial_total EXCEPT TABLE parallel_total) d;
SELECT count(*) AS groups FROM parallel_by_account;
SELECT count(*) AS differences FROM (TABLE parallel_by_account EXCEPT TABLE serial_by_account) d;
SELECT count(*) AS differences FROM (TABLE serial_by_account EXCEPT TABLE parallel_by_account) d;
SELECT count(*) AS groups FROM parallel_by_role;
SELECT count(*) AS differences FROM (TABLE parallel_by_role EXCEPT TABLE serial_by_role) d;
SELECT count(*) AS differences FROM (TABLE serial_by_role EXCEPT TABLE parallel_by_role) d;
-- and the role variant agrees with the person variant
SELECT count(*) AS differences
FROM (SELECT account_id, role_counts, completeness, role_completeness, missing FROM parallel_by_account
      EXCEPT TABLE parallel_by_role) d;

-- an aggregate that only some workers feed (the others pass a NULL state)
EXPLAIN (COSTS OFF)
SELECT bg.role_counts('P', p) FILTER (WHERE p.id <= 100) FROM person p;
SELECT bg.role_counts('P', p) FILTER (WHERE p.id <= 100) AS parallel FROM person p;
SET max_parallel_workers_per_gather = 0;
SELECT bg.role_counts('P', p) FILTER (WHERE p.id <= 100) AS serial FROM person p;
SET max_parallel_workers_per_gather = 2;

-- ---------------------------------------------------------------------------
-- Zero rows under parallel plans: NULL, like sum()
-- ---------------------------------------------------------------------------
EXPLAIN (COSTS OFF)
SELECT sum(p.seniority) FILTER (WHERE p.seniority < 0),
       bg.completeness('P', p) FILTER (WHERE p.seniority < 0)
FROM person p;
SELECT sum(p.seniority) FILTER (WHERE p.seniority < 0) IS NULL AS sum_is_null,
       bg.role_counts('P', p) FILTER (WHERE p.seniority < 0) IS NULL AS role_counts_is_null,
       bg.completeness('P', p) FILTER (WHERE p.seniority < 0) IS NULL AS completeness_is_null,
       bg.role_completeness('P', p) FILTER (WHERE p.seniority < 0) IS NULL AS role_completeness_is_null,
       bg.missing_roles('P', p) FILTER (WHERE p.seniority < 0) IS NULL AS missing_is_null,
       bg.completeness('P', r.role) FILTER (WHERE r.id < 0) IS NULL AS role_variant_is_null
FROM person p JOIN person_role r USING (id);

EXPLAIN (COSTS OFF)
SELECT p.account_id, bg.completeness('P', p) FILTER (WHERE p.seniority < 0)
FROM person p GROUP BY p.account_id;
SELECT count(*) AS groups, count(c) AS not_null
FROM (SELECT p.account_id, bg.completeness('P', p) FILTER (WHERE p.seniority < 0) AS c
      FROM person p GROUP BY p.account_id) s;

SELECT bg.completeness('P', p) IS NULL AS where_no_rows_is_null FROM person p WHERE p.seniority < 0;

-- ---------------------------------------------------------------------------
-- All-NULL people under parallel plans: empty groups, completeness 0
-- ---------------------------------------------------------------------------
-- accounts LEFT JOINed to no people: one group of 1003 NULL people
EXPLAIN (COSTS OFF)
SELECT bg.completeness('P', p)
FROM account a LEFT JOIN person p ON p.account_id = a.id AND p.seniority < 0;
SELECT count(*) AS rows, count(p.id) AS people,
       bg.role_counts('P', p) AS role_counts,
       bg.completeness('P', p) AS completeness,
       bg.missing_roles('P', p) AS missing
FROM account a LEFT JOIN person p ON p.account_id = a.id AND p.seniority < 0;

-- per account, every person argument NULL
EXPLAIN (COSTS OFF)
SELECT p.account_id, bg.completeness('P', CASE WHEN p.seniority < 0 THEN p END)
FROM person p GROUP BY p.account_id;
SELECT completeness, missing, role_counts, count(*) AS groups
FROM (SELECT p.account_id,
             bg.completeness('P', CASE WHEN p.seniority < 0 THEN p END) AS completeness,
             bg.missing_roles('P', CASE WHEN p.seniority < 0 THEN p END) AS missing,
             bg.role_counts('P', CASE WHEN p.seniority < 0 THEN p END) AS role_counts
      FROM person p GROUP BY p.account_id) s
GROUP BY completeness, missing, role_counts
ORDER BY completeness;

-- the role variant over NULL roles only
EXPLAIN (COSTS OFF)
SELECT r.account_id, bg.completeness('P', CASE WHEN r.id < 0 THEN r.role END)
FROM person_role r GROUP BY r.account_id;
SELECT completeness, missing, count(*) AS groups
FROM (SELECT r.account_id,
             bg.completeness('P', CASE WHEN r.id < 0 THEN r.role END) AS completeness,
             bg.missing_roles('P', CASE WHEN r.id < 0 THEN r.role END) AS missing
      FROM person_role r GROUP BY r.account_id) s
GROUP BY completeness, missing
ORDER BY completeness;

-- ---------------------------------------------------------------------------
-- Errors raised in workers keep their SQLSTATE
-- ---------------------------------------------------------------------------
-- different templates in one group: a worker or the leader finds it (22023)
SELECT left(try($$SELECT bg.completeness(CASE WHEN p.id % 2 = 0 THEN 'P' ELSE 'Q' END, p)::text
                  FROM person p$$), 5) AS sqlstate;
SELECT left(try($$SELECT bg.completeness(CASE WHEN p.id > 150000 THEN 'P' ELSE 'Q' END, p)::text
                  FROM person p$$), 5) AS sqlstate;
SELECT left(try($$SELECT bg.completeness(CASE WHEN r.id > 150000 THEN 'P' ELSE 'Q' END, r.role)::text
                  FROM person_role r WHERE r.role IS NULL OR r.role = 'Other'$$), 5) AS sqlstate;
-- a role that is not in the template (42704)
SELECT left(try($$SELECT bg.completeness('Q', r.role)::text FROM person_role r$$), 5) AS sqlstate;

-- ---------------------------------------------------------------------------
-- Workers see the leader's uncommitted catalog changes
-- ---------------------------------------------------------------------------
BEGIN;
SELECT bg.update_role('P', 'Decision Maker', members_required => 10);
SELECT bg.remove_role('P', 'Other');
EXPLAIN (COSTS OFF)
SELECT p.account_id, bg.role_counts('P', p) FROM person p GROUP BY p.account_id;
CREATE TABLE parallel_changed AS
SELECT p.account_id, bg.role_counts('P', p) AS role_counts, bg.completeness('P', p) AS completeness
FROM person p GROUP BY p.account_id;
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TABLE serial_changed AS
SELECT p.account_id, bg.role_counts('P', p) AS role_counts, bg.completeness('P', p) AS completeness
FROM person p GROUP BY p.account_id;
SELECT count(*) AS differences FROM (TABLE parallel_changed EXCEPT TABLE serial_changed) d;
SELECT count(*) AS differences FROM (TABLE serial_changed EXCEPT TABLE parallel_changed) d;
-- the change is seen: no Other, and a higher completeness than before
-- exactly where fewer than 45 decision makers were found
SELECT count(*) AS groups,
       count(*) FILTER (WHERE c.role_counts ? 'Other') AS with_other,
       count(*) FILTER (WHERE c.completeness > s.completeness) AS higher,
       count(*) FILTER (WHERE (s.role_counts ->> 'Decision Maker')::integer < 45) AS dm_below_45,
       count(*) FILTER (WHERE c.completeness > s.completeness
                        AND (s.role_counts ->> 'Decision Maker')::integer < 45) AS both
FROM parallel_changed c JOIN serial_by_account s USING (account_id);
ROLLBACK;

RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-- PostgreSQL 15's debug mode: force_parallel_mode runs the whole query in a
-- worker (the template is loaded and compiled there), with the same answers
SET force_parallel_mode = on;
EXPLAIN (COSTS OFF)
SELECT p.account_id, bg.completeness('P', p), bg.missing_roles('P', p)
FROM person p WHERE p.account_id <= 50 GROUP BY p.account_id;
CREATE TABLE forced AS
SELECT p.account_id, bg.completeness('P', p) AS completeness, bg.missing_roles('P', p) AS missing,
       bg.role_counts('P', r.role) AS counts
FROM person p JOIN person_role r USING (id) WHERE p.account_id <= 50 GROUP BY p.account_id;
RESET force_parallel_mode;
SELECT count(*) AS differences FROM (
    SELECT account_id, completeness, missing FROM forced
    EXCEPT
    SELECT p.account_id, bg.completeness('P', p), bg.missing_roles('P', p)
    FROM person p WHERE p.account_id <= 50 GROUP BY p.account_id) d;
SELECT count(*) AS groups FROM forced;

DROP SCHEMA regress_agg_parallel CASCADE;
RESET search_path;
