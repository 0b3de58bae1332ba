-- bg.sync: re-evaluating the rule members of existing buying groups of
-- solution interests with update_existing (docs/design.md §6).
--
-- Locks (docs/design.md §6.8): the interest lock in shared mode (it waits for
-- a running creation job or drop of the interest's groups), then the rows
-- of the groups it changes, in id order, then their member rows.  A sync
-- with nothing to change takes no row lock and writes nothing.

CREATE FUNCTION bg.sync(solution_interest text DEFAULT NULL) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET bg.event_source = 'sync' AS $$
DECLARE
    s bg_internal.solution_interest;
    r jsonb;
    total jsonb := '{"groups": 0, "added": 0, "removed": 0, "changed": 0}';
BEGIN
    IF $1 IS NOT NULL THEN
        s := bg_internal._interest($1);
        IF NOT s.update_existing THEN
            RAISE EXCEPTION 'solution interest "%" does not update existing buying groups', s.name
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Only solution interests created with update_existing => true are synced.';
        END IF;
    END IF;
    FOR s IN SELECT * FROM bg_internal.solution_interest x
              WHERE x.update_existing AND ($1 IS NULL OR x.name = $1) ORDER BY x.id LOOP
        IF EXISTS (SELECT FROM bg_internal.buying_group g WHERE g.solution_interest_id = s.id) THEN
            r := bg_internal._sync(s, NULL);
            SELECT jsonb_object_agg(k, (total ->> k)::bigint + (r ->> k)::bigint) INTO total
              FROM jsonb_object_keys(total) AS k;
        END IF;
    END LOOP;
    RETURN total;
END $$;
COMMENT ON FUNCTION bg.sync(text) IS
    'Re-evaluates the buying groups of one (or every) solution interest with update_existing: new matches join, rule members that no longer match leave; manual and imported members stay. Returns {"groups", "added", "removed", "changed"}.';

-- The groups of a solution interest (id $2, name $4) whose stored name or
-- account name differs from the bound account's current name, with the
-- names they should have; $3 (group ids) bounds it when not NULL (the
-- parameters of bg_internal._sync's statements), or always when bounded (a
-- statement kept with a generic plan, which could not drop the "$3 IS
-- NULL OR" branch and would read every group).  A group whose account is
-- gone keeps its names.  Names are read through the column's output
-- function, as a creation job reads them.  NULL when no accounts are bound
-- (then there are no groups).
CREATE FUNCTION bg_internal._group_names_sql(bounded boolean DEFAULT false) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg_internal.binding;
    bound_h text := '($3 IS NULL OR h.id = ANY ($3))';
    bound_g text := '($3 IS NULL OR g.id = ANY ($3))';
BEGIN
    SELECT * INTO a FROM bg_internal.binding b WHERE b.kind = 'accounts';
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF bounded THEN
        bound_h := 'h.id = ANY ($3)';
        bound_g := 'g.id = ANY ($3)';
    END IF;
    RETURN format(
        'SELECT x.id, x.name, x.account_name
           FROM (SELECT g.id, g.name AS old_name, g.account_name AS old_account_name,
                        $4 || '' for '' || coalesce(y.account_name, g.account_key) AS name, y.account_name
                   FROM bg_internal.buying_group g
                   JOIN bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L,
                                          (SELECT pg_catalog.array_agg(DISTINCT h.account_key)
                                             FROM bg_internal.buying_group h
                                            WHERE h.solution_interest_id = $2 AND %s))
                        AS y(k text, account_name text) ON y.k = g.account_key
                  WHERE g.solution_interest_id = $2 AND %s) x
          WHERE (x.old_name, x.old_account_name) IS DISTINCT FROM (x.name, x.account_name)',
        a.relid::oid,
        format('SELECT u.k, %s FROM pg_catalog.unnest($1) AS u(k) JOIN %s a ON a.%I = u.k::%s',
               bg_internal._name_sql(format('a.%I', a.name_column)), a.relid, a.key_column,
               bg_internal._coltype(a.relid, a.key_column)),
        bound_h, bound_g);
END $$;
COMMENT ON FUNCTION bg_internal._group_names_sql(boolean) IS 'Internal: SQL of the buying groups whose names no longer follow their account''s name.';

-- The tail of a sync's apply statement, after its CTEs d (wanted) and diff:
-- the inserts, role changes and removals of rule members, and their counts
-- (added, re-added, changed, removed).  Role changes and removals are one
-- UPDATE (one node to start on every run; the member triggers fire once
-- for both either way).
CREATE FUNCTION bg_internal._apply_sql() RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ',
            ins AS (
              INSERT INTO bg_internal.member (group_id, person_key, role_id, source)
              SELECT x.group_id, x.person_key, x.want_role, ''rule'' FROM diff x WHERE NOT x.present
              ON CONFLICT (group_id, person_key) DO NOTHING
              RETURNING 1),
            upd AS (
              UPDATE bg_internal.member m
                 SET role_id = CASE WHEN x.wanted THEN x.want_role ELSE m.role_id END,
                     is_removed = NOT x.wanted,
                     removed_at = CASE WHEN x.wanted THEN NULL ELSE now() END,
                     added_at = CASE WHEN x.wanted AND m.is_removed THEN now() ELSE m.added_at END
                FROM diff x
               WHERE x.present AND m.group_id = x.group_id AND m.person_key = x.person_key AND m.source = ''rule''
                 AND CASE WHEN x.wanted THEN m.is_removed OR m.role_id <> x.want_role ELSE NOT m.is_removed END
              RETURNING x.wanted, x.was_removed AS readded)
            SELECT (SELECT count(*) FROM ins), u.readded, u.changed, u.removed
              FROM (SELECT count(*) FILTER (WHERE wanted AND readded) AS readded,
                           count(*) FILTER (WHERE wanted AND NOT readded) AS changed,
                           count(*) FILTER (WHERE NOT wanted) AS removed
                      FROM upd) u';
$$;
COMMENT ON FUNCTION bg_internal._apply_sql() IS 'Internal: SQL of the writes of a sync, after its diff.';

-- The diff of a sync, after its CTE d (wanted members): the CTEs cur (the
-- current members of the solution interest $2's groups, of the people $1
-- and the groups $3 when not NULL) and diff, by a full join of the two
-- (hash or merge only: never a nested loop over misestimated CTEs): the
-- rows bg_internal._apply_sql writes.  ($1 and $3 bound it: the people of a
-- live-mode firing, the groups locked.)
CREATE FUNCTION bg_internal._join_diff_sql() RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ',
            cur AS (
              SELECT m.group_id, m.person_key, m.role_id, m.source, m.is_removed
                FROM bg_internal.member m JOIN bg_internal.buying_group g ON g.id = m.group_id
               WHERE g.solution_interest_id = $2 AND ($1 IS NULL OR m.person_key = ANY ($1))
                 AND ($3 IS NULL OR m.group_id = ANY ($3))),
            diff AS MATERIALIZED (
              SELECT coalesce(d.group_id, c.group_id) AS group_id, coalesce(d.person_key, c.person_key) AS person_key,
                     d.role_id AS want_role, c.group_id IS NOT NULL AS present, d.group_id IS NOT NULL AS wanted,
                     coalesce(c.is_removed, false) AS was_removed
                FROM d FULL JOIN cur c ON c.group_id = d.group_id AND c.person_key = d.person_key
               WHERE ($3 IS NULL OR coalesce(d.group_id, c.group_id) = ANY ($3))
                 AND (c.group_id IS NULL
                      OR (c.source = ''rule'' AND d.group_id IS NULL AND NOT c.is_removed)
                      OR (c.source = ''rule'' AND d.group_id IS NOT NULL AND (c.is_removed OR c.role_id <> d.role_id))))';
$$;
COMMENT ON FUNCTION bg_internal._join_diff_sql() IS 'Internal: SQL of the diff of a sync by a full join of wanted and current members.';

-- The statement, after the CTE d (wanted) of given people ($1) in a
-- solution interest ($2), that locks in id order every group they are in
-- or would be in, and returns their ids.  "= ANY (ARRAY(...))": the groups
-- by their key, whatever the estimate of the people read.
CREATE FUNCTION bg_internal._lock_people_sql() RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '
            SELECT array_agg(x.id) FROM (
              SELECT g.id FROM bg_internal.buying_group g
               WHERE g.id = ANY (ARRAY(SELECT d.group_id FROM d
                                       UNION SELECT m.group_id FROM bg_internal.member m
                                              WHERE m.person_key = ANY ($1)
                                                AND EXISTS (SELECT FROM bg_internal.buying_group x
                                                             WHERE x.id = m.group_id AND x.solution_interest_id = $2)))
               ORDER BY g.id FOR NO KEY UPDATE OF g) x';
$$;
COMMENT ON FUNCTION bg_internal._lock_people_sql() IS 'Internal: SQL that locks the groups of given people.';

-- The rule members that a sync of the groups of a solution interest must
-- add, change, re-add or remove, computed in memory (src/sync_diff.c): the
-- rows of the full join of wanted and current members that
-- bg_internal._sync computed before.  From the reads of the groups
-- (groups: SQL over $1 the interest, $2 group_ids or NULL for all; (id,
-- aval, member_count[, rule_members]), aval the account key as the people's
-- account column's type, rule_members the group's rule summary: a group
-- whose summary holds exactly the members it wants has nothing to change,
-- and only the other groups' members are read; the batches of groups compared at once are as large as
-- their member counts let fit in work_mem times hash_mem_multiplier),
-- with subaccounts the walk from them (walk: SQL over $1 people, NULL
-- here, $2 the interest, $3 group_ids; (root, aval)), their current
-- members, and the people of their accounts (people_query, as the people's
-- owner, with " WHERE people_filter" when those accounts are few: (aval,
-- person key as its canonical text or an integer, the template's columns
-- or the whole row)).  Only the owner of bg_internal may call it.
CREATE FUNCTION bg_internal._sync_diff(groups text, walk text, interest integer, group_ids bigint[], people regclass,
                                       people_query text, people_filter text, template text, role_ids integer[])
    RETURNS TABLE (group_id bigint, person_key text, want_role integer, present boolean, wanted boolean,
                   was_removed boolean)
    LANGUAGE c STABLE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_sync_diff';
COMMENT ON FUNCTION bg_internal._sync_diff(text, text, integer, bigint[], regclass, text, text, text, integer[]) IS 'Internal: the rule members a sync of groups must change, computed in memory.';
REVOKE EXECUTE ON FUNCTION bg_internal._sync_diff(text, text, integer, bigint[], regclass, text, text, text, integer[]) FROM PUBLIC;

-- The groups whose rule members (as bg_internal._sync_diff finds them) or
-- names (as bg_internal._group_names_sql finds them) must change, in id
-- order; NULL for none.  The groups' rows also have (key of the accounts'
-- key type, account_key, name, account_name) after (id, aval,
-- member_count[, rule_members]), and the accounts are read as their owner (accounts_query:
-- (key, name text), with " WHERE accounts_filter" when few); no accounts:
-- no names.
CREATE FUNCTION bg_internal._sync_changed(groups text, walk text, interest integer, group_ids bigint[], people regclass,
                                          people_query text, people_filter text, template text, role_ids integer[],
                                          accounts regclass, accounts_query text, accounts_filter text,
                                          interest_name text)
    RETURNS bigint[] LANGUAGE c STABLE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_sync_changed';
COMMENT ON FUNCTION bg_internal._sync_changed(text, text, integer, bigint[], regclass, text, text, text, integer[], regclass, text, text, text) IS 'Internal: the groups a sync must change, found in memory.';
REVOKE EXECUTE ON FUNCTION bg_internal._sync_changed(text, text, integer, bigint[], regclass, text, text, text, integer[], regclass, text, text, text) FROM PUBLIC;

-- What bg_internal._sync_changed returns (changed), with the number of
-- groups it read (groups_read): all the interest's groups when group_ids is
-- NULL, so that a sync need not count them in a scan of its own.
CREATE FUNCTION bg_internal._sync_count_changed(groups text, walk text, interest integer, group_ids bigint[], people regclass,
                                                people_query text, people_filter text, template text, role_ids integer[],
                                                accounts regclass, accounts_query text, accounts_filter text,
                                                interest_name text, OUT groups_read bigint, OUT changed bigint[])
    RETURNS record LANGUAGE c STABLE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_sync_count_changed';
COMMENT ON FUNCTION bg_internal._sync_count_changed(text, text, integer, bigint[], regclass, text, text, text, integer[], regclass, text, text, text) IS 'Internal: the groups a sync must change, found in memory, and how many groups were read.';
REVOKE EXECUTE ON FUNCTION bg_internal._sync_count_changed(text, text, integer, bigint[], regclass, text, text, text, integer[], regclass, text, text, text) FROM PUBLIC;

-- The call of bg_internal._sync_count_changed (changed) or bg_internal._sync_diff
-- for the groups of si ($2), or the groups $3 when not NULL, with the
-- parameters of bg_internal._sync's statements ($4 the interest's name).
-- roots: the groups' query, as bg_internal._group_walk_sql takes it.
CREATE FUNCTION bg_internal._sync_diff_sql(si bg_internal.solution_interest, roots text, changed boolean) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    patype text := bg_internal._coltype(p.relid, p.account_column);
    a bg_internal.binding;
    keytype text;
    names text := '';
    name text;
    pkey text := bg_internal._key_sql(p.relid, p.key_column, format('p.%I', p.key_column));
    call text;
BEGIN
    -- an integer key as it is: its canonical text is its decimal form,
    -- which _sync_diff prints itself
    IF bg_internal._key_family(bg_internal._coltype(p.relid, p.key_column)::regtype) = 'integer' THEN
        pkey := format('p.%I', p.key_column);
    END IF;
    SELECT * INTO a FROM bg_internal.binding b WHERE b.kind = 'accounts';
    IF changed AND a.relid IS NOT NULL THEN
        keytype := bg_internal._coltype(a.relid, a.key_column);
        names := format(', g.account_key::%s, g.account_key, g.name, g.account_name', keytype);
    END IF;
    call := format('(%L, %L, $2, $3, %s::pg_catalog.oid::pg_catalog.regclass, %L, %L, %L, %L',
                   format('SELECT g.id, g.account_key::%s, g.member_count, g.rule_members%s FROM bg_internal.buying_group g
                            WHERE g.solution_interest_id = $1 AND ($2 IS NULL OR g.id = ANY ($2))', patype, names),
                   CASE WHEN si.include_subaccounts
                        THEN 'WITH RECURSIVE ' || bg_internal._group_walk_sql(si, roots || ' AND ($3 IS NULL OR g.id = ANY ($3))')
                             || ' SELECT w.root, w.aval FROM walk w WHERE NOT w.is_cycle' END,
                   p.relid::oid,
                   format('SELECT p.%I::%s, %s, %s FROM %s p', p.account_column, patype, pkey,
                          coalesce(bg_internal._person_columns_sql(si), 'p'), p.relid),
                   format('p.%I = ANY ($1::%s[])', p.account_column, patype),
                   (SELECT t.name FROM bg_internal.template t WHERE t.id = si.template_id),
                   (SELECT array_agg(x.role_id ORDER BY x.priority) FROM bg_internal.template_role x
                     WHERE x.template_id = si.template_id));
    IF NOT changed THEN
        RETURN 'bg_internal._sync_diff' || call || ')';
    ELSIF keytype IS NULL THEN
        RETURN 'bg_internal._sync_count_changed' || call || ', NULL, NULL, NULL, $4)';
    END IF;
    -- a name of type text or varchar as it is: its text is itself, which
    -- bg_internal._name_sql's format('%s', ...) gives at a cost per account
    IF (SELECT x.atttypid FROM pg_catalog.pg_attribute x
         WHERE x.attrelid = a.relid AND x.attname = a.name_column)
       IN ('pg_catalog.text'::pg_catalog.regtype, 'pg_catalog.varchar'::pg_catalog.regtype) THEN
        name := format('a.%I::pg_catalog.text', a.name_column);
    ELSE
        name := bg_internal._name_sql(format('a.%I', a.name_column));
    END IF;
    RETURN 'bg_internal._sync_count_changed' || call
           || format(', %s::pg_catalog.oid::pg_catalog.regclass, %L, %L, $4)', a.relid::oid,
                     format('SELECT a.%I, %s FROM %s a', a.key_column, name, a.relid),
                     format('a.%I = ANY ($1::%s[])', a.key_column, keytype));
END $$;
COMMENT ON FUNCTION bg_internal._sync_diff_sql(bg_internal.solution_interest, text, boolean) IS 'Internal: SQL of the call that finds what a sync of groups must change, in memory.';

-- Brings the rule members of a solution interest in line with its
-- conditions: all its groups (people NULL) or only the given people.
-- Manual, imported and AI members are never touched.  Returns
-- {groups, added, removed, changed}; writes nothing when nothing changed.
--
-- Each statement plans and locks first, then applies: the groups it changes
-- are locked in id order before the apply runs (its insert and update
-- triggers would otherwise lock them in two batches, and two such
-- statements could deadlock), and the apply computes the diff again, after
-- the locks, over those groups only, so that it sees every change that a
-- writer it waited for committed.  For all groups the plan is the diff
-- itself: groups it finds nothing to change in are not locked.  For given
-- people (live mode) it is every group they are in or would be in, changed
-- or not: another writer may hold one of them with changes of these very
-- people that this statement's snapshot does not show yet.
CREATE FUNCTION bg_internal._sync(si bg_internal.solution_interest, people text[]) RETURNS jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding;
    roots text;
    walk text;
    wanted text;
    diff text;
    names text;
    locked bigint[];
    added bigint := 0; readded bigint := 0; changed bigint := 0; removed bigint := 0; groups bigint;
BEGIN
    si := bg_internal._lock_interest(si, false, false);
    IF si.id IS NULL THEN                       -- dropped meanwhile (it had no groups)
        RETURN '{"groups": 0, "added": 0, "removed": 0, "changed": 0}';
    END IF;
    IF people IS NOT NULL AND NOT si.include_subaccounts AND cardinality(people) <= 100 THEN
        RETURN bg_internal._sync_people(si, people);
    END IF;
    p := bg_internal._bound('people');
    roots := format('SELECT g.id AS root, g.account_key AS acct, g.account_key::%s AS aval
                       FROM bg_internal.buying_group g WHERE g.solution_interest_id = $2',
                    bg_internal._coltype(p.relid, p.account_column));
    names := bg_internal._group_names_sql();
    IF people IS NULL THEN
        PERFORM bg_internal._check_cycles(si, bg_internal._group_walk_sql(si, roots), people);
        -- the diff computed in memory (bg_internal._sync_diff); $3 (the
        -- locked groups) bounds it once the groups are locked
        diff := 'WITH diff AS MATERIALIZED (SELECT * FROM ' || bg_internal._sync_diff_sql(si, roots, false) || ' x)';
        -- the groups with member changes and those whose account was renamed,
        -- locked together in id order; the interest's groups counted by the
        -- same read (the interest lock keeps their number), before any is
        -- locked or written
        EXECUTE 'SELECT x.groups_read, x.changed FROM ' || bg_internal._sync_diff_sql(si, roots, true) || ' x'
           INTO groups, locked USING NULL::text[], si.id, NULL::bigint[], si.name;
        IF locked IS NOT NULL THEN
            PERFORM FROM bg_internal.buying_group g WHERE g.id = ANY (locked) ORDER BY g.id FOR NO KEY UPDATE;
        END IF;
    ELSE
        walk := bg_internal._person_walk_sql(si);
        wanted := bg_internal._person_rule_members_sql(si, walk);
        PERFORM bg_internal._check_cycles(si, walk, people);
        diff := 'WITH RECURSIVE ' || wanted || bg_internal._join_diff_sql();
        EXECUTE 'WITH RECURSIVE ' || wanted || bg_internal._lock_people_sql() INTO locked USING people, si.id;
    END IF;
    IF locked IS NOT NULL THEN
        EXECUTE diff || bg_internal._apply_sql()
           INTO added, readded, changed, removed USING people, si.id, locked;
        -- names follow renamed accounts, in the groups locked above
        IF names IS NOT NULL THEN
            EXECUTE 'UPDATE bg_internal.buying_group g SET name = n.name, account_name = n.account_name
                       FROM (' || names || ') n WHERE g.id = n.id'
               USING NULL::text[], si.id, locked, si.name;
        END IF;
    END IF;
    IF people IS NOT NULL THEN
        SELECT count(DISTINCT m.group_id) INTO groups
          FROM bg_internal.member m JOIN bg_internal.buying_group g ON g.id = m.group_id
         WHERE g.solution_interest_id = si.id AND m.person_key = ANY (people);
    END IF;
    RETURN jsonb_build_object('groups', groups, 'added', added + readded,
                              'removed', removed, 'changed', changed);
END $$;
COMMENT ON FUNCTION bg_internal._sync(bg_internal.solution_interest, text[]) IS 'Internal: re-evaluates the rule members of a solution interest.';

-- bg_internal._sync for a few given people (live mode's usual firing) of a
-- solution interest without subaccounts, its interest lock held: the same
-- statements, with the same locks, built once per interest and kept planned
-- until bg's catalog changes (src/plan_cache.c, generic plans), so that a
-- firing plans nothing.  The wanted members come from one read of the
-- people (their accounts and roles at once, bg_internal._person_members_sql);
-- the diff and the names are written for given people and locked groups
-- (no "$1 IS NULL OR" branch, which a generic plan could not use an index
-- for).  Many people at once take bg_internal._sync's path, planned for them.
CREATE FUNCTION bg_internal._sync_people(si bg_internal.solution_interest, people text[]) RETURNS jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k text := 'people:' || si.id;
    wanted text;
    names text;
    diff text;
    locked bigint[];
    added bigint := 0; readded bigint := 0; changed bigint := 0; removed bigint := 0;
BEGIN
    IF NOT bg_internal._plan_ready(k || ':apply') THEN
        wanted := bg_internal._person_members_sql(si);
        names := bg_internal._group_names_sql(true);
        diff := ',
            cur AS (
              SELECT m.group_id, m.person_key, m.role_id, m.source, m.is_removed
                FROM bg_internal.member m
               WHERE m.person_key = ANY ($1) AND m.group_id = ANY ($3)),
            diff AS MATERIALIZED (
              SELECT coalesce(d.group_id, c.group_id) AS group_id, coalesce(d.person_key, c.person_key) AS person_key,
                     d.role_id AS want_role, c.group_id IS NOT NULL AS present, d.group_id IS NOT NULL AS wanted,
                     coalesce(c.is_removed, false) AS was_removed
                FROM d FULL JOIN cur c ON c.group_id = d.group_id AND c.person_key = d.person_key
               WHERE coalesce(d.group_id, c.group_id) = ANY ($3)
                 AND (c.group_id IS NULL
                      OR (c.source = ''rule'' AND d.group_id IS NULL AND NOT c.is_removed)
                      OR (c.source = ''rule'' AND d.group_id IS NOT NULL AND (c.is_removed OR c.role_id <> d.role_id))))';
        PERFORM bg_internal._plan_set(k || ':lock', 'WITH RECURSIVE ' || wanted || bg_internal._lock_people_sql(),
                                      '{text[],integer}');
        PERFORM bg_internal._plan_set(k || ':apply', 'WITH RECURSIVE ' || wanted || diff || bg_internal._apply_sql(),
            '{text[],integer,bigint[]}');
        IF names IS NOT NULL THEN
            PERFORM bg_internal._plan_set(k || ':names',
                'UPDATE bg_internal.buying_group g SET name = n.name, account_name = n.account_name
                   FROM (' || names || ') n WHERE g.id = n.id RETURNING 1',
                '{text[],integer,bigint[],text}');
        END IF;
    END IF;
    SELECT x.locked INTO locked FROM bg_internal._plan_run(k || ':lock', people, si.id) AS x(locked bigint[]);
    IF locked IS NOT NULL THEN
        SELECT x.a, x.r, x.c, x.d INTO added, readded, changed, removed
          FROM bg_internal._plan_run(k || ':apply', people, si.id, locked) AS x(a bigint, r bigint, c bigint, d bigint);
        -- names follow renamed accounts, in the groups locked above
        IF bg_internal._plan_ready(k || ':names') THEN
            PERFORM count(*) FROM bg_internal._plan_run(k || ':names', NULL::text[], si.id, locked, si.name)
                                  AS x(one integer);
        END IF;
    END IF;
    -- the groups the people are in now are the groups locked: every group
    -- they were in, and every group they would be in, which the apply
    -- joined them to
    RETURN jsonb_build_object('groups', coalesce(cardinality(locked), 0), 'added', added + readded,
                              'removed', removed, 'changed', changed);
END $$;
COMMENT ON FUNCTION bg_internal._sync_people(bg_internal.solution_interest, text[]) IS 'Internal: re-evaluates the rule members of a few people, by statements kept planned.';
