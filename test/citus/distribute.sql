-- The cluster's side of the Citus test: people and accounts distributed by
-- account, co-located.
SELECT create_distributed_table('crm.account', 'id');
SELECT create_distributed_table('crm.person', 'account_id', colocate_with => 'crm.account');
