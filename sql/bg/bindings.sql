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

CREATE FUNCTION bg.bind_people(people regclass, key name DEFAULT 'id', account name DEFAULT 'account_id')
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tr record;
BEGIN
    PERFORM bg_internal._require_table($1);
    PERFORM bg_internal._require_column($1, $2, 'key column must not be null', 'It was named as the key column.');
    PERFORM bg_internal._require_column($1, $3, 'account column must not be null', 'It was named as the account column.');
    PERFORM bg_internal._key_sql($1, $2, '');
    PERFORM bg_internal._key_sql($1, $3, '');
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
    INSERT INTO bg_internal.binding (kind, relid, key_column, account_column, key_type, account_type)
    VALUES ('people', $1, $2, $3, bg_internal._column_type($1, $2), bg_internal._column_type($1, $3))
    ON CONFLICT (kind) DO UPDATE
       SET relid = excluded.relid, key_column = excluded.key_column,
           account_column = excluded.account_column, bound_at = now(),
           key_type = excluded.key_type, account_type = excluded.account_type;
END $$;
COMMENT ON FUNCTION bg.bind_people(regclass, name, name) IS
    'Binds the user''s people table: its key column and the column that names the person''s account.';

CREATE FUNCTION bg.bind_accounts(accounts regclass, key name DEFAULT 'id', name name DEFAULT 'name',
                                 parent name DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    PERFORM bg_internal._require_table($1);
    PERFORM bg_internal._require_column($1, $2, 'key column must not be null', 'It was named as the key column.');
    PERFORM bg_internal._require_column($1, $3, 'name column must not be null', 'It was named as the name column.');
    IF $4 IS NOT NULL THEN
        PERFORM bg_internal._require_column($1, $4, 'parent column must not be null', 'It was named as the parent column.');
        PERFORM bg_internal._key_sql($1, $4, '');
    END IF;
    PERFORM bg_internal._key_sql($1, $2, '');
    -- live mode's trigger moves to the new table (bg.watch_people)
    IF EXISTS (SELECT FROM bg_internal.binding b JOIN pg_class c ON c.oid = b.relid WHERE b.kind = 'accounts') THEN
        PERFORM bg_internal._unwatch((SELECT b.relid FROM bg_internal.binding b WHERE b.kind = 'accounts'));
    END IF;
    INSERT INTO bg_internal.binding (kind, relid, key_column, name_column, parent_column, key_type, parent_type)
    VALUES ('accounts', $1, $2, $3, $4, bg_internal._column_type($1, $2), bg_internal._column_type($1, $4))
    ON CONFLICT (kind) DO UPDATE
       SET relid = excluded.relid, key_column = excluded.key_column,
           name_column = excluded.name_column, parent_column = excluded.parent_column,
           bound_at = now(), key_type = excluded.key_type, parent_type = excluded.parent_type;
    IF EXISTS (SELECT FROM bg_internal.binding b WHERE b.kind = 'people' AND b.watched) THEN
        PERFORM bg.watch_people(true);
    END IF;
END $$;
COMMENT ON FUNCTION bg.bind_accounts(regclass, name, name, name) IS
    'Binds the user''s account table: its key, name and (optional) parent account columns.';
