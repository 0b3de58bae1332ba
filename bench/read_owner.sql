-- Creation jobs and sync with every read of the user's tables made as the
-- table's owner (bg_internal._read, issue 9), against the version before it:
-- bg.create_buying_groups for every account, then bg.sync() of all those
-- groups (nothing to change: the whole diff is computed), RUNS rounds each
-- from empty tables.  Needs gen.sql and template.sql first.
\set ON_ERROR_STOP 1
\pset footer off
SET jit = off;
SET max_parallel_workers_per_gather = 0;
SET work_mem = '256MB';
SET client_min_messages = warning;

\o /dev/null
SELECT bg.bind_accounts('accounts', key => 'id', name => 'name');
SELECT bg.create_solution_interest('RO SI', 'Bench', update_existing => true);
SELECT bg.create_account_list('Every account');
SELECT bg.add_accounts('Every account', array_agg(id)) FROM accounts;
\o

CREATE TEMP TABLE ro_timings (round int, variant text, ms double precision, rows bigint);

CREATE OR REPLACE PROCEDURE bench_read_owner(runs int)
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    jid bigint;
    r jsonb;
BEGIN
    FOR i IN 1 .. runs LOOP
        TRUNCATE bg_internal.buying_group, bg_internal.member, bg_internal.job;
        COMMIT;
        t0 := clock_timestamp();
        jid := bg.create_buying_groups('RO SI', 'Every account');
        INSERT INTO ro_timings
        SELECT i, 'create_buying_groups', 1000 * extract(epoch FROM clock_timestamp() - t0), j.members_added
          FROM bg_internal.job j WHERE j.id = jid AND j.status = 'done';
        COMMIT;
        t0 := clock_timestamp();
        r := bg.sync();
        INSERT INTO ro_timings VALUES (i, 'sync', 1000 * extract(epoch FROM clock_timestamp() - t0),
                                       (r ->> 'groups')::bigint);
        IF (r ->> 'added')::bigint + (r ->> 'removed')::bigint + (r ->> 'changed')::bigint <> 0 THEN
            RAISE EXCEPTION 'sync changed members: %', r;
        END IF;
        COMMIT;
    END LOOP;
END $$;

CALL bench_read_owner(:runs);
SELECT variant, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric) AS median_ms,
       string_agg(round(ms::numeric)::text, ' ' ORDER BY round) AS runs_ms, max(rows) AS rows
  FROM ro_timings GROUP BY variant ORDER BY variant;
