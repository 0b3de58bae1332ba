-- History (docs/design.md §7.4): the buying groups and members as they were
-- at a past time, from the current rows and the events committed since,
-- back to the newest purged event.
--
-- Both functions run as their caller over bg.events, bg.members and
-- bg.buying_groups, so they show what those views show the caller: the
-- state at time at is the current state with every later event undone (a
-- member's or group's state before its first event after at).  Scores are
-- counted from the members shown, by bg's aggregates.

CREATE FUNCTION bg.history_start() RETURNS timestamptz
    LANGUAGE sql SECURITY DEFINER STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT max(c.held_from) FROM bg_internal.event_clock c;
$$;
COMMENT ON FUNCTION bg.history_start() IS
    'The earliest time bg.buying_groups_at and bg.members_at reproduce: the commit time of the newest purged event, or when bg 0.3.0 was installed by an update (NULL: since CREATE EXTENSION).';

CREATE FUNCTION bg.members_at(at timestamptz)
    RETURNS TABLE (buying_group bigint, solution_interest text, account_key text, person_key text, role text,
                   source text, is_removed boolean, added_at timestamptz, removed_at timestamptz,
                   person_engagement double precision)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    since timestamptz := bg.history_start();
BEGIN
    IF at IS NULL THEN
        RAISE EXCEPTION 'at must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF at < since THEN
        RAISE EXCEPTION 'history before % is not held', since
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('at is %s.', at),
                  HINT = 'bg.purge_events deleted the older events (or they were written before bg 0.3.0); bg.history_start() is the earliest time held.';
    END IF;
    RETURN QUERY
    WITH later AS (SELECT e.* FROM bg.events e WHERE e.committed_at > at),
    -- the groups that existed at time at: current ones created by then, and
    -- deleted ones, except those whose creation committed after at
    grp AS (
        SELECT g.id, g.solution_interest, g.account_key FROM bg.buying_groups g
         WHERE g.created_at <= at
        UNION ALL
        SELECT e.buying_group, e.solution_interest, e.account_key FROM later e
         WHERE e.kind = 'group_deleted' AND (e.old_value ->> 'created_at')::timestamptz <= at),
    alive AS (
        SELECT x.* FROM grp x
         WHERE NOT EXISTS (SELECT FROM later e WHERE e.kind = 'group_created' AND e.buying_group = x.id)),
    -- per member changed since: its state before the first change
    first AS (
        SELECT DISTINCT ON (e.buying_group, e.person_key) e.buying_group, e.person_key, e.old_value
          FROM later e WHERE e.person_key IS NOT NULL
         ORDER BY e.buying_group, e.person_key, e.id)
    SELECT a.id, a.solution_interest, a.account_key, f.person_key, f.old_value ->> 'role', f.old_value ->> 'source',
           (f.old_value ->> 'is_removed')::boolean, (f.old_value ->> 'added_at')::timestamptz,
           (f.old_value ->> 'removed_at')::timestamptz, NULL::double precision
      FROM first f JOIN alive a ON a.id = f.buying_group
     WHERE f.old_value IS NOT NULL
    UNION ALL
    SELECT a.id, a.solution_interest, a.account_key, m.person_key, m.role, m.source, m.is_removed, m.added_at,
           m.removed_at, NULL::double precision
      FROM bg.members m JOIN alive a ON a.id = m.buying_group
     WHERE NOT EXISTS (SELECT FROM first f WHERE f.buying_group = m.buying_group AND f.person_key = m.person_key);
END $$;
COMMENT ON FUNCTION bg.members_at(timestamp with time zone) IS
    'The members of buying groups (the columns of bg.members; person_engagement NULL) as they were at time at, back to bg.history_start(); those bg.members and bg.events show you.';

CREATE FUNCTION bg.buying_groups_at(at timestamptz)
    RETURNS TABLE (id bigint, name text, solution_interest text, account_key text, account_name text,
                   member_count integer, completeness double precision, role_completeness jsonb,
                   missing_roles text[], created_at timestamptz, updated_at timestamptz, role_counts jsonb,
                   template text, engagement_raw double precision, engagement_score double precision,
                   engagement_as_of timestamptz, stage text, stage_entered_at timestamptz, status text)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    -- the current members at time at (bg.members_at checks at)
    gs bigint[];
    rs text[];
BEGIN
    SELECT array_agg(m.buying_group), array_agg(m.role) INTO gs, rs FROM bg.members_at(at) m WHERE NOT m.is_removed;
    RETURN QUERY
    WITH later AS (SELECT e.* FROM bg.events e WHERE e.committed_at > at),
    upto AS (SELECT e.* FROM bg.events e WHERE e.committed_at <= at AND e.kind IN ('group_created', 'stage_changed')),
    grp AS (
        SELECT g.id, g.name, g.solution_interest, g.account_key, g.account_name, g.created_at, g.updated_at,
               g.template, g.stage, g.stage_entered_at, g.status
          FROM bg.buying_groups g
         WHERE g.created_at <= at
        UNION ALL
        SELECT e.buying_group, e.solution_interest || ' for ' || e.account_key, e.solution_interest, e.account_key,
               NULL, (e.old_value ->> 'created_at')::timestamptz, (e.old_value ->> 'updated_at')::timestamptz,
               s.template, e.old_value ->> 'stage', (e.old_value ->> 'stage_entered_at')::timestamptz,
               e.old_value ->> 'status'
          FROM later e LEFT JOIN bg.solution_interests s ON s.name = e.solution_interest
         WHERE e.kind = 'group_deleted' AND (e.old_value ->> 'created_at')::timestamptz <= at),
    alive AS (
        SELECT x.* FROM grp x
         WHERE NOT EXISTS (SELECT FROM later e WHERE e.kind = 'group_created' AND e.buying_group = x.id)),
    stage_then AS (
        SELECT DISTINCT ON (e.buying_group) e.buying_group, e.old_value ->> 'stage' AS stage
          FROM later e WHERE e.kind = 'stage_changed' ORDER BY e.buying_group, e.id),
    entered AS (
        SELECT DISTINCT ON (e.buying_group) e.buying_group, (e.new_value ->> 'stage_entered_at')::timestamptz AS at
          FROM upto e ORDER BY e.buying_group, e.id DESC),
    status_then AS (
        SELECT DISTINCT ON (e.buying_group) e.buying_group, e.old_value ->> 'status' AS status
          FROM later e WHERE e.kind = 'status_changed' ORDER BY e.buying_group, e.id),
    scores AS (
        SELECT a.id, count(m.role)::integer AS n,
               bg.role_counts(a.template, m.role) AS rc, bg.completeness(a.template, m.role) AS c,
               bg.role_completeness(a.template, m.role) AS rcp, bg.missing_roles(a.template, m.role) AS mr
          FROM alive a
          LEFT JOIN unnest(gs, rs) AS m(buying_group, role) ON m.buying_group = a.id
         GROUP BY a.id, a.template)
    SELECT a.id, a.name, a.solution_interest, a.account_key, a.account_name, s.n, s.c, s.rcp, s.mr,
           a.created_at, a.updated_at, s.rc, a.template, NULL::double precision, NULL::double precision,
           NULL::timestamptz,
           CASE WHEN st.buying_group IS NULL THEN a.stage ELSE st.stage END,
           CASE WHEN st.buying_group IS NULL THEN a.stage_entered_at
                WHEN st.stage IS NULL THEN NULL ELSE en.at END,
           CASE WHEN su.buying_group IS NULL THEN a.status ELSE su.status END
      FROM alive a
      JOIN scores s ON s.id = a.id
      LEFT JOIN stage_then st ON st.buying_group = a.id
      LEFT JOIN entered en ON en.buying_group = a.id
      LEFT JOIN status_then su ON su.buying_group = a.id;
END $$;
COMMENT ON FUNCTION bg.buying_groups_at(timestamp with time zone) IS
    'The buying groups (the columns of bg.buying_groups) as they were at time at, back to bg.history_start(): members, scores counted from them, stage and status; engagement NULL, names as now. Those bg.buying_groups and bg.events show you.';
