-- The SQL that finds the rule members of buying groups: the walk from a
-- group's account (and its subaccounts) to its people, or from people up to
-- their groups, and the role each person's template gives them
-- (docs/design.md §6).  Creation jobs, sync and manual actions run it.

-- Every builder returns WITH elements for a WITH RECURSIVE statement.  Values
-- are the text forms of keys (aval: an account key as the people's account
-- column type), cast to the user's column types where they meet the user's
-- tables, so that the user's indexes serve.  Without include_subaccounts a
-- walk has no hierarchy step.

-- The SQL of bg_internal._read over the bound accounts (a) that walks the
-- account hierarchy from the accounts $1 (keys as text): down to their
-- subaccounts, or up to their parent accounts.  Its rows are the accounts
-- it reaches (not the starting ones): (top, acct, aval, is_cycle, path),
-- top the starting account, aval the account as the people's account
-- column type (patype), path the accounts walked, as text.
CREATE FUNCTION bg_internal._tree_sql(a bg_internal.binding, up boolean, patype text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    step text;
BEGIN
    IF up THEN
        step := format('SELECT t.top, %s, c.%I::%s, t.depth + 1 FROM t JOIN %s c ON c.%I = t.acct::%s
                         WHERE c.%I IS NOT NULL',
                       bg_internal._key_sql(a.relid, a.parent_column, format('c.%I', a.parent_column)),
                       a.parent_column, patype, a.relid, a.key_column,
                       bg_internal._coltype(a.relid, a.key_column), a.parent_column);
    ELSE
        step := format('SELECT t.top, %s, c.%I::%s, t.depth + 1 FROM t JOIN %s c ON c.%I = t.acct::%s',
                       bg_internal._key_sql(a.relid, a.key_column, format('c.%I', a.key_column)),
                       a.key_column, patype, a.relid, a.parent_column,
                       bg_internal._coltype(a.relid, a.parent_column));
    END IF;
    RETURN format('WITH RECURSIVE t(top, acct, aval, depth) AS (
                     SELECT k, k, NULL::%s, 0 FROM pg_catalog.unnest($1) AS k WHERE k IS NOT NULL
                     UNION ALL
                     %s)
                   CYCLE acct SET is_cycle USING path
                   SELECT t.top, t.acct, t.aval, t.is_cycle, t.path::text FROM t WHERE t.depth > 0',
                  patype, step);
END $$;
COMMENT ON FUNCTION bg_internal._tree_sql(bg_internal.binding, boolean, text) IS 'Internal: SQL of a walk of the account hierarchy, run as the accounts'' owner.';

-- The walk from the starting rows of CTE start (root, pkey, acct, aval)
-- along the account hierarchy (up or down): walk(root, pkey, acct, aval,
-- is_cycle, path), the starting rows first.
CREATE FUNCTION bg_internal._walk_tree_sql(si bg_internal.solution_interest, start text, up boolean) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    patype text := bg_internal._coltype(p.relid, p.account_column);
    a bg_internal.binding := bg_internal._account_tree(si);
BEGIN
    RETURN format('walk(root, pkey, acct, aval, is_cycle, path) AS (
                     SELECT s.root, s.pkey, s.acct, s.aval, false, NULL::text FROM %1$s s
                     UNION ALL
                     SELECT s.root, s.pkey, t.acct, t.aval, t.is_cycle, t.path
                       FROM %1$s s
                       JOIN bg_internal._read(%2$s::pg_catalog.oid::pg_catalog.regclass, %3$L,
                                              (SELECT pg_catalog.array_agg(DISTINCT x.acct) FROM %1$s x))
                            AS t(top text, acct text, aval %4$s, is_cycle boolean, path text) ON t.top = s.acct)',
                  start, a.relid::oid, bg_internal._tree_sql(a, up, patype), patype);
END $$;
COMMENT ON FUNCTION bg_internal._walk_tree_sql(bg_internal.solution_interest, text, boolean) IS 'Internal: SQL of a walk along the account hierarchy.';

-- The walk down from buying groups to the accounts whose people they count:
-- walk(root, pkey, acct, aval, is_cycle[, path]).  roots is a query of
-- (root, acct, aval): a group id, its account key and that key as aval.
CREATE FUNCTION bg_internal._group_walk_sql(si bg_internal.solution_interest, roots text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT si.include_subaccounts THEN
        RETURN format('walk AS (SELECT r.root, NULL::text AS pkey, r.acct, r.aval, false AS is_cycle FROM (%s) r)',
                      roots);
    END IF;
    RETURN format('roots AS (SELECT r.root, NULL::text AS pkey, r.acct, r.aval FROM (%s) r), ', roots)
           || bg_internal._walk_tree_sql(si, 'roots', false);
END $$;
COMMENT ON FUNCTION bg_internal._group_walk_sql(bg_internal.solution_interest, text) IS 'Internal: SQL of the walk from buying groups down to the accounts they count.';

-- The walk up from people ($1, keys as text) to the accounts whose groups
-- count them: walk(root, pkey, acct, aval, is_cycle[, path]), root always
-- NULL.
CREATE FUNCTION bg_internal._person_walk_sql(si bg_internal.solution_interest) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    patype text := bg_internal._coltype(p.relid, p.account_column);
    people text := format('SELECT NULL::bigint AS root, x.pkey, x.acct, x.aval
                             FROM bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L, $1)
                                  AS x(pkey text, acct text, aval %s)',
                          p.relid::oid,
                          format('SELECT %s, %s, p.%I::%s FROM %s p WHERE p.%I = ANY ($1::%s[])',
                                 bg_internal._key_sql(p.relid, p.key_column, format('p.%I', p.key_column)),
                                 bg_internal._key_sql(p.relid, p.account_column, format('p.%I', p.account_column)),
                                 p.account_column, patype, p.relid,
                                 p.key_column, bg_internal._coltype(p.relid, p.key_column)),
                          patype);
BEGIN
    IF NOT si.include_subaccounts THEN
        RETURN format('walk AS (SELECT b.*, false AS is_cycle FROM (%s) b)', people);
    END IF;
    RETURN format('starts AS (%s), ', people) || bg_internal._walk_tree_sql(si, 'starts', true);
END $$;
COMMENT ON FUNCTION bg_internal._person_walk_sql(bg_internal.solution_interest) IS 'Internal: SQL of the walk from people up to the accounts whose groups count them.';

-- The columns the template of si reads, as a select list over the bound
-- people p ("p.a, p.b", in name order), or NULL when it reads none or one
-- of them is not a column of that name.
CREATE FUNCTION bg_internal._person_columns_sql(si bg_internal.solution_interest) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    cols text[] := (SELECT array_agg(DISTINCT c ORDER BY c)
                      FROM bg_internal.template_role x, unnest(bg_internal._condition_columns(x.condition)) AS c
                     WHERE x.template_id = si.template_id AND x.condition IS NOT NULL);
BEGIN
    IF cols IS NULL OR EXISTS (SELECT FROM unnest(cols) AS c
                                WHERE NOT EXISTS (SELECT FROM pg_attribute a
                                                   WHERE a.attrelid = p.relid AND a.attname = c
                                                     AND a.attnum > 0 AND NOT a.attisdropped)) THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT string_agg(format('p.%I', c), ', ' ORDER BY c) FROM unnest(cols) AS c);
END $$;
COMMENT ON FUNCTION bg_internal._person_columns_sql(bg_internal.solution_interest) IS 'Internal: SQL of the columns of a person that a template reads.';

-- How a read of the bound people gives the evaluator its row, as
-- {expression, FROM tail}: a record of just the columns the template of si
-- reads (as the planner hook gives bg.role_for, src/plan_rewrite.c), or the
-- whole row p when one of them is not a column of that name.
CREATE FUNCTION bg_internal._person_row_sql(si bg_internal.solution_interest) RETURNS text[]
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    cols text := bg_internal._person_columns_sql(si);
BEGIN
    -- (not on a table Citus manages: it cannot send an anonymous record from
    -- its workers; the whole row then comes to the coordinator)
    IF cols IS NOT NULL AND NOT bg_internal._citus_table(p.relid) THEN
        RETURN ARRAY['bg_row', format(' CROSS JOIN LATERAL (SELECT %s) AS bg_row', cols)];
    END IF;
    RETURN ARRAY['p', ''];
END $$;
COMMENT ON FUNCTION bg_internal._person_row_sql(bg_internal.solution_interest) IS 'Internal: SQL of the row of a person that the evaluator gets.';

-- The roles of the bound people whose column col is one of the keys $1
-- (text, cast to the column's type), read as the people's owner:
-- (k, pkey, rn), k the value of col (of its type, as bg_internal._coltype
-- names it), rn the position in the template of the role it gives (1 =
-- first by priority; NULL for none): callers map it to role ids with an
-- integer CASE (bg_internal._role_position_map), not by name.  walk_keys:
-- the keys, an SQL expression over the walk, made distinct as values of
-- their type (a creation job's account keys as integers, not as their
-- text) and passed as text.  The keys are a constant array
-- tested with = ANY: the planner hashes it beside a scan of the people (or
-- probes an index with a few), where a join with unnest($1), whose keys
-- have no statistics, made it hash the whole people table for a large
-- creation job; callers join on the typed k (a creation job's merge join
-- then sorts integers, not their text, and yields the members in the order
-- of their groups).
CREATE FUNCTION bg_internal._people_roles_sql(si bg_internal.solution_interest, col name, walk_keys text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    person text[] := bg_internal._person_row_sql(si);
BEGIN
    RETURN format('bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L,
                                     (SELECT pg_catalog.array_agg(DISTINCT %s)::pg_catalog.text[] FROM walk y WHERE NOT y.is_cycle), %L)
                   AS r(k %s, pkey text, rn integer)',
                  p.relid::oid,
                  format('SELECT p.%I::%s, %s, %s FROM %s p%s WHERE p.%I = ANY ($1::%s[])',
                         col, bg_internal._coltype(p.relid, col), bg_internal._key_sql(p.relid, p.key_column, format('p.%I', p.key_column)),
                         person[1], p.relid, person[2], col, bg_internal._coltype(p.relid, col)),
                  walk_keys, (SELECT t.name FROM bg_internal.template t WHERE t.id = si.template_id),
                  bg_internal._coltype(p.relid, col));
END $$;
COMMENT ON FUNCTION bg_internal._people_roles_sql(bg_internal.solution_interest, name, text) IS 'Internal: SQL of the roles of people found by a key column, read as the people''s owner.';

-- Errors when a walk meets a cycle of parent links.  The walk's parameters:
-- $1 people keys, $2 the solution interest's id.
CREATE FUNCTION bg_internal._check_cycles(si bg_internal.solution_interest, walk text, people text[]) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg_internal.binding;
    cyc text;
BEGIN
    IF NOT si.include_subaccounts THEN
        RETURN;
    END IF;
    a := bg_internal._bound('accounts');
    EXECUTE 'WITH RECURSIVE ' || walk || ' SELECT w.path::text FROM walk w WHERE w.is_cycle LIMIT 1'
       INTO cyc USING people, si.id;
    IF cyc IS NOT NULL THEN
        RAISE EXCEPTION 'the account hierarchy of % has a cycle', a.relid
            USING ERRCODE = 'data_exception',
                  DETAIL = format('Following column %I from account to account comes back: %s.',
                                  a.parent_column, translate(cyc, '{}()"', '')),
                  HINT = 'Break the cycle in the parent links; solution interests with include_subaccounts need a tree.';
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._check_cycles(bg_internal.solution_interest, text, text[]) IS 'Internal: errors when the account hierarchy has a cycle.';

-- A CASE expression mapping the role names of a template to role ids.
CREATE FUNCTION bg_internal._role_id_case(template_id integer, expr text) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('CASE %s %s END', expr, string_agg(format('WHEN %L THEN %s', r.name, r.id), ' ' ORDER BY x.priority))
      FROM bg_internal.template_role x JOIN bg_internal.role r ON r.id = x.role_id
     WHERE x.template_id = _role_id_case.template_id;
$$;
COMMENT ON FUNCTION bg_internal._role_id_case(integer, text) IS 'Internal: SQL mapping the role names of a template to role ids.';

-- A CASE expression mapping the role ids of a template to their positions
-- (1 = first by priority), as bg_internal._position_tally counts them and
-- bg_internal._read gives them; with to_ids, positions to role ids.
CREATE FUNCTION bg_internal._role_position_map(template_id integer, expr text, to_ids boolean) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('CASE %s %s END', expr,
                  string_agg(CASE WHEN to_ids THEN format('WHEN %s THEN %s', x.pos, x.role_id)
                                  ELSE format('WHEN %s THEN %s', x.role_id, x.pos) END, ' ' ORDER BY x.pos))
      FROM (SELECT y.role_id, row_number() OVER (ORDER BY y.priority) AS pos
              FROM bg_internal.template_role y WHERE y.template_id = _role_position_map.template_id) x;
$$;
COMMENT ON FUNCTION bg_internal._role_position_map(integer, text, boolean) IS 'Internal: SQL mapping the role ids of a template to their positions, or back.';

-- The rule members of the groups a walk from groups (bg_internal._group_walk_sql)
-- starts at: the walk, then d(group_id, person_key, role_id).
CREATE FUNCTION bg_internal._group_rule_members_sql(si bg_internal.solution_interest, walk text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
BEGIN
    -- roles are evaluated by bg_internal._read, once per person
    RETURN walk || format(',
        d AS (
          SELECT x.group_id, x.person_key, %s AS role_id
            FROM (SELECT w.root AS group_id, r.pkey AS person_key, r.rn
                    FROM walk w JOIN %s ON r.k = w.aval
                   WHERE NOT w.is_cycle) x
           WHERE x.rn IS NOT NULL)',
        bg_internal._role_position_map(si.template_id, 'x.rn', true),
        bg_internal._people_roles_sql(si, p.account_column, 'y.aval'));
END $$;
COMMENT ON FUNCTION bg_internal._group_rule_members_sql(bg_internal.solution_interest, text) IS 'Internal: SQL of the rule members of buying groups.';

-- The rule memberships of the people a walk from people (bg_internal._person_walk_sql)
-- starts at, in the solution interest's groups ($2): the walk, then
-- d(group_id, person_key, role_id).
CREATE FUNCTION bg_internal._person_rule_members_sql(si bg_internal.solution_interest, walk text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
BEGIN
    RETURN walk || format(',
        d AS (
          SELECT x.group_id, x.person_key, %s AS role_id
            FROM (SELECT g.id AS group_id, r.pkey AS person_key, r.rn
                    FROM walk w
                    JOIN bg_internal.buying_group g ON g.solution_interest_id = $2 AND g.account_key = w.acct
                    JOIN %s ON r.k = w.pkey::%s
                   WHERE NOT w.is_cycle) x
           WHERE x.rn IS NOT NULL)',
        bg_internal._role_position_map(si.template_id, 'x.rn', true),
        bg_internal._people_roles_sql(si, p.key_column, 'y.pkey'), bg_internal._coltype(p.relid, p.key_column));
END $$;
COMMENT ON FUNCTION bg_internal._person_rule_members_sql(bg_internal.solution_interest, text) IS 'Internal: SQL of the rule memberships of given people.';

-- The same for a solution interest without subaccounts (the caller's
-- check), without a walk:
-- d(group_id, person_key, role_id) from one read of the people $1, which
-- gives each person's account and role at once (live mode's kept
-- statements, bg_internal._sync_people).  Each person's group by its key
-- (a lateral subquery kept apart by OFFSET 0): a read is estimated at
-- 1 000 rows, for which the kept generic plan would scan every group.
CREATE FUNCTION bg_internal._person_members_sql(si bg_internal.solution_interest) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    person text[] := bg_internal._person_row_sql(si);
BEGIN
    RETURN format('
        d AS (
          SELECT g.id AS group_id, r.pkey AS person_key, %s AS role_id
            FROM bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L, $1, %L)
                 AS r(pkey text, acct text, rn text)
            CROSS JOIN LATERAL (SELECT g.id FROM bg_internal.buying_group g
                                 WHERE g.solution_interest_id = $2 AND g.account_key = r.acct OFFSET 0) g
           WHERE r.rn IS NOT NULL)',
        bg_internal._role_id_case(si.template_id, 'r.rn'), p.relid::oid,
        format('SELECT %s, %s, %s FROM %s p%s WHERE p.%I = ANY ($1::%s[])',
               bg_internal._key_sql(p.relid, p.key_column, format('p.%I', p.key_column)),
               bg_internal._key_sql(p.relid, p.account_column, format('p.%I', p.account_column)),
               person[1], p.relid, person[2], p.key_column, bg_internal._coltype(p.relid, p.key_column)),
        (SELECT t.name FROM bg_internal.template t WHERE t.id = si.template_id));
END $$;
COMMENT ON FUNCTION bg_internal._person_members_sql(bg_internal.solution_interest) IS 'Internal: SQL of the rule memberships of given people, without subaccounts.';
