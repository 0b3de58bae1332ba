-- Completing buying groups (docs/design.md §9): the optional columns of the
-- bindings, bg.acquisition_targets, and the LinkedIn Matched Audiences
-- exports bg.linkedin_companies and bg.linkedin_contacts (CSV output byte
-- for byte, header included), their limits, what a role sees through them,
-- keys of every type, and the DDL guard on mapped columns.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_complete_exports;
SET search_path = regress_complete_exports, public;

-- try(query): the shared helper
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TYPE sector AS ENUM ('Software', 'Manufacturing');
CREATE DOMAIN email_address AS varchar(200);
CREATE TABLE account (
    id       integer PRIMARY KEY,
    name     text,
    domain   text,
    web      varchar(200),
    industry sector,
    city     text,
    state    text,
    country  char(2),
    zip      integer,
    revenue  numeric
);
CREATE TABLE person (
    id         integer PRIMARY KEY,
    account_id integer NOT NULL REFERENCES account,
    email      email_address,
    first      text,
    last       text,
    title      text,
    country    text,
    age        integer,
    job_title  text
);
INSERT INTO account VALUES
    (1, 'Acme', 'acme.com', 'https://www.acme.com', 'Software', 'Austin', 'TX', 'US', 73301, 1e6),
    (2, 'Globex, "Intl"', ' globex.com ', NULL, 'Manufacturing', 'Springfield', NULL, 'US', NULL, NULL),
    (3, 'Initech', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO person VALUES
    (11, 1, '  Ann.Lee@ACME.com ', 'Ann', 'Lee', 'Director of Security', 'US', 50, 'x'),
    (12, 1, 'bob@acme.com', 'Bob', 'Ray', 'IT Manager', 'US', 40, 'x'),
    (21, 2, NULL, 'Eve', 'Koh', 'Security Manager', '', 30, 'x'),
    (22, 2, '   ', 'Fay', NULL, 'Engineer', NULL, 30, 'x'),
    (31, 3, 'cid@initech.com', 'Cid', 'Orr', 'Analyst', 'DE', 30, 'x');

-- ---------------------------------------------------------------------------
-- The optional columns of the bindings
-- ---------------------------------------------------------------------------
SELECT bg.bind_people('person', key => 'id', account => 'account_id', email => 'email', first_name => 'first',
                      last_name => 'last', job_title => 'title', country => 'country');
SELECT bg.bind_accounts('account', domain => 'domain', website => 'web', industry => 'industry', city => 'city',
                        state => 'state', country => 'country', postal_code => 'zip');
SELECT kind, bound_table, key_column, account_column, name_column, parent_column, mappings, live_mode
  FROM bg.bindings;
-- a missing column (42703), a column of a type that does not fit (42804)
SELECT try($$SELECT bg.bind_people('person', email => 'mail')$$);
SELECT try($$SELECT bg.bind_people('person', job_title => 'age')$$);
SELECT try($$SELECT bg.bind_accounts('account', domain => 'revenue')$$);
SELECT try($$SELECT bg.bind_accounts('account', postal_code => 'id', city => 'revenue')$$);
-- a postal code may be a number; a failed binding changed nothing
SELECT mappings FROM bg.bindings WHERE kind = 'accounts';
-- binding again without mappings (an existing call) replaces them
SELECT bg.bind_accounts('account', 'id', 'name');
SELECT mappings FROM bg.bindings WHERE kind = 'accounts';
SELECT bg.bind_accounts('account', domain => 'domain', website => 'web', industry => 'industry', city => 'city',
                        state => 'state', country => 'country', postal_code => 'zip');

-- The DDL guard: a mapped column is followed when renamed, kept from drops
-- and from type changes that no longer fit
ALTER TABLE person RENAME COLUMN first TO first_name;
SELECT mappings ->> 'first_name' AS followed FROM bg.bindings WHERE kind = 'people';
SELECT try($$ALTER TABLE person DROP COLUMN last$$);
SELECT try($$ALTER TABLE account DROP COLUMN domain$$);
SELECT try($$ALTER TABLE person ALTER COLUMN country TYPE integer USING NULL$$);
ALTER TABLE person ALTER COLUMN country TYPE varchar(50);          -- still a string: allowed
ALTER TABLE person DROP COLUMN age;                                 -- not read by bg
SELECT mappings FROM bg.bindings WHERE kind = 'people';

-- ---------------------------------------------------------------------------
-- Groups to complete
-- ---------------------------------------------------------------------------
SELECT bg.create_template('sec');
SELECT bg.add_role('sec', 'Decision Maker',
                   $$title starts with any ('Director', 'VP') and not title contains any ('assistant', 'Director')
                     or title is 'Chief Security Officer'$$);
SELECT bg.add_role('sec', 'Influencer', $$title contains 'Manager' or title matches '\mlead\M' or not title in ('Intern')$$,
                   members_required => 3);
SELECT bg.add_role('sec', 'Practitioner');                                       -- no condition
SELECT bg.add_role('sec', 'Champion', $$job_title is 'x'$$, required => false);  -- not required
SELECT bg.publish_template('sec');
SELECT bg.create_solution_interest('Security', 'sec');
SELECT bg.create_account_list('all');
SELECT bg.add_accounts('all', ARRAY[1, 2, 3]);
SELECT bg.create_buying_groups('Security', 'all') > 0 AS created;
SELECT bg.assign_member(bg.buying_group_id('Security', 1), 11, 'Decision Maker');
SELECT account_key, member_count, round(completeness::numeric, 2) AS completeness, missing_roles
  FROM bg.buying_groups ORDER BY account_key;

-- ---------------------------------------------------------------------------
-- bg.acquisition_targets
-- ---------------------------------------------------------------------------
-- job titles: the values of the positive tests of the mapped job title
-- column (title), not the excluded ones nor regular expressions
SELECT account_key, account_name, role, members_needed, criteria, job_titles
  FROM bg.acquisition_targets('Security') ORDER BY buying_group, role;
SELECT bool_and(buying_group = bg.buying_group_id('Security', account_key::integer)) AS groups_match
  FROM bg.acquisition_targets('Security');
-- unmapped: the column named job_title
SELECT bg.bind_people('person', key => 'id', account => 'account_id');
SELECT DISTINCT role, job_titles FROM bg.acquisition_targets('Security') ORDER BY 1;
SELECT bg.bind_people('person', key => 'id', account => 'account_id', email => 'email', first_name => 'first_name',
                      last_name => 'last', job_title => 'title', country => 'country');
SELECT try($$SELECT * FROM bg.acquisition_targets(NULL)$$);
SELECT try($$SELECT * FROM bg.acquisition_targets('Nope')$$);

-- ---------------------------------------------------------------------------
-- bg.linkedin_companies: LinkedIn's company-list template, byte for byte
-- ---------------------------------------------------------------------------
\copy (SELECT * FROM bg.linkedin_companies('Security')) TO STDOUT WITH (FORMAT csv, HEADER)
\copy (SELECT * FROM bg.linkedin_companies('Security', missing_role => 'Decision Maker')) TO STDOUT WITH (FORMAT csv, HEADER)
\copy (SELECT * FROM bg.linkedin_companies('Security', max_completeness => 0)) TO STDOUT WITH (FORMAT csv, HEADER)
-- unmapped columns are NULL (empty in CSV)
SELECT bg.bind_accounts('account');
\copy (SELECT * FROM bg.linkedin_companies('Security')) TO STDOUT WITH (FORMAT csv, HEADER)
SELECT bg.bind_accounts('account', domain => 'domain', website => 'web', industry => 'industry', city => 'city',
                        state => 'state', country => 'country', postal_code => 'zip');
SELECT try($$SELECT count(*) FROM bg.linkedin_companies(NULL)$$);
SELECT try($$SELECT count(*) FROM bg.linkedin_companies('Nope')$$);
SELECT try($$SELECT count(*) FROM bg.linkedin_companies('Security', missing_role => 'Nope')$$);
SELECT try($$SELECT count(*) FROM bg.linkedin_companies('Security', missing_role => 'Other')$$);
SELECT try($$SELECT count(*) FROM bg.linkedin_companies('Security', max_completeness => 101)$$);
SELECT try($$SELECT count(*) FROM bg.linkedin_companies('Security', max_completeness => -1)$$);

-- ---------------------------------------------------------------------------
-- bg.linkedin_contacts: LinkedIn's contact-list template, byte for byte
-- ---------------------------------------------------------------------------
\copy (SELECT * FROM bg.linkedin_contacts('Security')) TO STDOUT WITH (FORMAT csv, HEADER)
\copy (SELECT * FROM bg.linkedin_contacts('Security', role => 'Influencer')) TO STDOUT WITH (FORMAT csv, HEADER)
\copy (SELECT * FROM bg.linkedin_contacts('Security', hash_emails => true)) TO STDOUT WITH (FORMAT csv, HEADER)
-- the hash is PostgreSQL's sha256 of the trimmed, lower-cased email
SELECT c.email = encode(sha256(convert_to('ann.lee@acme.com', 'UTF8')), 'hex') AS hashed
  FROM bg.linkedin_contacts('Security', hash_emails => true) c WHERE c.firstname = 'Ann';
-- a removed member is not exported
SELECT bg.remove_member(bg.buying_group_id('Security', 1), 12);
SELECT firstname FROM bg.linkedin_contacts('Security') ORDER BY 1;
SELECT try($$SELECT count(*) FROM bg.linkedin_contacts(NULL)$$);
SELECT try($$SELECT count(*) FROM bg.linkedin_contacts('Nope')$$);
SELECT try($$SELECT count(*) FROM bg.linkedin_contacts('Security', role => 'Nope')$$);
SELECT try($$SELECT count(*) FROM bg.linkedin_contacts('Security', hash_emails => NULL)$$);

-- ---------------------------------------------------------------------------
-- What a role sees: the rows of accounts and people it may SELECT, and the
-- columns an export reads
-- ---------------------------------------------------------------------------
CREATE ROLE regress_exports_rep;
SELECT bg.grant_access('regress_exports_rep', 'writer');
GRANT USAGE ON SCHEMA regress_complete_exports TO regress_exports_rep;
GRANT SELECT ON account, person TO regress_exports_rep;
ALTER TABLE account ENABLE ROW LEVEL SECURITY;
ALTER TABLE person ENABLE ROW LEVEL SECURITY;
CREATE POLICY rep ON account FOR SELECT TO regress_exports_rep USING (id = 1);
CREATE POLICY rep ON person FOR SELECT TO regress_exports_rep USING (id <> 21);
SET ROLE regress_exports_rep;
SELECT account_key, role FROM bg.acquisition_targets('Security') ORDER BY 1, 2;
SELECT companyname FROM bg.linkedin_companies('Security');
SELECT firstname FROM bg.linkedin_contacts('Security') ORDER BY 1;
RESET ROLE;
ALTER POLICY rep ON account USING (true);
SET ROLE regress_exports_rep;
SELECT firstname FROM bg.linkedin_contacts('Security') ORDER BY 1;        -- Eve's row is hidden
RESET ROLE;
-- columns: without SELECT on a column an export reads, 42501
REVOKE SELECT ON account, person FROM regress_exports_rep;
GRANT SELECT (id, account_id, email, first_name, last, title) ON person TO regress_exports_rep;
GRANT SELECT (id) ON account TO regress_exports_rep;
SET ROLE regress_exports_rep;
SELECT account_key, account_name FROM bg.acquisition_targets('Security') ORDER BY 1 LIMIT 1;   -- no name column: NULL
SELECT try($$SELECT count(*) FROM bg.linkedin_contacts('Security')$$);
SELECT try($$SELECT count(*) FROM bg.linkedin_companies('Security')$$);
RESET ROLE;
-- a reader may list acquisition targets, not export
SELECT bg.grant_access('regress_exports_rep', 'reader');
SET ROLE regress_exports_rep;
SELECT count(*) > 0 AS listed FROM bg.acquisition_targets('Security');
SELECT try($$SELECT count(*) FROM bg.linkedin_contacts('Security')$$);
RESET ROLE;
ALTER TABLE account DISABLE ROW LEVEL SECURITY;
ALTER TABLE person DISABLE ROW LEVEL SECURITY;
SELECT bg.revoke_access('regress_exports_rep');
REVOKE ALL ON SCHEMA regress_complete_exports FROM regress_exports_rep;
REVOKE ALL ON account, person FROM regress_exports_rep;
DROP OWNED BY regress_exports_rep;
DROP ROLE regress_exports_rep;

-- ---------------------------------------------------------------------------
-- Keys of type integer, bigint, text and uuid: the same exports
-- ---------------------------------------------------------------------------
DO $$
DECLARE
    t text;
    k text[];
    r record;
BEGIN
    FOREACH t IN ARRAY ARRAY['integer', 'bigint', 'text', 'uuid'] LOOP
        k := CASE WHEN t = 'uuid'
                  THEN ARRAY['00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000002',
                             '00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000012']
                  ELSE ARRAY['1', '2', '11', '12'] END;
        EXECUTE format('CREATE TABLE acc_k (id %s PRIMARY KEY, name text, domain text)', t);
        EXECUTE format('CREATE TABLE per_k (id %1$s PRIMARY KEY, acc %1$s, email text, title text, job_title text)', t);
        EXECUTE format('INSERT INTO acc_k VALUES (%L, ''A1'', ''a1.com''), (%L, ''A2'', ''a2.com'')', k[1], k[2]);
        EXECUTE format('INSERT INTO per_k VALUES (%L, %L, ''P@A1.com'', ''VP Sales'', NULL), (%L, %L, NULL, ''Manager'', NULL)',
                       k[3], k[1], k[4], k[2]);
        PERFORM bg.bind_accounts('acc_k', domain => 'domain');
        PERFORM bg.bind_people('per_k', key => 'id', account => 'acc', email => 'email', job_title => 'title');
        PERFORM bg.create_solution_interest('K ' || t, 'sec');
        PERFORM bg.create_account_list('k ' || t);
        EXECUTE format('SELECT bg.add_accounts(%L, ARRAY[%L, %L]::%s[])', 'k ' || t, k[1], k[2], t);
        SET LOCAL client_min_messages = error;
        PERFORM bg.create_buying_groups('K ' || t, 'k ' || t);
        SELECT string_agg(c.companyname || '/' || c.companyemaildomain, ' ' ORDER BY 1) AS companies,
               (SELECT string_agg(p.email || '/' || p.employeecompany, ' ' ORDER BY 1)
                  FROM bg.linkedin_contacts('K ' || t) p) AS contacts,
               (SELECT string_agg(a.account_key || ':' || a.role, ' ' ORDER BY 1)
                  FROM bg.acquisition_targets('K ' || t) a WHERE a.role = 'Decision Maker') AS targets
          INTO r FROM bg.linkedin_companies('K ' || t) c;
        RESET client_min_messages;
        RAISE NOTICE '%: companies %, contacts %, missing a Decision Maker %', t, r.companies, r.contacts, r.targets;
        PERFORM bg.drop_buying_groups('K ' || t);
        PERFORM bg.drop_solution_interest('K ' || t);
        PERFORM bg.drop_account_list('k ' || t);
        PERFORM bg.bind_people('person', key => 'id', account => 'account_id');
        PERFORM bg.bind_accounts('account');
        DROP TABLE per_k, acc_k;
    END LOOP;
END $$;

-- ---------------------------------------------------------------------------
-- LinkedIn's limits: a warning under 300 rows, an error (54000) above
-- 300 000, before any row is returned
-- ---------------------------------------------------------------------------
SELECT bg.bind_people('person', key => 'id', account => 'account_id', email => 'email', first_name => 'first_name',
                      last_name => 'last', job_title => 'title', country => 'country');
SELECT bg.bind_accounts('account', domain => 'domain');
INSERT INTO account (id, name) VALUES (4, 'Big');
INSERT INTO person (id, account_id, email, title)
SELECT 1000 + i, 4, 'p' || i || '@big.example', 'IT Manager' FROM generate_series(1, 300001) i;
SELECT bg.create_solution_interest('Big', 'sec');
SELECT bg.create_account_list('big');
SELECT bg.add_accounts('big', ARRAY[4]);
SELECT bg.create_buying_groups('Big', 'big') > 0 AS created;
SELECT try($$SELECT count(*) FROM bg.linkedin_contacts('Big')$$);
-- 300 000 rows exactly: no warning, no error
SELECT bg.remove_member(bg.buying_group_id('Big', 4), 1001);
SELECT count(*) FROM bg.linkedin_contacts('Big');
-- filtered by role below the minimum: a warning
SELECT count(*) FROM bg.linkedin_contacts('Big', role => 'Decision Maker');

-- ---------------------------------------------------------------------------
-- Nothing bound: the exports say which table is missing (55000)
-- ---------------------------------------------------------------------------
SET client_min_messages = warning;
DROP EXTENSION bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;
SELECT bg.create_template('t');
SELECT bg.add_role('t', 'Decision Maker');
SELECT bg.publish_template('t');
SELECT bg.create_solution_interest('Unbound', 't');
SELECT kind FROM bg.bindings;
SELECT count(*) FROM bg.acquisition_targets('Unbound');
SELECT try($$SELECT count(*) FROM bg.linkedin_companies('Unbound')$$);
SELECT try($$SELECT count(*) FROM bg.linkedin_contacts('Unbound')$$);
