-- Per-row shortcuts of the evaluator give the answers of the long way:
-- MATCHES converts each value once for all its patterns, trimming is
-- skipped for values that start and end with a visible ASCII character,
-- and a scoring aggregate's empty groups use the call site's template.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;
CREATE SCHEMA regress_paths;
SET search_path = regress_paths, public;
-- try(query): the shared helper
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql
CREATE TABLE person (id int PRIMARY KEY, account_id int, job_title text, department text);
INSERT INTO person VALUES
    (1, 1, 'Security Architect', 'IT'),
    (2, 1, '  Lead Engineer', 'Security Operations'),
    (3, 1, 'Head of IT  ', 'it'),
    (4, 2, E'\tSOC Analyst\n', E'\u00a0Finance\u00a0'),
    (5, 2, E'\u00a0Ingénieur Sécurité', 'Sécurité informatique'),
    (6, 2, 'x', 'y'),
    (7, 3, '', ''),
    (8, 3, NULL, NULL),
    (9, 3, E'Directeur G\u00e9n\u00e9ral\u2003', 'Direction'),
    (10, 3, 'A very long job title that is much longer than the ones before it, Principal', 'IT');
SELECT bg.bind_people('person');

-- MATCHES: several patterns over one column, and over two columns of a row
SELECT id, bg.matches($$job_title matches any ('^sec', 'engineer$', 'analyst')$$, p) AS one_column,
       bg.matches($$job_title matches any ('ur', 'principal$') and department matches any ('^s', 'it$')$$, p) AS two_columns,
       coalesce(btrim(job_title, E' \t\n\u00a0\u2003') ~* '^sec|engineer$|analyst', false) AS one_column_sql,
       coalesce(btrim(job_title, E' \t\n\u00a0\u2003') ~* 'ur|principal$'
                AND btrim(department, E' \t\n\u00a0') ~* '^s|it$', false) AS two_columns_sql
  FROM person p ORDER BY id;

-- trimming: values with and without surrounding white space
SELECT id, bg.matches($$job_title starts with any ('security', 'lead', 'head', 'soc', 'ingénieur', 'x', 'directeur', 'a very')$$, p) AS starts,
       bg.matches($$job_title ends with any ('architect', 'engineer', 'it', 'analyst', 'sécurité', 'x', 'général', 'principal')$$, p) AS ends,
       bg.matches($$job_title is empty$$, p) AS empty,
       bg.matches($$department in ('IT', 'Finance', 'y')$$, p) AS dept
  FROM person p ORDER BY id;

-- a scoring aggregate over groups without people (a LEFT JOIN): the empty
-- groups after, before and between people, with a constant template and
-- with the template's name read from a column
SELECT bg.create_template('P');
SELECT bg.add_role('P', 'Practitioner', $$job_title contains any ('engineer', 'analyst')$$);
SELECT bg.add_role('P', 'Champion', $$job_title contains 'architect'$$);
CREATE TABLE account (id int, tmpl text);
INSERT INTO account VALUES (0, 'P'), (1, 'P'), (2, 'P'), (3, 'P'), (4, 'P'), (5, 'P');
SET enable_hashagg = off;
SELECT a.id, bg.role_counts('P', p) AS constant_template, bg.role_counts(a.tmpl, p) AS template_column
  FROM account a LEFT JOIN person p ON p.account_id = a.id
 GROUP BY a.id ORDER BY a.id;
SELECT a.id, bg.completeness('P', p) FROM account a LEFT JOIN person p ON p.account_id = a.id
 WHERE a.id IN (0, 4, 5) GROUP BY a.id ORDER BY a.id;
RESET enable_hashagg;
-- a group without people naming a template that does not exist is still an error
SELECT try($$SELECT bg.role_counts('Nope', p) FROM regress_paths.account a
             LEFT JOIN regress_paths.person p ON p.account_id = a.id AND false WHERE a.id = 0$$);
-- one group naming two templates, the second for a row without a person
SELECT bg.create_template('Q');
SELECT bg.add_role('Q', 'Practitioner', $$job_title contains 'engineer'$$);
SELECT try($$SELECT bg.role_counts(t.name, p) FROM (VALUES (1, 'P'), (2, 'Q')) t(k, name)
             LEFT JOIN regress_paths.person p ON p.id = 1 AND t.k = 1$$);

-- bg.matches keeps working when bg's catalog changes between calls
CREATE FUNCTION edit_and_match(i int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bg.add_role('Q', 'Champion', $c$job_title contains 'architect'$c$) WHERE i = 2;
    RETURN (SELECT bg.matches($c$job_title contains 'architect'$c$, p) FROM person p WHERE p.id = 1);
END $$;
SELECT i, edit_and_match(i) FROM generate_series(1, 3) i;

DROP SCHEMA regress_paths CASCADE;
