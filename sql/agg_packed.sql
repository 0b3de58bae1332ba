-- Packed tallies (src/agg_packed.c, src/plan_packed.c): where the planner
-- hook passes a table's columns, bg.completeness, bg.missing_roles and
-- bg.role_completeness take a bigint state when every template they may
-- name fits one, with exactly the answers of the bg.role_tally aggregates:
-- random templates over thousands of groups (empty groups, FILTER, HAVING),
-- parallel plans, bound templates, the fallbacks, and every error of the
-- packed state.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
DROP ROLE IF EXISTS regress_packed_reader;
CREATE EXTENSION bg;
RESET client_min_messages;
LOAD 'bg';
CREATE SCHEMA regress_packed;
SET search_path = regress_packed, public;

-- try(query): the shared helpers
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id int PRIMARY KEY);
INSERT INTO account SELECT generate_series(1, 4100);
-- 24000 people in accounts 1..4000 (4001..4100 have none); accounts 1..40
-- have about 125 people each, so that counts pass every field's largest
CREATE TABLE person (id int PRIMARY KEY, account_id int NOT NULL, job_title text, department text,
                     seniority int);
INSERT INTO person
SELECT g, CASE WHEN g % 5 = 0 THEN 1 + abs(hashint4(g * 13)) % 40 ELSE 1 + abs(hashint4(g * 7919)) % 4000 END,
       (ARRAY['Chief Executive', 'VP Sales', 'Director of IT', 'Head of Security', 'Software Engineer',
              'Engineer', 'Sales Manager', 'Clerk', '', NULL])[1 + abs(hashint4(g)) % 10],
       (ARRAY['IT', 'Legal', 'Sales', NULL])[1 + abs(hashint4(g * 3)) % 4],
       nullif(abs(hashint4(g * 31)) % 12, 11)
FROM generate_series(1, 24000) g;
ANALYZE account, person;
SELECT bg.bind_people('person');

SELECT bg.create_template('A');
SELECT bg.add_role('A', 'Decision Maker', 'job_title starts with any (''chief'', ''vp'')', members_required => 2);
SELECT bg.add_role('A', 'Influencer', 'job_title contains ''head'' or department = ''Legal''');
SELECT bg.add_role('A', 'Practitioner', 'job_title ends with ''engineer''', members_required => 3);
SELECT bg.add_role('A', 'Other', 'seniority >= 9', required => false);

-- The state: the template's id, its layout and a field per role
CREATE AGGREGATE packed_state(text, text[], VARIADIC "any") (
    SFUNC = bg_internal._packed_columns, STYPE = bigint);
SELECT s, s & 31 AS roles, ((s >> 5) & 7) + 1 AS width,
       (s >> 8) & 3 AS dm, (s >> 10) & 3 AS inf, (s >> 12) & 3 AS pr, (s >> 14) & 3 AS other,
       s >> 16 AS template_id, (SELECT id FROM bg_internal.template WHERE name = 'A') AS id_of_a
  FROM (SELECT packed_state('A', ARRAY['job_title', 'department', 'seniority'], j, d, s) AS s
          FROM (VALUES ('CEO', 'IT', 1), ('Chief of Staff', NULL, 9), ('VP', NULL, 9), ('vp x', NULL, 9),
                       ('Engineer', NULL, NULL), (NULL, 'Legal', 10)) v(j, d, s)) t;

-- ---------------------------------------------------------------------------
-- The hook calls the packed aggregates, or keeps the twins
-- ---------------------------------------------------------------------------
EXPLAIN (VERBOSE, COSTS OFF)
SELECT account_id, bg.completeness('A', p), bg.missing_roles('A', p), bg.role_completeness('A', p)
  FROM person p GROUP BY 1;
-- an outer join: the ctid says whether there is a person; HAVING and FILTER too
EXPLAIN (VERBOSE, COSTS OFF)
SELECT a.id, bg.completeness('A', p) FILTER (WHERE p.seniority > 2)
  FROM account a LEFT JOIN person p ON p.account_id = a.id GROUP BY 1
HAVING bg.completeness('A', p) < 50;
-- bg.role_counts needs exact counts: with it, all share one bg.role_tally
EXPLAIN (VERBOSE, COSTS OFF)
SELECT account_id, bg.role_counts('A', p), bg.completeness('A', p) FROM person p GROUP BY 1;
-- ... unless the FILTER differs (then the states are apart anyway)
EXPLAIN (VERBOSE, COSTS OFF)
SELECT account_id, bg.role_counts('A', p) FILTER (WHERE p.id > 5), bg.completeness('A', p) FROM person p GROUP BY 1;
-- window aggregates, DISTINCT and ORDER BY: not packed
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id, bg.completeness('A', p) OVER (PARTITION BY account_id) FROM person p;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT bg.completeness(DISTINCT 'A', p) FROM person p;
-- a template that does not fit (a threshold of 256 needs 9 bits): the twins
SELECT bg.create_template('Big');
SELECT bg.add_role('Big', 'Decision Maker', 'job_title starts with ''vp''', members_required => 256);
EXPLAIN (VERBOSE, COSTS OFF)
SELECT account_id, bg.completeness('A', p), bg.completeness('Big', p) FROM person p GROUP BY 1;
-- as many answers either way
SELECT count(*) AS groups, sum(a) AS a, sum(b) AS big
  FROM (SELECT account_id, bg.completeness('A', p) AS a, bg.completeness('Big', p) AS b
          FROM person p GROUP BY 1) s;
SELECT count(*) AS groups, sum(a) AS a, sum(b) AS big
  FROM (SELECT account_id, bg.completeness('A', p) AS a, bg.completeness('Big', p) AS b
          FROM (SELECT * FROM person OFFSET 0) p GROUP BY 1) s;
SELECT bg.drop_template('Big');

-- ---------------------------------------------------------------------------
-- Bound templates: a generic plan is packed while every template fits
-- ---------------------------------------------------------------------------
PREPARE scores(text) AS SELECT count(*), sum(c), sum(cardinality(m))
  FROM (SELECT account_id, bg.completeness($1, p) AS c, bg.missing_roles($1, p) AS m FROM person p GROUP BY 1) s;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE scores('A');
EXECUTE scores('A');
SELECT try($$EXECUTE scores(NULL)$$);
SELECT try($$EXECUTE scores('nope')$$);
SET plan_cache_mode = force_custom_plan;
EXECUTE scores('A');
SELECT try($$EXECUTE scores(NULL)$$);
-- a template that does not fit: the generic plan is made again, with the twins
SELECT bg.copy_template('A', 'Wide');
SELECT bg.update_role('Wide', 'Other', members_required => 1000);
SET plan_cache_mode = force_generic_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE scores('A');
EXECUTE scores('A');
EXECUTE scores('Wide');
SET plan_cache_mode = force_custom_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE scores('A');
EXECUTE scores('Wide');
RESET plan_cache_mode;
DEALLOCATE scores;
SELECT bg.drop_template('Wide');

-- ---------------------------------------------------------------------------
-- Random templates: 1..20 roles, thresholds 1..1000, conditions over every
-- column, some roles without one; packed (where the template fits) against
-- the bg.role_tally aggregates over whole rows, every group
-- ---------------------------------------------------------------------------
-- the catalog's twenty roles: the six default ones and fourteen more
DO $$
BEGIN
    FOR r IN 1..14 LOOP
        PERFORM bg.create_role(format('R%s', lpad(r::text, 2, '0')));
    END LOOP;
END $$;
CREATE TABLE roles AS SELECT row_number() OVER (ORDER BY name) AS r, name FROM bg.roles;
SELECT count(*) AS roles FROM roles;
SELECT setseed(0.25);
DO $$
DECLARE
    preds text[] := ARRAY['job_title starts with ''chief''', 'job_title starts with any (''vp'', ''head'')',
                          'job_title contains ''engineer''', 'job_title ends with ''manager''',
                          'job_title contains any (''sales'', ''it'')', 'department in (''IT'', ''Legal'')',
                          'department is ''Sales''', 'seniority >= 6', 'seniority < 3', 'job_title is empty',
                          'department is empty', 'job_title is not empty'];
    highs int[] := ARRAY[1, 1, 2, 3, 3, 7, 15, 31, 60, 255, 256, 1000];
    n int;
    high int;
    cond text;
    name text;
BEGIN
    FOR t IN 1..32 LOOP
        name := format('T%s', lpad(t::text, 2, '0'));
        PERFORM bg.create_template(name);
        n := 1 + floor(random() * 20)::int;
        high := highs[1 + floor(random() * array_length(highs, 1))::int];
        <<add>> FOR r IN 1..n LOOP
            cond := CASE WHEN random() < 0.1 THEN NULL
                         WHEN random() < 0.5 THEN preds[1 + floor(random() * 12)::int]
                         ELSE format('%s %s (%s)', preds[1 + floor(random() * 12)::int],
                                     CASE WHEN random() < 0.5 THEN 'and' ELSE 'or not' END,
                                     preds[1 + floor(random() * 12)::int]) END;
            PERFORM bg.add_role(name, (SELECT x.name FROM roles x WHERE x.r = add.r), cond,
                                required => random() < 0.8, members_required => 1 + floor(random() * high)::int);
        END LOOP;
    END LOOP;
END $$;
-- and the edges: no roles, no required role, twenty roles of threshold 3
-- (fits), 255 (fits) and 256 (does not) in one role
SELECT bg.create_template('None');
SELECT bg.create_template('Optional');
SELECT bg.add_role('Optional', 'Champion', 'job_title is not empty', required => false);
SELECT bg.create_template('Twenty');
DO $$
BEGIN
    <<add>> FOR r IN 1..20 LOOP
        PERFORM bg.add_role('Twenty', (SELECT x.name FROM roles x WHERE x.r = add.r),
                            CASE r % 3 WHEN 0 THEN 'seniority >= ' || r / 2 WHEN 1 THEN 'job_title contains ''e''' END,
                            members_required => 1 + r % 3);
    END LOOP;
END $$;
SELECT bg.create_template('K255');
SELECT bg.add_role('K255', 'Champion', 'job_title is not empty', members_required => 255);
SELECT bg.create_template('K256');
SELECT bg.add_role('K256', 'Champion', 'job_title is not empty', members_required => 256);

-- each template's size, and whether it fits by the layout's rule: 8 bits,
-- then a field per role as wide as the largest threshold, then the id
-- (a template whose roles have no condition reads no column: the hook
-- leaves its person row as it is)
CREATE TABLE templates AS
SELECT t.id, t.name, count(tr.role_id) AS roles, coalesce(max(tr.members_required), 1) AS high,
       8 + count(tr.role_id) * length(ltrim(coalesce(max(tr.members_required), 1)::bit(32)::text, '0'))
         + length(ltrim(t.id::bit(32)::text, '0')) <= 64
         AND coalesce(max(tr.members_required), 1) < 256 AS fits,
       count(tr.condition) > 0 AS reads
  FROM bg_internal.template t LEFT JOIN bg_internal.template_role tr ON tr.template_id = t.id
 WHERE t.name <> 'A'
 GROUP BY t.id, t.name;
SELECT count(*) AS templates, count(*) FILTER (WHERE fits) AS fit, count(*) FILTER (WHERE NOT fits) AS do_not_fit,
       count(*) FILTER (WHERE NOT reads) AS read_nothing,
       min(roles) AS min_roles, max(roles) AS max_roles, max(high) AS max_threshold
  FROM templates;

-- the query per template: every account (empty groups too), FILTER that
-- leaves some groups no row, and HAVING
CREATE FUNCTION scores_query(tmpl text, people text) RETURNS text LANGUAGE sql AS $$
SELECT format($q$SELECT %1$L AS template, a.id, bg.completeness(%1$L, p) AS c, bg.missing_roles(%1$L, p) AS m,
       bg.role_completeness(%1$L, p) AS rc,
       bg.completeness(%1$L, p) FILTER (WHERE a.id %% 7 <> 0 AND p.seniority > 2) AS cf,
       bg.missing_roles(%1$L, p) FILTER (WHERE a.id %% 7 <> 0 AND p.seniority > 2) AS mf
  FROM account a LEFT JOIN %2$s p ON p.account_id = a.id GROUP BY a.id
HAVING bg.completeness(%1$L, p) IS NULL OR bg.completeness(%1$L, p) < 99 OR a.id %% 2 = 0$q$, tmpl, people)
$$;
-- whether the plan of query has a line like pattern
CREATE FUNCTION plan_has(query text, pattern text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || query LOOP
        IF line LIKE pattern THEN
            RETURN true;
        END IF;
    END LOOP;
    RETURN false;
END $$;
-- whether the hook packs a template's aggregates
CREATE FUNCTION packed(tmpl text) RETURNS boolean LANGUAGE sql AS $$
SELECT plan_has(scores_query(tmpl, 'person'), '%bg.packed_completeness(%')
$$;
SELECT count(*) FILTER (WHERE packed(name) <> (fits AND reads)) AS fit_rule_disagreements,
       count(*) FILTER (WHERE packed(name)) AS packed
  FROM templates;

-- by_packed: the queries of every template over person p (packed where
-- the template fits), by_whole: over (SELECT * FROM person OFFSET 0) p,
-- whose rows the hook leaves whole (the bg.role_tally aggregates)
\set ECHO none
SELECT 'CREATE TABLE by_packed AS ' || string_agg(scores_query(name, 'person'), ' UNION ALL ' ORDER BY name)
  FROM templates \gexec
SELECT 'CREATE TABLE by_whole AS '
       || string_agg(scores_query(name, '(SELECT * FROM person OFFSET 0)'), ' UNION ALL ' ORDER BY name)
  FROM templates \gexec
\set ECHO all
SELECT count(*) AS groups, count(DISTINCT template) AS templates, count(*) FILTER (WHERE c IS NULL) AS null_completeness,
       count(*) FILTER (WHERE cf IS NULL) AS null_filtered, count(DISTINCT c) AS distinct_completeness,
       count(DISTINCT m) AS distinct_missing
  FROM by_packed;
SELECT count(*) AS differences FROM (TABLE by_packed EXCEPT ALL TABLE by_whole) d;
SELECT count(*) AS differences FROM (TABLE by_whole EXCEPT ALL TABLE by_packed) d;
-- saturated fields: people beyond every threshold in the large accounts
SELECT count(*) AS full_groups FROM by_packed WHERE c = 100 AND id <= 40;

-- ---------------------------------------------------------------------------
-- Parallel plans equal serial ones (states built in workers, combined and
-- finalised in the leader)
-- ---------------------------------------------------------------------------
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;   -- the workers do all the scanning
EXPLAIN (VERBOSE, COSTS OFF)
SELECT account_id % 500, bg.completeness('A', p), bg.missing_roles('A', p), bg.role_completeness('A', p),
       bg.missing_roles('A', p) FILTER (WHERE p.seniority > 2)
  FROM person p GROUP BY 1;
CREATE FUNCTION people_query(tmpl text, people text) RETURNS text LANGUAGE sql AS $$
SELECT format($q$SELECT %1$L AS template, account_id %% 500 AS g, bg.completeness(%1$L, p) AS c,
       bg.missing_roles(%1$L, p) AS m, bg.role_completeness(%1$L, p) AS rc,
       bg.missing_roles(%1$L, p) FILTER (WHERE p.seniority > 2 AND p.account_id %% 500 <> 7) AS mf
  FROM %2$s p GROUP BY 2$q$, tmpl, people)
$$;
-- by_parallel: every template's aggregates with 2 workers; by_serial: over
-- whole rows, serial
\set ECHO none
SELECT 'CREATE TABLE by_parallel AS ' || string_agg(people_query(name, 'person'), ' UNION ALL ' ORDER BY name)
  FROM templates \gexec
\set ECHO all
-- the plans have partial aggregates of the packed aggregates
CREATE FUNCTION partial_packed(tmpl text) RETURNS boolean LANGUAGE sql AS $$
SELECT plan_has(people_query(tmpl, 'person'), '%Partial HashAggregate%')
       AND plan_has(people_query(tmpl, 'person'), '%PARTIAL bg.packed_completeness(%')
$$;
SELECT count(*) FILTER (WHERE partial_packed(name)) AS partial_packed, count(*) FILTER (WHERE fits AND reads) AS fit
  FROM templates;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
\set ECHO none
SELECT 'CREATE TABLE by_serial AS '
       || string_agg(people_query(name, '(SELECT * FROM person OFFSET 0)'), ' UNION ALL ' ORDER BY name)
  FROM templates \gexec
\set ECHO all
SELECT count(*) AS groups, count(*) FILTER (WHERE mf IS NULL) AS null_filtered,
       (SELECT count(*) FROM (TABLE by_parallel EXCEPT ALL TABLE by_serial) d) AS differences,
       (SELECT count(*) FROM (TABLE by_serial EXCEPT ALL TABLE by_parallel) d) AS differences
  FROM by_parallel;

-- ---------------------------------------------------------------------------
-- Mixed templates in one group: an error, as with bg.role_tally
-- ---------------------------------------------------------------------------
SELECT try($$SELECT bg.completeness(t.name, p ORDER BY t.n) FROM person p, (VALUES (1, 'A'), (2, 'K255')) t(n, name)
             WHERE p.account_id = 1 GROUP BY p.account_id$$);
SELECT try($$SELECT bg.packed_completeness(t, ARRAY['job_title', 'department', 'seniority'], j, 'IT'::text, 1 ORDER BY n)
             FROM (VALUES (1, 'A', 'x'), (2, 'K255', 'y')) v(n, t, j)$$);

-- ---------------------------------------------------------------------------
-- Access: granted with the twins at reader level; a role without them gets
-- the twins
-- ---------------------------------------------------------------------------
CREATE ROLE regress_packed_reader;
SELECT bg.grant_access('regress_packed_reader', 'reader');
SELECT routine_name, count(*) AS granted FROM information_schema.role_routine_grants
 WHERE grantee = 'regress_packed_reader' AND routine_schema = 'bg' AND routine_name LIKE 'packed%'
 GROUP BY 1 ORDER BY 1;
SELECT role, level FROM bg.access WHERE role = 'regress_packed_reader';
GRANT USAGE ON SCHEMA regress_packed TO regress_packed_reader;
GRANT SELECT ON person TO regress_packed_reader;
SET ROLE regress_packed_reader;
EXPLAIN (VERBOSE, COSTS OFF) SELECT account_id, bg.completeness('A', p), bg.missing_roles('A', p) FROM person p GROUP BY 1;
SELECT count(*) AS groups, sum(c) AS completeness
  FROM (SELECT account_id, bg.completeness('A', p) AS c, bg.missing_roles('A', p) AS m FROM person p GROUP BY 1) s;
RESET ROLE;
REVOKE EXECUTE ON FUNCTION bg.packed_completeness(text, text[], "any") FROM regress_packed_reader;
SET ROLE regress_packed_reader;
EXPLAIN (VERBOSE, COSTS OFF) SELECT account_id, bg.completeness('A', p), bg.missing_roles('A', p) FROM person p GROUP BY 1;
SELECT count(*) AS groups, sum(c) AS completeness
  FROM (SELECT account_id, bg.completeness('A', p) AS c, bg.missing_roles('A', p) AS m FROM person p GROUP BY 1) s;
RESET ROLE;
SELECT bg.revoke_access('regress_packed_reader');
REVOKE ALL ON SCHEMA regress_packed FROM regress_packed_reader;
REVOKE ALL ON person FROM regress_packed_reader;
DROP ROLE regress_packed_reader;

-- ---------------------------------------------------------------------------
-- Errors of the packed state
-- ---------------------------------------------------------------------------
-- a template that does not fit (called directly; the hook never calls it so)
SELECT try($$SELECT bg.packed_completeness('K256', ARRAY['job_title'], job_title) FROM person$$);
-- NULL template, NULL names
SELECT try($$SELECT bg.packed_completeness(NULL, ARRAY['job_title'], 'x'::text)$$);
SELECT try($$SELECT bg.packed_missing_roles('A', NULL, 'x'::text)$$);
-- combining states of two templates
SELECT try($$SELECT bg_internal._packed_combine(
                 (SELECT packed_state('A', ARRAY['job_title', 'department', 'seniority'], 'VP'::text, 'IT'::text, 1)),
                 (SELECT packed_state('K255', ARRAY['job_title'], 'VP'::text)))$$);
-- no packed tally is so: no id, more fields than bits, an id of no template
SELECT try($$SELECT bg_internal._packed_completeness(0)$$);
SELECT try($$SELECT bg_internal._packed_missing_roles(-1)$$);
SELECT try($$SELECT bg_internal._packed_role_completeness(999 << 8)$$);
SELECT try($$SELECT bg_internal._packed_combine(0, 0)$$);
-- the template changed after its states were built: a threshold within the
-- field's width reads the same as exact counts; a wider one, or another
-- number of roles, is an error
SELECT bg.copy_template('A', 'C');
CREATE TABLE c_state AS
SELECT packed_state('C', ARRAY['job_title', 'department', 'seniority'], job_title, department, seniority) AS s,
       bg.completeness('C', p) AS c, bg.missing_roles('C', p) AS m
  FROM person p WHERE account_id = 1;
SELECT c.c = bg_internal._packed_completeness(c.s) AS same, c.m = bg_internal._packed_missing_roles(c.s) AS same
  FROM c_state c;
SELECT bg.update_role('C', 'Practitioner', members_required => 2);
SELECT bg_internal._packed_completeness(s) = (SELECT bg.completeness('C', p) FROM person p WHERE account_id = 1) AS same
  FROM c_state;
SELECT bg.update_role('C', 'Practitioner', members_required => 4);
SELECT try($$SELECT bg_internal._packed_completeness(s) FROM c_state$$);
SELECT try($$SELECT bg_internal._packed_columns(s, 'C', ARRAY['job_title', 'department', 'seniority'],
                                                'VP'::text, 'IT'::text, 1) FROM c_state$$);
SELECT try($$SELECT bg_internal._packed_combine((SELECT s FROM c_state),
                 (SELECT packed_state('C', ARRAY['job_title', 'department', 'seniority'], 'VP'::text, 'IT'::text, 1)))$$);
SELECT bg.update_role('C', 'Practitioner', members_required => 3);
SELECT bg.add_role('C', 'Champion', 'job_title is empty');
SELECT try($$SELECT bg_internal._packed_missing_roles(s) FROM c_state$$);
SELECT bg.drop_template('C');
SELECT try($$SELECT bg_internal._packed_completeness(s) FROM c_state$$);

DROP SCHEMA regress_packed CASCADE;
