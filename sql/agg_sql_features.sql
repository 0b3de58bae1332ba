-- The scoring aggregates inside ordinary SQL (docs/design.md §1, §5): plain, with
-- GROUP BY, ROLLUP, FILTER and HAVING (the BI query of docs/design.md §5), as window
-- aggregates, inside a materialized view refreshed concurrently, over any row
-- that has the named columns, and with two templates in one query; and the
-- errors of bad arguments.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_agg_sql;
SET search_path = regress_agg_sql, public;

-- try(query): the shared helpers
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (
    id      integer PRIMARY KEY,
    name    text NOT NULL,
    region  text NOT NULL
);
CREATE TABLE person (
    id          integer PRIMARY KEY,
    account_id  integer NOT NULL REFERENCES account,
    job_title   text,
    seniority   integer
);
INSERT INTO account VALUES
    (1, 'Acme', 'EU'), (2, 'Globex', 'US'), (3, 'Initech', 'US'), (4, 'Empty Co', 'EU');
INSERT INTO person VALUES
    (1, 1, 'CISO', 9),
    (2, 1, 'Security Engineer', 4),
    (3, 1, 'Security Analyst', 6),
    (4, 1, 'Software Engineer', 3),
    (5, 1, 'Recruiter', 2),
    (6, 1, 'CHRO', 9),
    (7, 2, 'Chief Information Officer', 8),
    (8, 2, 'Network Engineer', 3),
    (9, 2, 'Engineer', 2),
    (10, 2, 'People Partner', 4),
    (11, 3, 'Intern', 1),
    (12, 3, 'Security Officer', 5);

SELECT bg.create_template('Cybersecurity');
SELECT bg.add_role('Cybersecurity', 'Decision Maker', 'job_title is ''ciso'' or job_title starts with ''chief''');
SELECT bg.add_role('Cybersecurity', 'Influencer', 'job_title contains ''security''', members_required => 2);
SELECT bg.add_role('Cybersecurity', 'Practitioner', 'job_title contains ''engineer''', members_required => 2);
SELECT bg.publish_template('Cybersecurity');
SELECT bg.create_template('HR');
SELECT bg.add_role('HR', 'Decision Maker', 'job_title is ''chro''');
SELECT bg.add_role('HR', 'Influencer', 'job_title contains ''recruit''');
SELECT bg.add_role('HR', 'Practitioner', 'job_title contains ''people''', members_required => 2);
SELECT template, priority, role, condition, required, members_required
FROM bg.template_roles ORDER BY template, priority;

-- every person's role in both templates
SELECT p.id, p.account_id, p.job_title, p.seniority,
       bg.role_for('Cybersecurity', p) AS cybersecurity, bg.role_for('HR', p) AS hr
FROM person p ORDER BY p.id;

-- ---------------------------------------------------------------------------
-- Plain aggregate (all people as one group), GROUP BY, ROLLUP
-- ---------------------------------------------------------------------------
-- DM 2 of 1, Influencer 3 of 2, Practitioner 3 of 2
SELECT bg.role_counts('Cybersecurity', p) AS role_counts,
       bg.completeness('Cybersecurity', p) AS completeness,
       bg.missing_roles('Cybersecurity', p) AS missing
FROM person p;

-- Acme (100 + 100 + 50) / 3, Globex (100 + 0 + 100) / 3, Initech (0 + 50 + 0) / 3
SELECT a.name,
       bg.role_counts('Cybersecurity', p) AS role_counts,
       bg.completeness('Cybersecurity', p) AS completeness,
       bg.role_completeness('Cybersecurity', p) AS role_completeness,
       bg.missing_roles('Cybersecurity', p) AS missing
FROM account a JOIN person p ON p.account_id = a.id
GROUP BY a.name
ORDER BY a.name;

-- EU = Acme and Empty Co, US = Globex and Initech
SELECT a.region, a.name,
       bg.role_counts('Cybersecurity', p) AS role_counts,
       bg.completeness('Cybersecurity', p) AS completeness
FROM account a LEFT JOIN person p ON p.account_id = a.id
GROUP BY ROLLUP (a.region, a.name)
ORDER BY a.region NULLS LAST, a.name NULLS LAST;

-- ---------------------------------------------------------------------------
-- FILTER: only the people it passes count; no row passes → NULL, like sum()
-- ---------------------------------------------------------------------------
-- seniority >= 5: Acme CISO, Security Analyst (and CHRO, no role);
-- Globex Chief Information Officer; Initech Security Officer
SELECT a.name,
       bg.completeness('Cybersecurity', p) AS all_people,
       bg.completeness('Cybersecurity', p) FILTER (WHERE p.seniority >= 5) AS senior,
       bg.missing_roles('Cybersecurity', p) FILTER (WHERE p.seniority >= 5) AS senior_missing,
       bg.completeness('Cybersecurity', p) FILTER (WHERE p.seniority > 100) AS nobody,
       coalesce(bg.completeness('Cybersecurity', p) FILTER (WHERE p.seniority > 100), 0) AS nobody_or_0
FROM account a LEFT JOIN person p ON p.account_id = a.id
GROUP BY a.id, a.name
ORDER BY a.id;

-- ---------------------------------------------------------------------------
-- HAVING: the query a BI tool sends (docs/design.md §5)
-- ---------------------------------------------------------------------------
SELECT a.name,
       bg.completeness('Cybersecurity', p)   AS completeness,
       bg.missing_roles('Cybersecurity', p)  AS missing
FROM account a JOIN person p ON p.account_id = a.id
GROUP BY a.name
HAVING bg.completeness('Cybersecurity', p) < 50
ORDER BY a.name;
-- with the accounts that have no people
SELECT a.name,
       bg.completeness('Cybersecurity', p)   AS completeness,
       bg.missing_roles('Cybersecurity', p)  AS missing
FROM account a LEFT JOIN person p ON p.account_id = a.id
GROUP BY a.name
HAVING bg.completeness('Cybersecurity', p) < 50
ORDER BY completeness, a.name;
-- complete groups only, by a condition on the missing roles
SELECT a.name FROM account a JOIN person p ON p.account_id = a.id
GROUP BY a.name
HAVING cardinality(bg.missing_roles('HR', p)) <= 1
ORDER BY a.name;

-- ---------------------------------------------------------------------------
-- Window aggregates
-- ---------------------------------------------------------------------------
-- per account, and running in person order
SELECT p.account_id, p.id, bg.role_for('Cybersecurity', p) AS role,
       bg.completeness('Cybersecurity', p) OVER (PARTITION BY p.account_id) AS account_completeness,
       bg.completeness('Cybersecurity', p) OVER (PARTITION BY p.account_id ORDER BY p.id) AS running,
       bg.missing_roles('Cybersecurity', p) OVER (PARTITION BY p.account_id ORDER BY p.id) AS running_missing
FROM person p
ORDER BY p.account_id, p.id;

-- running role counts, and over a sliding frame of two people
SELECT p.account_id, p.id,
       bg.role_counts('Cybersecurity', p) OVER w AS running,
       bg.role_counts('Cybersecurity', p)
           OVER (PARTITION BY p.account_id ORDER BY p.id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS last_two
FROM person p
WHERE p.account_id = 1
WINDOW w AS (PARTITION BY p.account_id ORDER BY p.id)
ORDER BY p.id;

-- the role variant as a window aggregate, over the whole table
SELECT r.id, r.role,
       bg.completeness('Cybersecurity', r.role) OVER (ORDER BY r.id) AS running,
       bg.completeness('Cybersecurity', r.role) OVER () AS overall
FROM (SELECT p.id, bg.role_for('Cybersecurity', p) AS role FROM person p) r
ORDER BY r.id;

-- ---------------------------------------------------------------------------
-- Any row with the named columns: a subquery's record, a view
-- ---------------------------------------------------------------------------
SELECT x.account_id, bg.completeness('Cybersecurity', x) AS completeness
FROM (SELECT id, account_id, upper(job_title) AS job_title FROM person) x
GROUP BY x.account_id
ORDER BY x.account_id;
CREATE VIEW person_v AS SELECT id, account_id, job_title FROM person;
SELECT v.account_id, bg.missing_roles('Cybersecurity', v) AS missing
FROM person_v v
GROUP BY v.account_id
ORDER BY v.account_id;

-- ---------------------------------------------------------------------------
-- Two templates in one query
-- ---------------------------------------------------------------------------
-- HR: Acme (100 + 100 + 0) / 3; Globex (0 + 0 + 50) / 3; Initech and Empty Co 0
SELECT a.name,
       bg.completeness('Cybersecurity', p) AS cybersecurity,
       bg.completeness('HR', p) AS hr,
       bg.missing_roles('Cybersecurity', p) AS cybersecurity_missing,
       bg.missing_roles('HR', p) AS hr_missing
FROM account a LEFT JOIN person p ON p.account_id = a.id
GROUP BY a.id, a.name
ORDER BY a.id;

-- the template from a column: one group per (template, account)
CREATE TABLE interest (account_id integer, template text);
INSERT INTO interest VALUES (1, 'Cybersecurity'), (1, 'HR'), (2, 'HR'), (3, 'Cybersecurity'), (4, 'HR');
SELECT i.template, a.name,
       bg.role_counts(i.template, p) AS role_counts,
       bg.completeness(i.template, p) AS completeness
FROM interest i
JOIN account a ON a.id = i.account_id
LEFT JOIN person p ON p.account_id = a.id
GROUP BY i.template, a.id, a.name
ORDER BY i.template, a.id;

-- the same with assigned roles
SELECT i.template, i.account_id,
       bg.completeness(i.template, bg.role_for(i.template, p)) AS completeness
FROM interest i JOIN person p ON p.account_id = i.account_id
GROUP BY i.template, i.account_id
ORDER BY i.template, i.account_id;

-- ---------------------------------------------------------------------------
-- Inside a materialized view, refreshed concurrently
-- ---------------------------------------------------------------------------
CREATE MATERIALIZED VIEW buying_group_score AS
SELECT a.id, a.name,
       count(p.id) AS people,
       bg.completeness('Cybersecurity', p) AS completeness,
       bg.missing_roles('Cybersecurity', p) AS missing,
       bg.role_counts('Cybersecurity', p) AS role_counts
FROM account a LEFT JOIN person p ON p.account_id = a.id
GROUP BY a.id, a.name;
CREATE UNIQUE INDEX ON buying_group_score (id);
SELECT * FROM buying_group_score ORDER BY id;

-- Initech finds its CISO and two engineers, Empty Co its first security person
INSERT INTO person VALUES
    (13, 3, 'CISO', 9), (14, 3, 'DevOps Engineer', 3), (15, 3, 'QA Engineer', 2),
    (16, 4, 'Head of Security', 7);
SELECT id, name, completeness FROM buying_group_score ORDER BY id;   -- not yet
REFRESH MATERIALIZED VIEW CONCURRENTLY buying_group_score;
SELECT * FROM buying_group_score ORDER BY id;
SELECT name FROM buying_group_score WHERE completeness < 50 ORDER BY name;

-- ---------------------------------------------------------------------------
-- Errors
-- ---------------------------------------------------------------------------
-- a NULL template (22004): person and role variants, and one NULL in a group
SELECT try($$SELECT bg.completeness(NULL, p)::text FROM person p$$);
SELECT try($$SELECT bg.missing_roles(NULL, 'Champion')::text$$);
SELECT try($$SELECT bg.role_counts(CASE WHEN p.id = 3 THEN NULL ELSE 'HR' END, p)::text
             FROM person p WHERE p.account_id = 1$$);
SELECT try($$SELECT bg.completeness(NULL, p)::text FROM account a LEFT JOIN person p ON false$$);
-- NULL template but no rows: nothing is evaluated
SELECT try($$SELECT bg.completeness(NULL, p)::text FROM person p WHERE false$$);

-- a group whose rows name different templates (22023)
SELECT try($$SELECT bg.completeness(t.name, p)::text
             FROM person p CROSS JOIN (VALUES ('Cybersecurity'), ('HR')) t(name)
             WHERE p.account_id = 1$$);
SELECT try($$SELECT bg.role_counts(i.template, p)::text
             FROM interest i JOIN person p ON p.account_id = i.account_id
             WHERE i.account_id = 1$$);
SELECT try($$SELECT bg.completeness(t.name, bg.role_for(t.name, p))::text
             FROM person p CROSS JOIN (VALUES ('Cybersecurity'), ('HR')) t(name)
             WHERE p.account_id = 1$$);
SELECT try($$SELECT bg.missing_roles(t.name, NULL::person)::text
             FROM (VALUES ('Cybersecurity'), ('HR')) t(name)$$);
SELECT try($$SELECT bg.missing_roles(t.name, NULL::text)::text
             FROM (VALUES ('Cybersecurity'), ('HR')) t(name)$$);
-- as window aggregates too
SELECT try($$SELECT string_agg(c::text, ',') FROM (
                 SELECT bg.completeness(t.name, p) OVER () AS c
                 FROM person p CROSS JOIN (VALUES ('Cybersecurity'), ('HR')) t(name)) s$$);

-- a person that is not a row (42804)
SELECT try($$SELECT bg.completeness('Cybersecurity', p.id)::text FROM person p$$);
SELECT try($$SELECT bg.completeness('Cybersecurity', 42)::text$$);
SELECT try($$SELECT bg.completeness('Cybersecurity', now())::text$$);
SELECT try($$SELECT bg.completeness('Cybersecurity', ARRAY[1, 2])::text$$);
-- the type is wrong whatever the value: a NULL integer is no person either
SELECT try($$SELECT bg.completeness('Cybersecurity', NULL::integer)::text$$);

-- a row without the columns the conditions name (42703), an unknown template (42704)
SELECT try($$SELECT bg.completeness('Cybersecurity', a)::text FROM account a$$);
SELECT try($$SELECT bg.completeness('No such template', p)::text FROM person p$$);
SELECT try($$SELECT bg.completeness('No such template', 'Champion')::text$$);

DROP SCHEMA regress_agg_sql CASCADE;
RESET search_path;
