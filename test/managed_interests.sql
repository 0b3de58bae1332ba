-- Solution interests and buying group jobs (docs/design.md §6):
-- create_solution_interest, drop_solution_interest, the
-- bg.solution_interests view, create_buying_groups and its jobs,
-- drop_buying_groups and buying_group_id.
BEGIN;
SELECT plan(91);

CREATE SCHEMA crm;
CREATE TABLE crm.account (id integer PRIMARY KEY, name text, region text, parent_id integer);
INSERT INTO crm.account VALUES
    (1, 'Acme',      'EU', NULL),
    (2, 'Acme Labs', 'EU', 1),
    (3, 'Globex',    'US', NULL),
    (4, NULL,        NULL, NULL),
    (5, 'Initech',   'US', NULL);
CREATE TABLE crm.person (id integer PRIMARY KEY, account_id integer, job_title text, seniority integer);
INSERT INTO crm.person VALUES
    (101, 1, 'CEO', 5),                     -- Decision Maker
    (102, 1, 'CISO', 4),                    -- Influencer
    (103, 1, 'Engineer', 1),                -- no role
    (201, 2, 'Security Architect', 3),      -- Influencer
    (301, 3, 'CTO', 5),                     -- Decision Maker
    (302, 3, 'Head of Security', 4),        -- Influencer
    (303, 3, 'VP Security', 4),             -- Influencer
    (501, 5, 'Intern', 1);                  -- no role

SELECT bg.create_template('Security');
SELECT bg.add_role('Security', 'Decision Maker', 'job_title is any (''CEO'', ''CTO'', ''CFO'')');
SELECT bg.add_role('Security', 'Influencer', 'seniority >= 3', members_required => 2);
SELECT bg.add_role('Security', 'Champion', required => false);
SELECT bg.publish_template('Security');
SELECT bg.create_template('Draft');
SELECT bg.add_role('Draft', 'Champion');

CREATE TEMP TABLE jobs (name text PRIMARY KEY, id bigint);

-- ---------------------------------------------------------------------------
-- create_solution_interest
-- ---------------------------------------------------------------------------
SELECT throws_ok($$SELECT bg.create_solution_interest('Sub', 'Security', include_subaccounts => true)$$, '55000',
    'no accounts table is bound', 'include_subaccounts needs bound accounts');
SELECT bg.bind_accounts('crm.account');
SELECT throws_ok($$SELECT bg.create_solution_interest('Sub', 'Security', include_subaccounts => true)$$, '55000',
    'cannot include subaccounts: the accounts are bound without a parent column',
    'include_subaccounts needs accounts bound with a parent column');
SELECT throws_ok($$SELECT bg.create_solution_interest('X', 'Draft')$$, '55000',
    'roles template "Draft" is a draft', 'a draft template is refused (55000)');
SELECT throws_ok($$SELECT bg.create_solution_interest('X', 'Nope')$$, '42704',
    'roles template "Nope" does not exist', 'an unknown template is 42704');
SELECT throws_ok($$SELECT bg.create_solution_interest('X', 'security')$$, '42704', NULL,
    'template names are exact');
SELECT throws_ok($$SELECT bg.create_solution_interest('X', NULL)$$, '22004', NULL, 'a NULL template is 22004');
SELECT throws_ok($$SELECT bg.create_solution_interest(NULL, 'Security')$$, '22004', NULL, 'a NULL name is 22004');
SELECT throws_ok($$SELECT bg.create_solution_interest(' ', 'Security')$$, '22023', NULL, 'a blank name is 22023');
SELECT throws_ok($$SELECT bg.create_solution_interest('X', 'Security', update_existing => NULL)$$, '22004',
    'update_existing must not be null', 'a NULL update_existing is 22004');
SELECT throws_ok($$SELECT bg.create_solution_interest('X', 'Security', include_subaccounts => NULL)$$, '22004',
    'include_subaccounts must not be null', 'a NULL include_subaccounts is 22004');
SELECT is((SELECT count(*) FROM bg_internal.solution_interest), 0::bigint, 'the refused calls created nothing');

SELECT lives_ok($$SELECT bg.create_solution_interest(' Security Suite ', 'Security', 'The whole suite')$$,
    'create_solution_interest with a live template');
SELECT lives_ok($$SELECT bg.create_solution_interest('Data Platform', 'Security', update_existing => true)$$,
    'create_solution_interest with update_existing');
SELECT results_eq(
    $$SELECT name, template, description, update_existing, include_subaccounts, buying_group_count
        FROM bg.solution_interests$$,
    $$VALUES ('Data Platform', 'Security', NULL::text, true, false, 0::bigint),
             ('Security Suite', 'Security', 'The whole suite', false, false, 0::bigint)$$,
    'bg.solution_interests lists them by name; the name is trimmed');
SELECT results_eq(
    $$SELECT attname::text COLLATE "default" FROM pg_attribute
       WHERE attrelid = 'bg.solution_interests'::regclass AND attnum > 0 ORDER BY attnum$$,
    $$VALUES ('name'), ('template'), ('description'), ('update_existing'), ('include_subaccounts'),
             ('buying_group_count'), ('created_at'), ('stage_model')$$,
    'bg.solution_interests has the documented columns');
SELECT throws_ok($$SELECT bg.create_solution_interest('Security Suite', 'Security')$$, '42710',
    'solution interest "Security Suite" already exists', 'a duplicate name is 42710');

-- drop_solution_interest of an interest without groups
SELECT bg.create_solution_interest('Temp', 'Security');
SELECT lives_ok($$SELECT bg.drop_solution_interest('Temp')$$, 'drop_solution_interest drops an interest without groups');
SELECT ok(NOT EXISTS (SELECT FROM bg.solution_interests WHERE name = 'Temp'), 'it is gone');
SELECT throws_ok($$SELECT bg.drop_solution_interest('Temp')$$, '42704',
    'solution interest "Temp" does not exist', 'dropping an unknown interest is 42704');
SELECT throws_ok($$SELECT bg.drop_solution_interest(NULL)$$, '22004', NULL, 'dropping NULL is 22004');

-- ---------------------------------------------------------------------------
-- create_buying_groups
-- ---------------------------------------------------------------------------
SELECT bg.create_account_list('Targets');
SELECT FROM bg.add_accounts('Targets', ARRAY[1, 3, 4]);
SELECT throws_ok($$SELECT bg.create_buying_groups('Security Suite', 'Targets')$$, '55000',
    'no people table is bound', 'create_buying_groups needs bound people');
SELECT bg.bind_people('crm.person');
SELECT throws_ok($$SELECT bg.create_buying_groups('Nope', 'Targets')$$, '42704',
    'solution interest "Nope" does not exist', 'an unknown solution interest is 42704');
SELECT throws_ok($$SELECT bg.create_buying_groups('Security Suite', 'Nope')$$, '42704',
    'account list "Nope" does not exist', 'an unknown account list is 42704');
SELECT throws_ok($$SELECT bg.create_buying_groups(NULL, 'Targets')$$, '22004', NULL, 'a NULL solution interest is 22004');
SELECT throws_ok($$SELECT bg.create_buying_groups('Security Suite', NULL)$$, '22004', NULL, 'a NULL list is 22004');
SELECT is((SELECT count(*) FROM bg.jobs), 0::bigint, 'the refused calls recorded no job');

INSERT INTO jobs SELECT 'first', bg.create_buying_groups('Security Suite', 'Targets');
SELECT results_eq(
    $$SELECT j.id, solution_interest, account_list, status, groups_created, members_added, error, error_code,
             finished_at >= started_at
        FROM bg.jobs j$$,
    $$SELECT id, 'Security Suite', 'Targets', 'done', 3::bigint, 5::bigint, NULL::text, NULL::text, true
        FROM jobs WHERE name = 'first'$$,
    'the job is recorded as done with its counts');
SELECT results_eq(
    $$SELECT name, solution_interest, template, account_key, account_name FROM bg.buying_groups ORDER BY account_key$$,
    $$VALUES ('Security Suite for Acme', 'Security Suite', 'Security', '1', 'Acme'),
             ('Security Suite for Globex', 'Security Suite', 'Security', '3', 'Globex'),
             ('Security Suite for 4', 'Security Suite', 'Security', '4', NULL)$$,
    'one group per listed account, named <solution interest> for <account name> (the key without a name)');
SELECT is((SELECT count(*) FROM bg_internal.buying_group g JOIN jobs j ON j.id = g.job_id WHERE j.name = 'first'), 3::bigint,
    'the groups record their job');
SELECT results_eq(
    $$SELECT account_key, person_key, role, source, is_removed, removed_at FROM bg.members
       ORDER BY account_key, person_key$$,
    $$VALUES ('1', '101', 'Decision Maker', 'rule', false, NULL::timestamptz),
             ('1', '102', 'Influencer', 'rule', false, NULL),
             ('3', '301', 'Decision Maker', 'rule', false, NULL),
             ('3', '302', 'Influencer', 'rule', false, NULL),
             ('3', '303', 'Influencer', 'rule', false, NULL)$$,
    'members are assigned by the template''s conditions, with source rule');
SELECT is_empty(
    $$SELECT m.person_key, m.role, bg.role_for('Security', p) FROM bg.members m
        JOIN crm.person p ON p.id = m.person_key::integer
       WHERE m.role IS DISTINCT FROM bg.role_for('Security', p)$$,
    'every member has the role role_for gives');
SELECT results_eq(
    $$SELECT account_key, member_count, role_counts, completeness, role_completeness, missing_roles
        FROM bg.buying_groups ORDER BY account_key$$,
    $$VALUES ('1', 2, '{"Decision Maker": 1, "Influencer": 1, "Champion": 0}'::jsonb, 75::float8,
              '{"Decision Maker": 100, "Influencer": 50, "Champion": 0}'::jsonb, ARRAY['Influencer']),
             ('3', 3, '{"Decision Maker": 1, "Influencer": 2, "Champion": 0}', 100,
              '{"Decision Maker": 100, "Influencer": 100, "Champion": 0}', '{}'),
             ('4', 0, '{"Decision Maker": 0, "Influencer": 0, "Champion": 0}', 0,
              '{"Decision Maker": 0, "Influencer": 0, "Champion": 0}', ARRAY['Decision Maker', 'Influencer'])$$,
    'the groups store their scores (an empty group: 0 and every required role missing)');
SELECT is_empty('SELECT * FROM tap.mismatched_groups()', 'the stored scores equal the aggregates over the members');
SELECT is((SELECT buying_group_count FROM bg.solution_interests WHERE name = 'Security Suite'), 3::bigint,
    'bg.solution_interests counts the groups');

-- a second run over the same list skips the existing groups (and their members)
INSERT INTO crm.person VALUES (104, 1, 'CFO', 5);
INSERT INTO jobs SELECT 'second', bg.create_buying_groups('Security Suite', 'Targets');
SELECT results_eq(
    $$SELECT status, groups_created, members_added FROM bg.jobs j JOIN jobs USING (id) WHERE name = 'second'$$,
    $$VALUES ('done', 0::bigint, 0::bigint)$$, 'a second run over the same list creates no groups and no members');
SELECT results_eq($$SELECT count(*), sum(member_count) FROM bg.buying_groups$$, $$VALUES (3::bigint, 5::bigint)$$,
    'the existing groups are left as they were');
SELECT ok((SELECT jobs.id > (SELECT id FROM jobs WHERE name = 'first') FROM jobs WHERE name = 'second'),
    'each run has its own job id');

-- a new account in the list gets a group
SELECT FROM bg.add_accounts('Targets', ARRAY[5]);
INSERT INTO jobs SELECT 'third', bg.create_buying_groups('Security Suite', 'Targets');
SELECT results_eq(
    $$SELECT status, groups_created, members_added FROM bg.jobs j JOIN jobs USING (id) WHERE name = 'third'$$,
    $$VALUES ('done', 1::bigint, 0::bigint)$$, 'a new account of the list gets a group (here without rule members)');
SELECT results_eq($$SELECT name, member_count, completeness FROM bg.buying_groups WHERE account_key = '5'$$,
    $$VALUES ('Security Suite for Initech', 0, 0::float8)$$, 'the new group of account 5');

-- a dynamic list is evaluated again by the run
SELECT bg.create_account_list('EU', 'dynamic', 'region = ''EU''');
UPDATE crm.account SET region = 'eu' WHERE id = 3;
INSERT INTO jobs SELECT 'dynamic', bg.create_buying_groups('Data Platform', 'EU');
SELECT results_eq(
    $$SELECT status, groups_created, members_added FROM bg.jobs j JOIN jobs USING (id) WHERE name = 'dynamic'$$,
    $$VALUES ('done', 3::bigint, 7::bigint)$$, 'the run on a dynamic list re-evaluates its filter first');
SELECT results_eq(
    $$SELECT account_key, name, member_count FROM bg.buying_groups WHERE solution_interest = 'Data Platform'
       ORDER BY account_key$$,
    $$VALUES ('1', 'Data Platform for Acme', 3), ('2', 'Data Platform for Acme Labs', 1),
             ('3', 'Data Platform for Globex', 3)$$,
    'groups for the accounts matching the filter now');
SELECT is((SELECT account_count FROM bg.account_lists WHERE name = 'EU'), 3::bigint, 'the list itself was refreshed');
SELECT is_empty('SELECT * FROM tap.mismatched_groups()', 'the stored scores of every group equal the aggregates');

-- dropping the list keeps the groups
SELECT bg.drop_account_list('EU');
SELECT is((SELECT count(*) FROM bg.buying_groups WHERE solution_interest = 'Data Platform'), 3::bigint,
    'dropping an account list keeps its buying groups');

-- ---------------------------------------------------------------------------
-- buying_group_id
-- ---------------------------------------------------------------------------
SELECT is(bg.buying_group_id('Security Suite', 1), (SELECT id FROM bg.buying_groups
    WHERE solution_interest = 'Security Suite' AND account_key = '1'), 'buying_group_id of an integer key');
SELECT is(bg.buying_group_id('Data Platform', 1), (SELECT id FROM bg.buying_groups
    WHERE solution_interest = 'Data Platform' AND account_key = '1'), 'the group of the named solution interest');
SELECT is(bg.buying_group_id('Security Suite', 3::bigint), (SELECT id FROM bg.buying_groups
    WHERE solution_interest = 'Security Suite' AND account_key = '3'), 'buying_group_id of a bigint key');
SELECT is(bg.buying_group_id('Security Suite', '03'::text), (SELECT id FROM bg.buying_groups
    WHERE solution_interest = 'Security Suite' AND account_key = '3'), 'buying_group_id of a text key');
SELECT is(bg.buying_group_id('Security Suite', a), (SELECT id FROM bg.buying_groups
    WHERE solution_interest = 'Security Suite' AND account_key = '5'), 'buying_group_id of an account row')
  FROM crm.account a WHERE a.id = 5;
SELECT is(bg.buying_group_id('Security Suite', 2), NULL, 'NULL for an account without a group');
SELECT is(bg.buying_group_id('Security Suite', 99), NULL, 'NULL for an unknown account');
SELECT throws_ok($$SELECT bg.buying_group_id('Nope', 1)$$, '42704',
    'solution interest "Nope" does not exist', 'an unknown solution interest is 42704');
SELECT throws_ok($$SELECT bg.buying_group_id(NULL, 1)$$, '22004', NULL, 'a NULL solution interest is 22004');
SELECT throws_ok($$SELECT bg.buying_group_id('Security Suite', NULL::integer)$$, '22004', NULL,
    'a NULL account is 22004');
SELECT throws_ok($$SELECT bg.buying_group_id('Security Suite', 'one'::text)$$, '22P02', NULL,
    'an uncastable account key is 22P02');

-- ---------------------------------------------------------------------------
-- drop_solution_interest and drop_buying_groups
-- ---------------------------------------------------------------------------
SELECT throws_ok($$SELECT bg.drop_solution_interest('Security Suite')$$, '2BP01',
    'cannot drop solution interest "Security Suite": it has 4 buying groups',
    'an interest with buying groups cannot be dropped');
SELECT throws_ok($$DELETE FROM bg_internal.solution_interest WHERE name = 'Security Suite'$$, '2BP01',
    'cannot drop solution interest "Security Suite": it has 4 buying groups',
    'a direct delete of an interest with buying groups is refused too');
SELECT is((SELECT buying_group_count FROM bg.solution_interests WHERE name = 'Security Suite'), 4::bigint,
    'it is still there with its groups');
SELECT is(bg.drop_buying_groups('Security Suite'), 4::bigint, 'drop_buying_groups returns how many it deleted');
SELECT is((SELECT count(*) FROM bg.members WHERE solution_interest = 'Security Suite'), 0::bigint,
    'their members went with them');
SELECT is((SELECT count(*) FROM bg_internal.member m WHERE NOT EXISTS (SELECT FROM bg_internal.buying_group g WHERE g.id = m.group_id)),
    0::bigint, 'no member is left without its group');
SELECT results_eq($$SELECT solution_interest, count(*) FROM bg.buying_groups GROUP BY 1$$,
    $$VALUES ('Data Platform', 3::bigint)$$, 'the groups of other interests stay');
SELECT is(bg.drop_buying_groups('Security Suite'), 0::bigint, 'a second drop_buying_groups deletes nothing');
SELECT throws_ok($$SELECT bg.drop_buying_groups('Nope')$$, '42704', NULL, 'drop_buying_groups of an unknown interest');
SELECT lives_ok($$SELECT bg.drop_solution_interest('Security Suite')$$, 'without groups the interest can be dropped');
SELECT results_eq($$SELECT name FROM bg.solution_interests$$, $$VALUES ('Data Platform')$$, 'it is gone');
SELECT is((SELECT count(*) FROM bg.jobs WHERE solution_interest = 'Security Suite'), 3::bigint,
    'its jobs stay recorded');

-- ---------------------------------------------------------------------------
-- include_subaccounts
-- ---------------------------------------------------------------------------
SELECT bg.bind_accounts('crm.account', parent => 'parent_id');
SELECT lives_ok($$SELECT bg.create_solution_interest('Group wide', 'Security', include_subaccounts => true)$$,
    'include_subaccounts with accounts bound with a parent column');
SELECT is((SELECT include_subaccounts FROM bg.solution_interests WHERE name = 'Group wide'), true,
    'the view shows include_subaccounts');
SELECT bg.create_account_list('Acme only');
SELECT FROM bg.add_accounts('Acme only', ARRAY[1]);
INSERT INTO jobs SELECT 'subtree', bg.create_buying_groups('Group wide', 'Acme only');
SELECT results_eq(
    $$SELECT person_key, role FROM bg.members WHERE solution_interest = 'Group wide' ORDER BY person_key$$,
    $$VALUES ('101', 'Decision Maker'), ('102', 'Influencer'), ('104', 'Decision Maker'), ('201', 'Influencer')$$,
    'the group of account 1 counts the people of its subaccount 2');
SELECT results_eq(
    $$SELECT completeness, missing_roles FROM bg.buying_groups WHERE solution_interest = 'Group wide'$$,
    $$VALUES (100::float8, '{}'::text[])$$, 'and is complete with them');
SELECT bg.bind_accounts('crm.account');
SELECT throws_ok($$SELECT bg.create_buying_groups('Group wide', 'Acme only')$$, '55000', NULL,
    'a run of an include_subaccounts interest on accounts bound without parent is 55000');
SELECT is((SELECT count(*) FROM bg.jobs WHERE solution_interest = 'Group wide'), 1::bigint,
    'and records no job');
SELECT bg.bind_accounts('crm.account', parent => 'parent_id');

-- a template without required roles: completeness NULL, nothing missing
SELECT bg.create_template('Optional');
SELECT bg.add_role('Optional', 'Champion', 'seniority >= 4', required => false);
SELECT bg.publish_template('Optional');
SELECT bg.create_solution_interest('Loose', 'Optional');
SELECT FROM bg.create_buying_groups('Loose', 'Targets');
SELECT results_eq(
    $$SELECT account_key, member_count, role_counts, completeness, missing_roles FROM bg.buying_groups
       WHERE solution_interest = 'Loose' ORDER BY account_key$$,
    $$VALUES ('1', 3, '{"Champion": 3}'::jsonb, NULL::float8, '{}'::text[]), ('3', 3, '{"Champion": 3}', NULL, '{}'),
             ('4', 0, '{"Champion": 0}', NULL, '{}'), ('5', 0, '{"Champion": 0}', NULL, '{}')$$,
    'without a required role a group''s completeness is NULL and no role is missing');

-- ---------------------------------------------------------------------------
-- Failing runs: recorded as failed, nothing else kept
-- ---------------------------------------------------------------------------
SELECT bg.create_solution_interest('Doomed', 'Security');
-- a duplicate person key in a people table without a unique key
CREATE TABLE crm.lead (id integer, account_id integer, job_title text, seniority integer);
INSERT INTO crm.lead VALUES (900, 3, 'CEO', 5), (901, 3, 'CTO', 5), (900, 3, 'CEO', 5);
SELECT bg.bind_people('crm.lead');
-- by default the run's error is raised, and the job goes with the statement
SELECT throws_ok($$SELECT bg.create_buying_groups('Doomed', 'Targets')$$, '23505', NULL,
    'by default a failing run raises its error');
SELECT is((SELECT count(*) FROM bg.jobs WHERE solution_interest = 'Doomed'), 0::bigint,
    'and leaves no job behind');
SELECT throws_ok($$SELECT bg.create_buying_groups('Doomed', 'Targets', record_failure => NULL)$$, '22004',
    'record_failure must not be null', 'a NULL record_failure is 22004');
-- with record_failure the failure is recorded, with a warning
SELECT is((tap.error_of($q$DO $d$ BEGIN SET LOCAL client_min_messages = error;
                            PERFORM bg.create_buying_groups('Doomed', 'Targets', record_failure => true);
                            RAISE EXCEPTION 'rolled back'; END $d$$q$))[1:2],
    ARRAY['P0001', 'rolled back'], 'a recorded failure returns normally');
SET client_min_messages = error;    -- the recorded failures warn
INSERT INTO jobs SELECT 'duplicate', bg.create_buying_groups('Doomed', 'Targets', record_failure => true);
SELECT results_eq(
    $$SELECT solution_interest, account_list, status, groups_created, members_added, error_code,
             error LIKE '%duplicate key%', finished_at IS NOT NULL
        FROM bg.jobs j JOIN jobs USING (id) WHERE name = 'duplicate'$$,
    $$VALUES ('Doomed', 'Targets', 'failed', 0::bigint, 0::bigint, '23505', true, true)$$,
    'a duplicate person key makes the job fail with the error and its SQLSTATE');
SELECT is((SELECT count(*) FROM bg.buying_groups WHERE solution_interest = 'Doomed'), 0::bigint,
    'the failed run kept no group');

-- a column the template reads dropped from the people table
SELECT bg.bind_people('crm.person');
SET check_function_bodies = off;    -- the DDL guard stands aside (as for a restore): an unguarded drop
ALTER TABLE crm.person DROP COLUMN seniority;
RESET check_function_bodies;
INSERT INTO jobs SELECT 'dropped column', bg.create_buying_groups('Doomed', 'Targets', record_failure => true);
SELECT results_eq(
    $$SELECT status, groups_created, members_added, error, error_code
        FROM bg.jobs j JOIN jobs USING (id) WHERE name = 'dropped column'$$,
    $$VALUES ('failed', 0::bigint, 0::bigint, 'column "seniority" does not exist in row type crm.person', '42703')$$,
    'evaluation failing on a dropped column makes the job fail');
RESET client_min_messages;
SELECT is((SELECT count(*) FROM bg.buying_groups WHERE solution_interest = 'Doomed'), 0::bigint,
    'the failed run kept no group');
SELECT is((SELECT count(*) FROM bg.members WHERE solution_interest = 'Doomed'), 0::bigint,
    'and no member');
SELECT is((SELECT buying_group_count FROM bg.solution_interests WHERE name = 'Doomed'), 0::bigint,
    'the interest has no groups');
SELECT results_eq($$SELECT status, count(*) FROM bg.jobs GROUP BY 1 ORDER BY 1$$,
    $$VALUES ('done', 6::bigint), ('failed', 2::bigint)$$, 'every run is recorded; none stays running');
SELECT is_empty('SELECT * FROM tap.mismatched_groups()', 'the stored scores still equal the aggregates');

-- NULL names, a role position outside the template, a bound table dropped
SELECT throws_ok($$SELECT bg.create_buying_groups(NULL, 'Targets')$$, '22004',
    'solution interest must not be null', 'a NULL solution interest is 22004');
SELECT throws_ok($$SELECT bg.create_buying_groups('Doomed', NULL)$$, '22004',
    'account list must not be null', 'a NULL account list is 22004');
SELECT throws_ok($$SELECT bg_internal._position_tally('Security', 9) FROM (VALUES (1)) v$$, '22023', NULL,
    'a role position outside the template is 22023');
CREATE TABLE crm.gone AS SELECT *, 1 AS seniority FROM crm.person WITH NO DATA;
SELECT bg.bind_people('crm.gone');
SET check_function_bodies = off;
DROP TABLE crm.gone;
RESET check_function_bodies;
SELECT throws_ok($$SELECT bg.create_buying_groups('Doomed', 'Targets')$$, '42P01', NULL,
    'a dropped people table is 42P01, before any job is recorded');
SELECT is((SELECT count(*) FROM bg.jobs), 8::bigint, 'no job was recorded for it');

SELECT * FROM finish();
ROLLBACK;
