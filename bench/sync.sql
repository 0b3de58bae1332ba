-- Benchmark of bg.sync() at full scale (issue 12, target 6), after gen.sql
-- and template.sql: the groups of every account are created once (a
-- creation job, interest 'Bench SI' with update_existing, as groups.sql
-- makes them); then interleaved rounds of
--   noop      bg.sync() with nothing to change; checked to write nothing:
--             its counts 0, no transaction id assigned (no row written or
--             locked), no tuple of bg_internal.member or buying_group
--             inserted, updated or deleted by its transaction;
--   role_for  SELECT count(bg.role_for('Bench', p)) FROM people p, the
--             baseline (the target: noop within 1.5x of it);
--   change    bg.sync() after 1 % of the people (id % 100 = 7) changed
--             job title so that their role changes (untimed UPDATE before);
--   restore   bg.sync() after their titles were set back (untimed UPDATE):
--             the same amount of work in the other direction, and the
--             start of the next round is a no-op again.
-- With -v base=FILE (bench/sync.sh BASE=<revision>), FILE holds CREATE OR
-- REPLACE FUNCTION statements of another version of sync's SQL functions:
-- every round then runs noop, change and restore with both versions
-- ('head', 'base'), swapping the functions' definitions between them, in
-- an order that alternates from round to round.  -v runs=N rounds.
\set ON_ERROR_STOP 1
\ir groups_setup.sql
\o /dev/null
SELECT bg.create_buying_groups('Bench SI', 'Every account');
\o

-- the changed people and their titles; a new title whose role differs
DROP TABLE IF EXISTS sync_changed;
CREATE TABLE sync_changed AS
SELECT p.id, p.job_title AS old_title,
       CASE WHEN bg.role_for('Bench', p) = 'Decision Maker' THEN 'Security Engineer'
            ELSE 'Director of Security' END AS new_title
  FROM people p WHERE p.id % 100 = 7;
ALTER TABLE sync_changed ADD PRIMARY KEY (id);
ANALYZE sync_changed;

-- the definitions of each variant's functions (those that differ)
CREATE TEMP TABLE sync_variant (variant text, fn text, def text);
CREATE TEMP VIEW sync_defs AS
SELECT p.oid::regprocedure::text AS fn, pg_get_functiondef(p.oid) AS def
  FROM pg_proc p
 WHERE p.pronamespace IN ('bg'::regnamespace, 'bg_internal'::regnamespace)
   AND p.prokind IN ('f', 'p') AND p.prolang <> (SELECT l.oid FROM pg_language l WHERE l.lanname = 'c');
\if :{?base}
CREATE TEMP TABLE sync_head_defs AS SELECT * FROM sync_defs;
\o /dev/null
\i :base
\o
INSERT INTO sync_variant
SELECT 'base', d.fn, d.def FROM sync_defs d
 WHERE NOT EXISTS (SELECT FROM sync_head_defs h WHERE h.fn = d.fn AND h.def = d.def);
INSERT INTO sync_variant
SELECT 'head', h.fn, h.def FROM sync_head_defs h JOIN sync_variant b ON b.variant = 'base' AND b.fn = h.fn;
SELECT string_agg(fn, ', ' ORDER BY fn) AS "functions of base that differ" FROM sync_variant WHERE variant = 'base';
\endif
INSERT INTO sync_variant SELECT 'head', NULL, NULL WHERE NOT EXISTS (SELECT FROM sync_variant);

CREATE TEMP TABLE sync_timings (round int, variant text, what text, ms double precision,
                                cpu_ms double precision, result jsonb, load text);

-- this backend's CPU time (user and system) so far, ms (10 ms ticks): the
-- machine is shared, and a busy one stretches the wall time more than the
-- CPU time
CREATE OR REPLACE FUNCTION bench_cpu_ms() RETURNS double precision
LANGUAGE sql AS $$
    SELECT (split_part(s, ' ', 12)::bigint + split_part(s, ' ', 13)::bigint) * 10.0
      FROM (SELECT split_part(pg_read_file('/proc/self/stat'), ') ', 2) AS s) x
$$;

CREATE OR REPLACE PROCEDURE bench_sync_use(v text)
LANGUAGE plpgsql AS $$
DECLARE
    d text;
BEGIN
    FOR d IN SELECT x.def FROM sync_variant x WHERE x.variant = v AND x.def IS NOT NULL ORDER BY x.fn LOOP
        EXECUTE d;
    END LOOP;
END $$;

-- the tuples of bg_internal.member and buying_group inserted, updated or
-- deleted by this backend and not yet reported (the transactions of a
-- procedure's loop are not reported between them)
CREATE OR REPLACE FUNCTION bench_sync_writes() RETURNS bigint
LANGUAGE sql AS $$
    SELECT sum(pg_stat_get_xact_tuples_inserted(c) + pg_stat_get_xact_tuples_updated(c)
               + pg_stat_get_xact_tuples_deleted(c))
      FROM unnest(ARRAY['bg_internal.member'::regclass, 'bg_internal.buying_group'::regclass]) AS c;
$$;

-- one timed bg.sync(), in a transaction of its own; noop: checked to
-- write and lock nothing
CREATE OR REPLACE PROCEDURE bench_sync_one(i int, v text, what text)
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    c0 double precision;
    ms double precision;
    r jsonb;
    writes bigint;
BEGIN
    writes := -bench_sync_writes();
    c0 := bench_cpu_ms();
    t0 := clock_timestamp();
    r := bg.sync();
    ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
    c0 := bench_cpu_ms() - c0;
    writes := writes + bench_sync_writes();
    IF what = 'noop' THEN
        IF (r ->> 'added')::bigint + (r ->> 'removed')::bigint + (r ->> 'changed')::bigint <> 0
           OR writes <> 0 OR pg_current_xact_id_if_assigned() IS NOT NULL THEN
            RAISE EXCEPTION 'the no-op sync wrote: %, % tuples, xid %', r, writes, pg_current_xact_id_if_assigned();
        END IF;
    ELSIF (r ->> 'added')::bigint + (r ->> 'removed')::bigint + (r ->> 'changed')::bigint = 0 THEN
        RAISE EXCEPTION 'the sync after the change changed nothing: %', r;
    END IF;
    INSERT INTO sync_timings VALUES (i, v, what, ms, c0, r, split_part(pg_read_file('/proc/loadavg'), ' ', 1));
END $$;

-- round i: every variant (in an order alternating from round to round),
-- then the baseline
CREATE OR REPLACE PROCEDURE bench_sync_round(i int)
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    c0 double precision;
    n bigint;
    vs text[];
    v text;
BEGIN
    vs := ARRAY(SELECT DISTINCT x.variant FROM sync_variant x ORDER BY 1 DESC);
    IF i % 2 = 0 THEN
        vs := ARRAY(SELECT x FROM unnest(vs) WITH ORDINALITY AS u(x, o) ORDER BY o DESC);
    END IF;
    FOREACH v IN ARRAY vs LOOP
        CALL bench_sync_use(v);
        COMMIT;
        CALL bench_sync_one(i, v, 'noop');
        COMMIT;
        UPDATE people p SET job_title = c.new_title FROM sync_changed c WHERE c.id = p.id;
        COMMIT;
        CALL bench_sync_one(i, v, 'change');
        COMMIT;
        UPDATE people p SET job_title = c.old_title FROM sync_changed c WHERE c.id = p.id;
        COMMIT;
        CALL bench_sync_one(i, v, 'restore');
        COMMIT;
    END LOOP;
    CALL bench_sync_use('head');
    COMMIT;
    c0 := bench_cpu_ms();
    t0 := clock_timestamp();
    SELECT count(bg.role_for('Bench', p)) INTO n FROM people p;
    INSERT INTO sync_timings VALUES (i, 'baseline', 'role_for', 1000 * extract(epoch FROM clock_timestamp() - t0),
                                     bench_cpu_ms() - c0, jsonb_build_object('roles', n),
                                     split_part(pg_read_file('/proc/loadavg'), ' ', 1));
    COMMIT;
END $$;

-- the planner hook narrows role_for's row once bg's library is loaded
SELECT count(bg.role_for('Bench', p)) FROM people p WHERE p.id < 10 \gset nothing_
-- rounds, the changed people's dead rows vacuumed away between them
SELECT format('CALL bench_sync_round(%s)', i), 'VACUUM people' FROM generate_series(1, :runs) AS i \gexec

\echo '== sync: per round (ms) =='
SELECT round, variant, what, round(ms::numeric) AS ms, round(cpu_ms::numeric) AS cpu_ms, result, load
  FROM sync_timings ORDER BY round, variant, what;

\echo '== medians (ms) and ratios (wall time; CPU time of the backend) =='
WITH med AS (
    SELECT variant, what, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY cpu_ms) AS cpu_ms
      FROM sync_timings GROUP BY variant, what
), per_round AS (
    SELECT t.round, t.variant, t.what, t.ms / b.ms AS ratio, t.cpu_ms / nullif(b.cpu_ms, 0) AS cpu_ratio
      FROM sync_timings t JOIN sync_timings b ON b.round = t.round AND b.what = 'role_for'
     WHERE t.what <> 'role_for'
)
SELECT m.variant, m.what, round(m.ms::numeric) AS median_ms, round(m.cpu_ms::numeric) AS median_cpu_ms,
       round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.ratio) FROM per_round r
               WHERE r.variant = m.variant AND r.what = m.what)::numeric, 2) AS "median of per-round ratios to role_for",
       round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.cpu_ratio) FROM per_round r
               WHERE r.variant = m.variant AND r.what = m.what)::numeric, 2) AS "the same, CPU time",
       CASE WHEN m.what = 'noop' THEN 'target <= 1.5' END AS target
  FROM med m ORDER BY m.variant DESC, m.what;
