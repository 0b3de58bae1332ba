-- Binding the user's people and account tables (docs/design.md §3).

-- Errors unless rel has column col.  The caller gives its own fixed message
-- for a NULL column name, and the DETAIL saying which column was named.
CREATE FUNCTION bg_internal._require_column(rel regclass, col name, null_message text, named_as text) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cols text;
BEGIN
    IF col IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = null_message;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_attribute
                    WHERE attrelid = rel AND attname = col AND attnum > 0 AND NOT attisdropped) THEN
        SELECT string_agg(format('%I', attname), ', ' ORDER BY attnum) INTO cols
          FROM pg_attribute WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped;
        RAISE EXCEPTION 'column "%" does not exist in table %', col, rel
            USING ERRCODE = 'undefined_column',
                  DETAIL = named_as,
                  HINT = format('The columns of %s are: %s.', rel, cols);
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._require_column(regclass, name, text, text) IS 'Internal: errors when a table lacks a column.';

CREATE FUNCTION bg_internal._require_table(rel regclass) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF rel IS NULL THEN
        RAISE EXCEPTION 'table must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_class WHERE oid = rel) THEN
        RAISE EXCEPTION 'table with OID % does not exist', rel::oid USING ERRCODE = 'undefined_table';
    END IF;
    IF (SELECT relkind FROM pg_class WHERE oid = rel) NOT IN ('r', 'p', 'v', 'm', 'f') THEN
        RAISE EXCEPTION '"%" is not a table or view', rel USING ERRCODE = 'wrong_object_type';
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._require_table(regclass) IS 'Internal: errors unless rel is a table, view or materialized view.';

-- The optional columns of a binding that the exchanges of docs/design.md §9
-- read (mapping names and the columns given for them, NULL for none), as
-- bg_internal.binding.mappings stores them: {"email": "mail", ...}.  Errors
-- when a column is missing (42703) or not of a string type or an enum
-- (42804; a postal code may also be a number).
CREATE FUNCTION bg_internal._mappings(rel regclass, names text[], cols name[]) RETURNS jsonb
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m jsonb := '{}';
    t regtype;
    cat "char";
BEGIN
    FOR i IN 1 .. cardinality(names) LOOP
        CONTINUE WHEN cols[i] IS NULL;
        PERFORM bg_internal._require_column(rel, cols[i], NULL, format('It was named as the %s column.', names[i]));
        t := bg_internal._column_type(rel, cols[i]);
        SELECT y.typcategory INTO cat FROM pg_type y WHERE y.oid = bg_internal._base_type(t);
        IF NOT (cat IN ('S', 'E') OR (names[i] = 'postal_code' AND cat = 'N')) THEN
            RAISE EXCEPTION 'column "%" of % cannot be the % column', cols[i], rel, names[i]
                USING ERRCODE = 'datatype_mismatch',
                      DETAIL = format('Its type is %s.', format_type(t, NULL)),
                      HINT = CASE WHEN names[i] = 'postal_code'
                                  THEN 'A postal code column is of a string type (text, varchar, char), an enum or a number, or a domain over one.'
                                  ELSE format('The %s column is of a string type (text, varchar, char) or an enum, or a domain over one.', names[i]) END;
        END IF;
        m := m || jsonb_build_object(names[i], cols[i]);
    END LOOP;
    RETURN m;
END $$;
COMMENT ON FUNCTION bg_internal._mappings(regclass, text[], name[]) IS 'Internal: the optional columns of a binding as stored; errors when one is missing or of an unusable type.';

CREATE FUNCTION bg.bind_people(people regclass, key name DEFAULT 'id', account name DEFAULT 'account_id',
                               email name DEFAULT NULL, first_name name DEFAULT NULL, last_name name DEFAULT NULL,
                               job_title name DEFAULT NULL, country name DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tr record;
    m jsonb;
BEGIN
    PERFORM bg_internal._require_table($1);
    PERFORM bg_internal._require_column($1, $2, 'key column must not be null', 'It was named as the key column.');
    PERFORM bg_internal._require_column($1, $3, 'account column must not be null', 'It was named as the account column.');
    PERFORM bg_internal._key_sql($1, $2, '');
    PERFORM bg_internal._key_sql($1, $3, '');
    m := bg_internal._mappings($1, ARRAY['email', 'first_name', 'last_name', 'job_title', 'country'],
                               ARRAY[$4, $5, $6, $7, $8]);
    -- every saved condition must hold against the new table
    FOR tr IN SELECT t.name AS template, r.name AS role, x.condition
                FROM bg_internal.template_role x JOIN bg_internal.template t ON t.id = x.template_id
                JOIN bg_internal.role r ON r.id = x.role_id
               WHERE x.condition IS NOT NULL ORDER BY t.name, x.priority LOOP
        BEGIN
            PERFORM bg.check_condition(tr.condition, $1);
        EXCEPTION WHEN OTHERS THEN
            DECLARE st text; msg text; det text; hnt text;
            BEGIN
                GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                        det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
                PERFORM bg_internal._raise_caused(format('cannot bind %s: the condition of role "%s" in roles template "%s" does not fit it',
                                                $1, tr.role, tr.template), st, msg, det, hnt);
            END;
        END;
    END LOOP;
    INSERT INTO bg_internal.binding (kind, relid, key_column, account_column, key_type, account_type, mappings)
    VALUES ('people', $1, $2, $3, bg_internal._column_type($1, $2), bg_internal._column_type($1, $3), m)
    ON CONFLICT (kind) DO UPDATE
       SET relid = excluded.relid, key_column = excluded.key_column,
           account_column = excluded.account_column, bound_at = now(),
           key_type = excluded.key_type, account_type = excluded.account_type, mappings = excluded.mappings;
END $$;
COMMENT ON FUNCTION bg.bind_people(regclass, name, name, name, name, name, name, name) IS
    'Binds the user''s people table: its key column, the column that names the person''s account, and optionally the email, first_name, last_name, job_title and country columns that exports read.';

CREATE FUNCTION bg.bind_accounts(accounts regclass, key name DEFAULT 'id', name name DEFAULT 'name',
                                 parent name DEFAULT NULL, domain name DEFAULT NULL, website name DEFAULT NULL,
                                 industry name DEFAULT NULL, city name DEFAULT NULL, state name DEFAULT NULL,
                                 country name DEFAULT NULL, postal_code name DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    m jsonb;
BEGIN
    PERFORM bg_internal._require_table($1);
    PERFORM bg_internal._require_column($1, $2, 'key column must not be null', 'It was named as the key column.');
    PERFORM bg_internal._require_column($1, $3, 'name column must not be null', 'It was named as the name column.');
    IF $4 IS NOT NULL THEN
        PERFORM bg_internal._require_column($1, $4, 'parent column must not be null', 'It was named as the parent column.');
        PERFORM bg_internal._key_sql($1, $4, '');
    END IF;
    PERFORM bg_internal._key_sql($1, $2, '');
    m := bg_internal._mappings($1, ARRAY['domain', 'website', 'industry', 'city', 'state', 'country', 'postal_code'],
                               ARRAY[$5, $6, $7, $8, $9, $10, $11]);
    -- live mode's trigger moves to the new table (bg.watch_people)
    IF EXISTS (SELECT FROM bg_internal.binding b JOIN pg_class c ON c.oid = b.relid WHERE b.kind = 'accounts') THEN
        PERFORM bg_internal._unwatch((SELECT b.relid FROM bg_internal.binding b WHERE b.kind = 'accounts'));
    END IF;
    INSERT INTO bg_internal.binding (kind, relid, key_column, name_column, parent_column, key_type, parent_type, mappings)
    VALUES ('accounts', $1, $2, $3, $4, bg_internal._column_type($1, $2), bg_internal._column_type($1, $4), m)
    ON CONFLICT (kind) DO UPDATE
       SET relid = excluded.relid, key_column = excluded.key_column,
           name_column = excluded.name_column, parent_column = excluded.parent_column,
           bound_at = now(), key_type = excluded.key_type, parent_type = excluded.parent_type,
           mappings = excluded.mappings;
    IF EXISTS (SELECT FROM bg_internal.binding b WHERE b.kind = 'people' AND b.watched) THEN
        PERFORM bg.watch_people(true);
    END IF;
END $$;
COMMENT ON FUNCTION bg.bind_accounts(regclass, name, name, name, name, name, name, name, name, name, name) IS
    'Binds the user''s account table: its key, name and (optional) parent account columns, and optionally the domain, website, industry, city, state, country and postal_code columns that exports read.';

CREATE VIEW bg.bindings AS
SELECT b.kind,
       (SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
         WHERE c.oid OPERATOR(pg_catalog.=) b.relid) AS bound_table,
       b.key_column, b.account_column, b.name_column, b.parent_column,
       b.mappings, b.watched AS live_mode, b.bound_at
  FROM bg_internal.binding b
 ORDER BY b.kind;
COMMENT ON VIEW bg.bindings IS 'The bound people and accounts tables (bg.bind_people, bg.bind_accounts) and the columns bg reads in them.';
COMMENT ON COLUMN bg.bindings.kind IS 'people or accounts.';
COMMENT ON COLUMN bg.bindings.bound_table IS 'The bound table, view, materialized view or foreign table, schema-qualified; NULL when it was dropped with its schema.';
COMMENT ON COLUMN bg.bindings.key_column IS 'The key column.';
COMMENT ON COLUMN bg.bindings.account_column IS 'people: the column naming the person''s account; NULL for accounts.';
COMMENT ON COLUMN bg.bindings.name_column IS 'accounts: the account name column; NULL for people.';
COMMENT ON COLUMN bg.bindings.parent_column IS 'accounts: the parent account column (hierarchies), or NULL.';
COMMENT ON COLUMN bg.bindings.mappings IS 'jsonb {mapping: column} of the optional columns the exchanges read (people: email, first_name, last_name, job_title, country; accounts: domain, website, industry, city, state, country, postal_code); {} when none is mapped.';
COMMENT ON COLUMN bg.bindings.live_mode IS 'people: whether live mode is on (bg.watch_people).';
COMMENT ON COLUMN bg.bindings.bound_at IS 'When the table was (last) bound.';
