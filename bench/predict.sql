-- Benchmark of role models (issue 17), in :runs interleaved rounds over the
-- people of gen.sql with the Bench template (template.sql); each round runs:
--   train      bg.train_role_model on :labels labels (the first :labels
--              people, labeled with bg.role_for('Bench', p): their rule
--              roles, NULL for none), which counts the tokens and runs the
--              5-fold cross-validation in one read
--   sql_count  the plain-SQL token count a user would write: GROUP BY role,
--              token over regexp_split_to_table(lower(job_title), '\s+')
--   predict    count((bg.predict_role('bench', p)).role) over every person
--   role_for   count(bg.role_for('Bench', p)) over every person
-- then prints the medians and the ratios.
\ir session.sql
SET client_min_messages = warning;

DROP TABLE IF EXISTS bench_labels;
CREATE TABLE bench_labels AS
SELECT p.id AS person_key, bg.role_for('Bench', p) AS role FROM people p WHERE p.id <= :labels;
ANALYZE bench_labels;
SELECT bg.train_role_model('bench', 'Bench', 'bench_labels');   -- warm up, and the model predict uses
SELECT name, labels, classes, vocabulary, round(cv_accuracy::numeric, 4) AS cv_accuracy FROM bg.role_models;

CREATE TEMP TABLE timing (round int, what text, ms float8);
CREATE OR REPLACE FUNCTION pg_temp.timed(what text, q text, r int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    x text;
BEGIN
    EXECUTE q INTO x;
    INSERT INTO timing VALUES (r, what, extract(epoch FROM clock_timestamp() - t0) * 1000);
END $$;

SELECT pg_temp.timed('train', $q$SELECT bg.train_role_model('bench', 'Bench', 'bench_labels')$q$, r),
       pg_temp.timed('sql_count', $q$SELECT count(*) FROM (SELECT l.role, t.token, count(*)
                                        FROM bench_labels l JOIN people p ON p.id = l.person_key
                                       CROSS JOIN LATERAL regexp_split_to_table(lower(p.job_title), '\s+') AS t(token)
                                       GROUP BY 1, 2) x$q$, r),
       pg_temp.timed('predict', $q$SELECT count((bg.predict_role('bench', p)).role) FROM people p$q$, r),
       pg_temp.timed('role_for', $q$SELECT count(bg.role_for('Bench', p)) FROM people p$q$, r)
  FROM generate_series(1, :runs) r;

SELECT what, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric) AS median_ms,
       array_agg(round(ms::numeric) ORDER BY round) AS runs_ms
  FROM timing GROUP BY what ORDER BY what;
WITH m AS (SELECT what, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM timing GROUP BY what)
SELECT round(((SELECT ms FROM m WHERE what = 'train') / (SELECT ms FROM m WHERE what = 'sql_count'))::numeric, 2)
           AS train_over_sql_count,
       round(((SELECT ms FROM m WHERE what = 'predict') / (SELECT ms FROM m WHERE what = 'role_for'))::numeric, 2)
           AS predict_over_role_for;
