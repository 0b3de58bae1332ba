-- bg.matches(condition, row): one condition of the language over any row, as
-- dynamic account lists use it; compiled once per call site and rebuilt when
-- the condition or the row type changes; every error has its SQLSTATE.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_cond_matches;
SET search_path = regress_cond_matches, public;

-- try(query): the shared helpers
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text, country text, employees integer, founded date);
INSERT INTO account VALUES
    (1, 'Acme', 'US', 5000, '1950-01-01'), (2, 'Globex', 'CA', 120, '1999-06-30'),
    (3, 'Initech', 'DE', NULL, NULL), (4, '  Umbrella ', 'us', 80000, '1970-12-31');
CREATE TABLE lead (id bigint, country text, score numeric);
INSERT INTO lead VALUES (10, 'US', 9.5), (11, 'FR', 2);

-- the same call site, several conditions, case folding and trimming
SELECT a.id, c.cond, bg.matches(c.cond, a) AS matches
  FROM account a,
       (VALUES ('country in (''US'', ''CA'')'), ('employees >= 1000'), ('name starts with ''umb'''),
               ('founded < ''1980-01-01'' and not country is ''DE'''), ('employees is empty')) c(cond)
 ORDER BY c.cond, a.id;

-- rows of another table, and anonymous rows
SELECT bg.matches('country is ''us'' and score > 5', l) FROM lead l ORDER BY id;
SELECT bg.matches('f1 is ''us''', ROW('US'::text)), bg.matches('f2 > 3', ROW('x'::text, 2));
SELECT bg.matches('country is ''us''', ROW('US')::record);

-- NULL condition or row: NULL (strict)
SELECT bg.matches(NULL, a) IS NULL AS null_condition FROM account a WHERE id = 1;
SELECT bg.matches('country is ''US''', NULL::account) IS NULL AS null_row;

-- errors
\set VERBOSITY terse
SELECT try($$SELECT bg.matches('country is', a)::text FROM account a LIMIT 1$$);
SELECT try($$SELECT bg.matches('region is ''US''', a)::text FROM account a LIMIT 1$$);
SELECT try($$SELECT bg.matches('employees contains ''1''', a)::text FROM account a LIMIT 1$$);
SELECT try($$SELECT bg.matches('founded > ''yesterday''', a)::text FROM account a LIMIT 1$$);
SELECT try($$SELECT bg.matches('country is ''US''', 42)::text$$);
SELECT try($$SELECT bg.matches('country is ''US''', 'text'::text)::text$$);
\set VERBOSITY default

-- the columns a condition reads (live mode watches them)
SELECT bg_internal._condition_columns('country in (''US'') or (employees > 3 and not "in" is empty) or country is ''CA''');

RESET search_path;
DROP SCHEMA regress_cond_matches CASCADE;
