-- The engagement aggregates (docs/design.md §7.1): bg.engagement_raw (a
-- person's raw score) and bg.group_engagement_raw (a group's), against the
-- reference example (35.25), hand-computed cases (the cap of 20 per type and
-- UTC day, the window's edges, the role normalisation, a model switch), a
-- plain-SQL implementation of §7.1 over random activities, and parallel
-- plans; the state types' text forms.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_agg_engagement;
SET search_path = regress_agg_engagement, public;
SET TimeZone = 'UTC';

-- try(query): the shared helpers
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE activity (person_id integer, activity_type text, occurred_at timestamptz);

-- no active model: NULL, whatever the activities
INSERT INTO activity VALUES (1, 'email', '2026-11-20 10:00+00');
SELECT bg.engagement_raw(activity_type, occurred_at, '2026-11-29 12:00+00') FROM activity;
SELECT bg.engagement_raw(activity_type, occurred_at, '2026-11-29 12:00+00') FROM activity WHERE false;

-- the worked example of §7.1: every type vital
SELECT bg.create_weighting_model('All vital');
SELECT bg.set_activity_weight('All vital', t, 'vital') FROM unnest(ARRAY['email', 'web', 'event']) t;
SELECT bg.activate_weighting_model('All vital');
SELECT name, status, activity_types, created_at <= activated_at AS activated_after_creation FROM bg.weighting_models;
SELECT * FROM bg.activity_weights;
TRUNCATE activity;

SELECT bg.create_template('Reference');
SELECT bg.add_role('Reference', 'Decision Maker', weight => 'vital');
SELECT bg.add_role('Reference', 'Influencer', weight => 'important');
SELECT bg.add_role('Reference', 'Practitioner', weight => 'normal');
SELECT bg.add_role('Reference', 'Champion', weight => 'minor');   -- no member: not in V

CREATE TABLE member (group_id integer, person_id integer, role text);
-- group 1: the reference example.  Decision Makers 1 and 2 have 52 capped
-- activities together (30 + 22, of them 25 on one day for person 1: 20
-- count), Influencer 3 has 28, Practitioner 4 has 17; member 5 has no role.
INSERT INTO member VALUES (1, 1, 'Decision Maker'), (1, 2, 'Decision Maker'), (1, 3, 'Influencer'),
                          (1, 4, 'Practitioner'), (1, 5, NULL);
INSERT INTO activity
SELECT 1, 'email', '2026-11-28 09:00+00'::timestamptz + i * interval '1 second' FROM generate_series(1, 25) i
UNION ALL SELECT 1, 'web', '2026-11-20 09:00+00' FROM generate_series(1, 10)
UNION ALL SELECT 2, 'event', '2026-11-01 09:00+00'::timestamptz + i * interval '1 day' FROM generate_series(1, 22) i
UNION ALL SELECT 3, 'web', '2026-11-15 23:59:59+00' FROM generate_series(1, 14)
UNION ALL SELECT 3, 'web', '2026-11-16 00:00:00+00' FROM generate_series(1, 14)
UNION ALL SELECT 4, 'email', '2026-11-29 11:59:59+00' FROM generate_series(1, 17)
UNION ALL SELECT 5, 'email', '2026-11-29 11:00+00' FROM generate_series(1, 5);

CREATE TABLE person_raw AS
SELECT m.group_id, m.person_id, m.role, bg.engagement_raw(a.activity_type, a.occurred_at, '2026-11-29 12:00+00') AS raw
  FROM member m LEFT JOIN activity a USING (person_id)
 GROUP BY 1, 2, 3;
SELECT * FROM person_raw ORDER BY person_id;
SELECT bg.group_engagement_raw('Reference', role, raw) FROM person_raw WHERE group_id = 1;
SELECT bg.group_engagement_raw('Reference', role, raw) = 35.25 AS exact FROM person_raw WHERE group_id = 1;

-- a group of one Practitioner: V = 60, G = R; no members: 0; only members
-- without a role: 0; a NULL raw score: NULL
SELECT bg.group_engagement_raw('Reference', 'Practitioner', 17);
SELECT bg.group_engagement_raw('Reference', role, raw) FROM person_raw WHERE false;
SELECT bg.group_engagement_raw('Reference', NULL, 3);
SELECT bg.group_engagement_raw('Reference', r, x)
  FROM (VALUES ('Decision Maker', 10::float8), ('Influencer', NULL)) v(r, x);
-- normalisation: a Decision Maker with 10 and an Influencer with 0:
-- (10 * 100 + 0 * 80) / 180
SELECT bg.group_engagement_raw('Reference', r, x), 1000.0 / 180 AS expected
  FROM (VALUES ('Decision Maker', 10::float8), ('Influencer', 0)) v(r, x);

-- the cap: 25 on one UTC day count 20, 25 spread over two days count 25
SELECT bg.engagement_raw('email', t, '2026-11-29 12:00+00')
  FROM generate_series(1, 25) i, LATERAL (SELECT '2026-11-28 12:00+00'::timestamptz + i * interval '1 second') x(t);
SELECT bg.engagement_raw('email', t, '2026-11-29 12:00+00')
  FROM generate_series(1, 25) i, LATERAL (SELECT '2026-11-28 23:59:48+00'::timestamptz + i * interval '1 second') x(t);
-- the window's edges: exactly 30 days old is out, a microsecond less is in,
-- as_of itself is in, a microsecond later (the future) is out
SELECT bg.engagement_raw('email', t, '2026-11-29 12:00+00')
  FROM (VALUES (timestamptz '2026-10-30 12:00+00')) v(t);
SELECT bg.engagement_raw('email', t, '2026-11-29 12:00+00')
  FROM (VALUES (timestamptz '2026-10-30 12:00:00.000001+00')) v(t);
SELECT bg.engagement_raw('email', t, '2026-11-29 12:00+00')
  FROM (VALUES (timestamptz '2026-11-29 12:00+00')) v(t);
SELECT bg.engagement_raw('email', t, '2026-11-29 12:00+00')
  FROM (VALUES (timestamptz '2026-11-29 12:00:00.000001+00'), ('infinity'), ('-infinity')) v(t);
-- UTC days whatever the session's time zone: 2026-11-28 23:30 and 2026-11-29
-- 00:30 UTC are two days (the cap applies to each)
SET TimeZone = 'America/New_York';
SELECT bg.engagement_raw('email', t, '2026-11-29 12:00+00')
  FROM generate_series(1, 20) i, LATERAL (VALUES (timestamptz '2026-11-28 23:30+00'), ('2026-11-29 00:30+00')) v(t);
RESET TimeZone;
SET TimeZone = 'UTC';
-- a type the model does not weight and NULLs count nowhere
SELECT bg.engagement_raw(t, '2026-11-29 10:00+00', '2026-11-29 12:00+00')
  FROM (VALUES ('email'), ('call'), (NULL)) v(t);

-- a model switch: a copy weights email trivial (20) and drops event
SELECT bg.create_weighting_model('Light', copy_of => 'All vital');
SELECT bg.set_activity_weight('Light', 'email', 'trivial');
SELECT bg.set_activity_weight('Light', 'event', NULL);
SELECT bg.activate_weighting_model('Light');
SELECT name, status, activity_types, activated_at IS NOT NULL AS activated FROM bg.weighting_models;
-- person 1: 20 email * 0.2 + 10 web; person 2: no counted type; 4: 17 * 0.2
SELECT m.person_id, bg.engagement_raw(a.activity_type, a.occurred_at, '2026-11-29 12:00+00') AS raw
  FROM member m LEFT JOIN activity a USING (person_id)
 GROUP BY 1 ORDER BY 1;
-- a band's new value is used at once
SELECT bg.set_activity_band('trivial', 10);
SELECT bg.engagement_raw('email', '2026-11-29 10:00+00', '2026-11-29 12:00+00');
SELECT bg.set_activity_band('trivial', 20);
SELECT bg.activate_weighting_model('All vital');

-- errors
SELECT * FROM try($$SELECT bg.engagement_raw('email', now(), NULL)$$);
SELECT * FROM try($$SELECT bg.engagement_raw('email', now(), 'infinity')$$);
SELECT * FROM try($$SELECT bg.engagement_raw('email', t, t) FROM (VALUES (now()), (now() - interval '1 hour')) v(t)$$);
SELECT * FROM try($$SELECT bg.group_engagement_raw(NULL, 'Decision Maker', 1)$$);
SELECT * FROM try($$SELECT bg.group_engagement_raw('Nope', 'Decision Maker', 1)$$);
SELECT * FROM try($$SELECT bg.group_engagement_raw('Reference', 'Other', 1)$$);
SELECT * FROM try($$SELECT bg.group_engagement_raw('Reference', 'Decision Maker', -1)$$);
SELECT * FROM try($$SELECT bg.group_engagement_raw('Reference', 'Decision Maker', 'NaN')$$);
SELECT * FROM try($$SELECT bg.group_engagement_raw(t, 'Decision Maker', 1) FROM (VALUES ('Reference'), ('Other')) v(t)$$);
SELECT * FROM try($$SELECT bg_internal._engagement_trans(NULL, 'email', now(), now())$$);
SELECT * FROM try($$SELECT bg_internal._group_engagement_trans(NULL, 'Reference', 'Decision Maker', 1)$$);

-- the state types: text forms round-trip, combine, and bad input is refused
SELECT '{"as_of": "2026-11-29 12:00:00+00", "types": [{"type": "email", "weight": 100, "days": [1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,20]}]}'::bg.activity_tally;
SELECT bg_internal._engagement_final(bg_internal._engagement_combine(
    '{"as_of": "2026-11-29 12:00:00+00", "types": [{"type": "email", "weight": 100, "days": [15,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}]}',
    '{"as_of": "2026-11-29 12:00:00+00", "types": [{"type": "email", "weight": 100, "days": [15,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}, {"type": "web", "weight": 50, "days": [1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}]}'));
SELECT '{"template": "Reference", "members": [2, 1, 1, 0], "raw": [52, 28, 17, 0], "has_null": false}'::bg.group_engagement_tally;
SELECT bg_internal._group_engagement_final(
    '{"template": "Reference", "members": [2, 1, 1, 0], "raw": [52, 28, 17, 0], "has_null": false}');
SELECT * FROM try($$SELECT '{"as_of": "2026-11-29", "types": []}'::bg.activity_tally$$);
SELECT * FROM try($$SELECT '[]'::bg.activity_tally$$);
SELECT * FROM try($$SELECT '{"as_of": "infinity", "types": []}'::bg.activity_tally$$);
SELECT * FROM try($$SELECT '{"as_of": "2026-11-29", "types": [{"type": "a", "weight": 101, "days": []}]}'::bg.activity_tally$$);
SELECT * FROM try($$SELECT '{"as_of": "2026-11-29", "types": [{"type": "a", "weight": 1, "days": [1]}]}'::bg.activity_tally$$);
SELECT * FROM try($$SELECT '{"as_of": "2026-11-29", "types": [{"type": "a", "weight": 1, "days": [21,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}]}'::bg.activity_tally$$);
SELECT * FROM try($$SELECT '{"as_of": "2026-11-29", "types": [{"type": "a", "weight": 1, "days": []}, {"type": "a", "weight": 1, "days": []}]}'::bg.activity_tally$$);
SELECT * FROM try($$SELECT '{"as_of": "2026-11-29", "types": [{"type": "a", "weight": 1}]}'::bg.activity_tally$$);
SELECT * FROM try($$SELECT bg_internal._engagement_combine('{"as_of": "2026-11-29", "types": []}', '{"as_of": "2026-11-28", "types": []}')$$);
SELECT * FROM try($$SELECT bg_internal._engagement_combine(
    '{"as_of": "2026-11-29", "types": [{"type": "a", "weight": 1, "days": [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}]}',
    '{"as_of": "2026-11-29", "types": [{"type": "a", "weight": 2, "days": [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}]}')$$);
SELECT * FROM try($$SELECT '{"template": "R", "members": [1], "raw": [1, 2], "has_null": false}'::bg.group_engagement_tally$$);
SELECT * FROM try($$SELECT '{"template": "R", "members": [1.5], "raw": [1], "has_null": false}'::bg.group_engagement_tally$$);
SELECT * FROM try($$SELECT '{"template": "R", "members": [1], "raw": [-1], "has_null": false}'::bg.group_engagement_tally$$);
SELECT * FROM try($$SELECT '{"template": "R", "members": [1], "raw": [1]}'::bg.group_engagement_tally$$);
SELECT * FROM try($$SELECT '{"template": "R", "members": [1], "raw": ["x"], "has_null": false}'::bg.group_engagement_tally$$);
SELECT * FROM try($$SELECT bg_internal._group_engagement_combine(
    '{"template": "R", "members": [1], "raw": [1], "has_null": false}',
    '{"template": "S", "members": [1], "raw": [1], "has_null": false}')$$);
SELECT * FROM try($$SELECT bg_internal._group_engagement_final(
    '{"template": "Reference", "members": [1], "raw": [1], "has_null": false}')$$);
-- member counts that would pass the int64 range when combined (10 values
-- of 10^18 - 1): an error, not a wrapped negative count
SELECT * FROM try($$WITH RECURSIVE c(n, t) AS (
    SELECT 1, '{"template": "R", "members": [999999999999999999], "raw": [1], "has_null": false}'::bg.group_engagement_tally
    UNION ALL
    SELECT n + 1, bg_internal._group_engagement_combine(t, '{"template": "R", "members": [999999999999999999], "raw": [1], "has_null": false}')
      FROM c WHERE n < 10)
  SELECT count(*) FROM c$$);

-- a weighting model weights at most 10 000 activity types (the aggregate's
-- state holds every weighted type): the 10 001st is refused, an existing
-- one still changes; written into bg's table directly (by a superuser), the
-- aggregate refuses the model
SELECT bg.create_weighting_model('Wide');
INSERT INTO bg_internal.activity_weight (model_id, activity_type, band)
SELECT m.id, 'type ' || i, 'vital' FROM bg_internal.weighting_model m, generate_series(1, 9999) i WHERE m.name = 'Wide';
SELECT bg.set_activity_weight('Wide', 'type 10000', 'minor');
SELECT * FROM try($$SELECT bg.set_activity_weight('Wide', 'type 10001', 'minor')$$);
SELECT bg.set_activity_weight('Wide', 'type 1', 'minor');
INSERT INTO bg_internal.activity_weight (model_id, activity_type, band)
SELECT m.id, 'type 10001', 'vital' FROM bg_internal.weighting_model m WHERE m.name = 'Wide';
SELECT bg.activate_weighting_model('Wide');
SELECT * FROM try($$SELECT bg.engagement_raw('type 1', now(), now()) FROM (VALUES (1)) v(x)$$);
