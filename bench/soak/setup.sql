-- Data of the concurrency soak (bench/soak.sh): :accounts accounts, :people
-- people, a template of five roles over job titles, three solution interests
-- and live mode on.
--   Live    update_existing, over the dynamic list Dyn (region EU or US)
--   Churn   update_existing, over the static list Some; dropped and recreated
--   Static  not update_existing, over Some (creation and manual actions only)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS bg;
CREATE SCHEMA soak;
CREATE TABLE soak.account (id integer PRIMARY KEY, name text NOT NULL, region text);
CREATE TABLE soak.person (id serial PRIMARY KEY, account_id integer NOT NULL, title text);
CREATE INDEX ON soak.person (account_id);
-- a title drawn from a fixed list: n picks it
CREATE FUNCTION soak.title(n double precision) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT (ARRAY['CEO', 'CFO', 'Chief Risk Officer', 'VP Sales', 'Director IT', 'Head of Security',
                  'Engineer', 'Analyst', 'Manager', 'Intern', NULL])[1 + floor(n * 11)::integer]
$$;
INSERT INTO soak.account
SELECT i, 'Account ' || i, (ARRAY['EU', 'US', 'APAC'])[1 + i % 3] FROM generate_series(1, :accounts) i;
INSERT INTO soak.person (account_id, title)
SELECT 1 + (i * 7919) % :accounts, soak.title(((i * 104729) % 1000) / 1000.0) FROM generate_series(1::bigint, :people) i;

SELECT bg.bind_accounts('soak.account');
SELECT bg.bind_people('soak.person');
SELECT bg.create_template('Soak');
SELECT bg.add_role('Soak', 'Executive Steering Committee', $$title starts with 'Chief' or title in ('CEO', 'CFO')$$);
SELECT bg.add_role('Soak', 'Decision Maker', $$title starts with any ('VP', 'Director', 'Head of')$$);
SELECT bg.add_role('Soak', 'Practitioner', $$title contains any ('Engineer', 'Analyst')$$, members_required => 2);
SELECT bg.add_role('Soak', 'Influencer', $$title contains 'Manager'$$);
SELECT bg.add_role('Soak', 'Champion');
SELECT bg.publish_template('Soak');
SELECT bg.create_account_list('Dyn', 'dynamic', $$region in ('EU', 'US')$$);
SELECT bg.create_account_list('Some');
SELECT bg.add_accounts('Some', ARRAY(SELECT id FROM soak.account WHERE id % 3 = 0));
SELECT bg.create_solution_interest('Live', 'Soak', update_existing => true);
SELECT bg.create_solution_interest('Churn', 'Soak', update_existing => true);
SELECT bg.create_solution_interest('Static', 'Soak');
SELECT bg.create_buying_groups('Live', 'Dyn');
SELECT bg.create_buying_groups('Churn', 'Some');
SELECT bg.create_buying_groups('Static', 'Some');
SELECT bg.watch_people();

-- A manual action (op 1 assign, 2 set role, 3 remove, 4 bulk assign, 5 bulk
-- remove) on the group of a person's account, in one of the three
-- interests.  The errors a race makes legitimate are counted in soak.benign
-- (the group was just dropped or the person is not a member: 42704; the
-- person just moved or was deleted: 22023); any other error, a deadlock or a
-- serialization failure included, goes to pgbench.
CREATE UNLOGGED TABLE soak.benign (code text NOT NULL);
CREATE FUNCTION soak.manual(pid integer, op integer, si integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    p soak.person;
    g bigint;
    role text := (ARRAY['Champion', 'Influencer', 'Decision Maker'])[1 + pid % 3];
    others integer[];
BEGIN
    SELECT * INTO p FROM soak.person x WHERE x.id = pid;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    g := bg.buying_group_id((ARRAY['Live', 'Churn', 'Static'])[si], p.account_id);
    IF g IS NULL THEN
        RETURN;
    END IF;
    others := ARRAY(SELECT x.id FROM soak.person x WHERE x.account_id = p.account_id ORDER BY x.id LIMIT 3);
    CASE op
        WHEN 1 THEN PERFORM bg.assign_member(g, pid, role);
        WHEN 2 THEN PERFORM bg.set_member_role(g, pid, role);
        WHEN 3 THEN PERFORM bg.remove_member(g, pid);
        WHEN 4 THEN PERFORM bg.assign_members(g, others, role);
        ELSE PERFORM bg.remove_members(g, others);
    END CASE;
EXCEPTION WHEN undefined_object OR invalid_parameter_value THEN
    INSERT INTO soak.benign VALUES (SQLSTATE);
END $$;
-- mismatched_groups(): groups whose stored scores differ from the
-- aggregates, the tests' own helper (for check.sql)
SET search_path = soak;
\ir ../../test/helpers/scores.sql
RESET search_path;
ANALYZE;
