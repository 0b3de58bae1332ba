-- Where the Citus test's scoring runs (scripts/citus_test.sh, on the cluster
-- only): grouped by the account key the whole query runs on the workers;
-- grouped otherwise the workers compute partial states (worker_partial_agg)
-- that the coordinator combines (coord_combine_agg), and what comes back is
-- the group key and the state, never person rows.  The workers narrow the
-- person rows of their shards to the columns the template reads.  Each
-- section must end with SQLSTATE 00000.
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    l text;
    plan text := '';
BEGIN
    FOR l IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || query LOOP
        plan := plan || l || E'\n';
    END LOOP;
    RETURN plan;
END $$;
CREATE FUNCTION pg_temp.require(ok boolean, what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT ok THEN
        RAISE EXCEPTION 'plan check failed: %', what;
    END IF;
END $$;
\echo == pushdown_by_account 00000
SELECT pg_temp.require(plan ~ '^ *Custom Scan \(Citus Adaptive\)' AND plan !~ 'coord_combine_agg'
                       AND plan ~ 'Query: SELECT account_id, bg\.completeness\('
                       AND plan ~ 'ROW\(job_title, email_invalid\)',
                       'the whole aggregate runs on the workers, over rows narrowed there')
  FROM pg_temp.plan_of($$SELECT account_id, bg.completeness('Cyber', p), bg.missing_roles('Cyber', p)
                         FROM crm.person p GROUP BY account_id$$) AS plan;
\echo :SQLSTATE
\echo == pushdown_by_industry 00000
SELECT pg_temp.require(plan ~ 'coord_combine_agg' AND plan ~ 'worker_partial_agg'
                       AND plan ~ E'Output: remote_scan\\.industry, remote_scan\\.completeness\\n',
                       'partial states combined on the coordinator')
  FROM pg_temp.plan_of($$SELECT a.industry, bg.completeness('Cyber', p)
                         FROM crm.account a JOIN crm.person p ON p.account_id = a.id
                        GROUP BY a.industry$$) AS plan;
\echo :SQLSTATE
\echo == pushdown_total 00000
SELECT pg_temp.require(plan ~ 'coord_combine_agg' AND plan ~ 'worker_partial_agg'
                       AND plan ~ E'Output: remote_scan\\.role_counts\\n', 'a total from partial states')
  FROM pg_temp.plan_of($$SELECT bg.role_counts('Cyber', p) FROM crm.person p$$) AS plan;
\echo :SQLSTATE
\echo == pushdown_window_cte 00000
SELECT pg_temp.require(plan ~ 'intermediate_result\.role' AND plan !~ 'p\.\*::',
                       'roles computed on the workers, no person rows gathered')
  FROM pg_temp.plan_of($$WITH r AS MATERIALIZED (SELECT p.id, p.department, bg.role_for('Cyber', p) AS role FROM crm.person p)
                         SELECT r.id, bg.role_counts('Cyber', r.role) OVER (PARTITION BY r.department) FROM r$$) AS plan;
\echo :SQLSTATE
