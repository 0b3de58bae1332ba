-- The session settings and the solution interest 'Bench SI' over a list of
-- every account, shared by bench/groups.sql and bench/events_creation.sql
-- (after gen.sql and template.sql).
\pset footer off
SET jit = off;
SET max_parallel_workers_per_gather = 0;
SET work_mem = '256MB';
SET client_min_messages = warning;

\o /dev/null
SELECT bg.bind_accounts('accounts', key => 'id', name => 'name');
SELECT bg.create_solution_interest('Bench SI', 'Bench', update_existing => true);
SELECT bg.create_account_list('Every account');
SELECT bg.add_accounts('Every account', array_agg(id)) FROM accounts;
\o

-- The CPU time (user + system, ms) of this backend so far, from
-- /proc/self/stat (Linux; needs a superuser, as the benchmarks run): on the
-- shared 2-core machine it varies less with the other developers' load
-- than the wall clock does.
CREATE OR REPLACE FUNCTION pg_temp.bench_cpu_ms() RETURNS bigint LANGUAGE sql VOLATILE AS $$
    SELECT (f[12]::bigint + f[13]::bigint) * 1000 / 100
      FROM (SELECT string_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') AS f) s
$$;
