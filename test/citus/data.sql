-- The data of the Citus test (scripts/citus_test.sh), loaded into the
-- cluster and into a plain database alike: accounts and people (generated,
-- deterministic), their bindings and two roles templates, one of them a draft.
CREATE EXTENSION IF NOT EXISTS bg;
CREATE SCHEMA crm;
CREATE TABLE crm.account (
    id integer PRIMARY KEY, name text NOT NULL, parent_id integer,
    industry text, country text);
CREATE TABLE crm.person (
    id integer NOT NULL, account_id integer NOT NULL, full_name text NOT NULL,
    job_title text, department text, seniority integer,
    email_invalid boolean NOT NULL DEFAULT false,
    PRIMARY KEY (account_id, id));
INSERT INTO crm.account
SELECT a, 'Account ' || a, CASE WHEN a % 10 = 3 THEN a - 1 END,
       (ARRAY['Banking', 'Retail', 'Health', 'Energy'])[1 + a % 4],
       (ARRAY['US', 'DE', 'FR'])[1 + a % 3]
  FROM generate_series(1, 60) a;
INSERT INTO crm.person
SELECT p, 1 + (p * 7) % 50, 'Person ' || p,
       (ARRAY['CISO', 'Chief Executive Officer', 'VP Security', 'Head of IT',
              'Security Engineer', 'IT Analyst', 'Network Administrator',
              'Legal Counsel', 'Director of Operations', 'CFO', NULL,
              'Solutions Architect', 'Über Engineer'])[1 + (p * 5) % 13],
       (ARRAY['Security', 'IT', 'Executive', 'Legal', NULL])[1 + p % 5],
       1 + p % 8, p % 11 = 0
  FROM generate_series(1, 700) p;
SELECT bg.bind_accounts('crm.account', key => 'id', name => 'name', parent => 'parent_id');
SELECT bg.bind_people('crm.person', key => 'id', account => 'account_id');
SELECT bg.create_template('Cyber', 'published');
SELECT bg.add_role('Cyber', 'Executive Steering Committee',
    $$job_title starts with any ('Chief', 'President') or job_title in ('CEO', 'CFO', 'CIO')$$,
    weight => 'important');
SELECT bg.add_role('Cyber', 'Decision Maker',
    $$job_title starts with any ('VP', 'Head of', 'Director') or job_title = 'CISO'$$,
    weight => 'vital');
SELECT bg.add_role('Cyber', 'Practitioner',
    $$job_title contains any ('Engineer', 'Analyst', 'Administrator') and not email_invalid$$,
    members_required => 2);
SELECT bg.add_role('Cyber', 'Champion', required => false);
SELECT bg.publish_template('Cyber');
SELECT bg.create_template('Draft', 'never published');
SELECT bg.add_role('Draft', 'Decision Maker', $$seniority >= 6 and department = 'Security'$$);
SELECT bg.add_role('Draft', 'Practitioner', $$department in ('IT', 'Security')$$, members_required => 3);
-- a reader (docs/design.md §11), who runs test/citus/queries.sql's
-- shared_as_reader; roles are the server's, so the second database finds it
DO $$ BEGIN CREATE ROLE bg_citus_reader LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
SELECT bg.grant_access('bg_citus_reader', 'reader');
GRANT USAGE ON SCHEMA crm TO bg_citus_reader;
GRANT SELECT ON crm.account, crm.person TO bg_citus_reader;
