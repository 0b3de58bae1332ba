-- bg.import_members (docs/design.md §9): rows of a table filled with COPY
-- become members with source import; every reject reason with its SQLSTATE,
-- skip and replace, manual decisions win, groups created for accounts
-- without one, events, stored scores, the job and its reject count.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_managed_import;
SET search_path = regress_managed_import, public;

\set try_query
\set score_mismatches
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL, domain text, website text);
CREATE TABLE person (
    id          integer PRIMARY KEY,
    account_id  integer NOT NULL REFERENCES account,
    name        text,
    email       text,
    job_title   text
);
INSERT INTO account VALUES (1, 'Acme', 'acme.com', 'https://www.acme.com/'), (2, 'Globex', NULL, 'http://globex.example/about'),
                           (3, 'Initech', 'initech.com', NULL), (4, 'Twin A', 'twin.com', NULL), (5, 'Twin B', NULL, 'https://twin.com');
INSERT INTO person VALUES
    (11, 1, 'Ann', 'Ann@Acme.com', 'Chief Security Officer'),   -- Decision Maker by rule
    (12, 1, 'Bob', 'bob@acme.com', 'Director of IT'),           -- Influencer by rule
    (13, 1, 'Cid', 'cid@acme.com', 'Security Engineer'),        -- Practitioner by rule
    (14, 1, 'Dee', 'dee@acme.com', 'Receptionist'),             -- no role
    (15, 1, 'Eli', 'same@acme.com', 'Clerk'),
    (16, 1, 'Flo', 'same@acme.com', 'Clerk'),                   -- two people, one email
    (21, 2, 'Gus', 'gus@globex.example', 'VP Engineering'),
    (22, 2, 'Hal', 'hal@globex.example', 'Analyst'),
    (31, 3, 'Ida', 'ida@initech.com', 'Analyst'),
    (32, 3, 'Jo', 'jo@initech.com', 'Clerk');
SELECT bg.bind_people('person', email => 'email', job_title => 'job_title');
SELECT bg.bind_accounts('account', domain => 'domain', website => 'website');
SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', 'job_title contains ''chief''');
SELECT bg.add_role('T', 'Influencer', 'job_title starts with ''director''');
SELECT bg.add_role('T', 'Practitioner', 'job_title contains ''engineer''');
SELECT bg.add_role('T', 'Champion', required => false);
SELECT bg.publish_template('T');
SELECT bg.create_solution_interest('S', 'T', update_existing => true);
SELECT bg.create_account_list('L');
SELECT bg.add_accounts('L', ARRAY[1]);
SELECT bg.create_buying_groups('S', 'L');
-- manual decisions in Acme's group: Dee assigned Champion, Cid removed
SELECT bg.assign_member(bg.buying_group_id('S', 1), 14, 'Champion');
SELECT bg.remove_member(bg.buying_group_id('S', 1), 13);
-- events from here on
SELECT bg.ack_events('c', (SELECT max(id) FROM bg.read_events('c', 100)));

-- the file, columns in another order, an extra one
CREATE TABLE vendor (role text, note text, person text, account text);
COPY vendor (account, person, role, note) FROM stdin WITH (FORMAT csv);
1,11,Influencer,rule member: skip keeps Decision Maker
acme.com,bob@ACME.com ,decision maker,rule member by email and domain
www.acme.com,dee@acme.com,Influencer,manual member: conflict
1,13,Practitioner,manually removed: conflict
https://globex.example/x,gus@globex.example,Decision Maker,new group for Globex by website
2,22,Champion,new member of Globex
3,31,Champion,new group for Initech
99,11,Champion,unknown account
nowhere.org,11,Champion,unknown account by domain
twin.com,11,Champion,ambiguous account
1,99,Champion,unknown person
1,nobody@acme.com,Champion,unknown person by email
1,21,Champion,person not in account
1,same@acme.com,Champion,ambiguous person
3,32,Chef,unknown role
3,32,,unknown role (NULL)
3,31,Influencer,duplicate in file
initech.com,ida@initech.com,Champion,duplicate in file (same account and person)
,11,Champion,unknown account (NULL)
\.
SELECT bg.import_members('S', 'vendor') AS job \gset
SELECT id = :job AS is_job, kind, solution_interest, account_list, status, groups_created, members_added, rows_rejected
  FROM bg.jobs ORDER BY id DESC LIMIT 1;
SELECT line, reason, sqlstate, "row" ->> 'note' AS note FROM bg.import_rejects WHERE job = :job ORDER BY line;
SELECT g.account_key, m.person_key, m.role, m.source, m.is_removed
  FROM bg.members m JOIN bg.buying_groups g ON g.id = m.buying_group
 ORDER BY 1, 2;
SELECT account_key, member_count, completeness, missing_roles FROM bg.buying_groups ORDER BY account_key;
SELECT * FROM score_mismatches();
SELECT kind, account_key, person_key, source, old_value ->> 'role' AS old_role, new_value ->> 'role' AS new_role
  FROM bg.read_events('c', 100) ORDER BY id;

-- replace: a rule member takes the row's role and source import; a manual
-- member with the row's role is no conflict and stays as it is; an import
-- member follows the row; typed key columns and a line column
SELECT bg.ack_events('c', (SELECT max(id) FROM bg.read_events('c', 100)));
CREATE TABLE vendor2 (line integer, account integer, person bigint, role varchar(40));
INSERT INTO vendor2 VALUES (10, 1, 11, 'Champion'), (20, 1, 14, 'Champion'), (30, 3, 31, 'Influencer'),
                           (40, 2, 21, 'Decision Maker'), (50, 7, 11, 'Champion');
SELECT bg.import_members('S', 'vendor2', 'replace') AS job \gset
SELECT kind, status, groups_created, members_added, rows_rejected FROM bg.jobs WHERE id = :job;
SELECT line, reason, sqlstate, "row" FROM bg.import_rejects WHERE job = :job;
SELECT g.account_key, m.person_key, m.role, m.source, m.is_removed
  FROM bg.members m JOIN bg.buying_groups g ON g.id = m.buying_group
 ORDER BY 1, 2;
SELECT * FROM score_mismatches();
SELECT kind, account_key, person_key, source, old_value ->> 'role' AS old_role, new_value ->> 'role' AS new_role,
       old_value ->> 'completeness' AS old_completeness, new_value ->> 'completeness' AS new_completeness
  FROM bg.read_events('c', 100) ORDER BY id;

-- skip (the default) over import members: they follow the file; nothing
-- changes when the file is imported again
SELECT bg.import_members('S', 'vendor2') AS job \gset
SELECT kind, status, groups_created, members_added, rows_rejected FROM bg.jobs WHERE id = :job;

-- two imports in one transaction (the second replaces the first's
-- temporary tables)
BEGIN;
SELECT bg.import_members('S', 'vendor2') > 0 AS first, bg.import_members('S', 'vendor2', 'replace') > 0 AS second;
COMMIT;

-- a sync leaves import members alone
SELECT bg.sync();
SELECT g.account_key, m.person_key, m.role, m.source
  FROM bg.members m JOIN bg.buying_groups g ON g.id = m.buying_group
 WHERE m.source = 'import' ORDER BY 1, 2;

-- a manual action afterwards wins over the import member
SELECT bg.remove_member(bg.buying_group_id('S', 3), 31);
SELECT bg.import_members('S', 'vendor2', 'replace') AS job \gset
SELECT line, reason FROM bg.import_rejects WHERE job = :job;

-- purging the jobs purges their rejects
SELECT count(*) > 0 AS has_rejects FROM bg.import_rejects;
SELECT bg.purge_jobs('0');
SELECT count(*) AS rejects_left FROM bg_internal.import_reject;

-- errors, before anything is written
SELECT count(*) AS jobs_before FROM bg.jobs \gset
SELECT try($$SELECT bg.import_members('Nope', 'vendor')$$);
SELECT try($$SELECT bg.import_members(NULL, 'vendor')$$);
SELECT try($$SELECT bg.import_members('S', 'vendor', 'merge')$$);
SELECT try($$SELECT bg.import_members('S', 'vendor', NULL)$$);
SELECT try($$SELECT bg.import_members('S', NULL)$$);
CREATE TABLE no_role (account text, person text);
SELECT try($$SELECT bg.import_members('S', 'no_role')$$);
CREATE TABLE int_role (account text, person text, role integer);
SELECT try($$SELECT bg.import_members('S', 'int_role')$$);
CREATE TABLE date_account (account date, person text, role text);
SELECT try($$SELECT bg.import_members('S', 'date_account')$$);
CREATE TABLE text_line (line text, account text, person text, role text);
SELECT try($$SELECT bg.import_members('S', 'text_line')$$);
CREATE SEQUENCE not_a_table;
SELECT try($$SELECT bg.import_members('S', 'not_a_table')$$);
-- a domain or an email needs its mapping, only when a value needs it
SELECT bg.bind_accounts('account');
SELECT bg.bind_people('person', job_title => 'job_title');
CREATE TABLE by_key (account text, person text, role text);
INSERT INTO by_key VALUES ('1', '12', 'Champion'), ('98', '12', 'Champion'), ('1', '97', 'Champion');
SELECT try($$SELECT bg.import_members('S', 'by_key')$$);
SELECT reason FROM bg.import_rejects ORDER BY job DESC, line LIMIT 2;
INSERT INTO by_key VALUES ('acme.com', '12', 'Champion');
SELECT try($$SELECT bg.import_members('S', 'by_key')$$);
DELETE FROM by_key WHERE account = 'acme.com';
INSERT INTO by_key VALUES ('1', 'bob@acme.com', 'Champion');
SELECT try($$SELECT bg.import_members('S', 'by_key')$$);
SELECT count(*) - :jobs_before AS jobs_written FROM bg.jobs;
-- the caller must be able to read every row of the source
CREATE ROLE regress_import_writer;
SELECT bg.grant_access('regress_import_writer', 'writer');
GRANT USAGE ON SCHEMA regress_managed_import TO regress_import_writer;
SET ROLE regress_import_writer;
SELECT try($$SELECT bg.import_members('S', 'regress_managed_import.by_key')$$);
RESET ROLE;
GRANT SELECT ON by_key TO regress_import_writer;
ALTER TABLE by_key ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_one ON by_key TO regress_import_writer USING (account = '1');
SET ROLE regress_import_writer;
SELECT try($$SELECT bg.import_members('S', 'regress_managed_import.by_key')$$);
RESET ROLE;
ALTER TABLE by_key DISABLE ROW LEVEL SECURITY;
DELETE FROM by_key WHERE person LIKE '%@%';
SET ROLE regress_import_writer;
SELECT bg.import_members('S', 'regress_managed_import.by_key') > 0 AS imported;
RESET ROLE;

-- uuid accounts, bigint people, text columns holding them written loosely
CREATE TABLE uaccount (id uuid PRIMARY KEY, name text);
CREATE TABLE uperson (id bigint PRIMARY KEY, account_id uuid, job_title text);
INSERT INTO uaccount VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'U1');
INSERT INTO uperson VALUES (9000000000, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'Clerk'),
                           (9000000001, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'Clerk');
SELECT bg.drop_buying_groups('S');
SELECT bg.bind_accounts('uaccount');
SELECT bg.bind_people('uperson', job_title => 'job_title');
CREATE TABLE uvendor (account text, person text, role text);
INSERT INTO uvendor VALUES (' A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11 ', '+09000000000', 'champion'),
                           ('{a0eebc999c0b4ef8bb6d6bb9bd380a11}', '9000000001', ' Champion '),
                           ('a0eebc99', '9000000001', 'Champion'),
                           ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '99999999999999999999', 'Champion');
SELECT bg.import_members('S', 'uvendor') AS job \gset
SELECT line, reason FROM bg.import_rejects WHERE job = :job;
SELECT g.account_key, m.person_key, m.role, m.source FROM bg.members m JOIN bg.buying_groups g ON g.id = m.buying_group
 ORDER BY 1, 2;
CREATE TABLE uvendor2 (account uuid, person bigint, role text);
INSERT INTO uvendor2 VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 9000000001, 'Influencer');
SELECT bg.import_members('S', 'uvendor2', on_conflict => 'replace') AS job \gset
SELECT g.account_key, m.person_key, m.role, m.source FROM bg.members m JOIN bg.buying_groups g ON g.id = m.buying_group
 ORDER BY 1, 2;
-- text keys
CREATE TABLE taccount (code text PRIMARY KEY, name text);
CREATE TABLE tperson (code text PRIMARY KEY, account_code text, job_title text);
INSERT INTO taccount VALUES ('ACC-1', 'T1');
INSERT INTO tperson VALUES ('P-1', 'ACC-1', 'Clerk');
SELECT bg.drop_buying_groups('S');
SELECT bg.bind_accounts('taccount', key => 'code');
SELECT bg.bind_people('tperson', key => 'code', account => 'account_code', job_title => 'job_title');
CREATE TABLE tvendor (account text, person text, role text);
INSERT INTO tvendor VALUES ('ACC-1', 'P-1', 'Champion'), ('acc-1', 'P-1', 'Champion');
SELECT bg.import_members('S', 'tvendor') AS job \gset
SELECT line, reason FROM bg.import_rejects WHERE job = :job;
SELECT g.account_key, m.person_key, m.role, m.source FROM bg.members m JOIN bg.buying_groups g ON g.id = m.buying_group;
SELECT * FROM score_mismatches();

-- how values are read: domains of emails, domains and web addresses; keys
-- written loosely (NULL: no value of the key type)
CREATE FUNCTION dom(v text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    EXECUTE 'SELECT ' || bg_internal._domain_sql('$1') INTO r USING v;
    RETURN r;
END $$;
CREATE FUNCTION keylit(fam text, v text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    EXECUTE 'SELECT ' || bg_internal._key_literal_sql(fam, '$1') INTO r USING v;
    RETURN r;
END $$;
SELECT v, dom(v) FROM unnest(ARRAY['Acme.com', ' https://WWW.Acme.com:8080/x?y#z ', 'bob@Acme.com', 'http://user@www.acme.com/',
                                   'mailto:bob@acme.com', 'acme.com/about@x', 'www.', '', NULL]) AS v;
SELECT v, keylit('integer', v) AS int, keylit('numeric', v) AS num, keylit('uuid', v) AS uuid, keylit('char', v) AS char,
       keylit('text', v) AS text
  FROM unnest(ARRAY[' 007 ', '+5', '-0', '1-2', '+-5', '--5', '.', '-', '1.50', '.5', '5.', '1e3', '12345678901234567890123456789012',
                    'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'abc  ', NULL]) AS v;

REVOKE ALL ON SCHEMA regress_managed_import FROM regress_import_writer;
REVOKE ALL ON ALL TABLES IN SCHEMA regress_managed_import FROM regress_import_writer;
DROP POLICY only_one ON by_key;
SELECT bg.revoke_access('regress_import_writer');
DROP ROLE regress_import_writer;
SET client_min_messages = warning;
DROP SCHEMA regress_managed_import CASCADE;
DROP EXTENSION bg CASCADE;
