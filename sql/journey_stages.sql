-- Stage models and status (docs/design.md §7.2): drafts, publish
-- validation (one error per rule), live models that never change, a
-- solution interest's model (existing groups enter its first entry stage;
-- groups created later start there), moves allowed and refused, the bulk
-- move, the stage history and the status.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_journey_stages;
SET search_path = regress_journey_stages, public;

\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL, title text);
INSERT INTO account VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech'), (4, 'Umbrella');
INSERT INTO person VALUES (11, 1, 'CEO'), (21, 2, 'CEO'), (31, 3, 'Engineer'), (41, 4, 'CEO');
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');
SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', 'title contains ''CEO''');
SELECT bg.publish_template('T');
SELECT bg.create_solution_interest('SI', 'T', update_existing => true);
SELECT bg.create_solution_interest('Other', 'T');
SELECT bg.create_account_list('L');
SELECT bg.add_accounts('L', ARRAY[1, 2]);
SELECT bg.create_buying_groups('SI', 'L');
SELECT bg.create_buying_groups('Other', 'L');
CREATE FUNCTION gid(si text, account integer) RETURNS bigint
LANGUAGE sql AS $$ SELECT bg.buying_group_id(si, account) $$;
-- the history of the groups of SI, by account
CREATE FUNCTION history() RETURNS TABLE (account text, from_stage text, to_stage text, source text)
LANGUAGE sql AS $$
    SELECT g.account_key, h.from_stage, h.to_stage, h.source
      FROM bg.stage_history h JOIN bg.buying_groups g ON g.id = h.buying_group
     WHERE h.solution_interest = 'SI' ORDER BY g.account_key, h.moved_at;
$$;

-- A model: Lead (entry) -> Qualified -> Won (success) / Lost (failure);
-- Lost -> Nurture (a failure stage may have a way out) -> Qualified.
SELECT bg.create_stage_model('Sales', 'The sales funnel');
SELECT try($$SELECT bg.create_stage_model('Sales')$$);
SELECT try($$SELECT bg.create_stage_model(NULL)$$);
SELECT try($$SELECT bg.create_stage_model('  ')$$);
SELECT try($$SELECT bg.create_stage_model('Sales ')$$);      -- trimmed: a duplicate
SELECT try($$SELECT bg.add_stage('Nope', 'Lead')$$);
SELECT try($$SELECT bg.add_stage(NULL, 'Lead')$$);
SELECT try($$SELECT bg.add_stage('Sales', NULL)$$);
SELECT try($$SELECT bg.add_stage('Sales', '')$$);
SELECT try($$SELECT bg.add_stage('Sales', 'Lead', entry => NULL)$$);
SELECT try($$SELECT bg.add_stage('Sales', 'Lead', outcome => 'maybe')$$);
SELECT try($$SELECT bg.add_stage('Sales', 'Lead', entry => true, outcome => 'success')$$);

-- publish validation: each rule has its own message (SQLSTATE 55000)
SELECT try($$SELECT bg.publish_stage_model('Sales')$$);      -- no stages: no entry stage
SELECT bg.add_stage('Sales', 'Qualified', 'Budget and need confirmed');
SELECT try($$SELECT bg.publish_stage_model('Sales')$$);      -- no entry stage
SELECT bg.add_stage('Sales', 'Lead', entry => true);
SELECT try($$SELECT bg.add_stage('Sales', 'Lead')$$);
SELECT try($$SELECT bg.publish_stage_model('Sales')$$);      -- no success stage
SELECT bg.add_stage('Sales', 'Won', outcome => 'success');
SELECT bg.add_stage('Sales', 'Won again', outcome => ' Success ');
SELECT try($$SELECT bg.publish_stage_model('Sales')$$);      -- two success stages
SELECT bg.drop_stage_model('Sales');
SELECT bg.create_stage_model('Sales', 'The sales funnel');
SELECT bg.add_stage('Sales', 'Lead', 'A new account', entry => true);
SELECT bg.add_stage('Sales', 'Qualified');
SELECT bg.add_stage('Sales', 'Won', outcome => 'success');
SELECT bg.add_stage('Sales', 'Lost', outcome => 'failure');
SELECT bg.add_stage('Sales', 'Nurture');
SELECT bg.add_stage('Sales', 'Inbound', entry => true);
SELECT try($$SELECT bg.publish_stage_model('Sales')$$);      -- no transition out
SELECT try($$SELECT bg.allow_transition('Sales', 'Lead', 'Lead')$$);
SELECT try($$SELECT bg.allow_transition('Sales', 'Lead', 'Nope')$$);
SELECT try($$SELECT bg.allow_transition('Sales', NULL, 'Lead')$$);
SELECT bg.allow_transition('Sales', 'Lead', 'Qualified');
SELECT bg.allow_transition('Sales', 'Lead', 'Qualified');    -- again: nothing changes
SELECT bg.allow_transition('Sales', 'Lead', 'Lost');
SELECT bg.allow_transition('Sales', 'Qualified', 'Won');
SELECT bg.allow_transition('Sales', 'Qualified', 'Lost');
SELECT bg.allow_transition('Sales', 'Lost', 'Nurture');
SELECT bg.allow_transition('Sales', 'Inbound', 'Qualified');
SELECT bg.allow_transition('Sales', 'Nurture', 'Lead');
SELECT bg.allow_transition('Sales', 'Won', 'Lead');
SELECT bg.disallow_transition('Sales', 'Won', 'Lead');
SELECT bg.disallow_transition('Sales', 'Won', 'Lead');       -- not allowed: nothing changes
SELECT bg.disallow_transition('Sales', 'Lost', 'Nurture');
SELECT try($$SELECT bg.disallow_transition('Sales', 'Lost', 'Nope')$$);
SELECT try($$SELECT bg.publish_stage_model('Sales')$$);      -- Nurture cannot be reached
SELECT bg.allow_transition('Sales', 'Lost', 'Nurture');
SELECT name, status, description, stages, solution_interests, created_at IS NOT NULL AS created, published_at FROM bg.stage_models;
SELECT * FROM bg.stages;
-- a draft is not given to a solution interest
SELECT try($$SELECT bg.set_stage_model('SI', 'Sales')$$);
SELECT bg.publish_stage_model('Sales');
SELECT name, status, published_at IS NOT NULL AS published FROM bg.stage_models;

-- a live model never changes
SELECT try($$SELECT bg.publish_stage_model('Sales')$$);
SELECT try($$SELECT bg.add_stage('Sales', 'Later')$$);
SELECT try($$SELECT bg.allow_transition('Sales', 'Won', 'Lead')$$);
SELECT try($$SELECT bg.disallow_transition('Sales', 'Lead', 'Lost')$$);
SELECT try($$SELECT bg.publish_stage_model('Nope')$$);
SELECT try($$SELECT bg.publish_stage_model(NULL)$$);

-- groups that have no stage
SELECT stage, stage_entered_at, status FROM bg.buying_groups ORDER BY id;
SELECT try(format('SELECT bg.move_stage(%s, ''Lead'')', gid('SI', 1)));
SELECT try(format('SELECT bg.try_move_stage(%s, ''Lead'')', gid('SI', 1)));

-- set_stage_model: the existing groups enter the first entry stage
SELECT try($$SELECT bg.set_stage_model('Nope', 'Sales')$$);
SELECT try($$SELECT bg.set_stage_model('SI', 'Nope')$$);
SELECT try($$SELECT bg.set_stage_model(NULL, 'Sales')$$);
SELECT bg.set_stage_model('SI', 'Sales');
SELECT bg.set_stage_model('SI', 'Sales');                    -- the same: nothing changes
SELECT solution_interest, account_key, stage, stage_entered_at IS NOT NULL AS entered
  FROM bg.buying_groups ORDER BY id;
SELECT name, stage_model FROM bg.solution_interests;
SELECT name, solution_interests FROM bg.stage_models;
SELECT * FROM history();
-- a live model in use is not dropped
SELECT try($$SELECT bg.drop_stage_model('Sales')$$);
SELECT try($$SELECT bg.drop_stage_model('Nope')$$);

-- groups created later start in the first entry stage (and sync keeps it)
SELECT bg.add_accounts('L', ARRAY[3]);
SELECT bg.create_buying_groups('SI', 'L');
SELECT account_key, stage, member_count FROM bg.buying_groups WHERE solution_interest = 'SI' ORDER BY id;
INSERT INTO person VALUES (32, 3, 'CEO');
SELECT bg.sync('SI');
SELECT account_key, stage, member_count FROM bg.buying_groups WHERE solution_interest = 'SI' ORDER BY id;
SELECT * FROM history();

-- moves: allowed, to the current stage (nothing written), refused
SELECT bg.move_stage(gid('SI', 1), 'Qualified');
SELECT bg.move_stage(gid('SI', 1), 'Qualified');
SELECT try(format('SELECT bg.move_stage(%s, ''Lead'')', gid('SI', 1)));
SELECT try(format('SELECT bg.move_stage(%s, ''Nurture'')', gid('SI', 2)));
SELECT bg.try_move_stage(gid('SI', 2), 'Nurture');          -- not allowed: false
SELECT bg.try_move_stage(gid('SI', 2), 'Lead');             -- already there: true
SELECT bg.try_move_stage(gid('SI', 2), 'Lost');
SELECT bg.move_stage(gid('SI', 1), 'Won');
SELECT try(format('SELECT bg.move_stage(%s, ''Qualified'')', gid('SI', 1)));   -- Won has no way out
SELECT try(format('SELECT bg.move_stage(%s, ''Nope'')', gid('SI', 1)));
SELECT try(format('SELECT bg.try_move_stage(%s, ''Nope'')', gid('SI', 1)));
SELECT try(format('SELECT bg.move_stage(%s, NULL)', gid('SI', 1)));
SELECT try($$SELECT bg.move_stage(NULL, 'Lead')$$);
SELECT try($$SELECT bg.move_stage(-1, 'Lead')$$);
SELECT try($$SELECT bg.try_move_stage(-1, 'Lead')$$);
SELECT account_key, stage FROM bg.buying_groups WHERE solution_interest = 'SI' ORDER BY id;
SELECT * FROM history();
-- every from_stage is the previous to_stage of its group
SELECT count(*) AS broken_links
  FROM (SELECT h.buying_group, h.from_stage,
               lag(h.to_stage) OVER (PARTITION BY h.buying_group ORDER BY h.moved_at) AS prev,
               row_number() OVER (PARTITION BY h.buying_group ORDER BY h.moved_at) AS n
          FROM bg.stage_history h) x
 WHERE x.n > 1 AND x.from_stage IS DISTINCT FROM x.prev;
-- stage_entered_at is the time of the last move
SELECT count(*) AS entered_at_mismatches
  FROM bg.buying_groups g
 WHERE g.stage_entered_at IS DISTINCT FROM (SELECT max(h.moved_at) FROM bg.stage_history h WHERE h.buying_group = g.id);

-- the bulk move: those allowed move, the count of moved groups
SELECT bg.move_stages(ARRAY[gid('SI', 1), gid('SI', 2), gid('SI', 3), gid('SI', 3), gid('Other', 1)], 'Nurture');
SELECT bg.move_stages(ARRAY[gid('SI', 3), gid('SI', 2)], 'Qualified');
SELECT bg.move_stages(ARRAY[gid('SI', 3), gid('SI', 2)], 'Qualified');     -- already there
SELECT bg.move_stages('{}', 'Qualified');
SELECT try($$SELECT bg.move_stages(ARRAY[-1, -2], 'Lead')$$);
SELECT try($$SELECT bg.move_stages(NULL, 'Lead')$$);
SELECT try($$SELECT bg.move_stages(ARRAY[NULL]::bigint[], 'Lead')$$);
SELECT try(format('SELECT bg.move_stages(ARRAY[%s], NULL)', gid('SI', 1)));
SELECT try(format('SELECT bg.move_stages(ARRAY[%s], ''Lead'')', gid('Other', 1)));   -- no model
SELECT try(format('SELECT bg.move_stages(ARRAY[%s], ''Nope'')', gid('SI', 1)));
SELECT account_key, stage FROM bg.buying_groups WHERE solution_interest = 'SI' ORDER BY id;

-- status: at most 50 characters, NULL clears
SELECT bg.set_status(gid('SI', 1), 'Waiting for the budget');
SELECT bg.set_status(gid('SI', 1), repeat('x', 50));
SELECT try(format('SELECT bg.set_status(%s, repeat(''é'', 51))', gid('SI', 1)));
SELECT try($$SELECT bg.set_status(-1, 'x')$$);
SELECT try($$SELECT bg.set_status(NULL, 'x')$$);
SELECT account_key, status FROM bg.buying_groups WHERE solution_interest = 'SI' ORDER BY id;
SELECT bg.set_status(gid('SI', 1), NULL);
SELECT account_key, status FROM bg.buying_groups WHERE solution_interest = 'SI' ORDER BY id;

-- another model: the groups re-enter its first entry stage; none: they
-- leave their stage
SELECT bg.create_stage_model('Simple');
SELECT bg.add_stage('Simple', 'Open', entry => true);
SELECT bg.add_stage('Simple', 'Done', outcome => 'success');
SELECT bg.allow_transition('Simple', 'Open', 'Done');
SELECT bg.publish_stage_model('Simple');
SELECT bg.set_stage_model('SI', 'Simple');
SELECT account_key, stage FROM bg.buying_groups WHERE solution_interest = 'SI' ORDER BY id;
SELECT bg.set_stage_model('SI', NULL);
SELECT account_key, stage, stage_entered_at FROM bg.buying_groups WHERE solution_interest = 'SI' ORDER BY id;
SELECT * FROM history();
-- the models no interest uses are dropped; the history stays
SELECT bg.drop_stage_model('Sales');
SELECT bg.drop_stage_model('Simple');
SELECT name, status, description, stages, solution_interests, created_at IS NOT NULL AS created, published_at FROM bg.stage_models;
SELECT count(*) AS history_rows FROM bg.stage_history;
-- the history goes with its groups
SELECT bg.drop_buying_groups('SI');
SELECT count(*) AS history_rows FROM bg_internal.stage_move;

DROP SCHEMA regress_journey_stages CASCADE;
