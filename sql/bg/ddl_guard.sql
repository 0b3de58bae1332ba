-- The DDL guard: event triggers that keep the bound tables usable by bg
-- (docs/design.md §3, §14).  A column bg reads — a binding column, a column
-- a role condition reads (people), a column a dynamic account list's filter
-- reads (accounts), the person, type and time columns of the bound
-- activities table — cannot be dropped or changed so that bg no longer fits
-- it; a renamed binding column is followed; a bound table cannot be dropped
-- by name.  Both triggers return at once unless a bound table is involved,
-- and stand aside while a superuser's session loads a dump (bg_internal._restoring),
-- as the member triggers do.  SECURITY DEFINER: whoever runs
-- DDL needs no access to bg's tables.

-- Who in bg reads column col of the bound table of b: {DETAIL, HINT} of the
-- first user found, or NULL.
CREATE FUNCTION bg_internal._column_user(b bg_internal.binding, col text) RETURNS text[]
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT u.v FROM (
        SELECT 1 AS o, ARRAY[format('It is the %s column of the %s binding.', x.what, b.kind),
                             format('Bind the table again without it first (bg.bind_%s).', b.kind)] AS v
          FROM (VALUES ('key', b.key_column), ('account', b.account_column), ('name', b.name_column),
                       ('parent', b.parent_column)
                UNION ALL
                SELECT m.key, m.value FROM jsonb_each_text(b.mappings) m) AS x(what, c)
         WHERE x.c = col
        UNION ALL
        SELECT 2, ARRAY[format('The condition of role "%s" in %s roles template "%s" reads it.', r.name, t.status, t.name),
                        CASE WHEN t.status = 'live'
                             THEN 'A live roles template never changes: keep the column as it is.'
                             ELSE 'Change the condition first (bg.set_condition), or drop the draft.' END]
          FROM bg_internal.template_role x JOIN bg_internal.template t ON t.id = x.template_id JOIN bg_internal.role r ON r.id = x.role_id
         WHERE b.kind = 'people' AND x.condition IS NOT NULL AND col = ANY (bg_internal._condition_columns(x.condition))
        UNION ALL
        SELECT 3, ARRAY[format('The filter of account list "%s" reads it.', l.name),
                        'Drop the account list first (bg.drop_account_list).']
          FROM bg_internal.account_list l
         WHERE b.kind = 'accounts' AND l.filter IS NOT NULL AND col = ANY (bg_internal._condition_columns(l.filter))
        ORDER BY 1 LIMIT 1) u;
$$;
COMMENT ON FUNCTION bg_internal._column_user(bg_internal.binding, text) IS 'Internal: what in bg reads a column of a bound table.';

-- The same for column col of the bound activities table.
CREATE FUNCTION bg_internal._activity_column_user(col text) RETURNS text[]
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ARRAY[format('It is the %s column of the activities binding.', x.what),
                 'Bind the table again without it first (bg.bind_activities).']
      FROM bg_internal.activity_binding a,
           LATERAL (VALUES (1, 'person', a.person_column), (2, 'activity type', a.type_column),
                           (3, 'time', a.at_column)) AS x(o, what, c)
     WHERE x.c = col
     ORDER BY x.o LIMIT 1;
$$;
COMMENT ON FUNCTION bg_internal._activity_column_user(text) IS 'Internal: whether bg reads a column of the bound activities table.';

-- sql_drop: refuses to drop a bound table by name, or a column bg reads.
CREATE FUNCTION bg_internal._ddl_guard_drop() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    o record;
    u text[];
    col text;
BEGIN
    IF bg_internal._restoring()
       OR NOT EXISTS (SELECT FROM bg_internal.binding UNION ALL SELECT FROM bg_internal.activity_binding) THEN
        RETURN;
    END IF;
    -- the people, accounts and activities tables (b is NULL for activities)
    FOR o IN SELECT d.objsubid, d.original, d.object_identity, d.address_names, x.kind, x.relid, x.b AS binding
               FROM pg_event_trigger_dropped_objects() d
               JOIN (SELECT b.kind, b.relid::oid AS relid, b FROM bg_internal.binding b
                     UNION ALL
                     SELECT 'activities', a.relid::oid, NULL::bg_internal.binding FROM bg_internal.activity_binding a) x
                 ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = x.relid
              ORDER BY x.kind, d.objsubid LOOP
        IF o.objsubid = 0 AND o.original THEN
            RAISE EXCEPTION 'cannot drop %: it is the bound % table', o.object_identity, o.kind
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = format('Bind another table first (bg.bind_%s), or drop the extension bg.', o.kind);
        ELSIF o.objsubid > 0 AND NOT EXISTS (SELECT FROM pg_event_trigger_dropped_objects() t
                                              WHERE t.classid = 'pg_catalog.pg_class'::regclass
                                                AND t.objid = o.relid AND t.objsubid = 0) THEN
            col := o.address_names[pg_catalog.array_upper(o.address_names, 1)];
            u := CASE WHEN o.kind = 'activities' THEN bg_internal._activity_column_user(col)
                      ELSE bg_internal._column_user(o.binding, col) END;
            IF u IS NOT NULL THEN
                RAISE EXCEPTION 'cannot drop column %: bg reads it', o.object_identity
                    USING ERRCODE = 'dependent_objects_still_exist', DETAIL = u[1], HINT = u[2];
            END IF;
        END IF;
    END LOOP;
END $$;
COMMENT ON FUNCTION bg_internal._ddl_guard_drop() IS 'Internal: event trigger refusing to drop a bound table (people, accounts, activities) or a column bg reads.';

-- Refuses a key column (col, the what column of the kind binding) whose type
-- changed from was to now (NULL: gone) so that its keys' texts may differ.
CREATE FUNCTION bg_internal._require_key_type(rel regclass, col name, what text, kind text, was regtype, now regtype)
    RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF was IS DISTINCT FROM now
       AND (was IS NULL OR bg_internal._key_family(was) IS DISTINCT FROM bg_internal._key_family(now)) THEN
        RAISE EXCEPTION 'cannot change the type of column "%" of %: it is the % column of the % binding',
                        col, rel, what, kind
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = format('bg stores its keys as the text of %s values; as %s the same keys can have other texts.',
                                  was, now),
                  HINT = 'A key column may change between smallint, integer and bigint, or between text and varchar.';
    END IF;
    PERFORM bg_internal._key_sql(rel, col, '');
END $$;
COMMENT ON FUNCTION bg_internal._require_key_type(regclass, name, text, text, regtype, regtype) IS 'Internal: refuses a key column whose type changed so that its keys'' texts may differ.';

-- After DDL on the bound table of b: follows a renamed binding column,
-- mapped columns (bg.bind_people's email ...) included (renamed: its
-- attribute number, or NULL), refuses a key column whose type
-- changed to one whose texts differ, and refuses a change that leaves a
-- condition or filter unfit for the table.
CREATE FUNCTION bg_internal._check_bound(b bg_internal.binding, renamed smallint) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    missing text[];
    newname name;
    c record;
    st text; msg text; det text;
BEGIN
    SELECT array_agg(DISTINCT x.c) INTO missing
      FROM (SELECT unnest(ARRAY[b.key_column, b.account_column, b.name_column, b.parent_column])
            UNION ALL
            SELECT m.value FROM jsonb_each_text(b.mappings) m) AS x(c)
     WHERE x.c IS NOT NULL AND bg_internal._column_type(b.relid, x.c) IS NULL;
    IF missing IS NOT NULL THEN
        SELECT a.attname INTO newname FROM pg_attribute a WHERE a.attrelid = b.relid AND a.attnum = renamed;
        IF newname IS NULL OR cardinality(missing) > 1 THEN
            RAISE EXCEPTION 'cannot alter %: its bound column "%" is gone', b.relid, missing[1]
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = format('Bind the table again with its current columns (bg.bind_%s).', b.kind);
        END IF;
        -- a binding column was renamed: follow it
        UPDATE bg_internal.binding x
           SET key_column = CASE WHEN x.key_column = missing[1] THEN newname ELSE x.key_column END,
               account_column = CASE WHEN x.account_column = missing[1] THEN newname ELSE x.account_column END,
               name_column = CASE WHEN x.name_column = missing[1] THEN newname ELSE x.name_column END,
               parent_column = CASE WHEN x.parent_column = missing[1] THEN newname ELSE x.parent_column END,
               mappings = (SELECT coalesce(jsonb_object_agg(m.key, CASE WHEN m.value = missing[1] THEN newname::text
                                                                        ELSE m.value END), '{}')
                             FROM jsonb_each_text(x.mappings) m)
         WHERE x.kind = b.kind
        RETURNING * INTO b;
    END IF;
    FOR c IN SELECT x.what, x.col, x.was, bg_internal._column_type(b.relid, x.col) AS now
               FROM (VALUES ('key', b.key_column, b.key_type), ('account', b.account_column, b.account_type),
                            ('parent', b.parent_column, b.parent_type)) AS x(what, col, was)
              WHERE x.col IS NOT NULL LOOP
        PERFORM bg_internal._require_key_type(b.relid, c.col, c.what, b.kind, c.was, c.now);
    END LOOP;
    UPDATE bg_internal.binding x SET key_type = bg_internal._column_type(b.relid, b.key_column),
                            account_type = bg_internal._column_type(b.relid, b.account_column),
                            parent_type = bg_internal._column_type(b.relid, b.parent_column)
     WHERE x.kind = b.kind
       AND (x.key_type, x.account_type, x.parent_type) IS DISTINCT FROM
           (bg_internal._column_type(b.relid, b.key_column), bg_internal._column_type(b.relid, b.account_column),
            bg_internal._column_type(b.relid, b.parent_column));
    -- the mapped columns keep a type the exchanges can use
    BEGIN
        PERFORM bg_internal._mappings(b.relid, ARRAY(SELECT m.key FROM jsonb_each_text(b.mappings) m ORDER BY 1),
                                      ARRAY(SELECT m.value::name FROM jsonb_each_text(b.mappings) m ORDER BY m.key));
    EXCEPTION WHEN datatype_mismatch THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
        PERFORM bg_internal._raise_caused(format('cannot alter %s: a mapped column of the %s binding would no longer fit it',
                                                 b.relid, b.kind),
                                          'dependent_objects_still_exist', msg, det,
                                          format('Bind the table again without it first (bg.bind_%s).', b.kind));
    END;
    FOR c IN SELECT format('the condition of role "%s" in roles template "%s"', r.name, t.name) AS what,
                    x.condition AS cond,
                    CASE WHEN t.status = 'live' THEN 'A live roles template never changes: keep the column as it was.'
                         ELSE 'Change the condition first (bg.set_condition), or drop the draft.' END AS hint
               FROM bg_internal.template_role x JOIN bg_internal.template t ON t.id = x.template_id JOIN bg_internal.role r ON r.id = x.role_id
              WHERE b.kind = 'people' AND x.condition IS NOT NULL
             UNION ALL
             SELECT format('the filter of account list "%s"', l.name), l.filter,
                    'Drop the account list first (bg.drop_account_list).'
               FROM bg_internal.account_list l WHERE b.kind = 'accounts' AND l.filter IS NOT NULL
             ORDER BY 1 LOOP
        BEGIN
            PERFORM bg.check_condition(c.cond, b.relid);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
            PERFORM bg_internal._raise_caused(format('cannot alter %s: %s would no longer fit it', b.relid, c.what),
                                     'dependent_objects_still_exist', msg, det, c.hint);
        END;
    END LOOP;
END $$;
COMMENT ON FUNCTION bg_internal._check_bound(bg_internal.binding, smallint) IS 'Internal: checks a bound table after DDL; follows a renamed binding column.';

-- After DDL on the bound activities table: follows a renamed person, type
-- or time column (renamed: its attribute number, or NULL), refuses a person
-- column whose type changed as a key column's is refused, and a type or
-- time column of another type than bg.bind_activities accepts.
CREATE FUNCTION bg_internal._check_activities(renamed smallint) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg_internal.activity_binding := (SELECT x FROM bg_internal.activity_binding x);
    missing text[];
    newname name;
    c record;
BEGIN
    SELECT array_agg(DISTINCT x.c) INTO missing
      FROM unnest(ARRAY[a.person_column, a.type_column, a.at_column]) AS x(c)
     WHERE bg_internal._column_type(a.relid, x.c) IS NULL;
    IF missing IS NOT NULL THEN
        SELECT t.attname INTO newname FROM pg_attribute t WHERE t.attrelid = a.relid AND t.attnum = renamed;
        IF newname IS NULL OR cardinality(missing) > 1 THEN
            RAISE EXCEPTION 'cannot alter %: its bound column "%" is gone', a.relid, missing[1]
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = 'Bind the table again with its current columns (bg.bind_activities).';
        END IF;
        -- a binding column was renamed: follow it
        UPDATE bg_internal.activity_binding x
           SET person_column = CASE WHEN x.person_column = missing[1] THEN newname ELSE x.person_column END,
               type_column = CASE WHEN x.type_column = missing[1] THEN newname ELSE x.type_column END,
               at_column = CASE WHEN x.at_column = missing[1] THEN newname ELSE x.at_column END
        RETURNING * INTO a;
    END IF;
    PERFORM bg_internal._require_key_type(a.relid, a.person_column, 'person', 'activities', a.person_type,
                                          bg_internal._column_type(a.relid, a.person_column));
    FOR c IN SELECT x.what, x.col, x.want
               FROM (VALUES ('activity type', a.type_column, ARRAY['text', 'character varying', 'character']::regtype[]),
                            ('time', a.at_column, ARRAY['timestamp with time zone']::regtype[])) AS x(what, col, want)
              WHERE bg_internal._base_type(bg_internal._column_type(a.relid, x.col)) <> ALL (x.want) LOOP
        RAISE EXCEPTION 'cannot change the type of column "%" of %: it is the % column of the % binding',
                        c.col, a.relid, c.what, 'activities'
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = format('bg reads it as %s; it is of type %s now.', array_to_string(c.want::text[], ', '),
                                  bg_internal._column_type(a.relid, c.col)),
                  HINT = 'Keep the column''s type, or bind a view that casts it (bg.bind_activities).';
    END LOOP;
    UPDATE bg_internal.activity_binding x SET person_type = bg_internal._column_type(a.relid, a.person_column)
     WHERE x.person_type IS DISTINCT FROM bg_internal._column_type(a.relid, a.person_column);
END $$;
COMMENT ON FUNCTION bg_internal._check_activities(smallint) IS 'Internal: checks the bound activities table after DDL; follows a renamed binding column.';

-- ddl_command_end of ALTER commands: checks each bound table the command
-- changed (directly or through a parent table); ALTER TYPE and ALTER DOMAIN,
-- which can reach a table through its columns' types or its row type,
-- check every bound table.
CREATE FUNCTION bg_internal._ddl_guard_alter() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    x record;
    renamed smallint;
BEGIN
    IF bg_internal._restoring()
       OR NOT EXISTS (SELECT FROM bg_internal.binding UNION ALL SELECT FROM bg_internal.activity_binding) THEN
        RETURN;
    END IF;
    -- the people, accounts and activities tables (b is NULL for activities)
    FOR x IN SELECT y.kind, y.relid, y.b
               FROM (SELECT b.kind, b.relid::oid AS relid, b FROM bg_internal.binding b
                     UNION ALL
                     SELECT 'activities', a.relid::oid, NULL::bg_internal.binding FROM bg_internal.activity_binding a) y
              WHERE EXISTS (SELECT FROM pg_event_trigger_ddl_commands() c
                             WHERE c.command_tag IN ('ALTER TYPE', 'ALTER DOMAIN')
                                OR (c.classid = 'pg_catalog.pg_class'::regclass
                                    AND c.objid IN (WITH RECURSIVE up(r) AS (
                                                        SELECT y.relid
                                                        UNION SELECT i.inhparent FROM up JOIN pg_inherits i ON i.inhrelid = up.r)
                                                    SELECT up.r FROM up)))
              ORDER BY y.kind LOOP
        -- a renamed column of the table, or of the composite type of a typed table
        renamed := (SELECT max(c.objsubid)::smallint FROM pg_event_trigger_ddl_commands() c
                     WHERE c.classid = 'pg_catalog.pg_class'::regclass AND c.objsubid > 0
                       AND c.objid IN (SELECT k.oid FROM pg_class k WHERE k.oid = x.relid
                                       UNION ALL
                                       SELECT t.typrelid FROM pg_class k JOIN pg_type t ON t.oid = k.reloftype
                                        WHERE k.oid = x.relid));
        IF x.kind = 'activities' THEN
            PERFORM bg_internal._check_activities(renamed);
        ELSE
            PERFORM bg_internal._check_bound(x.b, renamed);
        END IF;
    END LOOP;
END $$;
COMMENT ON FUNCTION bg_internal._ddl_guard_alter() IS 'Internal: event trigger checking the bound tables (people, accounts, activities) after ALTER commands.';

CREATE EVENT TRIGGER bg_ddl_guard ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'ALTER VIEW', 'ALTER MATERIALIZED VIEW', 'ALTER FOREIGN TABLE', 'ALTER TYPE',
                 'ALTER DOMAIN')
    EXECUTE FUNCTION bg_internal._ddl_guard_alter();
CREATE EVENT TRIGGER bg_drop_guard ON sql_drop
    EXECUTE FUNCTION bg_internal._ddl_guard_drop();
