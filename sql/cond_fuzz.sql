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
-- the fuzzer: table person, template Fuzz, fuzz(n, seed)
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/cond_fuzz.sql

-- Expected: only "parsed and evaluated" and error classes 22 (data), 2B/42
-- (syntax, names, types) and 54 (past a limit: too deep) — no internal error,
-- no round-trip failure.  scripts/fuzz.sh runs a million.
SELECT outcome, count > 0 AS seen FROM fuzz(3000);
SELECT sum(count) AS mutations FROM fuzz(3000);

DROP SCHEMA regress_fuzz CASCADE;
