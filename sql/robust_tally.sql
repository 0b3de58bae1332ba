-- bg.role_tally input and counts (issue 10, finding 7): duplicate keys are
-- refused at input (22P02); counts never overflow silently (22003 when one
-- would); a tally with another number of counts than its template has roles
-- is refused (22P02) where it first meets the template — the transition and
-- final functions — since the input function, IMMUTABLE, reads no catalog.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_robust_tally;
SET search_path = regress_robust_tally, public;

-- try(query): the shared helpers
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

-- duplicate keys: jsonb would keep the last one
SELECT try($$SELECT '{"template": "T", "counts": [1], "template": "U"}'::bg.role_tally$$) AS template_twice;
SELECT try($$SELECT '{"template": "T", "counts": [1], "counts": [2, 3]}'::bg.role_tally$$) AS counts_twice;
SELECT try($$SELECT '{"counts": [1], "template": "T"}'::bg.role_tally::text$$) AS keys_in_any_order;
-- counts spelt as JSON may spell them, and too large or too precise ones
SELECT '{"template": "T", "counts": [1e2, 0.5e1, 9223372036854775807]}'::bg.role_tally::text AS spellings;
SELECT try($$SELECT '{"template": "T", "counts": [1e999999]}'::bg.role_tally$$) AS huge_exponent;
SELECT try($$SELECT '{"template": "T", "counts": [9223372036854775807.5]}'::bg.role_tally$$) AS fraction;
SELECT try(format('SELECT %L::bg.role_tally', format('{"template": "T", "counts": [1%s]}', repeat('0', 100))))
       AS long_number;

SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', 'job_title contains ''chief''');
SELECT bg.add_role('T', 'Practitioner', 'job_title contains ''engineer''');
SELECT bg.add_role('T', 'Other', NULL, required => false);
-- counts that would overflow: an error, not a wrapped count (it was XX001 later)
SELECT try($$SELECT bg_internal._tally_role('{"template": "T", "counts": [9223372036854775807, 0, 0]}',
                                   'T', 'Decision Maker')::text$$) AS role_overflow;
SELECT try($$SELECT bg_internal._tally_position('{"template": "T", "counts": [0, 9223372036854775807, 0]}',
                                       'T', 2)::text$$) AS position_overflow;
CREATE TABLE person (id integer, account_id integer, job_title text);
INSERT INTO person VALUES (1, 1, 'Chief');
SELECT try($$SELECT bg_internal._tally_person('{"template": "T", "counts": [9223372036854775807, 0, 0]}',
                                     'T', p)::text FROM person p$$) AS person_overflow;
-- one below the largest count still counts
SELECT bg_internal._tally_role('{"template": "T", "counts": [9223372036854775806, 0, 0]}',
                      'T', 'Decision Maker')::text AS largest;

-- a tally with a number of counts its template does not have (22P02), in the
-- final functions and in the transition functions
SELECT try($$SELECT bg_internal._tally_completeness('{"template": "T", "counts": [1, 2]}')::text$$) AS final_fewer;
SELECT try($$SELECT bg_internal._tally_role_counts('{"template": "T", "counts": [1, 2, 3, 4]}')::text$$) AS final_more;
SELECT try($$SELECT bg_internal._tally_role('{"template": "T", "counts": [1, 2]}', 'T', 'Other')::text$$) AS trans_fewer;
SELECT try($$SELECT bg_internal._tally_person('{"template": "T", "counts": [1]}', 'T', p)::text FROM person p$$)
       AS trans_person;
-- as an aggregate's initial state (a custom aggregate over bg's functions)
CREATE AGGREGATE tally_from(text, text) (
    SFUNC = bg_internal._tally_role, STYPE = bg.role_tally,
    INITCOND = '{"template": "T", "counts": [5, 0]}');
SELECT try($$SELECT tally_from('T', r)::text FROM (VALUES ('Other')) v(r)$$) AS initcond;

DROP SCHEMA regress_robust_tally CASCADE;
