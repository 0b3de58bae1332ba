-- One round of bench/enrich.sh (:round, :first = enrich or update).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\o /dev/null
SELECT bench_copy('people_u');
SELECT bench_copy('people_e');
VACUUM ANALYZE people_u;
VACUUM ANALYZE people_e;
SELECT bg.bind_people('people_e', email => 'email', job_title => 'job_title', country => 'country');
SELECT bg.purge_jobs('0');
CHECKPOINT;
\o
\if :{?first}
\else
\set first enrich
\endif
SELECT :'first' = 'enrich' AS enrich_first \gset
\if :enrich_first
SELECT bench_time(:round, 'enrich_people', $$SELECT bg.enrich_people('vendor')$$);
CHECKPOINT;
\endif
SELECT bench_time(:round, 'update_from', $q$
UPDATE people_u p
   SET job_title = CASE WHEN (p.job_title IS NULL OR btrim(p.job_title) = '') AND btrim(v.job_title) <> ''
                        THEN v.job_title ELSE p.job_title END,
       country = CASE WHEN (p.country IS NULL OR btrim(p.country) = '') AND btrim(v.country) <> ''
                      THEN v.country ELSE p.country END
  FROM vendor v
 WHERE lower(btrim(p.email)) = lower(btrim(v.email))
$q$);
\if :enrich_first
\else
CHECKPOINT;
SELECT bench_time(:round, 'enrich_people', $$SELECT bg.enrich_people('vendor')$$);
\endif
-- the same values written
SELECT format('round %s (%s first): %s rows differ; enrichment updated %s people, logged %s values', :round, :'first',
              (SELECT count(*) FROM people_u u JOIN people_e e USING (id)
                WHERE (u.job_title, u.country) IS DISTINCT FROM (e.job_title, e.country)),
              counts ->> 'updated', counts ->> 'values_changed')
  FROM bg.jobs WHERE kind = 'enrichment' ORDER BY id DESC LIMIT 1;
\o /dev/null
SELECT bg.bind_people('people', email => 'email', job_title => 'job_title', country => 'country');
DROP TABLE people_e;
