-- The cluster's side of the Citus test: people and accounts distributed by
-- account, co-located.
SELECT create_distributed_table('crm.account', 'id');
SELECT create_distributed_table('crm.person', 'account_id', colocate_with => 'crm.account');
-- access levels are the workers' too (README, "Scaling out with Citus"):
-- Citus does not propagate grants on an extension's functions
SELECT nodeport, success, result
  FROM run_command_on_workers($$SET citus.enable_ddl_propagation = off;
                                SELECT bg.grant_access('bg_citus_reader', 'reader')$$)
 ORDER BY nodeport;
