-- Access levels (docs/design.md §11): reader, writer and admin, granted to
-- the user's own roles with bg.grant_access.  A level is a set of ordinary
-- PostgreSQL privileges on the API of schema bg (USAGE on the schema,
-- SELECT on views, EXECUTE on functions and aggregates); bg keeps no list of
-- its own, so what pg_dump restores, and what a DBA grants or revokes by
-- hand, is what bg.access shows.  Nothing of bg is granted to PUBLIC, and
-- nothing of schema bg_internal to anyone.

-- Every privilege a level is made of: the object (as GRANT names it), the
-- privilege, and the lowest level that has it (rank 1, 2, 3: reader, writer,
-- admin).  Functions and aggregates of bg have their level by name; those
-- named nowhere (bg.grant_access, bg.revoke_access) belong to no level:
-- superusers and the extension's owner call them.  catalog_objects.sql checks
-- that every other function of bg has a level.  A view, so that bg.access
-- reads it with its owner's rights.
CREATE VIEW bg_internal.level_privileges AS
SELECT x.classid, x.objid, x.object, x.privilege, x.level,
       CASE x.level WHEN 'reader' THEN 1 WHEN 'writer' THEN 2 WHEN 'admin' THEN 3 END AS rank
  FROM (SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass::pg_catalog.oid AS classid,
               'bg'::pg_catalog.regnamespace::pg_catalog.oid AS objid, 'SCHEMA bg' AS object,
               'USAGE' AS privilege, 'reader' AS level
        UNION ALL
        SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid, c.oid,
               pg_catalog.format('TABLE %s', c.oid::pg_catalog.regclass), 'SELECT',
               CASE WHEN c.relname OPERATOR(pg_catalog.=) 'access' THEN 'admin' ELSE 'reader' END
          FROM pg_catalog.pg_class c
         WHERE c.relnamespace OPERATOR(pg_catalog.=) 'bg'::pg_catalog.regnamespace
           AND c.relkind OPERATOR(pg_catalog.=) 'v'
        UNION ALL
        SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass::pg_catalog.oid, p.oid,
               pg_catalog.format('ROUTINE %s', p.oid::pg_catalog.regprocedure), 'EXECUTE', l.level
          FROM pg_catalog.pg_proc p
         CROSS JOIN LATERAL (SELECT CASE
            WHEN p.proname IN ('role_for', 'explain_role', 'matches', 'check_condition', 'completeness',
                               'missing_roles', 'role_completeness', 'role_counts', 'buying_group_id',
                               'engagement_raw', 'group_engagement_raw', 'acquisition_targets',
                               'buying_groups_at', 'members_at', 'history_start',
                               'predict_role', 'explain_prediction', 'evaluate_role_model',
                               'role_position', 'role_name_position', 'position_counts', 'position_counts_add',
                               'position_counts_combine',
                               'counts_role_counts', 'counts_completeness',
                               'counts_role_completeness', 'counts_missing_roles',
                               'packed_completeness', 'packed_role_completeness', 'packed_missing_roles',
                               'packed_role_position', 'packed_role_name_position', 'packed_position_counts',
                               'packed_position_counts_add', 'packed_position_counts_combine',
                               'packed_counts_completeness', 'packed_counts_role_completeness',
                               'packed_counts_missing_roles')
                THEN 'reader'
            WHEN p.proname IN ('assign_member', 'assign_members', 'set_member_role', 'remove_member',
                               'remove_members', 'create_buying_groups', 'drop_buying_groups', 'purge_jobs',
                               'sync', 'create_account_list', 'add_accounts', 'remove_accounts',
                               'refresh_account_list', 'drop_account_list', 'refresh_engagement',
                               'move_stage', 'try_move_stage', 'move_stages', 'set_status',
                               'linkedin_companies', 'linkedin_contacts', 'enrich_people', 'undo_enrichment',
                               'import_members', 'read_events', 'ack_events', 'drop_consumer',
                               'suggest_members', 'accept_suggestions', 'dismiss_suggestions')
                THEN 'writer'
            WHEN p.proname IN ('create_role', 'update_role', 'rename_role', 'drop_role', 'create_template',
                               'copy_template', 'add_role', 'remove_role', 'move_role', 'set_condition',
                               'publish_template', 'drop_template', 'bind_people', 'bind_accounts',
                               'create_solution_interest', 'drop_solution_interest', 'watch_people',
                               'set_activity_band', 'drop_activity_band', 'create_weighting_model',
                               'set_activity_weight', 'activate_weighting_model', 'drop_weighting_model',
                               'bind_activities', 'create_stage_model', 'add_stage', 'allow_transition',
                               'disallow_transition', 'publish_stage_model', 'drop_stage_model', 'set_stage_model',
                               'purge_events', 'train_role_model', 'drop_role_model', 'suggest_template')
                THEN 'admin' END AS level) l
         WHERE p.pronamespace OPERATOR(pg_catalog.=) 'bg'::pg_catalog.regnamespace AND l.level IS NOT NULL) x;
COMMENT ON VIEW bg_internal.level_privileges IS 'Internal: the privileges on schema bg that make up each access level.';

-- The role of a grant or revoke; errors for NULL and for a role that must
-- not be given levels.
CREATE FUNCTION bg_internal._access_role(role regrole) RETURNS regrole
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF role IS NULL THEN
        RAISE EXCEPTION 'role must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF role = (SELECT n.nspowner FROM pg_namespace n WHERE n.oid = 'bg_internal'::regnamespace) THEN
        RAISE EXCEPTION 'role % owns bg', role
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The extension''s owner may do everything with bg; levels are for other roles.';
    END IF;
    RETURN role;
END $$;
COMMENT ON FUNCTION bg_internal._access_role(regrole) IS 'Internal: the role of bg.grant_access or bg.revoke_access; errors when NULL or the owner.';

CREATE FUNCTION bg.revoke_access(role regrole) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r regrole := bg_internal._access_role($1);
    o record;
BEGIN
    -- one grant or revoke at a time: two transactions changing one object's
    -- privileges would fail ("tuple concurrently updated")
    PERFORM pg_catalog.pg_advisory_xact_lock(1650917377, 0);
    FOR o IN SELECT DISTINCT x.object FROM bg_internal.level_privileges x ORDER BY 1 LOOP
        EXECUTE format('REVOKE ALL ON %s FROM %s', o.object, r);
    END LOOP;
    RETURN;
END $$;
COMMENT ON FUNCTION bg.revoke_access(regrole) IS
    'Takes every privilege on bg''s API (schema bg, its views and functions) from a role, whatever level it had. Superusers and the extension''s owner call it.';

CREATE FUNCTION bg.grant_access(role regrole, level text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r regrole := bg_internal._access_role($1);
    lv text := lower(btrim($2));
    o record;
BEGIN
    IF $2 IS NULL THEN
        RAISE EXCEPTION 'level must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF NOT lv = ANY (ARRAY['reader', 'writer', 'admin']) THEN
        RAISE EXCEPTION 'unknown access level "%"', $2
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The levels are reader (views and evaluation), writer (also members, stage moves, jobs, sync, lists, engagement refreshes, imports, exports and event consumers) and admin (also roles, templates, bindings, solution interests, stage models, weighting models, role models and event purges).';
    END IF;
    -- from scratch: a lower level than before takes the rest away
    PERFORM bg.revoke_access(r);
    FOR o IN SELECT x.object, x.privilege FROM bg_internal.level_privileges x
              WHERE x.rank <= (SELECT y.rank FROM bg_internal.level_privileges y WHERE y.level = lv LIMIT 1)
              ORDER BY x.object LOOP
        EXECUTE format('GRANT %s ON %s TO %s', o.privilege, o.object, r);
    END LOOP;
    RETURN;
END $$;
COMMENT ON FUNCTION bg.grant_access(regrole, text) IS
    'Gives a role one access level to bg: reader (views, evaluation functions, aggregates, history and predictions), writer (also member actions and suggestions, creation jobs, sync, account lists, stage moves, engagement refreshes, imports, exports and event consumers) or admin (also roles, templates, bindings, solution interests, live mode, stage models, weighting models, role models and event purges). Replaces the role''s previous level. Superusers and the extension''s owner call it.';

-- The level of every role that holds a privilege on bg's API: the highest
-- level all of whose privileges it holds (granted to it directly), or NULL
-- when it holds some but no whole level (granted by hand, or an object of a
-- newer bg version not yet granted: bg.grant_access again completes it).
CREATE VIEW bg.access AS
WITH lp AS (SELECT x.classid, x.objid, x.privilege, x.rank FROM bg_internal.level_privileges x),
     acl AS (SELECT 'pg_namespace'::regclass::oid AS classid, n.oid AS objid, n.nspacl AS acl
               FROM pg_namespace n WHERE n.oid = 'bg'::regnamespace
             UNION ALL
             SELECT 'pg_class'::regclass::oid, c.oid, c.relacl FROM pg_class c
              WHERE c.relnamespace = 'bg'::regnamespace
             UNION ALL
             SELECT 'pg_proc'::regclass::oid, p.oid, p.proacl FROM pg_proc p
              WHERE p.pronamespace = 'bg'::regnamespace),
     held AS (SELECT DISTINCT a.classid, a.objid, e.grantee, e.privilege_type
                FROM acl a CROSS JOIN LATERAL aclexplode(a.acl) e
               WHERE e.grantee OPERATOR(pg_catalog.<>) 0
                 AND e.grantee OPERATOR(pg_catalog.<>) (SELECT n.nspowner FROM pg_namespace n
                                                           WHERE n.oid = 'bg_internal'::regnamespace)),
     roles AS (SELECT DISTINCT h.grantee FROM held h
                 JOIN lp ON lp.classid = h.classid AND lp.objid = h.objid)
SELECT pg_catalog.pg_get_userbyid(r.grantee)::text COLLATE pg_catalog."default" AS role,
       (SELECT CASE max(k.rank) WHEN 1 THEN 'reader' WHEN 2 THEN 'writer' WHEN 3 THEN 'admin' END
          FROM (VALUES (1), (2), (3)) k(rank)
         WHERE NOT EXISTS (SELECT FROM lp
                            WHERE lp.rank OPERATOR(pg_catalog.<=) k.rank
                              AND NOT EXISTS (SELECT FROM held h
                                               WHERE h.grantee OPERATOR(pg_catalog.=) r.grantee
                                                 AND h.classid OPERATOR(pg_catalog.=) lp.classid
                                                 AND h.objid OPERATOR(pg_catalog.=) lp.objid
                                                 AND h.privilege_type OPERATOR(pg_catalog.=) lp.privilege))) AS level
  FROM roles r
 ORDER BY 1;
COMMENT ON VIEW bg.access IS 'The roles that hold privileges on bg''s API, with their access level (bg.grant_access, bg.revoke_access).';
COMMENT ON COLUMN bg.access.role IS 'A role holding privileges on schema bg, its views or functions (granted to it directly).';
COMMENT ON COLUMN bg.access.level IS 'reader, writer or admin: the highest level of which it holds every privilege; NULL when it holds some privileges but no whole level (bg.grant_access completes it).';

-- Nothing of bg is executable by PUBLIC (PostgreSQL's default for
-- functions): callers get it through a level.  But the functions that bg's
-- views call: a view runs its functions as the role that reads it, so they
-- keep PostgreSQL's default; they cannot be named without USAGE on
-- bg_internal, and tell a role only about what it may SELECT itself: the
-- three filters (views.sql), and the activity counts of the people it may
-- SELECT (bg_internal._activity_months, engagement_views.sql).
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
              WHERE p.pronamespace OPERATOR(pg_catalog.=) ANY (ARRAY['bg'::regnamespace, 'bg_internal'::regnamespace])
                AND p.oid OPERATOR(pg_catalog.<>) ALL (ARRAY['bg_internal._sees_all(text)'::regprocedure,
                                                             'bg_internal._visible(text, text)'::regprocedure,
                                                             'bg_internal._sees_account_names()'::regprocedure,
                                                             'bg_internal._activity_months(text[])'::regprocedure]) LOOP
        EXECUTE pg_catalog.format('REVOKE EXECUTE ON ROUTINE %s FROM PUBLIC', f);
    END LOOP;
END $$;
