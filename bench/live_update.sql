-- pgbench script of bench/live.sh: one single-row UPDATE of a watched
-- column (job_title) of a random person, each its own transaction.
\set pid random(1, :people)
\set t random(1, 5)
UPDATE people SET job_title = (ARRAY['VP Security', 'Engineer', 'Chief Information Security Officer', 'Intern', 'Director IT'])[:t]
 WHERE id = :pid;
