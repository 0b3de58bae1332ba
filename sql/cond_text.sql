-- Text comparisons (docs/design.md §4): every text operator and its NOT form, ANY
-- lists, NULL as the empty string, IS EMPTY, trimming of the column value,
-- case-insensitivity, and varchar, char(n), name and enum columns.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_cond_text;
SET search_path = regress_cond_text, public;
\set SHOW_CONTEXT never

CREATE TYPE level AS ENUM ('junior', 'senior', 'Lead');
CREATE TABLE person (
    id          integer PRIMARY KEY,
    account_id  integer,
    job_title   text,
    dept        varchar(30),
    code        char(8),
    login       name,
    lvl         level
);
INSERT INTO person VALUES
    ( 1, 1, 'Director of IT',                   'IT',       'AB',     'jdoe',   'senior'),
    ( 2, 1, '  director of it  ',               ' it ',     'ab',     'JDOE',   'junior'),
    ( 3, 1, E'\tDIRECTOR OF IT\r\n',            'Legal',    'ABC',    'asmith', 'Lead'),
    ( 4, 1, U&'\00A0Director of IT\00A0',       'Legal',    'x',      'bob',    NULL),
    ( 5, 1, 'Senior Director, Security',        'Security', ' ab',    'carol',  'senior'),
    ( 6, 1, 'IT Manager',                       'IT',       NULL,     NULL,     'junior'),
    ( 7, 1, '',                                 '',         '',       '',       NULL),
    ( 8, 1, '   ',                              '   ',      '   ',    '   ',    NULL),
    ( 9, 1, NULL,                               NULL,       NULL,     NULL,     NULL),
    (10, 1, 'Office Manager',                   'Admin',    'OM',     'dave',   'junior'),
    (11, 1, 'O''Brien''s assistant',            'Admin',    'OB',     'obrien', 'junior'),
    (12, 1, 'Head of IT',                       'IT',       'HIT',    'erin',   'Lead'),
    (13, 1, U&'\3000Head of Security\2003',     'Security', 'HS',     'frank',  'senior');

SELECT bg.bind_people('person');
SELECT bg.create_template('text');
SELECT bg.add_role('text', 'Other', 'true');

-- ids(c): the ids of the people a condition matches ('-' for none), through
-- role Other of template 'text': the shared helpers
\set ids_template text
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

--
-- Each operator, its NOT form, and its ANY form.
--
SELECT n, c AS condition, ids(c) AS ids
FROM unnest(ARRAY[
    $c$job_title is 'director of it'$c$,
    $c$job_title is 'DIRECTOR OF IT'$c$,
    $c$job_title is not 'director of it'$c$,
    $c$job_title = 'Director Of It'$c$,
    $c$job_title <> 'Director Of It'$c$,
    $c$job_title != 'Director Of It'$c$,
    $c$job_title is 'director'$c$,
    $c$job_title contains 'DIRECTOR'$c$,
    $c$job_title not contains 'DIRECTOR'$c$,
    $c$job_title starts with 'director'$c$,
    $c$job_title not starts with 'director'$c$,
    $c$job_title ends with 'OF IT'$c$,
    $c$job_title not ends with 'OF IT'$c$,
    $c$job_title ends with 'security'$c$,
    $c$job_title matches '^director of it$'$c$,
    $c$job_title not matches '^director of it$'$c$,
    $c$job_title matches 'OF (IT|SECURITY)$'$c$,
    $c$job_title matches 'o''brien'$c$,
    $c$job_title in ('it manager', 'HEAD OF IT')$c$,
    $c$job_title not in ('it manager', 'HEAD OF IT')$c$,
    $c$job_title in ('head of')$c$,
    $c$job_title contains 'o''brien''s'$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

-- ANY: the positive form matches when any value does, the negated form when
-- none does.
SELECT n, c AS condition, ids(c) AS ids
FROM unnest(ARRAY[
    $c$job_title is any ('it manager', 'head of it')$c$,
    $c$job_title is not any ('it manager', 'head of it')$c$,
    $c$job_title = any ('it manager', 'head of it')$c$,
    $c$job_title <> any ('it manager', 'head of it')$c$,
    $c$job_title contains any ('security', 'manager')$c$,
    $c$job_title not contains any ('security', 'manager')$c$,
    $c$job_title starts with any ('head', 'it ')$c$,
    $c$job_title not starts with any ('head', 'it ')$c$,
    $c$job_title ends with any ('security', 'manager')$c$,
    $c$job_title not ends with any ('security', 'manager')$c$,
    $c$job_title matches any ('^it', 'assist')$c$,
    $c$job_title not matches any ('^it', 'assist')$c$,
    $c$job_title contains any ('nothing', 'at all')$c$,
    $c$job_title not contains any ('nothing', 'at all')$c$,
    $c$job_title is any ('x')$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

--
-- Empty values: NULL reads as '', and the column value is trimmed, so
-- NULL, '' and '   ' (ids 7, 8, 9) behave alike.
--
SELECT n, c AS condition, ids(c) AS ids
FROM unnest(ARRAY[
    $c$job_title is empty$c$,
    $c$job_title is not empty$c$,
    $c$job_title is ''$c$,
    $c$job_title = ''$c$,
    $c$job_title is not ''$c$,
    $c$job_title in ('', 'it manager')$c$,
    $c$job_title contains ''$c$,
    $c$job_title not contains ''$c$,
    $c$job_title starts with ''$c$,
    $c$job_title ends with ''$c$,
    $c$job_title matches ''$c$,
    $c$job_title matches '^$'$c$,
    $c$job_title not matches '.'$c$,
    $c$job_title not contains 'director'$c$,
    $c$job_title not in ('head of it')$c$,
    $c$job_title is not 'head of it'$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

--
-- Trimming applies to the column value (spaces, tabs, CR/LF, no-break and
-- other Unicode spaces: ids 2, 3, 4, 13), not to the inside of the value and
-- not to the literal: ' of ' is a word between spaces, so 'Office Manager'
-- (10) does not contain it, and a single space is contained only in values
-- with an inner space.
--
SELECT n, c AS condition, ids(c) AS ids
FROM unnest(ARRAY[
    $c$job_title starts with 'd'$c$,
    $c$job_title ends with 't'$c$,
    $c$job_title matches '^(director|head)'$c$,
    $c$job_title matches '(it|security)$'$c$,
    $c$job_title starts with 'head of security'$c$,
    $c$job_title contains 'of'$c$,
    $c$job_title contains ' of '$c$,
    $c$job_title contains ' '$c$,
    $c$job_title not contains ' '$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

-- Each negated form is exactly the NOT of its positive form.
SELECT n, pos, neg,
       ids(pos) AS pos_ids,
       ids(neg) AS neg_ids,
       ids(neg) = ids('not (' || pos || ')') AS neg_is_not_pos
FROM (VALUES
    (1, $c$job_title is 'it manager'$c$,          $c$job_title is not 'it manager'$c$),
    (2, $c$job_title = 'it manager'$c$,           $c$job_title <> 'it manager'$c$),
    (3, $c$job_title contains 'of'$c$,            $c$job_title not contains 'of'$c$),
    (4, $c$job_title starts with 'head'$c$,       $c$job_title not starts with 'head'$c$),
    (5, $c$job_title ends with 'it'$c$,           $c$job_title not ends with 'it'$c$),
    (6, $c$job_title matches 'manager$'$c$,       $c$job_title not matches 'manager$'$c$),
    (7, $c$job_title in ('', 'head of it')$c$,    $c$job_title not in ('', 'head of it')$c$),
    (8, $c$job_title is empty$c$,                 $c$job_title is not empty$c$),
    (9, $c$job_title contains any ('a', 'b')$c$,  $c$job_title not contains any ('a', 'b')$c$),
    (10, $c$dept is any ('it', 'legal')$c$,       $c$dept is not any ('it', 'legal')$c$),
    (11, $c$lvl is 'senior'$c$,                   $c$lvl is not 'senior'$c$),
    (12, $c$login is empty$c$,                    $c$login is not empty$c$)
) AS v(n, pos, neg)
ORDER BY n;

--
-- Other text-like columns: varchar, char(n) (its padding is trimmed), name,
-- and an enum (compared through its text).
--
SELECT n, c AS condition, ids(c) AS ids
FROM unnest(ARRAY[
    $c$dept is 'it'$c$,
    $c$dept = 'IT'$c$,
    $c$dept is empty$c$,
    $c$dept in ('legal', 'admin')$c$,
    $c$dept contains 'sec'$c$,
    $c$code = 'ab'$c$,
    $c$code ends with 'b'$c$,
    $c$code matches '^ab$'$c$,
    $c$code is empty$c$,
    $c$login is 'jdoe'$c$,
    $c$login starts with 'J'$c$,
    $c$login is empty$c$,
    $c$login not contains 'o'$c$,
    $c$lvl is 'SENIOR'$c$,
    $c$lvl = 'lead'$c$,
    $c$lvl in ('junior', 'lead')$c$,
    $c$lvl contains 'ior'$c$,
    $c$lvl matches '^l'$c$,
    $c$lvl is empty$c$,
    $c$lvl is 'unknown'$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

-- Text conditions combine with AND, OR and NOT.
SELECT n, c AS condition, ids(c) AS ids
FROM unnest(ARRAY[
    $c$job_title contains 'director' and dept is 'legal'$c$,
    $c$job_title contains 'director' and not dept is 'legal'$c$,
    $c$job_title is empty or dept is empty$c$,
    $c$(job_title contains 'head' or job_title contains 'manager') and lvl is not 'junior'$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

SELECT bg.drop_template('text');
SET client_min_messages = warning;
DROP SCHEMA regress_cond_text CASCADE;
RESET client_min_messages;
