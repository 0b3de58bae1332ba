-- Stored engagement scores (docs/design.md §7.1): bg.refresh_engagement
-- computes every bound person's and every buying group's raw and normalised
-- score in one statement and writes the ones that changed; the
-- bg.person_engagement view shows them.

-- bg_internal.person_engagement is in tables.sql (bg.members shows its
-- scores).
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.person_engagement
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();

-- The raw score of every person of the bound activities table with a
-- counted activity (src/read_engagement.c): query (over rel, $1 = keys)
-- gives each activity's person key, type and time; it is read as rel's
-- owner, as bg_internal._read reads, and counted as it streams, so that one
-- row per person leaves the read.  raw is bg.engagement_raw's value over
-- the same rows, exactly.
CREATE FUNCTION bg_internal._read_engagement(rel regclass, query text, keys text[], as_of timestamp with time zone)
    RETURNS TABLE (k text, raw double precision)
    LANGUAGE c STABLE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_read_engagement';
COMMENT ON FUNCTION bg_internal._read_engagement(regclass, text, text[], timestamp with time zone) IS 'Internal: the raw engagement score of every person with activity, counted as the activities are read as their table''s owner.';
REVOKE EXECUTE ON FUNCTION bg_internal._read_engagement(regclass, text, text[], timestamp with time zone) FROM PUBLIC;

-- The query of the people's keys (canonical text) for bg_internal._read.
CREATE FUNCTION bg_internal._people_keys_sql(p bg_internal.binding) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('SELECT %s FROM %s p', bg_internal._key_sql(p.relid, p.key_column, format('p.%I', p.key_column)), p.relid);
$$;
COMMENT ON FUNCTION bg_internal._people_keys_sql(bg_internal.binding) IS 'Internal: the query of the bound people''s keys, for bg_internal._read.';

-- Every score of a refresh, and only the rows to write
-- (src/engagement_changes.c): the activities of the window (query act_query
-- over act, $1 = keys) counted into one raw score per person as they are
-- read as act's owner, the people's keys (people_query over people) read as
-- people's owner, and bg's stored scores, groups and members read as bg's
-- owner.  Rows: ('person', NULL, key, raw, score) to write, ('gone', NULL,
-- key) to delete, ('group', id, NULL, raw, score) to write, ('people', n)
-- and ('groups', n) the numbers read.
CREATE FUNCTION bg_internal._engagement_changes(act regclass, act_query text, keys text[], people regclass,
                                                people_query text, as_of timestamp with time zone)
    RETURNS TABLE (kind text, id bigint, k text, raw double precision, score double precision)
    LANGUAGE c STABLE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_engagement_changes';
COMMENT ON FUNCTION bg_internal._engagement_changes(regclass, text, text[], regclass, text, timestamp with time zone) IS 'Internal: the person and group engagement scores of a refresh that differ from the stored ones, computed as the bound tables are read as their owners.';
REVOKE EXECUTE ON FUNCTION bg_internal._engagement_changes(regclass, text, text[], regclass, text, timestamp with time zone) FROM PUBLIC;

-- The statement of a refresh, over the bound people (p) and activities (a)
-- tables; $1 = as_of.  bg_internal._engagement_changes computes every score
-- (the activities of the window read as a superset: it keeps exactly
-- (as_of - 30 days, as_of]) and returns the rows that changed; person raw
-- scores are exact (integer sums over 100), and so are group raw scores
-- (integer sums over 100 times the roles' weights), whatever the order of
-- the members: an unchanged score is the same double bit for bit and is not
-- written again.
CREATE FUNCTION bg_internal._refresh_engagement_sql(p bg_internal.binding, a bg_internal.activity_binding) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    -- also checks that the person column can hold keys
    key_sql text := bg_internal._key_sql(a.relid, a.person_column, format('a.%I', a.person_column));
BEGIN
    RETURN format($q$
WITH c AS MATERIALIZED (
    SELECT c.kind, c.id, c.k, c.raw, c.score
      FROM bg_internal._engagement_changes(%1$s::pg_catalog.oid::pg_catalog.regclass, %2$L, ARRAY[$1::pg_catalog.text],
                                           %3$s::pg_catalog.oid::pg_catalog.regclass, %4$L, $1) AS c),
-- only the people whose scores changed (an upsert of every person would
-- lock every stored row it leaves as it is)
wp AS (
    INSERT INTO bg_internal.person_engagement AS e (person_key, raw, score, as_of)
    SELECT c.k, c.raw, c.score, $1 FROM c WHERE c.kind OPERATOR(pg_catalog.=) 'person'
        ON CONFLICT (person_key) DO UPDATE SET raw = excluded.raw, score = excluded.score, as_of = excluded.as_of
    RETURNING 1),
dp AS (
    DELETE FROM bg_internal.person_engagement e USING c
     WHERE c.kind OPERATOR(pg_catalog.=) 'gone' AND e.person_key OPERATOR(pg_catalog.=) c.k
    RETURNING 1),
-- the groups to write, locked in id order, as every other writer of
-- several groups locks them (no deadlock with bg.sync or a creation job)
lk AS (
    SELECT g.id, c.raw, c.score, g.engagement_raw AS old_raw, g.engagement_score AS old_score,
           g.solution_interest_id, g.account_key
      FROM bg_internal.buying_group g JOIN c ON c.id OPERATOR(pg_catalog.=) g.id
     WHERE c.kind OPERATOR(pg_catalog.=) 'group'
       AND (g.engagement_raw, g.engagement_score) IS DISTINCT FROM (c.raw, c.score)
     ORDER BY g.id
       FOR NO KEY UPDATE OF g),
wg AS (
    UPDATE bg_internal.buying_group g
       SET engagement_raw = lk.raw, engagement_score = lk.score, engagement_as_of = $1
      FROM lk
     WHERE g.id OPERATOR(pg_catalog.=) lk.id
    RETURNING 1),
-- engagement_changed for every group written (docs/design.md §7.3): old and
-- new raw and normalised scores; a refresh is a job.  Run to completion
-- like every data-modifying WITH, though nothing reads it.
ev AS (
    INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, old_value, new_value, source)
    SELECT (SELECT bg_internal._event_batch()), 'engagement_changed', lk.id, s.name, lk.account_key,
           pg_catalog.jsonb_build_object('engagement_raw', lk.old_raw, 'engagement_score', lk.old_score),
           pg_catalog.jsonb_build_object('engagement_raw', lk.raw, 'engagement_score', lk.score, 'as_of', $1),
           'job'
      FROM lk JOIN bg_internal.solution_interest s ON s.id OPERATOR(pg_catalog.=) lk.solution_interest_id
     ORDER BY lk.id
    RETURNING 1)
SELECT (SELECT c.id FROM c WHERE c.kind OPERATOR(pg_catalog.=) 'people'),
       (SELECT c.id FROM c WHERE c.kind OPERATOR(pg_catalog.=) 'groups'),
       (SELECT pg_catalog.count(*) FROM wp), (SELECT pg_catalog.count(*) FROM wg), (SELECT pg_catalog.count(*) FROM dp)$q$,
        a.relid::oid,
        -- the bounds are InitPlans: the text of as_of is cast once, not per
        -- row; an integer key is read as bigint (its text made once per person)
        format('SELECT %s, a.%I::pg_catalog.text, a.%I FROM %s a
                 WHERE a.%3$I > (SELECT ($1[1])::pg_catalog.timestamptz - interval ''721 hours'')
                   AND a.%3$I <= (SELECT ($1[1])::pg_catalog.timestamptz)',
               CASE WHEN bg_internal._key_family(bg_internal._coltype(a.relid, a.person_column)::pg_catalog.regtype)
                         OPERATOR(pg_catalog.=) 'integer'
                    THEN format('(a.%I)::pg_catalog.int8', a.person_column)
                    ELSE key_sql END,
               a.type_column, a.at_column, a.relid),
        p.relid::oid,
        CASE WHEN bg_internal._key_family(bg_internal._coltype(p.relid, p.key_column)::pg_catalog.regtype)
                  OPERATOR(pg_catalog.=) 'integer'
             THEN format('SELECT (p.%I)::pg_catalog.int8 FROM %s p', p.key_column, p.relid)
             ELSE bg_internal._people_keys_sql(p) END);
END $$;
COMMENT ON FUNCTION bg_internal._refresh_engagement_sql(bg_internal.binding, bg_internal.activity_binding) IS 'Internal: the statement of bg.refresh_engagement.';

-- Errors unless every key of the bound people table (of binding p) is
-- unique: scores are stored per person.
CREATE FUNCTION bg_internal._require_unique_people(p bg_internal.binding) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    dup text;
BEGIN
    SELECT r.k INTO dup FROM bg_internal._read(p.relid, bg_internal._people_keys_sql(p)) AS r(k text)
     GROUP BY r.k HAVING count(*) > 1 ORDER BY r.k LIMIT 1;
    IF dup IS NOT NULL THEN
        RAISE EXCEPTION 'key column "%" of the bound people table % is not unique', p.key_column, p.relid
            USING ERRCODE = 'unique_violation',
                  DETAIL = format('Key %s occurs more than once; engagement scores are stored per person.', dup),
                  HINT = format('Add a unique constraint: ALTER TABLE %s ADD UNIQUE (%I).', p.relid, p.key_column);
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._require_unique_people(bg_internal.binding) IS 'Internal: errors when a key of the bound people table occurs twice.';

-- The run of engagement job jid (bg_internal._run_recorded): the statement,
-- then the job marked done.  An engagement job creates no groups and adds
-- no members: its groups_created and members_added stay 0; what it wrote
-- is in its result.  A people key twice leaves fewer stored rows than
-- people read (bg_internal._engagement_changes returns a key once): the
-- keys are then read again for a clear error.
CREATE FUNCTION bg_internal._run_refresh(jid bigint, as_of timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    people bigint; groups bigint; people_changed bigint; groups_changed bigint; people_dropped bigint;
BEGIN
    BEGIN
        EXECUTE bg_internal._refresh_engagement_sql(p, (SELECT a FROM bg_internal.activity_binding a))
           INTO people, groups, people_changed, groups_changed, people_dropped
          USING as_of;
    EXCEPTION WHEN cardinality_violation THEN
        PERFORM bg_internal._require_unique_people(p);
        RAISE;
    END;
    IF people <> (SELECT count(*) FROM bg_internal.person_engagement) THEN
        PERFORM bg_internal._require_unique_people(p);
    END IF;
    UPDATE bg_internal.job SET status = 'done', finished_at = clock_timestamp() WHERE id = jid;
    RETURN jsonb_build_object('people', people, 'groups', groups,
                              'people_written', people_changed + people_dropped, 'groups_written', groups_changed);
END $$;
COMMENT ON FUNCTION bg_internal._run_refresh(bigint, timestamp with time zone) IS 'Internal: the run of an engagement job.';

-- Each refresh is a job of kind engagement in bg.jobs, its failures recorded
-- as a creation job's are (bg.create_buying_groups).
CREATE FUNCTION bg.refresh_engagement(as_of timestamp with time zone DEFAULT pg_catalog.now(),
                                      record_failure boolean DEFAULT false) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    jid bigint;
    res jsonb;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'as_of must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT isfinite($1) THEN
        RAISE EXCEPTION 'as_of must be finite, not %', $1
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Scores are of the 30 days up to a point in time, such as now().';
    END IF;
    IF $2 IS NULL THEN
        RAISE EXCEPTION 'record_failure must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- one refresh at a time; the active model and the binding stay as read
    LOCK TABLE bg_internal.person_engagement IN SHARE ROW EXCLUSIVE MODE;
    LOCK TABLE bg_internal.weighting_model, bg_internal.activity_binding IN SHARE MODE;
    IF NOT EXISTS (SELECT FROM bg_internal.activity_binding) THEN
        RAISE EXCEPTION 'no activities table is bound'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Bind it with bg.bind_activities(''schema.table'', person => ..., type => ..., at => ...).';
    END IF;
    IF NOT EXISTS (SELECT FROM bg_internal.weighting_model m WHERE m.status = 'active') THEN
        RAISE EXCEPTION 'no weighting model is active'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Activate one with bg.activate_weighting_model(name).';
    END IF;
    PERFORM bg_internal._bound('people');
    INSERT INTO bg_internal.job (kind) VALUES ('engagement') RETURNING id INTO jid;
    res := bg_internal._run_recorded(jid, $2, 'SELECT bg_internal._run_refresh($1, $2)', $1);
    RETURN jsonb_build_object('job', jid) || coalesce(res, '{}')
           || jsonb_build_object('ms', round(extract(epoch FROM clock_timestamp() - t0) * 1000)::bigint);
END $$;
COMMENT ON FUNCTION bg.refresh_engagement(timestamp with time zone, boolean) IS
    'Computes and stores the engagement scores of every bound person and buying group as of as_of (docs/design.md §7.1), writing only the rows whose scores changed, and records the run in bg.jobs (kind engagement); returns {"job", "people", "groups", "people_written", "groups_written", "ms"}. An error is raised, unless record_failure is true: then the job is recorded as failed, a warning is raised and the result is {"job", "ms"}.';

-- The people the querying role may SELECT in the bound people table (as
-- bg.members).
CREATE VIEW bg.person_engagement WITH (security_barrier) AS
SELECT e.person_key, e.raw, e.score, e.as_of
  FROM bg_internal.person_engagement e
 WHERE (SELECT bg_internal._sees_all('people'))
    OR bg_internal._visible('people', e.person_key);
COMMENT ON VIEW bg.person_engagement IS 'Engagement scores of the bound people as of the last bg.refresh_engagement; relative to the population of that refresh. Only the people you may SELECT in the bound people table.';
COMMENT ON COLUMN bg.person_engagement.person_key IS 'Key of the person, as canonical text (join as bg.members.person_key).';
COMMENT ON COLUMN bg.person_engagement.raw IS 'Raw score R(p): per activity type and UTC day of the 30 days up to as_of, at most 20 activities, times the active model''s weight / 100.';
COMMENT ON COLUMN bg.person_engagement.score IS 'Score 0..100: 100 × sqrt(raw) / the largest sqrt(raw) of all people at the last refresh; 0 when nobody has activity.';
COMMENT ON COLUMN bg.person_engagement.as_of IS 'The as_of of the refresh that last changed this row (a refresh does not rewrite unchanged scores).';
