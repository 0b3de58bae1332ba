-- bg.purge_jobs(older_than): deletes the finished jobs (done or failed)
-- that ended more than older_than ago, keeps running ones, returns how many
-- it deleted; NULL (22004) and negative ages (22023) are refused.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_managed_jobs_purge;
SET search_path = regress_managed_jobs_purge, public;

-- try(query): the shared helper
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

-- jobs of every status, at fixed times in the past (and one running)
INSERT INTO bg_internal.job (solution_interest, account_list, status, started_at, finished_at) VALUES
    ('a', 'l', 'done',    now() - interval '40 days', now() - interval '40 days'),
    ('a', 'l', 'failed',  now() - interval '40 days', now() - interval '40 days'),
    ('a', 'l', 'done',    now() - interval '2 days',  now() - interval '2 days'),
    ('a', 'l', 'running', now() - interval '90 days', NULL);

SELECT try($$SELECT bg.purge_jobs(NULL)$$);
SELECT try($$SELECT bg.purge_jobs(interval '-1 day')$$);
SELECT try($$SELECT bg.purge_jobs(interval '1 month -40 days')$$);
SELECT bg.purge_jobs(interval '30 days') AS purged;
SELECT status FROM bg.jobs ORDER BY id;
SELECT bg.purge_jobs(interval '30 days') AS purged_again;
-- 0: every finished job; the running one stays
SELECT bg.purge_jobs(interval '0') AS purged;
SELECT status FROM bg.jobs ORDER BY id;

SET client_min_messages = warning;
DROP SCHEMA regress_managed_jobs_purge CASCADE;
RESET client_min_messages;
