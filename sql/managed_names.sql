-- Names follow renamed accounts (docs/design.md §6.5): bg.sync refreshes the
-- name and account_name of the groups of the interests it syncs
-- (update_existing), live mode (bg.watch_people) does it in the statement
-- that renames the account; groups of other interests keep their names; a
-- sync with nothing to rename writes nothing; a rename of a watched account
-- table by a role with no grant on bg works.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_managed_names;
SET search_path = regress_managed_names, public;

-- try(query), score_mismatches(): the shared helpers
\set try_query
\set score_mismatches
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text);
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL, job_title text);
INSERT INTO account VALUES (1, 'Acme'), (2, 'Globex'), (3, NULL);
INSERT INTO person VALUES (11, 1, 'Chief Security Officer'), (21, 2, 'Security Engineer'), (31, 3, 'VP Ops');
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');
\i :abs_srcdir/test/helpers/fixtures_sec.sql
SELECT bg.create_solution_interest('Live', 'sec', update_existing => true);
SELECT bg.create_solution_interest('Static', 'sec');
SELECT bg.create_account_list('all');
SELECT bg.add_accounts('all', ARRAY[1, 2, 3]);
SELECT bg.create_buying_groups(si, 'all') > 0 AS created FROM unnest(ARRAY['Live', 'Static']) si;

CREATE VIEW names AS
    SELECT g.solution_interest, g.account_key, g.name, g.account_name
      FROM bg.buying_groups g ORDER BY g.solution_interest, g.account_key;
SELECT * FROM names;

-- sync: renamed, named for the first time, un-named (the key stands in)
UPDATE account SET name = 'Acme Corp' WHERE id = 1;
UPDATE account SET name = 'Initech' WHERE id = 3;
UPDATE account SET name = NULL WHERE id = 2;
CREATE TABLE before AS SELECT g.id, g.xmin::text AS row_xmin, g.updated_at FROM bg_internal.buying_group g;
SELECT bg.sync();
SELECT * FROM names;
-- names are not scores: updated_at stays, scores are still exact
SELECT count(*) AS updated_at_changed FROM bg_internal.buying_group g JOIN before b USING (id)
 WHERE g.updated_at <> b.updated_at;
SELECT score_mismatches();
-- nothing to rename: the next sync writes no group row
TRUNCATE before;
INSERT INTO before SELECT g.id, g.xmin::text, g.updated_at FROM bg_internal.buying_group g;
SELECT bg.sync('Live');
SELECT count(*) AS rewritten FROM bg_internal.buying_group g JOIN before b USING (id) WHERE g.xmin::text <> b.row_xmin;
-- an account that is gone leaves its groups' names as they were
UPDATE account SET name = 'Globex Ltd' WHERE id = 2;
SELECT bg.sync('Live');
DELETE FROM person WHERE account_id = 2;
DELETE FROM account WHERE id = 2;
SELECT bg.sync('Live');
SELECT * FROM names WHERE account_key = '2';
INSERT INTO account VALUES (2, 'Globex');
INSERT INTO person VALUES (21, 2, 'Security Engineer');

-- live mode: the renaming statement renames the groups (update_existing only)
SELECT bg.watch_people();
SELECT tgname FROM pg_trigger WHERE tgrelid = 'account'::regclass AND NOT tgisinternal ORDER BY 1;
UPDATE account SET name = name || ' Inc' WHERE id IN (1, 3);
SELECT * FROM names;
-- an update that renames nothing writes no group row
TRUNCATE before;
INSERT INTO before SELECT g.id, g.xmin::text, g.updated_at FROM bg_internal.buying_group g;
UPDATE account SET name = name;
SELECT count(*) AS rewritten FROM bg_internal.buying_group g JOIN before b USING (id) WHERE g.xmin::text <> b.row_xmin;

-- a role with no grant on bg renames an account
CREATE ROLE regress_names_writer;
GRANT USAGE ON SCHEMA regress_managed_names TO regress_names_writer;
GRANT SELECT, UPDATE ON account TO regress_names_writer;
SET ROLE regress_names_writer;
UPDATE account SET name = 'Acme Holding' WHERE id = 1;
SELECT try($$SELECT count(*) FROM bg_internal.buying_group$$);
RESET ROLE;
SELECT * FROM names WHERE account_key = '1';

-- re-binding the accounts moves the trigger; watch_people(false) removes it
CREATE TABLE account2 (id integer PRIMARY KEY, name text);
INSERT INTO account2 SELECT id, 'New ' || coalesce(name, '?') FROM account;
SELECT bg.bind_accounts('account2');
SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relname IN ('account', 'account2') AND NOT t.tgisinternal ORDER BY 1, 2;
UPDATE account2 SET name = 'Acme 2' WHERE id = 1;
SELECT * FROM names WHERE account_key = '1';
SELECT bg.watch_people(false);
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid IN ('account'::regclass, 'account2'::regclass)
   AND NOT tgisinternal;
-- without live mode, the next sync follows
UPDATE account2 SET name = 'Acme 3' WHERE id = 1;
SELECT name FROM names WHERE account_key = '1' AND solution_interest = 'Live';
SELECT bg.sync();
SELECT name FROM names WHERE account_key = '1' AND solution_interest = 'Live';
SELECT score_mismatches();

SET client_min_messages = warning;
DROP SCHEMA regress_managed_names CASCADE;
DROP OWNED BY regress_names_writer;
DROP ROLE regress_names_writer;
RESET client_min_messages;
