-- Binding the user's tables (docs/design.md §3): bind_people, bind_accounts, and
-- conditions checked against the bound people table.
BEGIN;
SELECT plan(70);

CREATE SCHEMA crm;
CREATE TABLE crm.person (
    id         integer PRIMARY KEY,
    account_id integer,
    job_title  text,
    department text,
    seniority  integer
);
CREATE TABLE crm.contact (          -- other key and account column names
    contact_no bigint PRIMARY KEY,
    company    integer,
    job_title  text,
    seniority  integer,
    region     text
);
CREATE TABLE crm.lead (             -- lacks department; seniority is text
    id         integer,
    account_id integer,
    job_title  text,
    seniority  text
);
CREATE TABLE crm.account (
    id        integer PRIMARY KEY,
    name      text,
    parent_id integer
);
CREATE TABLE crm."Company" (
    "Key"   integer,
    "Title" text
);
CREATE VIEW crm.person_view AS SELECT * FROM crm.person;
CREATE SEQUENCE crm.seq;
CREATE INDEX person_title_idx ON crm.person (job_title);
CREATE TYPE crm.pair AS (id integer, account_id integer);

-- ---------------------------------------------------------------------------
-- bind_people
-- ---------------------------------------------------------------------------
SELECT is((SELECT count(*) FROM bg_internal.binding), 0::bigint, 'nothing is bound after CREATE EXTENSION');
SELECT lives_ok($$SELECT bg.bind_people('crm.person')$$, 'bind_people with the default columns');
SELECT results_eq(
    $$SELECT kind, relid, key_column, account_column, name_column, parent_column, bound_at FROM bg_internal.binding$$,
    $$VALUES ('people', 'crm.person'::regclass, 'id'::name, 'account_id'::name, NULL::name, NULL::name, now())$$,
    'bg_internal.binding records the people table with its key and account columns');

CREATE TEMP TABLE binding_before AS SELECT * FROM bg_internal.binding;
SELECT throws_ok($$SELECT bg.bind_people('crm.contact')$$, '42703',
    'column "id" does not exist in table crm.contact', 'a missing default key column is refused');
SELECT is(tap.error_of($$SELECT bg.bind_people('crm.contact')$$),
    ARRAY['42703', 'column "id" does not exist in table crm.contact', 'It was named as the key column.',
          'The columns of crm.contact are: contact_no, company, job_title, seniority, region.'],
    'the error says which column was meant and the hint lists the columns');
SELECT throws_ok($$SELECT bg.bind_people('crm.contact', key => 'contact_no')$$, '42703',
    'column "account_id" does not exist in table crm.contact', 'a missing default account column is refused');
SELECT is((tap.error_of($$SELECT bg.bind_people('crm.contact', key => 'contact_no')$$))[3],
    'It was named as the account column.', 'the detail names the account column');
SELECT throws_ok($$SELECT bg.bind_people('crm.person', 'ID')$$, '42703',
    'column "ID" does not exist in table crm.person', 'column names are exact identifiers');
SELECT throws_ok($$SELECT bg.bind_people('crm."Company"', 'key', 'Title')$$, '42703',
    'column "key" does not exist in table crm."Company"', 'a quoted table is named quoted');
SELECT is((tap.error_of($$SELECT bg.bind_people('crm."Company"', 'key', 'Title')$$))[4],
    'The columns of crm."Company" are: "Key", "Title".', 'the hint quotes the column names that need it');
SELECT throws_ok($$SELECT bg.bind_people('crm.person', NULL)$$, '22004',
    'key column must not be null', 'a NULL key column is refused');
SELECT throws_ok($$SELECT bg.bind_people('crm.person', 'id', NULL)$$, '22004',
    'account column must not be null', 'a NULL account column is refused');
SELECT throws_ok($$SELECT bg.bind_people(NULL)$$, '22004',
    'table must not be null', 'a NULL table is refused');
SELECT throws_ok($$SELECT bg.bind_people('crm.seq')$$, '42809',
    '"crm.seq" is not a table or view', 'a sequence cannot be bound');
SELECT throws_ok($$SELECT bg.bind_people('crm.person_title_idx')$$, '42809',
    '"crm.person_title_idx" is not a table or view', 'an index cannot be bound');
SELECT throws_ok($$SELECT bg.bind_people('crm.pair')$$, '42809',
    '"crm.pair" is not a table or view', 'a composite type cannot be bound');
SELECT throws_ok($$SELECT bg.bind_people('crm.nope')$$, '42P01',
    NULL, 'an unknown table is refused');
CREATE TABLE crm.gone (id integer, account_id integer);
CREATE TEMP TABLE gone AS SELECT 'crm.gone'::regclass::oid AS relid;
DROP TABLE crm.gone;
SELECT throws_ok(format('SELECT bg.bind_people(%s::regclass)', (SELECT relid FROM gone)), '42P01',
    NULL, 'the OID of a dropped table is refused as an unknown table');
SELECT results_eq('SELECT * FROM bg_internal.binding', 'SELECT * FROM binding_before',
    'the refused bind_people calls left the binding as it was');

SELECT lives_ok($$SELECT bg.bind_people('crm.contact', key => 'contact_no', account => 'company')$$,
    'bind_people with named key and account columns');
SELECT results_eq($$SELECT kind, relid, key_column, account_column FROM bg_internal.binding$$,
    $$VALUES ('people', 'crm.contact'::regclass, 'contact_no'::name, 'company'::name)$$,
    're-binding replaces the people binding');
SELECT lives_ok($$SELECT bg.bind_people('crm.person_view')$$, 'a view can be bound');
SELECT lives_ok($$SELECT bg.bind_people('crm."Company"', 'Key', 'Key')$$, 'quoted column names');
SELECT results_eq($$SELECT relid, key_column, account_column FROM bg_internal.binding$$,
    $$VALUES ('crm."Company"'::regclass, 'Key'::name, 'Key'::name)$$, 'quoted names are kept exactly');
SELECT lives_ok($$SELECT bg.bind_people('crm.person')$$, 'bind crm.person again');

-- ---------------------------------------------------------------------------
-- bind_accounts
-- ---------------------------------------------------------------------------
SELECT lives_ok($$SELECT bg.bind_accounts('crm.account')$$, 'bind_accounts with the default columns');
SELECT results_eq(
    $$SELECT kind, relid, key_column, account_column, name_column, parent_column, bound_at
        FROM bg_internal.binding ORDER BY kind$$,
    $$VALUES ('accounts', 'crm.account'::regclass, 'id'::name, NULL::name, 'name'::name, NULL::name, now()),
             ('people', 'crm.person'::regclass, 'id'::name, 'account_id'::name, NULL::name, NULL::name, now())$$,
    'bg_internal.binding records the account table next to the people table');
SELECT lives_ok($$SELECT bg.bind_accounts('crm.account', parent => 'parent_id')$$, 'bind_accounts with a parent');
SELECT results_eq($$SELECT relid, key_column, name_column, parent_column FROM bg_internal.binding WHERE kind = 'accounts'$$,
    $$VALUES ('crm.account'::regclass, 'id'::name, 'name'::name, 'parent_id'::name)$$,
    're-binding replaces the account binding');

DROP TABLE binding_before;
CREATE TEMP TABLE binding_before AS SELECT * FROM bg_internal.binding;
SELECT throws_ok($$SELECT bg.bind_accounts('crm.account', parent => 'parent')$$, '42703',
    'column "parent" does not exist in table crm.account', 'a missing parent column is refused');
SELECT is(tap.error_of($$SELECT bg.bind_accounts('crm.account', parent => 'parent')$$),
    ARRAY['42703', 'column "parent" does not exist in table crm.account', 'It was named as the parent column.',
          'The columns of crm.account are: id, name, parent_id.'],
    'the parent error names the column and lists the columns');
SELECT throws_ok($$SELECT bg.bind_accounts('crm.contact')$$, '42703',
    'column "id" does not exist in table crm.contact', 'a missing key column is refused');
SELECT throws_ok($$SELECT bg.bind_accounts('crm.person')$$, '42703',
    'column "name" does not exist in table crm.person', 'a missing name column is refused');
SELECT is((tap.error_of($$SELECT bg.bind_accounts('crm.person')$$))[3],
    'It was named as the name column.', 'the detail names the name column');
SELECT throws_ok($$SELECT bg.bind_accounts('crm.account', name => NULL)$$, '22004',
    'name column must not be null', 'a NULL name column is refused');
SELECT throws_ok($$SELECT bg.bind_accounts('crm.seq')$$, '42809',
    '"crm.seq" is not a table or view', 'a sequence cannot be bound as accounts');
SELECT throws_ok($$SELECT bg.bind_accounts(NULL)$$, '22004',
    'table must not be null', 'a NULL account table is refused');
SELECT results_eq('SELECT * FROM bg_internal.binding', 'SELECT * FROM binding_before',
    'the refused bind_accounts calls left both bindings as they were');
SELECT lives_ok($$SELECT bg.bind_accounts('crm.account', 'id', 'name', NULL)$$,
    'bind_accounts without a parent again');
SELECT is((SELECT parent_column FROM bg_internal.binding WHERE kind = 'accounts'), NULL, 'the parent is removed');

-- ---------------------------------------------------------------------------
-- Conditions are checked against the bound people table when saved
-- ---------------------------------------------------------------------------
SELECT bg.create_template('T');
SELECT lives_ok($$SELECT bg.add_role('T', 'Champion', $c$department is 'Security'$c$)$$,
    'a condition over columns of crm.person is accepted');
SELECT is((tap.error_of($$SELECT bg.add_role('T', 'Influencer', $c$region is 'EMEA'$c$)$$))[1:3],
    ARRAY['42703', 'invalid condition for role "Influencer" of roles template "T"',
          $d$Column "region" does not exist in table crm.person. At character 1 of condition "region is 'EMEA'".$d$],
    'a column of another table is refused (the cause in DETAIL)');
SELECT is((tap.error_of($$SELECT bg.add_role('T', 'Influencer', $c$job_titel contains 'CISO'$c$)$$))[1:2],
    ARRAY['42703', 'invalid condition for role "Influencer" of roles template "T"'],
    'a misspelt column is refused');
SELECT matches((tap.error_of($$SELECT bg.add_role('T', 'Influencer', $c$job_titel contains 'CISO'$c$)$$))[4],
    'job_title', 'the hint names the closest column');
SELECT is((tap.error_of($$SELECT bg.add_role('T', 'Influencer', $c$job_titel contains 'CISO'$c$)$$))[3],
    $d$Column "job_titel" does not exist in table crm.person. At character 1 of condition "job_titel contains 'CISO'".$d$,
    'the detail gives the cause and the position');
SELECT throws_ok($$SELECT bg.check_condition($c$region is 'EMEA'$c$)$$, '42703',
    'column "region" does not exist in table crm.person',
    'check_condition without a table checks against the bound people table');
SELECT is(bg.check_condition($c$region is 'EMEA'$c$, 'crm.contact'), $c$region is 'EMEA'$c$,
    'check_condition against another table');

-- bind_people re-checks every saved condition
SELECT lives_ok($$SELECT bg.add_role('T', 'Influencer', 'seniority >= 3')$$, 'a numeric condition');
SELECT bg.copy_template('T', 'Live T');
SELECT bg.publish_template('Live T');
DROP TABLE binding_before;
CREATE TEMP TABLE binding_before AS SELECT * FROM bg_internal.binding;
SELECT is((tap.error_of($$SELECT bg.bind_people('crm.contact', 'contact_no', 'company')$$))[1:3],
    ARRAY['42703', 'cannot bind crm.contact: the condition of role "Champion" in roles template "Live T" does not fit it',
          $d$Column "department" does not exist in table crm.contact. At character 1 of condition "department is 'Security'".$d$],
    'binding a table lacking a column used by a saved condition is refused');
SELECT throws_ok($$SELECT bg.bind_people('crm.lead')$$, '42703', NULL,
    'binding a table lacking a column of a saved condition is refused (crm.lead)');
SELECT results_eq('SELECT * FROM bg_internal.binding', 'SELECT * FROM binding_before',
    'the refused re-binding leaves the old binding');
SELECT lives_ok($$SELECT bg.drop_template('T')$$, 'drop the draft');
SELECT throws_ok($$SELECT bg.bind_people('crm.contact', 'contact_no', 'company')$$, '42703', NULL,
    'the conditions of a live template are re-checked too');
SELECT lives_ok($$SELECT bg.copy_template('Live T', 'T')$$, 'a draft copy of the live template');
SELECT lives_ok($$SELECT bg.set_condition('T', 'Champion', NULL)$$, 'remove the department condition of the draft');
SELECT throws_ok($$SELECT bg.bind_people('crm.lead')$$, '42703', NULL,
    'the live template still holds the department condition');
SELECT results_eq('SELECT * FROM bg_internal.binding', 'SELECT * FROM binding_before',
    'still the old binding');

-- a table with the columns but another type
CREATE TABLE crm.lead2 (id integer, account_id integer, department text, seniority text);
SELECT throws_ok($$SELECT bg.bind_people('crm.lead2')$$, '42804', NULL,
    'binding a table where a condition column has another type is refused');
SELECT results_eq('SELECT * FROM bg_internal.binding', 'SELECT * FROM binding_before', 'and leaves the old binding');
CREATE TABLE crm.person2 (id integer, account_id integer, department text, seniority numeric, extra text);
SELECT lives_ok($$SELECT bg.bind_people('crm.person2')$$, 'a table that fits every saved condition can be bound');
SELECT lives_ok($$SELECT bg.set_condition('T', 'Champion', $c$extra is empty$c$)$$,
    'new conditions are checked against the new table');
SELECT throws_ok($$SELECT bg.set_condition('T', 'Champion', $c$job_title is empty$c$)$$, '42703', NULL,
    'a column only the old table had is refused now');

-- ---------------------------------------------------------------------------
-- Nothing bound: conditions are checked for syntax only, then on binding
-- ---------------------------------------------------------------------------
DELETE FROM bg_internal.binding;
SELECT lives_ok($$SELECT bg.set_condition('T', 'Champion', $c$anything contains 'x'$c$)$$,
    'with no people table bound a condition is checked for syntax only');
SELECT throws_ok($$SELECT bg.set_condition('T', 'Champion', $c$anything contains$c$)$$, '42601', NULL,
    'but malformed text is still refused');
SELECT is((tap.error_of($$SELECT bg.bind_people('crm.person')$$))[1:3],
    ARRAY['42703', 'cannot bind crm.person: the condition of role "Champion" in roles template "T" does not fit it',
          $d$Column "anything" does not exist in table crm.person. At character 1 of condition "anything contains 'x'".$d$],
    'binding then checks the condition saved without a table');
SELECT is((SELECT count(*) FROM bg_internal.binding), 0::bigint, 'and nothing was bound');

-- ---------------------------------------------------------------------------
-- The bound table is dropped
-- ---------------------------------------------------------------------------
SELECT bg.set_condition('T', 'Champion', NULL);
SELECT bg.bind_people('crm.person2');
SELECT throws_ok($$DROP TABLE crm.person2$$, '2BP01', 'cannot drop crm.person2: it is the bound people table',
    'the DDL guard refuses to drop the bound table by name');
SET check_function_bodies = off;    -- the guard stands aside (as for a restore): a dangling binding
DROP TABLE crm.person2;
RESET check_function_bodies;
SELECT throws_ok($$SELECT bg.set_condition('T', 'Champion', $c$department is 'IT'$c$)$$, '42P01', NULL,
    'a condition saved after the bound table was dropped gets a clear error, not an internal one');
SELECT throws_ok($$SELECT bg.check_condition($c$department is 'IT'$c$)$$, '42P01', NULL,
    'check_condition against a dropped bound table gets a clear error, not an internal one');
SELECT lives_ok($$SELECT bg.bind_people('crm.person')$$, 'a table can be bound again after the old one was dropped');

SELECT * FROM finish();
ROLLBACK;
