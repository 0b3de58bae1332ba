-- The scoring formulas of docs/design.md §5 with their worked numbers: role
-- completeness 100 × min(n, k) / k, group completeness as the mean over the
-- required roles (NULL when none is required), missing roles in priority
-- order, role counts and role completeness for every template role, and
-- zero people.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_agg_formulas;
SET search_path = regress_agg_formulas, public;

CREATE TABLE account (
    id      integer PRIMARY KEY,
    name    text NOT NULL
);
CREATE TABLE person (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  integer NOT NULL REFERENCES account,
    job_title   text
);

-- ---------------------------------------------------------------------------
-- Role completeness, threshold 3: 0, 33.33…, 66.66…, 100, 100 for n = 0..4
-- ---------------------------------------------------------------------------
SELECT bg.create_template('k3');
SELECT bg.add_role('k3', 'Decision Maker', 'job_title starts with ''decision''', members_required => 3);

-- accounts 30..34: account 30 + n has n decision makers and one clerk
INSERT INTO account SELECT 30 + n, 'k3 n=' || n FROM generate_series(0, 4) n;
INSERT INTO person (account_id, job_title)
SELECT 30 + n, 'Decision maker ' || i FROM generate_series(0, 4) n, generate_series(1, n) i
UNION ALL
SELECT 30 + n, 'Clerk' FROM generate_series(0, 4) n
ORDER BY 1, 2;

SELECT a.name,
       count(p.id) AS people,
       bg.role_counts('k3', p) AS role_counts,
       bg.completeness('k3', p) AS completeness,
       round(bg.completeness('k3', p)::numeric, 2) AS rounded,
       bg.role_completeness('k3', p) AS role_completeness,
       bg.missing_roles('k3', p) AS missing
FROM account a JOIN person p ON p.account_id = a.id
WHERE a.id BETWEEN 30 AND 34
GROUP BY a.id, a.name
ORDER BY a.id;

-- the exact doubles are 100 * n / 3 computed in double precision
SELECT a.id - 30 AS n,
       bg.completeness('k3', p) = 100 * least(a.id - 30, 3)::float8 / 3 AS exact
FROM account a JOIN person p ON p.account_id = a.id
WHERE a.id BETWEEN 30 AND 34
GROUP BY a.id
ORDER BY a.id;

-- ---------------------------------------------------------------------------
-- Role completeness, threshold 5: 20, 40, 60, 80, 100 for n = 1..5
-- ---------------------------------------------------------------------------
SELECT bg.create_template('k5');
SELECT bg.add_role('k5', 'Champion', 'job_title contains ''champion''', members_required => 5);

INSERT INTO account SELECT 50 + n, 'k5 n=' || n FROM generate_series(1, 5) n;
INSERT INTO person (account_id, job_title)
SELECT 50 + n, 'Product champion ' || i FROM generate_series(1, 5) n, generate_series(1, n) i
ORDER BY 1, 2;

SELECT a.name,
       count(p.id) AS people,
       bg.completeness('k5', p) AS completeness,
       bg.role_completeness('k5', p) AS role_completeness,
       bg.missing_roles('k5', p) AS missing
FROM account a JOIN person p ON p.account_id = a.id
WHERE a.id BETWEEN 51 AND 55
GROUP BY a.id, a.name
ORDER BY a.id;

-- ---------------------------------------------------------------------------
-- Group completeness: the mean over the required roles only
-- ---------------------------------------------------------------------------
SELECT bg.create_template('mix');
SELECT bg.add_role('mix', 'Decision Maker', 'job_title starts with ''decision''', members_required => 3);
SELECT bg.add_role('mix', 'Influencer', 'job_title contains ''influencer''', members_required => 2);
SELECT bg.add_role('mix', 'Practitioner', 'job_title contains ''engineer''', required => false);
SELECT bg.add_role('mix', 'Champion', 'job_title contains ''champion''', members_required => 5);
-- no condition: never assigned by evaluation; optional
SELECT bg.add_role('mix', 'Other', NULL, required => false);
SELECT priority, role, condition, required, members_required
FROM bg.template_roles WHERE template = 'mix' ORDER BY priority;

INSERT INTO account VALUES (70, 'mix A'), (71, 'mix B'), (72, 'mix C');
INSERT INTO person (account_id, job_title) VALUES
    -- A: DM 1 of 3, Influencer 1 of 2, Practitioner 0 of 1 (not required), Champion 5 of 5
    (70, 'Decision maker'), (70, 'Key influencer'),
    (70, 'Champion 1'), (70, 'Champion 2'), (70, 'Champion 3'), (70, 'Champion 4'), (70, 'Champion 5'),
    -- B: DM 2 of 3, Influencer 3 of 2, Practitioner 2 of 1, Champion 0 of 5
    (71, 'Decision maker'), (71, 'Decision maker'),
    (71, 'Influencer'), (71, 'Influencer'), (71, 'Influencer'),
    (71, 'Engineer'), (71, 'Engineer'),
    -- C: every required role full; only the optional Practitioner is empty
    (72, 'Decision maker'), (72, 'Decision maker'), (72, 'Decision maker'),
    (72, 'Influencer'), (72, 'Influencer'),
    (72, 'Champion'), (72, 'Champion'), (72, 'Champion'), (72, 'Champion'), (72, 'Champion'),
    (72, 'Receptionist');

-- A: (33.333333333333336 + 50 + 100) / 3 = 61.111111111111114
-- B: (66.66666666666667 + 100 + 0) / 3 = 55.555555555555564
-- C: (100 + 100 + 100) / 3 = 100; the empty Practitioner does not count
SELECT a.name,
       bg.role_counts('mix', p) AS role_counts,
       bg.completeness('mix', p) AS completeness,
       round(bg.completeness('mix', p)::numeric, 2) AS rounded,
       bg.missing_roles('mix', p) AS missing
FROM account a JOIN person p ON p.account_id = a.id
WHERE a.id BETWEEN 70 AND 72
GROUP BY a.id, a.name
ORDER BY a.id;

-- the same means computed by hand in double precision, summed in priority order
SELECT a.name,
       bg.completeness('mix', p) = CASE a.id
           WHEN 70 THEN (100 * 1::float8 / 3 + 100 * 1::float8 / 2 + 100) / 3
           WHEN 71 THEN (100 * 2::float8 / 3 + 100 + 0) / 3
           WHEN 72 THEN (100 + 100 + 100) / 3::float8 END AS exact
FROM account a JOIN person p ON p.account_id = a.id
WHERE a.id BETWEEN 70 AND 72
GROUP BY a.id, a.name
ORDER BY a.id;

-- role completeness for every template role, required or not, in priority order
SELECT a.name, tr.priority, tr.role, tr.required, tr.members_required,
       (bg.role_counts('mix', p) ->> tr.role)::integer AS members,
       bg.role_completeness('mix', p) -> tr.role AS role_completeness
FROM account a JOIN person p ON p.account_id = a.id
CROSS JOIN bg.template_roles tr
WHERE a.id BETWEEN 70 AND 72 AND tr.template = 'mix'
GROUP BY a.id, a.name, tr.priority, tr.role, tr.required, tr.members_required
ORDER BY a.id, tr.priority;

SELECT a.name, bg.role_completeness('mix', p) AS role_completeness
FROM account a JOIN person p ON p.account_id = a.id
WHERE a.id BETWEEN 70 AND 72
GROUP BY a.id, a.name
ORDER BY a.id;

-- ---------------------------------------------------------------------------
-- Missing roles follow the template's priority order
-- ---------------------------------------------------------------------------
SELECT bg.missing_roles('mix', p) AS missing
FROM person p WHERE p.account_id = 70;     -- Decision Maker, Influencer
SELECT bg.move_role('mix', 'Influencer', 1);
SELECT priority, role FROM bg.template_roles WHERE template = 'mix' ORDER BY priority;
SELECT bg.missing_roles('mix', p) AS missing
FROM person p WHERE p.account_id = 70;     -- Influencer, Decision Maker
SELECT bg.move_role('mix', 'Decision Maker', 5);
SELECT bg.move_role('mix', 'Champion', 1);
SELECT priority, role FROM bg.template_roles WHERE template = 'mix' ORDER BY priority;
SELECT a.name, bg.missing_roles('mix', p) AS missing
FROM account a JOIN person p ON p.account_id = a.id
WHERE a.id BETWEEN 70 AND 72
GROUP BY a.id, a.name
ORDER BY a.id;
-- moving roles changes neither the counts nor the completeness
SELECT a.name, bg.role_counts('mix', p) AS role_counts, bg.completeness('mix', p) AS completeness
FROM account a JOIN person p ON p.account_id = a.id
WHERE a.id BETWEEN 70 AND 72
GROUP BY a.id, a.name
ORDER BY a.id;

-- ---------------------------------------------------------------------------
-- No required role: completeness is NULL; a template without roles
-- ---------------------------------------------------------------------------
SELECT bg.create_template('optional');
SELECT bg.add_role('optional', 'Decision Maker', 'job_title starts with ''decision''', required => false);
SELECT bg.add_role('optional', 'Champion', 'job_title contains ''champion''', required => false, members_required => 2);
SELECT bg.create_template('no roles');

SELECT a.name,
       bg.completeness('optional', p) IS NULL AS completeness_is_null,
       bg.role_counts('optional', p) AS role_counts,
       bg.role_completeness('optional', p) AS role_completeness,
       bg.missing_roles('optional', p) AS missing
FROM account a JOIN person p ON p.account_id = a.id
WHERE a.id BETWEEN 70 AND 72
GROUP BY a.id, a.name
ORDER BY a.id;

SELECT a.name,
       bg.completeness('no roles', p) IS NULL AS completeness_is_null,
       bg.role_counts('no roles', p) AS role_counts,
       bg.role_completeness('no roles', p) AS role_completeness,
       bg.missing_roles('no roles', p) AS missing
FROM account a JOIN person p ON p.account_id = a.id
WHERE a.id IN (70, 71)
GROUP BY a.id, a.name
ORDER BY a.id;

-- ---------------------------------------------------------------------------
-- Zero people: an account LEFT JOINed to no people (one row, NULL person)
-- ---------------------------------------------------------------------------
INSERT INTO account VALUES (90, 'nobody');

SELECT a.name,
       count(p.id) AS people,
       bg.role_counts('mix', p) AS role_counts,
       bg.completeness('mix', p) AS completeness,
       bg.role_completeness('mix', p) AS role_completeness,
       bg.missing_roles('mix', p) AS missing
FROM account a LEFT JOIN person p ON p.account_id = a.id
WHERE a.id IN (72, 90)
GROUP BY a.id, a.name
ORDER BY a.id;

SELECT a.name,
       bg.completeness('k3', p) AS k3,
       bg.completeness('k5', p) AS k5,
       bg.completeness('optional', p) IS NULL AS optional_is_null,
       bg.missing_roles('k3', p) AS k3_missing,
       bg.missing_roles('optional', p) AS optional_missing
FROM account a LEFT JOIN person p ON p.account_id = a.id
WHERE a.id = 90
GROUP BY a.id, a.name;

-- every account at once, people or not
SELECT a.id, a.name, count(p.id) AS people, bg.completeness('k3', p) AS k3
FROM account a LEFT JOIN person p ON p.account_id = a.id
GROUP BY a.id, a.name
ORDER BY a.id;

-- ---------------------------------------------------------------------------
-- No input rows at all: NULL, like sum()
-- ---------------------------------------------------------------------------
SELECT sum(p.id) IS NULL AS sum_is_null,
       bg.role_counts('mix', p) IS NULL AS role_counts_is_null,
       bg.completeness('mix', p) IS NULL AS completeness_is_null,
       bg.role_completeness('mix', p) IS NULL AS role_completeness_is_null,
       bg.missing_roles('mix', p) IS NULL AS missing_is_null
FROM person p WHERE false;

SELECT count(*) AS groups
FROM (SELECT p.account_id, bg.completeness('mix', p)
      FROM person p WHERE false GROUP BY p.account_id) s;

DROP SCHEMA regress_agg_formulas CASCADE;
RESET search_path;
