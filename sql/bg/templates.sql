-- Roles templates and their roles: drafts, priorities, weights, conditions,
-- thresholds, publishing and copying (docs/design.md §2, §5).

CREATE FUNCTION bg_internal._template_id(template text, for_edit boolean) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t record;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'template must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT x.id, x.status INTO t FROM bg_internal.template x WHERE x.name = $1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'roles template "%" does not exist', $1
            USING ERRCODE = 'undefined_object', HINT = 'The roles templates are listed in bg.templates.';
    END IF;
    IF $2 AND t.status = 'live' THEN
        RAISE EXCEPTION 'roles template "%" is live and cannot be changed', $1
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Copy it with bg.copy_template(%L, ''new name'') and change the copy.', $1);
    END IF;
    RETURN t.id;
END $$;
COMMENT ON FUNCTION bg_internal._template_id(text, boolean) IS 'Internal: the id of a template (locked); errors when unknown, or live when editing.';

-- The row of role in template; errors when the role is not in it.  The hint
-- points to what works: add_role for a draft, a copy for a live template
-- (which never changes, so neither add_role nor create_role helps).
CREATE FUNCTION bg_internal._template_role(template_id integer, template text, role text) RETURNS bg_internal.template_role
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tr bg_internal.template_role;
    live boolean := (SELECT t.status = 'live' FROM bg_internal.template t WHERE t.id = _template_role.template_id);
BEGIN
    IF role IS NULL OR NOT live THEN
        PERFORM bg_internal._role_id(role);      -- NULL or unknown role: its own error
    END IF;
    SELECT x.* INTO tr FROM bg_internal.template_role x JOIN bg_internal.role r ON r.id = x.role_id
     WHERE x.template_id = _template_role.template_id AND r.name = role;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role "%" is not in roles template "%"', role, template
            USING ERRCODE = 'undefined_object',
                  HINT = CASE WHEN live
                              THEN format('The roles of roles template "%s" are listed in bg.template_roles. A live template '
                                          'never changes: to add a role, copy it with bg.copy_template(%L, ''new name'').',
                                          template, template)
                              ELSE format('Add it with bg.add_role(%L, %L).', template, role) END;
    END IF;
    RETURN tr;
END $$;
COMMENT ON FUNCTION bg_internal._template_role(integer, text, text) IS 'Internal: a role of a template; errors when it is not in it.';

CREATE FUNCTION bg_internal._check_weight(weight text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF weight IS NULL THEN
        RAISE EXCEPTION 'weight must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF lower(weight) NOT IN ('trivial', 'minor', 'normal', 'important', 'vital') THEN
        RAISE EXCEPTION 'invalid weight "%"', weight
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The weight bands are trivial, minor, normal, important and vital.';
    END IF;
    RETURN lower(weight);
END $$;
COMMENT ON FUNCTION bg_internal._check_weight(text) IS 'Internal: a valid weight band; errors otherwise.';

CREATE FUNCTION bg_internal._check_members_required(members_required integer) RETURNS integer
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF members_required IS NULL THEN
        RAISE EXCEPTION 'members_required must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF members_required < 1 THEN
        RAISE EXCEPTION 'members_required must be at least 1, not %', members_required
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN members_required;
END $$;
COMMENT ON FUNCTION bg_internal._check_members_required(integer) IS 'Internal: a valid role threshold; errors otherwise.';

-- The canonical text of a role condition, checked against the bound people.
CREATE FUNCTION bg_internal._check_role_condition(condition text, template text, role text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    st text; msg text; det text; hnt text;
BEGIN
    IF condition IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN bg.check_condition(condition);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    PERFORM bg_internal._raise_caused(format('invalid condition for role "%s" of roles template "%s"', role, template),
                             st, msg, det, hnt);
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._check_role_condition(text, text, text) IS 'Internal: the canonical text of a role condition, checked against the bound people table.';

-- Moves role_id of template_id to priority pos, shifting the others.
CREATE FUNCTION bg_internal._place(template_id integer, role_id integer, pos integer) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    WITH ordered AS (
        SELECT x.role_id,
               row_number() OVER (ORDER BY x.priority) AS n
          FROM bg_internal.template_role x
         WHERE x.template_id = _place.template_id AND x.role_id <> _place.role_id
    )
    UPDATE bg_internal.template_role x
       SET priority = CASE WHEN x.role_id = _place.role_id THEN pos
                           WHEN o.n < pos THEN o.n::integer
                           ELSE o.n::integer + 1 END
      FROM (SELECT * FROM ordered
            UNION ALL SELECT _place.role_id, 0) o
     WHERE x.template_id = _place.template_id AND x.role_id = o.role_id;
END $$;
COMMENT ON FUNCTION bg_internal._place(integer, integer, integer) IS 'Internal: moves a template role to a priority, shifting the others.';

CREATE FUNCTION bg_internal._touch(template_id integer) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE bg_internal.template t SET updated_at = now() WHERE t.id = _touch.template_id;
END $$;
COMMENT ON FUNCTION bg_internal._touch(integer) IS 'Internal: records that a template changed.';

CREATE FUNCTION bg.create_template(name text, description text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n text := bg_internal._require_name($1, 'template name must not be null', 'template name must not be empty');
BEGIN
    IF EXISTS (SELECT FROM bg_internal.template t WHERE t.name = n) THEN
        RAISE EXCEPTION 'roles template "%" already exists', n USING ERRCODE = 'duplicate_object';
    END IF;
    INSERT INTO bg_internal.template (name, description) VALUES (n, $2);
END $$;
COMMENT ON FUNCTION bg.create_template(text, text) IS 'Creates an empty draft roles template.';

CREATE FUNCTION bg.add_role(template text, role text, condition text DEFAULT NULL,
                            weight text DEFAULT 'normal', required boolean DEFAULT true,
                            members_required integer DEFAULT 1, priority integer DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tid integer := bg_internal._template_id($1, true);
    rid integer := bg_internal._role_id($2);
    w text := bg_internal._check_weight($4);
    k integer := bg_internal._check_members_required($6);
    nroles integer;
    cond text;
BEGIN
    IF $5 IS NULL THEN
        RAISE EXCEPTION 'required must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF EXISTS (SELECT FROM bg_internal.template_role x WHERE x.template_id = tid AND x.role_id = rid) THEN
        RAISE EXCEPTION 'role "%" is already in roles template "%"', $2, $1
            USING ERRCODE = 'duplicate_object',
                  HINT = 'A role appears at most once in a template; change it with bg.update_role.';
    END IF;
    SELECT count(*) INTO nroles FROM bg_internal.template_role x WHERE x.template_id = tid;
    IF $7 IS NOT NULL AND ($7 < 1 OR $7 > nroles + 1) THEN
        RAISE EXCEPTION 'priority % is out of range', $7
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Roles template "%s" has %s roles, so the new role can take priority 1 to %s.',
                                  $1, nroles, nroles + 1);
    END IF;
    cond := bg_internal._check_role_condition($3, $1, $2);
    INSERT INTO bg_internal.template_role (template_id, role_id, priority, weight, condition, required, members_required)
    VALUES (tid, rid, nroles + 1, w, cond, $5, k);
    IF $7 IS NOT NULL THEN
        PERFORM bg_internal._place(tid, rid, $7);
    END IF;
    PERFORM bg_internal._touch(tid);
END $$;
COMMENT ON FUNCTION bg.add_role(text, text, text, text, boolean, integer, integer) IS
    'Adds a role to a draft roles template, at the end or at the given priority.';

CREATE FUNCTION bg.update_role(template text, role text, condition text DEFAULT NULL,
                               weight text DEFAULT NULL, required boolean DEFAULT NULL,
                               members_required integer DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tid integer := bg_internal._template_id($1, true);
    tr bg_internal.template_role := bg_internal._template_role(tid, $1, $2);
BEGIN
    UPDATE bg_internal.template_role x
       SET condition = coalesce(bg_internal._check_role_condition($3, $1, $2), x.condition),
           weight = CASE WHEN $4 IS NULL THEN x.weight ELSE bg_internal._check_weight($4) END,
           required = coalesce($5, x.required),
           members_required = CASE WHEN $6 IS NULL THEN x.members_required
                                   ELSE bg_internal._check_members_required($6) END
     WHERE x.template_id = tid AND x.role_id = tr.role_id;
    PERFORM bg_internal._touch(tid);
END $$;
COMMENT ON FUNCTION bg.update_role(text, text, text, text, boolean, integer) IS
    'Changes a role of a draft roles template; NULL arguments keep the current value.';

CREATE FUNCTION bg.set_condition(template text, role text, condition text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tid integer := bg_internal._template_id($1, true);
    tr bg_internal.template_role := bg_internal._template_role(tid, $1, $2);
BEGIN
    UPDATE bg_internal.template_role x SET condition = bg_internal._check_role_condition($3, $1, $2)
     WHERE x.template_id = tid AND x.role_id = tr.role_id;
    PERFORM bg_internal._touch(tid);
END $$;
COMMENT ON FUNCTION bg.set_condition(text, text, text) IS
    'Sets the auto-assign condition of a role in a draft roles template; NULL removes it.';

CREATE FUNCTION bg.remove_role(template text, role text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tid integer := bg_internal._template_id($1, true);
    tr bg_internal.template_role := bg_internal._template_role(tid, $1, $2);
BEGIN
    DELETE FROM bg_internal.template_role x WHERE x.template_id = tid AND x.role_id = tr.role_id;
    UPDATE bg_internal.template_role x SET priority = x.priority - 1
     WHERE x.template_id = tid AND x.priority > tr.priority;
    PERFORM bg_internal._touch(tid);
END $$;
COMMENT ON FUNCTION bg.remove_role(text, text) IS 'Removes a role from a draft roles template.';

CREATE FUNCTION bg.move_role(template text, role text, priority integer)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tid integer := bg_internal._template_id($1, true);
    tr bg_internal.template_role := bg_internal._template_role(tid, $1, $2);
    nroles integer;
BEGIN
    SELECT count(*) INTO nroles FROM bg_internal.template_role x WHERE x.template_id = tid;
    IF $3 IS NULL OR $3 < 1 OR $3 > nroles THEN
        RAISE EXCEPTION 'priority % is out of range', coalesce($3::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Roles template "%s" has %s roles, so priorities run from 1 to %s.',
                                  $1, nroles, nroles);
    END IF;
    PERFORM bg_internal._place(tid, tr.role_id, $3);
    PERFORM bg_internal._touch(tid);
END $$;
COMMENT ON FUNCTION bg.move_role(text, text, integer) IS
    'Moves a role of a draft roles template to another priority, shifting the others.';

CREATE FUNCTION bg.publish_template(template text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tid integer := bg_internal._template_id($1, true);
BEGIN
    IF NOT EXISTS (SELECT FROM bg_internal.template_role x WHERE x.template_id = tid) THEN
        RAISE EXCEPTION 'cannot publish roles template "%": it has no roles', $1
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Add at least one role with bg.add_role first.';
    END IF;
    UPDATE bg_internal.template SET status = 'live', published_at = now(), updated_at = now() WHERE id = tid;
END $$;
COMMENT ON FUNCTION bg.publish_template(text) IS 'Makes a draft roles template live; a live template never changes.';

CREATE FUNCTION bg.drop_template(template text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tid integer;
BEGIN
    IF EXISTS (SELECT FROM bg_internal.template t WHERE t.name = $1 AND t.status = 'live') THEN
        RAISE EXCEPTION 'cannot drop roles template "%": it is live', $1
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only draft templates can be dropped.';
    END IF;
    tid := bg_internal._template_id($1, true);
    DELETE FROM bg_internal.template WHERE id = tid;
END $$;
COMMENT ON FUNCTION bg.drop_template(text) IS 'Drops a draft roles template.';

CREATE FUNCTION bg.copy_template(template text, new_name text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tid integer := bg_internal._template_id($1, false);
    n text := bg_internal._require_name($2, 'template name must not be null', 'template name must not be empty');
    newid integer;
BEGIN
    IF EXISTS (SELECT FROM bg_internal.template t WHERE t.name = n) THEN
        RAISE EXCEPTION 'roles template "%" already exists', n USING ERRCODE = 'duplicate_object';
    END IF;
    INSERT INTO bg_internal.template (name, description)
    SELECT n, t.description FROM bg_internal.template t WHERE t.id = tid
    RETURNING id INTO newid;
    INSERT INTO bg_internal.template_role (template_id, role_id, priority, weight, condition, required, members_required)
    SELECT newid, x.role_id, x.priority, x.weight, x.condition, x.required, x.members_required
      FROM bg_internal.template_role x WHERE x.template_id = tid;
END $$;
COMMENT ON FUNCTION bg.copy_template(text, text) IS 'Copies a roles template (draft or live) into a new draft.';
