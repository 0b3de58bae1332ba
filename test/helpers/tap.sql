-- Helpers of the pgTAP tests (test/*.sql), in schema tap.  `make prove`
-- loads this file once into the test database, after CREATE EXTENSION pgtap
-- and CREATE EXTENSION bg; the tests call the helpers schema-qualified
-- (tap.error_of(...)), each test file staying one transaction of its own.
CREATE SCHEMA tap;
SET search_path = tap, pg_catalog;

-- error_of(sql): the SQLSTATE, message, DETAIL and HINT of the error sql
-- raises, as text[4] ('' where the error has no DETAIL or HINT); NULL when
-- sql raises none.
CREATE FUNCTION error_of(sql text) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; det text; hnt text;
BEGIN
    EXECUTE sql;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    RETURN ARRAY[st, msg, det, hnt];
END $$;

-- sqlstate_of(sql): the SQLSTATE of the error sql raises, 'ok' when none
-- (error_of gives its message, DETAIL and HINT).
CREATE FUNCTION sqlstate_of(sql text) RETURNS text
LANGUAGE sql AS $$ SELECT coalesce((tap.error_of(sql))[1], 'ok') $$;

-- mismatched_groups(): the groups whose stored scores differ from the
-- aggregates over their members.
\ir scores.sql

RESET search_path;
