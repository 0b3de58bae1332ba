-- Untyped arguments, as drivers send parameters (node-postgres every one,
-- psycopg2 str, None and empty lists, pgjdbc with stringtype=unspecified):
-- PostgreSQL cannot resolve unknown against anyelement or anyarray, so every
-- function that takes a key has a text overload.  An untyped single key is
-- cast to the key type; an untyped array of keys is an array literal
-- ('{1,2}'), and an error says which cast to add.  Typed keys, arrays and
-- rows still take the polymorphic functions.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_managed_untyped;
SET search_path = regress_managed_untyped, public;

-- try(query): the shared helper
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

-- people, accounts, template Drivers, solution interest Platform, list Static
\i :abs_srcdir/test/drivers/fixture.sql

-- untyped parameters of prepared statements resolve to the text overloads
PREPARE add_accounts AS SELECT bg.add_accounts($1, $2);
PREPARE remove_accounts AS SELECT bg.remove_accounts($1, $2);
PREPARE group_id AS SELECT bg.buying_group_id($1, $2);
PREPARE assign_member AS SELECT bg.assign_member($1, $2, $3);
PREPARE assign_members AS SELECT bg.assign_members($1, $2, $3);
PREPARE set_member_role AS SELECT bg.set_member_role($1, $2, $3);
PREPARE remove_member AS SELECT bg.remove_member($1, $2);
PREPARE remove_members AS SELECT bg.remove_members($1, $2);
SELECT name, parameter_types FROM pg_prepared_statements ORDER BY name;
EXECUTE add_accounts('Static', '{1,2,3}');
EXECUTE remove_accounts('Static', '{3}');
EXECUTE add_accounts('Static', '{}');
SELECT account_key FROM bg_internal.account_list_entry ORDER BY 1;
SELECT bg.create_buying_groups('Platform', 'Static') > 0 AS created;
EXECUTE group_id('Platform', '1');
EXECUTE group_id('Platform', '3');
SELECT bg.buying_group_id('Platform', '1') = bg.buying_group_id('Platform', 1) AS untyped_is_typed;
EXECUTE assign_member('1', '13', 'Practitioner');
EXECUTE set_member_role('1', '13', 'Decision Maker');
EXECUTE assign_members('1', '{12,"13"}', 'Practitioner');
EXECUTE remove_member('1', '11');
EXECUTE remove_members('1', '{12}');
SELECT person_key, role, source, is_removed FROM bg.members ORDER BY 1;

-- typed keys, arrays and rows still take the polymorphic functions
SELECT bg.assign_member(1, 11::bigint, 'Decision Maker');
SELECT bg.assign_members(1, ARRAY[12, 13], 'Practitioner');
SELECT bg.remove_member(1, p) FROM person p WHERE p.id = 13;
SELECT bg.remove_members(1, array_agg(p)) FROM person p WHERE p.id = 12;
SELECT bg.add_accounts('Static', ARRAY[3]), bg.remove_accounts('Static', ARRAY(SELECT a FROM account a WHERE id = 3));
SELECT person_key, role, source, is_removed FROM bg.members ORDER BY 1;
SELECT p.oid::regprocedure
  FROM pg_proc p
 WHERE p.pronamespace = 'bg'::regnamespace
   AND p.proname IN ('buying_group_id', 'assign_member', 'assign_members', 'set_member_role', 'remove_member',
                     'remove_members', 'add_accounts', 'remove_accounts')
 ORDER BY 1::text;

-- errors: an array that is no array literal (22P02, the HINT names the cast),
-- a key of the wrong type (22P02), NULL (22004), a NULL element (22004), an
-- unknown key (23503)
SELECT try($$SELECT bg.assign_members(1, '12', 'Practitioner')$$);
SELECT try($$SELECT bg.remove_members(1, '12,13')$$);
SELECT try($$SELECT bg.add_accounts('Static', '1')$$);
SELECT try($$SELECT bg.remove_accounts('Static', '{1')$$);
SELECT try($$SELECT bg.add_accounts('Static', '{x}')$$);
SELECT try($$SELECT bg.assign_member(1, 'x', 'Practitioner')$$);
SELECT try($$SELECT bg.buying_group_id('Platform', 'x')$$);
SELECT try($$SELECT bg.assign_members(1, NULL, 'Practitioner')$$);
SELECT try($$SELECT bg.add_accounts('Static', NULL)$$);
SELECT try($$SELECT bg.add_accounts('Static', '{1,NULL}')$$);
SELECT try($$SELECT bg.set_member_role(1, NULL, 'Practitioner')$$);
SELECT try($$SELECT bg.remove_member(1, NULL)$$);
SELECT try($$SELECT bg.buying_group_id('Platform', NULL)$$);
SELECT try($$SELECT bg.assign_member(1, '99', 'Practitioner')$$);
SELECT try($$SELECT bg.add_accounts('Static', '{9}')$$);

-- text keys: the array literal's quoting keeps commas and braces in a key
CREATE TABLE t_account (id text PRIMARY KEY, name text NOT NULL);
INSERT INTO t_account VALUES ('a,b', 'Comma'), ('{c}', 'Braces'), ('42', 'Digits');
SELECT bg.bind_accounts('t_account');
SELECT bg.create_account_list('Texts');
EXECUTE add_accounts('Texts', '{"a,b","{c}",42}');
SELECT e.account_key FROM bg_internal.account_list_entry e JOIN bg_internal.account_list l ON l.id = e.list_id
 WHERE l.name = 'Texts' ORDER BY 1;
SELECT try($$SELECT bg.remove_accounts('Texts', 'a,b')$$);

DEALLOCATE ALL;
DROP SCHEMA regress_managed_untyped CASCADE;
