-- Where the Citus test's scoring runs (scripts/citus_test.sh, on the cluster
-- only): grouped by the account key the whole query runs on the workers;
-- grouped otherwise the workers compute partial states (worker_partial_agg)
-- that the coordinator combines (coord_combine_agg), and what comes back is
-- the group key and the state, never person rows.  The workers narrow the
-- person rows of their shards to the columns the template reads.  The
-- scoring aggregates of one template are one bg.position_counts aggregate
-- (plan_shared_tally.c), which evaluates each person's role once; packed
-- into one bigint (bg.packed_position_counts) when the template fits and no
-- bg.role_counts shares the state.  Each section must end with SQLSTATE 00000.
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
                       AND plan ~ 'Query: SELECT account_id, bg\.packed_counts_completeness\('
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
\echo == shared_state_by_account 00000
SELECT pg_temp.require(plan ~ 'Query: SELECT account_id, bg\.packed_counts_completeness\(.*bg\.packed_position_counts\(bg\.packed_role_position\('
                       AND plan ~ 'bg\.packed_counts_missing_roles\(.*bg\.packed_position_counts\(bg\.packed_role_position\('
                       AND plan !~ 'worker_partial_agg' AND plan !~ 'bg\.position_counts',
                       'both aggregates are finals of one bg.packed_position_counts on the workers')
  FROM pg_temp.plan_of($$SELECT account_id, bg.completeness('Cyber', p), bg.missing_roles('Cyber', bg.role_for('Cyber', p))
                         FROM crm.person p GROUP BY account_id$$) AS plan;
\echo :SQLSTATE
\echo == shared_state_with_role_counts 00000
SELECT pg_temp.require(plan ~ 'Query: SELECT account_id, bg\.counts_completeness\(.*bg\.position_counts\(bg\.role_position\('
                       AND plan ~ 'bg\.counts_role_counts\(.*bg\.position_counts\(bg\.role_position\('
                       AND plan !~ 'packed',
                       'with bg.role_counts (exact counts) in the same state, all stay over bg.position_counts')
  FROM pg_temp.plan_of($$SELECT account_id, bg.completeness('Cyber', p), bg.role_counts('Cyber', p)
                         FROM crm.person p GROUP BY account_id$$) AS plan;
\echo :SQLSTATE
\echo == packed_state_by_industry 00000
SELECT pg_temp.require(plan ~ 'worker_partial_agg\(''bg\.packed_position_counts\(integer\)''::regprocedure, bg\.packed_role_position\('
                       AND plan ~ 'bg\.packed_counts_completeness\(.*coord_combine_agg\([^)]*NULL::bigint\)'
                       AND plan ~ 'bg\.packed_counts_role_completeness\(' AND plan ~ 'bg\.packed_counts_missing_roles\(',
                       'the workers count packed positions, the coordinator combines them and computes the finals')
  FROM pg_temp.plan_of($$SELECT a.industry, bg.completeness('Cyber', p), bg.role_completeness('Cyber', p),
                                bg.missing_roles('Cyber', p)
                           FROM crm.account a JOIN crm.person p ON p.account_id = a.id GROUP BY a.industry$$) AS plan;
\echo :SQLSTATE
-- a FILTER makes another state: packed apart from the one bg.role_counts shares
\echo == packed_state_filter 00000
SELECT pg_temp.require(plan ~ 'bg\.counts_role_counts\(.*bg\.position_counts\(integer\)'
                       AND plan ~ 'bg\.packed_counts_completeness\(.*bg\.packed_position_counts\(integer\)',
                       'role counts over bg.position_counts, the filtered completeness packed')
  FROM pg_temp.plan_of($$SELECT a.industry, bg.role_counts('Cyber', p),
                                bg.completeness('Cyber', p) FILTER (WHERE p.seniority > 2)
                           FROM crm.account a JOIN crm.person p ON p.account_id = a.id GROUP BY a.industry$$) AS plan;
\echo :SQLSTATE
-- a role given by name (a stored role column) likewise
\echo == packed_state_role_text 00000
SELECT pg_temp.require(plan ~ 'bg\.packed_role_name_position\(' AND plan !~ 'bg\.role_name_position\(',
                       'roles given by name counted as packed positions')
  FROM pg_temp.plan_of($$SELECT p.department, bg.completeness('Cyber', CASE WHEN p.seniority > 6 THEN 'Champion' END)
                           FROM crm.person p GROUP BY p.department$$) AS plan;
\echo :SQLSTATE
\echo == packed_state_unfit 00000
-- a template whose largest threshold (300) needs more than 8 bits a field
-- keeps bg.position_counts
BEGIN;
SELECT bg.create_template('Crowd');
SELECT bg.add_role('Crowd', 'Practitioner', 'seniority > 0', members_required => 300);
SELECT plan ~ 'bg\.counts_completeness\(.*bg\.position_counts\(bg\.role_position\(' AND plan !~ 'packed' AS unfit_kept
  FROM pg_temp.plan_of($$SELECT account_id, bg.completeness('Crowd', p), bg.missing_roles('Crowd', p)
                         FROM crm.person p GROUP BY account_id$$) AS plan \gset
ROLLBACK;
SELECT pg_temp.require(:'unfit_kept'::boolean, 'a template that does not fit keeps bg.position_counts');
\echo :SQLSTATE
-- Last, as it leaves the coordinator: four scoring aggregates by industry
-- evaluate as many roles on a worker as one.  The shard query of the first
-- task of each form, run on its worker in a transaction of its own with
-- track_functions on, calls bg.role_position, bg.packed_role_position (or
-- bg.role_for) as often for four aggregates
-- as for one (and at least once), and as often again when the query also
-- groups by the role (the aggregates then count the group key's role).
\echo == shared_state_by_industry 00000
SELECT substring(plan from 'Query: ([^\n]*)') AS q4, substring(plan from 'port=([0-9]+)') AS port
  FROM pg_temp.plan_of($$SELECT a.industry, bg.role_counts('Cyber', p), bg.completeness('Cyber', p),
                                bg.role_completeness('Cyber', p), bg.missing_roles('Cyber', p)
                           FROM crm.account a JOIN crm.person p ON p.account_id = a.id GROUP BY a.industry$$) AS plan \gset
SELECT substring(plan from 'Query: ([^\n]*)') AS q1
  FROM pg_temp.plan_of($$SELECT a.industry, bg.completeness('Cyber', p)
                           FROM crm.account a JOIN crm.person p ON p.account_id = a.id GROUP BY a.industry$$) AS plan \gset
SELECT substring(plan from 'Query: ([^\n]*)') AS qr
  FROM pg_temp.plan_of($$SELECT a.industry, bg.role_for('Cyber', p), bg.role_counts('Cyber', p),
                                bg.completeness('Cyber', bg.role_for('Cyber', p)), count(*)
                           FROM crm.account a JOIN crm.person p ON p.account_id = a.id GROUP BY 1, 2$$) AS plan \gset
\c postgres postgres 127.0.0.1 :port
-- in one transaction: a backend's function counts are pending until it
-- reports them, between transactions
BEGIN;
SET LOCAL track_functions = 'all';
SELECT coalesce(sum(calls), 0) AS calls0 FROM pg_stat_xact_user_functions
 WHERE schemaname = 'bg' AND funcname IN ('role_for', 'role_position', 'packed_role_position') \gset
:q4;
SELECT coalesce(sum(calls), 0) - :calls0 AS calls4 FROM pg_stat_xact_user_functions
 WHERE schemaname = 'bg' AND funcname IN ('role_for', 'role_position', 'packed_role_position') \gset
:q1;
SELECT coalesce(sum(calls), 0) - :calls0 - :calls4 AS calls1 FROM pg_stat_xact_user_functions
 WHERE schemaname = 'bg' AND funcname IN ('role_for', 'role_position', 'packed_role_position') \gset
:qr;
SELECT coalesce(sum(calls), 0) - :calls0 - :calls4 - :calls1 AS callsr FROM pg_stat_xact_user_functions
 WHERE schemaname = 'bg' AND funcname IN ('role_for', 'role_position', 'packed_role_position') \gset
ROLLBACK;
SELECT :calls4 AS four_aggregates, :calls1 AS one_aggregate, :callsr AS grouped_by_role;
SET bg_test.calls4 = :'calls4';
SET bg_test.calls1 = :'calls1';
SET bg_test.callsr = :'callsr';
DO $$
BEGIN
    IF NOT (current_setting('bg_test.calls4')::bigint = current_setting('bg_test.calls1')::bigint
            AND current_setting('bg_test.calls1')::bigint > 0) THEN
        RAISE EXCEPTION 'four aggregates evaluated % roles, one aggregate %',
            current_setting('bg_test.calls4'), current_setting('bg_test.calls1');
    END IF;
    IF current_setting('bg_test.callsr')::bigint <> current_setting('bg_test.calls1')::bigint THEN
        RAISE EXCEPTION 'grouped by the role too, aggregates evaluated % roles, one aggregate %',
            current_setting('bg_test.callsr'), current_setting('bg_test.calls1');
    END IF;
END $$;
\echo :SQLSTATE
