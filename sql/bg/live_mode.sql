-- Live mode (bg.watch_people): statement triggers on the bound people table
-- re-evaluate the memberships of changed people in the same statement
-- (docs/design.md §6).
--
-- Locks (docs/design.md §6.8): for each update_existing solution interest, in
-- id order, the interest lock in shared mode (a running creation job of the
-- interest is waited for, and its new groups are then seen), then the rows of
-- the groups the changed people are in or would be in, in id order, then
-- their member rows; bg_internal._sync takes them.

-- The columns of the bound people table whose change can change a rule
-- membership: key, account and every column a condition of an
-- update_existing solution interest's template reads.
CREATE FUNCTION bg_internal._watched_columns() RETURNS name[]
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT array_agg(DISTINCT a.attname ORDER BY a.attname)
      FROM bg_internal.binding b
      JOIN pg_attribute a ON a.attrelid = b.relid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE b.kind = 'people'
       AND (a.attname IN (b.key_column, b.account_column)
            OR a.attname::text IN (SELECT unnest(bg_internal._condition_columns(x.condition))
                                     FROM bg_internal.solution_interest s
                                     JOIN bg_internal.template_role x ON x.template_id = s.template_id
                                    WHERE s.update_existing AND x.condition IS NOT NULL));
$$;
COMMENT ON FUNCTION bg_internal._watched_columns() IS 'Internal: the people columns live mode watches.';

-- SECURITY DEFINER: it fires for every role that writes the people table;
-- such a role needs no grant on bg and gets nothing more (members change
-- only by this re-evaluation of the rules).  Nothing of the user's tables
-- runs with the definer's rights: the transition tables give keys cast to
-- built-in base types, and the bound tables are read as their owner
-- (bg_internal._read), conditions evaluated by bg's C code (docs/design.md
-- §11).  In C (src/live_trigger.c): the keys from the transition tables,
-- and for a few people the kept statements of bg_internal._sync_people run
-- directly; other interests and TRUNCATE call bg_internal._sync, and a
-- firing out of the ordinary (a row trigger, more than 100 rows a side,
-- columns it cannot read) is left to bg_internal._people_changed_general.
CREATE FUNCTION bg_internal._people_changed() RETURNS trigger
    LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET bg.event_source = 'live'
    AS 'MODULE_PATHNAME', 'bg_people_changed';
COMMENT ON FUNCTION bg_internal._people_changed() IS 'Internal: live mode trigger; re-evaluates the memberships of changed people.';

-- What bg_internal._people_changed does, for any firing, in PL/pgSQL: the
-- path of the firings it does not take itself, which it calls with their
-- trigger data.
CREATE FUNCTION bg_internal._people_changed_general() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET bg.event_source = 'live' AS $$
DECLARE
    p bg_internal.binding;
    cols name[];
    k text;
    q text;
    keys text[];
    s bg_internal.solution_interest;
BEGIN
    SELECT * INTO p FROM bg_internal.binding b WHERE b.kind = 'people';
    IF NOT FOUND OR p.relid <> TG_RELID OR NOT p.watched
       OR NOT EXISTS (SELECT FROM bg_internal.solution_interest x WHERE x.update_existing) THEN
        RETURN NULL;
    END IF;
    -- the keys of the changed people, by a statement built once per catalog
    -- (bg_internal._memo): only its planning is left to every firing
    IF TG_OP <> 'TRUNCATE' THEN
        q := bg_internal._memo('people_changed:' || TG_OP);
        IF q IS NULL THEN
            k := bg_internal._key_sql(p.relid, p.key_column, format('r.%I', p.key_column));   -- r: new_rows or old_rows
            IF TG_OP = 'INSERT' THEN
                q := format('SELECT array_agg(DISTINCT %s) FROM new_rows r', k);
            ELSIF TG_OP = 'DELETE' THEN
                q := format('SELECT array_agg(DISTINCT %s) FROM old_rows r', k);
            ELSE
                -- only people whose watched columns changed (a changed key is two people)
                cols := bg_internal._watched_columns();
                q := format('SELECT array_agg(DISTINCT k) FROM
                               (SELECT %1$s AS k, ROW(%2$s) AS v FROM new_rows r) nw
                               FULL JOIN (SELECT %1$s AS k, ROW(%2$s) AS v FROM old_rows r) od USING (k)
                              WHERE nw.v IS DISTINCT FROM od.v',
                            k, (SELECT string_agg(format('r.%I', c), ', ') FROM unnest(cols) AS c));
            END IF;
            q := bg_internal._memo_set('people_changed:' || TG_OP, q);
        END IF;
        EXECUTE q INTO keys;
    END IF;
    FOR s IN SELECT * FROM bg_internal.solution_interest x WHERE x.update_existing ORDER BY x.id LOOP
        IF TG_OP = 'TRUNCATE' THEN
            PERFORM bg_internal._sync(s, NULL);
        ELSIF keys IS NOT NULL THEN
            PERFORM bg_internal._sync(s, keys);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._people_changed_general() IS 'Internal: live mode trigger''s general path, for firings out of the ordinary.';

-- Names follow a renamed account at once in live mode: for each
-- update_existing interest, in id order, the interest lock in shared mode,
-- then the groups of the renamed accounts whose names differ, in id order
-- (§6.8).  Groups of other interests keep the names they were created with.
CREATE FUNCTION bg_internal._rename_groups(si bg_internal.solution_interest, accounts text[]) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    names text := bg_internal._group_names_sql();
    ids bigint[];
BEGIN
    si := bg_internal._lock_interest(si, false, false);
    IF si.id IS NULL OR names IS NULL THEN
        RETURN;
    END IF;
    ids := ARRAY(SELECT g.id FROM bg_internal.buying_group g
                  WHERE g.solution_interest_id = si.id AND g.account_key = ANY (accounts));
    EXECUTE 'SELECT array_agg(x.id) FROM (
               SELECT g.id FROM bg_internal.buying_group g WHERE g.id IN (SELECT n.id FROM (' || names || ') n)
                ORDER BY g.id FOR NO KEY UPDATE OF g) x'
       INTO ids USING NULL::text[], si.id, ids, si.name;
    IF ids IS NOT NULL THEN
        EXECUTE 'UPDATE bg_internal.buying_group g SET name = n.name, account_name = n.account_name
                   FROM (' || names || ') n WHERE g.id = n.id'
           USING NULL::text[], si.id, ids, si.name;
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._rename_groups(bg_internal.solution_interest, text[]) IS 'Internal: the names of the groups of renamed accounts follow them.';

-- SECURITY DEFINER, as bg_internal._people_changed: it fires for every role that
-- renames an account.  Names are compared and read as text (the output
-- function of the name column's type).
CREATE FUNCTION bg_internal._accounts_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg_internal.binding;
    k text;
    v text;
    keys text[];
    s bg_internal.solution_interest;
BEGIN
    SELECT * INTO a FROM bg_internal.binding b WHERE b.kind = 'accounts';
    IF NOT FOUND OR a.relid <> TG_RELID
       OR NOT EXISTS (SELECT FROM bg_internal.binding b WHERE b.kind = 'people' AND b.watched)
       OR NOT EXISTS (SELECT FROM bg_internal.solution_interest x WHERE x.update_existing) THEN
        RETURN NULL;
    END IF;
    k := bg_internal._key_sql(a.relid, a.key_column, format('r.%I', a.key_column));
    v := bg_internal._name_sql(format('r.%I', a.name_column));
    EXECUTE format('SELECT array_agg(DISTINCT nw.k) FROM (SELECT %1$s AS k, %2$s AS v FROM new_rows r) nw
                      LEFT JOIN (SELECT %1$s AS k, %2$s AS v FROM old_rows r) od USING (k)
                     WHERE nw.v IS DISTINCT FROM od.v', k, v)
       INTO keys;
    IF keys IS NOT NULL THEN
        FOR s IN SELECT * FROM bg_internal.solution_interest x WHERE x.update_existing ORDER BY x.id LOOP
            PERFORM bg_internal._rename_groups(s, keys);
        END LOOP;
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._accounts_changed() IS 'Internal: live mode trigger on the bound accounts; group names follow renamed accounts.';

CREATE FUNCTION bg_internal._unwatch(rel regclass) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['bg_watch_insert', 'bg_watch_update', 'bg_watch_delete', 'bg_watch_truncate',
                             'bg_watch_accounts'] LOOP
        IF EXISTS (SELECT FROM pg_trigger WHERE tgrelid = rel AND tgname = t) THEN
            EXECUTE format('DROP TRIGGER %I ON %s', t, rel);
        END IF;
    END LOOP;
END $$;
COMMENT ON FUNCTION bg_internal._unwatch(regclass) IS 'Internal: removes the live mode triggers from a table.';

CREATE FUNCTION bg.watch_people("on" boolean DEFAULT true) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    a bg_internal.binding;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'on must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO a FROM bg_internal.binding b WHERE b.kind = 'accounts';
    PERFORM bg_internal._unwatch(p.relid);
    IF a.relid IS NOT NULL THEN
        PERFORM bg_internal._unwatch(a.relid);
    END IF;
    IF $1 THEN
        IF (SELECT relkind FROM pg_class WHERE oid = p.relid) NOT IN ('r', 'p') THEN
            RAISE EXCEPTION 'cannot watch %: it is not a table', p.relid
                USING ERRCODE = 'wrong_object_type',
                      HINT = 'Live mode needs triggers; bind a table, or call bg.sync() after changes instead.';
        END IF;
        -- Citus fires triggers on the shards, where bg's tables are not the coordinator's
        IF bg_internal._citus_table(p.relid) OR (a.relid IS NOT NULL AND bg_internal._citus_table(a.relid)) THEN
            RAISE EXCEPTION 'cannot watch %: live mode does not work on tables that Citus manages',
                    CASE WHEN bg_internal._citus_table(p.relid) THEN p.relid ELSE a.relid END
                USING ERRCODE = 'feature_not_supported',
                      HINT = 'Schedule bg.sync() instead (for instance with pg_cron): it re-evaluates the buying groups of every update_existing solution interest.';
        END IF;
        EXECUTE format('CREATE TRIGGER bg_watch_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._people_changed()', p.relid);
        EXECUTE format('CREATE TRIGGER bg_watch_update AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._people_changed()', p.relid);
        EXECUTE format('CREATE TRIGGER bg_watch_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._people_changed()', p.relid);
        EXECUTE format('CREATE TRIGGER bg_watch_truncate AFTER TRUNCATE ON %s
                        FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._people_changed()', p.relid);
        -- renamed accounts (a bound view is not watched: bg.sync follows its renames)
        IF (SELECT relkind FROM pg_class WHERE oid = a.relid) IN ('r', 'p') THEN
            EXECUTE format('CREATE TRIGGER bg_watch_accounts AFTER UPDATE ON %s
                            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                            FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._accounts_changed()', a.relid);
        END IF;
    END IF;
    UPDATE bg_internal.binding SET watched = $1 WHERE kind = 'people';
END $$;
COMMENT ON FUNCTION bg.watch_people(boolean) IS
    'Live mode: with true, inserts, deletes and updates of condition columns of the bound people re-evaluate their memberships (update_existing solution interests) in the same statement, and group names follow renamed accounts; false stops it.';

-- Re-binding the people moves live mode to the new table.
CREATE FUNCTION bg_internal._binding_changed() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF OLD.kind = 'people' AND OLD.watched AND OLD.relid <> NEW.relid THEN
        IF EXISTS (SELECT FROM pg_class WHERE oid = OLD.relid) THEN
            PERFORM bg_internal._unwatch(OLD.relid);
        END IF;
        UPDATE bg_internal.binding SET watched = false WHERE kind = 'people';
        PERFORM bg.watch_people(true);
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._binding_changed() IS 'Internal: keeps live mode on the bound people table.';
CREATE TRIGGER binding_changed AFTER UPDATE ON bg_internal.binding
    FOR EACH ROW WHEN (OLD.relid IS DISTINCT FROM NEW.relid) EXECUTE FUNCTION bg_internal._binding_changed();
