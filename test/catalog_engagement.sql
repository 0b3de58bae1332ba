-- Activity bands and weighting models (docs/design.md §7.1): five default
-- bands, bands with unique names and values 0..100, a default band or one in
-- use cannot be dropped; models are drafts until activated, one is active, activating
-- another archives it, only drafts change or are dropped; every change moves
-- the catalog generation (the engagement aggregates see it at once); every
-- error with its SQLSTATE, and nothing written by a refused call; binding the
-- activities table checks its columns' types.
BEGIN;
SELECT plan(69);

-- ---------------------------------------------------------------------------
-- Bands
-- ---------------------------------------------------------------------------
SELECT results_eq('SELECT name, value, is_default FROM bg.activity_bands',
    $$VALUES ('trivial', 20, true), ('minor', 40, true), ('normal', 60, true), ('important', 80, true),
             ('vital', 100, true)$$,
    'the five default bands, by value');
SELECT lives_ok($$SELECT bg.set_activity_band(' critical ', 95)$$, 'set_activity_band creates a band');
SELECT results_eq($$SELECT name, value, is_default FROM bg.activity_bands WHERE value = 95$$,
    $$VALUES ('critical', 95, false)$$, 'its name is trimmed; it is not a default');
SELECT lives_ok($$SELECT bg.set_activity_band('critical', 0)$$, 'set_activity_band changes a value, to 0');
SELECT lives_ok($$SELECT bg.set_activity_band('normal', 50)$$, 'and a default band''s value');
SELECT results_eq($$SELECT value FROM bg.activity_bands WHERE name IN ('critical', 'normal') ORDER BY name$$,
    $$VALUES (0), (50)$$, 'both changed');
SELECT lives_ok($$SELECT bg.set_activity_band('normal', 50)$$, 'setting the same value again is allowed');
CREATE TEMP TABLE bands_before AS SELECT * FROM bg.activity_bands;
SELECT throws_ok($$SELECT bg.set_activity_band(NULL, 10)$$, '22004', 'activity band name must not be null',
    'a NULL band name is 22004');
SELECT throws_ok($$SELECT bg.set_activity_band('  ', 10)$$, '22023', 'activity band name must not be empty',
    'a blank band name is 22023');
SELECT throws_ok($$SELECT bg.set_activity_band('x', 101)$$, '22023', 'activity band value must be from 0 to 100',
    'a value above 100 is 22023');
SELECT throws_ok($$SELECT bg.set_activity_band('x', -1)$$, '22023', 'activity band value must be from 0 to 100',
    'a value below 0 is 22023');
SELECT throws_ok($$SELECT bg.set_activity_band('x', NULL)$$, '22023', 'activity band value must be from 0 to 100',
    'a NULL value is 22023');
SELECT throws_ok($$SELECT bg.set_activity_band('x', 80)$$, '23505', 'activity band "important" already has value 80',
    'a value another band has is 23505');
SELECT throws_ok($$SELECT bg.set_activity_band('minor', 80)$$, '23505', 'activity band "important" already has value 80',
    'also when changing a band');
SELECT results_eq('SELECT * FROM bg.activity_bands', 'SELECT * FROM bands_before', 'the refused calls wrote nothing');

-- ---------------------------------------------------------------------------
-- Models
-- ---------------------------------------------------------------------------
SELECT lives_ok($$SELECT bg.create_weighting_model('Base')$$, 'create_weighting_model creates an empty draft');
SELECT lives_ok($$SELECT bg.set_activity_weight('Base', 'email', 'vital')$$, 'set_activity_weight gives a type a band');
SELECT lives_ok($$SELECT bg.set_activity_weight('Base', 'web', 'critical')$$, 'another');
SELECT lives_ok($$SELECT bg.set_activity_weight('Base', 'web', 'minor')$$, 'and changes it');
SELECT lives_ok($$SELECT bg.set_activity_weight('Base', 'call', NULL)$$, 'band NULL for a type not listed: nothing');
SELECT results_eq('SELECT model, activity_type, band, weight FROM bg.activity_weights',
    $$VALUES ('Base', 'email', 'vital', 100), ('Base', 'web', 'minor', 40)$$, 'bg.activity_weights lists them');
SELECT results_eq('SELECT name, status, activity_types, activated_at FROM bg.weighting_models',
    $$VALUES ('Base', 'draft', 2, NULL::timestamptz)$$, 'bg.weighting_models: a draft of two types');
SELECT is(bg.engagement_raw('email', now(), now()), NULL::float8, 'no active model: the raw score is NULL');
SELECT lives_ok($$SELECT bg.activate_weighting_model('Base')$$, 'activate_weighting_model');
SELECT is(bg.engagement_raw('email', now(), now()), 1::float8, 'the aggregate sees the activation at once');
SELECT lives_ok($$SELECT bg.activate_weighting_model('Base')$$, 'activating the active model again does nothing');
SELECT lives_ok($$SELECT bg.set_activity_band('vital', 90)$$, 'a band in use changes value');
SELECT is(bg.engagement_raw('email', now(), now()), 0.9::float8, 'and the aggregate sees it at once');
SELECT lives_ok($$SELECT bg.create_weighting_model('Next', copy_of => 'Base')$$, 'create_weighting_model copies a model');
SELECT lives_ok($$SELECT bg.set_activity_weight('Next', 'email', NULL)$$, 'band NULL: the type no longer counts');
SELECT results_eq($$SELECT activity_type, band FROM bg.activity_weights WHERE model = 'Next'$$,
    $$VALUES ('web', 'minor')$$, 'the copy has the weights of its source, then its own');
SELECT lives_ok($$SELECT bg.activate_weighting_model('Next')$$, 'activating another model');
SELECT results_eq('SELECT name, status FROM bg.weighting_models', $$VALUES ('Base', 'archived'), ('Next', 'active')$$,
    'archives the active one');
SELECT is(bg.engagement_raw('email', now(), now()), 0::float8, 'and the aggregate follows');

CREATE TEMP TABLE models_before AS SELECT * FROM bg.weighting_models;
CREATE TEMP TABLE weights_before AS SELECT * FROM bg.activity_weights;
SELECT throws_ok($$SELECT bg.create_weighting_model(NULL)$$, '22004', 'weighting model name must not be null',
    'a NULL model name is 22004');
SELECT throws_ok($$SELECT bg.create_weighting_model('')$$, '22023', 'weighting model name must not be empty',
    'a blank model name is 22023');
SELECT throws_ok($$SELECT bg.create_weighting_model(' Base')$$, '42710', 'weighting model "Base" already exists',
    'a name in use is 42710');
SELECT throws_ok($$SELECT bg.create_weighting_model('X', 'Nope')$$, '42704', 'weighting model "Nope" does not exist',
    'copying an unknown model is 42704');
SELECT throws_ok($$SELECT bg.set_activity_weight('Nope', 'email', 'vital')$$, '42704',
    'weighting model "Nope" does not exist', 'set_activity_weight: an unknown model is 42704');
SELECT throws_ok($$SELECT bg.set_activity_weight('Next', 'email', 'vital')$$, '55000',
    'cannot change weighting model "Next": it is active', 'an active model does not change (55000)');
SELECT throws_ok($$SELECT bg.set_activity_weight('Base', 'email', NULL)$$, '55000',
    'cannot change weighting model "Base": it is archived', 'nor an archived one');
SELECT lives_ok($$SELECT bg.create_weighting_model('Draft')$$, 'a draft');
SELECT throws_ok($$SELECT bg.set_activity_weight('Draft', NULL, 'vital')$$, '22004', 'activity type must not be null',
    'a NULL activity type is 22004');
SELECT throws_ok($$SELECT bg.set_activity_weight('Draft', 'email', 'huge')$$, '42704', 'activity band "huge" does not exist',
    'an unknown band is 42704');
SELECT throws_ok($$SELECT bg.activate_weighting_model('Nope')$$, '42704', 'weighting model "Nope" does not exist',
    'activating an unknown model is 42704');
SELECT throws_ok($$SELECT bg.drop_weighting_model('Next')$$, '55000', 'cannot drop weighting model "Next": it is active',
    'an active model is not dropped (55000)');
SELECT lives_ok($$SELECT bg.set_activity_band('custom', 33)$$, 'a custom band');
SELECT lives_ok($$SELECT bg.set_activity_weight('Draft', 'email', 'custom')$$, 'that a draft uses');
SELECT throws_ok($$SELECT bg.drop_activity_band('custom')$$, '2BP01',
    'cannot drop activity band "custom": weighting model "Draft" uses it', 'a band a model uses is not dropped (2BP01)');
SELECT throws_ok($$SELECT bg.drop_activity_band('trivial')$$, '42939', 'cannot drop activity band "trivial": it is a default band',
    'a default band is not dropped (42939)');
SELECT throws_ok($$SELECT bg.drop_activity_band('nope')$$, '42704', 'activity band "nope" does not exist',
    'dropping an unknown band is 42704');
SELECT lives_ok($$SELECT bg.drop_weighting_model('Draft'); SELECT bg.drop_activity_band('critical');
                  SELECT bg.drop_activity_band('custom')$$,
    'a draft and unused custom bands are dropped');
SELECT results_eq('SELECT * FROM bg.weighting_models', 'SELECT * FROM models_before', 'the refused calls wrote no model');
SELECT results_eq('SELECT * FROM bg.activity_weights', 'SELECT * FROM weights_before', 'and no weight');

-- ---------------------------------------------------------------------------
-- bind_activities
-- ---------------------------------------------------------------------------
CREATE DOMAIN activity_kind AS varchar(40);
CREATE TABLE act (person_id bigint, activity_type text, occurred_at timestamptz, kind activity_kind,
                  n integer, local_time timestamp, doc jsonb);
SELECT lives_ok($$SELECT bg.bind_activities('act')$$, 'bind_activities with the default column names');
SELECT results_eq('SELECT relid, person_column, type_column, at_column, person_type FROM bg_internal.activity_binding',
    $$VALUES ('act'::regclass, 'person_id'::name, 'activity_type'::name, 'occurred_at'::name, 'bigint'::regtype)$$,
    'the binding is recorded');
SELECT lives_ok($$SELECT bg.bind_activities('act', type => 'kind')$$, 'a type column of a domain over varchar');
SELECT is((SELECT type_column FROM bg_internal.activity_binding), 'kind'::name, 'binding again replaces the binding');
CREATE TEMP TABLE binding_before AS SELECT * FROM bg_internal.activity_binding;
SELECT throws_ok($$SELECT bg.bind_activities(NULL)$$, '22004', 'table must not be null', 'a NULL table is 22004');
SELECT throws_ok($$SELECT bg.bind_activities('act', person => NULL)$$, '22004', 'person column must not be null',
    'a NULL person column is 22004');
SELECT throws_ok($$SELECT bg.bind_activities('act', type => NULL)$$, '22004', 'activity type column must not be null',
    'a NULL type column is 22004');
SELECT throws_ok($$SELECT bg.bind_activities('act', at => NULL)$$, '22004', 'time column must not be null',
    'a NULL time column is 22004');
SELECT throws_ok($$SELECT bg.bind_activities('act', person => 'who')$$, '42703', 'column "who" does not exist in table public.act',
    'a missing column is 42703');
SELECT throws_ok($$SELECT bg.bind_activities('act', type => 'n')$$, '42804', 'column "n" of table public.act is of type integer',
    'a type column that is not text is 42804');
SELECT throws_ok($$SELECT bg.bind_activities('act', at => 'local_time')$$, '42804',
    'column "local_time" of table public.act is of type timestamp without time zone',
    'a time column that is not timestamptz is 42804');
SELECT throws_ok($$SELECT bg.bind_activities('act', person => 'doc')$$, '42804', NULL,
    'a person column that cannot hold keys is 42804');
SELECT results_eq('SELECT * FROM bg_internal.activity_binding', 'SELECT * FROM binding_before',
    'the refused bindings wrote nothing');

-- ---------------------------------------------------------------------------
-- The aggregates: PARALLEL SAFE, with a combine function and a concrete state
-- ---------------------------------------------------------------------------
SELECT ok(EXISTS (SELECT FROM pg_aggregate g JOIN pg_proc p ON p.oid = g.aggfnoid
                   WHERE p.oid = a::regprocedure AND p.proparallel = 's' AND g.aggcombinefn <> 0
                     AND g.aggtranstype = t::regtype AND p.prorettype = 'double precision'::regtype),
          format('%s is PARALLEL SAFE with a combine function and state %s, and returns double precision', a, t))
  FROM (VALUES ('bg.engagement_raw(text,timestamptz,timestamptz)', 'bg.activity_tally'),
               ('bg.group_engagement_raw(text,text,double precision)', 'bg.group_engagement_tally')) v(a, t);

SELECT * FROM finish();
ROLLBACK;
