-- The SQL that finds the rule members of buying groups: the walk from a
-- group's account (and its subaccounts) to its people, or from people up to
-- their groups, and the role each person's template gives them
-- (docs/design.md §6).  Creation jobs, sync and manual actions run it.

-- Every builder returns WITH elements for a WITH RECURSIVE statement.  Values
-- are the text forms of keys (aval: an account key as the people's account
-- column type), cast to the user's column types where they meet the user's
-- tables, so that the user's indexes serve.  Without include_subaccounts a
-- walk has no hierarchy step.

-- The walk down from buying groups to the accounts whose people they count:
-- walk(root, pkey, acct, aval, is_cycle).  roots is a query of (root,
-- acct, aval): a group id, its account key and that key as aval.
CREATE FUNCTION bg_internal._group_walk_sql(si bg_internal.solution_interest, roots text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    patype text := bg_internal._coltype(p.relid, p.account_column);
    a bg_internal.binding;
BEGIN
    IF NOT si.include_subaccounts THEN
        RETURN format('walk AS (SELECT r.root, NULL::text AS pkey, r.acct, r.aval, false AS is_cycle FROM (%s) r)',
                      roots);
    END IF;
    a := bg_internal._account_tree(si);
    RETURN format('walk(root, pkey, acct, aval) AS (
                     SELECT r.root, NULL::text, r.acct, r.aval FROM (%s) r
                     UNION ALL
                     SELECT w.root, NULL::text, %s, c.%I::%s FROM walk w JOIN %s c ON c.%I = w.acct::%s)
                   CYCLE acct SET is_cycle USING path',
                  roots, bg_internal._key_sql(a.relid, a.key_column, format('c.%I', a.key_column)), a.key_column, patype,
                  a.relid, a.parent_column, bg_internal._coltype(a.relid, a.parent_column));
END $$;
COMMENT ON FUNCTION bg_internal._group_walk_sql(bg_internal.solution_interest, text) IS 'Internal: SQL of the walk from buying groups down to the accounts they count.';

-- The walk up from people ($1, keys as text) to the accounts whose groups
-- count them: walk(root, pkey, acct, aval, is_cycle), root always NULL.
CREATE FUNCTION bg_internal._person_walk_sql(si bg_internal.solution_interest) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    people text := format('SELECT NULL::bigint AS root, %s AS pkey, %s AS acct, p.%I AS aval
                             FROM %s p WHERE p.%I = ANY ($1::%s[])',
                          bg_internal._key_sql(p.relid, p.key_column, format('p.%I', p.key_column)),
                          bg_internal._key_sql(p.relid, p.account_column, format('p.%I', p.account_column)),
                          p.account_column, p.relid,
                          p.key_column, bg_internal._coltype(p.relid, p.key_column));
    a bg_internal.binding;
BEGIN
    IF NOT si.include_subaccounts THEN
        RETURN format('walk AS (SELECT b.*, false AS is_cycle FROM (%s) b)', people);
    END IF;
    a := bg_internal._account_tree(si);
    RETURN format('walk(root, pkey, acct, aval) AS (
                     %s
                     UNION ALL
                     SELECT w.root, w.pkey, %s, c.%I::%s FROM walk w JOIN %s c ON c.%I = w.acct::%s
                      WHERE c.%I IS NOT NULL)
                   CYCLE acct SET is_cycle USING path',
                  people, bg_internal._key_sql(a.relid, a.parent_column, format('c.%I', a.parent_column)), a.parent_column, bg_internal._coltype(p.relid, p.account_column),
                  a.relid, a.key_column, bg_internal._coltype(a.relid, a.key_column), a.parent_column);
END $$;
COMMENT ON FUNCTION bg_internal._person_walk_sql(bg_internal.solution_interest) IS 'Internal: SQL of the walk from people up to the accounts whose groups count them.';

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
-- (1 = first by priority), as bg_internal._position_tally counts them.
CREATE FUNCTION bg_internal._role_position_case(template_id integer, expr text) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('CASE %s %s END', expr, string_agg(format('WHEN %s THEN %s', x.role_id, x.pos), ' ' ORDER BY x.pos))
      FROM (SELECT y.role_id, row_number() OVER (ORDER BY y.priority) AS pos
              FROM bg_internal.template_role y WHERE y.template_id = _role_position_case.template_id) x;
$$;
COMMENT ON FUNCTION bg_internal._role_position_case(integer, text) IS 'Internal: SQL mapping the role ids of a template to their positions.';

-- The rule members of the groups a walk from groups (bg_internal._group_walk_sql)
-- starts at: the walk, then d(group_id, person_key, role_id).
CREATE FUNCTION bg_internal._group_rule_members_sql(si bg_internal.solution_interest, walk text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
BEGIN
    -- OFFSET 0 keeps role_for in one place, so it runs once per person
    RETURN walk || format(',
        d AS (
          SELECT x.group_id, x.person_key, %s AS role_id
            FROM (SELECT w.root AS group_id, %s AS person_key, bg.role_for(%L, p) AS rn
                    FROM walk w JOIN %s p ON p.%I = w.aval
                   WHERE NOT w.is_cycle OFFSET 0) x
           WHERE x.rn IS NOT NULL)',
        bg_internal._role_id_case(si.template_id, 'x.rn'), bg_internal._key_sql(p.relid, p.key_column, format('p.%I', p.key_column)),
        (SELECT t.name FROM bg_internal.template t WHERE t.id = si.template_id), p.relid, p.account_column);
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
            FROM (SELECT g.id AS group_id, %s AS person_key, bg.role_for(%L, p) AS rn
                    FROM walk w
                    JOIN bg_internal.buying_group g ON g.solution_interest_id = $2 AND g.account_key = w.acct
                    JOIN %s p ON p.%I = w.pkey::%s
                   WHERE NOT w.is_cycle OFFSET 0) x
           WHERE x.rn IS NOT NULL)',
        bg_internal._role_id_case(si.template_id, 'x.rn'), bg_internal._key_sql(p.relid, p.key_column, format('p.%I', p.key_column)),
        (SELECT t.name FROM bg_internal.template t WHERE t.id = si.template_id),
        p.relid, p.key_column, bg_internal._coltype(p.relid, p.key_column));
END $$;
COMMENT ON FUNCTION bg_internal._person_rule_members_sql(bg_internal.solution_interest, text) IS 'Internal: SQL of the rule memberships of given people.';
