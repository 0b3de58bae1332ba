-- The flat evaluation of a template's roles (src/eval_flat.c) and the
-- bit-parallel matcher of CONTAINS patterns (src/shift_and.c) give the
-- answers of the tree walk and of plain SQL:
--  * random conditions over text, integer, float, numeric, date and boolean columns
--    (every text operator, negations, and/or/not, integer ranges at the ends
--    of bigint, regular expressions, emptiness), with bg.flat_roles on and
--    off, through bg.matches and through bg.role_for over templates of
--    several roles; templates past the flat form's limits (more than 10
--    predicates in a role, more than 64 in a template) too;
--  * CONTAINS pattern sets of one to four words and past them (the
--    automaton), at the words' edges (patterns of 64 and 65 bytes), against
--    strpos over generated titles.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;
CREATE SCHEMA regress_eval_flat;
SET search_path = regress_eval_flat, public;

SHOW bg.flat_roles;

CREATE TABLE person (
    id          integer PRIMARY KEY,
    job_title   text,
    department  varchar(40),
    seniority   integer,
    big         bigint,
    small       smallint,
    is_manager  boolean,
    ratio       float8,
    hired       date,
    score       numeric
);
SELECT setseed(0.2511);
INSERT INTO person
SELECT g,
       CASE WHEN random() < 0.04 THEN NULL
            WHEN random() < 0.04 THEN (ARRAY['', '  ', E'\t'])[1 + floor(random() * 3)::int]
            ELSE (ARRAY['', ' ', '  '])[1 + floor(random() * 3)::int]
              || (ARRAY['Senior ', 'VP ', 'Head of ', 'Chief ', 'Directeur ', 'Директор ', '', 'sr. '])[1 + floor(random() * 8)::int]
              || (ARRAY['Security', 'IT', 'SECURITY ENGINEER', 'Engineer', 'Sécurité', 'Finance Lead',
                        'Straße', 'security analyst', 'Архитектор', 'ops'])[1 + floor(random() * 10)::int]
              || (ARRAY['', ' ', E'\n'])[1 + floor(random() * 3)::int]
       END,
       (ARRAY['IT', ' it ', 'Security', 'Finance', '', NULL, 'Légal'])[1 + floor(random() * 7)::int],
       CASE WHEN random() < 0.1 THEN NULL ELSE floor(random() * 12)::int - 1 END,
       (ARRAY[NULL, -9223372036854775808, 9223372036854775807, 0, -1, 1, 42, 4000000000])[1 + floor(random() * 8)::int],
       CASE WHEN random() < 0.1 THEN NULL ELSE floor(random() * 200)::int - 100 END,
       CASE WHEN random() < 0.2 THEN NULL ELSE random() < 0.5 END,
       CASE WHEN random() < 0.1 THEN NULL ELSE round(random()::numeric, 2)::float8 END,
       CASE WHEN random() < 0.1 THEN NULL ELSE date '2019-01-01' + floor(random() * 2000)::int END,
       CASE WHEN random() < 0.1 THEN NULL ELSE round((random() * 5)::numeric, 1) END
  FROM generate_series(1, 3000) g;

-- A random test of one column (the pools hold what the operators meet).
CREATE FUNCTION lit(pool text[]) RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT quote_literal(pool[1 + floor(random() * cardinality(pool))::int])
$$;
CREATE FUNCTION lits(pool text[]) RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT string_agg(lit(pool), ', ') FROM generate_series(1, 1 + floor(random() * 4)::int)
$$;
CREATE FUNCTION num(lo bigint, hi bigint) RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT (lo + floor(random() * (hi - lo + 1)))::bigint::text
$$;
CREATE FUNCTION random_test() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    words text[] := ARRAY['security', 'sec', 'vp', 'head of', 'chief', 'engineer', 'it', 'ops',
                          'directeur', 'директор', 'sécurité', 'strasse', 'analyst', 'lead', 'sr.', '',
                          'security engineer', 'e', 'architect'];
    depts text[] := ARRAY['it', 'IT', 'security', 'finance', 'légal', 'LÉGAL', ''];
    bigs text[] := ARRAY['-9223372036854775808', '9223372036854775807', '0', '-1', '42', '4000000000'];
    k int := floor(random() * 26)::int;
    neg text := CASE WHEN random() < 0.3 THEN 'not ' ELSE '' END;
BEGIN
    RETURN CASE k
        WHEN 0 THEN format('job_title %scontains any (%s)', neg, lits(words))
        WHEN 1 THEN format('job_title %sstarts with any (%s)', neg, lits(words))
        WHEN 2 THEN format('job_title %sends with any (%s)', neg, lits(words))
        WHEN 3 THEN format('job_title %sin (%s)', neg, lits(words))
        WHEN 4 THEN format('job_title is %s%s', neg, lit(words))
        WHEN 5 THEN format('department %sin (%s)', neg, lits(depts))
        WHEN 6 THEN format('department %scontains %s', neg, lit(depts))
        WHEN 7 THEN format('job_title is %sempty', neg)
        WHEN 8 THEN format('job_title %smatches %s', neg, lit(ARRAY['^s', 'er$', 'a.c', 'ß']))
        WHEN 9 THEN format('seniority %s %s', (ARRAY['<', '<=', '>', '>=', '=', '<>'])[1 + floor(random() * 6)::int], num(-2, 12))
        WHEN 10 THEN format('seniority %sbetween %s and %s', neg, num(-2, 12), num(-2, 12))
        WHEN 11 THEN format('seniority %sin (%s)', neg, (SELECT string_agg(num(-1, 11), ', ') FROM generate_series(1, 1 + floor(random() * 3)::int)))
        WHEN 12 THEN format('big %s %s', (ARRAY['<', '<=', '>', '>=', '=', '<>'])[1 + floor(random() * 6)::int], bigs[1 + floor(random() * 6)::int])
        WHEN 13 THEN format('big %sbetween %s and %s', neg, bigs[1 + floor(random() * 6)::int], bigs[1 + floor(random() * 6)::int])
        WHEN 14 THEN format('small %s %s', (ARRAY['<', '<=', '>', '>=', '=', '<>'])[1 + floor(random() * 6)::int], num(-120, 120))
        WHEN 15 THEN format('seniority %s %s', (ARRAY['<', '>'])[1 + floor(random() * 2)::int], (ARRAY['2.5', '1e1', '-0.5'])[1 + floor(random() * 3)::int])
        WHEN 16 THEN format('%sis_manager', neg)
        WHEN 17 THEN format('is_manager is %s%s', neg, (ARRAY['true', 'false'])[1 + floor(random() * 2)::int])
        WHEN 18 THEN format('ratio %s %s', (ARRAY['<', '>=', '='])[1 + floor(random() * 3)::int], (ARRAY['0.5', '0.25', '1'])[1 + floor(random() * 3)::int])
        WHEN 19 THEN format('seniority is %sempty', neg)
        WHEN 20 THEN (ARRAY['true', 'false'])[1 + floor(random() * 2)::int]
        WHEN 21 THEN format('job_title %scontains any (%s)', neg, lits(words || ARRAY['security engineering operations', 'a']))
        WHEN 22 THEN format('hired %s %L', (ARRAY['<', '>=', '=', '<>'])[1 + floor(random() * 4)::int],
                            to_char(date '2019-01-01' + floor(random() * 2000)::int, 'YYYY-MM-DD'))
        WHEN 23 THEN format('score %sbetween %s and %s', neg, round((random() * 5)::numeric, 1), round((random() * 5)::numeric, 1))
        ELSE format('job_title %s %s', (ARRAY['=', '<>'])[1 + floor(random() * 2)::int], lit(words))
    END;
END $$;
-- A random condition: tests joined by and/or/not, nested up to depth levels.
CREATE FUNCTION random_condition(depth int) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n int := 1 + floor(random() * 3)::int;
    parts text[] := '{}';
BEGIN
    IF depth = 0 OR random() < 0.3 THEN
        RETURN random_test();
    END IF;
    FOR i IN 1 .. n LOOP
        parts := parts || CASE WHEN random() < 0.2 THEN 'not (' || random_condition(depth - 1) || ')'
                               ELSE '(' || random_condition(depth - 1) || ')' END;
    END LOOP;
    RETURN array_to_string(parts, CASE WHEN random() < 0.5 THEN ' and ' ELSE ' or ' END);
END $$;

-- Each condition's answers over every person, as a bit string, with the
-- flat form on and off.
CREATE FUNCTION answers(cond text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT string_agg(CASE WHEN bg.matches(cond, p) THEN '1' ELSE '0' END, '' ORDER BY p.id) FROM person p
$$;
CREATE TEMP TABLE conds AS SELECT g AS id, random_condition(3) AS cond FROM generate_series(1, 400) g;
SELECT count(*) AS conditions, count(*) FILTER (WHERE cond ~ ' and | or ') > 200 AS many_compound,
       count(DISTINCT cond) > 250 AS mostly_distinct
  FROM conds;
SET bg.flat_roles = on;
CREATE TEMP TABLE flat_answers AS SELECT id, answers(cond) AS a FROM conds;
SET bg.flat_roles = off;
CREATE TEMP TABLE tree_answers AS SELECT id, answers(cond) AS a FROM conds;
RESET bg.flat_roles;
-- the conditions are not trivial: many hold for some people and not for others
SELECT count(*) FILTER (WHERE a ~ '0' AND a ~ '1') > 200 AS mixed FROM flat_answers;
SELECT count(*) AS differences FROM flat_answers f JOIN tree_answers t USING (id) WHERE f.a <> t.a;
SELECT c.cond FROM flat_answers f JOIN tree_answers t USING (id) JOIN conds c USING (id) WHERE f.a <> t.a LIMIT 5;

-- Templates of five roles of random conditions: the first role that holds.
DO $$
BEGIN
    FOR t IN 1 .. 30 LOOP
        PERFORM bg.create_template('R' || t);
        FOR r IN 1 .. 5 LOOP
            PERFORM bg.add_role('R' || t,
                (ARRAY['Executive Steering Committee', 'Decision Maker', 'Champion', 'Influencer', 'Practitioner'])[r],
                random_condition(2));
        END LOOP;
    END LOOP;
END $$;
-- past the limits: a role of 11 predicates, and 70 predicates in a template
SELECT bg.create_template('Wide role');
SELECT bg.add_role('Wide role', 'Decision Maker',
    (SELECT string_agg(format('job_title contains %L', w), ' or ')
       FROM unnest(ARRAY['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']) w) || ' or seniority > 5');
SELECT bg.add_role('Wide role', 'Champion', 'job_title contains ''sec''');
-- (7 roles of 10 predicates)
SELECT bg.create_role('Extra');
SELECT bg.create_template('Many predicates');
SELECT bg.add_role('Many predicates',
       (ARRAY['Executive Steering Committee', 'Decision Maker', 'Champion', 'Influencer', 'Practitioner',
              'Other', 'Extra'])[r],
       (SELECT string_agg(format('seniority <> %s', r * 9 + k), ' and ') FROM generate_series(1, 9) k)
         || format(' and job_title contains %L', (ARRAY['s', 'e', 'i', 'c', 'a', 'o', 'r'])[r]))
  FROM generate_series(1, 7) r;
SELECT name, role_count FROM bg.templates WHERE name IN ('Wide role', 'Many predicates') ORDER BY 1;

CREATE FUNCTION roles_of(tmpl text) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT array_agg(coalesce(bg.role_for(tmpl, p), '-') ORDER BY p.id) FROM person p
$$;
CREATE TEMP TABLE tmpls AS
SELECT name FROM bg.templates WHERE name ~ '^R[0-9]+$' OR name IN ('Wide role', 'Many predicates');
SET bg.flat_roles = on;
CREATE TEMP TABLE flat_roles AS SELECT name, roles_of(name) AS r FROM tmpls;
SET bg.flat_roles = off;
CREATE TEMP TABLE tree_roles AS SELECT name, roles_of(name) AS r FROM tmpls;
RESET bg.flat_roles;
-- (how many of them assign three roles or more, or none)
SELECT count(*) AS templates,
       count(*) FILTER (WHERE (SELECT count(DISTINCT x) FROM unnest(r) x) >= 3) AS varied
  FROM flat_roles;
SELECT count(*) AS differences FROM flat_roles f JOIN tree_roles t USING (name) WHERE f.r <> t.r;
-- and explain_role (which walks the trees) assigns the same role
SELECT count(*) AS explain_differences
  FROM tmpls t CROSS JOIN person p
 WHERE bg.role_for(t.name, p) IS DISTINCT FROM
       (SELECT e.role FROM bg.explain_role(t.name, p) e WHERE e.assigned);

-- CONTAINS pattern sets against strpos, over titles of the letters a, b, c
-- (any case, padded), so that long patterns occur too.
CREATE TABLE abc (id integer PRIMARY KEY, job_title text);
INSERT INTO abc
SELECT g, CASE WHEN g % 50 = 0 THEN NULL ELSE
       (ARRAY['', ' '])[1 + g % 2]
       || (SELECT string_agg(CASE WHEN random() < 0.2 THEN upper(ch) ELSE ch END, '')
             FROM (SELECT (ARRAY['a', 'b', 'c'])[1 + floor(random() * 3)::int] AS ch
                     FROM generate_series(1, floor(random() * 90)::int + (g * 0)) ) s)
       || (ARRAY['', '  '])[1 + g % 3 / 2] END
  FROM generate_series(1, 2000) g;
-- and titles holding the long patterns, or nearly
INSERT INTO abc VALUES
  (2001, repeat('ab', 32)), (2002, 'c' || repeat('AB', 32) || 'c'), (2003, repeat('ab', 32) || 'a'),
  (2004, '  cc' || repeat('aB', 32) || 'A '), (2005, repeat('ab', 31) || 'a'), (2006, 'b' || repeat('ab', 31) || 'aab');
-- pattern sets: bytes of each set's patterns (plus one between patterns),
-- so the words a Shift-And scan needs (64 bits each, at most 4; past them
-- the automaton)
CREATE TEMP TABLE pattern_sets (name text, pats text[]);
INSERT INTO pattern_sets VALUES
  ('one word', ARRAY['ab', 'cab', 'bbb']),
  ('a 64-byte pattern', ARRAY[repeat('ab', 32), 'ca']),
  ('a 65-byte pattern', ARRAY[repeat('ab', 32) || 'a', 'ca']),
  ('an empty pattern', ARRAY['', 'ccc']),
  ('a repeated pattern', ARRAY['abc', 'abc', 'ba']);
-- sets of n patterns of length 6: 7n - 1 bits, so 9, 10, 18, 19, 27, 28,
-- 36 and 37 patterns lie on each side of a word's edge
INSERT INTO pattern_sets
SELECT n || ' patterns of 6 bytes',
       (SELECT array_agg(translate(substr(md5(n::text || k::text), 1, 6), '0123456789def', 'abcabcabcabca')
                         ORDER BY k)
          FROM generate_series(1, n) k)
  FROM unnest(ARRAY[9, 10, 18, 19, 27, 28, 36, 37, 60]) n;
SELECT name, cardinality(pats) AS patterns,
       (SELECT sum(length(x) + 1) - 1 FROM unnest(pats) x WHERE x <> '') AS bits
  FROM pattern_sets ORDER BY bits;
CREATE FUNCTION contains_sql(title text, pats text[]) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT EXISTS (SELECT 1 FROM unnest(pats) x
                    WHERE strpos(lower(btrim(coalesce(title, ''))), x) > 0)
$$;
CREATE FUNCTION ends_sql(title text, pats text[]) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT EXISTS (SELECT 1 FROM unnest(pats) x
                    WHERE right(lower(btrim(coalesce(title, ''))), length(x)) = x)
$$;
CREATE FUNCTION any_list(pats text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(quote_literal(x), ', ') FROM unnest(pats) x
$$;
-- each set as CONTAINS patterns; as SUFFIX patterns alone (their trie); as
-- SUFFIX patterns beside a CONTAINS pattern ('zz', in no title: the same
-- scan then matches both kinds when they fit); and both kinds at once (the
-- set's first pattern as CONTAINS, the others as SUFFIX)
CREATE TEMP TABLE pattern_tests AS
SELECT s.name, t.test, t.cond, t.expected
  FROM pattern_sets s
 CROSS JOIN LATERAL (VALUES
    ('contains', format('job_title contains any (%s)', any_list(s.pats)),
     format('contains_sql(job_title, %L)', s.pats)),
    ('ends with', format('job_title ends with any (%s)', any_list(s.pats)),
     format('ends_sql(job_title, %L)', s.pats)),
    ('ends with, in one scan', format('job_title not contains ''zz'' and job_title ends with any (%s)', any_list(s.pats)),
     format('ends_sql(job_title, %L)', s.pats)),
    ('both', format('job_title contains any (%s) or job_title ends with any (%s)',
                    any_list(s.pats[1:1]), any_list(s.pats[2:])),
     format('contains_sql(job_title, %L) or ends_sql(job_title, %L)', s.pats[1:1], s.pats[2:]))
 ) AS t(test, cond, expected);
SELECT count(*) FROM abc WHERE lower(job_title) LIKE '%zz%';
CREATE FUNCTION pattern_differences(cond text, expected text, OUT differences bigint, OUT matches bigint)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SELECT count(*) FILTER (WHERE bg.matches($1, a) IS DISTINCT FROM (%s)),
                           count(*) FILTER (WHERE %s) FROM abc a', expected, expected)
       INTO differences, matches USING cond;
END $$;
SELECT t.name, t.test, d.differences, d.matches > 0 AS some_match
  FROM pattern_tests t CROSS JOIN LATERAL pattern_differences(t.cond, t.expected) d
 ORDER BY t.name, t.test;

DROP SCHEMA regress_eval_flat CASCADE;
