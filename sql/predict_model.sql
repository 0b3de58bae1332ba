-- Role models (docs/design.md §10): training from a labels table and from
-- members, the exact posteriors of a hand-computed 3-class example,
-- explain_prediction, evaluate_role_model (deterministic folds), extra
-- columns, the view, retraining and dropping, the cache following changes,
-- parallel = serial, and every error with its SQLSTATE (nothing written).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_predict_model;
SET search_path = regress_predict_model, public;

\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

-- no people table bound yet
SELECT bg.create_template('Tiny');
SELECT bg.add_role('Tiny', 'Decision Maker');
SELECT bg.add_role('Tiny', 'Influencer');
CREATE TABLE tiny_labels (person_key integer, role text);
SELECT try($$SELECT bg.train_role_model('m', 'Tiny', 'tiny_labels')$$);

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (
    id         integer PRIMARY KEY,
    account_id integer NOT NULL REFERENCES account,
    job_title  text,
    seniority  integer,
    manager    boolean,
    dept       text,
    born       date
);
INSERT INTO account VALUES (1, 'Acme');
INSERT INTO person VALUES
    (1, 1, 'Alpha Beta', 5, true, 'IT', NULL),
    (2, 1, 'alpha', 37, true, 'it ', NULL),
    (3, 1, 'BETA gamma', 0.25, false, 'Sales', NULL),
    (4, 1, 'gamma', -12, NULL, NULL, NULL),
    (5, 1, 'Alpha, Gamma', NULL, NULL, NULL, NULL),
    (6, 1, NULL, NULL, NULL, NULL, NULL);
SELECT bg.bind_people('person', key => 'id', account => 'account_id');

-- The hand-computed example: classes Decision Maker (A), Influencer (B) and
-- no role (N).  Tokens: 1 alpha, beta, "alpha beta"; 2 alpha; 3 beta, gamma,
-- "beta gamma"; 4 gamma.  V = 5; A: 2 labels, 4 tokens (alpha 2, beta 1,
-- "alpha beta" 1); B: 1 label, 3 tokens (beta, gamma, "beta gamma" 1 each);
-- N: 1 label, 1 token (gamma 1).  Person 5, "Alpha, Gamma": alpha, gamma,
-- "alpha gamma" (unknown, ignored):
--   A: 2/4 · 3/9 · 1/9 = 1/54, B: 1/4 · 1/8 · 2/8 = 1/128, N: 1/4 · 1/6 · 2/6 = 1/72;
--   the sum is 139/3456, so the posteriors are 64/139, 27/139 and 48/139.
INSERT INTO tiny_labels VALUES (1, 'Decision Maker'), (2, 'Decision Maker'), (3, 'Influencer'), (4, NULL);
SELECT bg.train_role_model('m', 'Tiny', 'tiny_labels') - 'ms';
SELECT name, template, labels, classes, vocabulary, features, cv_accuracy FROM bg.role_models;
SELECT (bg.predict_role('m', p)).role, abs((bg.predict_role('m', p)).confidence - 64::float8 / 139) < 1e-12 AS exact
  FROM person p WHERE id = 5;
-- every class's posterior, from explain_prediction's weights (softmax of the sums)
WITH s AS (SELECT e.role, sum(e.weight) AS w FROM bg.explain_prediction('m', (SELECT p FROM person p WHERE id = 5)) e
            GROUP BY e.role),
     z AS (SELECT max(w) AS m FROM s)
SELECT s.role, abs(exp(s.w - z.m) / (SELECT sum(exp(x.w - z.m)) FROM s x)
                   - CASE s.role WHEN 'Decision Maker' THEN 64 WHEN 'Influencer' THEN 27 ELSE 48 END::float8 / 139) < 1e-12
       AS exact
  FROM s, z ORDER BY s.role NULLS LAST;
-- the weights themselves: the priors and count × log P(token | class)
SELECT feature, role, abs(weight - CASE
           WHEN feature IS NULL THEN ln(CASE role WHEN 'Decision Maker' THEN 2 ELSE 1 END / 4.0)
           WHEN feature = 'alpha' THEN ln(CASE role WHEN 'Decision Maker' THEN 3 / 9.0 WHEN 'Influencer' THEN 1 / 8.0 ELSE 1 / 6.0 END)
           ELSE ln(CASE role WHEN 'Decision Maker' THEN 1 / 9.0 WHEN 'Influencer' THEN 2 / 8.0 ELSE 2 / 6.0 END) END) < 1e-12 AS exact
  FROM bg.explain_prediction('m', (SELECT p FROM person p WHERE id = 5))
 ORDER BY feature NULLS FIRST, role NULLS LAST;
-- a NULL title: the priors decide (Decision Maker, 2 of 4 labels)
SELECT id, (bg.predict_role('m', p)).role, round((bg.predict_role('m', p)).confidence::numeric, 12) FROM person p
 WHERE id IN (6) ORDER BY id;
-- a row of another type, with the column: the same answer
SELECT (bg.predict_role('m', t)).role FROM (SELECT 'Alpha, Gamma'::varchar AS job_title) t;
-- a NULL person: NULL
SELECT bg.predict_role('m', NULL::person) IS NULL AS null_person;

-- Folds: a hash of the person key (hashtext) modulo k.  Keys 1..4 in 2 folds:
-- fold 1 is hash 0: without it only key 1 (Decision Maker) is left
SELECT k, (hashtext(k::text)::bigint & 4294967295) % 2 + 1 AS fold FROM generate_series(1, 4) k;
SELECT try($$SELECT * FROM bg.evaluate_role_model('m', 2)$$);

-- Extra columns: tokens column=value (text folded, booleans, numbers bucketed)
CREATE TABLE feature_labels (person_key text, role varchar);
INSERT INTO feature_labels VALUES ('1', 'Decision Maker'), ('2', 'Decision Maker'), ('3', 'Influencer'), ('4', NULL), ('99', 'Influencer');
SELECT bg.train_role_model('f', 'Tiny', 'feature_labels', ARRAY['seniority', 'manager', 'dept']) - 'ms';
SELECT DISTINCT feature FROM bg.explain_prediction('f', (SELECT p FROM person p WHERE id = 1)) ORDER BY 1;
SELECT DISTINCT feature FROM bg.explain_prediction('f', (SELECT p FROM person p WHERE id = 2)) ORDER BY 1;
SELECT DISTINCT feature FROM bg.explain_prediction('f', (SELECT p FROM person p WHERE id = 3)) ORDER BY 1;
SELECT DISTINCT feature FROM bg.explain_prediction('f', (SELECT p FROM person p WHERE id = 4)) ORDER BY 1;
SELECT name, labels, classes, vocabulary, features FROM bg.role_models ORDER BY name;
-- the planner hook narrows the person row to the model's columns; a plan
-- kept (PREPARE) is made again when the model is retrained
EXPLAIN (VERBOSE, COSTS OFF) SELECT bg.predict_role('f', p) FROM person p;
PREPARE pf AS SELECT (bg.predict_role('f', p)).role FROM person p WHERE id = 1;
EXECUTE pf;
SELECT bg.train_role_model('f', 'Tiny', 'feature_labels', ARRAY['dept', 'job_title']) - 'ms';
EXECUTE pf;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE pf;
DEALLOCATE pf;
SELECT bg.train_role_model('f', 'Tiny', 'feature_labels', ARRAY['seniority', 'manager', 'dept']) - 'ms';

-- Labels from members: manual and imported members of the groups of the
-- template's interests; removed ones are "no role"; rule members on request
SELECT bg.publish_template('Tiny');
SELECT bg.bind_accounts('account', key => 'id', name => 'name');
SELECT bg.create_solution_interest('Tiny deals', 'Tiny');
SELECT bg.create_account_list('all', 'static');
SELECT bg.add_accounts('all', ARRAY[1]);
SELECT bg.create_buying_groups('Tiny deals', 'all') > 0 AS created;
SELECT bg.assign_member(bg.buying_group_id('Tiny deals', 1), 1, 'Decision Maker');
SELECT bg.assign_member(bg.buying_group_id('Tiny deals', 1), 3, 'Influencer');
SELECT bg.assign_member(bg.buying_group_id('Tiny deals', 1), 4, 'Influencer');
SELECT bg.remove_member(bg.buying_group_id('Tiny deals', 1), 4);
SELECT bg.train_role_model('members', 'Tiny') - 'ms';
SELECT bg.train_role_model('members', 'Tiny', include_rule_members => true) - 'ms';

-- The cache follows retraining and dropping, in this backend
SELECT (bg.predict_role('m', p)).role FROM person p WHERE id = 5;
DELETE FROM tiny_labels WHERE person_key = 1;
INSERT INTO tiny_labels VALUES (1, 'Influencer');
SELECT bg.train_role_model('m', 'Tiny', 'tiny_labels') - 'ms';
SELECT (bg.predict_role('m', p)).role FROM person p WHERE id = 5;
SELECT bg.drop_role_model('members');
SELECT name FROM bg.role_models ORDER BY name;

-- Errors, each with its SQLSTATE; a failed training leaves the model as it was
SELECT try($$SELECT bg.train_role_model(NULL, 'Tiny', 'tiny_labels')$$);
SELECT try($$SELECT bg.train_role_model(' ', 'Tiny', 'tiny_labels')$$);
SELECT try($$SELECT bg.train_role_model('m', 'Nope', 'tiny_labels')$$);
SELECT bg.create_template('Empty');
SELECT try($$SELECT bg.train_role_model('m', 'Empty', 'tiny_labels')$$);
SELECT try($$SELECT bg.train_role_model('m', 'Tiny', 'tiny_labels', include_rule_members => NULL)$$);
SELECT try($$SELECT bg.train_role_model('m', 'Tiny', 'tiny_labels', ARRAY['nope'])$$);
SELECT try($$SELECT bg.train_role_model('m', 'Tiny', 'tiny_labels', ARRAY[NULL])$$);
SELECT try($$SELECT bg.train_role_model('m', 'Tiny', 'tiny_labels', ARRAY['dept', 'dept'])$$);
SELECT try($$SELECT bg.train_role_model('m', 'Tiny', 'tiny_labels', ARRAY['born'])$$);
CREATE TABLE bad_labels (person integer, role text);
SELECT try($$SELECT bg.train_role_model('m', 'Tiny', 'bad_labels')$$);
CREATE TABLE bad_labels2 (person_key integer, title text);
SELECT try($$SELECT bg.train_role_model('m', 'Tiny', 'bad_labels2')$$);
CREATE TABLE wrong_role_labels (person_key integer, role text);
INSERT INTO wrong_role_labels VALUES (1, 'Decision Maker'), (2, 'Champion'), (3, 'Nobody');
SELECT try($$SELECT bg.train_role_model('m', 'Tiny', 'wrong_role_labels')$$);
CREATE TABLE one_class_labels (person_key integer, role text);
INSERT INTO one_class_labels VALUES (1, 'Decision Maker'), (2, 'Decision Maker'), (777, 'Influencer');
SELECT try($$SELECT bg.train_role_model('m', 'Tiny', 'one_class_labels')$$);
SELECT try($$SELECT bg.train_role_model('m', 'Tiny', 'no_such_table')$$);
SELECT try($$SELECT bg.train_role_model('new', 'Tiny') - 'ms'$$);
SELECT name, labels, classes, vocabulary FROM bg.role_models ORDER BY name;
SELECT try($$SELECT bg.predict_role('nope', p) FROM person p WHERE id = 1$$);
SELECT try($$SELECT bg.predict_role(NULL, p) FROM person p WHERE id = 1$$);
SELECT try($$SELECT bg.predict_role('m', 42)$$);
SELECT try($$SELECT bg.predict_role('m', t) FROM (SELECT 'x' AS title) t$$);
SELECT try($$SELECT bg.explain_prediction('nope', p) FROM person p WHERE id = 1$$);
SELECT try($$SELECT bg.explain_prediction(NULL, p) FROM person p WHERE id = 1$$);
SELECT try($$SELECT bg.explain_prediction('m', 42)$$);
SELECT try($$SELECT * FROM bg.evaluate_role_model('nope')$$);
SELECT try($$SELECT * FROM bg.evaluate_role_model(NULL)$$);
SELECT try($$SELECT * FROM bg.evaluate_role_model('m', NULL)$$);
SELECT try($$SELECT * FROM bg.evaluate_role_model('m', 1)$$);
SELECT try($$SELECT * FROM bg.evaluate_role_model('m', 101)$$);
-- keys 1..4 in 5 folds: a fold without labels
SELECT try($$SELECT * FROM bg.evaluate_role_model('m')$$);
-- two labels in two folds: without either fold, one class is left
CREATE TABLE two_labels (person_key integer, role text);
INSERT INTO two_labels VALUES (1, 'Decision Maker'), (2, 'Influencer');
SELECT bg.train_role_model('two', 'Tiny', 'two_labels') - 'ms';
-- the training's own cross-validation gives up on these folds, and the model
-- keeps every label all the same: one document per class
SELECT class_docs, cv_accuracy FROM bg_internal.role_model WHERE name = 'two';
-- every fold has labels but one holds the only Influencer: the training's
-- cross-validation gives up there, and the model still counts it
INSERT INTO person SELECT i, 1, 'Director ' || i FROM generate_series(1001, 1040) i;
CREATE TABLE fold_labels AS
WITH k AS (SELECT i, (hashtext(i::text)::bigint & 4294967295) % 5 AS fold FROM generate_series(1001, 1040) i)
SELECT i AS person_key, CASE WHEN fold = 0 THEN 'Influencer' ELSE 'Decision Maker' END AS role
  FROM k WHERE fold <> 0 OR i = (SELECT min(i) FROM k WHERE fold = 0);
SELECT count(DISTINCT (hashtext(person_key::text)::bigint & 4294967295) % 5) AS folds_with_labels,
       count(*) FILTER (WHERE role = 'Influencer') AS influencers FROM fold_labels;
SELECT bg.train_role_model('folds', 'Tiny', 'fold_labels') - 'ms';
SELECT class_docs[2] AS influencer_docs, cv_accuracy FROM bg_internal.role_model WHERE name = 'folds';
SELECT bg.drop_role_model('folds');
DROP TABLE fold_labels;
DELETE FROM person WHERE id > 1000;
SELECT (hashtext('1')::bigint & 4294967295) % 2 <> (hashtext('2')::bigint & 4294967295) % 2 AS different_folds;
SELECT try($$SELECT * FROM bg.evaluate_role_model('two', 2)$$);
SELECT try($$SELECT bg.drop_role_model('nope')$$);
SELECT try($$SELECT bg.drop_role_model(NULL)$$);
-- the vocabulary cap: 340 000 people of three distinct tokens each
CREATE TABLE big_person (id integer PRIMARY KEY, account_id integer, job_title text);
INSERT INTO big_person SELECT i, 1, 'a' || i || ' b' || i FROM generate_series(1, 340000) i;
CREATE TABLE big_labels AS SELECT id AS person_key, CASE WHEN id % 2 = 0 THEN 'Influencer' END AS role FROM big_person;
SELECT bg.bind_people('big_person', key => 'id', account => 'account_id');
SELECT try($$SELECT bg.train_role_model('big', 'Tiny', 'big_labels')$$);
SELECT bg.bind_people('person', key => 'id', account => 'account_id');
-- a people table without a job title column
CREATE TABLE untitled (id integer PRIMARY KEY, account_id integer);
SELECT bg.bind_people('untitled', key => 'id', account => 'account_id');
SELECT try($$SELECT bg.train_role_model('m', 'Tiny', 'tiny_labels')$$);
SELECT bg.bind_people('person', key => 'id', account => 'account_id');
SELECT name, labels, classes, vocabulary FROM bg.role_models ORDER BY name;
