-- Stage models and status (docs/design.md §7.2), as the levels see them:
-- a writer moves groups and sets their status but defines no model, a
-- reader only reads; bg.stage_history and the stage columns of
-- bg.buying_groups show only the groups of accounts the role may SELECT
-- (row-level security on the bound accounts table); nothing is half written
-- after a refused move.
BEGIN;
SELECT plan(14);

CREATE SCHEMA crm;
CREATE TABLE crm.account (id integer PRIMARY KEY, name text, owner_role text);
INSERT INTO crm.account VALUES (1, 'Acme', 'tap_stage_writer'), (2, 'Globex', 'nobody');
CREATE TABLE crm.person (id integer PRIMARY KEY, account_id integer, job_title text);
INSERT INTO crm.person VALUES (101, 1, 'CEO'), (201, 2, 'CTO');
SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', 'job_title is any (''CEO'', ''CTO'')');
SELECT bg.publish_template('T');
SELECT bg.bind_accounts('crm.account');
SELECT bg.bind_people('crm.person');
SELECT bg.create_solution_interest('Suite', 'T');
SELECT bg.create_account_list('Both');
SELECT FROM bg.add_accounts('Both', ARRAY[1, 2]);
SELECT FROM bg.create_buying_groups('Suite', 'Both');
SELECT bg.create_stage_model('Funnel');
SELECT bg.add_stage('Funnel', 'Lead', entry => true);
SELECT bg.add_stage('Funnel', 'Won', outcome => 'success');
SELECT bg.allow_transition('Funnel', 'Lead', 'Won');
SELECT bg.publish_stage_model('Funnel');
SELECT bg.set_stage_model('Suite', 'Funnel');
CREATE TEMP TABLE g AS SELECT bg.buying_group_id('Suite', 1) AS g1, bg.buying_group_id('Suite', 2) AS g2;
GRANT SELECT ON g TO PUBLIC;

CREATE ROLE tap_stage_writer;
CREATE ROLE tap_stage_reader;
SELECT bg.grant_access('tap_stage_writer', 'writer');
SELECT bg.grant_access('tap_stage_reader', 'reader');
-- each role sees the accounts it owns
GRANT USAGE ON SCHEMA crm TO tap_stage_writer, tap_stage_reader;
GRANT SELECT ON crm.account TO tap_stage_writer, tap_stage_reader;
ALTER TABLE crm.account ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON crm.account FOR SELECT USING (owner_role = current_user);

SET ROLE tap_stage_writer;
SELECT lives_ok(format('SELECT bg.move_stage(%s, ''Won'')', (SELECT g1 FROM g)), 'a writer moves a group');
SELECT lives_ok(format('SELECT bg.set_status(%s, ''Signed'')', (SELECT g1 FROM g)), 'a writer sets a status');
SELECT is(bg.move_stages(ARRAY[(SELECT g2 FROM g)], 'Won'), 1, 'a writer moves groups in bulk');
SELECT throws_ok($$SELECT bg.create_stage_model('Mine')$$, '42501', NULL, 'a writer defines no stage model');
SELECT throws_ok($$SELECT bg.set_stage_model('Suite', NULL)$$, '42501', NULL, 'nor gives one to an interest');
SELECT results_eq($$SELECT buying_group, from_stage, to_stage, source FROM bg.stage_history$$,
    format($$VALUES (%1$s::bigint, NULL::text, 'Lead'::text, 'set_stage_model'::text),
                    (%1$s, 'Lead', 'Won', 'manual')$$, (SELECT g1 FROM g)),
    'the history shows only the groups of the accounts the role may see');
SELECT results_eq($$SELECT stage, status FROM bg.buying_groups$$, $$VALUES ('Won'::text, 'Signed'::text)$$,
    'and so do the stage columns of bg.buying_groups');
RESET ROLE;

SET ROLE tap_stage_reader;
SELECT throws_ok(format('SELECT bg.move_stage(%s, ''Lead'')', (SELECT g1 FROM g)), '42501', NULL,
    'a reader moves no group');
SELECT throws_ok(format('SELECT bg.set_status(%s, NULL)', (SELECT g1 FROM g)), '42501', NULL,
    'nor sets a status');
SELECT is((SELECT count(*) FROM bg.stage_models), 1::bigint, 'a reader reads the stage models');
SELECT is((SELECT count(*) FROM bg.stage_history), 0::bigint, 'and no history of accounts it may not see');
RESET ROLE;

-- a refused move writes nothing, a move to the current stage neither
SELECT is(bg.try_move_stage((SELECT g1 FROM g), 'Lead'), false, 'Won has no way out: try_move_stage is false');
SELECT is(bg.try_move_stage((SELECT g1 FROM g), 'Won'), true, 'the group is in Won already: true');
SELECT is((SELECT count(*) FROM bg_internal.stage_move), 4::bigint, 'neither wrote a history row');

SELECT * FROM finish();
ROLLBACK;
