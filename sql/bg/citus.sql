-- bg on a Citus cluster (docs/design.md §12).  bg's tables live on the
-- coordinator: no statement may change them on a worker, where Citus runs
-- the shard queries it routes (a bg function called in a query on a
-- distributed table would otherwise write the worker's copy of bg's tables).

CREATE FUNCTION bg_internal._citus_table(rel regclass) RETURNS boolean
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_citus_table_sql';
COMMENT ON FUNCTION bg_internal._citus_table(regclass) IS 'Internal: whether Citus manages the table (distributed, reference or Citus local).';

CREATE FUNCTION bg_internal._refuse_on_worker() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bg_refuse_on_worker';
COMMENT ON FUNCTION bg_internal._refuse_on_worker() IS 'Internal: refuses changes of bg''s tables in a statement Citus runs on a worker.';

CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.role
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.template
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.template_role
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.binding
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.account_list
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.account_list_entry
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.solution_interest
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.job
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.buying_group
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.member
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
