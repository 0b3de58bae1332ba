-- Roles: the six defaults and custom ones (docs/design.md §2).

CREATE FUNCTION bg_internal._role_id(role text) RETURNS integer
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    rid integer;
    other text;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'role must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT r.id INTO rid FROM bg_internal.role r WHERE r.name = $1;
    IF NOT FOUND THEN
        SELECT r.name INTO other FROM bg_internal.role r WHERE bg_internal._fold(r.name) = bg_internal._fold($1);
        RAISE EXCEPTION 'role "%" does not exist', $1
            USING ERRCODE = 'undefined_object',
                  HINT = CASE WHEN other IS NULL
                              THEN 'The roles are listed in bg.roles; create one with bg.create_role.'
                              ELSE format('Did you mean "%s"?', other) END;
    END IF;
    RETURN rid;
END $$;
COMMENT ON FUNCTION bg_internal._role_id(text) IS 'Internal: the id of a role; errors when unknown.';

CREATE FUNCTION bg.create_role(name text, description text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n text := bg_internal._require_name($1, 'role name must not be null', 'role name must not be empty');
    existing text;
BEGIN
    -- serialize role creation so that the limit holds under concurrency
    LOCK TABLE bg_internal.role IN SHARE ROW EXCLUSIVE MODE;
    SELECT r.name INTO existing FROM bg_internal.role r WHERE bg_internal._fold(r.name) = bg_internal._fold(n);
    IF FOUND THEN
        RAISE EXCEPTION 'role "%" already exists', existing USING ERRCODE = 'duplicate_object';
    END IF;
    IF (SELECT count(*) FROM bg_internal.role) >= 20 THEN
        RAISE EXCEPTION 'cannot create role "%": there are already 20 roles', n
            USING ERRCODE = 'program_limit_exceeded',
                  HINT = 'At most 20 roles exist in all; drop an unused custom role with bg.drop_role first.';
    END IF;
    INSERT INTO bg_internal.role (name, description) VALUES (n, $2);
END $$;
COMMENT ON FUNCTION bg.create_role(text, text) IS 'Creates a custom role (at most 20 roles in all).';

CREATE FUNCTION bg.rename_role(name text, new_name text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    rid integer := bg_internal._role_id($1);
    n text;
    existing text;
BEGIN
    IF (SELECT r.is_default FROM bg_internal.role r WHERE r.id = rid) THEN
        RAISE EXCEPTION 'cannot rename role "%": it is a default role', $1
            USING ERRCODE = 'reserved_name', HINT = 'The six default roles cannot be renamed or dropped.';
    END IF;
    n := bg_internal._require_name($2, 'new role name must not be null', 'new role name must not be empty');
    SELECT r.name INTO existing FROM bg_internal.role r WHERE bg_internal._fold(r.name) = bg_internal._fold(n) AND r.id <> rid;
    IF FOUND THEN
        RAISE EXCEPTION 'role "%" already exists', existing USING ERRCODE = 'duplicate_object';
    END IF;
    UPDATE bg_internal.role SET name = n WHERE id = rid;
END $$;
COMMENT ON FUNCTION bg.rename_role(text, text) IS 'Renames a custom role.';

CREATE FUNCTION bg.drop_role(name text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    rid integer := bg_internal._role_id($1);
    users text;
BEGIN
    IF (SELECT r.is_default FROM bg_internal.role r WHERE r.id = rid) THEN
        RAISE EXCEPTION 'cannot drop role "%": it is a default role', $1
            USING ERRCODE = 'reserved_name', HINT = 'The six default roles cannot be renamed or dropped.';
    END IF;
    SELECT string_agg(format('"%s"', t.name), ', ' ORDER BY t.name) INTO users
      FROM bg_internal.template_role x JOIN bg_internal.template t ON t.id = x.template_id
     WHERE x.role_id = rid;
    IF users IS NOT NULL THEN
        RAISE EXCEPTION 'cannot drop role "%": it is used by roles templates', $1
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = format('Roles templates using it: %s.', users),
                  HINT = 'Remove it from the draft templates with bg.remove_role; live templates keep it for good.';
    END IF;
    DELETE FROM bg_internal.role WHERE id = rid;
END $$;
COMMENT ON FUNCTION bg.drop_role(text) IS 'Drops a custom role that no roles template uses.';
