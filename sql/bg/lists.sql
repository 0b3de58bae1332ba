-- Account lists (audiences): static lists and dynamic ones selected by a
-- filter over the bound accounts (docs/design.md §6).

CREATE FUNCTION bg_internal._list(list text) RETURNS bg_internal.account_list
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l bg_internal.account_list;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'account list must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO l FROM bg_internal.account_list x WHERE x.name = $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'account list "%" does not exist', $1
            USING ERRCODE = 'undefined_object', HINT = 'The account lists are listed in bg.account_lists.';
    END IF;
    RETURN l;
END $$;
COMMENT ON FUNCTION bg_internal._list(text) IS 'Internal: an account list by name; errors when unknown.';

CREATE FUNCTION bg.create_account_list(name text, kind text DEFAULT 'static', filter text DEFAULT NULL,
                                       description text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n text := bg_internal._require_name($1, 'account list name must not be null',
                               'account list name must not be empty');
    k text := lower(bg_internal._require_name($2, 'kind must not be null', 'kind must not be empty'));
    f text;
    a bg_internal.binding;
    st text; msg text; det text; hnt text;
BEGIN
    IF k NOT IN ('static', 'dynamic') THEN
        RAISE EXCEPTION 'invalid account list kind "%"', $2
            USING ERRCODE = 'invalid_parameter_value', HINT = 'An account list is static or dynamic.';
    END IF;
    IF EXISTS (SELECT FROM bg_internal.account_list l WHERE l.name = n) THEN
        RAISE EXCEPTION 'account list "%" already exists', n USING ERRCODE = 'duplicate_object';
    END IF;
    IF k = 'static' AND $3 IS NOT NULL THEN
        RAISE EXCEPTION 'a static account list has no filter'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Create it with kind => ''dynamic'' to select accounts by a filter, or add accounts with bg.add_accounts.';
    END IF;
    IF k = 'dynamic' THEN
        IF $3 IS NULL THEN
            RAISE EXCEPTION 'a dynamic account list needs a filter'
                USING ERRCODE = 'null_value_not_allowed',
                      HINT = 'Give a condition over the bound accounts, such as filter => ''country in (''''US'''', ''''CA'''')''.';
        END IF;
        a := bg_internal._bound('accounts');
        BEGIN
            f := bg.check_condition($3, a.relid);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                    det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
            PERFORM bg_internal._raise_caused(format('invalid filter for account list "%s"', n), st, msg, det, hnt);
        END;
    END IF;
    INSERT INTO bg_internal.account_list (name, kind, filter, description) VALUES (n, k, f, $4);
    IF k = 'dynamic' THEN
        PERFORM bg.refresh_account_list(n);
    END IF;
END $$;
COMMENT ON FUNCTION bg.create_account_list(text, text, text, text) IS
    'Creates an account list: static (accounts added by hand) or dynamic (a filter over the bound accounts, evaluated now and on refresh).';

CREATE FUNCTION bg_internal._static_list(list text) RETURNS bg_internal.account_list
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l bg_internal.account_list := bg_internal._list(list);
BEGIN
    IF l.kind <> 'static' THEN
        RAISE EXCEPTION 'account list "%" is dynamic', l.name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Its accounts come from its filter; refresh it with bg.refresh_account_list.';
    END IF;
    PERFORM FROM bg_internal.account_list x WHERE x.id = l.id FOR UPDATE;
    RETURN l;
END $$;
COMMENT ON FUNCTION bg_internal._static_list(text) IS 'Internal: a static account list, locked; errors for a dynamic one.';

CREATE FUNCTION bg.add_accounts(list text, accounts anyarray) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l bg_internal.account_list := bg_internal._static_list($1);
    keys text[] := bg_internal._keys($2, 'accounts');
    n integer;
BEGIN
    PERFORM bg_internal._require_keys(keys, 'accounts');
    INSERT INTO bg_internal.account_list_entry (list_id, account_key)
    SELECT l.id, k FROM unnest(keys) AS k
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE bg_internal.account_list SET refreshed_at = now() WHERE id = l.id AND n > 0;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg.add_accounts(text, anyarray) IS
    'Adds accounts (keys or rows of the bound account table) to a static account list; returns how many were new.';

CREATE FUNCTION bg.remove_accounts(list text, accounts anyarray) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l bg_internal.account_list := bg_internal._static_list($1);
    keys text[] := bg_internal._keys($2, 'accounts');
    n integer;
BEGIN
    DELETE FROM bg_internal.account_list_entry e WHERE e.list_id = l.id AND e.account_key = ANY (keys);
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE bg_internal.account_list SET refreshed_at = now() WHERE id = l.id AND n > 0;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg.remove_accounts(text, anyarray) IS
    'Removes accounts from a static account list; returns how many were in it.';

-- Untyped parameters (a driver's array, sent as '{1,2}') resolve to these.
CREATE FUNCTION bg.add_accounts(list text, accounts text) RETURNS integer
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT bg.add_accounts($1, bg_internal._keys_text($2, 'accounts'));
$$;
COMMENT ON FUNCTION bg.add_accounts(text, text) IS
    'bg.add_accounts for keys given as an array literal (''{1,2}''), as drivers send an untyped array parameter.';

CREATE FUNCTION bg.remove_accounts(list text, accounts text) RETURNS integer
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT bg.remove_accounts($1, bg_internal._keys_text($2, 'accounts'));
$$;
COMMENT ON FUNCTION bg.remove_accounts(text, text) IS
    'bg.remove_accounts for keys given as an array literal (''{1,2}''), as drivers send an untyped array parameter.';

CREATE FUNCTION bg.refresh_account_list(list text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l bg_internal.account_list := bg_internal._list($1);
    a bg_internal.binding;
BEGIN
    PERFORM FROM bg_internal.account_list x WHERE x.id = l.id FOR UPDATE;
    IF l.kind = 'dynamic' THEN
        a := bg_internal._bound('accounts');
        -- the filter is evaluated by bg_internal._read, as the accounts' owner
        EXECUTE format('WITH now_in AS MATERIALIZED (
                               SELECT x.account_key
                                 FROM bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L, NULL, NULL, %L)
                                      AS x(account_key text, matched boolean)),
                             del AS (DELETE FROM bg_internal.account_list_entry e
                                      WHERE e.list_id = $1
                                        AND NOT EXISTS (SELECT FROM now_in n WHERE n.account_key = e.account_key))
                        INSERT INTO bg_internal.account_list_entry (list_id, account_key)
                        SELECT DISTINCT $1, n.account_key FROM now_in n
                        ON CONFLICT DO NOTHING',
                       a.relid::oid,
                       format('SELECT %s, a FROM %s a WHERE a.%I IS NOT NULL',
                              bg_internal._key_sql(a.relid, a.key_column, format('a.%I', a.key_column)), a.relid,
                              a.key_column),
                       l.filter)
            USING l.id;
        UPDATE bg_internal.account_list SET refreshed_at = now() WHERE id = l.id;
    END IF;
    RETURN (SELECT count(*) FROM bg_internal.account_list_entry e WHERE e.list_id = l.id);
END $$;
COMMENT ON FUNCTION bg.refresh_account_list(text) IS
    'Re-evaluates a dynamic account list''s filter over the bound accounts; returns its account count (a static list is returned as is).';

CREATE FUNCTION bg.drop_account_list(list text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l bg_internal.account_list := bg_internal._list($1);
BEGIN
    DELETE FROM bg_internal.account_list WHERE id = l.id;
END $$;
COMMENT ON FUNCTION bg.drop_account_list(text) IS 'Drops an account list (its buying groups stay).';
