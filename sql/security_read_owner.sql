-- bg reads the user's tables as their owner, in a security-restricted
-- operation (docs/design.md §11): code of the tables' owner (here a function
-- in the definition of a bound view) runs with the owner's rights, never
-- with those of bg's functions (the extension's owner, a superuser), in
-- creation jobs, sync and live mode alike.  Row-level security of the
-- role that calls bg does not hide rows from bg; a table that forces it on
-- its owner is refused.  bg_internal._read is for bg's own functions only.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
DROP ROLE IF EXISTS regress_ro_mallory;
DROP ROLE IF EXISTS regress_ro_writer;
DROP ROLE IF EXISTS regress_ro_probe;
RESET client_min_messages;
CREATE EXTENSION bg;
CREATE ROLE regress_ro_mallory;
CREATE ROLE regress_ro_writer;
CREATE ROLE regress_ro_probe;

CREATE SCHEMA regress_read_owner;
GRANT USAGE ON SCHEMA regress_read_owner TO regress_ro_mallory, regress_ro_writer, regress_ro_probe;
SET search_path = regress_read_owner, public;
-- try(query), score_mismatches(): the shared helpers
\set try_query
\set score_mismatches
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

-- ---------------------------------------------------------------------------
-- An untrusted role owns the bound tables: the accounts are its view, whose
-- definition calls its function, which tries to make the role a superuser
-- and records who it ran as
-- ---------------------------------------------------------------------------
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL, job_title text);
CREATE TABLE account_data (id integer PRIMARY KEY, name text NOT NULL, parent_id integer);
CREATE TABLE attempt (who name, outcome text);
INSERT INTO account_data VALUES (1, 'Acme', NULL), (2, 'Acme EMEA', 1), (3, 'Initech', NULL);
INSERT INTO person VALUES (1, 1, 'CISO'), (2, 2, 'Security Engineer'), (3, 3, 'CISO'), (4, 3, 'Sales');
ALTER TABLE person OWNER TO regress_ro_mallory;
ALTER TABLE account_data OWNER TO regress_ro_mallory;
ALTER TABLE attempt OWNER TO regress_ro_mallory;
CREATE FUNCTION escalate(name text) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    BEGIN
        ALTER ROLE regress_ro_mallory SUPERUSER;
        INSERT INTO regress_read_owner.attempt VALUES (current_user, 'superuser');
    EXCEPTION WHEN OTHERS THEN
        INSERT INTO regress_read_owner.attempt VALUES (current_user, SQLSTATE);
    END;
    RETURN name;
END $$;
ALTER FUNCTION escalate(text) OWNER TO regress_ro_mallory;
CREATE VIEW account AS SELECT a.id, regress_read_owner.escalate(a.name) AS name, a.parent_id FROM account_data a;
ALTER VIEW account OWNER TO regress_ro_mallory;

SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account', parent => 'parent_id');
SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', $$job_title is 'CISO'$$);
SELECT bg.add_role('T', 'Practitioner', $$job_title contains 'engineer'$$);
SELECT bg.publish_template('T');
SELECT bg.create_solution_interest('S', 'T', update_existing => true, include_subaccounts => true);
SELECT bg.create_account_list('L');
SELECT bg.add_accounts('L', ARRAY[1, 3]);
SELECT bg.watch_people();

-- checking the keys of a list reads the accounts
SELECT who, outcome, count(*) > 0 AS ran FROM attempt GROUP BY who, outcome ORDER BY who, outcome;
TRUNCATE attempt;

-- a creation job reads the names and walks the subaccounts
SELECT bg.create_buying_groups('S', 'L') > 0 AS created;
SELECT who, outcome, count(*) > 0 AS ran FROM attempt GROUP BY who, outcome ORDER BY who, outcome;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_ro_mallory';
SELECT g.account_key, g.name, m.person_key, m.role FROM bg.buying_groups g JOIN bg.members m ON m.buying_group = g.id
 ORDER BY g.account_key, m.person_key;
TRUNCATE attempt;

-- sync: names follow the accounts, the walk reads them again
UPDATE account_data SET name = 'Initech Corp' WHERE id = 3;
SELECT bg.sync();
SELECT who, outcome, count(*) > 0 AS ran FROM attempt GROUP BY who, outcome ORDER BY who, outcome;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_ro_mallory';
SELECT account_key, name FROM bg.buying_groups ORDER BY account_key;
TRUNCATE attempt;

-- live mode: a change of a person walks up the account hierarchy
UPDATE person SET job_title = 'Network Engineer' WHERE id = 4;
SELECT who, outcome, count(*) > 0 AS ran FROM attempt GROUP BY who, outcome ORDER BY who, outcome;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_ro_mallory';
SELECT m.person_key, m.role FROM bg.members m WHERE m.account_key = '3' ORDER BY m.person_key;
SELECT score_mismatches();

-- the table's owner must be able to read it: USAGE on its schema, SELECT
REVOKE USAGE ON SCHEMA regress_read_owner FROM regress_ro_mallory;
SELECT try($$SELECT bg.sync()$$);
GRANT USAGE ON SCHEMA regress_read_owner TO regress_ro_mallory;
REVOKE SELECT ON person FROM regress_ro_mallory;
SELECT try($$SELECT bg.sync()$$);
GRANT SELECT ON person TO regress_ro_mallory;
SELECT bg.watch_people(false);

-- ---------------------------------------------------------------------------
-- A writer under row-level security (a policy hides half the people from
-- it) runs sync: the groups are computed over every row, as the owner sees
-- them, and nothing is marked removed
-- ---------------------------------------------------------------------------
CREATE TABLE staff (id integer PRIMARY KEY, account_id integer NOT NULL, job_title text);
CREATE TABLE firm (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO firm VALUES (1, 'Globex');
INSERT INTO staff SELECT i, 1, CASE WHEN i % 2 = 0 THEN 'CISO' ELSE 'Security Engineer' END
  FROM generate_series(1, 10) i;
SELECT bg.bind_people('staff');
SELECT bg.bind_accounts('firm');
ALTER TABLE staff OWNER TO regress_ro_mallory;
SELECT bg.create_account_list('G');
SELECT bg.add_accounts('G', ARRAY[1]);
SELECT bg.create_solution_interest('R', 'T', update_existing => true);
SELECT bg.create_buying_groups('R', 'G') > 0 AS created;
ALTER TABLE staff ENABLE ROW LEVEL SECURITY;
CREATE POLICY half ON staff FOR SELECT TO regress_ro_writer USING (id % 2 = 0);
GRANT SELECT ON staff TO regress_ro_writer;
SELECT bg.grant_access('regress_ro_writer', 'writer');
SET ROLE regress_ro_writer;
SELECT count(*) AS people_it_sees FROM staff;
SELECT bg.sync('R');
RESET ROLE;
SELECT count(*) FILTER (WHERE NOT is_removed) AS current, count(*) FILTER (WHERE is_removed) AS removed
  FROM bg.members WHERE solution_interest = 'R';

-- ---------------------------------------------------------------------------
-- FORCE ROW LEVEL SECURITY: the owner would not see every row; jobs and
-- sync refuse, and write nothing
-- ---------------------------------------------------------------------------
ALTER TABLE staff FORCE ROW LEVEL SECURITY;
UPDATE staff SET job_title = 'Sales';
SELECT try($$SELECT bg.sync('R')$$);
SELECT count(*) FILTER (WHERE NOT is_removed) AS current, count(*) FILTER (WHERE is_removed) AS removed
  FROM bg.members WHERE solution_interest = 'R';
SELECT bg.drop_buying_groups('R');
SELECT try($$SELECT bg.create_buying_groups('R', 'G')$$);
SELECT count(*) AS groups FROM bg.buying_groups WHERE solution_interest = 'R';
SELECT count(*) AS jobs FROM bg.jobs WHERE solution_interest = 'R';
ALTER TABLE staff NO FORCE ROW LEVEL SECURITY;
SELECT bg.create_buying_groups('R', 'G') > 0 AS created;
SELECT count(*) AS members FROM bg.members WHERE solution_interest = 'R';

-- ---------------------------------------------------------------------------
-- bg_internal._read: only the owner of bg_internal may call it, with a
-- column definition list that fits the query
-- ---------------------------------------------------------------------------
SELECT has_function_privilege('public', 'bg_internal._read(regclass, text, text[], text, text)', 'EXECUTE')
    AS public_may_execute;
GRANT USAGE ON SCHEMA bg_internal TO regress_ro_probe;
GRANT EXECUTE ON FUNCTION bg_internal._read(regclass, text, text[], text, text) TO regress_ro_probe;
SET ROLE regress_ro_probe;
SELECT try($$SELECT * FROM bg_internal._read('regress_read_owner.staff', 'SELECT 1') AS x(i integer)$$);
RESET ROLE;
REVOKE EXECUTE ON FUNCTION bg_internal._read(regclass, text, text[], text, text) FROM regress_ro_probe;
REVOKE USAGE ON SCHEMA bg_internal FROM regress_ro_probe;
SELECT * FROM bg_internal._read('person', 'SELECT p.id FROM regress_read_owner.person p WHERE p.id = ANY ($1::integer[])',
                                '{1,2}') AS x(id integer) ORDER BY id;
SELECT * FROM bg_internal._read('person', 'SELECT p.id, p FROM regress_read_owner.person p', NULL, 'T')
    AS x(id integer, role text) ORDER BY id;
SELECT * FROM bg_internal._read('person', 'SELECT p.id, p FROM regress_read_owner.person p', NULL, NULL,
                                'job_title is ''CISO''') AS x(id integer, matched boolean) ORDER BY id;
-- as an integer, the role's position in the template (1 = first by priority)
SELECT x.id, x.pos, r.role
  FROM bg_internal._read('person', 'SELECT p.id, p FROM regress_read_owner.person p', NULL, 'T') AS x(id integer, pos integer)
  LEFT JOIN (SELECT t.role, row_number() OVER (ORDER BY t.priority) AS pos FROM bg.template_roles t WHERE t.template = 'T') r
       USING (pos)
 ORDER BY x.id;
SELECT try($$SELECT * FROM bg_internal._read('person', 'SELECT p.id, p FROM regress_read_owner.person p', NULL, 'T')
                 AS x(id integer, pos bigint)$$);
SELECT try($$SELECT * FROM bg_internal._read('staff', 'SELECT 1') AS x(i text)$$);
SELECT try($$SELECT * FROM bg_internal._read('staff', 'SELECT 1, 2') AS x(i integer)$$);
SELECT try($$SELECT * FROM bg_internal._read('staff', 'SELECT 1, 2', NULL, 'T') AS x(i integer, r text)$$);
SELECT try($$SELECT * FROM bg_internal._read('staff', 'SELECT 1', NULL, 'T', 'id = 1') AS x(i integer)$$);
SELECT try($$SELECT * FROM bg_internal._read(NULL, 'SELECT 1') AS x(i integer)$$);
SELECT try($$SELECT * FROM bg_internal._read(0::oid::regclass, 'SELECT 1') AS x(i integer)$$);

SET client_min_messages = warning;
REVOKE USAGE ON SCHEMA bg FROM regress_ro_writer;
DROP EXTENSION bg CASCADE;
DROP SCHEMA regress_read_owner CASCADE;
RESET client_min_messages;
DROP ROLE regress_ro_mallory;
DROP ROLE regress_ro_writer;
DROP ROLE regress_ro_probe;
