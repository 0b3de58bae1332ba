-- What bg refuses against tables that Citus manages (scripts/citus_test.sh,
-- on the cluster only): each section ("\echo == name SQLSTATE") must end
-- with that SQLSTATE.  Runs after managed.sql.
\echo == refuse_watch_people 0A000
SELECT bg.watch_people();
\echo :SQLSTATE
\echo == refuse_subaccounts 0A000
SELECT bg.create_solution_interest('Tree', 'Cyber', update_existing => true, include_subaccounts => true);
SELECT bg.create_buying_groups('Tree', 'Static');
\echo :SQLSTATE
\echo == refuse_worker_writes 0A000
SELECT bg.create_template('Worker ' || p.id) FROM crm.person p WHERE p.account_id = 1 AND p.id = 50;
\echo :SQLSTATE
\echo == nothing_written_on_workers 00000
SELECT run_command_on_workers($$SELECT count(*) FROM bg_internal.template$$);
SELECT bool_and(result = '0') FROM run_command_on_workers($$SELECT (SELECT count(*) FROM bg_internal.template) + (SELECT count(*) FROM bg_internal.buying_group) + (SELECT count(*) FROM bg_internal.member) + (SELECT count(*) FROM bg_internal.binding)$$);
\echo :SQLSTATE
