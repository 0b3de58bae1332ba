-- The limits of a condition (issue 10, finding 8; docs/design.md §4.6): they
-- are checked when a condition is saved or checked, with 54001 (nesting) or
-- 54000 (length, canonical length, regular expressions), so that whatever is
-- saved evaluates: conditions at the limits are saved and evaluated here.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_robust_limits;
SET search_path = regress_robust_limits, public;

-- try(query): the shared helpers
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL,
                     job_title text, seniority integer);
INSERT INTO person VALUES (1, 1, 't79999', 119999), (2, 1, 'Chief w29999 Officer', 1),
                          (3, 1, 'x', 0);
SELECT bg.bind_people('person');
SELECT bg.create_template('L');

-- the role each person gets from template L with role Other's condition c
CREATE FUNCTION roles_with(c text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bg.set_condition('L', 'Other', c);
    RETURN (SELECT string_agg(p.id || '=' || coalesce(bg.role_for('L', p), '-'), ' ' ORDER BY p.id)
              FROM person p);
END $$;
SELECT bg.add_role('L', 'Other');

-- ---------------------------------------------------------------------------
-- Nesting: at most 100 levels of NOT and parentheses (54001)
-- ---------------------------------------------------------------------------
-- the finding: 26 000 NOTs were saved, then no row could be evaluated
SELECT left(try(format('SELECT bg.set_condition(%L, %L, %L)', 'L', 'Other',
                       repeat('not ', 26000) || 'seniority = 1')), 140) AS deep_not;
SELECT left(try(format('SELECT bg.check_condition(%L)', repeat('not ', 101) || 'true')), 140)
       AS not_101;
SELECT left(try(format('SELECT bg.check_condition(%L)',
                       repeat('(', 101) || 'true' || repeat(')', 101))), 140) AS parens_101;
SELECT left(try(format('SELECT bg.check_condition(%L)',
                       repeat('not (', 51) || 'true' || repeat(')', 51))), 140) AS mixed_102;
-- at the limit: saved and evaluated
SELECT roles_with(repeat('not ', 100) || 'seniority = 1') AS not_100;
SELECT roles_with(repeat('(', 99) || 'not seniority = 1' || repeat(')', 99)) AS parens_99_not_1;

-- ---------------------------------------------------------------------------
-- Length: at most 1 MB of text (54000), and so of canonical text
-- ---------------------------------------------------------------------------
-- the finding: a 34 MB IN list failed at evaluation (XX000)
SELECT try(format('SELECT bg.set_condition(%L, %L, %L)', 'L', 'Other',
                  'seniority in (' || repeat('1,', 17000000) || '1)')) AS in_34mb;
SELECT try(format('SELECT bg.check_condition(%L)',
                  'job_title contains ''' || repeat('x', 1048576) || '''')) AS over_1mb;
-- within 1 MB, but its canonical text (", " between values) is not
SELECT try(format('SELECT bg.check_condition(%L)',
                  'seniority in (' || repeat('1,', 500000) || '1)')) AS canonical_over_1mb;
-- near the limit, saved and evaluated: 120 000 numbers ...
SELECT length(c) < 1048576 AS under_1mb,
       roles_with(c) AS numbers_120k
FROM (SELECT 'seniority in (' || string_agg(g::text, ', ') || ')' AS c
        FROM generate_series(0, 119999) g) s;
-- ... 80 000 text values (one exact-match table would take gigabytes) ...
SELECT length(c) < 1048576 AS under_1mb,
       roles_with(c) AS texts_80k
FROM (SELECT 'job_title in (' || string_agg(quote_literal('t' || g), ', ') || ')' AS c
        FROM generate_series(0, 79999) g) s;
-- ... 30 000 CONTAINS tests in one OR
SELECT length(c) < 1048576 AS under_1mb,
       roles_with(c) AS contains_30k
FROM (SELECT string_agg('job_title contains ' || quote_literal('w' || g), ' or ') AS c
        FROM generate_series(0, 29999) g) s;

-- ---------------------------------------------------------------------------
-- Regular expressions: at most 100 MATCHES patterns in a condition (54000)
-- ---------------------------------------------------------------------------
SELECT left(try(format('SELECT bg.check_condition(%L)',
                       'job_title matches any (' || string_agg(quote_literal('r' || g), ', ') || ')')), 140)
       AS regexes_101
FROM generate_series(1, 101) g;
SELECT left(try(format('SELECT bg.check_condition(%L)',
                       string_agg('job_title matches ' || quote_literal('r' || g), ' or '))), 140)
       AS regexes_101_apart
FROM generate_series(1, 101) g;
SELECT roles_with(string_agg('job_title matches ' || quote_literal('^x$|' || g), ' or ')) AS regexes_100
FROM generate_series(1, 100) g;

-- the limits hold for dynamic lists too: bg.matches parses the same way
SELECT left(try(format('SELECT bg.matches(%L, p) FROM person p',
                       repeat('not ', 101) || 'true')), 60) AS matches_101;

DROP SCHEMA regress_robust_limits CASCADE;
