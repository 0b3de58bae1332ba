-- Benchmark of bg.create_buying_groups (issue 4): one group per account of a
-- static list of every account, members assigned by the 'Bench' template,
-- scores stored — against a plain INSERT ... SELECT that writes the same
-- member rows (same columns, same indexes) into a copy of bg_internal.member, with the
-- roles computed by bg.role_for in the same statement, and against the same
-- INSERT with roles precomputed (the pure write); and bg.sync() of all those
-- groups right after their creation (nothing to change: the whole diff is
-- computed).  Rounds interleave; each round starts from empty tables.  Needs gen.sql and template.sql first.
\set ON_ERROR_STOP 1
\ir groups_setup.sql

-- same shape and indexes as bg_internal.member (no foreign keys: bg's rows pay those)
DROP TABLE IF EXISTS member_copy, people_role;
CREATE UNLOGGED TABLE people_role AS
SELECT p.id, p.account_id, r.id AS role_id FROM people p JOIN bg_internal.role r ON r.name = bg.role_for('Bench', p);
CREATE TABLE member_copy (LIKE bg_internal.member INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);

CREATE TEMP TABLE group_timings (round int, variant text, ms double precision, rows bigint, cpu_ms bigint);

CREATE OR REPLACE PROCEDURE bench_groups(runs int)
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    c0 bigint;
    n bigint;
    jid bigint;
    r jsonb;
BEGIN
    FOR i IN 1 .. runs LOOP
        TRUNCATE bg_internal.buying_group, bg_internal.member, bg_internal.job;
        COMMIT;
        t0 := clock_timestamp(); c0 := pg_temp.bench_cpu_ms();
        jid := bg.create_buying_groups('Bench SI', 'Every account');
        INSERT INTO group_timings
        SELECT i, 'create_buying_groups', 1000 * extract(epoch FROM clock_timestamp() - t0), j.members_added,
               pg_temp.bench_cpu_ms() - c0
          FROM bg_internal.job j WHERE j.id = jid AND j.status = 'done';
        IF NOT FOUND THEN
            RAISE EXCEPTION 'job % did not finish', jid;
        END IF;
        COMMIT;
        t0 := clock_timestamp(); c0 := pg_temp.bench_cpu_ms();
        r := bg.sync();
        INSERT INTO group_timings VALUES (i, 'sync', 1000 * extract(epoch FROM clock_timestamp() - t0),
                                          (r ->> 'groups')::bigint, pg_temp.bench_cpu_ms() - c0);
        IF (r ->> 'added')::bigint + (r ->> 'removed')::bigint + (r ->> 'changed')::bigint <> 0 THEN
            RAISE EXCEPTION 'sync changed members: %', r;
        END IF;
        COMMIT;

        TRUNCATE member_copy;
        COMMIT;
        t0 := clock_timestamp(); c0 := pg_temp.bench_cpu_ms();
        INSERT INTO member_copy (group_id, person_key, role_id, source)
        SELECT p.account_id, p.id::text, r.id, 'rule'
          FROM people p JOIN bg_internal.role r ON r.name = bg.role_for('Bench', p);
        GET DIAGNOSTICS n = ROW_COUNT;
        INSERT INTO group_timings VALUES (i, 'insert_select_role_for', 1000 * extract(epoch FROM clock_timestamp() - t0), n,
                                          pg_temp.bench_cpu_ms() - c0);
        COMMIT;

        TRUNCATE member_copy;
        COMMIT;
        t0 := clock_timestamp(); c0 := pg_temp.bench_cpu_ms();
        INSERT INTO member_copy (group_id, person_key, role_id, source)
        SELECT x.account_id, x.id::text, x.role_id, 'rule' FROM people_role x;
        GET DIAGNOSTICS n = ROW_COUNT;
        INSERT INTO group_timings VALUES (i, 'insert_select_precomputed', 1000 * extract(epoch FROM clock_timestamp() - t0), n,
                                          pg_temp.bench_cpu_ms() - c0);
        COMMIT;
    END LOOP;
END $$;

CALL bench_groups(:runs);

\echo '== equivalence: stored scores vs the aggregates over people (must be 0) =='
SELECT count(*) AS differences
  FROM bg_internal.buying_group g
  JOIN (SELECT account_id::text AS account_key, bg.completeness('Bench', p) AS c, bg.missing_roles('Bench', p) AS m
          FROM people p GROUP BY account_id) s USING (account_key)
 WHERE (g.completeness, g.missing_roles) IS DISTINCT FROM (s.c, s.m);

\echo '== create_buying_groups: per round (ms) =='
SELECT round, variant, round(ms::numeric) AS ms, cpu_ms, rows FROM group_timings ORDER BY round, variant;

\echo '== medians and ratios =='
WITH med AS (
    SELECT variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM group_timings GROUP BY variant
), per_round AS (
    SELECT round,
           max(ms) FILTER (WHERE variant = 'create_buying_groups')
           / max(ms) FILTER (WHERE variant = 'insert_select_role_for') AS r1,
           max(ms) FILTER (WHERE variant = 'create_buying_groups')
           / max(ms) FILTER (WHERE variant = 'insert_select_precomputed') AS r2
      FROM group_timings GROUP BY round
)
SELECT (SELECT round(ms::numeric) FROM med WHERE variant = 'create_buying_groups') AS create_ms,
       (SELECT round(ms::numeric) FROM med WHERE variant = 'insert_select_role_for') AS insert_role_for_ms,
       (SELECT round(ms::numeric) FROM med WHERE variant = 'insert_select_precomputed') AS insert_precomputed_ms,
       (SELECT round(ms::numeric) FROM med WHERE variant = 'sync') AS sync_ms,
       (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY r1)::numeric, 2) FROM per_round)
           AS "create / insert with role_for (target <= 1.5)",
       (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY r2)::numeric, 2) FROM per_round)
           AS "create / insert precomputed";

\echo '== the same in backend CPU time (less sensitive to other work on the machine) =='
WITH per_round AS (
    SELECT round,
           max(cpu_ms) FILTER (WHERE variant = 'create_buying_groups') AS create_cpu,
           max(cpu_ms) FILTER (WHERE variant = 'insert_select_role_for') AS insert_cpu
      FROM group_timings GROUP BY round
)
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY create_cpu) AS create_cpu_ms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY insert_cpu) AS insert_role_for_cpu_ms,
       string_agg(round(create_cpu::numeric / insert_cpu, 2)::text, ', ' ORDER BY round) AS "per-round create / insert",
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY create_cpu::float8 / insert_cpu)::numeric, 2)
           AS "create / insert with role_for (median of rounds)"
  FROM per_round;
