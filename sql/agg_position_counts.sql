-- The shared form of the scoring aggregates (docs/design.md §12.2):
-- bg.role_position, bg.position_counts (bg.position_counts_add,
-- bg.position_counts_combine) and the finals bg.counts_*, which the
-- planner hook writes for queries on Citus tables so that the aggregates of
-- one template share one state.  Without Citus the hook leaves queries as
-- they are; the functions can be called by hand and answer as the scoring
-- aggregates do, and their wrong inputs are refused (22023, 22003).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_position_counts;
SET search_path = regress_position_counts, public;

-- try(query): the shared helper
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, industry text);
INSERT INTO account VALUES (1, 'Banking'), (2, 'Banking'), (3, 'Retail'), (4, 'Retail'), (5, 'Health');
CREATE TABLE person (id integer PRIMARY KEY, account_id integer, job_title text, seniority integer);
INSERT INTO person VALUES (1, 1, 'CISO', 7), (2, 1, 'Security Engineer', 3), (3, 1, 'Engineer', 2),
    (4, 2, 'VP Sales', 9), (5, 2, NULL, NULL), (6, 3, 'Analyst', 1), (7, 4, 'Intern', 3);
SELECT bg.bind_people('person');
SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', $$seniority > 6$$);
SELECT bg.add_role('T', 'Practitioner', $$seniority < 4$$, members_required => 2);
SELECT bg.add_role('T', 'Champion', required => false);
SELECT bg.create_template('U');
SELECT bg.add_role('U', 'Practitioner', $$job_title contains 'Engineer'$$, required => false);

-- ---------------------------------------------------------------------------
-- Positions and counts
-- ---------------------------------------------------------------------------
SELECT p.id, bg.role_for('T', p), bg.role_position('T', p), bg.role_position('U', p)
  FROM person p ORDER BY p.id;
SELECT bg.role_position('T', NULL::person), bg.role_position(NULL, p) FROM person p WHERE p.id = 1;
-- a role given by name: its position; NULL for none
SELECT r, bg.role_name_position('T', r)
  FROM (VALUES ('Decision Maker'), ('Practitioner'), ('Champion'), (NULL)) v(r);
SELECT p.account_id, bg.position_counts(bg.role_position('T', p)) FROM person p GROUP BY 1 ORDER BY 1;
-- no person (a LEFT JOIN's account without people): an empty group, not NULL
SELECT a.id, bg.position_counts(bg.role_position('T', p))
  FROM account a LEFT JOIN person p ON p.account_id = a.id GROUP BY a.id ORDER BY a.id;
-- no rows at all: NULL, as every aggregate
SELECT bg.position_counts(bg.role_position('T', p)) FROM person p WHERE false;

-- ---------------------------------------------------------------------------
-- The finals answer as the scoring aggregates, empty groups and FILTER too
-- ---------------------------------------------------------------------------
SELECT a.industry,
       bg.role_counts('T', p) = bg.counts_role_counts('T', bg.position_counts(bg.role_position('T', p))) AS role_counts,
       bg.completeness('T', p) IS NOT DISTINCT FROM
           bg.counts_completeness('T', bg.position_counts(bg.role_position('T', p))) AS completeness,
       bg.role_completeness('T', p) = bg.counts_role_completeness('T', bg.position_counts(bg.role_position('T', p))) AS role_completeness,
       bg.missing_roles('T', p) = bg.counts_missing_roles('T', bg.position_counts(bg.role_position('T', p))) AS missing_roles,
       bg.completeness('T', p) FILTER (WHERE p.seniority > 5) IS NOT DISTINCT FROM
           bg.counts_completeness('T', bg.position_counts(bg.role_position('T', p)) FILTER (WHERE p.seniority > 5)) AS filtered
  FROM account a LEFT JOIN person p ON p.account_id = a.id GROUP BY a.industry ORDER BY a.industry;
SELECT a.industry, bg.counts_role_counts('T', bg.position_counts(bg.role_position('T', p))),
       bg.counts_completeness('T', bg.position_counts(bg.role_position('T', p))),
       bg.counts_missing_roles('T', bg.position_counts(bg.role_position('T', p)))
  FROM account a LEFT JOIN person p ON p.account_id = a.id GROUP BY a.industry ORDER BY a.industry;
-- counts shorter than the template: the roles they do not reach count 0
SELECT bg.counts_role_counts('T', '{1}'), bg.counts_completeness('T', '{}'), bg.counts_missing_roles('T', '{1,2}');
-- a template without required roles: completeness NULL
SELECT bg.counts_completeness('U', '{3}'), bg.counts_missing_roles('U', '{0}');
SELECT bg.counts_completeness('T', NULL), bg.counts_completeness(NULL, '{1}');

-- the state is updated in place: a window's frames and a sorted grouping
-- each get their own counts
SELECT p.id, bg.position_counts(bg.role_position('T', p)) OVER (ORDER BY p.id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS pair,
       bg.position_counts(bg.role_position('T', p)) OVER (ORDER BY p.id) AS running
  FROM person p ORDER BY p.id;
SET enable_hashagg = off;
SELECT p.account_id, bg.position_counts(bg.role_position('T', p)) FROM person p GROUP BY 1 ORDER BY 1;
RESET enable_hashagg;

-- ---------------------------------------------------------------------------
-- Partial states: the combine function, in parallel query
-- ---------------------------------------------------------------------------
SELECT bg.position_counts_combine('{1,2}', '{3,4,5}'),
       bg.position_counts_combine('{1,2,3}', '{1}'),
       bg.position_counts_combine('{}', '{}'),
       bg.position_counts_combine('{}', '{2}');
SELECT bg.position_counts_add(NULL, NULL), bg.position_counts_add(NULL, 3),
       bg.position_counts_add('{1}', 2), bg.position_counts_add('{1,1}', NULL);
CREATE TABLE many AS SELECT g AS id, 1 + g % 3 AS pos FROM generate_series(1, 30000) g;
ANALYZE many;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT bg.position_counts(pos) FROM many;
SELECT bg.position_counts(pos), bg.position_counts(CASE WHEN pos = 3 THEN NULL ELSE pos END) FROM many;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- ---------------------------------------------------------------------------
-- Without Citus the planner hook writes no shared form (it passes the
-- columns, and packs the tallies of completeness and missing roles)
-- ---------------------------------------------------------------------------
EXPLAIN (VERBOSE, COSTS OFF)
SELECT a.industry, bg.completeness('T', p), bg.missing_roles('T', p)
  FROM account a JOIN person p ON p.account_id = a.id GROUP BY a.industry;

-- ---------------------------------------------------------------------------
-- Errors
-- ---------------------------------------------------------------------------
-- 22023: positions start at 1 and stop at 1000
SELECT try($$SELECT bg.position_counts(x) FROM (VALUES (1), (0)) v(x)$$);
SELECT try($$SELECT bg.position_counts(1001)$$);
-- 22023: counts that no aggregate builds
SELECT try($$SELECT bg.counts_completeness('T', '{1,-1}')$$);
SELECT try($$SELECT bg.counts_completeness('T', '{1,NULL}')$$);
SELECT try($$SELECT bg.counts_completeness('T', '{{1,2},{3,4}}')$$);
SELECT try($$SELECT bg.counts_completeness('T', '[0:1]={1,2}')$$);
SELECT try($$SELECT bg.position_counts_combine('{1}', '{-2}')$$);
-- 22023: more positions than the template has roles
SELECT try($$SELECT bg.counts_role_counts('T', '{1,2,3,4}')$$);
-- 22003: a count past bigint
SELECT try($$SELECT bg.position_counts_add('{9223372036854775807}', 1)$$);
SELECT try($$SELECT bg.position_counts_combine('{0,9223372036854775807}', '{0,1}')$$);
-- 42704: a role the template does not have
SELECT try($$SELECT bg.role_name_position('T', 'Legal')$$);
-- 42704: a template that does not exist
SELECT try($$SELECT bg.counts_completeness('nope', '{1}')$$);
SELECT try($$SELECT bg.role_position('nope', p) FROM person p$$);

RESET search_path;
DROP SCHEMA regress_position_counts CASCADE;
