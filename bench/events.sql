-- Benchmark of event delivery (docs/design.md §7.3): a consumer draining
-- :events events (default 1 000 000) in batches of :batch (default 1 000),
-- each batch read with bg.read_events and acknowledged with bg.ack_events
-- in a transaction of its own (a procedure loop: no client round trips).
-- The events are written first by :writers transactions (default 1 000),
-- straight into the outbox.  Every run is a new consumer over the same
-- events.  Needs a database with bg only.
--   psql -v events=1000000 -v batch=1000 -v runs=3 -f bench/events.sql
\set ON_ERROR_STOP 1
\if :{?events} \else \set events 1000000 \endif
\if :{?batch} \else \set batch 1000 \endif
\if :{?writers} \else \set writers 1000 \endif
\if :{?runs} \else \set runs 3 \endif
\pset footer off
SET client_min_messages = warning;
SET jit = off;

CREATE OR REPLACE PROCEDURE bench_write_events(n bigint, writers int) LANGUAGE plpgsql AS $$
BEGIN
    FOR w IN 1 .. writers LOOP
        INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, person_key,
                                       old_value, new_value, source)
        SELECT (SELECT bg_internal._event_batch()), 'member_assigned', i, 'Bench SI', i::text, (i * 10)::text,
               NULL, jsonb_build_object('role', 'Decision Maker', 'source', 'rule', 'is_removed', false), 'sync'
          FROM generate_series(1, n / writers) AS i;
        COMMIT;
    END LOOP;
END $$;

CREATE TEMP TABLE drain_timings (consumer text, events bigint, ms float8);
CREATE OR REPLACE PROCEDURE bench_drain(consumer text, batch int) LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    last bigint;
    n bigint;
    total bigint := 0;
BEGIN
    LOOP
        SELECT max(e.id), count(*) INTO last, n FROM bg.read_events(consumer, batch) e;
        EXIT WHEN n = 0;
        PERFORM bg.ack_events(consumer, last);
        COMMIT;
        total := total + n;
    END LOOP;
    INSERT INTO drain_timings VALUES (consumer, total, 1000 * extract(epoch FROM clock_timestamp() - t0));
    COMMIT;
END $$;

SELECT bg.purge_events('0') AS purged \gset
\timing on
CALL bench_write_events(:events, :writers);
\timing off
SELECT count(*) AS events_written FROM bg.events;
VACUUM ANALYZE bg_internal.event, bg_internal.event_batch;
SELECT format('CALL bench_drain(%L, %s)', 'run ' || g, :batch) FROM generate_series(1, :runs) g \gexec
SELECT consumer, events, round(ms) AS ms, round(events / (ms / 1000)) AS events_per_s FROM drain_timings ORDER BY consumer;
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY events / (ms / 1000))::bigint AS median_events_per_s FROM drain_timings;
