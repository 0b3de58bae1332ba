-- The engagement aggregates (docs/design.md §7.1) against a plain-SQL
-- implementation of the formulas over 50 000 random activities (bursts that
-- pass the daily cap, times around the window's edges, unweighted types),
-- by person and by group; and parallel plans (Partial and Finalize
-- aggregation) giving the serial results.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_agg_engagement_random;
SET search_path = regress_agg_engagement_random, public;
SET TimeZone = 'Asia/Kolkata';   -- days are UTC days whatever the session's zone

SELECT bg.set_activity_band('tiny', 5);
SELECT bg.create_weighting_model('M');
SELECT bg.set_activity_weight('M', t, b)
  FROM (VALUES ('t0', 'vital'), ('t1', 'important'), ('t2', 'normal'), ('t3', 'minor'), ('t4', 'tiny'),
               ('t5', 'trivial')) v(t, b);   -- t6 and t7 do not count
SELECT bg.activate_weighting_model('M');

SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', weight => 'vital');
SELECT bg.add_role('T', 'Influencer', weight => 'important');
SELECT bg.add_role('T', 'Practitioner', weight => 'normal');
SELECT bg.add_role('T', 'Champion', weight => 'trivial');

SELECT setseed(0.14);
CREATE TABLE activity AS
SELECT (1 + floor(random() * 500))::integer AS person_id,
       't' || floor(random() * 8)::integer AS activity_type,
       timestamptz '2026-11-29 12:00+00' - (random() * 40 - 5) * interval '1 day' AS occurred_at
  FROM generate_series(1, 40000);
-- bursts: 10 000 activities of 20 people on few days
INSERT INTO activity
SELECT (1 + floor(random() * 20))::integer, 't' || floor(random() * 3)::integer,
       timestamptz '2026-11-29 12:00+00' - floor(random() * 3) * interval '1 day' - random() * interval '1 hour'
  FROM generate_series(1, 10000);
-- exactly on the edges
INSERT INTO activity VALUES (7, 't0', '2026-10-30 12:00+00'), (7, 't0', '2026-11-29 12:00+00'),
                            (8, 't1', '2026-10-30 12:00:00.000001+00'), (8, 't1', '2026-11-29 12:00:00.000001+00');

CREATE TABLE member AS
SELECT p AS person_id, 1 + p % 60 AS group_id,
       (ARRAY['Decision Maker', 'Influencer', 'Practitioner', 'Champion', NULL])[1 + floor(random() * 5)::integer] AS role
  FROM generate_series(1, 550) p;   -- people 501..550 have no activity

-- §7.1 in plain SQL
CREATE TABLE sql_person AS
SELECT m.person_id, coalesce(x.raw, 0) AS raw
  FROM member m
  LEFT JOIN (SELECT c.person_id, sum(least(c.n, 20) * w.weight) / 100.0 AS raw
               FROM (SELECT a.person_id, a.activity_type, (a.occurred_at AT TIME ZONE 'UTC')::date, count(*) AS n
                       FROM activity a
                      WHERE a.occurred_at > timestamptz '2026-11-29 12:00+00' - interval '30 days'
                        AND a.occurred_at <= timestamptz '2026-11-29 12:00+00'
                      GROUP BY 1, 2, 3) c
               JOIN bg.activity_weights w ON w.activity_type = c.activity_type AND w.model = 'M'
              GROUP BY 1) x USING (person_id);
CREATE TABLE sql_group AS
SELECT g.group_id,
       coalesce((SELECT sum(p.raw * r.weight_value) FROM member m JOIN sql_person p USING (person_id)
                   JOIN bg.template_roles r ON r.template = 'T' AND r.role = m.role
                  WHERE m.group_id = g.group_id)
                / nullif((SELECT sum(r.weight_value) FROM bg.template_roles r
                           WHERE r.template = 'T'
                             AND r.role IN (SELECT m.role FROM member m WHERE m.group_id = g.group_id)), 0), 0) AS raw
  FROM (SELECT DISTINCT group_id FROM member) g;

-- the aggregates, serial
SET max_parallel_workers_per_gather = 0;
CREATE TABLE agg_person AS
SELECT m.person_id, bg.engagement_raw(a.activity_type, a.occurred_at, '2026-11-29 12:00+00') AS raw
  FROM member m LEFT JOIN activity a USING (person_id) GROUP BY 1;
CREATE TABLE agg_group AS
SELECT m.group_id, bg.group_engagement_raw('T', m.role, p.raw) AS raw
  FROM member m JOIN agg_person p USING (person_id) GROUP BY 1;

SELECT count(*) AS people, count(*) FILTER (WHERE abs(a.raw - s.raw) > 1e-9) AS differences,
       count(*) FILTER (WHERE s.raw > 0) AS engaged
  FROM agg_person a JOIN sql_person s USING (person_id);
SELECT count(*) AS groups, count(*) FILTER (WHERE abs(a.raw - s.raw) > 1e-9) AS differences
  FROM agg_group a JOIN sql_group s USING (group_id);
-- the burst people hit the cap
SELECT count(*) > 0 AS capped FROM (SELECT person_id, activity_type, (occurred_at AT TIME ZONE 'UTC')::date
  FROM activity GROUP BY 1, 2, 3 HAVING count(*) > 20) x;

-- parallel plans give the serial results
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT a.person_id % 7, bg.engagement_raw(a.activity_type, a.occurred_at, '2026-11-29 12:00+00') FROM activity a GROUP BY 1;
CREATE TABLE par_person AS
SELECT a.person_id % 7 AS k, bg.engagement_raw(a.activity_type, a.occurred_at, '2026-11-29 12:00+00') AS raw
  FROM activity a GROUP BY 1;
CREATE TABLE big_member AS SELECT m.*, p.raw FROM member m JOIN agg_person p USING (person_id), generate_series(1, 200);
EXPLAIN (COSTS OFF)
SELECT group_id % 3, bg.group_engagement_raw('T', role, raw) FROM big_member GROUP BY 1;
CREATE TABLE par_group AS
SELECT group_id % 3 AS k, bg.group_engagement_raw('T', role, raw) AS raw FROM big_member GROUP BY 1;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE ser_person AS
SELECT a.person_id % 7 AS k, bg.engagement_raw(a.activity_type, a.occurred_at, '2026-11-29 12:00+00') AS raw
  FROM activity a GROUP BY 1;
CREATE TABLE ser_group AS
SELECT group_id % 3 AS k, bg.group_engagement_raw('T', role, raw) AS raw FROM big_member GROUP BY 1;
SELECT count(*) AS keys, count(*) FILTER (WHERE abs(p.raw - s.raw) > 1e-9) AS differences
  FROM par_person p JOIN ser_person s USING (k);
-- sums of 36 000 raw scores near 10^7: the order of additions differs, so
-- equal means equal to 1e-12 relative
SELECT count(*) AS keys, count(*) FILTER (WHERE abs(p.raw - s.raw) > 1e-12 * abs(s.raw)) AS differences,
       min(s.raw) > 1000 AS large
  FROM par_group p JOIN ser_group s USING (k);
