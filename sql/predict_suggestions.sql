-- Suggested members (docs/design.md §10): bg.suggest_members keeps the
-- confident predictions of a role model as pending suggestions (a job of
-- kind suggestions); pending ones touch no member row, no stored score and
-- no event; accepting makes ordinary members with source ai (scores and
-- events as for every membership change); dismissed people are not
-- suggested again; manual decisions always win; every error's SQLSTATE.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_predict_suggestions;
SET search_path = regress_predict_suggestions, public;

\set try_query
\set score_mismatches
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (
    id          integer PRIMARY KEY,
    account_id  integer NOT NULL REFERENCES account,
    name        text,
    job_title   text
);
INSERT INTO account VALUES (1, 'Acme'), (2, 'Globex'), (9, 'Training');
INSERT INTO person VALUES
    (11, 1, 'Ann', 'Chief Security Officer'),       -- rule: Decision Maker
    (12, 1, 'Bob', 'Director of IT'),               -- rule: Influencer
    (13, 1, 'Cid', 'Leiter IT-Sicherheit'),         -- model: Decision Maker
    (14, 1, 'Dee', 'Sicherheitsingenieur'),         -- model: Practitioner
    (15, 1, 'Eli', 'Assistentin'),                  -- model: no role
    (16, 1, 'Flo', 'Leiterin Netzwerk'),            -- model: Decision Maker
    (21, 2, 'Gus', 'Leiter Netzwerk'),              -- model: Decision Maker
    (22, 2, 'Hal', 'Netzwerkingenieur'),            -- model: Practitioner
    (23, 2, 'Ivy', 'Leiter Sicherheit');               -- model: Decision Maker
-- the training population, in an account without a group
INSERT INTO person
SELECT 100 + i, 9, NULL,
       (ARRAY['Leiter Sicherheit', 'Leiterin Netzwerk', 'Sicherheitsingenieur', 'Netzwerkingenieur',
              'Assistentin', 'Praktikant'])[1 + i % 6]
  FROM generate_series(0, 59) i;
CREATE TABLE labels AS
SELECT p.id AS person_key,
       CASE WHEN p.job_title LIKE 'Leiter%' THEN 'Decision Maker'
            WHEN p.job_title LIKE '%ingenieur' THEN 'Practitioner' END AS role
  FROM person p WHERE p.account_id = 9;
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');

\i :abs_srcdir/test/helpers/fixtures_sec.sql
\i :abs_srcdir/test/helpers/fixtures_members.sql

SELECT bg.create_solution_interest('Security', 'sec', update_existing => true);
SELECT bg.create_account_list('all');
SELECT bg.add_accounts('all', ARRAY[1, 2]);
SELECT bg.create_buying_groups('Security', 'all') > 0 AS created;
SELECT bg.train_role_model('m', 'sec', 'labels') - 'ms';
SELECT (bg.predict_role('m', p)).role, round((bg.predict_role('m', p)).confidence::numeric, 3) AS confidence, p.id
  FROM person p WHERE p.account_id <> 9 ORDER BY p.id;

-- the stored scores and the members before
CREATE TABLE groups_before AS
SELECT g.id, g.account_key, g.member_count, g.role_counts, g.completeness FROM bg.buying_groups g;
SELECT * FROM members('Security');
SELECT coalesce(max(id), 0) AS last_event FROM bg.events \gset

-- a person removed by hand is never suggested; Ivy (23) is removed so
SELECT bg.assign_member(bg.buying_group_id('Security', 2), 23, 'Practitioner');
SELECT bg.remove_member(bg.buying_group_id('Security', 2), 23);
SELECT coalesce(max(id), 0) AS last_event FROM bg.events \gset

-- a run: a job of kind suggestions; current and manually removed members left out
SELECT bg.suggest_members('Security', 'm') AS job \gset
SELECT id = :job AS is_the_job, kind, solution_interest, account_list, status, groups_created, members_added
  FROM bg.jobs WHERE id = :job;
SELECT s.buying_group = bg.buying_group_id('Security', 1) AS acme, s.person_key, s.role,
       round(s.confidence::numeric, 3) AS confidence, s.status, s.decided_at IS NULL AS undecided
  FROM bg.suggestions s ORDER BY s.person_key::int;

-- pending suggestions count nowhere: no member row, no stored score, no event
SELECT * FROM members('Security');
SELECT count(*) AS changed_groups FROM bg.buying_groups g JOIN groups_before b USING (id)
 WHERE (g.member_count, g.role_counts, g.completeness) IS DISTINCT FROM (b.member_count, b.role_counts, b.completeness);
SELECT count(*) AS events FROM bg.events WHERE id > :last_event;

-- a lower threshold suggests more (the pending ones are replaced); a
-- higher one fewer
SELECT bg.suggest_members('Security', 'm', 0.0) > :job AS newer_job;
SELECT count(*) AS pending FROM bg.suggestions WHERE status = 'pending';
SELECT bg.suggest_members('Security', 'm', 1.0) IS NOT NULL AS ran;
SELECT count(*) AS pending FROM bg.suggestions WHERE status = 'pending';
SELECT bg.suggest_members('Security', 'm', min_confidence => 0.8) IS NOT NULL AS ran;
SELECT count(*) AS pending FROM bg.suggestions WHERE status = 'pending';

-- accept one: a member with source ai, the stored scores follow, an event
SELECT bg.accept_suggestions(bg.buying_group_id('Security', 1), ARRAY[13]);
SELECT * FROM members('Security') WHERE person = '13';
SELECT account_key, member_count, role_counts FROM bg.buying_groups ORDER BY account_key;
SELECT score_mismatches();
SELECT kind, person_key, source, new_value ->> 'role' AS role, new_value ->> 'source' AS member_source
  FROM bg.events WHERE id > :last_event ORDER BY id;
SELECT person_key, status, decided_at IS NOT NULL AS decided FROM bg.suggestions ORDER BY person_key::int;

-- dismiss one (text form of the keys, as drivers send them); neither it nor
-- the accepted one is suggested again
SELECT bg.dismiss_suggestions(bg.buying_group_id('Security', 1), '{16}');
SELECT bg.suggest_members('Security', 'm') IS NOT NULL AS ran;
SELECT person_key, role, status FROM bg.suggestions ORDER BY person_key::int;

-- manual decisions win: Dee (14) assigned by hand after her suggestion,
-- Gus (21) assigned and removed by hand after his; accepting all of the
-- groups' pending suggestions adds neither, and closes them as dismissed
SELECT bg.assign_member(bg.buying_group_id('Security', 1), 14, 'Influencer');
SELECT bg.assign_member(bg.buying_group_id('Security', 2), 21, 'Practitioner');
SELECT bg.remove_member(bg.buying_group_id('Security', 2), 21);
SELECT bg.accept_suggestions(bg.buying_group_id('Security', 1)) AS acme_accepted,
       bg.accept_suggestions(bg.buying_group_id('Security', 2)) AS globex_accepted;
SELECT * FROM members('Security') WHERE person IN ('14', '21', '22');
SELECT person_key, role, status FROM bg.suggestions ORDER BY person_key::int;
SELECT score_mismatches();
-- nothing pending: accepting or dismissing all accepts or dismisses none
SELECT bg.accept_suggestions(bg.buying_group_id('Security', 1)), bg.dismiss_suggestions(bg.buying_group_id('Security', 2));

-- a rule member removed by a sync (not by hand) may be suggested, and
-- accepting brings the member back with source ai
UPDATE person SET job_title = 'Leiterin Security' WHERE id = 11;   -- no rule matches any more
SELECT bg.sync('Security') - 'ms';
SELECT * FROM members('Security') WHERE person = '11';
SELECT bg.suggest_members('Security', 'm', 0.5) IS NOT NULL AS ran;
SELECT person_key, role, status FROM bg.suggestions WHERE status = 'pending';
SELECT bg.accept_suggestions(bg.buying_group_id('Security', 1), ARRAY['11'::text]);
SELECT * FROM members('Security') WHERE person = '11';
SELECT score_mismatches();
-- and a sync leaves the ai member alone
SELECT bg.sync('Security') - 'ms';
SELECT * FROM members('Security') WHERE person = '11';

-- suggestions go with their group
SELECT count(*) > 0 AS has_suggestions FROM bg_internal.suggestion;
SELECT bg.drop_buying_groups('Security');
SELECT count(*) AS suggestions_left FROM bg_internal.suggestion;

-- errors
SELECT bg.create_buying_groups('Security', 'all') > 0 AS created;
SELECT bg.create_template('other');
SELECT bg.add_role('other', 'Champion');
CREATE TABLE labels2 AS SELECT person_key, CASE WHEN role IS NOT NULL THEN 'Champion' END AS role FROM labels;
SELECT bg.train_role_model('other_model', 'other', 'labels2') - 'ms';
SELECT try($$SELECT bg.suggest_members(NULL, 'm')$$);
SELECT try($$SELECT bg.suggest_members('Nope', 'm')$$);
SELECT try($$SELECT bg.suggest_members('Security', NULL)$$);
SELECT try($$SELECT bg.suggest_members('Security', 'nope')$$);
SELECT try($$SELECT bg.suggest_members('Security', 'other_model')$$);
SELECT try($$SELECT bg.suggest_members('Security', 'm', NULL)$$);
SELECT try($$SELECT bg.suggest_members('Security', 'm', -0.1)$$);
SELECT try($$SELECT bg.suggest_members('Security', 'm', 1.5)$$);
SELECT try($$SELECT bg.suggest_members('Security', 'm', 'NaN')$$);
SELECT bg.suggest_members('Security', 'm') IS NOT NULL AS ran;
SELECT try($$SELECT bg.accept_suggestions(NULL)$$);
SELECT try($$SELECT bg.accept_suggestions(-1)$$);
SELECT try($$SELECT bg.dismiss_suggestions(-1, ARRAY[13])$$);
SELECT try(format('SELECT bg.accept_suggestions(%s, ARRAY[13, 99, 11])', bg.buying_group_id('Security', 1)));
SELECT try(format('SELECT bg.dismiss_suggestions(%s, ARRAY[12])', bg.buying_group_id('Security', 1)));
SELECT try(format('SELECT bg.accept_suggestions(%s, ARRAY[13, NULL])', bg.buying_group_id('Security', 1)));
SELECT try(format('SELECT bg.accept_suggestions(%s, ARRAY[''x''])', bg.buying_group_id('Security', 1)));
SELECT try(format('SELECT bg.dismiss_suggestions(%s, ''{x}'')', bg.buying_group_id('Security', 1)));
-- each error left everything as it was
SELECT person_key, status FROM bg.suggestions ORDER BY person_key::int;
-- rows of the people table work as keys
SELECT bg.dismiss_suggestions(bg.buying_group_id('Security', 1), ARRAY(SELECT p FROM person p WHERE p.id = 13));

-- the learned draft template: a copy of the model's template (its order,
-- weights and requirements) with learned conditions and their precision
-- and recall on the labels
SELECT * FROM bg.suggest_template('m', 'sec learned');
SELECT template, priority, role, weight, condition, required, members_required
  FROM bg.template_roles WHERE template IN ('sec', 'sec learned') ORDER BY template, priority;
SELECT name, status FROM bg.templates WHERE name = 'sec learned';
-- names and literals are quoted as the condition language wants
CREATE TABLE quoted ("Job ""T""" text);
SELECT bg.check_condition(bg_internal._terms_condition('Job "T"', ARRAY['o''neil', 'a b'], ARRAY['x']), 'quoted');
SELECT bg_internal._terms_condition('job_title', '{}', ARRAY['x']) IS NULL AS nothing_learned;
SELECT try($$SELECT bg.suggest_template(NULL, 'x')$$);
SELECT try($$SELECT bg.suggest_template('nope', 'x')$$);
SELECT try($$SELECT bg.suggest_template('m', NULL)$$);
SELECT try($$SELECT bg.suggest_template('m', ' ')$$);
SELECT try($$SELECT bg.suggest_template('m', 'sec learned')$$);
SELECT try($$SELECT bg.suggest_template('m', 'x', NULL)$$);
SELECT try($$SELECT bg.suggest_template('m', 'x', 0)$$);
SELECT try($$SELECT bg.suggest_template('m', 'x', 101)$$);
SELECT count(*) AS templates FROM bg.templates WHERE name = 'x';

-- an untyped NULL (the text overload) also means all of the group's
SELECT bg.dismiss_suggestions(bg.buying_group_id('Security', 2), NULL);

-- the learned terms match as contains does: 'it' inside 'digital' counts
SELECT * FROM bg_internal._learn_terms(ARRAY['digital lead', 'it manager', 'sales rep', 'sales lead'],
                                       ARRAY[0, 0, 1, 1], ARRAY[0, 1], ARRAY['it', 'lead', 'sales'], 5);
SELECT try($$SELECT bg_internal._learn_terms(NULL, '{}', '{}', '{}', 1)$$);
SELECT try($$SELECT bg_internal._learn_terms('{a}', '{}', '{}', '{}', 1)$$);

-- bg.suggestions shows the rows bg.members would: only people and accounts
-- the querying role may SELECT (here a policy hides person 14)
CREATE ROLE regress_suggestions_reader;
SELECT bg.grant_access('regress_suggestions_reader', 'reader');
GRANT USAGE ON SCHEMA regress_predict_suggestions TO regress_suggestions_reader;
GRANT SELECT ON account, person TO regress_suggestions_reader;
ALTER TABLE person ENABLE ROW LEVEL SECURITY;
CREATE POLICY hide_14 ON person FOR SELECT USING (id <> 14);
SELECT string_agg(person_key, ', ' ORDER BY person_key::int) AS superuser_sees FROM bg.suggestions;
SET ROLE regress_suggestions_reader;
SELECT string_agg(person_key, ', ' ORDER BY person_key::int) AS reader_sees FROM bg.suggestions;
SELECT try(format('SELECT bg.dismiss_suggestions(%s)', bg.buying_group_id('Security', 1)));
RESET ROLE;
SELECT bg.revoke_access('regress_suggestions_reader');

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA regress_predict_suggestions CASCADE;
DROP EXTENSION bg CASCADE;
DROP ROLE regress_suggestions_reader;
