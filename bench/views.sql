-- Benchmark of the views under row-level security (issue 9): reading every
-- row of bg.buying_groups and bg.members (count(*), and a sum over every
-- column: length of the row's text), and the members of 11 people (a join
-- from the people, or their keys as an array) and of one group, as a
-- superuser and as a reader whose
-- accounts and people tables have RLS policies.  The views of 0.3.0 before
-- they honoured RLS are recreated, unfiltered, in schema bench_old, so that
-- old and new are timed in one session, rounds interleaved.
--   psql -v groups=20000 -v runs=7 -f bench/views.sql   (10 people per account)
\set ON_ERROR_STOP 1
\pset footer off
SET jit = off;
SET max_parallel_workers_per_gather = 0;
SET client_min_messages = warning;
-- (in a throwaway cluster: it creates a role)
CREATE EXTENSION bg;

CREATE TABLE v_accounts (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO v_accounts SELECT g, 'Account ' || g FROM generate_series(1, :groups) g;
CREATE TABLE v_people (id integer PRIMARY KEY, account_id integer NOT NULL, job_title text);
INSERT INTO v_people SELECT g, 1 + (g - 1) / 10,
       (ARRAY['CEO', 'Director of IT', 'Engineer', 'Analyst', 'Buyer'])[1 + g % 5]
  FROM generate_series(1, 10 * :groups) g;
ANALYZE v_accounts, v_people;

\o /dev/null
SELECT bg.bind_accounts('v_accounts');
SELECT bg.bind_people('v_people');
SELECT bg.create_template('V');
SELECT bg.add_role('V', 'Decision Maker', $$job_title is 'CEO'$$);
SELECT bg.add_role('V', 'Influencer', $$job_title starts with 'Director'$$);
SELECT bg.add_role('V', 'Practitioner', $$job_title is 'Engineer'$$);
SELECT bg.add_role('V', 'Other', $$job_title is not empty$$);
SELECT bg.publish_template('V');
SELECT bg.create_solution_interest('V', 'V');
SELECT bg.create_account_list('all');
SELECT bg.add_accounts('all', array_agg(id)) FROM v_accounts;
SELECT bg.create_buying_groups('V', 'all');
\o
ANALYZE bg_internal.buying_group, bg_internal.member;
SELECT (SELECT count(*) FROM bg_internal.buying_group) AS groups, (SELECT count(*) FROM bg_internal.member) AS members;

-- the views as they were before they honoured RLS
CREATE SCHEMA bench_old;
CREATE VIEW bench_old.buying_groups AS
SELECT g.id, g.name, s.name AS solution_interest, g.account_key, g.account_name,
       g.member_count, g.completeness, g.role_completeness, g.missing_roles,
       g.created_at, g.updated_at, g.role_counts, t.name AS template
  FROM bg_internal.buying_group g
  JOIN bg_internal.solution_interest s ON s.id OPERATOR(pg_catalog.=) g.solution_interest_id
  JOIN bg_internal.template t ON t.id OPERATOR(pg_catalog.=) s.template_id;
CREATE VIEW bench_old.members AS
SELECT m.group_id AS buying_group, s.name AS solution_interest, g.account_key, m.person_key,
       r.name AS role, m.source, m.is_removed, m.added_at, m.removed_at
  FROM bg_internal.member m
  JOIN bg_internal.buying_group g ON g.id OPERATOR(pg_catalog.=) m.group_id
  JOIN bg_internal.solution_interest s ON s.id OPERATOR(pg_catalog.=) g.solution_interest_id
  JOIN bg_internal.role r ON r.id OPERATOR(pg_catalog.=) m.role_id;

-- the reader: sees 3 accounts in 4 and 9 people in 10
CREATE ROLE bench_reader;
GRANT USAGE ON SCHEMA bg, bench_old TO bench_reader;
GRANT SELECT ON bg.buying_groups, bg.members, bench_old.buying_groups, bench_old.members TO bench_reader;
GRANT SELECT ON v_accounts, v_people TO bench_reader;
ALTER TABLE v_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE v_people ENABLE ROW LEVEL SECURITY;
CREATE POLICY r ON v_accounts FOR SELECT TO bench_reader USING (id % 4 <> 0);
CREATE POLICY r ON v_people FOR SELECT TO bench_reader USING (id % 10 <> 0);

CREATE TEMP TABLE view_timings (round int, who text, variant text, ms double precision, result bigint);
GRANT ALL ON view_timings TO bench_reader;

CREATE PROCEDURE pg_temp.bench_views(runs int)
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    n bigint;
    q record;
    who text;
BEGIN
    FOR i IN 1 .. runs LOOP
        FOREACH who IN ARRAY ARRAY['superuser', 'bench_reader'] LOOP
            IF who <> 'superuser' THEN
                EXECUTE format('SET ROLE %I', who);
            END IF;
            FOR q IN SELECT * FROM (VALUES
                    ('groups count', 'SELECT count(*) FROM %s.buying_groups'),
                    ('groups sum', 'SELECT sum(length(g::text)) FROM %s.buying_groups g'),
                    ('members count', 'SELECT count(*) FROM %s.members'),
                    ('members sum', 'SELECT sum(length(m::text)) FROM %s.members m'),
                    ('11 people join', 'SELECT count(*) FROM v_people p JOIN %s.members m ON m.person_key = p.id::text
                                         WHERE p.id BETWEEN 100 AND 110'),
                    ('11 people array', 'SELECT count(*) FROM %s.members m WHERE m.person_key = ANY
                                          (ARRAY(SELECT p.id::text FROM v_people p WHERE p.id BETWEEN 100 AND 110))'),
                    ('one group', 'SELECT count(*) FROM %s.members m WHERE m.buying_group = 5000')) v(variant, sql),
                    (VALUES ('bg'), ('bench_old')) s(nsp) LOOP
                t0 := clock_timestamp();
                EXECUTE format(q.sql, q.nsp) INTO n;
                INSERT INTO view_timings VALUES (i, who, q.variant || CASE q.nsp WHEN 'bg' THEN ' new' ELSE ' old' END,
                                                 1000 * extract(epoch FROM clock_timestamp() - t0), n);
            END LOOP;
            RESET ROLE;
        END LOOP;
    END LOOP;
END $$;
CALL pg_temp.bench_views(:runs);

SELECT who, variant, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) AS median_ms,
       min(result) AS result
  FROM view_timings GROUP BY 1, 2 ORDER BY 1 DESC, 2;
SELECT n.who, regexp_replace(n.variant, ' new$', '') AS query,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY n.ms / o.ms))::numeric, 2) AS "median new/old"
  FROM view_timings n JOIN view_timings o
    ON o.round = n.round AND o.who = n.who AND o.variant = regexp_replace(n.variant, ' new$', ' old')
 WHERE n.variant LIKE '% new'
 GROUP BY 1, 2 ORDER BY 1 DESC, 2;
