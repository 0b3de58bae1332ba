-- Writing events (docs/design.md §7.3): every change of a buying group or
-- its members that a journey reacts to is written to bg_internal.event in
-- the statement that makes it, set-based, in the same transaction.
--
-- Member events and group_deleted come from statement triggers with
-- transition tables (below); group_created, completeness, stage and status
-- events from the one place each is written (bg_internal._run_job,
-- bg_internal._rescore, bg_internal._record_stage_moves,
-- bg_internal._set_status).  A statement that changes nothing inserts no
-- event and opens no batch.
--
-- Commit order: the events of a transaction go into its open batch; when
-- the transaction commits, a deferred trigger on the batch takes the clock
-- lock (EXCLUSIVE on bg_internal.event_clock, held to the end of the
-- commit), draws the batch's range of delivery ids and sends NOTIFY
-- bg_events.  Ranges are drawn in the order transactions commit, and a
-- batch whose ids a reader sees committed before any later range was drawn.

-- The context of the writer, the source of its events (bg.event_source, set
-- to sync, live or job by the SET clause of bg's functions); NULL for none.
-- Called once per statement (a variable, or an uncorrelated subquery); in
-- C (src/bg.c): an SQL function with a SET clause is planned on every call.
CREATE FUNCTION bg_internal._event_context() RETURNS text
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_event_context';
COMMENT ON FUNCTION bg_internal._event_context() IS 'Internal: the context of the writer (sync, live, job), the source of its events; NULL for none.';

-- jsonb_build_object of its arguments, the objects of arguments met before
-- kept per call site (src/jsonb_memo.c): a creation job's group_created
-- values, of which its groups share few.
CREATE FUNCTION bg_internal._jsonb_object_memo(VARIADIC "any") RETURNS jsonb
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_jsonb_object_memo';
COMMENT ON FUNCTION bg_internal._jsonb_object_memo("any") IS 'Internal: jsonb_build_object of its arguments, kept per call site for arguments met again.';

-- The open batch of the current transaction, opened on first use.  Writers
-- call it in an uncorrelated subquery, evaluated only when a first event
-- row is inserted.  In C (src/event_batch.c): the batch is kept for the
-- rest of the transaction (until a subtransaction that found or opened it
-- aborts, or the batch is closed), so that only the first statement looks
-- for it.
CREATE FUNCTION bg_internal._event_batch() RETURNS bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'bg_event_batch';
COMMENT ON FUNCTION bg_internal._event_batch() IS 'Internal: the open event batch of the current transaction, opened on first use.';

-- At commit (a deferred constraint trigger on the batch row): the batch's
-- delivery ids, drawn under the clock lock (EXCLUSIVE on
-- bg_internal.event_clock, held to the end of the commit: the next batch
-- draws after it), and one NOTIFY bg_events; a batch whose events were
-- rolled back with a subtransaction is deleted.  Runs as the extension
-- owner: the committing role has no right on bg_internal.  Not for a batch
-- restored by pg_restore, which has its ids.  In C (src/event_batch.c):
-- the batch's first and last event and their number read from the events'
-- primary key, the lock, the sequence and the notification without a
-- statement each.
CREATE FUNCTION bg_internal._batch_committing() RETURNS trigger
    LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'bg_batch_committing';
COMMENT ON FUNCTION bg_internal._batch_committing() IS 'Internal: at commit, draws the delivery ids of an event batch in commit order and notifies bg_events.';
CREATE CONSTRAINT TRIGGER event_batch_committing AFTER INSERT ON bg_internal.event_batch
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.base IS NULL)
    EXECUTE FUNCTION bg_internal._batch_committing();

-- The events of a statement on bg_internal.buying_group or bg_internal.member.
--
-- Groups: group_deleted (with the group's row as it was, but for its
-- names: the names of accounts are for those who may read them,
-- bg.buying_groups).  group_created (one per group, with its initial
-- counts and stage) is written by the statement of the creation job that
-- inserts the groups (bg_internal._run_job, jobs.sql), their only writer.
--
-- Members: a creation job's members are announced by group_created;
-- members deleted with their group are member_removed with no new value.
-- An update that changes neither role, source nor removal writes nothing.
-- A member's value: {role, source, is_removed, added_at, removed_at}.
-- The statement that writes the events of a statement of operation op
-- (INSERT, UPDATE, DELETE) on bg_internal.member, from its transition
-- tables new_rows and old_rows; $1 is the writer's context
-- (bg_internal._event_context()).  An update that changes neither role,
-- source nor removal writes nothing; the group of a deleted member may be
-- gone already (deleted with it): its values then come from its
-- group_deleted event.
CREATE FUNCTION bg_internal._member_events_sql(op text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE op
        WHEN 'INSERT' THEN '
        INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, person_key,
                                       new_value, source)
        SELECT (SELECT bg_internal._event_batch()), ''member_assigned'', n.group_id, s.name, g.account_key, n.person_key,
               jsonb_build_object(''role'', r.name, ''source'', n.source, ''is_removed'', n.is_removed,
                                  ''added_at'', n.added_at, ''removed_at'', n.removed_at),
               coalesce($1, n.source)
          FROM new_rows n
          JOIN bg_internal.buying_group g ON g.id = n.group_id
          JOIN bg_internal.solution_interest s ON s.id = g.solution_interest_id
          LEFT JOIN bg_internal.role r ON r.id = n.role_id
         WHERE NOT n.is_removed
         ORDER BY n.group_id, n.person_key'
        WHEN 'UPDATE' THEN '
        INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, person_key,
                                       old_value, new_value, source)
        SELECT (SELECT bg_internal._event_batch()),
               CASE WHEN n.is_removed THEN ''member_removed''
                    WHEN o.is_removed OR o.role_id = n.role_id THEN ''member_assigned''
                    ELSE ''role_changed'' END,
               n.group_id, s.name, g.account_key, n.person_key,
               jsonb_build_object(''role'', ro.name, ''source'', o.source, ''is_removed'', o.is_removed,
                                  ''added_at'', o.added_at, ''removed_at'', o.removed_at),
               jsonb_build_object(''role'', rn.name, ''source'', n.source, ''is_removed'', n.is_removed,
                                  ''added_at'', n.added_at, ''removed_at'', n.removed_at),
               coalesce($1, n.source)
          FROM old_rows o
          JOIN new_rows n ON n.group_id = o.group_id AND n.person_key = o.person_key
          JOIN bg_internal.buying_group g ON g.id = n.group_id
          JOIN bg_internal.solution_interest s ON s.id = g.solution_interest_id
          LEFT JOIN bg_internal.role ro ON ro.id = o.role_id
          LEFT JOIN bg_internal.role rn ON rn.id = n.role_id
         WHERE (o.role_id, o.source, o.is_removed) IS DISTINCT FROM (n.role_id, n.source, n.is_removed)
         ORDER BY n.group_id, n.person_key'
        WHEN 'DELETE' THEN '
        INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, person_key,
                                       old_value, source)
        SELECT (SELECT bg_internal._event_batch()), ''member_removed'', o.group_id,
               coalesce(s.name, d.solution_interest), coalesce(g.account_key, d.account_key), o.person_key,
               jsonb_build_object(''role'', r.name, ''source'', o.source, ''is_removed'', o.is_removed,
                                  ''added_at'', o.added_at, ''removed_at'', o.removed_at),
               coalesce($1, ''manual'')
          FROM old_rows o
          LEFT JOIN bg_internal.buying_group g ON g.id = o.group_id
          LEFT JOIN bg_internal.solution_interest s ON s.id = g.solution_interest_id
          LEFT JOIN (SELECT e.group_id, e.solution_interest, e.account_key FROM bg_internal.event e
                      WHERE e.batch = (SELECT x.id FROM bg_internal.event_batch x
                                        WHERE x.xid = pg_current_xact_id() AND x.base IS NULL)
                        AND e.kind = ''group_deleted'') d ON g.id IS NULL AND d.group_id = o.group_id
          LEFT JOIN bg_internal.role r ON r.id = o.role_id
         WHERE coalesce(s.name, d.solution_interest) IS NOT NULL
         ORDER BY o.group_id, o.person_key'
    END;
$$;
COMMENT ON FUNCTION bg_internal._member_events_sql(text) IS 'Internal: SQL of the events of a statement on bg_internal.member.';

-- The event triggers of bg_internal.member, in C (src/member_events.c): a
-- statement that wrote no member (or, for inserts, a creation job's)
-- returns at once; one of at most 100 rows a side runs its statement
-- (bg_internal._member_events_sql) kept planned over its transition
-- tables; any other firing, and the group_deleted events of
-- bg_internal.buying_group, are bg_internal._change_events_general's.
CREATE FUNCTION bg_internal._change_events() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bg_change_events';
COMMENT ON FUNCTION bg_internal._change_events() IS 'Internal: writes the events of a statement that changes buying groups or members.';

CREATE FUNCTION bg_internal._change_events_general() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ctx text := bg_internal._event_context();
BEGIN
    IF bg_internal._restoring() THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'buying_group' THEN
        INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, old_value, source)
        SELECT (SELECT bg_internal._event_batch()), 'group_deleted', o.id, s.name, o.account_key,
               to_jsonb(o) - 'name' - 'account_name' || jsonb_build_object('stage', st.name), coalesce(ctx, 'manual')
          FROM old_rows o
          JOIN bg_internal.solution_interest s ON s.id = o.solution_interest_id
          LEFT JOIN bg_internal.stage st ON st.id = o.stage_id
         ORDER BY o.id;
        RETURN NULL;
    END IF;
    -- (live mode's apply fires the insert and update triggers whatever it
    -- wrote; nested: only they have new_rows)
    IF TG_OP = 'INSERT' THEN
        IF ctx = 'job' OR NOT EXISTS (SELECT FROM new_rows) THEN
            RETURN NULL;
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (SELECT FROM new_rows) THEN
            RETURN NULL;
        END IF;
    END IF;
    EXECUTE bg_internal._member_events_sql(TG_OP) USING ctx;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._change_events_general() IS 'Internal: the event triggers'' path for the statements their C function does not take, and group_deleted.';
CREATE TRIGGER event_member_inserted AFTER INSERT ON bg_internal.member REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._change_events();
CREATE TRIGGER event_member_updated AFTER UPDATE ON bg_internal.member
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._change_events();
CREATE TRIGGER event_member_deleted AFTER DELETE ON bg_internal.member REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._change_events();

-- fires before group_deleted (triggers fire in name order), which deletes the members
CREATE TRIGGER event_group_deleted AFTER DELETE ON bg_internal.buying_group REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._change_events();

-- no change of the outbox on a Citus worker (citus.sql)
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.event_batch
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.event
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.event_consumer
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.event_clock
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
