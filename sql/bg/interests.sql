-- Solution interests: what is sold, with a live roles template
-- (docs/design.md §6).

CREATE FUNCTION bg_internal._interest(solution_interest text) RETURNS bg_internal.solution_interest
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'solution interest must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO s FROM bg_internal.solution_interest x WHERE x.name = $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'solution interest "%" does not exist', $1
            USING ERRCODE = 'undefined_object', HINT = 'The solution interests are listed in bg.solution_interests.';
    END IF;
    RETURN s;
END $$;
COMMENT ON FUNCTION bg_internal._interest(text) IS 'Internal: a solution interest by name; errors when unknown.';

-- The interest lock (docs/design.md §6.8): a transaction-level advisory lock
-- on the key pair (1650917377, interest id), exclusive for whoever creates or
-- deletes the interest's groups (creation jobs, drop_buying_groups, the drop
-- of the interest), shared for whoever changes the members of existing groups
-- (sync, live mode, manual actions).  It takes no row lock and writes no WAL.
-- Returns the interest as it is once locked: NULL when it was dropped
-- meanwhile, or an error then when required.
CREATE FUNCTION bg_internal._lock_interest(si bg_internal.solution_interest, exclusive boolean, required boolean)
    RETURNS bg_internal.solution_interest
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest;
BEGIN
    IF exclusive THEN
        PERFORM pg_catalog.pg_advisory_xact_lock(1650917377, si.id);
    ELSE
        PERFORM pg_catalog.pg_advisory_xact_lock_shared(1650917377, si.id);
    END IF;
    SELECT * INTO s FROM bg_internal.solution_interest x WHERE x.id = si.id;
    IF NOT FOUND AND required THEN
        RAISE EXCEPTION 'solution interest "%" does not exist', si.name
            USING ERRCODE = 'undefined_object', DETAIL = 'It was dropped while this transaction waited for it.',
                  HINT = 'The solution interests are listed in bg.solution_interests.';
    END IF;
    RETURN s;
END $$;
COMMENT ON FUNCTION bg_internal._lock_interest(bg_internal.solution_interest, boolean, boolean) IS
    'Internal: takes the lock of a solution interest (exclusive or shared) and reads it again.';

CREATE FUNCTION bg.create_solution_interest(name text, template text, description text DEFAULT NULL,
                                            update_existing boolean DEFAULT false,
                                            include_subaccounts boolean DEFAULT false)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n text := bg_internal._require_name($1, 'solution interest name must not be null',
                               'solution interest name must not be empty');
    tid integer := bg_internal._template_id($2, false);
BEGIN
    IF (SELECT t.status FROM bg_internal.template t WHERE t.id = tid) <> 'live' THEN
        RAISE EXCEPTION 'roles template "%" is a draft', $2
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('A solution interest takes a live template; publish it with bg.publish_template(%L).', $2);
    END IF;
    IF $4 IS NULL THEN
        RAISE EXCEPTION 'update_existing must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF $5 IS NULL THEN
        RAISE EXCEPTION 'include_subaccounts must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF $5 THEN
        IF (bg_internal._bound('accounts')).parent_column IS NULL THEN
            RAISE EXCEPTION 'cannot include subaccounts: the accounts are bound without a parent column'
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Bind the accounts again with bg.bind_accounts(..., parent => ''parent column'').';
        END IF;
    END IF;
    IF EXISTS (SELECT FROM bg_internal.solution_interest s WHERE s.name = n) THEN
        RAISE EXCEPTION 'solution interest "%" already exists', n USING ERRCODE = 'duplicate_object';
    END IF;
    INSERT INTO bg_internal.solution_interest (name, template_id, description, update_existing, include_subaccounts)
    VALUES (n, tid, $3, $4, $5);
END $$;
COMMENT ON FUNCTION bg.create_solution_interest(text, text, text, boolean, boolean) IS
    'Creates a solution interest (what is sold) with a live roles template.';

-- (the trigger interest_deleted refuses while it has groups)
CREATE FUNCTION bg.drop_solution_interest(name text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := bg_internal._interest($1);
BEGIN
    DELETE FROM bg_internal.solution_interest WHERE id = s.id;
END $$;
COMMENT ON FUNCTION bg.drop_solution_interest(text) IS 'Drops a solution interest that has no buying groups.';

-- A solution interest stays while it has groups (instead of a foreign key).
CREATE FUNCTION bg_internal._interest_deleted() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    -- a creation job of the interest may be running: wait for it, then count
    PERFORM pg_catalog.pg_advisory_xact_lock(1650917377, OLD.id);
    n := (SELECT count(*) FROM bg_internal.buying_group g WHERE g.solution_interest_id = OLD.id);
    IF n > 0 THEN
        RAISE EXCEPTION 'cannot drop solution interest "%": it has % buying groups', OLD.name, n
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = format('Drop them first with bg.drop_buying_groups(%L).', OLD.name);
    END IF;
    RETURN OLD;
END $$;
COMMENT ON FUNCTION bg_internal._interest_deleted() IS 'Internal: keeps solution interests that have buying groups.';
CREATE TRIGGER interest_deleted BEFORE DELETE ON bg_internal.solution_interest
    FOR EACH ROW EXECUTE FUNCTION bg_internal._interest_deleted();
