-- Stored scores: every buying group's member count, role counts,
-- completeness, role completeness and missing roles, kept equal to the
-- scoring aggregates over its current members by statement triggers on
-- bg_internal.member, in the same transaction as every change (docs/design.md §6).
--
-- Locks (docs/design.md §6.8): a statement that changes members locks their
-- groups' rows in id order (FOR NO KEY UPDATE) before it recounts them, and
-- only then checks that the groups exist: a member written while its group
-- is being deleted waits for the delete and then fails, instead of
-- outliving the group.  bg's operations hold these locks already.

-- The raw role tally of a group, counted from role positions (1 = first by
-- priority), and the four stored scores computed from it in one call.
CREATE FUNCTION bg_internal._tally_position(bg.role_tally, text, integer) RETURNS bg.role_tally
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_tally_position_trans';
COMMENT ON FUNCTION bg_internal._tally_position(bg.role_tally, text, integer) IS 'Internal: transition of bg_internal._position_tally.';
CREATE AGGREGATE bg_internal._position_tally(template text, role_position integer) (
    SFUNC = bg_internal._tally_position, STYPE = bg.role_tally, COMBINEFUNC = bg_internal._tally_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE bg_internal._position_tally(text, integer) IS 'Internal: the role counts of a group, as a bg.role_tally.';
CREATE FUNCTION bg_internal._tally_scores(bg.role_tally, OUT role_counts jsonb, OUT completeness double precision,
                                 OUT role_completeness jsonb, OUT missing_roles text[])
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_tally_scores';
COMMENT ON FUNCTION bg_internal._tally_scores(bg.role_tally) IS 'Internal: the stored scores of a group from its role tally.';

-- A group's rule summary (bg_internal.buying_group.rule_members,
-- src/rule_summary.h) from its rule members that are not removed: exact,
-- the same members always give the same bytes; no rows give the summary of
-- no members.
CREATE FUNCTION bg_internal._rule_members_add(internal, text, integer) RETURNS internal
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_rule_members_add';
COMMENT ON FUNCTION bg_internal._rule_members_add(internal, text, integer) IS 'Internal: transition of bg_internal._rule_members.';
CREATE FUNCTION bg_internal._rule_members_final(internal) RETURNS bytea
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_rule_members_final';
COMMENT ON FUNCTION bg_internal._rule_members_final(internal) IS 'Internal: final function of bg_internal._rule_members.';
CREATE AGGREGATE bg_internal._rule_members(person_key text, role_id integer) (
    SFUNC = bg_internal._rule_members_add, STYPE = internal, FINALFUNC = bg_internal._rule_members_final, PARALLEL = SAFE,
    FINALFUNC_EXTRA = false);
COMMENT ON AGGREGATE bg_internal._rule_members(text, integer) IS 'Internal: the rule summary of a group, from its rule members that are not removed.';

CREATE FUNCTION bg_internal._scores_stored("on" boolean) RETURNS void
    LANGUAGE c STRICT PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_set_scores_stored';
COMMENT ON FUNCTION bg_internal._scores_stored(boolean) IS 'Internal: marks the next member insert as storing its groups'' scores itself.';
CREATE FUNCTION bg_internal._take_scores_stored() RETURNS boolean
    LANGUAGE c PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_take_scores_stored';
COMMENT ON FUNCTION bg_internal._take_scores_stored() IS 'Internal: reads and clears the mark set by bg_internal._scores_stored.';

-- The statement of bg_internal._rescore that recounts the groups $1
-- (bigint[]), their rows locked: their scores and rule summaries (a group
-- whose scores are the same but whose rule members changed keeps its
-- updated_at), and completeness_changed for the groups whose completeness
-- changed (old reads what the update replaces).
CREATE FUNCTION bg_internal._rescore_sql() RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '
    WITH old AS (SELECT x.id, x.completeness FROM bg_internal.buying_group x WHERE x.id = ANY ($1)),
    upd AS (
    UPDATE bg_internal.buying_group g
       SET member_count = s.member_count,
           role_counts = (s.f).role_counts,
           completeness = (s.f).completeness,
           role_completeness = (s.f).role_completeness,
           missing_roles = (s.f).missing_roles,
           rule_members = s.rule_members,
           updated_at = CASE WHEN (g.member_count, g.role_counts) IS DISTINCT FROM (s.member_count, (s.f).role_counts)
                             THEN now() ELSE g.updated_at END
      FROM (SELECT y.id, y.member_count, y.rule_members, bg_internal._tally_scores(y.tally) AS f FROM (
            SELECT x.id, count(m.role_id)::integer AS member_count,
                   bg_internal._position_tally(t.name, x2.pos::integer) AS tally,
                   bg_internal._rule_members(m.person_key, m.role_id) FILTER (WHERE m.source = ''rule'') AS rule_members
              FROM bg_internal.buying_group x
              JOIN bg_internal.solution_interest si ON si.id = x.solution_interest_id
              JOIN bg_internal.template t ON t.id = si.template_id
              LEFT JOIN bg_internal.member m ON m.group_id = x.id AND NOT m.is_removed
              LEFT JOIN (SELECT y.template_id, y.role_id,
                                row_number() OVER (PARTITION BY y.template_id ORDER BY y.priority) AS pos
                           FROM bg_internal.template_role y) x2
                     ON x2.template_id = si.template_id AND x2.role_id = m.role_id
             WHERE x.id = ANY ($1)
             GROUP BY x.id, t.name) y OFFSET 0) s
     WHERE g.id = s.id
       AND (g.member_count, g.role_counts, g.rule_members) IS DISTINCT FROM
           (s.member_count, (s.f).role_counts, s.rule_members)
    RETURNING g.id, g.solution_interest_id, g.account_key, g.completeness)
    INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, old_value, new_value, source)
    SELECT (SELECT bg_internal._event_batch()), ''completeness_changed'', u.id, si.name, u.account_key,
           jsonb_build_object(''completeness'', o.completeness), jsonb_build_object(''completeness'', u.completeness),
           coalesce((SELECT bg_internal._event_context()), ''manual'')
      FROM upd u JOIN old o ON o.id = u.id
      JOIN bg_internal.solution_interest si ON si.id = u.solution_interest_id
     WHERE o.completeness IS DISTINCT FROM u.completeness
     ORDER BY u.id';
$$;
COMMENT ON FUNCTION bg_internal._rescore_sql() IS 'Internal: SQL of the recount of stored scores.';

-- Recomputes the stored scores of the given groups in one statement.  The
-- groups are locked first, in id order: a concurrent writer of the same
-- group waits, then (READ COMMITTED) counts with a snapshot that includes
-- the other's committed members, so the last writer stores the exact scores.
-- In live mode (a few groups, bg's owner) the statement's plan is kept
-- (src/plan_cache.c): planning it cost more than running it.
CREATE FUNCTION bg_internal._rescore(groups bigint[]) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- a statement that changed no member (live mode's apply fires the insert
    -- and update triggers whatever it wrote) has nothing to recount
    IF coalesce(cardinality(groups), 0) = 0 THEN
        RETURN;
    END IF;
    -- "= ANY (groups)": an index scan even in the plan PL/pgSQL keeps
    PERFORM FROM bg_internal.buying_group g
      WHERE g.id = ANY (groups)
      ORDER BY g.id FOR NO KEY UPDATE;
    IF cardinality(groups) <= 100 AND bg_internal._event_context() = 'live' THEN
        IF NOT bg_internal._plan_ready('rescore') THEN
            PERFORM bg_internal._plan_set('rescore', bg_internal._rescore_sql(), '{bigint[]}');
        END IF;
        PERFORM count(*) FROM bg_internal._plan_run('rescore', groups) AS x(one integer);
    ELSE
        EXECUTE bg_internal._rescore_sql() USING groups;
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._rescore(bigint[]) IS 'Internal: recomputes the stored scores of buying groups from their members.';

-- Errors for a member row outside bg's rules (bg_internal.member has no foreign
-- keys): a group that does not exist, or a role not in its template.
CREATE FUNCTION bg_internal._reject_member(group_id bigint, existing bigint, role_id integer, role text, template text)
    RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF group_id IS NULL THEN
        RETURN;
    ELSIF existing IS NULL THEN
        RAISE EXCEPTION 'buying group % does not exist', group_id
            USING ERRCODE = 'foreign_key_violation', HINT = 'The buying groups are listed in bg.buying_groups.';
    ELSE
        RAISE EXCEPTION 'role "%" is not in roles template "%"', coalesce(role, 'id ' || role_id), template
            USING ERRCODE = 'undefined_object',
                  DETAIL = format('A member of buying group %s was given it.', group_id),
                  HINT = 'The roles of a template are listed in bg.template_roles.';
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._reject_member(bigint, bigint, integer, text, text) IS 'Internal: errors for a member row outside bg''s rules.';

-- pg_restore loads bg's tables in name order (bg_internal.member has no foreign keys
-- to order it after the catalog it refers to), with triggers on; the data
-- it loads was consistent when dumped.  Dumps run with
-- check_function_bodies off, the setting PostgreSQL documents for loading
-- them, so the member triggers and the DDL guard stand aside then.  Any
-- user can turn that setting off, but only a superuser's session restores
-- bg (CREATE EXTENSION bg needs one), so only there does it count.
CREATE FUNCTION bg_internal._restoring() RETURNS boolean
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_restoring';
COMMENT ON FUNCTION bg_internal._restoring() IS 'Internal: whether a superuser''s session is loading a dump (check_function_bodies is off).';

-- The check of the new rows of a statement on bg_internal.member (its
-- transition table new_rows): the first row whose group does not exist or
-- whose role is not in its group's template, with the group's existence and
-- the names of role and template, or none.  A CTE is planned to be read to
-- the end (as it is when every row is right): hash joins, not a LIMIT 1's
-- index probes per row.
CREATE FUNCTION bg_internal._member_check_sql() RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '
        WITH b AS MATERIALIZED (
            SELECT n.group_id, n.role_id, g.id AS existing, si.template_id
              FROM new_rows n
              LEFT JOIN bg_internal.buying_group g ON g.id = n.group_id
              LEFT JOIN bg_internal.solution_interest si ON si.id = g.solution_interest_id
             WHERE NOT EXISTS (SELECT FROM bg_internal.template_role x
                                WHERE x.template_id = si.template_id AND x.role_id = n.role_id))
        SELECT b.group_id, b.role_id, b.existing, r.name AS role, t.name AS template
          FROM (SELECT * FROM b LIMIT 1) b
          LEFT JOIN bg_internal.template t ON t.id = b.template_id
          LEFT JOIN bg_internal.role r ON r.id = b.role_id';
$$;
COMMENT ON FUNCTION bg_internal._member_check_sql() IS 'Internal: SQL of the check of the new member rows of a statement.';

-- The member triggers, in C (src/score_trigger.c): a statement that wrote
-- no member, or whose scores a creation job stores itself, returns at once;
-- one of at most 100 rows a side recounts its groups (by the kept
-- statements of bg_internal._rescore in live mode) and checks its new rows
-- by a statement kept over its transition table; any other firing is
-- bg_internal._members_changed_general's.
CREATE FUNCTION bg_internal._members_changed() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bg_members_changed';
COMMENT ON FUNCTION bg_internal._members_changed() IS 'Internal: keeps stored scores exact after each statement that changes members.';

CREATE FUNCTION bg_internal._members_changed_general() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad record;
BEGIN
    IF bg_internal._restoring() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' AND bg_internal._take_scores_stored() THEN
        RETURN NULL;        -- bg.create_buying_groups stores them with the groups
    END IF;
    -- a statement that wrote no member (live mode's apply fires the insert
    -- and the update triggers whatever it wrote) has nothing to check
    -- (nested: only these triggers have new_rows)
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF NOT EXISTS (SELECT FROM new_rows) THEN
            RETURN NULL;
        END IF;
    END IF;
    -- recount first: that locks the groups, so the check below sees a group
    -- that a concurrent transaction deleted (and the error undoes the recount)
    IF TG_OP = 'INSERT' THEN
        PERFORM bg_internal._rescore(ARRAY(SELECT DISTINCT n.group_id FROM new_rows n));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM bg_internal._rescore(ARRAY(SELECT n.group_id FROM new_rows n UNION SELECT o.group_id FROM old_rows o));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM bg_internal._rescore(ARRAY(SELECT DISTINCT o.group_id FROM old_rows o));
    ELSE
        PERFORM bg_internal._rescore(ARRAY(SELECT g.id FROM bg_internal.buying_group g));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE bg_internal._member_check_sql() INTO bad;
        PERFORM bg_internal._reject_member(bad.group_id, bad.existing, bad.role_id, bad.role, bad.template);
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._members_changed_general() IS 'Internal: the member triggers'' path for the statements their C function does not take.';
CREATE TRIGGER member_inserted AFTER INSERT ON bg_internal.member REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._members_changed();
CREATE TRIGGER member_updated AFTER UPDATE ON bg_internal.member REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._members_changed();
CREATE TRIGGER member_deleted AFTER DELETE ON bg_internal.member REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._members_changed();
CREATE TRIGGER member_truncated AFTER TRUNCATE ON bg_internal.member
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._members_changed();

-- Members, the stage history and the suggestions (suggestions.sql) go with
-- their group.
CREATE FUNCTION bg_internal._groups_deleted() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF bg_internal._restoring() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM bg_internal.member;      -- (TRUNCATE here would fail when both are truncated together)
        DELETE FROM bg_internal.stage_move;
        DELETE FROM bg_internal.suggestion;
    ELSE
        DELETE FROM bg_internal.member m WHERE m.group_id IN (SELECT o.id FROM old_rows o);
        DELETE FROM bg_internal.stage_move m WHERE m.group_id IN (SELECT o.id FROM old_rows o);
        DELETE FROM bg_internal.suggestion m WHERE m.group_id IN (SELECT o.id FROM old_rows o);
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._groups_deleted() IS 'Internal: deletes the members, the stage history and the suggestions of deleted buying groups.';
CREATE TRIGGER group_deleted AFTER DELETE ON bg_internal.buying_group REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._groups_deleted();
CREATE TRIGGER group_truncated AFTER TRUNCATE ON bg_internal.buying_group
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._groups_deleted();

-- Stored role names follow a renamed role.
CREATE FUNCTION bg_internal._role_renamed() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._rescore(ARRAY(
        SELECT g.id FROM bg_internal.buying_group g
          JOIN bg_internal.solution_interest si ON si.id = g.solution_interest_id
         WHERE si.template_id IN (SELECT x.template_id FROM bg_internal.template_role x
                                   WHERE x.role_id IN (SELECT n.id FROM new_rows n))));
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._role_renamed() IS 'Internal: refreshes stored scores after a role is renamed.';
CREATE TRIGGER role_renamed AFTER UPDATE ON bg_internal.role REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._role_renamed();
