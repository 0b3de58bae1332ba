-- Creation jobs: bg.create_buying_groups creates the groups of a solution
-- interest for an account list, with their rule members and scores, and
-- records the run in bg_internal.job; dropping groups; finding a group's id
-- (docs/design.md §6).
--
-- Locks (docs/design.md §6.8): a creation job and drop_buying_groups take the
-- interest lock exclusively, for the rest of the transaction, before they
-- read anything of the interest's groups; drop_buying_groups then locks the
-- groups in id order before deleting them (and, by trigger, their members).

-- Fills pg_temp.bg_new_group(gid, account_key, account_name, account_value)
-- with the accounts of a list that have no group of a solution interest yet,
-- each with the id of its new group, and analyzes it: the planner then
-- hashes these accounts (not the people) when joining the two.
CREATE FUNCTION bg_internal._new_groups(si bg_internal.solution_interest, list integer) RETURNS bigint
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT bg_internal._new_groups_of($1, 'SELECT e.account_key FROM bg_internal.account_list_entry e
                                            WHERE e.list_id = $1', $2);
$$;
COMMENT ON FUNCTION bg_internal._new_groups(bg_internal.solution_interest, integer) IS 'Internal: the new groups of a creation job, in a temporary table.';

-- The same for the account keys (canonical text) of a query, accounts,
-- with $1 = arg: those without a group of the interest get one.  The
-- accounts must exist in the bound table (an account the read does not
-- find gets no group).
CREATE FUNCTION bg_internal._new_groups_of(si bg_internal.solution_interest, accounts text, arg integer) RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg_internal.binding := bg_internal._bound('accounts');
    p bg_internal.binding := bg_internal._bound('people');
    n bigint;
BEGIN
    IF pg_catalog.to_regclass('pg_temp.bg_new_group') IS NOT NULL THEN
        DROP TABLE pg_temp.bg_new_group;      -- an earlier job of this transaction
    END IF;
    -- the accounts' names are read as the accounts' owner; ids are drawn in
    -- the order of the account keys (as values of the key column's type)
    EXECUTE format(
        'CREATE TEMPORARY TABLE bg_new_group ON COMMIT DROP AS
         WITH e AS MATERIALIZED (
           SELECT e.account_key FROM (%s) e
            WHERE NOT EXISTS (SELECT FROM bg_internal.buying_group g
                               WHERE g.solution_interest_id = $2 AND g.account_key = e.account_key))
         SELECT pg_catalog.nextval(''bg_internal.buying_group_id_seq'') AS gid, e.account_key,
                a.account_name, e.account_key::%s AS account_value
           FROM e JOIN bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L,
                                         (SELECT pg_catalog.array_agg(x.account_key) FROM e x))
                       AS a(k text, account_name text) ON a.k = e.account_key
          ORDER BY e.account_key::%s',
        accounts, bg_internal._coltype(p.relid, p.account_column), a.relid::oid,
        format('SELECT u.k, %s FROM pg_catalog.unnest($1) AS u(k) JOIN %s a ON a.%I = u.k::%s',
               bg_internal._name_sql(format('a.%I', a.name_column)), a.relid, a.key_column,
               bg_internal._coltype(a.relid, a.key_column)),
        bg_internal._coltype(a.relid, a.key_column))
        USING arg, si.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    ANALYZE pg_temp.bg_new_group;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg_internal._new_groups_of(bg_internal.solution_interest, text, integer) IS 'Internal: the new groups of the accounts of a query, in a temporary table.';

-- The groups of pg_temp.bg_new_group (bg_internal._new_groups_of), created
-- for job jid of an interest (locked by the caller): their rule members
-- (ids drawn up front) and the groups with their scores counted from those
-- rows, in the first entry stage of the interest's stage model when it has
-- one (recorded in the stage history as created).  The member
-- trigger is told the scores are stored, so it does not count them all a
-- second time; no one else sees the members before the groups.  Creation
-- jobs and imports (imports.sql) create groups this way.
CREATE FUNCTION bg_internal._create_groups(jid bigint, s bg_internal.solution_interest,
                                           OUT groups bigint, OUT members bigint)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    walk text;
    -- the first stage of the groups, when the interest has a stage model
    first_stage integer := bg_internal._entry_stage(s.stage_model_id);
    at timestamptz := clock_timestamp();
    -- the source of the group_created events: the caller's (an import's), else job
    prev text := pg_catalog.current_setting('bg.event_source', true);
    src text := coalesce(bg_internal._event_context(), 'job');
BEGIN
    -- for new groups aval is a column of an analyzed table, so the planner
    -- knows how many people it joins
    walk := bg_internal._group_walk_sql(s, 'SELECT n.gid AS root, n.account_key AS acct, n.account_value AS aval
                                     FROM pg_temp.bg_new_group n');
    PERFORM bg_internal._check_cycles(s, walk, NULL);
    -- One statement: the rule members (d, from the walk; $1 no people keys,
    -- $2 the interest), the groups with their scores and rule summaries
    -- (bg_internal._rule_members) counted from the members as they are
    -- inserted (not read back), and the groups'
    -- group_created events (docs/design.md §7.3) with their initial counts:
    -- groups are inserted only here, so no trigger and no transition table
    -- of whole group rows.  The member trigger, told the writer is a job,
    -- writes no member events: group_created counts the members.  Groups
    -- are inserted in id order (their heap and primary key filled in
    -- order; the events' sort by id then finds them sorted), and the
    -- events' values are built once per distinct set of scores
    -- (bg_internal._jsonb_object_memo): the groups of a job share few.
    PERFORM bg_internal._scores_stored(true);
    PERFORM pg_catalog.set_config('bg.event_source', 'job', true);
    EXECUTE 'WITH RECURSIVE ' || bg_internal._group_rule_members_sql(s, walk) || format(',
      m AS (
        INSERT INTO bg_internal.member (group_id, person_key, role_id, source)
        SELECT d.group_id, d.person_key, d.role_id, ''rule'' FROM d
        RETURNING group_id, person_key, role_id),
      sc AS (
        SELECT m.group_id, count(*) AS n, bg_internal._position_tally($5, %s) AS t,
               bg_internal._rule_members(m.person_key, m.role_id) AS r
          FROM m GROUP BY m.group_id),
      g AS (
        INSERT INTO bg_internal.buying_group (id, solution_interest_id, account_key, name, account_name, job_id,
                                     member_count, role_counts, completeness, role_completeness, missing_roles,
                                     stage_id, stage_entered_at, rule_members)
        SELECT y.gid, $2, y.account_key, $3 || '' for '' || coalesce(y.account_name, y.account_key),
               y.account_name, $4, y.n,
               (y.f).role_counts, (y.f).completeness, (y.f).role_completeness, (y.f).missing_roles,
               $6, CASE WHEN $6 IS NOT NULL THEN $7 END, y.r
          FROM (SELECT acc.gid, acc.account_key, acc.account_name, coalesce(sc.n, 0) AS n,
                       bg_internal._tally_scores(coalesce(sc.t, z.t)) AS f, coalesce(sc.r, z.r) AS r
                  FROM pg_temp.bg_new_group acc
                  LEFT JOIN sc ON sc.group_id = acc.gid
                 CROSS JOIN (SELECT bg_internal._position_tally($5, NULL::integer) AS t,
                                    bg_internal._rule_members(NULL::text, NULL::integer) AS r) z
                 ORDER BY acc.gid OFFSET 0) y
        RETURNING id, account_key, member_count, role_counts, completeness, missing_roles, stage_entered_at),
      e AS (
        INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, new_value, source)
        SELECT (SELECT bg_internal._event_batch()), ''group_created'', g.id, $3, g.account_key,
               bg_internal._jsonb_object_memo(''member_count'', g.member_count, ''role_counts'', g.role_counts,
                                             ''completeness'', g.completeness, ''missing_roles'', g.missing_roles,
                                             ''stage'', $8, ''stage_entered_at'', g.stage_entered_at, ''job'', $4),
               $9
          FROM g ORDER BY g.id
        RETURNING 1)
      SELECT (SELECT count(*) FROM e), (SELECT coalesce(sum(sc.n), 0) FROM sc)',
        bg_internal._role_position_map(s.template_id, 'm.role_id', false))
      INTO groups, members
      USING NULL::text[], s.id, s.name, jid, (SELECT t.name FROM bg_internal.template t WHERE t.id = s.template_id),
            first_stage, at, (SELECT x.name FROM bg_internal.stage x WHERE x.id = first_stage), src;
    PERFORM bg_internal._scores_stored(false);
    PERFORM pg_catalog.set_config('bg.event_source', coalesce(prev, ''), true);
    IF first_stage IS NOT NULL THEN
        PERFORM bg_internal._record_stage_moves(ARRAY(SELECT n.gid FROM pg_temp.bg_new_group n), NULL,
                                                (SELECT x.name FROM bg_internal.stage x WHERE x.id = first_stage),
                                                at, 'created');
    END IF;
    -- many new groups: fresh statistics, so that the per-person lookups of
    -- live mode and manual actions plan index scans right away.  Only the
    -- columns those lookups filter and join on: the score columns (jsonb,
    -- arrays) took ten times as long to sample, and autovacuum gets to them.
    IF groups >= 1000 THEN
        ANALYZE bg_internal.buying_group (id, solution_interest_id, account_key);
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._create_groups(bigint, bg_internal.solution_interest) IS 'Internal: creates the groups of pg_temp.bg_new_group with their rule members and scores.';

-- The run of a creation job (the interest locked by the caller).
CREATE FUNCTION bg_internal._run_job(jid bigint, si integer, list integer) RETURNS jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := (SELECT x FROM bg_internal.solution_interest x WHERE x.id = si);
    c record;
BEGIN
    PERFORM bg_internal._new_groups(s, list);
    c := bg_internal._create_groups(jid, s);
    UPDATE bg_internal.job SET status = 'done', groups_created = c.groups, members_added = c.members,
                      finished_at = clock_timestamp()
     WHERE id = jid;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._run_job(bigint, integer, integer) IS 'Internal: the run of a creation job (of a solution interest and an account list, by id).';

-- The run of job jid: the statement run, with $1 = jid and $2 = arg, which
-- marks the job done.  An error of the run is raised by default: the job
-- row goes with it, as every write of the statement does.  With
-- record_failure (for scheduled runs) it is caught: nothing of the run is
-- kept but the job, recorded as failed with the error, and a warning
-- carries the SQLSTATE; the result is then NULL.  Errors found before the
-- run (unknown names, unbound tables) always raise.
CREATE FUNCTION bg_internal._run_recorded(jid bigint, record_failure boolean, run text, arg anyelement) RETURNS jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    res jsonb;
    st text; msg text; det text;
BEGIN
    IF NOT record_failure THEN
        EXECUTE run INTO res USING jid, arg;
        RETURN res;
    END IF;
    BEGIN
        EXECUTE run INTO res USING jid, arg;
        RETURN res;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
        UPDATE bg_internal.job SET status = 'failed', finished_at = clock_timestamp(), error = msg, error_code = st
         WHERE id = jid;
        RAISE WARNING '% job % failed',
                      (SELECT CASE j.kind WHEN 'engagement' THEN 'engagement' ELSE 'buying group' END
                         FROM bg_internal.job j WHERE j.id = jid), jid
            USING ERRCODE = st, DETAIL = bg_internal._cause_detail(msg, det),
                  HINT = 'Nothing of the job was kept; see bg.jobs.';
    END;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._run_recorded(bigint, boolean, text, anyelement) IS 'Internal: runs a job, raising its error or, with record_failure, recording it in the job.';

CREATE FUNCTION bg.create_buying_groups(solution_interest text, account_list text,
                                        record_failure boolean DEFAULT false) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET bg.event_source = 'job' AS $$
DECLARE
    s bg_internal.solution_interest := bg_internal._interest($1);
    l bg_internal.account_list := bg_internal._list($2);
    jid bigint;
BEGIN
    IF $3 IS NULL THEN
        RAISE EXCEPTION 'record_failure must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM bg_internal._bound('people');
    PERFORM bg_internal._bound('accounts');
    IF s.include_subaccounts THEN
        PERFORM bg_internal._account_tree(s);
    END IF;
    -- Concurrent runs for one solution interest queue, so no account gets two
    -- groups; and every statement of the run sees what the writers of
    -- people that live mode tracks for this interest committed, while they
    -- wait for the new groups before re-evaluating their people (§6.8).
    s := bg_internal._lock_interest(s, true, true);
    IF l.kind = 'dynamic' THEN
        PERFORM bg.refresh_account_list(l.name);
    END IF;
    INSERT INTO bg_internal.job (solution_interest, account_list) VALUES (s.name, l.name) RETURNING id INTO jid;
    PERFORM bg_internal._run_recorded(jid, $3, 'SELECT bg_internal._run_job($1, $2[1], $2[2])', ARRAY[s.id, l.id]);
    RETURN jid;
END $$;
COMMENT ON FUNCTION bg.create_buying_groups(text, text, boolean) IS
    'Creates a buying group for every account of the list that has none for the solution interest, assigns members by the template''s conditions and records the run in bg.jobs; returns the job id. An error is raised, unless record_failure is true: then the job is recorded as failed and a warning is raised.';

CREATE FUNCTION bg.drop_buying_groups(solution_interest text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := bg_internal._lock_interest(bg_internal._interest($1), true, true);
    n bigint;
BEGIN
    -- groups in id order, as every writer of members locks them (§6.8)
    PERFORM FROM bg_internal.buying_group g WHERE g.solution_interest_id = s.id ORDER BY g.id FOR UPDATE;
    DELETE FROM bg_internal.buying_group g WHERE g.solution_interest_id = s.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg.drop_buying_groups(text) IS
    'Deletes every buying group of a solution interest with its members; returns how many groups were deleted.';

CREATE FUNCTION bg_internal._buying_group_id(s bg_internal.solution_interest, account_key text) RETURNS bigint
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT g.id FROM bg_internal.buying_group g WHERE g.solution_interest_id = s.id AND g.account_key = $2;
$$;
COMMENT ON FUNCTION bg_internal._buying_group_id(bg_internal.solution_interest, text) IS 'Internal: the id of the buying group of a solution interest for an account key (text form), or NULL.';

CREATE FUNCTION bg.buying_group_id(solution_interest text, account anyelement) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT bg_internal._buying_group_id(bg_internal._interest($1), bg_internal._key($2, 'accounts'));
$$;
COMMENT ON FUNCTION bg.buying_group_id(text, anyelement) IS
    'The id of the buying group of a solution interest for an account (a key or a row of the bound accounts), or NULL.';

-- An untyped parameter resolves to this one (never to anyelement).
CREATE FUNCTION bg.buying_group_id(solution_interest text, account text) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT bg_internal._buying_group_id(bg_internal._interest($1), bg_internal._key($2, 'accounts'));
$$;
COMMENT ON FUNCTION bg.buying_group_id(text, text) IS
    'bg.buying_group_id for an account key given as text or as an untyped parameter.';

-- bg_internal.job keeps a row per run (creation jobs and engagement
-- refreshes alike); a scheduler that runs jobs often purges the
-- old ones.  Running jobs are kept whatever their age: their run may still
-- commit (or, with record_failure, record its failure) into that row.
CREATE FUNCTION bg.purge_jobs(older_than interval) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM bg_internal._require_age($1, 'Give an age such as interval ''30 days''; interval ''0'' purges every finished job.');
    WITH d AS (DELETE FROM bg_internal.job j WHERE j.status <> 'running' AND j.finished_at <= pg_catalog.clock_timestamp() - $1
               RETURNING j.id, j.kind),
         c AS (DELETE FROM bg_internal.enrichment_change c USING d WHERE d.kind = 'enrichment' AND c.job_id = d.id)
    SELECT count(*) INTO n FROM d;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg.purge_jobs(interval) IS
    'Deletes the finished (done or failed) jobs that ended more than older_than ago, with the change log of enrichments (which can then no longer be undone); running jobs stay. Returns how many jobs were deleted.';
