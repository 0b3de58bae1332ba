-- Manual member actions: assign, change the role of and remove members,
-- singly and in bulk; manual decisions survive every sync (docs/design.md §6).
--
-- Locks (docs/design.md §6.8): the interest lock of the group's solution
-- interest in shared mode, then the group's row (FOR NO KEY UPDATE), then
-- the member rows.

-- A buying group, locked so that concurrent changes of its members queue.
CREATE FUNCTION bg_internal._group(buying_group bigint) RETURNS bg_internal.buying_group
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g bg_internal.buying_group;
    s bg_internal.solution_interest;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'buying group must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT si.* INTO s FROM bg_internal.buying_group x JOIN bg_internal.solution_interest si ON si.id = x.solution_interest_id
     WHERE x.id = $1;
    IF FOUND THEN
        -- a concurrent drop of the groups holds it: wait, then find the group gone
        PERFORM bg_internal._lock_interest(s, false, false);
        SELECT * INTO g FROM bg_internal.buying_group x WHERE x.id = $1 FOR NO KEY UPDATE;
    END IF;
    IF g.id IS NULL THEN
        RAISE EXCEPTION 'buying group % does not exist', $1
            USING ERRCODE = 'undefined_object', HINT = 'The buying groups are listed in bg.buying_groups.';
    END IF;
    RETURN g;
END $$;
COMMENT ON FUNCTION bg_internal._group(bigint) IS 'Internal: a buying group by id, locked; errors when unknown.';

-- The role id of role in the group's template; errors when it is not in it.
CREATE FUNCTION bg_internal._group_role(g bg_internal.buying_group, role text) RETURNS integer
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tid integer := (SELECT s.template_id FROM bg_internal.solution_interest s WHERE s.id = g.solution_interest_id);
BEGIN
    RETURN (bg_internal._template_role(tid, (SELECT t.name FROM bg_internal.template t WHERE t.id = tid), role)).role_id;
END $$;
COMMENT ON FUNCTION bg_internal._group_role(bg_internal.buying_group, text) IS 'Internal: a role of a group''s template; errors otherwise.';

-- Errors unless every person exists and belongs to the group's account (or
-- its subtree when the solution interest includes subaccounts).
CREATE FUNCTION bg_internal._require_people(g bg_internal.buying_group, keys text[]) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := (SELECT x FROM bg_internal.solution_interest x WHERE x.id = g.solution_interest_id);
    walk text;
    outside text;
BEGIN
    PERFORM bg_internal._require_keys(keys, 'people');
    walk := bg_internal._person_walk_sql(s);
    PERFORM bg_internal._check_cycles(s, walk, keys);
    EXECUTE 'WITH RECURSIVE ' || walk || '
        SELECT string_agg(k, '', '' ORDER BY k) FROM (
          SELECT k FROM unnest($1) AS k
           WHERE NOT EXISTS (SELECT FROM walk w WHERE w.pkey = k AND w.acct = $3 AND NOT w.is_cycle)
           ORDER BY k LIMIT 5) x'
       INTO outside USING keys, s.id, g.account_key;
    IF outside IS NOT NULL THEN
        RAISE EXCEPTION 'person % is not in account % of buying group "%"', outside, g.account_key, g.name
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = CASE WHEN s.include_subaccounts
                                THEN 'A member must belong to the group''s account or one of its subaccounts.'
                                ELSE 'A member must belong to the group''s account.' END;
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._require_people(bg_internal.buying_group, text[]) IS 'Internal: errors unless the people belong to the group''s account.';

-- Errors unless every person is a member of the group (a current one when
-- current_only).
CREATE FUNCTION bg_internal._require_members(g bg_internal.buying_group, keys text[], current_only boolean) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    missing text;
BEGIN
    SELECT string_agg(k, ', ' ORDER BY k) INTO missing FROM unnest(keys) AS k
     WHERE NOT EXISTS (SELECT FROM bg_internal.member m
                        WHERE m.group_id = g.id AND m.person_key = k AND NOT (current_only AND m.is_removed));
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'person % is not a member of buying group "%"', missing, g.name
            USING ERRCODE = 'undefined_object',
                  HINT = CASE WHEN current_only THEN 'Add a member with bg.assign_member.'
                              ELSE 'The members are listed in bg.members.' END;
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._require_members(bg_internal.buying_group, text[], boolean) IS 'Internal: errors unless the people are members of a group.';

CREATE FUNCTION bg_internal._assign(buying_group bigint, keys text[], role text, only_members boolean) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g bg_internal.buying_group := bg_internal._group($1);
    rid integer := bg_internal._group_role(g, $3);
BEGIN
    IF only_members THEN
        PERFORM bg_internal._require_members(g, keys, true);
    ELSE
        PERFORM bg_internal._require_people(g, keys);
    END IF;
    INSERT INTO bg_internal.member AS m (group_id, person_key, role_id, source)
    SELECT g.id, k, rid, 'manual' FROM unnest(keys) AS k
    ON CONFLICT (group_id, person_key) DO UPDATE
       SET role_id = excluded.role_id, source = 'manual', is_removed = false, removed_at = NULL,
           added_at = CASE WHEN m.is_removed THEN now() ELSE m.added_at END
     WHERE m.role_id <> excluded.role_id OR m.source <> 'manual' OR m.is_removed;
END $$;
COMMENT ON FUNCTION bg_internal._assign(bigint, text[], text, boolean) IS 'Internal: manual role assignment of people in a group.';

CREATE FUNCTION bg.assign_member(buying_group bigint, person anyelement, role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._assign($1, ARRAY[bg_internal._key($2, 'people')], $3, false);
END $$;
COMMENT ON FUNCTION bg.assign_member(bigint, anyelement, text) IS
    'Makes a person (a key or a row of the bound people) a manual member of a buying group with a role; a manual decision survives every sync.';

-- The text overloads below take untyped parameters from drivers (an
-- untyped argument resolves to text, never to anyelement or anyarray); a
-- typed key or row still takes the polymorphic function.
CREATE FUNCTION bg.assign_member(buying_group bigint, person text, role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._assign($1, ARRAY[bg_internal._key($2, 'people')], $3, false);
END $$;
COMMENT ON FUNCTION bg.assign_member(bigint, text, text) IS
    'bg.assign_member for a key given as text or as an untyped parameter (cast to the people key type).';


CREATE FUNCTION bg.assign_members(buying_group bigint, people anyarray, role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._assign($1, bg_internal._keys($2, 'people'), $3, false);
END $$;
COMMENT ON FUNCTION bg.assign_members(bigint, anyarray, text) IS
    'Makes people (keys or rows) manual members of a buying group with a role, in one statement.';

CREATE FUNCTION bg.assign_members(buying_group bigint, people text, role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg.assign_members($1, bg_internal._keys_text($2, 'people'), $3);
END $$;
COMMENT ON FUNCTION bg.assign_members(bigint, text, text) IS
    'bg.assign_members for keys given as an array literal (''{1,2}''), as drivers send an untyped array parameter.';


CREATE FUNCTION bg.set_member_role(buying_group bigint, person anyelement, role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._assign($1, ARRAY[bg_internal._key($2, 'people')], $3, true);
END $$;
COMMENT ON FUNCTION bg.set_member_role(bigint, anyelement, text) IS
    'Changes the role of a member of a buying group; the member becomes manual and keeps the role through every sync.';

CREATE FUNCTION bg.set_member_role(buying_group bigint, person text, role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._assign($1, ARRAY[bg_internal._key($2, 'people')], $3, true);
END $$;
COMMENT ON FUNCTION bg.set_member_role(bigint, text, text) IS
    'bg.set_member_role for a key given as text or as an untyped parameter.';


CREATE FUNCTION bg_internal._remove(buying_group bigint, keys text[]) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g bg_internal.buying_group := bg_internal._group($1);
BEGIN
    PERFORM bg_internal._require_members(g, keys, false);
    UPDATE bg_internal.member m SET is_removed = true, source = 'manual',
                           removed_at = CASE WHEN m.is_removed THEN m.removed_at ELSE now() END
     WHERE m.group_id = g.id AND m.person_key = ANY (keys)
       AND NOT (m.is_removed AND m.source = 'manual');
END $$;
COMMENT ON FUNCTION bg_internal._remove(bigint, text[]) IS 'Internal: manual removal of members of a group.';

CREATE FUNCTION bg.remove_member(buying_group bigint, person anyelement) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._remove($1, ARRAY[bg_internal._key($2, 'people')]);
END $$;
COMMENT ON FUNCTION bg.remove_member(bigint, anyelement) IS
    'Removes a member from a buying group; the member is kept as removed (manual) and no sync brings it back.';

CREATE FUNCTION bg.remove_member(buying_group bigint, person text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._remove($1, ARRAY[bg_internal._key($2, 'people')]);
END $$;
COMMENT ON FUNCTION bg.remove_member(bigint, text) IS
    'bg.remove_member for a key given as text or as an untyped parameter.';


CREATE FUNCTION bg.remove_members(buying_group bigint, people anyarray) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._remove($1, bg_internal._keys($2, 'people'));
END $$;
COMMENT ON FUNCTION bg.remove_members(bigint, anyarray) IS
    'Removes members from a buying group in one statement; they are kept as removed (manual).';


CREATE FUNCTION bg.remove_members(buying_group bigint, people text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg.remove_members($1, bg_internal._keys_text($2, 'people'));
END $$;
COMMENT ON FUNCTION bg.remove_members(bigint, text) IS
    'bg.remove_members for keys given as an array literal (''{1,2}''), as drivers send an untyped array parameter.';
