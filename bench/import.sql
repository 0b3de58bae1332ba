-- Benchmark of bg.import_members (issue 16): an import of :rows rows, 5 %
-- of them rejects of every kind (unknown account, unknown person, person
-- not in account, unknown role, duplicate in file, conflicts with a manual
-- decision), accounts given by key and by domain, people by key and by
-- email, into the existing (empty) groups of 'Import SI' — against a plain INSERT
-- ... SELECT of the same member rows (precomputed) into a copy of
-- bg_internal.member (same columns and indexes, no triggers).  Rounds
-- interleave; after each import its members are deleted again (not timed).
-- Needs gen.sql and template.sql first.
\ir session.sql
\ir groups_setup.sql
\o /dev/null
-- the mappings an import matches domains and emails with
ALTER TABLE accounts ADD COLUMN domain text;
UPDATE accounts SET domain = 'a' || id || '.example';
ALTER TABLE people ADD COLUMN email text;
UPDATE people SET email = 'p' || id || '@a' || account_id || '.example';
VACUUM ANALYZE accounts, people;
SELECT bg.bind_accounts('accounts', key => 'id', name => 'name', domain => 'domain');
SELECT bg.bind_people('people', email => 'email');
-- a template of the Bench roles without conditions: every person can be
-- imported as a new member of its account's group
SELECT bg.create_template('Import');
SELECT bg.add_role('Import', r) FROM unnest(ARRAY['Decision Maker', 'Influencer', 'Practitioner', 'Champion']) AS r;
SELECT bg.add_role('Import', 'Other', required => false);
SELECT bg.publish_template('Import');
SELECT bg.create_solution_interest('Import SI', 'Import');
SELECT bg.create_buying_groups('Import SI', 'Every account');
\o
-- the file: people (each once), roles in turn; 95 % valid, 1 % each of unknown account, unknown person, person
-- not in account, unknown role, and 0.5 % each of duplicates and of people
-- removed by hand
DROP TABLE IF EXISTS vendor, member_copy, import_rows;
CREATE UNLOGGED TABLE vendor (account text, person text, role text);
WITH p AS (
    SELECT p.id, p.account_id, row_number() OVER (ORDER BY hashint4(p.id)) AS n
      FROM people p
     ORDER BY hashint4(p.id)
     LIMIT :rows * 199 / 200)
INSERT INTO vendor
SELECT CASE WHEN n % 200 = 1 THEN 'x' || account_id || '.example'                -- unknown account
            WHEN n % 2 = 0 THEN account_id::text ELSE 'a' || account_id || '.example' END,
       CASE WHEN n % 200 = 2 THEN (id + 100000000)::text                       -- unknown person
            WHEN n % 200 = 3 THEN (SELECT min(q.id) FROM people q WHERE q.account_id = p.account_id % :accounts + 1)::text
            WHEN n % 4 = 1 THEN 'P' || id || '@A' || account_id || '.example' ELSE id::text END,
       CASE WHEN n % 200 = 4 THEN 'Chef'                                      -- unknown role
            ELSE (ARRAY['Decision Maker', 'Influencer', 'Practitioner', 'Champion', 'Other'])[1 + n % 5] END
  FROM p;
-- duplicates (0.5 %): the first rows again (under unknown-account free keys)
INSERT INTO vendor SELECT * FROM vendor WHERE account !~ '^x' AND role <> 'Chef' LIMIT :rows / 200;
SELECT count(*) AS file_rows FROM vendor;
-- conflicts with a manual decision (0.5 %): people of the file removed by hand
INSERT INTO bg_internal.member (group_id, person_key, role_id, source, is_removed, removed_at)
SELECT g.id, v.person, (SELECT id FROM bg_internal.role WHERE name = 'Other'), 'manual', true, now()
  FROM (SELECT DISTINCT ON (person) * FROM vendor
         WHERE account ~ '^[0-9]+$' AND person ~ '^[0-9]+$' AND role <> 'Chef'
         ORDER BY person DESC LIMIT :rows / 200) v
  JOIN bg_internal.buying_group g ON g.account_key = v.account
   AND g.solution_interest_id = (SELECT s.id FROM bg_internal.solution_interest s WHERE s.name = 'Import SI');
-- the rows the import writes, precomputed for the plain INSERT
SELECT bg.import_members('Import SI', 'vendor') AS job \gset
CREATE UNLOGGED TABLE import_rows AS
SELECT m.group_id, m.person_key, m.role_id FROM bg_internal.member m WHERE m.source = 'import';
SELECT rows_rejected, members_added FROM bg.jobs WHERE id = :job;
SELECT reason, count(*) FROM bg.import_rejects WHERE job = :job GROUP BY 1 ORDER BY 1;
DELETE FROM bg_internal.member WHERE source = 'import';
CREATE TABLE member_copy (LIKE bg_internal.member INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);
VACUUM ANALYZE bg_internal.member, bg_internal.buying_group;

CREATE TEMP TABLE import_timings (round int, variant text, ms double precision, rows bigint);
CREATE OR REPLACE PROCEDURE bench_import(runs int)
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    n bigint;
    jid bigint;
BEGIN
    FOR i IN 1 .. runs LOOP
        t0 := clock_timestamp();
        jid := bg.import_members('Import SI', 'vendor');
        INSERT INTO import_timings
        SELECT i, 'import_members', 1000 * extract(epoch FROM clock_timestamp() - t0), j.members_added
          FROM bg_internal.job j WHERE j.id = jid AND j.status = 'done';
        COMMIT;
        DELETE FROM bg_internal.member WHERE source = 'import';
        COMMIT;
        TRUNCATE member_copy;
        COMMIT;
        t0 := clock_timestamp();
        INSERT INTO member_copy (group_id, person_key, role_id, source)
        SELECT x.group_id, x.person_key, x.role_id, 'import' FROM import_rows x;
        GET DIAGNOSTICS n = ROW_COUNT;
        INSERT INTO import_timings VALUES (i, 'insert_select', 1000 * extract(epoch FROM clock_timestamp() - t0), n);
        COMMIT;
    END LOOP;
END $$;
CALL bench_import(:runs);

\echo '== import_members: per round (ms) =='
SELECT round, variant, round(ms::numeric) AS ms, rows FROM import_timings ORDER BY round, variant;
\echo '== medians and ratio =='
WITH med AS (
    SELECT variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM import_timings GROUP BY variant
), per_round AS (
    SELECT round, max(ms) FILTER (WHERE variant = 'import_members') / max(ms) FILTER (WHERE variant = 'insert_select') AS r
      FROM import_timings GROUP BY round
)
SELECT (SELECT round(ms::numeric) FROM med WHERE variant = 'import_members') AS import_ms,
       (SELECT round(ms::numeric) FROM med WHERE variant = 'insert_select') AS insert_select_ms,
       (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY r)::numeric, 2) FROM per_round)
           AS "import / insert (target <= 2)";
