-- Stages and status of buying groups (docs/design.md §7.2): a solution
-- interest's stage model (bg.set_stage_model), moves along its transitions
-- (bg.move_stage, bg.try_move_stage, bg.move_stages), the stage history and
-- the free-text status (bg.set_status).
--
-- Every change of a group's stage is written by bg_internal._enter_stage (a
-- creation job writes its new groups' first stage with the groups) and
-- recorded by bg_internal._record_stage_moves; every change of a status by
-- bg_internal._set_status: the one place each where its event is written
-- (events.sql).
--
-- Locks (docs/design.md §6.8): the interest lock (shared; exclusive for
-- bg.set_stage_model, as for a creation job), then the groups' rows
-- (FOR NO KEY UPDATE) in id order, as every other writer of groups.

-- Records moves of groups to stage to_stage (a name; NULL: out of any stage)
-- from from_stages (one per group; NULL: all from no stage).
CREATE FUNCTION bg_internal._record_stage_moves(groups bigint[], from_stages text[], to_stage text,
                                                moved_at timestamptz, source text) RETURNS void
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO bg_internal.stage_move (group_id, from_stage, to_stage, moved_at, source)
    SELECT u.g, u.f, $3, $4, $5 FROM unnest($1, $2) AS u(g, f) ORDER BY u.g;
    -- stage_changed (a creation job's first stages are in group_created)
    INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, old_value, new_value, source)
    SELECT (SELECT bg_internal._event_batch()), 'stage_changed', g.id, s.name, g.account_key,
           jsonb_build_object('stage', u.f), jsonb_build_object('stage', $3, 'stage_entered_at', $4),
           coalesce((SELECT bg_internal._event_context()), 'manual')
      FROM unnest($1, $2) AS u(g, f)
      JOIN bg_internal.buying_group g ON g.id = u.g
      JOIN bg_internal.solution_interest s ON s.id = g.solution_interest_id
     WHERE $5 <> 'created'
     ORDER BY u.g;
$$;
COMMENT ON FUNCTION bg_internal._record_stage_moves(bigint[], text[], text, timestamp with time zone, text) IS
    'Internal: records stage moves of buying groups in the stage history.';

-- Puts the groups (their rows locked by the caller) that are not in stage
-- target (an id; NULL: no stage) into it, at the clock time of the call, and
-- records the moves; returns how many moved.  The caller checks that the
-- moves are allowed.
CREATE FUNCTION bg_internal._enter_stage(groups bigint[], target integer, source text) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    at timestamptz := clock_timestamp();
    ids bigint[];
    froms text[];
BEGIN
    WITH old AS (
        SELECT g.id, g.stage_id FROM bg_internal.buying_group g
         WHERE g.id = ANY (groups) AND g.stage_id IS DISTINCT FROM target),
    upd AS (
        UPDATE bg_internal.buying_group g
           SET stage_id = target, stage_entered_at = CASE WHEN target IS NULL THEN NULL ELSE at END
          FROM old WHERE g.id = old.id
        RETURNING g.id, old.stage_id)
    SELECT array_agg(u.id ORDER BY u.id), array_agg(f.name ORDER BY u.id) INTO ids, froms
      FROM upd u LEFT JOIN bg_internal.stage f ON f.id = u.stage_id;
    IF ids IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM bg_internal._record_stage_moves(ids, froms, (SELECT s.name FROM bg_internal.stage s WHERE s.id = target),
                                            at, source);
    RETURN cardinality(ids);
END $$;
COMMENT ON FUNCTION bg_internal._enter_stage(bigint[], integer, text) IS
    'Internal: puts locked buying groups into a stage (or none) and records the moves; returns how many moved.';

-- The first entry stage of a stage model (position order); NULL for none.
CREATE FUNCTION bg_internal._entry_stage(model_id integer) RETURNS integer
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT s.id FROM bg_internal.stage s WHERE s.model_id = $1 AND s.entry ORDER BY s.position LIMIT 1;
$$;
COMMENT ON FUNCTION bg_internal._entry_stage(integer) IS 'Internal: the first entry stage of a stage model, or NULL.';

CREATE FUNCTION bg.set_stage_model(solution_interest text, model text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := bg_internal._interest($1);
    m bg_internal.stage_model;
BEGIN
    IF $2 IS NOT NULL THEN
        m := bg_internal._stage_model($2, false);
        IF m.status <> 'live' THEN
            RAISE EXCEPTION 'stage model "%" is a draft', m.name
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = format('A solution interest takes a live stage model; publish it with bg.publish_stage_model(%L).',
                                    m.name);
        END IF;
    END IF;
    -- exclusive, as a creation job: no group of the interest is created meanwhile
    s := bg_internal._lock_interest(s, true, true);
    IF s.stage_model_id IS NOT DISTINCT FROM m.id THEN
        RETURN;
    END IF;
    UPDATE bg_internal.solution_interest x SET stage_model_id = m.id WHERE x.id = s.id;
    PERFORM bg_internal._enter_stage(
        ARRAY(SELECT g.id FROM bg_internal.buying_group g WHERE g.solution_interest_id = s.id
               ORDER BY g.id FOR NO KEY UPDATE),
        bg_internal._entry_stage(m.id), 'set_stage_model');
END $$;
COMMENT ON FUNCTION bg.set_stage_model(text, text) IS
    'Gives a solution interest a live stage model (NULL: none). Its existing buying groups enter the model''s first entry stage (with none, they leave their stage), recorded in bg.stage_history; groups created later start there.';

-- The stage named stage of the model of a group's solution interest.
CREATE FUNCTION bg_internal._group_stage(g bg_internal.buying_group, stage text) RETURNS bg_internal.stage
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m bg_internal.stage_model;
    s bg_internal.solution_interest := (SELECT x FROM bg_internal.solution_interest x WHERE x.id = g.solution_interest_id);
BEGIN
    SELECT x.* INTO m FROM bg_internal.stage_model x WHERE x.id = s.stage_model_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'buying group % has no stages', g.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Its solution interest "%s" has no stage model.', s.name),
                  HINT = format('Give it one with bg.set_stage_model(%L, ''model'').', s.name);
    END IF;
    RETURN bg_internal._stage(m, stage);
END $$;
COMMENT ON FUNCTION bg_internal._group_stage(bg_internal.buying_group, text) IS
    'Internal: a stage of the stage model of a group''s solution interest; errors when it has none or the stage is not in it.';

-- The moves of groups to the stage named stage of their interest's model:
-- per group that has one, its stage (NULL: none), the target stage, and
-- whether the model allows the move (from no stage: into an entry stage).
-- The one statement of the transition rule, for one group or many.
CREATE FUNCTION bg_internal._stage_moves(groups bigint[], stage text)
    RETURNS TABLE (group_id bigint, from_id integer, to_id integer, allowed boolean)
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT g.id, g.stage_id, t.id,
           CASE WHEN g.stage_id IS NULL THEN t.entry
                ELSE EXISTS (SELECT FROM bg_internal.stage_transition x
                              WHERE x.from_stage_id = g.stage_id AND x.to_stage_id = t.id) END
      FROM bg_internal.buying_group g
      JOIN bg_internal.solution_interest s ON s.id = g.solution_interest_id
      JOIN bg_internal.stage t ON t.model_id = s.stage_model_id AND t.name = $2
     WHERE g.id = ANY ($1);
$$;
COMMENT ON FUNCTION bg_internal._stage_moves(bigint[], text) IS
    'Internal: the moves of buying groups to a stage of their model, and whether each is allowed.';

-- A move of one group: true when the group is in the stage afterwards; a
-- move that is not allowed raises (must) or returns false.
CREATE FUNCTION bg_internal._move_stage(buying_group bigint, stage text, must boolean) RETURNS boolean
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g bg_internal.buying_group := bg_internal._group($1);
    t bg_internal.stage := bg_internal._group_stage(g, $2);
    f bg_internal.stage;
    allowed text;
BEGIN
    IF g.stage_id = t.id THEN
        RETURN true;
    END IF;
    IF NOT (SELECT m.allowed FROM bg_internal._stage_moves(ARRAY[g.id], t.name) m) THEN
        IF NOT must THEN
            RETURN false;
        END IF;
        f := (SELECT x FROM bg_internal.stage x WHERE x.id = g.stage_id);
        allowed := bg_internal._stage_list(t.model_id, ARRAY(SELECT x.to_stage_id FROM bg_internal.stage_transition x
                                                             WHERE x.from_stage_id = f.id));
        RAISE EXCEPTION 'buying group % cannot move from stage "%" to stage "%"', g.id, f.name, t.name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Its stage model allows no transition from "%s" to "%s".', f.name, t.name),
                  HINT = CASE WHEN allowed IS NULL THEN format('No move out of stage "%s" is allowed.', f.name)
                              ELSE format('From stage "%s" a group may move to %s.', f.name, allowed) END;
    END IF;
    PERFORM bg_internal._enter_stage(ARRAY[g.id], t.id, 'manual');
    RETURN true;
END $$;
COMMENT ON FUNCTION bg_internal._move_stage(bigint, text, boolean) IS
    'Internal: moves one buying group to a stage; a move that is not allowed raises or returns false.';

CREATE FUNCTION bg.move_stage(buying_group bigint, stage text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._move_stage($1, $2, true);
END $$;
COMMENT ON FUNCTION bg.move_stage(bigint, text) IS
    'Moves a buying group to a stage of its solution interest''s stage model, recorded in bg.stage_history; an error when the model allows no such transition. A move to the stage the group is in changes nothing.';

CREATE FUNCTION bg.try_move_stage(buying_group bigint, stage text) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT bg_internal._move_stage($1, $2, false);
$$;
COMMENT ON FUNCTION bg.try_move_stage(bigint, text) IS
    'bg.move_stage for journeys: false, with nothing written, when the stage model allows no such transition; true when the group is in the stage afterwards.';

CREATE FUNCTION bg.move_stages(buying_groups bigint[], stage text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ids bigint[];
    missing text;
    si bg_internal.solution_interest;
    mv record;
    n integer := 0;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'buying groups must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF array_position($1, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'buying groups must not contain nulls' USING ERRCODE = 'null_value_not_allowed';
    ELSIF $2 IS NULL THEN
        RAISE EXCEPTION 'stage must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    ids := ARRAY(SELECT DISTINCT u.id FROM unnest($1) AS u(id) ORDER BY 1);
    IF cardinality(ids) = 0 THEN
        RETURN 0;
    END IF;
    SELECT string_agg(u.id::text, ', ' ORDER BY u.id) INTO missing
      FROM (SELECT u.id FROM unnest(ids) AS u(id)
             WHERE NOT EXISTS (SELECT FROM bg_internal.buying_group g WHERE g.id = u.id) ORDER BY u.id LIMIT 5) u;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'buying groups % do not exist', missing
            USING ERRCODE = 'undefined_object', HINT = 'The buying groups are listed in bg.buying_groups.';
    END IF;
    -- the interests in id order (shared: a running creation job or drop of
    -- their groups first), then the groups in id order
    FOR si IN SELECT s.* FROM bg_internal.solution_interest s
               WHERE s.id IN (SELECT g.solution_interest_id FROM bg_internal.buying_group g WHERE g.id = ANY (ids))
               ORDER BY s.id LOOP
        PERFORM bg_internal._lock_interest(si, false, false);
    END LOOP;
    PERFORM FROM bg_internal.buying_group g WHERE g.id = ANY (ids) ORDER BY g.id FOR NO KEY UPDATE;
    -- one target stage per model of the groups' interests
    FOR mv IN SELECT m.to_id, array_agg(m.group_id ORDER BY m.group_id)
                              FILTER (WHERE m.allowed AND m.from_id IS DISTINCT FROM m.to_id) AS groups
                FROM bg_internal._stage_moves(ids, $2) m
               GROUP BY m.to_id ORDER BY m.to_id LOOP
        IF mv.groups IS NOT NULL THEN
            n := n + bg_internal._enter_stage(mv.groups, mv.to_id, 'manual');
        END IF;
    END LOOP;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'stage "%" is in no stage model of these buying groups', $2
            USING ERRCODE = 'undefined_object',
                  HINT = 'The stages of the models of the solution interests (bg.solution_interests) are listed in bg.stages.';
    END IF;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg.move_stages(bigint[], text) IS
    'Moves buying groups to the stage of that name in their solution interest''s stage model, those whose model allows the transition; returns how many moved (groups already there, or whose model has no such stage or transition, stay).';

-- Sets a group's status (its row locked by the caller); true when it changed.
CREATE FUNCTION bg_internal._set_status(g bg_internal.buying_group, status text) RETURNS boolean
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE bg_internal.buying_group x SET status = _set_status.status
     WHERE x.id = g.id AND x.status IS DISTINCT FROM _set_status.status;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, old_value, new_value, source)
    SELECT bg_internal._event_batch(), 'status_changed', g.id, s.name, g.account_key,
           jsonb_build_object('status', g.status), jsonb_build_object('status', _set_status.status),
           coalesce(bg_internal._event_context(), 'manual')
      FROM bg_internal.solution_interest s WHERE s.id = g.solution_interest_id;
    RETURN true;
END $$;
COMMENT ON FUNCTION bg_internal._set_status(bg_internal.buying_group, text) IS 'Internal: sets the status of a locked buying group; true when it changed.';

CREATE FUNCTION bg.set_status(buying_group bigint, status text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF char_length($2) > 50 THEN
        RAISE EXCEPTION 'status is too long (% characters)', char_length($2)
            USING ERRCODE = 'string_data_right_truncation',
                  DETAIL = 'A buying group''s status has at most 50 characters.';
    END IF;
    PERFORM bg_internal._set_status(bg_internal._group($1), $2);
END $$;
COMMENT ON FUNCTION bg.set_status(bigint, text) IS
    'Sets the free-text status of a buying group (at most 50 characters); NULL clears it.';

-- The stage history of the groups bg.buying_groups shows.
CREATE VIEW bg.stage_history WITH (security_barrier) AS
SELECT m.group_id AS buying_group, s.name AS solution_interest, m.from_stage, m.to_stage, m.moved_at, m.source
  FROM bg_internal.stage_move m
  JOIN bg_internal.buying_group g ON g.id OPERATOR(pg_catalog.=) m.group_id
  JOIN bg_internal.solution_interest s ON s.id OPERATOR(pg_catalog.=) g.solution_interest_id
 WHERE (SELECT bg_internal._sees_all('accounts'))
    OR bg_internal._visible('accounts', g.account_key)
 ORDER BY m.group_id, m.id;
COMMENT ON VIEW bg.stage_history IS 'Every change of a buying group''s stage, oldest first; only the groups of accounts you may SELECT in the bound accounts table (as bg.buying_groups).';
COMMENT ON COLUMN bg.stage_history.buying_group IS 'Buying group id.';
COMMENT ON COLUMN bg.stage_history.solution_interest IS 'Solution interest of the group.';
COMMENT ON COLUMN bg.stage_history.from_stage IS 'The stage the group left; NULL when it had none (it was created, or its solution interest got a stage model).';
COMMENT ON COLUMN bg.stage_history.to_stage IS 'The stage the group entered; NULL when it left every stage (its solution interest''s stage model was taken away).';
COMMENT ON COLUMN bg.stage_history.moved_at IS 'When the move was made (the clock time of the call; the same for every group of one call).';
COMMENT ON COLUMN bg.stage_history.source IS 'created (a creation job), manual (bg.move_stage, bg.try_move_stage, bg.move_stages) or set_stage_model.';
