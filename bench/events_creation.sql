-- A creation job with its events (docs/design.md §7.3) against the plain
-- INSERT ... SELECT baseline of bench/groups.sql, in interleaved rounds in
-- one cluster.  The job writes its group_created events in the statement
-- that inserts the groups, so they cannot be switched off; the member
-- trigger (which writes nothing for a job) is on.  Needs gen.sql and
-- template.sql first.
--   psql -v runs=3 -f bench/events_creation.sql
\set ON_ERROR_STOP 1
\if :{?runs} \else \set runs 3 \endif
\ir groups_setup.sql
DROP TABLE IF EXISTS member_copy;
CREATE TABLE member_copy (LIKE bg_internal.member INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);
CREATE TEMP TABLE t (round int, variant text, ms float8);
CREATE OR REPLACE PROCEDURE bench_events_creation(runs int) LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    v text;
BEGIN
    FOR i IN 1 .. runs LOOP
        FOREACH v IN ARRAY CASE WHEN i % 2 = 0 THEN ARRAY['events', 'insert_select_role_for']
                                ELSE ARRAY['insert_select_role_for', 'events'] END LOOP
            TRUNCATE bg_internal.buying_group, bg_internal.member, bg_internal.job, bg_internal.event,
                     bg_internal.event_batch, member_copy;
            COMMIT;
            t0 := clock_timestamp();
            IF v = 'insert_select_role_for' THEN
                INSERT INTO member_copy (group_id, person_key, role_id, source)
                SELECT p.account_id, p.id::text, r.id, 'rule'
                  FROM people p JOIN bg_internal.role r ON r.name = bg.role_for('Bench', p);
            ELSE
                PERFORM bg.create_buying_groups('Bench SI', 'Every account');
            END IF;
            COMMIT;
            INSERT INTO t VALUES (i, v, 1000 * extract(epoch FROM clock_timestamp() - t0));
            COMMIT;
        END LOOP;
    END LOOP;
END $$;
CALL bench_events_creation(:runs);
SELECT round, variant, round(ms) AS ms FROM t ORDER BY round, variant;
WITH r AS (SELECT round, max(ms) FILTER (WHERE variant = 'events') AS e,
                  max(ms) FILTER (WHERE variant = 'insert_select_role_for') AS b FROM t GROUP BY round)
SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY e)) AS events_ms,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY b)) AS insert_select_ms,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY (e / b))::numeric, 2) AS "events / insert (median of rounds)"
  FROM r;
