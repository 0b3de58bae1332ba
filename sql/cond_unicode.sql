-- Full Unicode case folding in text comparisons (docs/design.md §4): French,
-- German, Cyrillic, Greek, ligatures and characters outside the BMP; and
-- MATCHES, which is case-insensitive like ~* on non-ASCII text too.
-- Needs a UTF-8 database.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_cond_unicode;
SET search_path = regress_cond_unicode, public;
\set SHOW_CONTEXT never

SELECT getdatabaseencoding() AS encoding;

CREATE TABLE person (
    id          integer PRIMARY KEY,
    account_id  integer,
    job_title   text
);
INSERT INTO person VALUES
    ( 1, 1, 'Directeur de la Sécurité'),
    ( 2, 1, 'DIRECTEUR DE LA SÉCURITÉ'),
    ( 3, 1, 'directeur de la securite'),        -- no accents
    ( 4, 1, 'Responsable Œuvres sociales'),
    ( 5, 1, 'RESPONSABLE ŒUVRES'),
    ( 6, 1, 'responsable œuvres'),
    ( 7, 1, 'Straßenbau'),
    ( 8, 1, 'STRASSENBAU'),
    ( 9, 1, 'strassenbau'),
    (10, 1, 'Leiter Informationssicherheit'),
    (11, 1, 'LEITER INFORMATIONSSICHERHEIT'),
    (12, 1, 'STRAẞENBAU'),                       -- capital sharp s U+1E9E
    (13, 1, 'ДИРЕКТОР ПО ИТ'),
    (14, 1, 'Директор по ИТ'),
    (15, 1, 'директор по безопасности'),
    (16, 1, 'ΟΔΥΣΣΕΥΣ'),
    (17, 1, 'Οδυσσευς'),                          -- final sigma
    (18, 1, 'οδυσσευσ'),                          -- medial sigma at the end
    (19, 1, 'Οδυσσεύς'),                          -- with an accent
    (20, 1, 'ﬁnance'),                            -- ligature fi U+FB01
    (21, 1, 'FINANCE'),
    (22, 1, U&'\+010400\+010401'),                -- Deseret capitals (outside the BMP)
    (23, 1, 'Head of IT');

SELECT bg.bind_people('person');
SELECT bg.create_template('unicode');
SELECT bg.add_role('unicode', 'Other', 'true');

-- ids(c): the ids of the people a condition matches ('-' for none), through
-- role Other of template 'unicode': the shared helpers
\set ids_template unicode
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

-- Case folds; accents, ligatures and letters do not disappear (é is not e,
-- œ is not oe), but ß is ss and every sigma is σ.
SELECT n, c AS condition, ids(c) AS ids
FROM unnest(ARRAY[
    -- French
    $c$job_title contains 'sécurité'$c$,
    $c$job_title contains 'SÉCURITÉ'$c$,
    $c$job_title ends with 'Sécurité'$c$,
    $c$job_title contains 'securite'$c$,
    $c$job_title contains 'œuvres'$c$,
    $c$job_title starts with 'RESPONSABLE ŒUVRES'$c$,
    $c$job_title contains 'oeuvres'$c$,
    -- German
    $c$job_title contains 'STRASSE'$c$,
    $c$job_title contains 'straße'$c$,
    $c$job_title is 'Straßenbau'$c$,
    $c$job_title starts with 'STRAẞE'$c$,
    $c$job_title is 'strassenbau'$c$,
    $c$job_title contains 'INFORMATIONSSICHERHEIT'$c$,
    $c$job_title ends with 'ẞICHERHEIT'$c$,
    -- Cyrillic
    $c$job_title starts with 'директор'$c$,
    $c$job_title is 'директор по ит'$c$,
    $c$job_title ends with 'ПО ИТ'$c$,
    $c$job_title contains 'БЕЗОПАСНОСТИ'$c$,
    $c$job_title in ('ДИРЕКТОР ПО ИТ', 'Strassenbau')$c$,
    -- Greek: Σ, σ and final ς fold alike; ύ stays accented
    $c$job_title is 'οδυσσευς'$c$,
    $c$job_title is 'ΟΔΥΣΣΕΥΣ'$c$,
    $c$job_title is 'Οδυσσευσ'$c$,
    $c$job_title ends with 'ς'$c$,
    $c$job_title contains 'ΕΎ'$c$,
    -- a ligature folds to its letters
    $c$job_title is 'finance'$c$,
    $c$job_title is 'ﬁnance'$c$,
    $c$job_title starts with 'FI'$c$,
    -- outside the BMP: U+10400 folds to U+10428
    U&'job_title is ''\+010428\+010429''',
    U&'job_title starts with ''\+010400''',
    -- ASCII still works, and non-ASCII literals do not match ASCII values
    $c$job_title is 'HEAD OF IT'$c$,
    $c$job_title contains 'ї'$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

-- Negated forms are the complements, also with folding.
SELECT n, c AS condition, ids(c) AS ids
FROM unnest(ARRAY[
    $c$job_title not contains 'SÉCURITÉ' and job_title not contains 'ß' and id < 13$c$,
    $c$job_title is not any ('ΟΔΥΣΣΕΥΣ', 'директор по ит') and id between 13 and 19$c$
]) WITH ORDINALITY AS u(c, n)
ORDER BY n;

-- MATCHES is case-insensitive on non-ASCII letters, exactly like ~*
-- (which compares letter by letter: it does not fold ß to ss).
SELECT n, pattern,
       ids('job_title matches ' || quote_literal(pattern)) AS ids,
       (SELECT coalesce(string_agg(p.id::text, ',' ORDER BY p.id), '-')
          FROM person p WHERE p.job_title ~* pattern) AS like_tilde_star
FROM unnest(ARRAY[
    'sécurité$',
    'SÉCURITÉ$',
    '^œuvres|ŒUVRES$',
    '^директор',
    'ДИРЕКТОР ПО ИТ',
    'по (ит|безопасности)$',
    '^ΟΔΥΣΣΕΥΣ$',
    '^οδυσσευ',
    'straße',
    'STRASSE',
    U&'^\+010428'
]) WITH ORDINALITY AS u(pattern, n)
ORDER BY n;

-- The canonical text keeps literals as written (folding is for comparing).
SELECT bg.check_condition($c$JOB_TITLE IS 'STRAẞE' OR job_title contains 'Œ'$c$);

SELECT bg.drop_template('unicode');
SET client_min_messages = warning;
DROP SCHEMA regress_cond_unicode CASCADE;
RESET client_min_messages;
