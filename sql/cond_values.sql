-- Number, date, timestamp and boolean comparisons (docs/design.md §4): numbers
-- compare as numbers, dates and timestamps with ISO literals, booleans alone
-- or with IS [NOT] TRUE/FALSE and =; a NULL value matches no comparison and
-- each negated form is exactly the NOT of its positive form.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_cond_values;
SET search_path = regress_cond_values, public;
SET TimeZone = 'UTC';
\set SHOW_CONTEXT never

CREATE TABLE person (
    id          integer PRIMARY KEY,
    account_id  integer,
    s2          smallint,
    seniority   integer,
    big         bigint,
    amount      numeric(12, 2),
    score       double precision,
    ratio       real,
    hired       date,
    seen        timestamp,
    seen_tz     timestamptz,
    active      boolean
);
INSERT INTO person VALUES
    (1, 1,      1,           1,                    1,       1.50,      1.5,   0.5,
     '2026-01-01', '2026-01-31 00:00:00', '2026-01-31 00:00:00+00', true),
    (2, 1,      2,           2,           3000000000,       2.50,      2.5,  0.25,
     '2026-01-31', '2026-01-31 12:00:00', '2026-01-31 12:00:00+00', false),
    (3, 1,      3,           3,          -3000000000,      -1.00,     -0.5, -0.75,
     '2025-12-31', '2025-12-31 23:59:59', '2025-12-31 23:59:59+00', true),
    (4, 1,     -1,          -1,  9223372036854775807, 1000000.00,     1e10,   1e6,
     '2026-02-01', '2026-02-01 00:00:00', '2026-02-01 00:00:00+00', false),
    (5, 1,  32767,  2147483647, -9223372036854775808,       0.00,        0,     0,
     '2000-02-29', '2000-02-29 06:30:00', '2000-02-29 06:30:00+00', true),
    (6, 1,   NULL,        NULL,                 NULL,       NULL,     NULL,  NULL,
     NULL, NULL, NULL, NULL),
    (7, 1, -32768, -2147483648,                    0,      -0.01, 'Infinity', '-Infinity',
     '2026-01-31', '2026-01-31 00:00:00.5', '2026-01-30 23:00:00-01', NULL);

SELECT bg.bind_people('person');
SELECT bg.create_template('values');
SELECT bg.add_role('values', 'Other', 'true');

-- ids(c): the ids of the people a condition matches ('-' for none), through
-- role Other of template 'values': the shared helpers
\set ids_template values
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

--
-- Integers (smallint, integer, bigint), also against non-integral, negative
-- and out-of-range literals.
--
SELECT n, c AS condition, ids(c) AS ids
FROM unnest(ARRAY[
    $c$seniority = 2$c$,
    $c$seniority <> 2$c$,
    $c$seniority != 2$c$,
    $c$seniority < 2$c$,
    $c$seniority <= 2$c$,
    $c$seniority > 2$c$,
    $c$seniority >= 2$c$,
    $c$seniority between 1 and 3$c$,
    $c$seniority not between 1 and 3$c$,
    $c$seniority between 3 and 1$c$,
    $c$seniority in (1, 3)$c$,
    $c$seniority not in (1, 3)$c$,
    $c$seniority = any (1, 3)$c$,
    $c$seniority <> any (1, 3)$c$,
    $c$seniority = 2.0$c$,
    $c$seniority = 2.5$c$,
    $c$seniority > 2.5$c$,
    $c$seniority >= 2.5$c$,
    $c$seniority < 2.5$c$,
    $c$seniority <= 1.999$c$,
    $c$seniority between 1.5 and 2.5$c$,
    $c$seniority in (2.5, 3)$c$,
    $c$seniority = 2e0$c$,
    $c$seniority > 1e3$c$,
    $c$seniority > -1$c$,
    $c$seniority = -1$c$,
    $c$seniority between -1 and 0$c$,
    $c$seniority = -2147483648$c$,
    $c$seniority >= 2147483647$c$,
    $c$seniority < 99999999999999999999$c$,
    $c$seniority > -99999999999999999999.5$c$,
    $c$seniority = 1e400$c$,
    $c$s2 >= 32767$c$,
    $c$s2 = -32768$c$,
    $c$s2 < -32767.5$c$,
    $c$s2 between -1 and 1.5$c$,
    $c$big > 2147483647$c$,
    $c$big = 9223372036854775807$c$,
    $c$big > 9223372036854775806.5$c$,
    $c$big = -9223372036854775808$c$,
    $c$big < -9223372036854775808$c$,
    $c$big < -9223372036854775807.5$c$,
    $c$big in (0, 1, 3000000000)$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

--
-- numeric, double precision and real.
--
SELECT n, c AS condition, ids(c) AS ids
FROM unnest(ARRAY[
    $c$amount = 1.5$c$,
    $c$amount = 1.50000$c$,
    $c$amount <> 1.5$c$,
    $c$amount > 1000$c$,
    $c$amount between -1 and 2$c$,
    $c$amount < 0$c$,
    $c$amount in (-0.01, 0)$c$,
    $c$amount = -.01$c$,
    $c$amount >= 1e6$c$,
    $c$score = 1.5$c$,
    $c$score > 1e9$c$,
    $c$score > 1e300$c$,
    $c$score < 0$c$,
    $c$score between -1 and 2$c$,
    $c$score not between -1 and 2$c$,
    $c$score = 0$c$,
    $c$score in (2.5, -0.5)$c$,
    $c$ratio = 0.5$c$,
    $c$ratio = .25$c$,
    $c$ratio < 0$c$,
    $c$ratio >= 1000000$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

--
-- Dates and timestamps with ISO literals.
--
SELECT n, c AS condition, ids(c) AS ids
FROM unnest(ARRAY[
    $c$hired = '2026-01-31'$c$,
    $c$hired <> '2026-01-31'$c$,
    $c$hired > '2026-01-01'$c$,
    $c$hired >= '2026-01-01'$c$,
    $c$hired < '2026-01-01'$c$,
    $c$hired <= '2025-12-31'$c$,
    $c$hired between '2026-01-01' and '2026-01-31'$c$,
    $c$hired not between '2026-01-01' and '2026-01-31'$c$,
    $c$hired in ('2000-02-29', '2026-02-01')$c$,
    $c$hired not in ('2000-02-29', '2026-02-01')$c$,
    $c$seen = '2026-01-31'$c$,
    $c$seen > '2026-01-31'$c$,
    $c$seen = '2026-01-31 12:00:00'$c$,
    $c$seen = '2026-01-31T12:00'$c$,
    $c$seen between '2026-01-31' and '2026-01-31 23:59:59'$c$,
    $c$seen < '2026-01-31 00:00:00.5'$c$,
    $c$seen >= '2026-01-31 00:00:00.5'$c$,
    $c$seen_tz = '2026-01-31 00:00:00+00'$c$,
    $c$seen_tz = '2026-01-31 01:00:00+01'$c$,
    $c$seen_tz = '2026-01-31'$c$,
    $c$seen_tz > '2026-01-31T00:00:00Z'$c$,
    $c$seen_tz between '2026-01-01' and '2026-01-31 12:00:00+00'$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

--
-- Booleans: a NULL boolean (6, 7) is neither true nor false.
--
SELECT n, c AS condition, ids(c) AS ids
FROM unnest(ARRAY[
    $c$active$c$,
    $c$not active$c$,
    $c$active is true$c$,
    $c$active is not true$c$,
    $c$active is false$c$,
    $c$active is not false$c$,
    $c$active = true$c$,
    $c$active = false$c$,
    $c$active <> true$c$,
    $c$active <> false$c$,
    $c$active in (true, false)$c$,
    $c$active not in (true, false)$c$,
    $c$active is empty$c$,
    $c$active is not empty$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

-- IS EMPTY on numbers and dates is true for NULL only.
SELECT n, c AS condition, ids(c) AS ids
FROM unnest(ARRAY[
    $c$seniority is empty$c$,
    $c$amount is empty$c$,
    $c$score is not empty$c$,
    $c$hired is empty$c$,
    $c$seen_tz is not empty$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

--
-- NULL (person 6) matches no positive comparison, and every negated form is
-- exactly the NOT of its positive form.
--
SELECT n, pos, neg,
       ids(pos) AS pos_ids,
       ids(neg) AS neg_ids,
       ids(neg) = ids('not (' || pos || ')') AS neg_is_not_pos,
       ids(pos) ~ '(^|,)6(,|$)' AS pos_has_6
FROM (VALUES
    (1,  $c$seniority = 2$c$,                       $c$seniority <> 2$c$),
    (2,  $c$seniority in (1, 2)$c$,                 $c$seniority not in (1, 2)$c$),
    (3,  $c$seniority = any (1, 2)$c$,              $c$seniority <> any (1, 2)$c$),
    (4,  $c$seniority between 0 and 2$c$,           $c$seniority not between 0 and 2$c$),
    (5,  $c$seniority is empty$c$,                  $c$seniority is not empty$c$),
    (6,  $c$amount = 1.5$c$,                        $c$amount <> 1.5$c$),
    (7,  $c$score between 0 and 2$c$,               $c$score not between 0 and 2$c$),
    (8,  $c$hired = '2026-01-31'$c$,                $c$hired <> '2026-01-31'$c$),
    (9,  $c$seen_tz in ('2026-01-31')$c$,           $c$seen_tz not in ('2026-01-31')$c$),
    (10, $c$active is true$c$,                      $c$active is not true$c$),
    (11, $c$active is false$c$,                     $c$active is not false$c$),
    (12, $c$active = false$c$,                      $c$active <> false$c$),
    (13, $c$active$c$,                              $c$not active$c$)
) AS v(n, pos, neg)
ORDER BY n;

-- The ordering operators have no negated form; NOT of them includes NULL.
SELECT ids('seniority < 2') AS lt, ids('seniority >= 2') AS ge,
       ids('not seniority < 2') AS not_lt;

-- Number literals are kept as written in the canonical text.
SELECT bg.check_condition('seniority>2.50 and amount between -1e3 and .5 and s2 in (007, -0)');

SELECT bg.drop_template('values');
SET client_min_messages = warning;
DROP SCHEMA regress_cond_values CASCADE;
RESET client_min_messages;
