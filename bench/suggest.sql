-- Benchmark of suggestions (issue 17), in :runs interleaved rounds over the
-- people of gen.sql with the Bench template (template.sql) and a group for
-- every account (groups_setup.sql); the model is trained on the first
-- :labels people labeled with their rule roles (as predict.sql).  Each round:
--   suggest  bg.suggest_members('Bench SI', 'bench', 0.8): every person of
--            every group predicted, the interest's suggestions replaced
--   sync     bg.sync('Bench SI'): every person of every group evaluated
--            (nothing changes)
--   predict  count((bg.predict_role('bench', p)).role) over every person
-- then prints the medians and the ratios.
\ir groups_setup.sql
\o /dev/null
SELECT bg.create_buying_groups('Bench SI', 'Every account');
DROP TABLE IF EXISTS bench_labels;
CREATE TABLE bench_labels AS
SELECT p.id AS person_key, bg.role_for('Bench', p) AS role FROM people p WHERE p.id <= :labels;
SELECT bg.train_role_model('bench', 'Bench', 'bench_labels');
\o
SELECT name, labels, classes, vocabulary, round(cv_accuracy::numeric, 4) AS cv_accuracy FROM bg.role_models;
SELECT count(*) AS groups, sum(member_count) AS members FROM bg.buying_groups;

CREATE TEMP TABLE timing (round int, what text, ms float8);
CREATE OR REPLACE FUNCTION pg_temp.timed(what text, q text, r int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    x text;
BEGIN
    EXECUTE q INTO x;
    INSERT INTO timing VALUES (r, what, extract(epoch FROM clock_timestamp() - t0) * 1000);
END $$;

SELECT pg_temp.timed('suggest', $q$SELECT bg.suggest_members('Bench SI', 'bench', 0.8)$q$, r),
       pg_temp.timed('sync', $q$SELECT bg.sync('Bench SI')$q$, r),
       pg_temp.timed('predict', $q$SELECT count((bg.predict_role('bench', p)).role) FROM people p$q$, r)
  FROM generate_series(1, :runs) r;

SELECT count(*) AS pending_suggestions FROM bg.suggestions WHERE status = 'pending';
SELECT what, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric) AS median_ms,
       array_agg(round(ms::numeric) ORDER BY round) AS runs_ms
  FROM timing GROUP BY what ORDER BY what;
WITH m AS (SELECT what, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM timing GROUP BY what)
SELECT round(((SELECT ms FROM m WHERE what = 'suggest') / (SELECT ms FROM m WHERE what = 'sync'))::numeric, 2)
           AS suggest_over_sync,
       round(((SELECT ms FROM m WHERE what = 'suggest') / (SELECT ms FROM m WHERE what = 'predict'))::numeric, 2)
           AS suggest_over_predict;
