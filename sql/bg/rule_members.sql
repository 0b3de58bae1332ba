-- The SQL that finds the rule members of buying groups: the walk from a
-- group's account (and its subaccounts) to its people, or from people up to
-- their groups, and the role each person's template gives them
-- (docs/design.md §6).  Creation jobs, sync and manual actions run it.

-- The walk from accounts to the people a group counts, as a WITH element
-- (after WITH RECURSIVE) defining walk(root, pkey, acct, aval, is_cycle).
-- mode 'groups' starts at the accounts of the solution interest's groups
-- ($2), mode 'create' at the new groups of pg_temp.bg_new_group, both going
-- down the hierarchy; mode 'people' starts at people ($1, keys as text) and
-- goes up from their accounts.  Without include_subaccounts there is no
-- hierarchy step.  Values are text forms (aval: the account as the people's
-- account column type), cast to the user's column types where they meet the
-- user's tables, so the user's indexes serve.
CREATE FUNCTION bg._walk_sql(si bg.solution_interest, mode text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg.binding := bg._bound('people');
    patype text := bg._coltype(p.relid, p.account_column);
    a bg.binding;
    base text;
    step text;
BEGIN
    IF si.include_subaccounts THEN
        a := bg._account_tree(format('solution interest "%s" counts subaccounts, but', si.name));
    END IF;
    IF mode IN ('groups', 'create') THEN
        -- for new groups aval is a column of an analyzed table, so the
        -- planner knows how many people it joins
        base := CASE mode
                WHEN 'groups' THEN format('SELECT g.id AS root, NULL::text AS pkey, g.account_key AS acct,
                                                  g.account_key::%s AS aval
                                             FROM bg.buying_group g WHERE g.solution_interest_id = $2', patype)
                ELSE 'SELECT n.gid AS root, NULL::text AS pkey, n.account_key AS acct, n.account_value AS aval
                        FROM pg_temp.bg_new_group n' END;
        IF si.include_subaccounts THEN
            step := format('SELECT w.root, NULL::text, c.%I::text, c.%I::%s FROM walk w JOIN %s c ON c.%I = w.acct::%s',
                           a.key_column, a.key_column, patype,
                           a.relid, a.parent_column, bg._coltype(a.relid, a.parent_column));
        END IF;
    ELSE
        base := format('SELECT NULL::bigint AS root, p.%I::text AS pkey, p.%I::text AS acct, p.%I AS aval FROM %s p
                         WHERE p.%I = ANY ($1::%s[])',
                       p.key_column, p.account_column, p.account_column, p.relid,
                       p.key_column, bg._coltype(p.relid, p.key_column));
        IF si.include_subaccounts THEN
            step := format('SELECT w.root, w.pkey, c.%I::text, c.%I::%s FROM walk w JOIN %s c ON c.%I = w.acct::%s
                             WHERE c.%I IS NOT NULL',
                           a.parent_column, a.parent_column, patype, a.relid, a.key_column,
                           bg._coltype(a.relid, a.key_column), a.parent_column);
        END IF;
    END IF;
    IF step IS NULL THEN
        RETURN format('walk AS (SELECT b.*, false AS is_cycle FROM (%s) b)', base);
    END IF;
    RETURN format('walk(root, pkey, acct, aval) AS (%s UNION ALL %s) CYCLE acct SET is_cycle USING path',
                  base, step);
END $$;
COMMENT ON FUNCTION bg._walk_sql(bg.solution_interest, text) IS 'Internal: SQL of the walk from groups to accounts (or people to groups).';

-- Errors when the walk meets a cycle of parent links.  Parameters: $1
-- people keys, $2 solution interest (mode 'create': pg_temp.bg_new_group).
CREATE FUNCTION bg._check_cycles(si bg.solution_interest, mode text, people text[]) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg.binding;
    cyc text;
BEGIN
    IF NOT si.include_subaccounts THEN
        RETURN;
    END IF;
    a := bg._bound('accounts');
    EXECUTE 'WITH RECURSIVE ' || bg._walk_sql(si, mode) || ' SELECT w.path::text FROM walk w WHERE w.is_cycle LIMIT 1'
       INTO cyc USING people, si.id;
    IF cyc IS NOT NULL THEN
        RAISE EXCEPTION 'the account hierarchy of % has a cycle', a.relid
            USING ERRCODE = 'data_exception',
                  DETAIL = format('Following column %I from account to account comes back: %s.',
                                  a.parent_column, translate(cyc, '{}()"', '')),
                  HINT = 'Break the cycle in the parent links; solution interests with include_subaccounts need a tree.';
    END IF;
END $$;
COMMENT ON FUNCTION bg._check_cycles(bg.solution_interest, text, text[]) IS 'Internal: errors when the account hierarchy has a cycle.';

-- CASE expressions mapping the role names of a template to role ids, or
-- role ids to positions in the template (1 = first by priority).
CREATE FUNCTION bg._role_case(template_id integer, expr text, to_id boolean) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('CASE %s %s END', expr,
                  string_agg(CASE WHEN to_id THEN format('WHEN %L THEN %s', r.name, r.id)
                                  ELSE format('WHEN %s THEN %s', r.id, x.pos) END, ' ' ORDER BY x.pos))
      FROM (SELECT y.role_id, row_number() OVER (ORDER BY y.priority) AS pos
              FROM bg.template_role y WHERE y.template_id = _role_case.template_id) x
      JOIN bg.role r ON r.id = x.role_id;
$$;
COMMENT ON FUNCTION bg._role_case(integer, text, boolean) IS 'Internal: SQL mapping role names of a template to ids, or ids to positions.';

-- SQL of the rule memberships a solution interest asks for: WITH elements
-- (after WITH RECURSIVE) ending in d(group_id, person_key, role_id).
-- Parameters: $1 people keys (mode 'people'), $2 solution interest.
CREATE FUNCTION bg._desired_sql(si bg.solution_interest, mode text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg.binding := bg._bound('people');
    tname text := (SELECT t.name FROM bg.template t WHERE t.id = si.template_id);
    ids text := bg._role_case(si.template_id, 'x.rn', true);
BEGIN
    -- OFFSET 0 keeps role_for in one place, so it runs once per person
    IF mode IN ('groups', 'create') THEN
        RETURN bg._walk_sql(si, mode) || format(',
            d AS (
              SELECT x.group_id, x.person_key, %s AS role_id
                FROM (SELECT w.root AS group_id, p.%I::text AS person_key, bg.role_for(%L, p) AS rn
                        FROM walk w JOIN %s p ON p.%I = w.aval
                       WHERE NOT w.is_cycle OFFSET 0) x
               WHERE x.rn IS NOT NULL)',
            ids, p.key_column, tname, p.relid, p.account_column);
    END IF;
    RETURN bg._walk_sql(si, mode) || format(',
        d AS (
          SELECT x.group_id, x.person_key, %s AS role_id
            FROM (SELECT g.id AS group_id, p.%I::text AS person_key, bg.role_for(%L, p) AS rn
                    FROM walk w
                    JOIN bg.buying_group g ON g.solution_interest_id = $2 AND g.account_key = w.acct
                    JOIN %s p ON p.%I = w.pkey::%s
                   WHERE NOT w.is_cycle OFFSET 0) x
           WHERE x.rn IS NOT NULL)',
        ids, p.key_column, tname, p.relid, p.key_column, bg._coltype(p.relid, p.key_column));
END $$;
COMMENT ON FUNCTION bg._desired_sql(bg.solution_interest, text) IS 'Internal: SQL of the rule memberships of a solution interest.';
