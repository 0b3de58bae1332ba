-- Packed position counts (src/agg_packed_positions.c): the by-value form of
-- the shared state that the planner hook writes on Citus for completeness,
-- missing roles and role completeness when the template fits
-- (plan_shared_tally.c).  Called by hand here: exactly the answers of the
-- scoring aggregates for templates that fit (counts saturating at the
-- field's cap), over thousands of groups, empty groups and FILTER; the
-- combine function in any order and in parallel plans; the templates that
-- do not fit; and every error of the packed state.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;
CREATE SCHEMA regress_packed_positions;
SET search_path = regress_packed_positions, public;

-- try(query): the shared helper
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id int PRIMARY KEY, industry text);
INSERT INTO account SELECT g, (ARRAY['Banking', 'Retail', 'Health'])[1 + g % 3] FROM generate_series(1, 2100) g;
-- 12000 people in accounts 1..2000 (2001..2100 have none); accounts 1..20
-- have about 120 people each, so that counts pass every field's cap
CREATE TABLE person (id int PRIMARY KEY, account_id int NOT NULL, job_title text, department text,
                     seniority int);
-- a few hashes of each person's id pick its account, title, department and
-- seniority
INSERT INTO person
SELECT g, 1 + CASE WHEN g % 5 = 0 THEN h.big % 20 ELSE h.spread % 2000 END,
       t.titles[1 + h.title % 10], t.departments[1 + h.department % 4], nullif(h.seniority % 12, 11)
  FROM generate_series(1, 12000) g,
       LATERAL (SELECT abs(hashint4(g * 13)) AS big, abs(hashint4(g * 7919)) AS spread, abs(hashint4(g)) AS title,
                       abs(hashint4(g * 3)) AS department, abs(hashint4(g * 31)) AS seniority) h,
       (VALUES (ARRAY['Chief Executive', 'VP Sales', 'Director of IT', 'Head of Security', 'Software Engineer',
                      'Engineer', 'Sales Manager', 'Clerk', '', NULL],
                ARRAY['IT', 'Legal', 'Sales', NULL])) t(titles, departments);
ANALYZE account, person;
SELECT bg.bind_people('person');

SELECT bg.create_role(r) FROM (VALUES ('Anyone'), ('Engineer'), ('Sales'), ('IT'), ('Crowd')) v(r);
SELECT bg.create_role('R' || i) FROM generate_series(1, 4) i;
-- A: 4 roles, largest threshold 3: fields of 2 bits, cap 3
SELECT bg.create_template('A');
SELECT bg.add_role('A', 'Decision Maker', 'job_title starts with any (''chief'', ''vp'')', members_required => 2);
SELECT bg.add_role('A', 'Influencer', 'job_title contains ''head'' or department = ''Legal''');
SELECT bg.add_role('A', 'Practitioner', 'job_title ends with ''engineer''', members_required => 3);
SELECT bg.add_role('A', 'Other', 'seniority >= 9', required => false);
-- W: a threshold of 100 (fields of 7 bits), reached in the large accounts
SELECT bg.create_template('W');
SELECT bg.add_role('W', 'Anyone', 'seniority >= 0', members_required => 100);
SELECT bg.add_role('W', 'Engineer', 'job_title contains ''engineer''', members_required => 5);
-- One: every threshold 1 (fields of 1 bit); no role required
SELECT bg.create_template('One');
SELECT bg.add_role('One', 'Sales', 'department = ''Sales''', required => false);
SELECT bg.add_role('One', 'IT', 'department = ''IT''', required => false);
-- Big: a threshold of 256 (9 bits) does not fit
SELECT bg.create_template('Big');
SELECT bg.add_role('Big', 'Crowd', 'seniority >= 0', members_required => 256);
-- Fits14 and Wide15: 14 roles of 4 bits (a threshold of 8) fill the 56
-- bits of the fields, 15 do not fit
SELECT bg.create_template('Fits14');
SELECT bg.create_template('Wide15');
SELECT count(bg.add_role(t, r.name, format('seniority = %s', r.n % 12), required => r.n % 3 > 0, members_required => (1 + r.n % 8)::int))
  FROM (SELECT name, row_number() OVER (ORDER BY name) AS n FROM bg.roles) r, (VALUES ('Fits14', 14), ('Wide15', 15)) v(t, k)
 WHERE r.n <= v.k;
-- Empty: no roles
SELECT bg.create_template('Empty');

-- ---------------------------------------------------------------------------
-- Packed positions and the state
-- ---------------------------------------------------------------------------
-- a packed position: the template's layout in its low byte (roles, width - 1
-- shifted by 5), the role's position above
SELECT t, r, x, x & 31 AS roles, ((x >> 5) & 7) + 1 AS width, x >> 8 AS position
  FROM (VALUES ('A', 'Decision Maker'), ('A', 'Other'), ('W', 'Engineer'), ('One', 'IT'),
               ('Fits14', 'R4')) v(t, r),
       LATERAL (SELECT bg.packed_role_name_position(t, r) AS x) s;
SELECT p.id, bg.role_for('A', p), bg.role_position('A', p), bg.packed_role_position('A', p) >> 8 AS packed
  FROM person p WHERE p.id <= 12 ORDER BY p.id;
SELECT bg.packed_role_position('A', NULL::person), bg.packed_role_position(NULL, p),
       bg.packed_role_name_position('A', NULL), bg.packed_role_name_position(NULL, 'Other')
  FROM person p WHERE p.id = 1;
-- the state: the header, then a field per role saturating at its cap
SELECT s, s & 255 AS header, (s >> 8) & 3 AS dm, (s >> 10) & 3 AS inf, (s >> 12) & 3 AS pr, (s >> 14) & 3 AS other
  FROM (SELECT bg.packed_position_counts(bg.packed_role_name_position('A', r)) AS s
          FROM (VALUES ('Decision Maker'), ('Practitioner'), ('Practitioner'), ('Practitioner'),
                       ('Practitioner'), ('Practitioner'), (NULL), ('Other')) v(r)) t;
-- no rows: NULL; rows without a role (or no person): 0, an empty group
SELECT bg.packed_position_counts(bg.packed_role_position('A', p)) FROM person p WHERE false;
SELECT a.id, bg.packed_position_counts(bg.packed_role_position('A', p))
  FROM account a LEFT JOIN person p ON p.account_id = a.id WHERE a.id IN (2001, 2002) GROUP BY a.id ORDER BY a.id;
SELECT bg.packed_position_counts(NULL), bg.packed_position_counts_add(NULL, NULL), bg.packed_position_counts_add(7, NULL);
-- the finals read 0 as an empty group of any template, NULL as NULL
SELECT t, bg.packed_counts_completeness(t, 0), bg.packed_counts_missing_roles(t, 0),
       bg.packed_counts_role_completeness(t, 0)
  FROM (VALUES ('A'), ('W'), ('One')) v(t);
SELECT bg.packed_counts_completeness('A', NULL), bg.packed_counts_missing_roles(NULL, 0);

-- ---------------------------------------------------------------------------
-- Exactly the scoring aggregates' answers, saturated or not
-- ---------------------------------------------------------------------------
-- Grouped by group_by (accounts without people make empty groups), for
-- template t: the groups, those whose answers differ from the scoring
-- aggregates over the role (bg.role_tally, exact counts) (0), and those
-- where a field stopped at its cap below the people it stands for.
CREATE FUNCTION compare(t text, group_by text) RETURNS TABLE (groups bigint, differ bigint, saturated bigint)
LANGUAGE plpgsql AS $f$
BEGIN
    RETURN QUERY EXECUTE format($$
        SELECT count(*),
               count(*) FILTER (WHERE c IS DISTINCT FROM bg.packed_counts_completeness(%1$L, s)
                                   OR m IS DISTINCT FROM bg.packed_counts_missing_roles(%1$L, s)
                                   OR rc IS DISTINCT FROM bg.packed_counts_role_completeness(%1$L, s)
                                   OR fc IS DISTINCT FROM bg.packed_counts_completeness(%1$L, fs)
                                   OR fm IS DISTINCT FROM bg.packed_counts_missing_roles(%1$L, fs)),
               count(*) FILTER (WHERE EXISTS (SELECT FROM jsonb_each_text(n) e
                                               WHERE e.value::bigint > (1::bigint << (((s >> 5) & 7)::int + 1)) - 1))
          FROM (SELECT %2$s AS g,
                       bg.completeness(%1$L, r) AS c, bg.missing_roles(%1$L, r) AS m,
                       bg.role_completeness(%1$L, r) AS rc, bg.role_counts(%1$L, r) AS n,
                       bg.completeness(%1$L, r) FILTER (WHERE p.seniority > 4) AS fc,
                       bg.missing_roles(%1$L, r) FILTER (WHERE p.seniority > 4) AS fm,
                       bg.packed_position_counts(bg.packed_role_position(%1$L, p)) AS s,
                       bg.packed_position_counts(bg.packed_role_position(%1$L, p)) FILTER (WHERE p.seniority > 4) AS fs
                  FROM account a LEFT JOIN person p ON p.account_id = a.id
                 CROSS JOIN LATERAL (SELECT bg.role_for(%1$L, p) AS r) x
                 GROUP BY 1) y
    $$, t, group_by);
END $f$;
SELECT t, g, c.* FROM (VALUES ('A'), ('W'), ('One'), ('Fits14')) v(t),
       (VALUES ('a.id'), ('a.industry'), ('a.id % 7'), ('p.department')) w(g), compare(t, g) c
 ORDER BY t, g;
-- over roles given by name: the same counts as over people
SELECT count(*) AS groups,
       count(*) FILTER (WHERE s IS DISTINCT FROM sr) AS differ
  FROM (SELECT a.id, bg.packed_position_counts(bg.packed_role_position('A', p)) AS s,
               bg.packed_position_counts(bg.packed_role_name_position('A', bg.role_for('A', p))) AS sr
          FROM account a LEFT JOIN person p ON p.account_id = a.id GROUP BY a.id) x;
-- sorted grouping and hashed grouping alike
SET enable_hashagg = off;
CREATE TABLE sorted AS SELECT account_id, bg.packed_position_counts(bg.packed_role_position('W', p)) AS s
  FROM person p GROUP BY 1;
RESET enable_hashagg;
SELECT count(*) AS groups, count(*) FILTER (WHERE s IS DISTINCT FROM h) AS differ
  FROM sorted JOIN (SELECT account_id, bg.packed_position_counts(bg.packed_role_position('W', p)) AS h
                      FROM person p GROUP BY 1) x USING (account_id);

-- ---------------------------------------------------------------------------
-- The combine function: each field the capped sum, in any order
-- ---------------------------------------------------------------------------
WITH s AS (SELECT bg.packed_position_counts(bg.packed_role_name_position('A', r)) AS s
             FROM (VALUES ('Decision Maker'), ('Practitioner'), ('Practitioner')) v(r))
SELECT c, (c >> 8) & 3 AS dm, (c >> 10) & 3 AS inf, (c >> 12) & 3 AS pr, (c >> 14) & 3 AS other
  FROM s, LATERAL (VALUES (bg.packed_position_counts_combine(s, s)),
                          (bg.packed_position_counts_combine(bg.packed_position_counts_combine(s, s), s)),
                          (bg.packed_position_counts_combine(s, 0)),
                          (bg.packed_position_counts_combine(0, s)),
                          (bg.packed_position_counts_combine(0, 0))) v(c);
-- per account: the states of parts of the people, combined in either order
-- and either grouping, are the state of all of them
SELECT count(*) AS groups,
       count(*) FILTER (WHERE bg.packed_position_counts_combine(coalesce(e, 0), coalesce(o, 0)) <> w) AS even_odd,
       count(*) FILTER (WHERE bg.packed_position_counts_combine(coalesce(o, 0), coalesce(e, 0)) <> w) AS odd_even,
       count(*) FILTER (WHERE bg.packed_position_counts_combine(bg.packed_position_counts_combine(coalesce(t0, 0), coalesce(t1, 0)), coalesce(t2, 0))
                              <> bg.packed_position_counts_combine(coalesce(t0, 0), bg.packed_position_counts_combine(coalesce(t1, 0), coalesce(t2, 0)))
                           OR bg.packed_position_counts_combine(coalesce(t2, 0), bg.packed_position_counts_combine(coalesce(t0, 0), coalesce(t1, 0))) <> w) AS thirds,
       count(*) FILTER (WHERE w & 255 <> 0 AND EXISTS (SELECT FROM generate_series(0, 3) i WHERE (w >> (8 + 2 * i)) & 3 = 3)) AS saturated
  FROM (SELECT account_id, bg.packed_position_counts(x) AS w,
               bg.packed_position_counts(x) FILTER (WHERE id % 2 = 0) AS e,
               bg.packed_position_counts(x) FILTER (WHERE id % 2 = 1) AS o,
               bg.packed_position_counts(x) FILTER (WHERE id % 3 = 0) AS t0,
               bg.packed_position_counts(x) FILTER (WHERE id % 3 = 1) AS t1,
               bg.packed_position_counts(x) FILTER (WHERE id % 3 = 2) AS t2
          FROM person p, LATERAL (SELECT bg.packed_role_position('A', p) AS x) l
         GROUP BY 1) s;

-- parallel plans (states built in the workers, combined in the leader) equal serial ones
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT p.account_id % 50, bg.packed_position_counts(bg.packed_role_position('W', p)) FROM person p GROUP BY 1;
CREATE TABLE by_parallel AS
SELECT p.account_id % 50 AS g, bg.packed_position_counts(bg.packed_role_position('W', p)) AS w,
       bg.packed_position_counts(bg.packed_role_position('A', p)) AS a
  FROM person p GROUP BY 1;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
CREATE TABLE by_serial AS
SELECT p.account_id % 50 AS g, bg.packed_position_counts(bg.packed_role_position('W', p)) AS w,
       bg.packed_position_counts(bg.packed_role_position('A', p)) AS a
  FROM person p GROUP BY 1;
SELECT (SELECT count(*) FROM by_parallel) AS groups,
       (SELECT count(*) FROM (TABLE by_parallel EXCEPT ALL TABLE by_serial) d) AS differences,
       (SELECT count(*) FROM (TABLE by_serial EXCEPT ALL TABLE by_parallel) d) AS differences;

-- ---------------------------------------------------------------------------
-- The functions: volatility, strictness, parallel safety, access level
-- ---------------------------------------------------------------------------
SELECT p.oid::regprocedure AS function, p.prokind, p.provolatile, p.proisstrict, p.proparallel, l.level
  FROM pg_proc p LEFT JOIN bg_internal.level_privileges l ON l.objid = p.oid
 WHERE p.pronamespace = 'bg'::regnamespace AND p.proname ~ '^packed_(role_(name_)?position|position_counts|counts_)'
 ORDER BY 1;

-- ---------------------------------------------------------------------------
-- Errors
-- ---------------------------------------------------------------------------
-- 54000: templates that do not fit (a threshold past 255, 15 roles of 4
-- bits, no roles)
SELECT try($$SELECT bg.packed_role_position('Big', p) FROM person p$$);
SELECT try($$SELECT bg.packed_role_name_position('Wide15', 'R1')$$);
SELECT try($$SELECT bg.packed_counts_completeness('Empty', 0)$$);
-- 22023: packed positions that bg.packed_role_position does not return
SELECT try($$SELECT bg.packed_position_counts(x) FROM (VALUES (260), (0)) v(x)$$);
SELECT try($$SELECT bg.packed_position_counts_add(NULL, 4 | (5 << 8))$$);
SELECT try($$SELECT bg.packed_position_counts_add(NULL, -1)$$);
SELECT try($$SELECT bg.packed_position_counts_add(NULL, 31 | (7 << 5) | (1 << 8))$$);
-- 22023: two layouts in one group, or combined
SELECT try($$SELECT bg.packed_position_counts(bg.packed_role_name_position(t, r))
               FROM (VALUES ('A', 'Other'), ('One', 'IT')) v(t, r)$$);
SELECT try($$SELECT bg.packed_position_counts_combine(bg.packed_position_counts_add(NULL, bg.packed_role_name_position('A', 'Other')),
                                                      bg.packed_position_counts_add(NULL, bg.packed_role_name_position('W', 'Anyone')))$$);
-- 22023: states that no aggregate builds (a header without roles, a bit
-- above the fields, every bit)
SELECT try($$SELECT bg.packed_position_counts_combine(32, 0)$$);
SELECT try($$SELECT bg.packed_position_counts_combine(1, 1 | (1::bigint << 40))$$);
SELECT try($$SELECT bg.packed_position_counts_add(-1, 260)$$);
SELECT try($$SELECT bg.packed_counts_missing_roles('A', 1 | (1::bigint << 40))$$);
-- 22023: counts of another template's layout
SELECT try($$SELECT bg.packed_counts_completeness('W', (SELECT bg.packed_position_counts(bg.packed_role_position('A', p)) FROM person p))$$);
SELECT try($$SELECT bg.packed_counts_role_completeness('One', bg.packed_position_counts_add(NULL, bg.packed_role_name_position('A', 'Other')))$$);
-- 42704: a role the template does not have, a template that does not exist
SELECT try($$SELECT bg.packed_role_name_position('A', 'Legal')$$);
SELECT try($$SELECT bg.packed_role_position('nope', p) FROM person p$$);
SELECT try($$SELECT bg.packed_counts_completeness('nope', 0)$$);

RESET search_path;
DROP SCHEMA regress_packed_positions CASCADE;
