-- Benchmark of bg.enrich_people (docs/design.md §9) against a plain UPDATE
-- ... FROM that writes the same values.  Run by bench/enrich.sh after
-- bench/gen.sql: the people get an email and an empty country; the vendor
-- file holds every fourth person (500 000 of the 2 000 000 bench people),
-- a third of the emails upper-cased, with a job title and a country.  Each
-- run works on a fresh copy of the people table (LIKE ... INCLUDING ALL,
-- vacuumed), so every round starts from the same data.
\set ON_ERROR_STOP 1
ALTER TABLE people ADD COLUMN email text, ADD COLUMN country text;
UPDATE people SET email = 'person' || id || '@account' || account_id || '.example';
VACUUM ANALYZE people;
SELECT bg.bind_people('people', email => 'email', job_title => 'job_title', country => 'country');
CREATE TABLE vendor AS
SELECT CASE WHEN id % 3 = 0 THEN upper(email) ELSE email END AS email,
       (ARRAY['VP of Security', 'CISO', 'IT Manager', 'Security Engineer'])[1 + id / 4 % 4] AS job_title,
       (ARRAY['US', 'DE', 'FR', 'GB', 'JP'])[1 + id % 5] AS country
  FROM people WHERE id % 4 = 0;
ANALYZE vendor;
CREATE TABLE bench_result (round integer, what text, ms double precision);

-- A fresh copy of the people table.
CREATE FUNCTION bench_copy(name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS %I', name);
    EXECUTE format('CREATE TABLE %I (LIKE people INCLUDING ALL)', name);
    EXECUTE format('INSERT INTO %I SELECT * FROM people', name);
END $$;

-- Runs q and records its time.
CREATE FUNCTION bench_time(round integer, what text, q text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    EXECUTE q;
    INSERT INTO bench_result VALUES (round, what, extract(epoch FROM clock_timestamp() - t0) * 1000);
END $$;
