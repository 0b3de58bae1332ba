-- Enrichment (docs/design.md §9): bg.enrich_people fills empty people values
-- from vendor records matched by email or by name and company domain (all
-- values with overwrite), inserts unmatched records of a known account's
-- domain (insert_new), logs every value in bg.enrichment_changes, and
-- bg.undo_enrichment restores them unless changed since.  Every error with
-- its SQLSTATE, before anything is written; the people table is written
-- with the caller's rights.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_complete_enrichment;
SET search_path = regress_complete_enrichment, public;

-- try(query): the shared helper
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text, domain text, web varchar(200));
CREATE TABLE person (
    id         serial PRIMARY KEY,
    account_id integer NOT NULL REFERENCES account,
    email      text,
    first      text,
    last       text,
    title      text,
    country    char(2),
    employees  integer,
    note       text
);
INSERT INTO account VALUES (1, 'Acme', 'acme.com', 'https://www.acme.com/about'), (2, 'Globex', NULL, 'http://WWW.Globex.com:8080'),
                           (3, 'Initech', 'initech.com', NULL), (4, 'Initech EU', 'initech.com', NULL);
INSERT INTO person (id, account_id, email, first, last, title, country, employees, note) VALUES
    (11, 1, 'Ann.Lee@acme.com', 'Ann', 'Lee', NULL, 'US', NULL, 'keep'),
    (12, 1, 'bob@acme.com', 'Bob', 'Ray', '  ', NULL, 50, NULL),
    (13, 1, 'cid@acme.com', 'Cid', 'Orr', 'Engineer', NULL, NULL, NULL),
    (21, 2, 'eve@globex.com', 'Eve', 'Koh', '', NULL, NULL, NULL),
    (22, 2, ' EVE@globex.com', 'Eve', 'Koh', NULL, NULL, NULL, NULL),      -- the same email: ambiguous
    (31, 3, 'fay@initech.com', 'Fay', 'Orr', NULL, NULL, NULL, NULL);
SELECT setval('person_id_seq', 100);

-- ---------------------------------------------------------------------------
-- Errors before bindings, and of the arguments
-- ---------------------------------------------------------------------------
CREATE TABLE vendor (job_title text, country text, email text, employees text, vendor_id integer);
SELECT try($$SELECT bg.enrich_people('vendor')$$);                     -- no people table bound (55000)
SELECT bg.bind_people('person', email => 'email', first_name => 'first', last_name => 'last', job_title => 'title',
                      country => 'country');
SELECT try($$SELECT bg.enrich_people(NULL)$$);
SELECT try($$SELECT bg.enrich_people(0)$$);
SELECT try($$SELECT bg.enrich_people('person_id_seq')$$);
SELECT try($$SELECT bg.enrich_people('vendor', NULL)$$);
SELECT try($$SELECT bg.enrich_people('vendor', 'phone')$$);
SELECT try($$SELECT bg.enrich_people('vendor', overwrite => NULL)$$);
SELECT try($$SELECT bg.enrich_people('vendor', insert_new => NULL)$$);
SELECT try($$SELECT bg.enrich_people('vendor', 'name')$$);             -- no accounts binding yet: first the source's columns
SELECT try($$SELECT bg.enrich_people('vendor', insert_new => true)$$); -- no accounts table bound (55000)
SELECT bg.bind_accounts('account', domain => 'domain', website => 'web');
SELECT try($$SELECT bg.undo_enrichment(NULL)$$);
SELECT try($$SELECT bg.undo_enrichment(1)$$);                          -- no such job (22023)
SELECT count(*) AS jobs FROM bg.jobs;

-- ---------------------------------------------------------------------------
-- Match on email, filling only empty values
-- ---------------------------------------------------------------------------
-- any column order; job_title and country go to the mapped columns, employees
-- to the column of its name (cast from text); vendor_id matches no column
INSERT INTO vendor VALUES
    ('CISO', 'DE', '  ann.lee@ACME.com ', '5000', 1),   -- title and employees filled, country kept
    ('CTO', '', 'bob@acme.com', NULL, 2),               -- blank title replaced; a blank vendor value is no value
    ('Director', 'FR', 'cid@acme.com', '10', 3),        -- title kept, country and employees filled
    ('VP', 'US', 'eve@globex.com', '1', 4),             -- two people with this email: skipped
    ('A', NULL, 'dup@acme.com', NULL, 5),               -- two records with this email: skipped
    ('B', NULL, 'DUP@acme.com', NULL, 6),
    ('C', NULL, '   ', NULL, 7),                        -- no email: skipped
    ('D', NULL, 'nobody@acme.com', NULL, 8);            -- matches nobody
SELECT bg.enrich_people('vendor') AS job \gset
SELECT id, email, title, country, employees, note FROM person ORDER BY id;
SELECT * FROM bg.enrichment_changes ORDER BY person_key, column_name;
SELECT id, kind, status, solution_interest, account_list, groups_created, members_added,
       counts
  FROM bg.jobs;
-- again: nothing left to fill
SELECT bg.enrich_people('vendor') AS job2 \gset
SELECT counts ->> 'updated' AS updated, counts ->> 'values_changed' AS changed, counts ->> 'unchanged' AS unchanged
  FROM bg.jobs WHERE id = :job2;

-- ---------------------------------------------------------------------------
-- overwrite: non-empty values replaced; equal values are no change
-- ---------------------------------------------------------------------------
UPDATE vendor SET job_title = 'Chief Information Security Officer' WHERE vendor_id = 1;
SELECT bg.enrich_people('vendor', overwrite => true) AS job3 \gset
SELECT id, title, country, employees FROM person WHERE id IN (11, 12, 13) ORDER BY id;
SELECT person_key, column_name, old_value, new_value FROM bg.enrichment_changes WHERE job = :job3
 ORDER BY person_key, column_name;

-- ---------------------------------------------------------------------------
-- Undo: values restored unless changed since (kept, with a warning)
-- ---------------------------------------------------------------------------
UPDATE person SET country = 'IT' WHERE id = 13;                 -- changed since job 3
SELECT bg.undo_enrichment(:job3);
SELECT id, title, country, employees FROM person WHERE id IN (11, 12, 13) ORDER BY id;
SELECT person_key, column_name, old_value, new_value, undone FROM bg.enrichment_changes WHERE job = :job3
 ORDER BY person_key, column_name;
SELECT counts ->> 'restored' AS restored, counts ->> 'kept' AS kept, counts ? 'undone_at' AS undone
  FROM bg.jobs WHERE id = :job3;
SELECT try(format('SELECT bg.undo_enrichment(%s)', :job3));        -- twice (55000)
-- a job that changed nothing undoes to 0
SELECT bg.undo_enrichment(:job2);
-- undo of the first job: employees of 11 and 13 back to NULL, the titles of 11
-- and 12 back (12's blank title too)
SELECT bg.undo_enrichment(:job);
SELECT id, title, country, employees FROM person WHERE id IN (11, 12, 13) ORDER BY id;
SELECT bg.enrich_people('vendor') AS job4 \gset

-- ---------------------------------------------------------------------------
-- insert_new: unmatched records of a known account's domain become people
-- ---------------------------------------------------------------------------
CREATE TABLE leads (email text, domain text, job_title text, first_name text, last_name text);
INSERT INTO leads VALUES
    ('gus@globex.com', NULL, 'VP Sales', 'Gus', 'Fox'),         -- no domain: the email's, Globex by its website
    ('hal@mail.example', 'www.acme.com', 'CFO', 'Hal', 'Ng'),   -- the domain column wins: Acme
    ('ivy@initech.com', NULL, 'CEO', 'Ivy', 'Wu'),              -- two accounts have this domain: not inserted
    ('joe@unknown.org', NULL, 'CEO', 'Joe', 'Li'),              -- no account: not inserted
    ('ann.lee@acme.com', NULL, 'CEO', 'Ann', 'Lee');            -- matched: nothing of hers is empty
SELECT bg.enrich_people('leads', insert_new => true) AS job5 \gset
SELECT id, account_id, email, first, last, title FROM person WHERE id > 100 ORDER BY id;
SELECT person_key, column_name, old_value, new_value, inserted FROM bg.enrichment_changes WHERE job = :job5
 ORDER BY person_key, column_name;
SELECT counts - 'source' AS counts FROM bg.jobs WHERE id = :job5;
-- undo keeps inserted people (a notice); nothing else to restore
SELECT bg.undo_enrichment(:job5);
SELECT count(*) AS people FROM person WHERE id > 100;

-- ---------------------------------------------------------------------------
-- Match on name: first and last name in the account of the record's domain
-- ---------------------------------------------------------------------------
CREATE TABLE named (first_name text, last_name text, domain text, job_title text, note text);
INSERT INTO named VALUES
    (' cid ', 'ORR', 'https://acme.com/', 'Staff Engineer', 'by name'),  -- Cid Orr of Acme (not Fay Orr of Initech)
    ('Eve', 'Koh', 'globex.com', 'VP', NULL),                           -- two Eve Koh at Globex: skipped
    ('Fay', 'Orr', 'initech.com', 'COO', NULL),                         -- found in one of the two accounts of the domain
    ('Kim', 'Bo', 'acme.com', 'Intern', NULL),                          -- nobody
    ('Ann', NULL, 'acme.com', 'X', NULL);                               -- no last name: no key
SELECT bg.enrich_people('named', 'name', overwrite => true) AS job6 \gset
SELECT id, first, last, title, note FROM person WHERE id IN (13, 21, 22, 31) ORDER BY id;
SELECT counts - 'source' AS counts FROM bg.jobs WHERE id = :job6;
-- insert_new by name: the new person gets the matched names
INSERT INTO named VALUES ('Lea', 'Moe', 'globex.com', 'Analyst', NULL);
SELECT bg.enrich_people('named', 'name', insert_new => true) AS job7 \gset
SELECT account_id, email, first, last, title, note FROM person WHERE first IN ('Lea', 'Kim') ORDER BY id;

-- ---------------------------------------------------------------------------
-- Errors of sources and bindings, each before anything is written
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE before AS SELECT * FROM person;
SELECT count(*) AS jobs_before FROM bg.jobs \gset
CREATE TABLE no_email (job_title text);
SELECT try($$SELECT bg.enrich_people('no_email')$$);                       -- 42703
SELECT try($$SELECT bg.enrich_people('vendor', 'name')$$);                 -- 42703: first_name
CREATE TABLE no_domain (first_name text, last_name text, job_title text);
SELECT try($$SELECT bg.enrich_people('no_domain', 'name')$$);              -- 42703: domain
CREATE TABLE nothing (email text, vendor_id integer, id integer, account_id integer);
SELECT try($$SELECT bg.enrich_people('nothing')$$);                        -- 42703: no value column (key and account never)
CREATE TABLE twice (email text, job_title text, title text);
SELECT try($$SELECT bg.enrich_people('twice')$$);                          -- 42701
CREATE TABLE badtype (email text, employees point);
SELECT try($$SELECT bg.enrich_people('badtype')$$);                        -- 42804
CREATE TABLE badvalue (email text, employees text);
INSERT INTO badvalue VALUES ('bob@acme.com', 'many');
SELECT try($$SELECT bg.enrich_people('badvalue', overwrite => true)$$);    -- 22P02: the statement fails whole
CREATE TABLE toolong (email text, country text);
INSERT INTO toolong VALUES ('fay@initech.com', 'Germany');
SELECT try($$SELECT bg.enrich_people('toolong')$$);                        -- 22001 from the column's type
SELECT bg.bind_accounts('account', 'id', 'name');
SELECT try($$SELECT bg.enrich_people('named', 'name')$$);                  -- 55000: no domain mapping
SELECT try($$SELECT bg.enrich_people('leads', insert_new => true)$$);      -- 55000
SELECT bg.bind_accounts('account', domain => 'domain', website => 'web');
SELECT bg.bind_people('person', email => NULL, first_name => 'first');
SELECT try($$SELECT bg.enrich_people('vendor')$$);                         -- 55000: no email mapping
SELECT try($$SELECT bg.enrich_people('named', 'name')$$);                  -- 55000: no last_name mapping
SELECT bg.bind_people('person', email => 'email', first_name => 'first', last_name => 'last', job_title => 'title',
                      country => 'country');
ALTER TABLE person ALTER COLUMN id DROP DEFAULT;
SELECT try($$SELECT bg.enrich_people('leads', insert_new => true)$$);      -- 55000: no key default
ALTER TABLE person ALTER COLUMN id SET DEFAULT nextval('person_id_seq');
SELECT (SELECT count(*) FROM bg.jobs) = :jobs_before AS no_job,
       NOT EXISTS (SELECT * FROM person EXCEPT SELECT * FROM before) AS people_unchanged;

-- undo errors: a job of another kind (22023), a people table bound again (55000)
SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', $$title contains 'chief'$$);
SELECT bg.publish_template('T');
SELECT bg.create_solution_interest('S', 'T');
SELECT bg.create_account_list('L');
SELECT bg.create_buying_groups('S', 'L') AS other_job \gset
SELECT try(format('SELECT bg.undo_enrichment(%s)', :other_job));
CREATE TABLE person2 (LIKE person);
SELECT bg.bind_people('person2', email => 'email');
SELECT try(format('SELECT bg.undo_enrichment(%s)', :job4));
SELECT bg.bind_people('person', email => 'email', first_name => 'first', last_name => 'last', job_title => 'title',
                      country => 'country');

-- ---------------------------------------------------------------------------
-- The caller's rights: the people table is written as the caller
-- ---------------------------------------------------------------------------
CREATE ROLE regress_enrich_writer;
CREATE ROLE regress_enrich_reader;
SELECT bg.grant_access('regress_enrich_writer', 'writer');
SELECT bg.grant_access('regress_enrich_reader', 'reader');
GRANT USAGE ON SCHEMA regress_complete_enrichment TO regress_enrich_writer, regress_enrich_reader;
GRANT SELECT ON person, vendor TO regress_enrich_writer;
CREATE TABLE fill (email text, note text);
INSERT INTO fill VALUES ('fay@initech.com', 'from a writer');
SET ROLE regress_enrich_writer;
SELECT try($$SELECT bg.enrich_people('fill')$$);                         -- no SELECT on the source (42501)
RESET ROLE;
GRANT SELECT ON fill TO regress_enrich_writer;
SET ROLE regress_enrich_writer;
SELECT try($$SELECT bg.enrich_people('fill')$$);                         -- no UPDATE on person (42501)
RESET ROLE;
SELECT (SELECT count(*) FROM bg.jobs) = :jobs_before + 1 AS no_job, note FROM person WHERE id = 31;
GRANT UPDATE (note) ON person TO regress_enrich_writer;                  -- a column grant is enough
SET ROLE regress_enrich_writer;
SELECT bg.enrich_people('fill') AS job8 \gset
RESET ROLE;
GRANT SELECT ON leads TO regress_enrich_writer;
GRANT INSERT ON person TO regress_enrich_writer;
SET ROLE regress_enrich_writer;
SELECT try($$SELECT bg.enrich_people('leads', insert_new => true)$$);    -- no SELECT on the accounts (42501)
RESET ROLE;
REVOKE INSERT ON person FROM regress_enrich_writer;
SELECT note FROM person WHERE id = 31;
-- row-level security of the caller applies: it enriches only the rows it may update
ALTER TABLE person ENABLE ROW LEVEL SECURITY;
CREATE POLICY see_all ON person FOR SELECT TO regress_enrich_writer USING (true);
CREATE POLICY acme_only ON person FOR UPDATE USING (account_id = 1);
UPDATE fill SET note = 'again';
INSERT INTO fill VALUES ('cid@acme.com', 'acme');
SET ROLE regress_enrich_writer;
SELECT bg.enrich_people('fill', overwrite => true) AS job9 \gset
RESET ROLE;
SELECT id, note FROM person WHERE id IN (13, 31) ORDER BY id;
SELECT counts ->> 'matched' AS matched, counts ->> 'updated' AS updated FROM bg.jobs WHERE id = :job9;
-- a writer that may no longer update cannot undo (42501), and nothing is marked
REVOKE UPDATE (note) ON person FROM regress_enrich_writer;
SET ROLE regress_enrich_writer;
SELECT try(format('SELECT bg.undo_enrichment(%s)', :job9));
RESET ROLE;
SELECT count(*) FILTER (WHERE undone) AS undone, (SELECT counts ? 'undone_at' FROM bg.jobs WHERE id = :job9) AS job_undone
  FROM bg.enrichment_changes WHERE job = :job9;
-- the view shows a reader only the people it may SELECT
GRANT SELECT (id, account_id) ON person TO regress_enrich_reader;
CREATE POLICY reader_globex ON person FOR SELECT TO regress_enrich_reader USING (account_id = 2);
SET ROLE regress_enrich_reader;
SELECT DISTINCT person_key FROM bg.enrichment_changes ORDER BY 1;
SELECT try($$SELECT bg.enrich_people('fill')$$);                         -- a reader may not enrich (42501)
SELECT try($$SELECT bg.undo_enrichment(1)$$);
RESET ROLE;
ALTER TABLE person DISABLE ROW LEVEL SECURITY;

-- purge_jobs takes a purged enrichment's log with it
SELECT bg.purge_jobs('0');
SELECT count(*) AS log_rows FROM bg.enrichment_changes;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA regress_complete_enrichment CASCADE;
DROP OWNED BY regress_enrich_writer, regress_enrich_reader;
DROP ROLE regress_enrich_writer;
DROP ROLE regress_enrich_reader;
