-- The reads of bg.import_members (docs/design.md §9): a file's number keys
-- made canonical in C (bg_internal._number_key, the same values as the SQL
-- it replaced), and a bound table read once as its owner with every row's
-- tags looked up among the file's values (bg_internal._read_tagged).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
DROP ROLE IF EXISTS regress_imr_owner;
DROP ROLE IF EXISTS regress_imr_probe;
RESET client_min_messages;

CREATE SCHEMA regress_import_reads;
SET search_path = regress_import_reads, public;

-- try(query): the shared helper
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

-- ---------------------------------------------------------------------------
-- _number_key: what the SQL of bg_internal._key_literal_sql gave before
-- ---------------------------------------------------------------------------
CREATE TABLE v (x text);
INSERT INTO v VALUES ('7'), ('007'), ('+7'), ('-7'), ('-007'), ('-0'), ('+0'), ('0'), ('00'), ('  42  '),
    (' 4 2 '), (E'\t42'), ('42 '), ('4.2'), ('4.'), ('.4'), ('.'), ('-.5'), ('+.'), ('1.2.3'), ('1e5'), ('0x1F'),
    ('+'), ('-'), ('+-1'), ('--1'), ('1-'), ('1+1'), (''), ('   '), ('a'), ('١٢'), ('7.50'), ('-0.0'), ('007.500'),
    (repeat('9', 30)), (repeat('9', 31)), ('-' || repeat('9', 30)), ('-' || repeat('9', 31)), (repeat('9', 29) || '.'),
    (repeat('9', 30) || '.'), ('0.' || repeat('0', 28) || '1'), ('12345678901234567890'), (NULL), ('a.b@c.com'), ('acme.com');
-- the SQL of before, for a value x and a family fam
CREATE FUNCTION old_key(fam text, x text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN length(btrim(x)) BETWEEN 1 AND 31
                 AND translate(ltrim(btrim(x), '+-'), '0123456789', '') IN ('', CASE WHEN fam = 'numeric' THEN '.' ELSE '' END)
                 AND length(ltrim(btrim(x), '+-')) BETWEEN length(btrim(x)) - 1 AND 30
                 AND translate(btrim(x), '+-.', '') <> ''
            THEN CASE WHEN fam = 'integer' THEN (btrim(x)::numeric)::text ELSE trim_scale(btrim(x)::numeric)::text END END
$$;
SELECT f.fam, count(*) AS values_, count(*) FILTER (WHERE old_key(f.fam, v.x) IS DISTINCT FROM
                                                   bg_internal._number_key(v.x, f.fam = 'integer')) AS differ
  FROM v, (VALUES ('integer'), ('numeric')) AS f(fam)
 GROUP BY f.fam ORDER BY f.fam;
SELECT v.x, bg_internal._number_key(v.x, true) AS integer_key, bg_internal._number_key(v.x, false) AS numeric_key
  FROM v WHERE v.x IN ('007', '-0', '  42  ', '4.', '.4', '-.5', '007.500', '-0.0', '1e5', '+-1');
SELECT bg_internal._number_key(NULL, true) IS NULL AS null_is_null;

-- ---------------------------------------------------------------------------
-- _read_tagged: one scan of the table as its owner; a row once per tag of
-- it among the values (a value twice finds it once)
-- ---------------------------------------------------------------------------
CREATE ROLE regress_imr_owner;
CREATE ROLE regress_imr_probe;
GRANT USAGE, CREATE ON SCHEMA regress_import_reads TO regress_imr_owner;
SET ROLE regress_imr_owner;
CREATE TABLE acct (id integer PRIMARY KEY, domain text, website text);
INSERT INTO acct VALUES (1, 'acme.com', 'acme.com'), (2, 'globex.com', NULL), (3, NULL, 'initech.com'), (4, NULL, NULL);
RESET ROLE;
SELECT x.k, x.d, x.w, x.who, x.tag
  FROM bg_internal._read_tagged('acct', 'SELECT t.id::text, t.domain, t.website, current_user::text FROM regress_import_reads.acct t',
                                '{k:,d:,d:}', '{k:4,k:4,d:acme.com,d:initech.com,NULL,k:9,e:globex.com}')
       AS x(k text, d text, w text, who text, tag text)
 ORDER BY x.k, x.tag;
-- nothing to find
SELECT count(*) AS found
  FROM bg_internal._read_tagged('acct', 'SELECT t.id::text FROM regress_import_reads.acct t', '{k:}', '{}')
       AS x(k text, tag text);

-- errors: only the owner of bg_internal may call it; no null argument;
-- the column definition list is the query's columns and a text column;
-- the tag columns are text, and there are no more tags than columns
SELECT has_function_privilege('public', 'bg_internal._read_tagged(regclass, text, text[], text[])', 'EXECUTE')
    AS public_may_execute;
GRANT USAGE ON SCHEMA bg_internal, regress_import_reads TO regress_imr_probe;
GRANT EXECUTE ON FUNCTION bg_internal._read_tagged(regclass, text, text[], text[]) TO regress_imr_probe;
SET ROLE regress_imr_probe;
SELECT try($$SELECT * FROM bg_internal._read_tagged('regress_import_reads.acct', 'SELECT 1', '{}', '{}') AS x(i integer, tag text)$$);
RESET ROLE;
REVOKE EXECUTE ON FUNCTION bg_internal._read_tagged(regclass, text, text[], text[]) FROM regress_imr_probe;
REVOKE USAGE ON SCHEMA bg_internal, regress_import_reads FROM regress_imr_probe;
SELECT try($$SELECT * FROM bg_internal._read_tagged('acct', NULL, '{}', '{}') AS x(tag text)$$);
SELECT try($$SELECT * FROM bg_internal._read_tagged('acct', 'SELECT ''a''', '{k:}', NULL) AS x(a text, tag text)$$);
SELECT try($$SELECT * FROM bg_internal._read_tagged('acct', 'SELECT ''a''', '{NULL}', '{}') AS x(a text, tag text)$$);
SELECT try($$SELECT * FROM bg_internal._read_tagged('acct', 'SELECT ''a'', ''b''', '{k:}', '{k:a}') AS x(a text, tag text)$$);
SELECT try($$SELECT * FROM bg_internal._read_tagged('acct', 'SELECT ''a''', '{k:}', '{k:a}') AS x(a text, tag integer)$$);
SELECT try($$SELECT * FROM bg_internal._read_tagged('acct', 'SELECT 1', '{k:}', '{k:1}') AS x(a integer, tag text)$$);
SELECT try($$SELECT * FROM bg_internal._read_tagged('acct', 'SELECT ''a'', 1', '{k:}', '{k:a}') AS x(a text, b text, tag text)$$);
SELECT try($$SELECT * FROM bg_internal._read_tagged('acct', 'SELECT ''a''', '{k:,d:}', '{k:a}') AS x(a text, tag text)$$);
SELECT try($$SELECT * FROM bg_internal._read_tagged(0::oid::regclass, 'SELECT ''a''', '{k:}', '{k:a}') AS x(a text, tag text)$$);
-- the table's owner must be able to read it
SET ROLE regress_imr_owner;
REVOKE SELECT ON acct FROM regress_imr_owner;
RESET ROLE;
SELECT try($$SELECT * FROM bg_internal._read_tagged('acct', 'SELECT t.id::text FROM regress_import_reads.acct t', '{k:}', '{k:1}')
                 AS x(k text, tag text)$$);

SET client_min_messages = warning;
DROP EXTENSION bg CASCADE;
DROP SCHEMA regress_import_reads CASCADE;
RESET client_min_messages;
DROP ROLE regress_imr_owner;
DROP ROLE regress_imr_probe;
