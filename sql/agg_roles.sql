-- The scoring aggregates over (template text, role text) (docs/design.md §5):
-- they count roles that are already assigned, skip NULL roles, reject a role
-- that is not in the template, and agree exactly with the aggregates over
-- people when the roles come from bg.role_for.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_agg_roles;
SET search_path = regress_agg_roles, public;

-- try(query): the shared helpers
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (
    id      integer PRIMARY KEY,
    name    text NOT NULL
);
CREATE TABLE person (
    id          integer PRIMARY KEY,
    account_id  integer NOT NULL REFERENCES account,
    job_title   text,
    seniority   integer
);
SELECT bg.bind_people('regress_agg_roles.person', key => 'id', account => 'account_id');

SELECT bg.create_template('sec');
SELECT bg.add_role('sec', 'Decision Maker', 'job_title starts with any (''chief'', ''vp'')');
SELECT bg.add_role('sec', 'Executive Steering Committee', 'seniority >= 9', members_required => 2);
SELECT bg.add_role('sec', 'Influencer', 'job_title contains any (''director'', ''manager'')', members_required => 2);
SELECT bg.add_role('sec', 'Practitioner', 'job_title contains any (''engineer'', ''analyst'')', members_required => 3);
SELECT bg.add_role('sec', 'Champion');     -- no condition: filled by hand only
SELECT bg.add_role('sec', 'Other', 'job_title is not empty', required => false);
SELECT priority, role, condition, required, members_required
FROM bg.template_roles WHERE template = 'sec' ORDER BY priority;

-- ---------------------------------------------------------------------------
-- Counting assigned roles; NULL roles are skipped
-- ---------------------------------------------------------------------------
CREATE TABLE assigned_by_hand (account_id integer, role text);
INSERT INTO assigned_by_hand VALUES
    (1, 'Decision Maker'), (1, NULL), (1, 'Influencer'), (1, 'Influencer'),
    (1, 'Practitioner'), (1, NULL), (1, 'Champion'), (1, 'Other'), (1, 'Other'),
    (2, 'Practitioner'), (2, 'Practitioner'), (2, 'Practitioner'), (2, 'Practitioner'),
    (2, 'Executive Steering Committee'), (2, 'Executive Steering Committee'),
    (2, 'Decision Maker'), (2, 'Influencer'), (2, 'Influencer'), (2, 'Champion'),
    (3, NULL), (3, NULL);

-- 1: DM 1/1, ESC 0/2, Influencer 2/2, Practitioner 1/3, Champion 1/1 (required
--    roles: 100, 0, 100, 33.333333333333336, 100 → 333.33333333333337 / 5)
-- 2: every required role full; Other (not required) is empty
-- 3: only NULL roles: like zero people, 0 and every required role missing
SELECT account_id,
       count(role) AS roles, count(*) - count(role) AS null_roles,
       bg.role_counts('sec', role) AS role_counts,
       bg.completeness('sec', role) AS completeness
FROM assigned_by_hand
GROUP BY account_id
ORDER BY account_id;

SELECT account_id,
       bg.role_completeness('sec', role) AS role_completeness,
       bg.missing_roles('sec', role) AS missing
FROM assigned_by_hand
GROUP BY account_id
ORDER BY account_id;

SELECT bg.completeness('sec', role) = (100 + 0 + 100 + 100 * 1::float8 / 3 + 100) / 5 AS exact
FROM assigned_by_hand WHERE account_id = 1;

-- a role without a condition (Champion) counts when it is assigned by hand
SELECT bg.role_counts('sec', role) -> 'Champion' AS champions,
       bg.missing_roles('sec', role) AS missing
FROM (VALUES ('Champion'), ('Champion'), ('Decision Maker')) v(role);

-- text-like columns use this variant too
SELECT bg.role_counts('sec', role::varchar) -> 'Influencer' AS from_varchar,
       bg.role_counts('sec', role::char(30)) -> 'Influencer' AS from_char
FROM assigned_by_hand WHERE account_id = 1;

-- NULL roles only, and no rows at all
SELECT bg.completeness('sec', NULL::text) AS one_null_role,
       bg.missing_roles('sec', NULL::text) AS missing;
SELECT bg.completeness('sec', role) IS NULL AS no_rows_is_null,
       bg.missing_roles('sec', role) IS NULL AS missing_is_null
FROM assigned_by_hand WHERE false;

-- ---------------------------------------------------------------------------
-- A role that is not in the template is an error (42704)
-- ---------------------------------------------------------------------------
-- a default role that the template does not use
SELECT bg.create_template('small');
SELECT bg.add_role('small', 'Decision Maker', 'job_title starts with ''chief''');
SELECT try($$SELECT bg.completeness('small', r)::text FROM (VALUES ('Decision Maker'), ('Other')) v(r)$$);
-- no such role at all
SELECT try($$SELECT bg.completeness('sec', r)::text FROM (VALUES ('Wizard')) v(r)$$);
-- role names are exact: case and white space matter
SELECT try($$SELECT bg.completeness('sec', r)::text FROM (VALUES ('decision maker')) v(r)$$);
SELECT try($$SELECT bg.completeness('sec', r)::text FROM (VALUES (' Champion')) v(r)$$);
SELECT try($$SELECT bg.completeness('sec', r)::text FROM (VALUES ('')) v(r)$$);
-- after valid roles and NULLs, in every aggregate
SELECT try($$SELECT bg.role_counts('sec', r)::text FROM (VALUES ('Champion'), (NULL), ('Wizard')) v(r)$$);
SELECT try($$SELECT bg.role_completeness('sec', r)::text FROM (VALUES ('Champion'), ('Wizard')) v(r)$$);
SELECT try($$SELECT bg.missing_roles('sec', r)::text FROM (VALUES ('Champion'), ('Wizard')) v(r)$$);
-- an unknown template
SELECT try($$SELECT bg.completeness('nope', r)::text FROM (VALUES ('Champion')) v(r)$$);

-- ---------------------------------------------------------------------------
-- Same people, same answers: roles from bg.role_for vs the people themselves
-- ---------------------------------------------------------------------------
INSERT INTO account SELECT a, 'account ' || a FROM generate_series(1, 1003) a;
-- 4000 people over accounts 1..1000 (accounts 1001..1003 have none)
INSERT INTO person
SELECT g,
       1 + abs(hashint4(g * 7919)) % 1000,
       (ARRAY['Chief Information Officer', 'VP Engineering', 'Director of IT', 'IT Manager',
              'Security Engineer', 'Data Analyst', 'Intern', '', NULL,
              '  security ENGINEER  ', 'Office manager'])[1 + abs(hashint4(g)) % 11],
       abs(hashint4(g * 31)) % 11
FROM generate_series(1, 4000) g;

CREATE TABLE person_role AS
SELECT p.id, p.account_id, bg.role_for('sec', p) AS role FROM person p;

SELECT role, count(*) AS people FROM person_role GROUP BY role ORDER BY role NULLS LAST;
-- the same roles by hand-written SQL: no person differs
SELECT count(*) AS role_differences
FROM person p JOIN person_role r USING (id)
WHERE r.role IS DISTINCT FROM
      CASE WHEN lower(btrim(p.job_title)) LIKE 'chief%' OR lower(btrim(p.job_title)) LIKE 'vp%'
           THEN 'Decision Maker'
           WHEN p.seniority >= 9 THEN 'Executive Steering Committee'
           WHEN lower(p.job_title) LIKE '%director%' OR lower(p.job_title) LIKE '%manager%'
           THEN 'Influencer'
           WHEN lower(p.job_title) LIKE '%engineer%' OR lower(p.job_title) LIKE '%analyst%'
           THEN 'Practitioner'
           WHEN coalesce(btrim(p.job_title), '') <> '' THEN 'Other' END;

CREATE TABLE by_person AS
SELECT a.id AS account_id,
       bg.role_counts('sec', p) AS role_counts,
       bg.completeness('sec', p) AS completeness,
       bg.role_completeness('sec', p) AS role_completeness,
       bg.missing_roles('sec', p) AS missing
FROM account a LEFT JOIN person p ON p.account_id = a.id
GROUP BY a.id;

CREATE TABLE by_role AS
SELECT a.id AS account_id,
       bg.role_counts('sec', r.role) AS role_counts,
       bg.completeness('sec', r.role) AS completeness,
       bg.role_completeness('sec', r.role) AS role_completeness,
       bg.missing_roles('sec', r.role) AS missing
FROM account a LEFT JOIN person_role r ON r.account_id = a.id
GROUP BY a.id;

-- docs/design.md §5 by hand-written SQL over the assigned roles, summed in priority order
CREATE TABLE by_sql AS
WITH n AS (
    SELECT a.id AS account_id, tr.priority, tr.role, tr.required,
           tr.members_required AS k, coalesce(c.n, 0) AS n
    FROM account a
    CROSS JOIN bg.template_roles tr
    LEFT JOIN (SELECT account_id, role, count(*) AS n FROM person_role GROUP BY 1, 2) c
           ON c.account_id = a.id AND c.role = tr.role
    WHERE tr.template = 'sec'
), rc AS (
    SELECT n.*, CASE WHEN n >= k THEN 100 ELSE 100 * n::float8 / k END AS c FROM n
)
SELECT account_id,
       jsonb_object_agg(role, n) AS role_counts,
       avg(c ORDER BY priority) FILTER (WHERE required) AS completeness,
       jsonb_object_agg(role, c) AS role_completeness,
       coalesce(array_agg(role ORDER BY priority) FILTER (WHERE required AND n < k), '{}') AS missing
FROM rc
GROUP BY account_id;

SELECT (SELECT count(*) FROM by_person) AS groups_by_person,
       (SELECT count(*) FROM by_role) AS groups_by_role,
       (SELECT count(*) FROM by_sql) AS groups_by_sql;
SELECT count(*) AS only_by_person FROM (TABLE by_person EXCEPT TABLE by_role) d;
SELECT count(*) AS only_by_role FROM (TABLE by_role EXCEPT TABLE by_person) d;
SELECT count(*) AS not_as_by_sql FROM (TABLE by_role EXCEPT TABLE by_sql) d;
SELECT count(*) AS only_by_sql FROM (TABLE by_sql EXCEPT TABLE by_role) d;

-- the groups differ from each other: the comparison is not over identical rows
SELECT completeness, count(*) AS groups FROM by_role GROUP BY completeness ORDER BY completeness;
SELECT count(DISTINCT role_counts) AS distinct_role_counts,
       count(DISTINCT missing) AS distinct_missing
FROM by_role;
SELECT account_id, role_counts, completeness, missing
FROM by_role WHERE account_id IN (1, 2, 1001) ORDER BY account_id;
SELECT p.account_id, p.id, p.job_title, p.seniority, r.role
FROM person p JOIN person_role r USING (id)
WHERE p.account_id IN (1, 2)
ORDER BY p.account_id, p.id;

-- and with one row per account, without the intermediate tables
SELECT count(*) AS differences
FROM (SELECT p.account_id, bg.role_counts('sec', p), bg.completeness('sec', p),
             bg.role_completeness('sec', p), bg.missing_roles('sec', p)
      FROM person p GROUP BY p.account_id
      EXCEPT
      SELECT p.account_id, bg.role_counts('sec', bg.role_for('sec', p)),
             bg.completeness('sec', bg.role_for('sec', p)),
             bg.role_completeness('sec', bg.role_for('sec', p)),
             bg.missing_roles('sec', bg.role_for('sec', p))
      FROM person p GROUP BY p.account_id) d;

-- hand-assigned roles on top of the evaluated ones fill Champion
SELECT count(*) FILTER (WHERE missing @> '{Champion}') AS missing_champion_before,
       count(*) FILTER (WHERE role_counts -> 'Champion' <> '0') AS with_champion_before
FROM by_role;
INSERT INTO person_role
SELECT 100000 + a, a, 'Champion' FROM generate_series(1, 1000, 2) a;
SELECT s.account_id % 2 = 1 AS odd_account,
       count(*) AS groups,
       count(*) FILTER (WHERE s.role_counts -> 'Champion' = '1') AS with_one_champion,
       count(*) FILTER (WHERE s.missing @> '{Champion}') AS missing_champion,
       count(*) FILTER (WHERE s.completeness = b.completeness + 20) AS plus_20
FROM (SELECT r.account_id, bg.role_counts('sec', r.role) AS role_counts,
             bg.completeness('sec', r.role) AS completeness,
             bg.missing_roles('sec', r.role) AS missing
      FROM person_role r GROUP BY r.account_id) s
JOIN by_sql b USING (account_id)
GROUP BY 1
ORDER BY 1;
SELECT count(DISTINCT account_id) FILTER (WHERE account_id % 2 = 0) AS even_accounts_with_people
FROM person;

DROP SCHEMA regress_agg_roles CASCADE;
RESET search_path;
