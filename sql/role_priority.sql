-- Role assignment (docs/design.md §5): roles are tried in priority order and the
-- first role with a matching condition wins; roles without a condition are
-- never assigned; explain_role; cache invalidation inside a transaction;
-- rows of other tables and composite types.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_role_priority;
SET search_path = regress_role_priority, public;
\set SHOW_CONTEXT never

CREATE TABLE person (
    id          integer PRIMARY KEY,
    account_id  integer,
    job_title   text,
    seniority   integer,
    active      boolean
);
INSERT INTO person VALUES
    (1, 1, 'Chief Information Security Officer', 9, true),
    (2, 1, 'CISO',                                7, true),
    (3, 1, 'Security Engineer',                   3, true),
    (4, 1, 'Security Analyst',                    2, false),
    (5, 1, 'VP Finance',                          8, true),
    (6, 1, 'Office Manager',                      4, true),
    (7, 1, NULL,                               NULL, NULL);
SELECT bg.bind_people('person');

SELECT bg.create_template('Security');
SELECT bg.add_role('Security', 'Decision Maker', $c$job_title contains 'ciso' or job_title starts with 'chief'$c$);
SELECT bg.add_role('Security', 'Executive Steering Committee', $c$seniority >= 8$c$);
SELECT bg.add_role('Security', 'Influencer', $c$job_title contains 'security'$c$);
SELECT bg.add_role('Security', 'Practitioner', $c$job_title ends with any ('engineer', 'analyst') and active$c$);
SELECT bg.add_role('Security', 'Champion');
SELECT template, priority, role, condition FROM bg.template_roles WHERE template = 'Security';

-- Everyone's role: 1 matches Decision Maker, Executive Steering Committee
-- and Influencer and gets the first; 3 matches Influencer and Practitioner;
-- nobody gets Champion (no condition); 6 and 7 match nothing.
SELECT p.id, p.job_title, bg.role_for('Security', p) AS role
  FROM person p ORDER BY p.id;

-- The role depends on the order: moving Practitioner first.
SELECT bg.move_role('Security', 'Practitioner', 1);
SELECT template, priority, role FROM bg.template_roles WHERE template = 'Security';
SELECT p.id, bg.role_for('Security', p) AS role FROM person p ORDER BY p.id;
-- ... and last.
SELECT bg.move_role('Security', 'Practitioner', 5);
SELECT template, priority, role FROM bg.template_roles WHERE template = 'Security';
SELECT p.id, bg.role_for('Security', p) AS role FROM person p ORDER BY p.id;
-- Inserting a role at priority 2 shifts the others down.
SELECT bg.add_role('Security', 'Other', $c$seniority >= 4$c$, priority => 2);
SELECT template, priority, role FROM bg.template_roles WHERE template = 'Security';
SELECT p.id, bg.role_for('Security', p) AS role FROM person p ORDER BY p.id;
SELECT bg.remove_role('Security', 'Other');
SELECT p.id, bg.role_for('Security', p) AS role FROM person p ORDER BY p.id;
-- A condition on the Champion makes it assignable.
SELECT bg.set_condition('Security', 'Champion', 'true');
SELECT p.id, bg.role_for('Security', p) AS role FROM person p ORDER BY p.id;
SELECT bg.set_condition('Security', 'Champion', NULL);
SELECT p.id, bg.role_for('Security', p) AS role FROM person p ORDER BY p.id;

--
-- explain_role: one row per role; matched, assigned (the first match only)
-- and the predicates that were true.
--
SELECT p.id, e.priority, e.role, e.matched, e.assigned, e.matched_predicates
  FROM person p, bg.explain_role('Security', p) e
 WHERE p.id IN (1, 3, 6)
 ORDER BY p.id, e.priority;
SELECT * FROM bg.explain_role('Security', (SELECT p FROM person p WHERE id = 4));
-- NOT: the predicate under it is listed only when it is true.
SELECT bg.set_condition('Security', 'Champion', $c$not active and job_title is not empty$c$);
SELECT p.id, e.role, e.matched, e.assigned, e.matched_predicates
  FROM person p, bg.explain_role('Security', p) e
 WHERE p.id IN (4, 5) AND e.role = 'Champion'
 ORDER BY p.id;
SELECT bg.set_condition('Security', 'Champion', NULL);
-- explain_role agrees with role_for for everyone.
SELECT count(*) AS people,
       count(*) FILTER (WHERE bg.role_for('Security', p) IS DISTINCT FROM
                        (SELECT e.role FROM bg.explain_role('Security', p) e WHERE e.assigned))
       AS differences,
       count(*) FILTER (WHERE (SELECT count(*) FROM bg.explain_role('Security', p) e WHERE e.assigned) > 1)
       AS several_assigned
  FROM person p;

--
-- Changes are seen at once in the same transaction, and forgotten on
-- rollback.
--
BEGIN;
SELECT bg.set_condition('Security', 'Decision Maker', $c$job_title is 'office manager'$c$);
SELECT p.id, bg.role_for('Security', p) AS role FROM person p ORDER BY p.id;
SAVEPOINT s;
SELECT bg.move_role('Security', 'Influencer', 1);
SELECT p.id, bg.role_for('Security', p) AS role FROM person p ORDER BY p.id;
ROLLBACK TO SAVEPOINT s;
SELECT p.id, bg.role_for('Security', p) AS role FROM person p ORDER BY p.id;
ROLLBACK;
SELECT p.id, bg.role_for('Security', p) AS role FROM person p ORDER BY p.id;

-- Inside one function, statement after statement.
CREATE FUNCTION roles_after(cond text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    before text;
    after text;
BEGIN
    SELECT string_agg(p.id || '=' || coalesce(bg.role_for('Security', p), '-'), ' ' ORDER BY p.id)
      INTO before FROM person p;
    PERFORM bg.set_condition('Security', 'Decision Maker', cond);
    SELECT string_agg(p.id || '=' || coalesce(bg.role_for('Security', p), '-'), ' ' ORDER BY p.id)
      INTO after FROM person p;
    RETURN before || E'\n' || after;
END $$;
BEGIN;
SELECT roles_after($c$id = 7$c$);
ROLLBACK;
-- The same with the template name in a variable.
CREATE FUNCTION roles_after_var(cond text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    tmpl text := 'Security';
    before text;
    after text;
BEGIN
    SELECT string_agg(p.id || '=' || coalesce(bg.role_for(tmpl, p), '-'), ' ' ORDER BY p.id)
      INTO before FROM person p;
    PERFORM bg.set_condition('Security', 'Decision Maker', cond);
    SELECT string_agg(p.id || '=' || coalesce(bg.role_for(tmpl, p), '-'), ' ' ORDER BY p.id)
      INTO after FROM person p;
    RETURN before || E'\n' || after;
END $$;
BEGIN;
SELECT roles_after_var($c$id = 7$c$);
ROLLBACK;
-- And in a DO block.
BEGIN;
DO $$
DECLARE
    r text;
BEGIN
    PERFORM bg.set_condition('Security', 'Decision Maker', 'false');
    SELECT string_agg(p.id || '=' || coalesce(bg.role_for('Security', p), '-'), ' ' ORDER BY p.id)
      INTO r FROM person p;
    RAISE NOTICE 'after false: %', r;
    PERFORM bg.set_condition('Security', 'Decision Maker', 'true');
    SELECT string_agg(p.id || '=' || coalesce(bg.role_for('Security', p), '-'), ' ' ORDER BY p.id)
      INTO r FROM person p;
    RAISE NOTICE 'after true: %', r;
END $$;
ROLLBACK;

-- A draft copy gives the same roles; a live template too.
SELECT bg.copy_template('Security', 'Security copy');
SELECT bg.publish_template('Security copy');
SELECT count(*) AS people,
       count(*) FILTER (WHERE bg.role_for('Security', p) IS DISTINCT FROM
                              bg.role_for('Security copy', p)) AS differences
  FROM person p;
-- The template name may change from row to row.
SELECT t.name, p.id, bg.role_for(t.name, p) AS role
  FROM (VALUES ('Security'), ('Security copy'), ('Security'), ('Security copy')) AS t(name),
       person p
 WHERE p.id IN (1, 3)
 ORDER BY p.id, t.name;
SELECT bg.move_role('Security', 'Influencer', 1);
SELECT t.name, p.id, bg.role_for(t.name, p) AS role
  FROM (VALUES ('Security'), ('Security copy')) AS t(name), person p
 WHERE p.id IN (1, 3)
 ORDER BY p.id, t.name;
SELECT bg.move_role('Security', 'Influencer', 3);

-- Templates without roles, or without conditions, assign nothing.
SELECT bg.create_template('Empty');
SELECT bg.create_template('Manual');
SELECT bg.add_role('Manual', 'Champion');
SELECT bg.add_role('Manual', 'Other');
SELECT count(*) AS people,
       count(bg.role_for('Empty', p)) AS empty_roles,
       count(bg.role_for('Manual', p)) AS manual_roles
  FROM person p;
SELECT * FROM bg.explain_role('Empty', (SELECT p FROM person p WHERE id = 1));
SELECT priority, role, condition, matched, assigned, matched_predicates
  FROM bg.explain_role('Manual', (SELECT p FROM person p WHERE id = 1));

--
-- Rows that are not of the bound table: any row whose type has the named
-- columns (in any order, with any other columns).
--
CREATE TABLE contact (
    email       text,
    active      boolean,
    seniority   bigint,
    job_title   varchar(100)
);
INSERT INTO contact VALUES
    ('a@example.com', true, 9, 'Chief Executive Officer'),
    ('b@example.com', true, 1, 'Security Engineer'),
    ('c@example.com', NULL, NULL, NULL);
SELECT c.email, bg.role_for('Security', c) AS role FROM contact c ORDER BY c.email;

CREATE VIEW person_view AS SELECT id, upper(job_title) AS job_title, seniority + 1 AS seniority, active FROM person;
SELECT v.id, bg.role_for('Security', v) AS role FROM person_view v ORDER BY v.id;

SELECT s.job_title, bg.role_for('Security', s) AS role
  FROM (SELECT v.job_title, v.seniority, v.active
          FROM (VALUES ('CISO', 1, true), ('Security Analyst', 1, true), ('Clerk', 10, false))
               AS v(job_title, seniority, active)) s
 ORDER BY s.job_title;

-- ROW(...) cast to a composite type.
CREATE TYPE person_t AS (job_title text, seniority numeric, active boolean);
SELECT bg.role_for('Security', ROW('Head of Security', 2, true)::person_t) AS influencer,
       bg.role_for('Security', ROW('Analyst', 8.5, false)::person_t) AS steering,
       bg.role_for('Security', ROW('Network Engineer', 1, true)::person_t) AS practitioner,
       bg.role_for('Security', ROW(NULL, NULL, NULL)::person_t) AS nobody;
SELECT bg.role_for('Security', ROW(8, 1, 'Chief of Staff', 1, true)::person) AS person_row;
SELECT bg.role_for('Security', NULL::person_t) AS null_row;

-- Two row types in one query: each call site keeps its own compiled form.
SELECT 'person' AS source, p.id::text AS key, bg.role_for('Security', p) AS role FROM person p
UNION ALL
SELECT 'contact', c.email, bg.role_for('Security', c) FROM contact c
ORDER BY 1, 2;

SELECT bg.drop_template('Security');
SELECT bg.drop_template('Empty');
SELECT bg.drop_template('Manual');
SET client_min_messages = warning;
DROP SCHEMA regress_role_priority CASCADE;
RESET client_min_messages;
