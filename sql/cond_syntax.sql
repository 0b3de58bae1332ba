-- The grammar of the condition language (docs/design.md §4): keywords, quoting,
-- precedence, the canonical text and its round trip, syntax errors.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_cond_syntax;
SET search_path = regress_cond_syntax, public;
\set SHOW_CONTEXT never

CREATE TABLE person (
    id          integer PRIMARY KEY,
    account_id  integer,
    job_title   text,
    "Department" text,          -- mixed case: must be quoted
    "is"        text,           -- a keyword: must be quoted
    "Job Title" text,           -- a space: must be quoted
    seniority   integer,
    active      boolean
);
INSERT INTO person VALUES
    (1, 1, 'Head of IT',        'IT',    'a', 'x', 5, true),
    (2, 1, 'IT Support',        'IT',    'b', 'y', 1, true),
    (3, 1, 'General Counsel',   'Legal', 'a', 'x', 4, false),
    (4, 1, 'Office Manager',    NULL,    NULL, NULL, NULL, NULL);

-- Nothing is bound, so try(c) checks the syntax only; try_on(c) checks
-- against the person table too.  Both return the canonical text, or
-- 'ERROR', the SQLSTATE, the character position (taken from the DETAIL) and
-- the error.  ids(c): the people (ids) a condition matches, through the
-- one-role draft template 'syntax'.  try and ids: the shared helpers.
SELECT bg.create_template('syntax');
SELECT bg.add_role('syntax', 'Other', 'true');
\set try_against ''
\set ids_template syntax
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql
CREATE FUNCTION try_on(cond text) RETURNS text
LANGUAGE sql AS $$ SELECT try(cond, 'regress_cond_syntax.person') $$;

--
-- Canonical text: lower-case keywords, single spaces, <> for !=, minimal
-- parentheses, AND and OR flattened.  It parses back to itself.
--
SELECT n, c AS condition, try(c) AS canonical, try(try(c)) = try(c) AS round_trip
FROM unnest(ARRAY[
    -- the examples of docs/design.md §4
    $c$job_title starts with any ('Director', 'Sr Director')$c$,
    $c$job_title contains 'CISO' or (department is 'Legal' and seniority >= 3)$c$,
    $c$not email_invalid and country in ('US', 'CA')$c$,
    $c$job_title is not empty and job_title not contains 'assistant'$c$,
    $c$annual_revenue between 1000000 and 50000000$c$,
    -- keywords in any case; unquoted identifiers fold to lower case
    $c$JOB_TITLE STARTS WITH ANY ('a') AND Seniority BETWEEN 1 AND 2$c$,
    $c$Job_Title Is Not Empty Or NOT Active$c$,
    $c$x NoT cOnTaInS 'A' oR x Is NoT EmPtY$c$,
    $c$TRUE$c$,
    $c$False$c$,
    -- white space
    E'  job_title\tcontains\n''x''\r\n  and   seniority>=3  ',
    $c$job_title='a'and seniority<>1$c$,
    -- every operator
    $c$x is 'a'$c$,
    $c$x is not 'a'$c$,
    $c$x = 'a'$c$,
    $c$x <> 'a'$c$,
    $c$x != 'a'$c$,
    $c$x contains 'a'$c$,
    $c$x not contains 'a'$c$,
    $c$x starts with 'a'$c$,
    $c$x not starts with 'a'$c$,
    $c$x ends with 'a'$c$,
    $c$x not ends with 'a'$c$,
    $c$x matches '^a.*b$'$c$,
    $c$x not matches 'a|b'$c$,
    $c$x in ('a')$c$,
    $c$x not in ('a','b' ,  'c')$c$,
    $c$x = any('a','b')$c$,
    $c$x != any ('a', 'b')$c$,
    $c$x is not any ('a', 'b')$c$,
    $c$x contains any ('a', 'b')$c$,
    $c$x not ends with any ('a', 'b')$c$,
    $c$x < 1$c$,
    $c$x <= 1$c$,
    $c$x > 1$c$,
    $c$x >= 1$c$,
    $c$x between 1 and 2$c$,
    $c$x not between 1 and 2$c$,
    $c$x is empty$c$,
    $c$x is not empty$c$,
    $c$x is true$c$,
    $c$x is not true$c$,
    $c$x is false$c$,
    $c$x is not false$c$,
    $c$x = TRUE$c$,
    $c$x <> FALSE$c$,
    $c$x$c$,
    $c$not x$c$,
    -- literals: '' inside strings, numbers as written
    $c$x is 'O''Brien'$c$,
    $c$x is ''$c$,
    $c$x is ''''$c$,
    $c$x in (-1, .5, 1., 2.50, 1e3, 1E+3, -2.5e-3, 007)$c$,
    $c$x contains 'a "quoted" word'$c$,
    -- quoted identifiers: quotes are kept only where needed
    $c$"job_title" contains 'x'$c$,
    $c$"Job Title" contains 'x'$c$,
    $c$"JOB_TITLE" contains 'x'$c$,
    $c$"is" is 'x'$c$,
    $c$"And" = 'x' and "or" = 'y' and "not" and "true"$c$,
    $c$"a""b" = 'c'$c$,
    $c$"1st" = 'c'$c$,
    $c$_x$1 = 'c'$c$,
    $c$Überschrift is 'x'$c$,
    $c$"überschrift" is 'x'$c$,
    -- precedence: NOT over AND over OR
    $c$a or b and c$c$,
    $c$(a or b) and c$c$,
    $c$a and (b or c)$c$,
    $c$a and b or c and d$c$,
    $c$(a and b) or (c and d)$c$,
    $c$not a and b$c$,
    $c$not a or b$c$,
    $c$not (a and b)$c$,
    $c$not (a or b) or c$c$,
    $c$not (not a)$c$,
    $c$not not not a$c$,
    $c$not (a)$c$,
    $c$((((a))))$c$,
    -- flattening
    $c$a and (b and (c and d))$c$,
    $c$((a or b) or c) or (d or e)$c$,
    $c$a and (b and c) and (d or (e or f))$c$,
    $c$(a or (b and (c or d))) and e$c$,
    $c$not (a and (b and c))$c$,
    $c$x between 1 and 2 and y between 3 and 4 or z$c$,
    $c$true and not false or (false)$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

-- The canonical text is checked against a table like any other condition.
SELECT n, c AS condition, try_on(c) AS checked
FROM unnest(ARRAY[
    $c$"Department" is 'Legal'$c$,
    $c$Department is 'Legal'$c$,
    $c$"department" is 'Legal'$c$,
    $c$"is" is 'a'$c$,
    $c$is is 'a'$c$,
    $c$"Job Title" = 'x'$c$,
    $c$JOB_TITLE contains 'it'$c$,
    $c$"JOB_TITLE" contains 'it'$c$,
    $c$"Active"$c$,
    $c$ACTIVE$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

-- Quoted columns evaluate like any other.
SELECT ids($c$"Department" is 'legal'$c$) AS department_legal,
       ids($c$"is" is 'A'$c$) AS is_a,
       ids($c$"Job Title" is not 'x'$c$) AS job_title_not_x;

--
-- Precedence, evaluated.  Constants first: if NOT bound looser than AND or
-- AND looser than OR, these would differ.
--
SELECT n, c AS condition, ids(c) = '1,2,3,4' AS holds
FROM unnest(ARRAY[
    $c$true$c$,
    $c$false$c$,
    $c$not true$c$,
    $c$not false$c$,
    $c$true or true and false$c$,
    $c$(true or true) and false$c$,
    $c$false and false or true$c$,
    $c$false and (false or true)$c$,
    $c$not true or true$c$,
    $c$not (true or true)$c$,
    $c$not false and false$c$,
    $c$not (false and false)$c$,
    $c$not not true$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

-- ... and over the people.
SELECT n, c AS condition, ids(c) AS ids
FROM unnest(ARRAY[
    $c$seniority >= 4 or job_title contains 'it' and active$c$,
    $c$(seniority >= 4 or job_title contains 'it') and active$c$,
    $c$not active and seniority >= 4$c$,
    $c$not (active and seniority >= 4)$c$,
    $c$not active or seniority >= 5$c$,
    $c$not (active or seniority >= 5)$c$,
    $c$active and seniority between 1 and 4 or "Department" is 'legal'$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

-- The stored condition is the canonical text.
SELECT bg.set_condition('syntax', 'Other', E'NOT Active\tOR  (seniority>=5 AND "Department" != ''x'')');
SELECT priority, role, condition FROM bg.template_roles WHERE template = 'syntax';

--
-- Syntax errors: SQLSTATE 42601 and the character position of the fault.
--
SELECT n, c AS condition, try(c) AS result
FROM unnest(ARRAY[
    $c$$c$,
    E' \t\n ',
    $c$job_title =$c$,
    $c$job_title is$c$,
    $c$job_title is not$c$,
    $c$job_title = 'abc$c$,
    $c$job_title = 'it''s$c$,
    $c$"job_title = 'abc'$c$,
    $c$"" = 'abc'$c$,
    $c$job_title @ 'abc'$c$,
    $c$job_title ~ 'abc'$c$,
    $c$job_title == 'abc'$c$,
    $c$job_title = "abc"$c$,
    $c$job_title = abc$c$,
    $c$job_title is null$c$,
    $c$job_title contains 'a' 'b'$c$,
    $c$job_title starts 'a'$c$,
    $c$job_title ends 'a'$c$,
    $c$job_title not 'a'$c$,
    $c$job_title not is 'a'$c$,
    $c$job_title not = 'a'$c$,
    $c$job_title in 'a'$c$,
    $c$job_title in ()$c$,
    $c$job_title in ('a',)$c$,
    $c$job_title in ('a' 'b')$c$,
    $c$job_title in ('a'$c$,
    $c$job_title = any 'a'$c$,
    $c$job_title = any ()$c$,
    $c$seniority < any (1, 2)$c$,
    $c$seniority between 1$c$,
    $c$seniority between 1 or 2$c$,
    $c$seniority = 1e$c$,
    $c$seniority = 12abc$c$,
    $c$seniority = 1.2.3$c$,
    $c$seniority = 1 2$c$,
    $c$seniority >= - 1$c$,
    $c$seniority = +1$c$,
    $c$seniority = 1 -- comment$c$,
    $c$and$c$,
    $c$is = 'a'$c$,
    $c$contains contains 'a'$c$,
    $c$not$c$,
    $c$active and$c$,
    $c$active or or active$c$,
    $c$active active$c$,
    $c$()$c$,
    $c$(active$c$,
    $c$active)$c$,
    $c$((active)))$c$,
    $c$active and (seniority > 1 or)$c$,
    $c$'abc'$c$,
    $c$42$c$,
    $c$= 'a'$c$,
    E'job_title = ''a''\nand\n  @'
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

-- Positions count characters, not bytes.
SELECT try($c$fonction = 'Sécurité' @$c$) AS after_accents,
       try($c$"Größe" = 'ÄÖÜ' and "Größe" = 'x' x$c$) AS after_umlauts;

-- The full error: message, DETAIL with the position and the condition, HINT.
SELECT bg.check_condition('job_title = ');
SELECT bg.check_condition('job_title = ''abc');
SELECT bg.check_condition('is = ''a''');
SELECT bg.check_condition('seniority between 1 or 2');
SELECT bg.check_condition('');
SELECT bg.check_condition(NULL) IS NULL AS null_condition_is_null;

--
-- Deep nesting: past 100 levels of NOT and parentheses an error (54001,
-- docs/design.md §4.6), whatever the stack allows; never a crash.
--
SELECT try(repeat('(', 10000) || 'active' || repeat(')', 10000))
       LIKE 'ERROR 54001 at 101: condition is nested too deeply%' AS parens_10000;
SELECT try(repeat('not ', 50000) || 'active')
       LIKE 'ERROR 54001 at 401: condition is nested too deeply%' AS not_50000;
SELECT try(repeat('(active and (active or ', 5000) || 'active' || repeat('))', 5000))
       LIKE 'ERROR 54001 at %: condition is nested too deeply%' AS mixed_5000;
SELECT 1 AS still_connected;
-- Nesting up to the limit works, and its canonical text is minimal.
SELECT try(repeat('(', 100) || 'active' || repeat(')', 100)) AS parens_100;
SELECT try(repeat('not ', 100) || 'active') = repeat('not ', 100) || 'active' AS not_100;
-- ... and evaluates: an even number of NOTs around true.
SELECT ids(repeat('(not ', 50) || 'true' || repeat(')', 50)) AS not_50;
SELECT ids(repeat('(not ', 49) || 'active' || repeat(')', 49)) AS not_49;
-- A long flat condition (within the limit of 1 MB).
SELECT length(try('active' || repeat(' and active', 90000))) AS and_90001,
       length(try('active' || repeat(' or seniority = 1', 60000))) AS or_60001;

SELECT bg.drop_template('syntax');
SET client_min_messages = warning;
DROP SCHEMA regress_cond_syntax CASCADE;
RESET client_min_messages;
