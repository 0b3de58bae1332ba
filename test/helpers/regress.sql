\set ECHO none
-- Helpers of the pg_regress tests (sql/*.sql).  A test loads this file, once
-- it has created bg and set the search_path to its own schema, with
--
--     \getenv abs_srcdir PG_ABS_SRCDIR
--     \i :abs_srcdir/test/helpers/regress.sql
--
-- pg_regress sets PG_ABS_SRCDIR to its --inputdir, the top of the source
-- tree.  Only those lines and the "\set ECHO none" above show in the
-- expected output; the functions are created in the test's schema (the first
-- of its search_path), so they go when the test's schema goes.
--
-- Each helper is created only when the test asks for it by setting a psql
-- variable before the \i (so that a test's schema holds what it uses):
--
--   try_query          try(query): runs a query
--   try_against        try(cond [, against]): checks a condition, against the
--                      table named by the variable by default ('' = none:
--                      bg.check_condition's own default)
--   ids_template       ids(cond [, tmpl]): evaluates a condition through role
--                      Other of this draft template
--   score_mismatches   score_mismatches(): compares the stored scores with
--                      the aggregates
--
-- try() returns an error as one line, in a stable format: the SQLSTATE, the
-- message, then " DETAIL: ..." and " HINT: ..." when the error has them.

-- message, DETAIL and HINT of an error as one line (in pg_temp: it goes with
-- the session, and is not one of the test's objects; a second load of the
-- file replaces it)
CREATE OR REPLACE FUNCTION pg_temp.error_text(message text, detail text, hint text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT message || coalesce(' DETAIL: ' || nullif(detail, ''), '')
                   || coalesce(' HINT: ' || nullif(hint, ''), '')
$$;

\if :{?try_against}
-- try(cond [, against]): the canonical text of a condition checked by
-- bg.check_condition, or 'ERROR', the SQLSTATE, the character position (taken
-- from the DETAIL) and the error.
CREATE FUNCTION try(cond text, against regclass DEFAULT nullif(:'try_against', '')::regclass) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text;
    msg text;
    det text;
    hnt text;
BEGIN
    RETURN bg.check_condition(cond, against);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    RETURN 'ERROR ' || st
        || coalesce(' at ' || substring(det FROM 'character (\d+)'), '')
        || ': ' || pg_temp.error_text(msg, det, hnt);
END $$;
\endif

\if :{?try_query}
-- try(query): 'ok: ' and the (first) value the query returns, or the
-- SQLSTATE and the error.
CREATE FUNCTION try(query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    r text;
    st text;
    msg text;
    det text;
    hnt text;
BEGIN
    EXECUTE query INTO r;
    RETURN 'ok: ' || coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    RETURN st || ': ' || pg_temp.error_text(msg, det, hnt);
END $$;
\endif

\if :{?ids_template}
-- ids(cond [, tmpl]): the ids of the people (table person) a condition
-- matches ('-' for none), through role Other of a draft template.  (The
-- template name is a parameter, not a constant, so that the planner does not
-- look the template up before the new condition is visible; role_priority
-- covers constant names inside a function.)
CREATE FUNCTION ids(cond text, tmpl text DEFAULT :'ids_template') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    r text;
BEGIN
    PERFORM bg.set_condition(tmpl, 'Other', cond);
    SELECT coalesce(string_agg(p.id::text, ',' ORDER BY p.id), '-') INTO r
      FROM person p WHERE bg.role_for(tmpl, p) IS NOT NULL;
    RETURN r;
END $$;
\endif

\if :{?score_mismatches}
-- score_mismatches(): how many buying groups have stored scores that differ
-- from the docs/design.md §5 aggregates over their current members (see scores.sql).
\ir scores.sql
CREATE FUNCTION score_mismatches() RETURNS bigint
LANGUAGE sql AS $$ SELECT count(*) FROM mismatched_groups() $$;
\endif
\set ECHO all
