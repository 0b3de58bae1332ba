-- bg.refresh_engagement (docs/design.md §7.1): the stored person and group
-- engagement scores against hand-computed values (the window's edges, the
-- cap, people without activity, normalisation to 100, the role weights of a
-- group), a refresh with nothing to change writes nothing, a member change
-- rewrites only what changed, the errors, and a randomized equivalence with
-- a plain-SQL implementation of §7.1.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_managed_engagement;
SET search_path = regress_managed_engagement, public;
SET TimeZone = 'UTC';

-- try(query): the shared helpers
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

-- the returned counts without the time
CREATE FUNCTION refresh(as_of timestamptz) RETURNS jsonb LANGUAGE sql AS $$
    SELECT bg.refresh_engagement(as_of) - 'ms';
$$;

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL REFERENCES account, job_title text);
CREATE TABLE activity (person_id integer, activity_type varchar(20), occurred_at timestamptz);

-- errors, in the order they are checked
SELECT try($$SELECT bg.refresh_engagement(NULL)$$);
SELECT try($$SELECT bg.refresh_engagement('infinity')$$);
SELECT try($$SELECT bg.refresh_engagement('-infinity')$$);
SELECT try($$SELECT bg.refresh_engagement('2026-11-29 12:00+00')$$);
SELECT bg.bind_activities('activity');
SELECT try($$SELECT bg.refresh_engagement('2026-11-29 12:00+00')$$);
SELECT bg.create_weighting_model('m');
SELECT try($$SELECT bg.refresh_engagement('2026-11-29 12:00+00')$$);   -- a draft is not active
SELECT bg.set_activity_weight('m', 'email', 'vital');
SELECT bg.set_activity_weight('m', 'web', 'normal');
SELECT bg.set_activity_weight('m', 'event', 'important');
SELECT bg.activate_weighting_model('m');
SELECT try($$SELECT bg.refresh_engagement('2026-11-29 12:00+00')$$);
SELECT count(*) AS rows_written FROM bg_internal.person_engagement;

INSERT INTO account VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech');
INSERT INTO person VALUES
    (11, 1, 'Chief Security Officer'),   -- Decision Maker (vital, 100)
    (12, 1, 'Director of IT'),           -- Influencer (important, 80)
    (13, 1, 'Security Engineer'),        -- Practitioner (normal, 60)
    (14, 1, 'Receptionist'),             -- no role: not a member
    (21, 2, 'VP Engineering'),           -- Decision Maker
    (22, 2, 'Director of Security'),     -- Influencer, no activity
    (31, 3, 'Network Engineer');         -- Practitioner, no activity
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');
SELECT bg.create_template('eng');
SELECT bg.add_role('eng', 'Decision Maker', 'job_title starts with any (''chief'', ''vp'')', weight => 'vital');
SELECT bg.add_role('eng', 'Influencer', 'job_title contains ''director''', weight => 'important');
SELECT bg.add_role('eng', 'Practitioner', 'job_title contains ''engineer''', weight => 'normal');
SELECT bg.add_role('eng', 'Champion', weight => 'minor');     -- no member: not in V
SELECT bg.publish_template('eng');
SELECT bg.create_solution_interest('Security', 'eng');
SELECT bg.create_account_list('all');
SELECT bg.add_accounts('all', ARRAY[1, 2, 3]);
SELECT bg.create_buying_groups('Security', 'all');

-- as_of 2026-11-29 12:00 UTC; the window is (2026-10-30 12:00, 2026-11-29 12:00]
-- 11: 25 emails on one day (20 count, 20) + 5 web (3) = 23; one email exactly
--     30 days old and one a second in the future do not count
-- 12: 10 events (8); 13: 4 web (2.4) and 3 of a type without weight
-- 14: 10 emails on each of 5 days = 50 (the maximum; not a member)
-- 21: 1 email (1); 22, 31: nothing (0); 99: not a bound person
INSERT INTO activity
SELECT 11, 'email', '2026-11-28 09:00+00'::timestamptz + i * interval '1 second' FROM generate_series(1, 25) i
UNION ALL SELECT 11, 'web', '2026-11-20 09:00+00' FROM generate_series(1, 5)
UNION ALL SELECT 11, 'email', '2026-10-30 12:00+00'
UNION ALL SELECT 11, 'email', '2026-11-29 12:00:01+00'
UNION ALL SELECT 12, 'event', '2026-11-29 12:00+00' FROM generate_series(1, 10)
UNION ALL SELECT 13, 'web', '2026-10-30 12:00:01+00' FROM generate_series(1, 4)
UNION ALL SELECT 13, 'spam', '2026-11-25 09:00+00' FROM generate_series(1, 3)
UNION ALL SELECT 14, 'email', '2026-11-20 09:00+00'::timestamptz + d * interval '1 day' FROM generate_series(1, 5) d, generate_series(1, 10)
UNION ALL SELECT 21, 'email', '2026-11-21 09:00+00'
UNION ALL SELECT 99, 'email', '2026-11-21 09:00+00' FROM generate_series(1, 100);

-- before the first refresh: no scores
SELECT count(*) AS people FROM bg.person_engagement;
SELECT account_key, engagement_raw, engagement_score, engagement_as_of FROM bg.buying_groups ORDER BY account_key;

SELECT refresh('2026-11-29 12:00+00');
-- S(p) = 100 sqrt(R(p) / 50)
SELECT e.person_key, e.raw, round(e.score::numeric, 9) AS score,
       round((100 * sqrt(x.r / 50))::numeric, 9) AS expected, e.as_of
  FROM bg.person_engagement e
  JOIN (VALUES ('11', 23), ('12', 8), ('13', 2.4), ('14', 50), ('21', 1), ('22', 0), ('31', 0)) x(k, r) ON x.k = e.person_key
 ORDER BY e.person_key;
SELECT count(*) AS people FROM bg.person_engagement;
-- G(1) = (23·100 + 8·80 + 2.4·60) / 240 = 12.85; G(2) = (1·100 + 0·80) / 180;
-- G(3) = 0; E(g) = 100 sqrt(G(g) / 12.85)
SELECT g.account_key, round(g.engagement_raw::numeric, 9) AS raw, round(x.r::numeric, 9) AS expected_raw,
       round(g.engagement_score::numeric, 9) AS score, round((100 * sqrt(x.r / 12.85))::numeric, 9) AS expected,
       g.engagement_as_of
  FROM bg.buying_groups g
  JOIN (VALUES ('1', 12.85), ('2', 100.0 / 180), ('3', 0)) x(k, r) ON x.k = g.account_key
 ORDER BY g.account_key;

-- Physical versions of the stored rows: a write, even of the same values,
-- gives a row a new xmin.
CREATE TABLE snapshot AS
SELECT 'person' AS what, person_key AS key, xmin::text AS row_xmin FROM bg_internal.person_engagement
UNION ALL SELECT 'group', id::text, xmin::text FROM bg_internal.buying_group;
CREATE FUNCTION rewritten() RETURNS TABLE (what text, key text) LANGUAGE sql AS $$
    SELECT s.what, s.key FROM snapshot s
     WHERE s.row_xmin IS DISTINCT FROM
           CASE s.what WHEN 'person' THEN (SELECT e.xmin::text FROM bg_internal.person_engagement e WHERE e.person_key = s.key)
                       ELSE (SELECT g.xmin::text FROM bg_internal.buying_group g WHERE g.id::text = s.key) END
     ORDER BY 1, 2;
$$;

-- every group the first refresh wrote has its engagement_changed event
-- (old NULL: never scored), source job
SELECT account_key, source, old_value, new_value - 'as_of' AS new_value, new_value->>'as_of' AS as_of
  FROM bg.events WHERE kind = 'engagement_changed' ORDER BY account_key;
SELECT max(id) AS seen FROM bg.events \gset

-- the same refresh again writes nothing, and no event
SELECT refresh('2026-11-29 12:00+00');
SELECT * FROM rewritten();
SELECT count(*) AS new_events FROM bg.events WHERE id > :seen;

-- a member leaves group 1: G(1) = (2300 + 144) / 160 = 15.275 changes, and
-- with it the maximum, so E(2) changes; E(1) stays 100, E(3) 0, people unchanged
SELECT bg.remove_member(bg.buying_group_id('Security', 1), 12);
TRUNCATE snapshot;
INSERT INTO snapshot
SELECT 'person', person_key, xmin::text FROM bg_internal.person_engagement
UNION ALL SELECT 'group', id::text, xmin::text FROM bg_internal.buying_group;
SELECT refresh('2026-11-29 12:00+00');
SELECT * FROM rewritten();
SELECT g.account_key, round(g.engagement_raw::numeric, 9) AS raw, round(g.engagement_score::numeric, 9) AS score,
       round((100 * sqrt((100.0 / 180) / 15.275))::numeric, 9) AS expected_score_2
  FROM bg.buying_groups g ORDER BY g.account_key;
-- an event for each group rewritten (1 and 2), with its old and new scores
SELECT account_key, round((old_value->>'engagement_raw')::numeric, 9) AS old_raw,
       round((new_value->>'engagement_raw')::numeric, 9) AS new_raw,
       round((old_value->>'engagement_score')::numeric, 9) AS old_score,
       round((new_value->>'engagement_score')::numeric, 9) AS new_score
  FROM bg.events WHERE kind = 'engagement_changed' AND id > :seen ORDER BY account_key;

-- a person who leaves the people table leaves the scores
DELETE FROM person WHERE id = 31;
SELECT refresh('2026-11-29 12:00+00');
SELECT person_key FROM bg.person_engagement ORDER BY 1;

-- nothing in the window: every score 0 (the maximum is 0), not NULL
SELECT refresh('2027-06-01 00:00+00');
SELECT count(*) AS people, sum(raw) AS raw, sum(score) AS score, min(as_of) AS as_of FROM bg.person_engagement;
SELECT account_key, engagement_raw, engagement_score, engagement_as_of FROM bg.buying_groups ORDER BY account_key;

-- another model: the scores follow it
SELECT bg.create_weighting_model('web only');
SELECT bg.set_activity_weight('web only', 'web', 'vital');
SELECT bg.activate_weighting_model('web only');
SELECT refresh('2026-11-29 12:00+00');
SELECT person_key, raw, round(score::numeric, 9) AS score FROM bg.person_engagement WHERE raw > 0 ORDER BY 1;

-- Randomized equivalence with plain SQL of §7.1: 400 people in 40 accounts,
-- 20 000 activities over 45 days (6 types, one without weight), random
-- roles; 0 differences beyond 1e-9.
SELECT setseed(0.14);
SELECT bg.activate_weighting_model('m');
SELECT bg.set_activity_band('heavy', 90);
SELECT bg.create_weighting_model('random', copy_of => 'm');
SELECT bg.set_activity_weight('random', 'form', 'heavy');
SELECT bg.set_activity_weight('random', 'call', 'trivial');
SELECT bg.activate_weighting_model('random');
INSERT INTO account SELECT i, 'a' || i FROM generate_series(100, 139) i;
INSERT INTO person
SELECT i, 100 + i % 40, (ARRAY['Chief Executive', 'Director of Sales', 'Engineer', 'Clerk'])[1 + floor(random() * 4)::int]
  FROM generate_series(1000, 1399) i;
TRUNCATE activity;
INSERT INTO activity
SELECT 1000 + floor(power(random(), 3) * 420)::int,       -- skewed; some keys are not people
       (ARRAY['email', 'web', 'event', 'form', 'call', 'spam'])[1 + floor(random() * 6)::int],
       '2026-11-29 12:00+00'::timestamptz - random() * interval '45 days'
  FROM generate_series(1, 20000);
-- exact edges too
INSERT INTO activity VALUES (1001, 'email', '2026-10-30 12:00+00'), (1001, 'email', '2026-11-29 12:00+00'),
                            (1002, 'web', '2026-11-29 12:00:00.000001+00');
SELECT bg.create_account_list('random');
SELECT bg.add_accounts('random', ARRAY(SELECT generate_series(100, 139)));
SELECT bg.create_buying_groups('Security', 'random') > 0 AS created;
SELECT refresh('2026-11-29 12:00+00');

CREATE TABLE expected_person AS
WITH w AS (SELECT a.activity_type, b.value AS w
             FROM bg_internal.activity_weight a
             JOIN bg_internal.weighting_model m ON m.id = a.model_id AND m.status = 'active'
             JOIN bg_internal.activity_band b ON b.name = a.band),
c AS (SELECT a.person_id, a.activity_type, (a.occurred_at AT TIME ZONE 'UTC')::date AS d, count(*) AS n
        FROM activity a
       WHERE a.occurred_at > '2026-11-29 12:00+00'::timestamptz - interval '30 days'
         AND a.occurred_at <= '2026-11-29 12:00+00'
       GROUP BY 1, 2, 3),
r AS (SELECT p.id::text AS k, coalesce(sum(least(c.n, 20) * w.w) / 100.0, 0)::float8 AS raw
        FROM person p LEFT JOIN (c JOIN w USING (activity_type)) ON c.person_id = p.id
       GROUP BY p.id)
SELECT r.k, r.raw, CASE WHEN max(sqrt(r.raw)) OVER () = 0 THEN 0 ELSE 100 * sqrt(r.raw) / max(sqrt(r.raw)) OVER () END AS score
  FROM r;
SELECT count(*) AS people, count(*) FILTER (WHERE raw > 0) AS with_activity FROM expected_person;
SELECT count(*) AS person_differences
  FROM expected_person x FULL JOIN bg.person_engagement e ON e.person_key = x.k
 WHERE x.k IS NULL OR e.person_key IS NULL OR abs(x.raw - e.raw) > 1e-9 OR abs(x.score - e.score) > 1e-9;

CREATE TABLE expected_group AS
WITH v AS (SELECT m.group_id, m.person_key, m.role_id,
                  CASE x.weight WHEN 'trivial' THEN 20 WHEN 'minor' THEN 40 WHEN 'normal' THEN 60
                                WHEN 'important' THEN 80 ELSE 100 END AS v
             FROM bg_internal.member m
             JOIN bg_internal.buying_group g ON g.id = m.group_id
             JOIN bg_internal.solution_interest s ON s.id = g.solution_interest_id
             JOIN bg_internal.template_role x ON x.template_id = s.template_id AND x.role_id = m.role_id
            WHERE NOT m.is_removed),
vg AS (SELECT group_id, sum(v) AS total FROM (SELECT DISTINCT group_id, role_id, v FROM v) d GROUP BY 1),
gr AS (SELECT g.id, coalesce((SELECT sum(coalesce(p.raw, 0) * v.v) / vg.total
                                FROM v JOIN vg USING (group_id) LEFT JOIN expected_person p ON p.k = v.person_key
                               WHERE v.group_id = g.id GROUP BY vg.total), 0)::float8 AS raw
         FROM bg_internal.buying_group g)
SELECT gr.id, gr.raw,
       CASE WHEN max(sqrt(gr.raw)) OVER () = 0 THEN 0 ELSE 100 * sqrt(gr.raw) / max(sqrt(gr.raw)) OVER () END AS score
  FROM gr;
SELECT count(*) AS groups, count(*) FILTER (WHERE raw > 0) AS engaged FROM expected_group;
SELECT count(*) AS group_differences
  FROM expected_group x JOIN bg_internal.buying_group g USING (id)
 WHERE abs(x.raw - g.engagement_raw) > 1e-9 OR abs(x.score - g.engagement_score) > 1e-9 OR g.engagement_score IS NULL;

-- Levels and visibility: a reader may not refresh; bg.person_engagement
-- shows a role only the people it may SELECT in the bound people table (its
-- privileges and row-level security); a writer refreshes, and the people
-- are read as the table's owner, whose policies do not apply.
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_eng_reader;
DROP ROLE IF EXISTS regress_eng_writer;
RESET client_min_messages;
CREATE ROLE regress_eng_reader;
CREATE ROLE regress_eng_writer;
SELECT bg.grant_access('regress_eng_reader', 'reader');
SELECT bg.grant_access('regress_eng_writer', 'writer');
GRANT USAGE ON SCHEMA regress_managed_engagement TO regress_eng_reader, regress_eng_writer;
SET ROLE regress_eng_reader;
SELECT try($$SELECT bg.refresh_engagement('2026-11-29 12:00+00')$$);
SELECT count(*) AS visible_without_select FROM bg.person_engagement;
RESET ROLE;
GRANT SELECT ON person TO regress_eng_reader;
ALTER TABLE person ENABLE ROW LEVEL SECURITY;
CREATE POLICY first_accounts ON person FOR SELECT USING (account_id IN (1, 2));
SET ROLE regress_eng_reader;
SELECT person_key, raw, round(score::numeric, 9) AS score FROM bg.person_engagement ORDER BY 1;
RESET ROLE;
SET ROLE regress_eng_writer;
SELECT bg.refresh_engagement('2026-11-29 12:00+00') - 'ms' AS refresh;
RESET ROLE;
DROP POLICY first_accounts ON person;
ALTER TABLE person DISABLE ROW LEVEL SECURITY;
DROP OWNED BY regress_eng_reader, regress_eng_writer;
DROP ROLE regress_eng_reader;
DROP ROLE regress_eng_writer;

-- as_of reaches the read of the activities exactly, whatever the session's
-- DateStyle and TimeZone: the same refresh writes nothing
SET DateStyle = 'SQL, DMY';
SET TimeZone = 'America/St_Johns';
SELECT refresh('2026-11-29 12:00+00');
SELECT refresh('2026-11-29 08:30:00.000001-03:30');   -- a microsecond later: 1002's activity then counts
RESET DateStyle;
SET TimeZone = 'UTC';
