-- The views and row-level security (docs/design.md §6.7, §11): bg.buying_groups,
-- bg.role_coverage and bg.members show a group only when the querying role
-- may SELECT its account's row in the bound accounts table (its privileges
-- and RLS policies), and a member only when it may also SELECT the person's
-- row in the bound people table; account names only when it may SELECT the
-- name column.  A superuser and the tables' owner see everything.  The
-- views are security barriers, and point lookups still use bg's indexes.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
DROP SCHEMA IF EXISTS regress_rls_views CASCADE;
DROP ROLE IF EXISTS regress_rls_ann;
DROP ROLE IF EXISTS regress_rls_bob;
DROP ROLE IF EXISTS regress_rls_owner;
CREATE EXTENSION bg;
RESET client_min_messages;
CREATE ROLE regress_rls_ann;
CREATE ROLE regress_rls_bob;
CREATE ROLE regress_rls_owner;

CREATE SCHEMA regress_rls_views;
SET search_path = regress_rls_views, public;
-- try(query): the shared helper
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

-- The accounts have a sales rep; each rep may see its own accounts.
CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL, rep name NOT NULL);
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL, job_title text, private boolean NOT NULL);
INSERT INTO account VALUES (1, 'Acme', 'regress_rls_ann'), (2, 'Globex', 'regress_rls_bob'),
                           (3, 'Initech', 'regress_rls_ann'), (4, 'Umbrella', 'regress_rls_bob');
INSERT INTO person VALUES (11, 1, 'CEO', false), (12, 1, 'Engineer', true),
                          (21, 2, 'CEO', false), (31, 3, 'CEO', false), (32, 3, 'Engineer', false),
                          (41, 4, 'Engineer', false);
ALTER TABLE account OWNER TO regress_rls_owner;
ALTER TABLE person OWNER TO regress_rls_owner;
-- bg reads the tables as their owner, who reaches them through the schema
GRANT USAGE ON SCHEMA regress_rls_views TO regress_rls_owner;
SELECT bg.bind_accounts('account');
SELECT bg.bind_people('person');
SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', $$job_title is 'CEO'$$);
SELECT bg.add_role('T', 'Practitioner', $$job_title is 'Engineer'$$);
SELECT bg.publish_template('T');
SELECT bg.create_solution_interest('S', 'T');
SELECT bg.create_account_list('all');
SELECT bg.add_accounts('all', ARRAY[1, 2, 3, 4]);
SELECT bg.create_buying_groups('S', 'all') > 0 AS created;

-- The readers have bg's reader level, and may read the two tables.
SELECT bg.grant_access(r::regrole, 'reader') FROM unnest(ARRAY['regress_rls_ann', 'regress_rls_bob', 'regress_rls_owner']) r;
GRANT USAGE ON SCHEMA regress_rls_views TO regress_rls_ann, regress_rls_bob;
GRANT SELECT ON account, person TO regress_rls_ann, regress_rls_bob;

-- What a role sees through the views (as that role; the function's RESET
-- ROLE gives the caller back).
CREATE FUNCTION seen(who name, OUT groups text, OUT coverage text, OUT members text, OUT counts text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', who);
    SELECT (SELECT string_agg(format('%s %s (%s)', id, name, coalesce(account_name, 'no name')), ', ' ORDER BY id)
              FROM bg.buying_groups),
           (SELECT string_agg(DISTINCT format('%s:%s', account_key, coalesce(account_name, 'no name')), ', ')
              FROM bg.role_coverage),
           (SELECT string_agg(format('%s/%s', account_key, person_key), ', ' ORDER BY person_key) FROM bg.members),
           format('list %s, interest %s', (SELECT account_count FROM bg.account_lists WHERE name = 'all'),
                  (SELECT buying_group_count FROM bg.solution_interests WHERE name = 'S'))
      INTO groups, coverage, members, counts;
    RESET ROLE;
END $$;
-- Whether a role sees every account and every person, and the keys it
-- sees: the filter functions themselves, called as that role, which is
-- granted USAGE on bg_internal for the call only (a rolled-back block).
CREATE FUNCTION filters(who name, OUT accounts_all boolean, OUT people_all boolean, OUT names boolean,
                        OUT account_keys text, OUT person_keys text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA bg_internal TO %I', who);
    EXECUTE format('SET LOCAL ROLE %I', who);
    SELECT bg_internal._sees_all('accounts'), bg_internal._sees_all('people'), bg_internal._sees_account_names(),
           (SELECT string_agg(k, ',' ORDER BY k) FROM unnest('{1,2,3,4,5}'::text[]) k
             WHERE bg_internal._visible('accounts', k)),
           (SELECT string_agg(k, ',' ORDER BY k) FROM unnest('{11,12,21,31,32,41,99}'::text[]) k
             WHERE bg_internal._visible('people', k))
      INTO accounts_all, people_all, names, account_keys, person_keys;
    RAISE EXCEPTION 'undo the grant';
EXCEPTION WHEN raise_exception THEN
    RETURN;
END $$;

-- ---------------------------------------------------------------------------
-- No row-level security: a reader with SELECT on the tables sees everything
-- (and the filter is a constant: _sees_all is true)
-- ---------------------------------------------------------------------------
SELECT * FROM seen(current_user);
SELECT * FROM seen('regress_rls_ann');
SELECT * FROM filters('regress_rls_ann');

-- ---------------------------------------------------------------------------
-- A policy on the accounts: each rep sees the groups of its accounts
-- ---------------------------------------------------------------------------
ALTER TABLE account ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_accounts ON account FOR SELECT USING (rep = current_user);
SELECT * FROM seen('regress_rls_ann');
SELECT * FROM seen('regress_rls_bob');
SELECT * FROM filters('regress_rls_ann');
-- a superuser sees everything, and so does the tables' owner (RLS does not
-- apply to it) ...
SELECT * FROM seen(current_user);
SELECT * FROM seen('regress_rls_owner');
-- ... unless the owner is subject to it too: no policy gives it a row
ALTER TABLE account FORCE ROW LEVEL SECURITY;
SELECT * FROM seen('regress_rls_owner');
ALTER TABLE account NO FORCE ROW LEVEL SECURITY;

-- ---------------------------------------------------------------------------
-- A policy on the people too: members only of visible accounts and people
-- ---------------------------------------------------------------------------
ALTER TABLE person ENABLE ROW LEVEL SECURITY;
CREATE POLICY public_people ON person FOR SELECT USING (NOT private);
SELECT * FROM seen('regress_rls_ann');
SELECT * FROM filters('regress_rls_ann');
-- past 1000 keys asked at one place in a query, the visible keys are read
-- once into a hash set: the same answers
CREATE FUNCTION visible_counts(who name, OUT accounts bigint, OUT people bigint)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA bg_internal TO %I', who);
    EXECUTE format('SET LOCAL ROLE %I', who);
    SELECT count(*) FILTER (WHERE bg_internal._visible('accounts', (i % 5)::text)),
           count(*) FILTER (WHERE bg_internal._visible('people', (i % 50)::text))
      INTO accounts, people FROM generate_series(1, 3000) i;
    RAISE EXCEPTION 'undo the grant';
EXCEPTION WHEN raise_exception THEN
    RETURN;
END $$;
SELECT * FROM visible_counts('regress_rls_ann');
SELECT * FROM visible_counts('regress_rls_bob');
-- with row_security off, a role subject to a policy gets PostgreSQL's own
-- error, as when it reads the table
SET ROLE regress_rls_ann;
SET row_security = off;
SELECT try($$SELECT count(*) FROM bg.buying_groups$$);
RESET row_security;
RESET ROLE;

-- ---------------------------------------------------------------------------
-- Column privileges: the key but not the name (names NULL, group names made
-- with the key); no SELECT on the accounts at all (no groups, no members)
-- ---------------------------------------------------------------------------
REVOKE SELECT ON account FROM regress_rls_ann;
GRANT SELECT (id, rep) ON account TO regress_rls_ann;
SELECT * FROM seen('regress_rls_ann');
REVOKE SELECT (id, rep) ON account FROM regress_rls_ann;
SELECT * FROM seen('regress_rls_ann');
-- SELECT on the table but no USAGE on its schema: as for a query of it
GRANT SELECT ON account TO regress_rls_ann;
REVOKE USAGE ON SCHEMA regress_rls_views FROM regress_rls_ann;
SET ROLE regress_rls_ann;
SELECT count(*) AS groups FROM bg.buying_groups;
RESET ROLE;
GRANT USAGE ON SCHEMA regress_rls_views TO regress_rls_ann;
-- no bound people table (dropped from the catalog in a rolled-back
-- transaction): the reader sees no member, a superuser all
BEGIN;
DELETE FROM bg_internal.binding WHERE kind = 'people';
SELECT count(*) AS members FROM bg.members;
SET LOCAL ROLE regress_rls_ann;
SELECT count(*) AS members FROM bg.members;
ROLLBACK;

-- a binding broken behind the guard (its key column gone): a role that must
-- be asked row by row gets the error of bg's other readers of the key
BEGIN;
UPDATE bg_internal.binding SET key_column = 'gone' WHERE kind = 'accounts';
SET LOCAL ROLE regress_rls_ann;
SELECT try($$SELECT count(*) FROM bg.buying_groups$$);
ROLLBACK;

-- ---------------------------------------------------------------------------
-- A bound view shows each role its own rows: it never counts as seen whole
-- ---------------------------------------------------------------------------
CREATE VIEW my_account AS SELECT a.id, a.name FROM account a WHERE a.rep = current_user OR a.id = 2;
ALTER VIEW my_account OWNER TO regress_rls_owner;
GRANT SELECT ON my_account TO regress_rls_ann;
SELECT bg.bind_accounts('my_account');
SELECT * FROM seen('regress_rls_ann');
SELECT bg.bind_accounts('account');

-- ---------------------------------------------------------------------------
-- security_barrier: a function of the reader's WHERE never sees a hidden row
-- (a cheap stable one, which would otherwise run before the view's filter)
-- ---------------------------------------------------------------------------
CREATE FUNCTION leak(text) RETURNS boolean LANGUAGE plpgsql STABLE COST 0.0000001 AS $$
BEGIN
    RAISE NOTICE 'leak saw %', $1;
    RETURN true;
END $$;
GRANT EXECUTE ON FUNCTION leak(text) TO regress_rls_ann;
SET ROLE regress_rls_ann;
SELECT id FROM bg.buying_groups WHERE leak(account_key) ORDER BY id;
SELECT person_key FROM bg.members WHERE leak(person_key) ORDER BY person_key;
SELECT account_key FROM bg.role_coverage WHERE role = 'Decision Maker' AND leak(account_name) ORDER BY 1;
RESET ROLE;
SELECT relname, reloptions FROM pg_class
 WHERE relnamespace = 'bg'::regnamespace AND relkind = 'v' AND reloptions IS NOT NULL ORDER BY 1;

-- ---------------------------------------------------------------------------
-- Point lookups still use bg's indexes (with RLS on: the reader's filter)
-- ---------------------------------------------------------------------------
SET ROLE regress_rls_ann;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM bg.buying_groups WHERE id = 3;
EXPLAIN (COSTS OFF) SELECT * FROM bg.buying_groups WHERE solution_interest = 'S' AND account_key = '3';
EXPLAIN (COSTS OFF) SELECT * FROM bg.members WHERE person_key = '31';
-- from the people to the members: the keys as an array reach bg's index
EXPLAIN (COSTS OFF) SELECT * FROM bg.members m
 WHERE m.person_key = ANY (ARRAY(SELECT p.id::text FROM person p WHERE p.account_id = 3));
SELECT buying_group, person_key FROM bg.members m
 WHERE m.person_key = ANY (ARRAY(SELECT p.id::text FROM person p WHERE p.account_id IN (2, 3))) ORDER BY 2;
EXPLAIN (COSTS OFF) SELECT * FROM bg.role_coverage WHERE buying_group = 3;
SELECT id, account_key FROM bg.buying_groups WHERE id = 3;
SELECT id FROM bg.buying_groups WHERE id = 2;
RESET enable_seqscan;
RESET enable_bitmapscan;
-- an error after the filter has asked the table (its kept plan goes with
-- the aborted query)
SELECT try($$SELECT sum(1 / (id - 3)) FROM bg.buying_groups$$);
SELECT count(*) AS groups FROM bg.buying_groups;
RESET ROLE;

-- ---------------------------------------------------------------------------
-- Errors of the filter functions
-- ---------------------------------------------------------------------------
SELECT try($$SELECT bg_internal._sees_all('teams')$$);
SELECT try($$SELECT bg_internal._visible('teams', '1')$$);
-- a key that is not a value of the key column's type
SELECT try($$SELECT bg_internal._visible('accounts', 'x')$$);
SELECT bg_internal._sees_all(NULL) IS NULL AS strict, bg_internal._visible('accounts', NULL) IS NULL AS strict;

SET client_min_messages = warning;
DROP SCHEMA regress_rls_views CASCADE;
DROP EXTENSION bg CASCADE;
DROP OWNED BY regress_rls_ann, regress_rls_bob, regress_rls_owner;
DROP ROLE regress_rls_ann;
DROP ROLE regress_rls_bob;
DROP ROLE regress_rls_owner;
