\set ECHO none
-- The condition fuzzer, shared by sql/cond_fuzz.sql (a slice in the suite)
-- and scripts/fuzz.sh (a million inputs, README "Contributing").  Load it
-- once bg is created, a people table is bound to nothing yet and the
-- search_path starts with the schema to hold it; it creates the table person
-- (bound as the people), the draft template Fuzz, the seeds and
--
--   fuzz(n, seed): n mutated conditions from the random stream of seed, each
--   checked, round-tripped through its canonical text, saved in Fuzz and
--   evaluated over person; returns how many ended in each outcome:
--   'parsed and evaluated', 'error class NN' (by SQLSTATE class), or, for a
--   bug, 'internal error XXnnn: <condition>' or 'canonical text does not
--   round-trip: <condition>'.
--
-- Mutations: delete, insert a piece, truncate, duplicate a slice, replace a
-- character, and (about 1 in 100) wrap in up to 129 NOTs or parentheses, past
-- the nesting limit.
CREATE TABLE person (id int, account_id int, job_title text, department varchar(40), seniority int,
                     score float8, revenue numeric, hired date, seen timestamptz,
                     active boolean, "Region" text);
INSERT INTO person VALUES
    (1, 1, '  Director of IT ', 'IT', 5, 1.5, 1000000, '2020-01-01', '2024-05-01 10:00+00', true, 'EMEA'),
    (2, 1, 'Straße-Manager', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (3, 2, '', '', 0, -2, -1, '1999-12-31', '1999-12-31 23:59+00', false, ''),
    (4, 2, 'ΣΊΣΥΦΟΣ ingénieur', 'Ventes', 9, 1e300, 1e20, '2030-06-30', 'infinity', true, 'APAC');
SELECT bg.bind_people('person') \g /dev/null
SELECT bg.create_template('Fuzz') \g /dev/null
SELECT bg.add_role('Fuzz', 'Other') \g /dev/null

CREATE TABLE seeds (c text);
INSERT INTO seeds VALUES
    ($$job_title starts with any ('Director', 'VP') or seniority >= 3$$),
    ($$job_title contains 'CISO' or (department is 'Legal' and seniority >= 3)$$),
    ($$not active and "Region" in ('US', 'CA')$$),
    ($$job_title is not empty and job_title not contains 'assistant'$$),
    ($$revenue between 1000000 and 50000000$$),
    ($$hired >= '2024-01-01' and seen < '2025-01-01 00:00:00+00'$$),
    ($$job_title matches '^(dir|vp)[a-z ]*$' or score <> 1.5$$),
    ($$job_title ends with any ('manager', 'ingénieur') and not (department = 'it' or active is not true)$$),
    ($$seniority not between -1 and 2.5 or revenue not in (1, 2.0, -3e2)$$),
    ($$true and (false or active) and job_title <> 'x'$$);

CREATE FUNCTION fuzz(n integer, seed float8 DEFAULT 0.4242) RETURNS TABLE (outcome text, count bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
    pieces text[] := ARRAY[' ', '(', ')', '''', '"', ',', '=', '<', '>', '!', 'and ', 'or ',
                           'not ', 'any ', 'in ', 'is ', 'between ', 'contains ', 'matches ',
                           'empty', 'true', 'false', '1e999', '-', '.', '9', 'é', 'ß', E'\t',
                           '((((', '))))', '\', '[', '*', '$', 'job_title', 'seniority', 'hired'];
    src text;
    m text;
    canon text;
    k integer;
    pos integer;
    st text;
    keys text[] := '{}';
    counts bigint[] := '{}';
    o text;
    at integer;
BEGIN
    PERFORM setseed(seed);
    FOR i IN 1..n LOOP
        SELECT c INTO src FROM seeds ORDER BY random() LIMIT 1;
        m := src;
        FOR j IN 1..(1 + floor(random() * 3))::int LOOP
            pos := 1 + floor(random() * greatest(length(m), 1))::int;
            k := floor(random() * 5.05)::int;
            IF k = 0 THEN          -- delete a run of characters
                m := overlay(m placing '' from pos for 1 + floor(random() * 4)::int);
            ELSIF k = 1 THEN       -- insert an interesting piece
                m := overlay(m placing pieces[1 + floor(random() * array_length(pieces, 1))::int]
                             from pos for 0);
            ELSIF k = 2 THEN       -- truncate
                m := left(m, pos);
            ELSIF k = 3 THEN       -- duplicate a slice
                m := overlay(m placing substr(m, pos, 1 + floor(random() * 12)::int) from pos for 0);
            ELSIF k = 4 THEN       -- replace a character
                m := overlay(m placing pieces[1 + floor(random() * array_length(pieces, 1))::int]
                             from pos for 1);
            ELSE                   -- nest deeply (about 1 in 100): the nesting limit
                k := floor(random() * 130)::int;
                m := CASE WHEN random() < 0.5 THEN repeat('not ', k) || m
                          ELSE repeat('(', k) || m || repeat(')', k) END;
            END IF;
        END LOOP;
        BEGIN
            canon := bg.check_condition(m);
            IF bg.check_condition(canon) IS DISTINCT FROM canon THEN
                o := 'canonical text does not round-trip: ' || m;
            ELSE
                PERFORM bg.set_condition('Fuzz', 'Other', m);
                PERFORM count(bg.role_for('Fuzz', p)) FROM person p;
                PERFORM bg.completeness('Fuzz', p) FROM person p;
                o := 'parsed and evaluated';
            END IF;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
            IF st LIKE 'XX%' OR st = '' OR st IS NULL THEN
                o := 'internal error ' || coalesce(st, '?') || ': ' || m;
            ELSE
                o := 'error class ' || left(st, 2);
            END IF;
        END;
        at := array_position(keys, o);
        IF at IS NULL THEN
            keys := keys || o;
            counts := counts || 1::bigint;
        ELSE
            counts[at] := counts[at] + 1;
        END IF;
    END LOOP;
    RETURN QUERY SELECT u.o, u.c FROM unnest(keys, counts) u(o, c) ORDER BY u.o;
END $fn$;

\set ECHO all
