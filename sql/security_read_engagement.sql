-- bg_internal._read_engagement (src/read_engagement.c): the activities are
-- read as their table's owner (here a view's column is the reading role's
-- name, and only the owner's name is a weighted type), counted as they
-- stream, and give exactly bg.engagement_raw's value per person (random
-- activities with the window's edges, the cap, NULLs and unweighted types);
-- only bg's owner may call it; its errors.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
DROP ROLE IF EXISTS regress_re_owner;
DROP ROLE IF EXISTS regress_re_probe;
RESET client_min_messages;
CREATE EXTENSION bg;
CREATE ROLE regress_re_owner;
CREATE ROLE regress_re_probe;
CREATE SCHEMA regress_read_engagement;
GRANT USAGE, CREATE ON SCHEMA regress_read_engagement TO regress_re_owner;
GRANT USAGE ON SCHEMA regress_read_engagement TO regress_re_probe;
SET search_path = regress_read_engagement, public;
SET TimeZone = 'UTC';

-- try(query): the shared helpers
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

SELECT bg.create_weighting_model('m');
SELECT bg.set_activity_weight('m', 'email', 'vital');
SELECT bg.set_activity_weight('m', 'web', 'normal');
SELECT bg.set_activity_weight('m', 'regress_re_owner', 'minor');
SELECT bg.activate_weighting_model('m');

-- random activities; the edges of the window; a day over the cap; NULLs
SELECT setseed(0.21);
CREATE TABLE activity AS
SELECT (1 + floor(power(random(), 2) * 50))::int AS person_id,
       (ARRAY['email', 'web', 'call', NULL])[1 + floor(random() * 4)::int] AS activity_type,
       '2026-11-29 12:00+00'::timestamptz - random() * interval '40 days' AS occurred_at
  FROM generate_series(1, 5000);
INSERT INTO activity VALUES (1, 'email', '2026-10-30 12:00+00'), (1, 'email', '2026-10-30 12:00:00.000001+00'),
                            (2, 'web', '2026-11-29 12:00+00'), (2, 'web', '2026-11-29 12:00:00.000001+00'),
                            (3, 'email', NULL), (NULL, 'email', '2026-11-29 10:00+00');
INSERT INTO activity SELECT 4, 'email', '2026-11-28 23:59:59+00' FROM generate_series(1, 30);
CREATE TEMP TABLE got AS
SELECT * FROM bg_internal._read_engagement('activity',
    'SELECT a.person_id::text, a.activity_type, a.occurred_at FROM regress_read_engagement.activity a', NULL,
    '2026-11-29 12:00+00');
SELECT count(*) AS people, count(*) FILTER (WHERE raw > 0) AS engaged FROM got;
SELECT count(*) AS differences
  FROM got g
  FULL JOIN (SELECT person_id::text AS k, bg.engagement_raw(activity_type, occurred_at, '2026-11-29 12:00+00') AS raw
               FROM activity WHERE person_id IS NOT NULL GROUP BY 1) x USING (k)
 WHERE g.raw IS DISTINCT FROM x.raw AND NOT (g.k IS NULL AND x.raw = 0);
SELECT * FROM got WHERE k IN ('1', '2', '4') ORDER BY k;

-- read as the owner: the type is the reading role's name
CREATE TABLE owned (person_id integer, occurred_at timestamptz);
INSERT INTO owned VALUES (7, '2026-11-29 10:00+00'), (7, '2026-11-28 10:00+00');
ALTER TABLE owned OWNER TO regress_re_owner;
SET ROLE regress_re_owner;
CREATE VIEW owned_activity AS SELECT person_id, current_user::text AS activity_type, occurred_at FROM owned;
RESET ROLE;
SELECT * FROM bg_internal._read_engagement('owned_activity',
    'SELECT a.person_id::text, a.activity_type, a.occurred_at FROM regress_read_engagement.owned_activity a', NULL,
    '2026-11-29 12:00+00');

-- only the owner of bg_internal may call it
SELECT has_function_privilege('public', 'bg_internal._read_engagement(regclass, text, text[], timestamptz)', 'EXECUTE')
    AS public_may_execute;
GRANT USAGE ON SCHEMA bg_internal TO regress_re_probe;
GRANT EXECUTE ON FUNCTION bg_internal._read_engagement(regclass, text, text[], timestamptz) TO regress_re_probe;
SET ROLE regress_re_probe;
SELECT try($$SELECT * FROM bg_internal._read_engagement('regress_read_engagement.activity', 'SELECT 1', NULL, now())$$);
RESET ROLE;
REVOKE EXECUTE ON FUNCTION bg_internal._read_engagement(regclass, text, text[], timestamptz) FROM regress_re_probe;
REVOKE USAGE ON SCHEMA bg_internal FROM regress_re_probe;

-- errors
SELECT try($$SELECT * FROM bg_internal._read_engagement(NULL, 'SELECT 1', NULL, now())$$);
SELECT try($$SELECT * FROM bg_internal._read_engagement('activity', 'SELECT 1', NULL, NULL)$$);
SELECT try($$SELECT * FROM bg_internal._read_engagement('activity', 'SELECT 1', NULL, 'infinity')$$);
SELECT try($$SELECT * FROM bg_internal._read_engagement('activity', 'SELECT 1', NULL, now())$$);
SELECT try($$SELECT * FROM bg_internal._read_engagement('activity', 'SELECT ''1'', ''email'', now()::timestamp', NULL, now())$$);
SELECT try($$SELECT * FROM bg_internal._read_engagement(0::oid::regclass, 'SELECT 1', NULL, now())$$);

SET client_min_messages = warning;
DROP SCHEMA regress_read_engagement CASCADE;
DROP EXTENSION bg CASCADE;
DROP OWNED BY regress_re_owner, regress_re_probe;
DROP ROLE regress_re_owner;
DROP ROLE regress_re_probe;
