-- Internal helpers shared by the catalog and managed-group functions: names
-- and nested errors, the bound tables, and keys given as values or rows.

CREATE FUNCTION bg._require_text(value text, what text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF value IS NULL THEN
        RAISE EXCEPTION '% must not be null', what USING ERRCODE = 'null_value_not_allowed';
    END IF;
    value := regexp_replace(value, '^[[:space:]]+|[[:space:]]+$', '', 'g');
    IF value = '' THEN
        RAISE EXCEPTION '% must not be empty', what USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN value;
END $$;
COMMENT ON FUNCTION bg._require_text(text, text) IS 'Internal: a name without surrounding white space; errors when NULL or blank.';

-- Re-raises an error with a new message, keeping its SQLSTATE, detail and hint.
CREATE FUNCTION bg._reraise(st text, msg text, det text, hnt text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF det IS NOT NULL AND det <> '' AND hnt IS NOT NULL AND hnt <> '' THEN
        RAISE EXCEPTION USING ERRCODE = st, MESSAGE = msg, DETAIL = det, HINT = hnt;
    ELSIF det IS NOT NULL AND det <> '' THEN
        RAISE EXCEPTION USING ERRCODE = st, MESSAGE = msg, DETAIL = det;
    ELSIF hnt IS NOT NULL AND hnt <> '' THEN
        RAISE EXCEPTION USING ERRCODE = st, MESSAGE = msg, HINT = hnt;
    ELSE
        RAISE EXCEPTION USING ERRCODE = st, MESSAGE = msg;
    END IF;
END $$;
COMMENT ON FUNCTION bg._reraise(text, text, text, text) IS 'Internal: re-raises an error under a new message.';

-- The binding of kind ('people' or 'accounts'); errors when there is none.
CREATE FUNCTION bg._bound(kind text) RETURNS bg.binding
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg.binding;
BEGIN
    SELECT * INTO b FROM bg.binding x WHERE x.kind = $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no % table is bound', $1
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = CASE $1 WHEN 'people' THEN 'Bind it with bg.bind_people(''schema.table'', key => ..., account => ...).'
                                 ELSE 'Bind it with bg.bind_accounts(''schema.table'', key => ..., name => ..., parent => ...).' END;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_class WHERE oid = b.relid) THEN
        RAISE EXCEPTION 'the bound % table (OID %) does not exist', $1, b.relid::oid
            USING ERRCODE = 'undefined_table', HINT = 'It was dropped; bind the new one.';
    END IF;
    RETURN b;
END $$;
COMMENT ON FUNCTION bg._bound(text) IS 'Internal: the people or accounts binding; errors when unbound.';

-- The SQL type of a column, for casts from the text form of keys.  Without
-- its length limit: a cast to varchar(4) would cut a longer key down to
-- another, existing key.
CREATE FUNCTION bg._coltype(rel regclass, col name) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format_type(a.atttypid, NULL) FROM pg_attribute a
     WHERE a.attrelid = rel AND a.attname = col AND NOT a.attisdropped;
$$;
COMMENT ON FUNCTION bg._coltype(regclass, name) IS 'Internal: the type of a column, as SQL text.';

-- The text forms of keys of the bound people or accounts, given as keys of
-- any type that casts to the key column's type, or as rows of the table.
CREATE FUNCTION bg._keys(vals anyarray, kind text, what text) RETURNS text[]
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg.binding := bg._bound(kind);
    keytype text := bg._coltype(b.relid, b.key_column);
    elem oid := (SELECT typelem FROM pg_type WHERE oid = pg_typeof(vals));
    src text;
    keys text[];
    nulls bigint;
    st text; msg text; det text; hnt text;
BEGIN
    IF vals IS NULL THEN
        RAISE EXCEPTION '% must not be null', what USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF (SELECT t.typtype = 'c' OR t.oid = 'record'::regtype FROM pg_type t WHERE t.oid = elem) THEN
        src := format('SELECT array_agg(DISTINCT (u.%1$I)::%2$s::text), count(*) FILTER (WHERE u.%1$I IS NULL)
                         FROM unnest($1) AS u', b.key_column, keytype);
    ELSE
        src := format('SELECT array_agg(DISTINCT v::%s::text), count(*) FILTER (WHERE v IS NULL) FROM unnest($1) AS u(v)',
                      keytype);
    END IF;
    BEGIN
        EXECUTE src INTO keys, nulls USING vals;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
        PERFORM bg._reraise(st, format('invalid %s: %s', what, msg), det,
                            coalesce(hnt, format('Give keys of type %s (column %I of %s), or rows of %s.',
                                                 keytype, b.key_column, b.relid, b.relid)));
    END;
    IF nulls > 0 THEN
        RAISE EXCEPTION '% must not contain nulls', what USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN coalesce(keys, '{}');
END $$;
COMMENT ON FUNCTION bg._keys(anyarray, text, text) IS 'Internal: the distinct text forms of people or account keys (given as keys or rows).';

CREATE FUNCTION bg._key(val anyelement, kind text, what text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF val IS NULL THEN
        RAISE EXCEPTION '% must not be null', what USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN (bg._keys(ARRAY[val], kind, what))[1];
END $$;
COMMENT ON FUNCTION bg._key(anyelement, text, text) IS 'Internal: the text form of one people or account key.';

-- Errors unless every key exists in the bound table of kind.
CREATE FUNCTION bg._require_keys(keys text[], kind text) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg.binding := bg._bound(kind);
    missing text;
BEGIN
    EXECUTE format('SELECT string_agg(k, '', '' ORDER BY k) FROM (SELECT k FROM unnest($1) AS k
                     WHERE NOT EXISTS (SELECT FROM %s t WHERE t.%I = k::%s) ORDER BY k LIMIT 5) s',
                   b.relid, b.key_column, bg._coltype(b.relid, b.key_column))
       INTO missing USING keys;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION '% % not found in %', CASE kind WHEN 'people' THEN 'person' ELSE 'account' END,
                        missing, b.relid
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Keys are looked up in column %I of %s.', b.key_column, b.relid);
    END IF;
END $$;
COMMENT ON FUNCTION bg._require_keys(text[], text) IS 'Internal: errors when a key is not in the bound table.';

-- The accounts binding, which must have a parent column; the error's
-- message starts with what (the caller's view of it).
CREATE FUNCTION bg._account_tree(what text) RETURNS bg.binding
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg.binding := bg._bound('accounts');
BEGIN
    IF a.parent_column IS NULL THEN
        RAISE EXCEPTION '% the accounts are bound without a parent column', what
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Bind the accounts again with bg.bind_accounts(..., parent => ''parent column'').';
    END IF;
    RETURN a;
END $$;
COMMENT ON FUNCTION bg._account_tree(text) IS 'Internal: the accounts binding; errors when it has no parent column.';
