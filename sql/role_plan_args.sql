-- The planner hook's twins (src/plan_args.c, src/eval_args.c): bg.role_for
-- and the person aggregates called with the template's columns as separate
-- arguments give the same answers as over the whole row, for NULL people,
-- outer joins' missing people, parallel plans and direct calls.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
DROP ROLE IF EXISTS regress_args_reader;
DROP ROLE IF EXISTS regress_args_hand;
CREATE EXTENSION bg;
RESET client_min_messages;
LOAD 'bg';
CREATE SCHEMA regress_args;
SET search_path = regress_args, public;

-- try(query): the shared helpers
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id int PRIMARY KEY);
INSERT INTO account SELECT generate_series(1, 1010);
-- 20000 people in accounts 1..1000 (1001..1010 have none): every kind of
-- value, NULLs and blanks included
CREATE TABLE person (id int PRIMARY KEY, account_id int NOT NULL, job_title text,
                     department varchar(20), seniority int, score numeric, hired date,
                     active boolean, note text);
INSERT INTO person
SELECT g, 1 + abs(hashint4(g * 7919)) % 1000,
       (ARRAY['Chief Executive', 'VP Sales', 'Director of IT', '  head of security ', 'Software Engineer',
              'ENGINEER', 'Clerk', 'Ingénieur', '', NULL])[1 + abs(hashint4(g)) % 10],
       (ARRAY['IT', 'Legal', 'sales', NULL])[1 + abs(hashint4(g * 3)) % 4],
       nullif(abs(hashint4(g * 31)) % 12, 11),
       (abs(hashint4(g * 37)) % 1000) / 10.0,
       date '2020-01-01' + abs(hashint4(g * 41)) % 2000,
       (ARRAY[true, false, NULL])[1 + abs(hashint4(g * 43)) % 3],
       'note ' || g
FROM generate_series(1, 20000) g;
ANALYZE account, person;
SELECT bg.bind_people('person');

SELECT bg.create_template('A');
SELECT bg.create_role('Veteran');
SELECT bg.create_role('Nobody');
SELECT bg.add_role('A', 'Decision Maker', 'job_title starts with any (''chief'', ''vp'') or seniority >= 10', members_required => 2);
SELECT bg.add_role('A', 'Influencer', 'job_title contains ''head'' and department in (''it'', ''legal'')');
SELECT bg.add_role('A', 'Practitioner', 'job_title ends with ''engineer'' or job_title matches ''^ing''');
SELECT bg.add_role('A', 'Veteran', 'hired < ''2021-01-01'' and active and score between 10 and 60');
SELECT bg.add_role('A', 'Nobody', 'job_title is empty and department is empty', members_required => 3);
SELECT bg.add_role('A', 'Other', 'not active', required => false);

-- ---------------------------------------------------------------------------
-- The hook calls the twins: the names, then one argument per column
-- ---------------------------------------------------------------------------
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, bg.role_for('A', p) FROM person p;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT account_id, bg.role_counts('A', p), bg.completeness('A', p), bg.role_completeness('A', p),
       bg.missing_roles('A', p)
  FROM person p GROUP BY 1;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id, bg.completeness('A', p) OVER (PARTITION BY account_id) FROM person p;
-- under an outer join, the table's ctid under a NULL name says whether there is a person
EXPLAIN (VERBOSE, COSTS OFF)
SELECT a.id, bg.completeness('A', p) FROM account a LEFT JOIN person p ON p.account_id = a.id GROUP BY 1;
-- bg.explain_role keeps its narrowed row, but not under an outer join
EXPLAIN (VERBOSE, COSTS OFF) SELECT e.role FROM person p, bg.explain_role('A', p) e;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT a.id, e.role FROM account a LEFT JOIN person p ON p.account_id = a.id, bg.explain_role('A', p) e;

-- ---------------------------------------------------------------------------
-- The same answers as over the whole row (a subquery's rows are not narrowed)
-- ---------------------------------------------------------------------------
SELECT count(*) AS people, count(r.twin) AS with_role,
       count(*) FILTER (WHERE r.twin IS DISTINCT FROM r.whole) AS differences
  FROM (SELECT p.id, bg.role_for('A', p) AS twin, bg.role_for('A', (SELECT p)) AS whole
          FROM person p) r;
SELECT role, count(*) FROM (SELECT bg.role_for('A', p) AS role FROM person p) r GROUP BY 1 ORDER BY 1;
CREATE TABLE by_twin AS
SELECT account_id, bg.role_counts('A', p) AS counts, bg.completeness('A', p) AS completeness,
       bg.role_completeness('A', p) AS role_completeness, bg.missing_roles('A', p) AS missing
  FROM person p GROUP BY 1;
CREATE TABLE by_whole AS
SELECT account_id, bg.role_counts('A', p) AS counts, bg.completeness('A', p) AS completeness,
       bg.role_completeness('A', p) AS role_completeness, bg.missing_roles('A', p) AS missing
  FROM (SELECT * FROM person OFFSET 0) p GROUP BY 1;
SELECT count(*) AS groups, count(DISTINCT completeness) AS distinct_completeness FROM by_twin;
SELECT count(*) AS differences FROM (TABLE by_twin EXCEPT TABLE by_whole) d;
SELECT count(*) AS differences FROM (TABLE by_whole EXCEPT TABLE by_twin) d;
-- window aggregates
SELECT count(*) FILTER (WHERE twin IS DISTINCT FROM whole) AS differences
  FROM (SELECT p.id, bg.completeness('A', p) OVER w AS twin FROM person p
        WINDOW w AS (PARTITION BY account_id ORDER BY id)) t
  JOIN (SELECT p.id, bg.completeness('A', p) OVER w AS whole FROM (SELECT * FROM person OFFSET 0) p
        WINDOW w AS (PARTITION BY account_id ORDER BY id)) u USING (id);

-- the target of an UPDATE is never NULL-extended: no ctid
CREATE TABLE staff AS SELECT *, NULL::text AS role FROM person WHERE id <= 20;
EXPLAIN (VERBOSE, COSTS OFF) UPDATE staff s SET role = bg.role_for('A', s);
UPDATE staff s SET role = bg.role_for('A', s);
SELECT count(*) AS staff, count(role) AS with_role,
       count(*) FILTER (WHERE role IS DISTINCT FROM bg.role_for('A', (SELECT s))) AS differences
  FROM staff s;

-- ---------------------------------------------------------------------------
-- NULL people and outer joins
-- ---------------------------------------------------------------------------
-- a person whose every column is NULL is a person: 'Nobody' counts them
INSERT INTO person (id, account_id) VALUES (30001, 1001), (30002, 1001), (30003, 1001);
SELECT bg.role_for('A', p) AS twin, bg.role_for('A', (SELECT p)) AS whole FROM person p WHERE id = 30001;
-- but an account LEFT JOINed to no people has none: role NULL, group empty
-- (the narrowed row of NULLs counted one 'Nobody' here before)
SELECT a.id, count(p.id) AS people, bg.role_counts('A', p), bg.completeness('A', p), bg.missing_roles('A', p)
  FROM account a LEFT JOIN person p ON p.account_id = a.id
 WHERE a.id IN (1001, 1002) GROUP BY 1 ORDER BY 1;
SELECT a.id, count(p.id) AS people, bg.role_counts('A', p), bg.completeness('A', p), bg.missing_roles('A', p)
  FROM account a LEFT JOIN (SELECT * FROM person OFFSET 0) p ON p.account_id = a.id
 WHERE a.id IN (1001, 1002) GROUP BY 1 ORDER BY 1;
SELECT a.id, p.id AS person, bg.role_for('A', p)
  FROM account a LEFT JOIN person p ON p.account_id = a.id WHERE a.id IN (1001, 1002) ORDER BY 1, 2;
SELECT a.id, p.id AS person, bg.role_for('A', p)
  FROM person p RIGHT JOIN account a ON p.account_id = a.id WHERE a.id IN (1001, 1002) ORDER BY 1, 2;
SELECT a.id, p.id AS person, bg.role_for('A', p)
  FROM person p FULL JOIN account a ON p.account_id = a.id WHERE a.id IN (1001, 1002) ORDER BY 1, 2;
SELECT e.role, e.matched FROM account a LEFT JOIN person p ON p.account_id = a.id,
       bg.explain_role('A', p) e WHERE a.id = 1002;
-- every account: the same as over whole rows
SELECT count(*) AS differences FROM (
    SELECT a.id, bg.role_counts('A', p), bg.missing_roles('A', p)
      FROM account a LEFT JOIN person p ON p.account_id = a.id GROUP BY 1
    EXCEPT
    SELECT a.id, bg.role_counts('A', p), bg.missing_roles('A', p)
      FROM account a LEFT JOIN (SELECT * FROM person OFFSET 0) p ON p.account_id = a.id GROUP BY 1) d;
-- long values: stored apart from the row (TOAST), compressed or not
INSERT INTO person (id, account_id, job_title, seniority)
SELECT 30003 + i, 1001, CASE WHEN i = 1 THEN 'Chief ' || (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 300) g)
                             ELSE repeat('engineer ', 5000) || 'engineer' END, 1
  FROM generate_series(1, 2) i;
SELECT id, length(job_title), bg.role_for('A', p) AS twin, bg.role_for('A', (SELECT p)) AS whole
  FROM person p WHERE id > 30003 ORDER BY id;
DELETE FROM person WHERE id > 30000;

-- ---------------------------------------------------------------------------
-- Parallel plans equal serial ones
-- ---------------------------------------------------------------------------
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;   -- the workers do all the scanning
EXPLAIN (VERBOSE, COSTS OFF)
SELECT account_id, bg.completeness('A', p), bg.missing_roles('A', p) FROM person p GROUP BY 1;
CREATE TABLE by_parallel AS
SELECT account_id, bg.role_counts('A', p) AS counts, bg.completeness('A', p) AS completeness,
       bg.role_completeness('A', p) AS role_completeness, bg.missing_roles('A', p) AS missing
  FROM person p GROUP BY 1;
SELECT count(*) AS differences FROM (TABLE by_parallel EXCEPT TABLE by_twin) d;
SELECT count(*) AS differences FROM (TABLE by_twin EXCEPT TABLE by_parallel) d;
SELECT bg.role_counts('A', p) AS parallel_total FROM person p;
SELECT count(*) FILTER (WHERE bg.role_for('A', p) IS NOT NULL) AS parallel_with_role FROM person p;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
SELECT bg.role_counts('A', p) AS serial_total FROM person p;

-- ---------------------------------------------------------------------------
-- Bound template names, a changed template, a dropped template
-- ---------------------------------------------------------------------------
PREPARE roles(text) AS SELECT bg.role_for($1, p) AS role, count(*) FROM person p GROUP BY 1 ORDER BY 1;
PREPARE scores(text) AS SELECT sum(c), count(m) FILTER (WHERE m = '{}')
  FROM (SELECT bg.completeness($1, p) AS c, bg.missing_roles($1, p) AS m FROM person p GROUP BY account_id) s;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE roles('A');
EXECUTE roles('A');
EXECUTE scores('A');
SET plan_cache_mode = force_custom_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE roles('A');
EXECUTE roles('A');
EXECUTE scores('A');
-- the template reads other columns: planned again
SELECT bg.set_condition('A', 'Other', 'note ends with ''7''');
SET plan_cache_mode = force_generic_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE roles('A');
EXECUTE roles('A');
SET plan_cache_mode = force_custom_plan;
EXECUTE roles('A');
RESET plan_cache_mode;
SELECT count(*) FILTER (WHERE bg.role_for('A', p) IS DISTINCT FROM bg.role_for('A', (SELECT p))) AS differences
  FROM person p;
-- a dropped template: the error of bg.role_for
SELECT bg.copy_template('A', 'B');
PREPARE of_b AS SELECT count(bg.role_for('B', p)) FROM person p;
EXECUTE of_b;
SELECT bg.drop_template('B');
SELECT try('EXECUTE of_b');
DEALLOCATE ALL;

-- ---------------------------------------------------------------------------
-- Row-level security on the people table and access levels: the twins are
-- granted like the originals; a role that may run only the original gets
-- the narrowed row instead
-- ---------------------------------------------------------------------------
CREATE ROLE regress_args_reader;
CREATE ROLE regress_args_hand;
SELECT bg.grant_access('regress_args_reader', 'reader');
SELECT count(*) AS twins_granted FROM information_schema.role_routine_grants
 WHERE grantee = 'regress_args_reader' AND routine_schema = 'bg'
   AND routine_name IN ('role_for', 'role_counts', 'completeness', 'role_completeness', 'missing_roles');
SELECT role, level FROM bg.access WHERE role = 'regress_args_reader';
GRANT USAGE ON SCHEMA regress_args TO regress_args_reader, regress_args_hand;
GRANT SELECT ON person TO regress_args_reader, regress_args_hand;
ALTER TABLE person ENABLE ROW LEVEL SECURITY;
CREATE POLICY few ON person FOR SELECT USING (account_id <= 10);
SET ROLE regress_args_reader;
EXPLAIN (VERBOSE, COSTS OFF) SELECT account_id, bg.completeness('A', p) FROM person p GROUP BY 1;
SELECT count(*) AS groups, sum(c) AS completeness
  FROM (SELECT account_id, bg.completeness('A', p) AS c FROM person p GROUP BY 1) s;
RESET ROLE;
SELECT count(*) AS groups, sum(c) AS completeness
  FROM (SELECT account_id, bg.completeness('A', p) AS c FROM person p WHERE account_id <= 10 GROUP BY 1) s;
GRANT USAGE ON SCHEMA bg TO regress_args_hand;
GRANT EXECUTE ON FUNCTION bg.role_for(text, anyelement) TO regress_args_hand;
SET ROLE regress_args_hand;
EXPLAIN (VERBOSE, COSTS OFF) SELECT bg.role_for('A', p) FROM person p;
SELECT count(bg.role_for('A', p)) FROM person p;
RESET ROLE;
DROP POLICY few ON person;
ALTER TABLE person DISABLE ROW LEVEL SECURITY;
SELECT bg.revoke_access('regress_args_reader');
REVOKE ALL ON FUNCTION bg.role_for(text, anyelement) FROM regress_args_hand;
REVOKE ALL ON SCHEMA bg FROM regress_args_hand;
REVOKE ALL ON SCHEMA regress_args FROM regress_args_reader, regress_args_hand;
REVOKE ALL ON person FROM regress_args_reader, regress_args_hand;
DROP ROLE regress_args_reader;
DROP ROLE regress_args_hand;

-- ---------------------------------------------------------------------------
-- Called directly
-- ---------------------------------------------------------------------------
SELECT bg.create_template('D');
SELECT bg.add_role('D', 'Decision Maker', 'job_title starts with ''vp'' or seniority >= 10');
SELECT bg.add_role('D', 'Nobody', 'job_title is empty');
SELECT bg.role_for('D', ARRAY['job_title', 'seniority'], 'Chief of Staff'::text, 1) AS chief,
       bg.role_for('D', ARRAY['seniority', 'job_title', 'note'], 12, 'Clerk'::text, 'x'::text) AS senior,
       bg.role_for('D', ARRAY['job_title', 'seniority'], NULL::text, NULL::int) AS nobody,
       bg.role_for('D', ARRAY['job_title', 'seniority', NULL], 'VP'::text, 1, NULL::int) AS no_person,
       bg.role_for(NULL, ARRAY['job_title'], 'VP'::text) AS no_template,
       bg.role_for('D', NULL, 'VP'::text) AS no_names;
SELECT bg.role_counts('D', ARRAY['job_title', 'seniority', 'department'], t, s, d),
       bg.role_counts('D', ARRAY['job_title', 'seniority', NULL], t, s, d)
  FROM (VALUES ('CEO'::text, 10, NULL::text), ('VP Sales', 1, 'x'), (NULL, NULL, NULL)) v(t, s, d);
-- the names may change from row to row
SELECT n, bg.role_for('D', CASE WHEN n % 2 = 1 THEN ARRAY['job_title', 'note', 'seniority']
                                ELSE ARRAY['note', 'job_title', 'seniority'] END, 'vp'::text, ''::text, 1)
  FROM generate_series(1, 3) n;
-- errors
SELECT try($$SELECT bg.role_for('D', ARRAY['job_title', 'seniority'], 'VP'::text)$$);
SELECT try($$SELECT bg.role_for('D', ARRAY[['job_title']], 'VP'::text)$$);
SELECT try($$SELECT bg.role_for('D', ARRAY['job_title'], VARIADIC ARRAY['VP'])$$);
SELECT try($$SELECT bg.role_for('D', ARRAY['job_title'], 'VP')$$);
SELECT try($$SELECT bg.role_for('D', ARRAY['job_title'], 'VP'::text)$$);
SELECT try($$SELECT bg.role_for('nope', ARRAY['job_title'], 'VP'::text)$$);
SELECT try($$SELECT bg.completeness('D', NULL::text[], 'VP'::text)$$);
SELECT try($$SELECT bg.completeness(NULL, ARRAY['job_title'], 'VP'::text)$$);

DROP SCHEMA regress_args CASCADE;
