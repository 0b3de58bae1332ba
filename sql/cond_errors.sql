-- Errors of the condition language (docs/design.md §3, §4): each with its SQLSTATE,
-- the position of the fault (in DETAIL) and a hint; conditions are checked
-- when saved and nothing is written then; errors at evaluation.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_cond_errors;
SET search_path = regress_cond_errors, public;
\set SHOW_CONTEXT never

CREATE TABLE person (
    id          integer PRIMARY KEY,
    account_id  integer,
    job_title   text,
    department  text,
    seniority   integer,
    score       double precision,
    hired       date,
    seen        timestamptz,
    active      boolean,
    extra       jsonb,
    tags        text[],
    uid         uuid
);
INSERT INTO person VALUES
    (1, 1, 'CISO', 'Security', 5, 1.5, '2026-01-31', '2026-01-31 12:00+00', true, '{}', '{a}', NULL),
    (2, 1, 'Analyst', 'Finance', 1, NULL, NULL, NULL, false, NULL, NULL, NULL);
SELECT bg.bind_people('person');

-- try(c): the canonical text of c checked against the person table, or
-- 'ERROR', the SQLSTATE, the character position (taken from the DETAIL) and
-- the error: the shared helpers
\set try_against regress_cond_errors.person
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

-- The result of a statement, or its SQLSTATE and message.
CREATE FUNCTION run(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    r text;
BEGIN
    EXECUTE stmt INTO r;
    RETURN coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

--
-- One bad condition per line, next to a good one.
--
SELECT n, c AS condition, try(c) AS result
FROM unnest(ARRAY[
    -- 42601: syntax
    $c$job_title contains 'x'$c$,
    $c$job_title contains$c$,
    $c$job_title contains 'x$c$,
    $c$job_title contains x$c$,
    $c$job_title has 'x'$c$,
    -- 42703: unknown column, the hint names the closest ones
    $c$job_titel contains 'x'$c$,
    $c$"Job_Title" contains 'x'$c$,
    $c$title contains 'x'$c$,
    $c$seniorty > 3$c$,
    $c$job_title contains 'x' and nope$c$,
    -- 42804: a text operator on a number, date or boolean column
    $c$seniority = 3$c$,
    $c$seniority contains '3'$c$,
    $c$seniority is '3'$c$,
    $c$seniority starts with '3'$c$,
    $c$hired matches '2026'$c$,
    $c$active is 'true'$c$,
    -- 42804: a number or boolean literal compared with a text column
    $c$job_title = 'CISO'$c$,
    $c$job_title = 3$c$,
    $c$job_title in ('a', 3)$c$,
    $c$job_title is true$c$,
    $c$job_title = false$c$,
    $c$job_title contains any ('a', 1)$c$,
    -- 42804: a string or boolean literal compared with a number column
    $c$seniority in (1, 2)$c$,
    $c$seniority = '3'$c$,
    $c$seniority in (1, '2')$c$,
    $c$seniority between 1 and '5'$c$,
    $c$seniority = true$c$,
    -- 42804: an ordering operator on a text or boolean column
    $c$job_title > 'a'$c$,
    $c$job_title between 'a' and 'b'$c$,
    $c$active > false$c$,
    -- 42804: IS TRUE, IS FALSE and the bare column need a boolean
    $c$active is not true$c$,
    $c$job_title is not true$c$,
    $c$seniority is false$c$,
    $c$job_title$c$,
    $c$not seniority$c$,
    -- 42804: dates need quoted ISO literals; booleans true or false
    $c$hired > '2026-01-01'$c$,
    $c$hired > 2026$c$,
    $c$hired = true$c$,
    $c$active = 1$c$,
    $c$active = 'yes'$c$,
    -- 42804: types conditions cannot compare
    $c$extra is empty$c$,
    $c$extra = '{}'$c$,
    $c$tags contains 'a'$c$,
    $c$uid = 'a'$c$,
    -- 2201B: invalid regular expression
    $c$job_title matches '^(ciso|cio)$'$c$,
    $c$job_title matches '('$c$,
    $c$job_title matches '[a-'$c$,
    $c$job_title matches '*x'$c$,
    $c$job_title matches any ('ok', 'a{2,1}')$c$,
    $c$job_title not matches '\'$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

-- Bad literals: the type's own SQLSTATE (22007 invalid format, 22008 out of
-- range, 22003 numeric out of range), with the position of the literal,
-- when the condition is checked, never later.
SELECT n, c AS condition, split_part(try(c), ':', 1) AS result
FROM unnest(ARRAY[
    $c$hired = '2026-01-31'$c$,
    $c$hired = '2026-02-30'$c$,
    $c$hired = '2026-13-01'$c$,
    $c$hired = 'yesterday-ish'$c$,
    $c$hired between '2026-01-01' and '2026-01-32'$c$,
    $c$seen > '2026-01-31 25:00'$c$,
    $c$seen > 'soon'$c$,
    $c$seniority = 1e1000000$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

-- The whole error: message, DETAIL (position and condition) and HINT.
SELECT bg.check_condition('job_title contains ''x'' and job_titel = ''y''');
SELECT bg.check_condition('seniority contains ''3''');
SELECT bg.check_condition('job_title = 3');
SELECT bg.check_condition('seniority = ''3''');
SELECT bg.check_condition('job_title >= ''a''');
SELECT bg.check_condition('job_title is true');
SELECT bg.check_condition('extra is empty');
SELECT bg.check_condition('job_title matches ''(''');
SELECT bg.check_condition('job_title contains ''x'' or (seniority > 3');

--
-- Conditions are checked against the bound table when saved: after an
-- error nothing is written.
--
SELECT bg.create_template('errors');
SELECT bg.add_role('errors', 'Decision Maker', 'job_title is ''ciso''');
SELECT bg.add_role('errors', 'Influencer', 'seniority >= 3');
SELECT template, priority, role, condition FROM bg.template_roles WHERE template = 'errors';

SELECT bg.add_role('errors', 'Champion', 'job_titel contains ''x''');
SELECT bg.add_role('errors', 'Champion', 'seniority contains ''3''');
SELECT bg.add_role('errors', 'Champion', 'job_title = ''abc');
SELECT bg.add_role('errors', 'Champion', 'job_title matches ''(''', priority => 1);
SELECT bg.set_condition('errors', 'Influencer', 'seniority >= ''3''');
SELECT bg.update_role('errors', 'Influencer', condition => 'hired > 2026');

-- unchanged
SELECT template, priority, role, condition FROM bg.template_roles WHERE template = 'errors';
SELECT name, role_count FROM bg.templates WHERE name = 'errors';

-- A number beyond the range of a double precision column: rejected when
-- saved (22003) or compared as a number, but never an error later, when
-- people are evaluated.
CREATE FUNCTION save_and_evaluate(cond text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    tmpl text := 'errors';
    r text;
BEGIN
    BEGIN
        PERFORM bg.set_condition('errors', 'Influencer', cond);
    EXCEPTION WHEN OTHERS THEN
        RETURN 'rejected when saved: ' || SQLSTATE;
    END;
    SELECT coalesce(string_agg(p.id || '=' || coalesce(bg.role_for(tmpl, p), '-'), ' ' ORDER BY p.id), '-')
      INTO r FROM person p;
    RETURN 'evaluated: ' || r;
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR when evaluated: ' || SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT n, c AS condition, save_and_evaluate(c) NOT LIKE 'ERROR%' AS no_error_when_evaluated
FROM unnest(ARRAY[
    $c$score > 1e300$c$,
    $c$score > 1e400$c$,
    $c$score < -1e400$c$,
    $c$score between 1e-400 and 2$c$,
    $c$seniority > 1e400$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;
SELECT bg.set_condition('errors', 'Influencer', 'seniority >= 3');

-- The same errors with their SQLSTATE and position.
SELECT n, stmt, run(stmt) AS result
FROM unnest(ARRAY[
    $s$SELECT bg.add_role('errors', 'Champion', 'job_titel contains ''x''')$s$,
    $s$SELECT bg.add_role('errors', 'Champion', 'seniority contains ''3''')$s$,
    $s$SELECT bg.add_role('errors', 'Champion', 'job_title = ''abc')$s$,
    $s$SELECT bg.add_role('errors', 'Champion', 'job_title matches ''(''')$s$,
    $s$SELECT bg.add_role('errors', 'Champion', 'hired = ''2026-02-30''')$s$,
    $s$SELECT bg.set_condition('errors', 'Influencer', '')$s$,
    $s$SELECT bg.set_condition('errors', 'Influencer', 'active = 1')$s$
]) WITH ORDINALITY AS u(stmt, n)
ORDER BY n;
SELECT template, priority, role, condition FROM bg.template_roles WHERE template = 'errors';

--
-- Errors at evaluation.
--
-- The person must be a row.
SELECT bg.role_for('errors', 1);
SELECT bg.role_for('errors', 'CISO'::text);
SELECT * FROM bg.explain_role('errors', 42);
-- The template must exist.
SELECT bg.role_for('no such template', p) FROM person p;
SELECT e.* FROM person p, bg.explain_role('no such template', p) e;
-- A row type lacking a column the template uses (checked when the template
-- is compiled for that row type).
CREATE TABLE contact (id integer, job_title text, active boolean);
INSERT INTO contact VALUES (1, 'CISO', true);
SELECT bg.role_for('errors', c) FROM contact c;
SELECT bg.role_for('errors', x) FROM (SELECT 'CISO'::text AS job_title) x;
SELECT bg.role_for('errors', ROW('CISO', 5));
-- A row type whose column has a type the condition does not fit.
CREATE TABLE lead (id integer, job_title text, seniority text);
INSERT INTO lead VALUES (1, 'Analyst', 'high');
SELECT bg.role_for('errors', l) FROM lead l;
-- A row type with the columns works.
SELECT bg.role_for('errors', x)
  FROM (SELECT 'Analyst'::text AS job_title, 7 AS seniority) x;

-- The same with SQLSTATEs.
SELECT n, stmt, run(stmt) AS result
FROM unnest(ARRAY[
    $s$SELECT bg.role_for('errors', 1)$s$,
    $s$SELECT bg.role_for('errors', 'x'::varchar)$s$,
    $s$SELECT bg.role_for('no such template', p) FROM person p WHERE id = 1$s$,
    $s$SELECT bg.role_for('Errors', p) FROM person p WHERE id = 1$s$,
    $s$SELECT bg.role_for('errors', c) FROM contact c$s$,
    $s$SELECT role FROM bg.explain_role('errors', (SELECT c FROM contact c))$s$,
    $s$SELECT bg.role_for('errors', l) FROM lead l$s$,
    $s$SELECT bg.role_for('errors', p) FROM person p WHERE id = 1$s$,
    $s$SELECT bg.role_for(NULL, p) FROM person p WHERE id = 1$s$,
    $s$SELECT bg.role_for('errors', NULL::person)$s$
]) WITH ORDINALITY AS u(stmt, n)
ORDER BY n;

SELECT bg.check_condition(NULL) IS NULL AS null_condition;

SELECT bg.drop_template('errors');
SET client_min_messages = warning;
DROP SCHEMA regress_cond_errors CASCADE;
RESET client_min_messages;
