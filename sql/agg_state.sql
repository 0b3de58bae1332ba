-- bg.role_tally, the state of the scoring aggregates (docs/design.md §5 on parallel
-- query and Citus): a concrete type whose text form round-trips, strict input
-- checking, the combine function called directly, partial states combined
-- after a trip through text, and a state whose size does not grow with the
-- number of rows.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_agg_state;
SET search_path = regress_agg_state, public;

-- try(query): the shared helpers
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql
-- a text read as bg.role_tally and written back, or the error
CREATE FUNCTION tally(input text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN input::bg.role_tally::text;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- ---------------------------------------------------------------------------
-- Text form round trip
-- ---------------------------------------------------------------------------
SELECT '{"template": "T", "counts": [1, 2]}'::bg.role_tally::text;
SELECT '{"template": "T", "counts": [1, 2]}'::bg.role_tally::text::bg.role_tally::text;

-- other spellings of the same value come out in the one canonical form,
-- which reads back unchanged
SELECT input, tally(input) AS canonical, tally(tally(input)) = tally(input) AS round_trip
FROM (VALUES
    ('{"template": "T", "counts": [1, 2]}'),
    ('{"counts":[1,2],"template":"T"}'),
    ('  { "template" : "T" , "counts" : [ 1 , 2 ] }  '),
    ('{"template": "T", "counts": [1e2, 0]}'),
    ('{"template": "T", "counts": [-0, 0]}'),
    ('{"template": "T", "counts": []}'),
    ('{"template": "", "counts": [0]}'),
    ('{"template": "Sales \"EMEA\" \\ 2026", "counts": [3, 0, 1]}'),
    ('{"template": "Caf\u00e9 \/ Bar", "counts": [7]}'),
    ('{"template": "Straße", "counts": [0, 0, 0, 0, 0, 0]}'),
    ('{"template": "T", "counts": [999999999999999999]}')
) v(input)
ORDER BY input;

-- ---------------------------------------------------------------------------
-- Invalid input: 22P02
-- ---------------------------------------------------------------------------
-- not JSON, not an object
SELECT tally('hello');
SELECT tally('');
SELECT tally('[1, 2]');
SELECT tally('"T"');
SELECT tally('42');
SELECT tally('null');
-- missing keys, keys of the wrong type
SELECT tally('{}');
SELECT tally('{"template": "T"}');
SELECT tally('{"counts": [1, 2]}');
SELECT tally('{"name": "T", "counts": [1, 2]}');
SELECT tally('{"template": 1, "counts": [1]}');
SELECT tally('{"template": null, "counts": [1]}');
SELECT tally('{"template": ["T"], "counts": [1]}');
SELECT tally('{"template": "T", "counts": 1}');
SELECT tally('{"template": "T", "counts": {"Decision Maker": 1}}');
SELECT tally('{"template": "T", "counts": null}');
-- extra keys
SELECT tally('{"template": "T", "counts": [1], "version": 1}');
-- counts that are not whole numbers from 0 to 999999999999999999
SELECT tally('{"template": "T", "counts": [1, -1]}');
SELECT tally('{"template": "T", "counts": [1.5]}');
SELECT tally('{"template": "T", "counts": [0.1]}');
SELECT tally('{"template": "T", "counts": [1e-3]}');
SELECT tally('{"template": "T", "counts": [1000000000000000000]}');
SELECT tally('{"template": "T", "counts": [9223372036854775808]}');
SELECT tally('{"template": "T", "counts": [1e30]}');
SELECT tally('{"template": "T", "counts": ["1"]}');
SELECT tally('{"template": "T", "counts": [true]}');
SELECT tally('{"template": "T", "counts": [null]}');
SELECT tally('{"template": "T", "counts": [[1]]}');
SELECT tally('{"template": "T", "counts": [{"n": 1}]}');
-- more counts than any template can have roles
SELECT left(tally(format('{"template": "T", "counts": [%s]}', repeat('0, ', 1000) || '0')), 60);
SELECT length(tally(format('{"template": "T", "counts": [%s]}', repeat('0, ', 999) || '0'))) AS length_1000;

-- every failure above is 22P02 (not JSON: jsonb's own 22P02)
SELECT count(*) AS inputs, count(*) FILTER (WHERE tally(input) LIKE '22P02: %') AS rejected_22p02
FROM (VALUES ('hello'), (''), ('[1, 2]'), ('"T"'), ('42'), ('null'), ('{}'),
             ('{"template": "T"}'), ('{"counts": [1, 2]}'), ('{"template": 1, "counts": [1]}'),
             ('{"template": "T", "counts": 1}'), ('{"template": "T", "counts": [1], "version": 1}'),
             ('{"template": "T", "counts": [1, -1]}'), ('{"template": "T", "counts": [1.5]}'),
             ('{"template": "T", "counts": [1000000000000000000]}'),
             ('{"template": "T", "counts": ["1"]}'), ('{"template": "T", "counts": [null]}')) v(input);

-- with DETAIL and HINT
DO $$
DECLARE
    st text; msg text; det text; hnt text;
BEGIN
    PERFORM '{"template": "T", "counts": [1.5]}'::bg.role_tally;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    RAISE NOTICE E'%: %\nDETAIL: %\nHINT: %', st, msg, det, hnt;
END $$;

-- ---------------------------------------------------------------------------
-- The combine function called directly
-- ---------------------------------------------------------------------------
SELECT bg_internal._tally_combine(NULL, NULL) IS NULL AS both_null;
SELECT bg_internal._tally_combine('{"template": "T", "counts": [1, 2]}', NULL)::text AS right_null;
SELECT bg_internal._tally_combine(NULL, '{"template": "T", "counts": [1, 2]}')::text AS left_null;
SELECT bg_internal._tally_combine('{"template": "T", "counts": [1, 2]}',
                         '{"template": "T", "counts": [10, 0]}')::text AS sum;
SELECT bg_internal._tally_combine('{"template": "T", "counts": []}',
                         '{"template": "T", "counts": []}')::text AS no_roles;
-- tallies of different templates (22023)
SELECT try($$SELECT bg_internal._tally_combine('{"template": "T", "counts": [1, 2]}',
                                      '{"template": "U", "counts": [1, 2]}')::text$$);
SELECT try($$SELECT bg_internal._tally_combine('{"template": "T", "counts": [1, 2]}',
                                      '{"template": "T", "counts": [1, 2, 3]}')::text$$);
SELECT try($$SELECT bg_internal._tally_combine('{"template": "T", "counts": [1, 2]}',
                                      '{"template": "t", "counts": [1, 2]}')::text$$);
-- outside an aggregate its arguments are not modified
WITH s(a) AS (SELECT '{"template": "T", "counts": [1, 2]}'::bg.role_tally)
SELECT bg_internal._tally_combine(a, a)::text AS combined, a::text AS a_after,
       bg_internal._tally_combine(bg_internal._tally_combine(a, a), a)::text AS three_times
FROM s;

-- sums that no longer fit are an error, and every sum it returns reads back
CREATE FUNCTION combined_reads_back(a bg.role_tally, b bg.role_tally) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    c bg.role_tally;
BEGIN
    BEGIN
        c := bg_internal._tally_combine(a, b);
    EXCEPTION WHEN numeric_value_out_of_range THEN
        RETURN 'ok';    -- an error (22003) is as good as a readable sum
    END;
    IF c::text::bg.role_tally::text = c::text THEN
        RETURN 'ok';
    END IF;
    RETURN 'differs: ' || c::text;
EXCEPTION WHEN OTHERS THEN
    RETURN c::text || ' does not read back: ' || SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT combined_reads_back('{"template": "T", "counts": [999999999999999999]}',
                           '{"template": "T", "counts": [1]}');
SELECT combined_reads_back('{"template": "T", "counts": [999999999999999999]}',
                           '{"template": "T", "counts": [999999999999999999]}');

-- ---------------------------------------------------------------------------
-- Final functions on a tally: the formulas of docs/design.md §5 from counts alone
-- ---------------------------------------------------------------------------
SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', 'job_title contains ''chief''', members_required => 2);
SELECT bg.add_role('T', 'Practitioner', 'job_title contains ''engineer''', members_required => 3);
SELECT bg.add_role('T', 'Other', NULL, required => false);

SELECT counts,
       bg_internal._tally_role_counts(t) AS role_counts,
       bg_internal._tally_completeness(t) AS completeness,
       bg_internal._tally_role_completeness(t) AS role_completeness,
       bg_internal._tally_missing_roles(t) AS missing
FROM (SELECT counts, format('{"template": "T", "counts": %s}', counts)::bg.role_tally AS t
      FROM (VALUES ('[0, 0, 0]'), ('[1, 0, 0]'), ('[1, 1, 5]'), ('[2, 2, 0]'), ('[5, 3, 0]'),
                   ('[999999999999999999, 999999999999999999, 0]')) v(counts)) s
ORDER BY counts;
-- a tally that does not fit the template (22P02), or of an unknown one (42704)
SELECT try($$SELECT bg_internal._tally_completeness('{"template": "T", "counts": [1, 2]}')::text$$);
SELECT try($$SELECT bg_internal._tally_missing_roles('{"template": "T", "counts": [1, 2, 3, 4]}')::text$$);
SELECT try($$SELECT bg_internal._tally_role_counts('{"template": "U", "counts": [1]}')::text$$);

-- ---------------------------------------------------------------------------
-- Transition functions called directly do not modify their state argument
-- ---------------------------------------------------------------------------
CREATE TABLE person (
    id          integer PRIMARY KEY,
    account_id  integer NOT NULL,
    job_title   text
);
INSERT INTO person VALUES (1, 1, 'Chief Executive'), (2, 1, 'Engineer'), (3, 1, 'Clerk');

WITH s(st) AS (SELECT '{"template": "T", "counts": [1, 0, 0]}'::bg.role_tally)
SELECT p.id, bg_internal._tally_person(s.st, 'T', p)::text AS next, s.st::text AS st_after
FROM s, person p
ORDER BY p.id;
SELECT bg_internal._tally_person(NULL, 'T', NULL::person)::text AS no_person,
       bg_internal._tally_role(NULL, 'T', NULL)::text AS no_role,
       bg_internal._tally_role(bg_internal._tally_role(NULL, 'T', 'Other'), 'T', 'Other')::text AS two_others;
WITH s(st) AS (SELECT '{"template": "T", "counts": [1, 0, 0]}'::bg.role_tally)
SELECT bg_internal._tally_role(s.st, 'T', 'Decision Maker')::text AS next, s.st::text AS st_after
FROM s;
-- a state of another template (22023), or of the wrong length (22P02)
SELECT left(try($$SELECT bg_internal._tally_role('{"template": "U", "counts": [1, 0, 0]}', 'T', 'Other')::text$$), 5)
    AS sqlstate;
SELECT left(try($$SELECT bg_internal._tally_person('{"template": "T", "counts": [1]}', 'T', p)::text
                  FROM person p WHERE p.id = 1$$), 5) AS sqlstate;

-- ---------------------------------------------------------------------------
-- Partial states through text, combined later (what Citus does across workers)
-- ---------------------------------------------------------------------------
CREATE AGGREGATE regress_tally(text, anyelement) (
    SFUNC = bg_internal._tally_person, STYPE = bg.role_tally);
CREATE AGGREGATE regress_tally_role(text, text) (
    SFUNC = bg_internal._tally_role, STYPE = bg.role_tally);
CREATE AGGREGATE regress_merge(bg.role_tally) (
    SFUNC = bg_internal._tally_combine, STYPE = bg.role_tally);

INSERT INTO person
SELECT g, 2 + g % 1000,
       (ARRAY['Chief of Staff', 'Engineer', 'Clerk', 'Chief Engineer', NULL])[1 + abs(hashint4(g)) % 5]
FROM generate_series(10, 5009) g;

-- per account and "shard", as text
CREATE TABLE partial AS
SELECT p.account_id, p.id % 4 AS shard, regress_tally('T', p)::text AS state
FROM person p
GROUP BY 1, 2;
SELECT state FROM partial WHERE account_id = 1 ORDER BY shard;

SELECT count(*) AS differences
FROM (SELECT account_id, bg_internal._tally_completeness(regress_merge(state::bg.role_tally)) AS c,
             bg_internal._tally_missing_roles(regress_merge(state::bg.role_tally)) AS m,
             bg_internal._tally_role_counts(regress_merge(state::bg.role_tally)) AS r
      FROM partial GROUP BY account_id
      EXCEPT
      SELECT account_id, bg.completeness('T', p), bg.missing_roles('T', p), bg.role_counts('T', p)
      FROM person p GROUP BY account_id) d;
SELECT count(*) AS differences
FROM (SELECT account_id, bg.completeness('T', p), bg.missing_roles('T', p), bg.role_counts('T', p)
      FROM person p GROUP BY account_id
      EXCEPT
      SELECT account_id, bg_internal._tally_completeness(regress_merge(state::bg.role_tally)),
             bg_internal._tally_missing_roles(regress_merge(state::bg.role_tally)),
             bg_internal._tally_role_counts(regress_merge(state::bg.role_tally))
      FROM partial GROUP BY account_id) d;
SELECT c AS completeness, count(*) AS groups
FROM (SELECT bg.completeness('T', p) AS c FROM person p GROUP BY account_id) s
GROUP BY c ORDER BY c;

-- the same state from the role variant
SELECT count(*) AS differences
FROM (SELECT account_id, regress_tally('T', p)::text FROM person p GROUP BY account_id
      EXCEPT
      SELECT account_id, regress_tally_role('T', bg.role_for('T', p))::text FROM person p GROUP BY account_id) d;

-- overflowing counts are an error (22003), not a wrapped negative count
SELECT left(try($$SELECT regress_merge('{"template": "T", "counts": [999999999999999999, 0, 0]}')::text
                  FROM generate_series(1, 10)$$), 5) AS sqlstate;
SELECT left(try($$SELECT bg_internal._tally_completeness(regress_merge(
                         '{"template": "T", "counts": [999999999999999999, 0, 0]}'))::text
                  FROM generate_series(1, 10)$$), 5) AS sqlstate;

-- ---------------------------------------------------------------------------
-- The state keeps its size however many rows a group has
-- ---------------------------------------------------------------------------
CREATE TABLE crowd (id integer, account_id integer, job_title text);
INSERT INTO crowd SELECT g, 1, 'Engineer' FROM generate_series(1, 10) g;
INSERT INTO crowd SELECT g, 2, CASE WHEN g % 2 = 0 THEN 'Chief' ELSE 'Engineer' END
FROM generate_series(11, 100010) g;
SELECT c.account_id, count(*) AS people,
       pg_column_size(regress_tally('T', c)) AS person_state_bytes,
       pg_column_size(regress_tally_role('T', bg.role_for('T', c))) AS role_state_bytes,
       regress_tally('T', c)::text AS state
FROM crowd c
GROUP BY c.account_id
ORDER BY c.account_id;
-- the size is fixed by the template: header, one int64 per role, the name
SELECT pg_column_size('{"template": "T", "counts": [0, 0, 0]}'::bg.role_tally) AS bytes_3_roles,
       pg_column_size('{"template": "T", "counts": [0]}'::bg.role_tally) AS bytes_1_role,
       pg_column_size('{"template": "Tee", "counts": [0]}'::bg.role_tally) AS bytes_longer_name;

DROP SCHEMA regress_agg_state CASCADE;
RESET search_path;
