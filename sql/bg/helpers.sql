-- Internal helpers shared by the catalog and managed-group functions (the
-- column and key types in C: src/key_types.c): names
-- and nested errors, the bound tables, and keys given as values or rows.

-- A name without surrounding white space.  The caller gives its own fixed
-- messages for a NULL and for a blank name.
CREATE FUNCTION bg_internal._require_name(value text, null_message text, blank_message text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF value IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = null_message;
    END IF;
    value := regexp_replace(value, '^[[:space:]]+|[[:space:]]+$', '', 'g');
    IF value = '' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = blank_message;
    END IF;
    RETURN value;
END $$;
COMMENT ON FUNCTION bg_internal._require_name(text, text, text) IS 'Internal: a name without surrounding white space; errors when NULL or blank.';

-- The age of a purge (bg.purge_jobs, bg.purge_events): errors when NULL or
-- negative; hint says what interval '0' purges.
CREATE FUNCTION bg_internal._require_age(older_than interval, hint text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF older_than IS NULL THEN
        RAISE EXCEPTION 'older_than must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF older_than < interval '0' THEN
        RAISE EXCEPTION 'older_than must not be negative' USING ERRCODE = 'invalid_parameter_value', HINT = hint;
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._require_age(interval, text) IS 'Internal: errors for a NULL or negative age of a purge.';

-- The DETAIL of an error caused by another one: the cause's message as a
-- sentence, then the cause's own detail.
CREATE FUNCTION bg_internal._cause_detail(cause text, cause_detail text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT upper(left(cause, 1)) || substr(cause, 2)
           || CASE WHEN right(cause, 1) = '.' THEN '' ELSE '.' END
           || coalesce(' ' || nullif(cause_detail, ''), '');
$$;
COMMENT ON FUNCTION bg_internal._cause_detail(text, text) IS 'Internal: the DETAIL of an error caused by another one.';

-- Raises an error caused by another one: the caller's own message (a fixed
-- text with values), the cause's SQLSTATE and hint, and the cause's message
-- and detail as DETAIL.
CREATE FUNCTION bg_internal._raise_caused(message text, st text, cause text, cause_detail text, cause_hint text)
    RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF cause_hint IS NOT NULL AND cause_hint <> '' THEN
        RAISE EXCEPTION USING ERRCODE = st, MESSAGE = message, DETAIL = bg_internal._cause_detail(cause, cause_detail),
                              HINT = cause_hint;
    END IF;
    RAISE EXCEPTION USING ERRCODE = st, MESSAGE = message, DETAIL = bg_internal._cause_detail(cause, cause_detail);
END $$;
COMMENT ON FUNCTION bg_internal._raise_caused(text, text, text, text, text) IS 'Internal: raises an error caused by another one, with the cause in DETAIL.';

-- The binding of kind ('people' or 'accounts'); errors when there is none.
CREATE FUNCTION bg_internal._bound(kind text) RETURNS bg_internal.binding
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg_internal.binding;
BEGIN
    SELECT * INTO b FROM bg_internal.binding x WHERE x.kind = $1;
    IF NOT FOUND AND $1 = 'people' THEN
        RAISE EXCEPTION 'no people table is bound'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Bind it with bg.bind_people(''schema.table'', key => ..., account => ...).';
    ELSIF NOT FOUND THEN
        RAISE EXCEPTION 'no accounts table is bound'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Bind it with bg.bind_accounts(''schema.table'', key => ..., name => ..., parent => ...).';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_class WHERE oid = b.relid) THEN
        RAISE EXCEPTION 'the bound % table (OID %) does not exist', b.kind, b.relid::oid
            USING ERRCODE = 'undefined_table', HINT = 'It was dropped; bind the new one.';
    END IF;
    RETURN b;
END $$;
COMMENT ON FUNCTION bg_internal._bound(text) IS 'Internal: the people or accounts binding; errors when unbound.';

-- The type of a column (NULL for a NULL column name).
CREATE FUNCTION bg_internal._column_type(rel regclass, col name) RETURNS regtype
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_column_type';
COMMENT ON FUNCTION bg_internal._column_type(regclass, name) IS 'Internal: the type of a column.';

-- The built-in type under a domain (domains over domains included), or the
-- type itself.
CREATE FUNCTION bg_internal._base_type(typ regtype) RETURNS regtype
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_base_type';
COMMENT ON FUNCTION bg_internal._base_type(regtype) IS 'Internal: the base type of a domain, or the type itself.';

-- The SQL type of a column, for casts from the text form of keys: the base
-- type of a domain (a cast to the domain would run its CHECK constraints,
-- code of whoever owns the domain, with the caller's rights; and a domain's
-- length limit would cut a longer key down to another), without a length
-- limit (a cast to varchar(4) would do the same), and bpchar for
-- character(n) (format_type gives "character", which is char(1)).
CREATE FUNCTION bg_internal._coltype(rel regclass, col name) RETURNS text
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_coltype';
COMMENT ON FUNCTION bg_internal._coltype(regclass, name) IS 'Internal: the base type of a column (without domain or length limit), as SQL text.';

-- The SQL of an account name as bg stores it, from the name column
-- expression col: the text of its value through its type's output function
-- (never a cast, which a type's owner could define), NULL for NULL.
CREATE FUNCTION bg_internal._name_sql(col text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('CASE WHEN %1$s IS NOT NULL THEN pg_catalog.format(''%%s'', %1$s) END', col);
$$;
COMMENT ON FUNCTION bg_internal._name_sql(text) IS 'Internal: SQL of an account name as stored, from the name column.';

-- Keys (docs/design.md §14).  bg stores a key of the user's tables as the
-- canonical text of its value: equal values give one text.  The family of a
-- type that can hold keys (a domain counts as its base type), or NULL.
CREATE FUNCTION bg_internal._key_family(typ regtype) RETURNS text
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_key_family';
COMMENT ON FUNCTION bg_internal._key_family(regtype) IS 'Internal: the family of a type that can hold keys, or NULL.';

-- The SQL expression of the canonical text of expr, a value of the type of
-- column col of rel; errors when that column cannot hold keys.  Every key bg
-- stores or compares is made by it.  Integers, text, varchar, char and uuid
-- print one text per value; numeric drops trailing zeros (1.0 is 1).
CREATE FUNCTION bg_internal._key_sql(rel regclass, col name, expr text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att pg_attribute;
    fam text;
BEGIN
    SELECT * INTO att FROM pg_attribute a WHERE a.attrelid = rel AND a.attname = col AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'bound column "%" does not exist in table %', col, rel
            USING ERRCODE = 'undefined_column', HINT = 'Bind the table again with its current columns.';
    END IF;
    fam := bg_internal._key_family(att.atttypid::regtype);
    IF fam IS NULL OR NOT coalesce((SELECT c.collisdeterministic FROM pg_collation c WHERE c.oid = att.attcollation),
                                   true) THEN
        RAISE EXCEPTION 'column "%" of % cannot hold keys', col, rel
            USING ERRCODE = 'datatype_mismatch',
                  DETAIL = format('Its type is %s%s.', format_type(att.atttypid, att.atttypmod),
                                  CASE WHEN fam IS NULL THEN ''
                                       ELSE ', with a nondeterministic collation' END),
                  HINT = 'Keys are smallint, integer, bigint, numeric, text, varchar, char or uuid (or a domain over one), with a deterministic collation: types whose equal values have one text.';
    END IF;
    IF fam = 'numeric' THEN
        RETURN format('pg_catalog.trim_scale(%s)::text', expr);
    END IF;
    RETURN format('(%s)::text', expr);
END $$;
COMMENT ON FUNCTION bg_internal._key_sql(regclass, name, text) IS 'Internal: SQL of the canonical text of a key column''s value; errors when the column cannot hold keys.';

-- The text forms of keys of the bound people or accounts (kind), given as
-- keys of any type that casts to the key column's type, or as rows of the
-- table.
CREATE FUNCTION bg_internal._keys(vals anyarray, kind text) RETURNS text[]
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg_internal.binding := bg_internal._bound(kind);
    keytype text := bg_internal._coltype(b.relid, b.key_column);
    elem oid := (SELECT typelem FROM pg_type WHERE oid = pg_typeof(vals));
    canon text := bg_internal._key_sql(b.relid, b.key_column, format('v::%s', keytype));
    src text;
    keys text[];
    nulls bigint;
    st text; msg text; det text; hnt text;
BEGIN
    IF vals IS NULL AND kind = 'people' THEN
        RAISE EXCEPTION 'people must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF vals IS NULL THEN
        RAISE EXCEPTION 'accounts must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF (SELECT t.typtype = 'c' OR t.oid = 'record'::regtype FROM pg_type t WHERE t.oid = elem) THEN
        src := format('SELECT array_agg(DISTINCT %1$s), count(*) FILTER (WHERE v IS NULL)
                         FROM (SELECT u.%2$I AS v FROM unnest($1) AS u) u', canon, b.key_column);
    ELSE
        src := format('SELECT array_agg(DISTINCT %s), count(*) FILTER (WHERE v IS NULL) FROM unnest($1) AS u(v)',
                      canon);
    END IF;
    BEGIN
        EXECUTE src INTO keys, nulls USING vals;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
        hnt := coalesce(nullif(hnt, ''), format('Give keys of type %s (column %I of %s), or rows of %s.',
                                                keytype, b.key_column, b.relid, b.relid));
        IF kind = 'people' THEN
            PERFORM bg_internal._raise_caused('invalid person key', st, msg, det, hnt);
        END IF;
        PERFORM bg_internal._raise_caused('invalid account key', st, msg, det, hnt);
    END;
    IF nulls > 0 AND kind = 'people' THEN
        RAISE EXCEPTION 'people must not contain nulls' USING ERRCODE = 'null_value_not_allowed';
    ELSIF nulls > 0 THEN
        RAISE EXCEPTION 'accounts must not contain nulls' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN coalesce(keys, '{}');
END $$;
COMMENT ON FUNCTION bg_internal._keys(anyarray, text) IS 'Internal: the distinct text forms of people or account keys (given as keys or rows).';

CREATE FUNCTION bg_internal._key(val anyelement, kind text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF val IS NULL AND kind = 'people' THEN
        RAISE EXCEPTION 'person must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF val IS NULL THEN
        RAISE EXCEPTION 'account must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN (bg_internal._keys(ARRAY[val], kind))[1];
END $$;
COMMENT ON FUNCTION bg_internal._key(anyelement, text) IS 'Internal: the text form of one people or account key.';

-- Keys given as one text, the text form of an array ('{1,2}'): what a driver
-- sends for an untyped parameter (node-postgres sends every array so,
-- psycopg2 an empty list).  PostgreSQL cannot resolve an untyped argument
-- against anyarray; it resolves it to the text overloads of the functions
-- that take key arrays, which parse it here and call the anyarray function.
CREATE FUNCTION bg_internal._keys_text(literal text, kind text) RETURNS text[]
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg_internal.binding;
    st text; msg text; det text; hnt text;
BEGIN
    RETURN literal::text[];
EXCEPTION WHEN invalid_text_representation THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    b := bg_internal._bound(kind);
    hnt := format('Give an array of keys: an array literal such as ''{1,2}'', or a parameter cast to an array of the key type, as in $2::%s[].',
                  bg_internal._coltype(b.relid, b.key_column));
    IF kind = 'people' THEN
        PERFORM bg_internal._raise_caused('invalid person key', st, msg, det, hnt);
    END IF;
    PERFORM bg_internal._raise_caused('invalid account key', st, msg, det, hnt);
END $$;
COMMENT ON FUNCTION bg_internal._keys_text(text, text) IS 'Internal: the keys of an array literal (an untyped parameter); errors with a hint naming the cast.';

-- Every read of the bound (user's) tables goes through bg_internal._read: the
-- query, generated by bg over rel (pg_catalog functions only, $1 = keys as
-- text[]), runs as the table's owner in a security-restricted operation,
-- with the calling statement's snapshot (docs/design.md §11).  With a
-- template the query's last column is the whole row of rel and the result
-- has the row's role (or NULL) instead; with a filter (a condition) only the
-- rows that match are returned, their last column true.  Only the owner of
-- bg_internal (bg's SECURITY DEFINER functions) may call it.
CREATE FUNCTION bg_internal._read(rel regclass, query text, keys text[] DEFAULT NULL, template text DEFAULT NULL,
                                  filter text DEFAULT NULL) RETURNS SETOF record
    LANGUAGE c STABLE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_read_as_owner';
COMMENT ON FUNCTION bg_internal._read(regclass, text, text[], text, text) IS 'Internal: rows of a query over a user''s table, read as the table''s owner (with roles or a filter evaluated on its rows).';
REVOKE EXECUTE ON FUNCTION bg_internal._read(regclass, text, text[], text, text) FROM PUBLIC;

-- Errors unless every key exists in the bound table of kind.
CREATE FUNCTION bg_internal._require_keys(keys text[], kind text) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg_internal.binding := bg_internal._bound(kind);
    missing text;
BEGIN
    SELECT string_agg(x.k, ', ' ORDER BY x.k) INTO missing
      FROM bg_internal._read(b.relid,
                             -- an anti-join with the keys found, not a correlated
                             -- subquery: Citus runs it on a distributed table too
                             format('SELECT u.k FROM pg_catalog.unnest($1) AS u(k)
                                       LEFT JOIN (SELECT t.%2$I AS k FROM %1$s t WHERE t.%2$I = ANY ($1::%3$s[])) f
                                              ON f.k = u.k::%3$s
                                      WHERE f.k IS NULL ORDER BY u.k LIMIT 5',
                                    b.relid, b.key_column, bg_internal._coltype(b.relid, b.key_column)),
                             keys) AS x(k text);
    IF missing IS NOT NULL AND kind = 'people' THEN
        RAISE EXCEPTION 'person % not found in %', missing, b.relid
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Keys are looked up in column %I of %s.', b.key_column, b.relid);
    ELSIF missing IS NOT NULL THEN
        RAISE EXCEPTION 'account % not found in %', missing, b.relid
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Keys are looked up in column %I of %s.', b.key_column, b.relid);
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._require_keys(text[], text) IS 'Internal: errors when a key is not in the bound table.';

-- The accounts binding of a solution interest that counts subaccounts: it
-- must have a parent column, and not be a table Citus manages (the walk is a
-- recursive query).
CREATE FUNCTION bg_internal._account_tree(si bg_internal.solution_interest) RETURNS bg_internal.binding
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg_internal.binding := bg_internal._bound('accounts');
BEGIN
    IF bg_internal._citus_table(a.relid) THEN
        RAISE EXCEPTION 'solution interest "%" counts subaccounts, but Citus manages the accounts table %',
                        si.name, a.relid
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Citus runs no recursive query over a distributed table, and the walk down the account hierarchy is one.',
                  HINT = 'Use a solution interest without include_subaccounts.';
    END IF;
    IF a.parent_column IS NULL THEN
        RAISE EXCEPTION 'solution interest "%" counts subaccounts, but the accounts are bound without a parent column',
                        si.name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Bind the accounts again with bg.bind_accounts(..., parent => ''parent column'').';
    END IF;
    RETURN a;
END $$;
COMMENT ON FUNCTION bg_internal._account_tree(bg_internal.solution_interest) IS 'Internal: the accounts binding of a solution interest with subaccounts; errors when it has no parent column or is a Citus table.';

-- Statements built once and kept planned per backend until bg's catalog
-- changes (src/plan_cache.c; live mode).  Only bg's owner may call them.
CREATE FUNCTION bg_internal._plan_ready(key text) RETURNS boolean
    LANGUAGE c STRICT PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_plan_ready';
COMMENT ON FUNCTION bg_internal._plan_ready(text) IS 'Internal: whether a statement is kept planned under key for the current catalog.';
CREATE FUNCTION bg_internal._plan_set(key text, query text, argtypes regtype[]) RETURNS void
    LANGUAGE c STRICT PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_plan_set';
COMMENT ON FUNCTION bg_internal._plan_set(text, text, regtype[]) IS 'Internal: plans a statement and keeps it under key.';
CREATE FUNCTION bg_internal._plan_run(key text, VARIADIC args "any") RETURNS SETOF record
    LANGUAGE c PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_plan_run';
COMMENT ON FUNCTION bg_internal._plan_run(text, "any") IS 'Internal: runs the statement kept under key; its rows.';
CREATE FUNCTION bg_internal._memo(key text) RETURNS text
    LANGUAGE c STRICT PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_memo';
COMMENT ON FUNCTION bg_internal._memo(text) IS 'Internal: the text kept under key for the current catalog, or NULL.';
CREATE FUNCTION bg_internal._memo_set(key text, value text) RETURNS text
    LANGUAGE c STRICT PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_memo_set';
COMMENT ON FUNCTION bg_internal._memo_set(text, text) IS 'Internal: keeps a text under key until bg''s catalog changes; returns it.';
