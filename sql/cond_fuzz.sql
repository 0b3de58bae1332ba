-- A randomized mutation fuzzer of conditions: every mutated condition must
-- either parse (and then round-trip through its canonical text and evaluate
-- over sample rows) or fail with a proper SQLSTATE — never an internal error,
-- never a lost connection.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;
CREATE SCHEMA regress_fuzz;
SET search_path = regress_fuzz, public;
CREATE TABLE person (id int, account_id int, job_title text, department varchar(40), seniority int,
                     score float8, revenue numeric, hired date, seen timestamptz,
                     active boolean, "Region" text);
INSERT INTO person VALUES
    (1, 1, '  Director of IT ', 'IT', 5, 1.5, 1000000, '2020-01-01', '2024-05-01 10:00+00', true, 'EMEA'),
    (2, 1, 'Straße-Manager', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (3, 2, '', '', 0, -2, -1, '1999-12-31', '1999-12-31 23:59+00', false, ''),
    (4, 2, 'ΣΊΣΥΦΟΣ ingénieur', 'Ventes', 9, 1e300, 1e20, '2030-06-30', 'infinity', true, 'APAC');
SELECT bg.bind_people('person');
SELECT bg.create_template('Fuzz');
SELECT bg.add_role('Fuzz', 'Other');

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

CREATE FUNCTION fuzz(n integer) RETURNS TABLE (outcome text, count bigint)
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
    outcomes text[] := '{}';
BEGIN
    PERFORM setseed(0.4242);
    FOR i IN 1..n LOOP
        SELECT c INTO src FROM seeds ORDER BY random() LIMIT 1;
        m := src;
        FOR j IN 1..(1 + floor(random() * 3))::int LOOP
            pos := 1 + floor(random() * greatest(length(m), 1))::int;
            k := floor(random() * 5)::int;
            IF k = 0 THEN          -- delete a run of characters
                m := overlay(m placing '' from pos for 1 + floor(random() * 4)::int);
            ELSIF k = 1 THEN       -- insert an interesting piece
                m := overlay(m placing pieces[1 + floor(random() * array_length(pieces, 1))::int]
                             from pos for 0);
            ELSIF k = 2 THEN       -- truncate
                m := left(m, pos);
            ELSIF k = 3 THEN       -- duplicate a slice
                m := overlay(m placing substr(m, pos, 1 + floor(random() * 12)::int) from pos for 0);
            ELSE                   -- replace a character
                m := overlay(m placing pieces[1 + floor(random() * array_length(pieces, 1))::int]
                             from pos for 1);
            END IF;
        END LOOP;
        BEGIN
            canon := bg.check_condition(m);
            IF bg.check_condition(canon) IS DISTINCT FROM canon THEN
                outcomes := outcomes || 'canonical text does not round-trip: '::text || m;
                CONTINUE;
            END IF;
            PERFORM bg.set_condition('Fuzz', 'Other', m);
            PERFORM count(bg.role_for('Fuzz', p)) FROM person p;
            PERFORM bg.completeness('Fuzz', p) FROM person p;
            outcomes := outcomes || 'parsed and evaluated'::text;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
            IF st LIKE 'XX%' OR st = '' OR st IS NULL THEN
                outcomes := outcomes || ('internal error ' || coalesce(st, '?') || ': ' || m);
            ELSE
                outcomes := outcomes || ('error class ' || left(st, 2))::text;
            END IF;
        END;
    END LOOP;
    RETURN QUERY SELECT o, count(*) FROM unnest(outcomes) o GROUP BY o ORDER BY o;
END $fn$;

-- Expected: only "parsed and evaluated" and error classes 22 (data), 2B/42
-- (syntax, names, types) and 54 (too deep) — no internal error, no round-trip failure.
SELECT outcome, count > 0 AS seen FROM fuzz(3000);
SELECT sum(count) AS mutations FROM fuzz(3000);

DROP SCHEMA regress_fuzz CASCADE;
