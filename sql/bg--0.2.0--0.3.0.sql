-- bg 0.2.0 -> 0.3.0: the source reorganized by feature (sql/bg/), with no
-- change of behaviour but these: bg.create_buying_groups raises its error
-- unless record_failure is true; error messages are fixed texts per call
-- site, with the message of a causing error in DETAIL; the SQL builders of
-- rule memberships are one function per statement shape; keys are stored as
-- the canonical text of their value (1.0 is 1) and key columns must be of a
-- type that has one; an event trigger guards the bound tables' columns.
\echo Use "ALTER EXTENSION bg UPDATE TO '0.3.0'" to load this file. \quit

-- bg.binding records the types of the key columns (the DDL guard)
ALTER TABLE bg.binding ADD COLUMN key_type regtype, ADD COLUMN account_type regtype, ADD COLUMN parent_type regtype;
UPDATE bg.binding b
   SET key_type = (SELECT a.atttypid FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = b.relid AND a.attname = b.key_column AND NOT a.attisdropped),
       account_type = (SELECT a.atttypid FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = b.relid AND a.attname = b.account_column AND NOT a.attisdropped),
       parent_type = (SELECT a.atttypid FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = b.relid AND a.attname = b.parent_column AND NOT a.attisdropped);

-- >>> functions: generated from sql/bg/ by comparing 0.2.0 with a fresh install
DROP FUNCTION bg._account_tree(text),
              bg._check_cycles(bg.solution_interest, text, text[]),
              bg._custom_role_id(text, text),
              bg._desired_sql(bg.solution_interest, text),
              bg._key(anyelement, text, text),
              bg._keys(anyarray, text, text),
              bg._require_column(regclass, name, text),
              bg._require_text(text, text),
              bg._reraise(text, text, text, text),
              bg._role_case(integer, text, boolean),
              bg._walk_sql(bg.solution_interest, text),
              bg.create_buying_groups(text, text);

-- sql/bg/helpers.sql
CREATE FUNCTION bg._require_name(value text, null_message text, blank_message text) RETURNS text
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
COMMENT ON FUNCTION bg._require_name(text, text, text) IS 'Internal: a name without surrounding white space; errors when NULL or blank.';

CREATE FUNCTION bg._cause_detail(cause text, cause_detail text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT upper(left(cause, 1)) || substr(cause, 2)
           || CASE WHEN right(cause, 1) = '.' THEN '' ELSE '.' END
           || coalesce(' ' || nullif(cause_detail, ''), '');
$$;
COMMENT ON FUNCTION bg._cause_detail(text, text) IS 'Internal: the DETAIL of an error caused by another one.';

CREATE FUNCTION bg._raise_caused(message text, st text, cause text, cause_detail text, cause_hint text)
    RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF cause_hint IS NOT NULL AND cause_hint <> '' THEN
        RAISE EXCEPTION USING ERRCODE = st, MESSAGE = message, DETAIL = bg._cause_detail(cause, cause_detail),
                              HINT = cause_hint;
    END IF;
    RAISE EXCEPTION USING ERRCODE = st, MESSAGE = message, DETAIL = bg._cause_detail(cause, cause_detail);
END $$;
COMMENT ON FUNCTION bg._raise_caused(text, text, text, text, text) IS 'Internal: raises an error caused by another one, with the cause in DETAIL.';

CREATE OR REPLACE FUNCTION bg._bound(kind text) RETURNS bg.binding
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg.binding;
BEGIN
    SELECT * INTO b FROM bg.binding x WHERE x.kind = $1;
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
COMMENT ON FUNCTION bg._bound(text) IS 'Internal: the people or accounts binding; errors when unbound.';

CREATE OR REPLACE FUNCTION bg._coltype(rel regclass, col name) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH RECURSIVE d(t, base) AS (
        SELECT a.atttypid, y.typbasetype FROM pg_attribute a JOIN pg_type y ON y.oid = a.atttypid
         WHERE a.attrelid = rel AND a.attname = col AND NOT a.attisdropped
        UNION ALL
        SELECT y.oid, y.typbasetype FROM d JOIN pg_type y ON y.oid = d.base WHERE d.base <> 0)
    SELECT CASE WHEN d.t = 'pg_catalog.bpchar'::regtype THEN 'pg_catalog.bpchar'
                ELSE format_type(d.t, NULL) END
      FROM d WHERE d.base = 0;
$$;
COMMENT ON FUNCTION bg._coltype(regclass, name) IS 'Internal: the base type of a column (without domain or length limit), as SQL text.';

CREATE FUNCTION bg._key_family(typ regtype) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH RECURSIVE d(t, base) AS (
        SELECT y.oid, y.typbasetype FROM pg_type y WHERE y.oid = typ
        UNION ALL
        SELECT y.oid, y.typbasetype FROM d JOIN pg_type y ON y.oid = d.base)
    SELECT CASE WHEN d.t IN ('pg_catalog.int2'::regtype, 'pg_catalog.int4'::regtype, 'pg_catalog.int8'::regtype)
                THEN 'integer'
                WHEN d.t IN ('pg_catalog.text'::regtype, 'pg_catalog.varchar'::regtype) THEN 'text'
                WHEN d.t = 'pg_catalog.numeric'::regtype THEN 'numeric'
                WHEN d.t = 'pg_catalog.bpchar'::regtype THEN 'char'
                WHEN d.t = 'pg_catalog.uuid'::regtype THEN 'uuid' END
      FROM d WHERE d.base = 0;
$$;
COMMENT ON FUNCTION bg._key_family(regtype) IS 'Internal: the family of a type that can hold keys, or NULL.';

CREATE FUNCTION bg._key_sql(rel regclass, col name, expr text) RETURNS text
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
    fam := bg._key_family(att.atttypid::regtype);
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
COMMENT ON FUNCTION bg._key_sql(regclass, name, text) IS 'Internal: SQL of the canonical text of a key column''s value; errors when the column cannot hold keys.';

CREATE FUNCTION bg._keys(vals anyarray, kind text) RETURNS text[]
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg.binding := bg._bound(kind);
    keytype text := bg._coltype(b.relid, b.key_column);
    elem oid := (SELECT typelem FROM pg_type WHERE oid = pg_typeof(vals));
    canon text := bg._key_sql(b.relid, b.key_column, format('v::%s', keytype));
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
            PERFORM bg._raise_caused('invalid person key', st, msg, det, hnt);
        END IF;
        PERFORM bg._raise_caused('invalid account key', st, msg, det, hnt);
    END;
    IF nulls > 0 AND kind = 'people' THEN
        RAISE EXCEPTION 'people must not contain nulls' USING ERRCODE = 'null_value_not_allowed';
    ELSIF nulls > 0 THEN
        RAISE EXCEPTION 'accounts must not contain nulls' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN coalesce(keys, '{}');
END $$;
COMMENT ON FUNCTION bg._keys(anyarray, text) IS 'Internal: the distinct text forms of people or account keys (given as keys or rows).';

CREATE FUNCTION bg._key(val anyelement, kind text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF val IS NULL AND kind = 'people' THEN
        RAISE EXCEPTION 'person must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF val IS NULL THEN
        RAISE EXCEPTION 'account must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN (bg._keys(ARRAY[val], kind))[1];
END $$;
COMMENT ON FUNCTION bg._key(anyelement, text) IS 'Internal: the text form of one people or account key.';

CREATE OR REPLACE FUNCTION bg._require_keys(keys text[], kind text) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg.binding := bg._bound(kind);
    missing text;
BEGIN
    EXECUTE format('SELECT string_agg(k, '', '' ORDER BY k) FROM (SELECT k FROM unnest($1) AS k
                     WHERE NOT EXISTS (SELECT FROM %s t WHERE t.%I = k::%s) ORDER BY k LIMIT 5) s',
                   b.relid, b.key_column, bg._coltype(b.relid, b.key_column))
       INTO missing USING keys;
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
COMMENT ON FUNCTION bg._require_keys(text[], text) IS 'Internal: errors when a key is not in the bound table.';

CREATE FUNCTION bg._account_tree(si bg.solution_interest) RETURNS bg.binding
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg.binding := bg._bound('accounts');
BEGIN
    IF a.parent_column IS NULL THEN
        RAISE EXCEPTION 'solution interest "%" counts subaccounts, but the accounts are bound without a parent column',
                        si.name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Bind the accounts again with bg.bind_accounts(..., parent => ''parent column'').';
    END IF;
    RETURN a;
END $$;
COMMENT ON FUNCTION bg._account_tree(bg.solution_interest) IS 'Internal: the accounts binding of a solution interest with subaccounts; errors when it has no parent column.';

-- sql/bg/bindings.sql
CREATE FUNCTION bg._require_column(rel regclass, col name, null_message text, named_as text) RETURNS void
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
COMMENT ON FUNCTION bg._require_column(regclass, name, text, text) IS 'Internal: errors when a table lacks a column.';

CREATE FUNCTION bg._column_type(rel regclass, col name) RETURNS regtype
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT a.atttypid::regtype FROM pg_attribute a
     WHERE a.attrelid = rel AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
$$;
COMMENT ON FUNCTION bg._column_type(regclass, name) IS 'Internal: the type of a column.';

CREATE OR REPLACE FUNCTION bg.bind_people(people regclass, key name DEFAULT 'id', account name DEFAULT 'account_id')
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tr record;
BEGIN
    PERFORM bg._require_table($1);
    PERFORM bg._require_column($1, $2, 'key column must not be null', 'It was named as the key column.');
    PERFORM bg._require_column($1, $3, 'account column must not be null', 'It was named as the account column.');
    PERFORM bg._key_sql($1, $2, '');
    PERFORM bg._key_sql($1, $3, '');
    -- every saved condition must hold against the new table
    FOR tr IN SELECT t.name AS template, r.name AS role, x.condition
                FROM bg.template_role x JOIN bg.template t ON t.id = x.template_id
                JOIN bg.role r ON r.id = x.role_id
               WHERE x.condition IS NOT NULL ORDER BY t.name, x.priority LOOP
        BEGIN
            PERFORM bg.check_condition(tr.condition, $1);
        EXCEPTION WHEN OTHERS THEN
            DECLARE st text; msg text; det text; hnt text;
            BEGIN
                GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                        det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
                PERFORM bg._raise_caused(format('cannot bind %s: the condition of role "%s" in roles template "%s" does not fit it',
                                                $1, tr.role, tr.template), st, msg, det, hnt);
            END;
        END;
    END LOOP;
    INSERT INTO bg.binding (kind, relid, key_column, account_column, key_type, account_type)
    VALUES ('people', $1, $2, $3, bg._column_type($1, $2), bg._column_type($1, $3))
    ON CONFLICT (kind) DO UPDATE
       SET relid = excluded.relid, key_column = excluded.key_column,
           account_column = excluded.account_column, bound_at = now(),
           key_type = excluded.key_type, account_type = excluded.account_type;
END $$;
COMMENT ON FUNCTION bg.bind_people(regclass, name, name) IS
    'Binds the user''s people table: its key column and the column that names the person''s account.';

CREATE OR REPLACE FUNCTION bg.bind_accounts(accounts regclass, key name DEFAULT 'id', name name DEFAULT 'name',
                                 parent name DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    PERFORM bg._require_table($1);
    PERFORM bg._require_column($1, $2, 'key column must not be null', 'It was named as the key column.');
    PERFORM bg._require_column($1, $3, 'name column must not be null', 'It was named as the name column.');
    IF $4 IS NOT NULL THEN
        PERFORM bg._require_column($1, $4, 'parent column must not be null', 'It was named as the parent column.');
        PERFORM bg._key_sql($1, $4, '');
    END IF;
    PERFORM bg._key_sql($1, $2, '');
    INSERT INTO bg.binding (kind, relid, key_column, name_column, parent_column, key_type, parent_type)
    VALUES ('accounts', $1, $2, $3, $4, bg._column_type($1, $2), bg._column_type($1, $4))
    ON CONFLICT (kind) DO UPDATE
       SET relid = excluded.relid, key_column = excluded.key_column,
           name_column = excluded.name_column, parent_column = excluded.parent_column,
           bound_at = now(), key_type = excluded.key_type, parent_type = excluded.parent_type;
END $$;
COMMENT ON FUNCTION bg.bind_accounts(regclass, name, name, name) IS
    'Binds the user''s account table: its key, name and (optional) parent account columns.';

-- sql/bg/roles.sql
CREATE OR REPLACE FUNCTION bg.create_role(name text, description text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n text := bg._require_name($1, 'role name must not be null', 'role name must not be empty');
    existing text;
BEGIN
    -- serialize role creation so that the limit holds under concurrency
    LOCK TABLE bg.role IN SHARE ROW EXCLUSIVE MODE;
    SELECT r.name INTO existing FROM bg.role r WHERE bg._fold(r.name) = bg._fold(n);
    IF FOUND THEN
        RAISE EXCEPTION 'role "%" already exists', existing USING ERRCODE = 'duplicate_object';
    END IF;
    IF (SELECT count(*) FROM bg.role) >= 20 THEN
        RAISE EXCEPTION 'cannot create role "%": there are already 20 roles', n
            USING ERRCODE = 'program_limit_exceeded',
                  HINT = 'At most 20 roles exist in all; drop an unused custom role with bg.drop_role first.';
    END IF;
    INSERT INTO bg.role (name, description) VALUES (n, $2);
END $$;
COMMENT ON FUNCTION bg.create_role(text, text) IS 'Creates a custom role (at most 20 roles in all).';

CREATE OR REPLACE FUNCTION bg.rename_role(name text, new_name text)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    rid integer := bg._role_id($1);
    n text;
    existing text;
BEGIN
    IF (SELECT r.is_default FROM bg.role r WHERE r.id = rid) THEN
        RAISE EXCEPTION 'cannot rename role "%": it is a default role', $1
            USING ERRCODE = 'reserved_name', HINT = 'The six default roles cannot be renamed or dropped.';
    END IF;
    n := bg._require_name($2, 'new role name must not be null', 'new role name must not be empty');
    SELECT r.name INTO existing FROM bg.role r WHERE bg._fold(r.name) = bg._fold(n) AND r.id <> rid;
    IF FOUND THEN
        RAISE EXCEPTION 'role "%" already exists', existing USING ERRCODE = 'duplicate_object';
    END IF;
    UPDATE bg.role SET name = n WHERE id = rid;
END $$;
COMMENT ON FUNCTION bg.rename_role(text, text) IS 'Renames a custom role.';

CREATE OR REPLACE FUNCTION bg.drop_role(name text)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    rid integer := bg._role_id($1);
    users text;
BEGIN
    IF (SELECT r.is_default FROM bg.role r WHERE r.id = rid) THEN
        RAISE EXCEPTION 'cannot drop role "%": it is a default role', $1
            USING ERRCODE = 'reserved_name', HINT = 'The six default roles cannot be renamed or dropped.';
    END IF;
    SELECT string_agg(format('"%s"', t.name), ', ' ORDER BY t.name) INTO users
      FROM bg.template_role x JOIN bg.template t ON t.id = x.template_id
     WHERE x.role_id = rid;
    IF users IS NOT NULL THEN
        RAISE EXCEPTION 'cannot drop role "%": it is used by roles templates', $1
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = format('Roles templates using it: %s.', users),
                  HINT = 'Remove it from the draft templates with bg.remove_role; live templates keep it for good.';
    END IF;
    DELETE FROM bg.role WHERE id = rid;
END $$;
COMMENT ON FUNCTION bg.drop_role(text) IS 'Drops a custom role that no roles template uses.';

-- sql/bg/templates.sql
CREATE OR REPLACE FUNCTION bg._check_role_condition(condition text, template text, role text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    st text; msg text; det text; hnt text;
BEGIN
    IF condition IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN bg.check_condition(condition);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    PERFORM bg._raise_caused(format('invalid condition for role "%s" of roles template "%s"', role, template),
                             st, msg, det, hnt);
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg._check_role_condition(text, text, text) IS 'Internal: the canonical text of a role condition, checked against the bound people table.';

CREATE OR REPLACE FUNCTION bg.create_template(name text, description text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n text := bg._require_name($1, 'template name must not be null', 'template name must not be empty');
BEGIN
    IF EXISTS (SELECT FROM bg.template t WHERE t.name = n) THEN
        RAISE EXCEPTION 'roles template "%" already exists', n USING ERRCODE = 'duplicate_object';
    END IF;
    INSERT INTO bg.template (name, description) VALUES (n, $2);
END $$;
COMMENT ON FUNCTION bg.create_template(text, text) IS 'Creates an empty draft roles template.';

CREATE OR REPLACE FUNCTION bg.copy_template(template text, new_name text)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tid integer := bg._template_id($1, false);
    n text := bg._require_name($2, 'template name must not be null', 'template name must not be empty');
    newid integer;
BEGIN
    IF EXISTS (SELECT FROM bg.template t WHERE t.name = n) THEN
        RAISE EXCEPTION 'roles template "%" already exists', n USING ERRCODE = 'duplicate_object';
    END IF;
    INSERT INTO bg.template (name, description)
    SELECT n, t.description FROM bg.template t WHERE t.id = tid
    RETURNING id INTO newid;
    INSERT INTO bg.template_role (template_id, role_id, priority, weight, condition, required, members_required)
    SELECT newid, x.role_id, x.priority, x.weight, x.condition, x.required, x.members_required
      FROM bg.template_role x WHERE x.template_id = tid;
END $$;
COMMENT ON FUNCTION bg.copy_template(text, text) IS 'Copies a roles template (draft or live) into a new draft.';

-- sql/bg/lists.sql
CREATE OR REPLACE FUNCTION bg.create_account_list(name text, kind text DEFAULT 'static', filter text DEFAULT NULL,
                                       description text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n text := bg._require_name($1, 'account list name must not be null',
                               'account list name must not be empty');
    k text := lower(bg._require_name($2, 'kind must not be null', 'kind must not be empty'));
    f text;
    a bg.binding;
    st text; msg text; det text; hnt text;
BEGIN
    IF k NOT IN ('static', 'dynamic') THEN
        RAISE EXCEPTION 'invalid account list kind "%"', $2
            USING ERRCODE = 'invalid_parameter_value', HINT = 'An account list is static or dynamic.';
    END IF;
    IF EXISTS (SELECT FROM bg.account_list l WHERE l.name = n) THEN
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
        a := bg._bound('accounts');
        BEGIN
            f := bg.check_condition($3, a.relid);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                    det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
            PERFORM bg._raise_caused(format('invalid filter for account list "%s"', n), st, msg, det, hnt);
        END;
    END IF;
    INSERT INTO bg.account_list (name, kind, filter, description) VALUES (n, k, f, $4);
    IF k = 'dynamic' THEN
        PERFORM bg.refresh_account_list(n);
    END IF;
END $$;
COMMENT ON FUNCTION bg.create_account_list(text, text, text, text) IS
    'Creates an account list: static (accounts added by hand) or dynamic (a filter over the bound accounts, evaluated now and on refresh).';

CREATE OR REPLACE FUNCTION bg.add_accounts(list text, accounts anyarray) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l bg.account_list := bg._static_list($1);
    keys text[] := bg._keys($2, 'accounts');
    n integer;
BEGIN
    PERFORM bg._require_keys(keys, 'accounts');
    INSERT INTO bg.account_list_entry (list_id, account_key)
    SELECT l.id, k FROM unnest(keys) AS k
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE bg.account_list SET refreshed_at = now() WHERE id = l.id AND n > 0;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg.add_accounts(text, anyarray) IS
    'Adds accounts (keys or rows of the bound account table) to a static account list; returns how many were new.';

CREATE OR REPLACE FUNCTION bg.remove_accounts(list text, accounts anyarray) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l bg.account_list := bg._static_list($1);
    keys text[] := bg._keys($2, 'accounts');
    n integer;
BEGIN
    DELETE FROM bg.account_list_entry e WHERE e.list_id = l.id AND e.account_key = ANY (keys);
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE bg.account_list SET refreshed_at = now() WHERE id = l.id AND n > 0;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg.remove_accounts(text, anyarray) IS
    'Removes accounts from a static account list; returns how many were in it.';

CREATE OR REPLACE FUNCTION bg.refresh_account_list(list text) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l bg.account_list := bg._list($1);
    a bg.binding;
BEGIN
    PERFORM FROM bg.account_list x WHERE x.id = l.id FOR UPDATE;
    IF l.kind = 'dynamic' THEN
        a := bg._bound('accounts');
        EXECUTE format('WITH now_in AS MATERIALIZED (SELECT %s AS account_key FROM %s a
                                                      WHERE a.%I IS NOT NULL AND bg.matches(%L, a)),
                             del AS (DELETE FROM bg.account_list_entry e
                                      WHERE e.list_id = $1
                                        AND NOT EXISTS (SELECT FROM now_in n WHERE n.account_key = e.account_key))
                        INSERT INTO bg.account_list_entry (list_id, account_key)
                        SELECT DISTINCT $1, n.account_key FROM now_in n
                        ON CONFLICT DO NOTHING',
                       bg._key_sql(a.relid, a.key_column, format('a.%I', a.key_column)), a.relid, a.key_column,
                       l.filter)
            USING l.id;
        UPDATE bg.account_list SET refreshed_at = now() WHERE id = l.id;
    END IF;
    RETURN (SELECT count(*) FROM bg.account_list_entry e WHERE e.list_id = l.id);
END $$;
COMMENT ON FUNCTION bg.refresh_account_list(text) IS
    'Re-evaluates a dynamic account list''s filter over the bound accounts; returns its account count (a static list is returned as is).';

-- sql/bg/interests.sql
CREATE FUNCTION bg._lock_interest(si bg.solution_interest, exclusive boolean, required boolean)
    RETURNS bg.solution_interest
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg.solution_interest;
BEGIN
    IF exclusive THEN
        PERFORM pg_catalog.pg_advisory_xact_lock(1650917377, si.id);
    ELSE
        PERFORM pg_catalog.pg_advisory_xact_lock_shared(1650917377, si.id);
    END IF;
    SELECT * INTO s FROM bg.solution_interest x WHERE x.id = si.id;
    IF NOT FOUND AND required THEN
        RAISE EXCEPTION 'solution interest "%" does not exist', si.name
            USING ERRCODE = 'undefined_object', DETAIL = 'It was dropped while this transaction waited for it.',
                  HINT = 'The solution interests are listed in bg.solution_interests.';
    END IF;
    RETURN s;
END $$;
COMMENT ON FUNCTION bg._lock_interest(bg.solution_interest, boolean, boolean) IS
    'Internal: takes the lock of a solution interest (exclusive or shared) and reads it again.';

CREATE OR REPLACE FUNCTION bg.create_solution_interest(name text, template text, description text DEFAULT NULL,
                                            update_existing boolean DEFAULT false,
                                            include_subaccounts boolean DEFAULT false)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n text := bg._require_name($1, 'solution interest name must not be null',
                               'solution interest name must not be empty');
    tid integer := bg._template_id($2, false);
BEGIN
    IF (SELECT t.status FROM bg.template t WHERE t.id = tid) <> 'live' THEN
        RAISE EXCEPTION 'roles template "%" is a draft', $2
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('A solution interest takes a live template; publish it with bg.publish_template(%L).', $2);
    END IF;
    IF $4 IS NULL THEN
        RAISE EXCEPTION 'update_existing must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF $5 IS NULL THEN
        RAISE EXCEPTION 'include_subaccounts must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF $5 THEN
        IF (bg._bound('accounts')).parent_column IS NULL THEN
            RAISE EXCEPTION 'cannot include subaccounts: the accounts are bound without a parent column'
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Bind the accounts again with bg.bind_accounts(..., parent => ''parent column'').';
        END IF;
    END IF;
    IF EXISTS (SELECT FROM bg.solution_interest s WHERE s.name = n) THEN
        RAISE EXCEPTION 'solution interest "%" already exists', n USING ERRCODE = 'duplicate_object';
    END IF;
    INSERT INTO bg.solution_interest (name, template_id, description, update_existing, include_subaccounts)
    VALUES (n, tid, $3, $4, $5);
END $$;
COMMENT ON FUNCTION bg.create_solution_interest(text, text, text, boolean, boolean) IS
    'Creates a solution interest (what is sold) with a live roles template.';

CREATE OR REPLACE FUNCTION bg._interest_deleted() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    -- a creation job of the interest may be running: wait for it, then count
    PERFORM pg_catalog.pg_advisory_xact_lock(1650917377, OLD.id);
    n := (SELECT count(*) FROM bg.buying_group g WHERE g.solution_interest_id = OLD.id);
    IF n > 0 THEN
        RAISE EXCEPTION 'cannot drop solution interest "%": it has % buying groups', OLD.name, n
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = format('Drop them first with bg.drop_buying_groups(%L).', OLD.name);
    END IF;
    RETURN OLD;
END $$;
COMMENT ON FUNCTION bg._interest_deleted() IS 'Internal: keeps solution interests that have buying groups.';

-- sql/bg/rule_members.sql
CREATE FUNCTION bg._group_walk_sql(si bg.solution_interest, roots text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg.binding := bg._bound('people');
    patype text := bg._coltype(p.relid, p.account_column);
    a bg.binding;
BEGIN
    IF NOT si.include_subaccounts THEN
        RETURN format('walk AS (SELECT r.root, NULL::text AS pkey, r.acct, r.aval, false AS is_cycle FROM (%s) r)',
                      roots);
    END IF;
    a := bg._account_tree(si);
    RETURN format('walk(root, pkey, acct, aval) AS (
                     SELECT r.root, NULL::text, r.acct, r.aval FROM (%s) r
                     UNION ALL
                     SELECT w.root, NULL::text, %s, c.%I::%s FROM walk w JOIN %s c ON c.%I = w.acct::%s)
                   CYCLE acct SET is_cycle USING path',
                  roots, bg._key_sql(a.relid, a.key_column, format('c.%I', a.key_column)), a.key_column, patype,
                  a.relid, a.parent_column, bg._coltype(a.relid, a.parent_column));
END $$;
COMMENT ON FUNCTION bg._group_walk_sql(bg.solution_interest, text) IS 'Internal: SQL of the walk from buying groups down to the accounts they count.';

CREATE FUNCTION bg._person_walk_sql(si bg.solution_interest) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg.binding := bg._bound('people');
    people text := format('SELECT NULL::bigint AS root, %s AS pkey, %s AS acct, p.%I AS aval
                             FROM %s p WHERE p.%I = ANY ($1::%s[])',
                          bg._key_sql(p.relid, p.key_column, format('p.%I', p.key_column)),
                          bg._key_sql(p.relid, p.account_column, format('p.%I', p.account_column)),
                          p.account_column, p.relid,
                          p.key_column, bg._coltype(p.relid, p.key_column));
    a bg.binding;
BEGIN
    IF NOT si.include_subaccounts THEN
        RETURN format('walk AS (SELECT b.*, false AS is_cycle FROM (%s) b)', people);
    END IF;
    a := bg._account_tree(si);
    RETURN format('walk(root, pkey, acct, aval) AS (
                     %s
                     UNION ALL
                     SELECT w.root, w.pkey, %s, c.%I::%s FROM walk w JOIN %s c ON c.%I = w.acct::%s
                      WHERE c.%I IS NOT NULL)
                   CYCLE acct SET is_cycle USING path',
                  people, bg._key_sql(a.relid, a.parent_column, format('c.%I', a.parent_column)), a.parent_column, bg._coltype(p.relid, p.account_column),
                  a.relid, a.key_column, bg._coltype(a.relid, a.key_column), a.parent_column);
END $$;
COMMENT ON FUNCTION bg._person_walk_sql(bg.solution_interest) IS 'Internal: SQL of the walk from people up to the accounts whose groups count them.';

CREATE FUNCTION bg._check_cycles(si bg.solution_interest, walk text, people text[]) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg.binding;
    cyc text;
BEGIN
    IF NOT si.include_subaccounts THEN
        RETURN;
    END IF;
    a := bg._bound('accounts');
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
COMMENT ON FUNCTION bg._check_cycles(bg.solution_interest, text, text[]) IS 'Internal: errors when the account hierarchy has a cycle.';

CREATE FUNCTION bg._role_id_case(template_id integer, expr text) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('CASE %s %s END', expr, string_agg(format('WHEN %L THEN %s', r.name, r.id), ' ' ORDER BY x.priority))
      FROM bg.template_role x JOIN bg.role r ON r.id = x.role_id
     WHERE x.template_id = _role_id_case.template_id;
$$;
COMMENT ON FUNCTION bg._role_id_case(integer, text) IS 'Internal: SQL mapping the role names of a template to role ids.';

CREATE FUNCTION bg._role_position_case(template_id integer, expr text) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('CASE %s %s END', expr, string_agg(format('WHEN %s THEN %s', x.role_id, x.pos), ' ' ORDER BY x.pos))
      FROM (SELECT y.role_id, row_number() OVER (ORDER BY y.priority) AS pos
              FROM bg.template_role y WHERE y.template_id = _role_position_case.template_id) x;
$$;
COMMENT ON FUNCTION bg._role_position_case(integer, text) IS 'Internal: SQL mapping the role ids of a template to their positions.';

CREATE FUNCTION bg._group_rule_members_sql(si bg.solution_interest, walk text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg.binding := bg._bound('people');
BEGIN
    -- OFFSET 0 keeps role_for in one place, so it runs once per person
    RETURN walk || format(',
        d AS (
          SELECT x.group_id, x.person_key, %s AS role_id
            FROM (SELECT w.root AS group_id, %s AS person_key, bg.role_for(%L, p) AS rn
                    FROM walk w JOIN %s p ON p.%I = w.aval
                   WHERE NOT w.is_cycle OFFSET 0) x
           WHERE x.rn IS NOT NULL)',
        bg._role_id_case(si.template_id, 'x.rn'), bg._key_sql(p.relid, p.key_column, format('p.%I', p.key_column)),
        (SELECT t.name FROM bg.template t WHERE t.id = si.template_id), p.relid, p.account_column);
END $$;
COMMENT ON FUNCTION bg._group_rule_members_sql(bg.solution_interest, text) IS 'Internal: SQL of the rule members of buying groups.';

CREATE FUNCTION bg._person_rule_members_sql(si bg.solution_interest, walk text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg.binding := bg._bound('people');
BEGIN
    RETURN walk || format(',
        d AS (
          SELECT x.group_id, x.person_key, %s AS role_id
            FROM (SELECT g.id AS group_id, %s AS person_key, bg.role_for(%L, p) AS rn
                    FROM walk w
                    JOIN bg.buying_group g ON g.solution_interest_id = $2 AND g.account_key = w.acct
                    JOIN %s p ON p.%I = w.pkey::%s
                   WHERE NOT w.is_cycle OFFSET 0) x
           WHERE x.rn IS NOT NULL)',
        bg._role_id_case(si.template_id, 'x.rn'), bg._key_sql(p.relid, p.key_column, format('p.%I', p.key_column)),
        (SELECT t.name FROM bg.template t WHERE t.id = si.template_id),
        p.relid, p.key_column, bg._coltype(p.relid, p.key_column));
END $$;
COMMENT ON FUNCTION bg._person_rule_members_sql(bg.solution_interest, text) IS 'Internal: SQL of the rule memberships of given people.';

-- sql/bg/scores.sql
CREATE OR REPLACE FUNCTION bg._restoring() RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT current_setting('check_function_bodies') = 'off'
           AND coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user), false);
$$;
COMMENT ON FUNCTION bg._restoring() IS 'Internal: whether a superuser''s session is loading a dump (check_function_bodies is off).';

CREATE OR REPLACE FUNCTION bg._members_changed() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad record;
BEGIN
    IF bg._restoring() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' AND bg._take_scores_stored() THEN
        RETURN NULL;        -- bg.create_buying_groups stores them with the groups
    END IF;
    -- recount first: that locks the groups, so the check below sees a group
    -- that a concurrent transaction deleted (and the error undoes the recount)
    IF TG_OP = 'INSERT' THEN
        PERFORM bg._rescore(ARRAY(SELECT DISTINCT n.group_id FROM new_rows n));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM bg._rescore(ARRAY(SELECT n.group_id FROM new_rows n UNION SELECT o.group_id FROM old_rows o));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM bg._rescore(ARRAY(SELECT DISTINCT o.group_id FROM old_rows o));
    ELSE
        PERFORM bg._rescore(ARRAY(SELECT g.id FROM bg.buying_group g));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT n.group_id, n.role_id, g.id AS existing, r.name AS role, t.name AS template INTO bad
          FROM new_rows n
          LEFT JOIN bg.buying_group g ON g.id = n.group_id
          LEFT JOIN bg.solution_interest si ON si.id = g.solution_interest_id
          LEFT JOIN bg.template t ON t.id = si.template_id
          LEFT JOIN bg.role r ON r.id = n.role_id
         WHERE NOT EXISTS (SELECT FROM bg.template_role x
                            WHERE x.template_id = si.template_id AND x.role_id = n.role_id)
         LIMIT 1;
        PERFORM bg._reject_member(bad.group_id, bad.existing, bad.role_id, bad.role, bad.template);
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg._members_changed() IS 'Internal: keeps stored scores exact after each statement that changes members.';

-- sql/bg/jobs.sql
CREATE OR REPLACE FUNCTION bg._new_groups(si bg.solution_interest, list integer) RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg.binding := bg._bound('accounts');
    p bg.binding := bg._bound('people');
    n bigint;
BEGIN
    IF pg_catalog.to_regclass('pg_temp.bg_new_group') IS NOT NULL THEN
        DROP TABLE pg_temp.bg_new_group;      -- an earlier job of this transaction
    END IF;
    EXECUTE format(
        'CREATE TEMPORARY TABLE bg_new_group ON COMMIT DROP AS
         SELECT pg_catalog.nextval(''bg.buying_group_id_seq'') AS gid, e.account_key,
                CASE WHEN a.%1$I IS NOT NULL THEN pg_catalog.format(''%%s'', a.%1$I) END AS account_name,
                e.account_key::%s AS account_value
           FROM bg.account_list_entry e JOIN %s a ON a.%I = e.account_key::%s
          WHERE e.list_id = $1
            AND NOT EXISTS (SELECT FROM bg.buying_group g
                             WHERE g.solution_interest_id = $2 AND g.account_key = e.account_key)',
        a.name_column, bg._coltype(p.relid, p.account_column),
        a.relid, a.key_column, bg._coltype(a.relid, a.key_column))
        USING list, si.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    ANALYZE pg_temp.bg_new_group;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg._new_groups(bg.solution_interest, integer) IS 'Internal: the new groups of a creation job, in a temporary table.';

CREATE FUNCTION bg._run_job(jid bigint, s bg.solution_interest, l bg.account_list) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    walk text;
    ngroups bigint;
    nmembers bigint;
BEGIN
    PERFORM bg._new_groups(s, l.id);
    -- for new groups aval is a column of an analyzed table, so the planner
    -- knows how many people it joins
    walk := bg._group_walk_sql(s, 'SELECT n.gid AS root, n.account_key AS acct, n.account_value AS aval
                                     FROM pg_temp.bg_new_group n');
    PERFORM bg._check_cycles(s, walk, NULL);
    PERFORM bg._scores_stored(true);
    EXECUTE 'WITH RECURSIVE ' || bg._group_rule_members_sql(s, walk) || '
        INSERT INTO bg.member (group_id, person_key, role_id, source)
        SELECT d.group_id, d.person_key, d.role_id, ''rule'' FROM d'
        USING NULL::text[], s.id;
    GET DIAGNOSTICS nmembers = ROW_COUNT;
    PERFORM bg._scores_stored(false);
    EXECUTE format('
        INSERT INTO bg.buying_group (id, solution_interest_id, account_key, name, account_name, job_id,
                                     member_count, role_counts, completeness, role_completeness, missing_roles)
        SELECT y.gid, $1, y.account_key, $2 || '' for '' || coalesce(y.account_name, y.account_key),
               y.account_name, $3, y.n,
               (y.f).role_counts, (y.f).completeness, (y.f).role_completeness, (y.f).missing_roles
          FROM (SELECT acc.gid, acc.account_key, acc.account_name, coalesce(sc.n, 0) AS n,
                       bg._tally_scores(coalesce(sc.t, z.t)) AS f
                  FROM pg_temp.bg_new_group acc
                  LEFT JOIN (SELECT m.group_id, count(*) AS n, bg._position_tally($4, %s) AS t
                               FROM bg.member m JOIN pg_temp.bg_new_group x ON x.gid = m.group_id
                              GROUP BY m.group_id) sc ON sc.group_id = acc.gid
                 CROSS JOIN (SELECT bg._position_tally($4, NULL::integer) AS t) z
                OFFSET 0) y',
        bg._role_position_case(s.template_id, 'm.role_id'))
        USING s.id, s.name, jid, (SELECT t.name FROM bg.template t WHERE t.id = s.template_id);
    GET DIAGNOSTICS ngroups = ROW_COUNT;
    -- many new groups: fresh statistics, so that the per-person lookups of
    -- live mode and manual actions plan index scans right away
    IF ngroups >= 1000 THEN
        ANALYZE bg.buying_group;
    END IF;
    UPDATE bg.job SET status = 'done', groups_created = ngroups, members_added = nmembers,
                      finished_at = clock_timestamp()
     WHERE id = jid;
END $$;
COMMENT ON FUNCTION bg._run_job(bigint, bg.solution_interest, bg.account_list) IS 'Internal: the run of a creation job.';

CREATE FUNCTION bg.create_buying_groups(solution_interest text, account_list text,
                                        record_failure boolean DEFAULT false) RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg.solution_interest := bg._interest($1);
    l bg.account_list := bg._list($2);
    jid bigint;
    st text; msg text; det text;
BEGIN
    IF $3 IS NULL THEN
        RAISE EXCEPTION 'record_failure must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM bg._bound('people');
    PERFORM bg._bound('accounts');
    IF s.include_subaccounts THEN
        PERFORM bg._account_tree(s);
    END IF;
    -- Concurrent runs for one solution interest queue, so no account gets two
    -- groups; and every statement of the run sees what the writers of
    -- people that live mode tracks for this interest committed, while they
    -- wait for the new groups before re-evaluating their people (§6.8).
    s := bg._lock_interest(s, true, true);
    IF l.kind = 'dynamic' THEN
        PERFORM bg.refresh_account_list(l.name);
    END IF;
    INSERT INTO bg.job (solution_interest, account_list) VALUES (s.name, l.name) RETURNING id INTO jid;
    IF NOT $3 THEN
        PERFORM bg._run_job(jid, s, l);
        RETURN jid;
    END IF;
    BEGIN
        PERFORM bg._run_job(jid, s, l);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
        UPDATE bg.job SET status = 'failed', finished_at = clock_timestamp(), error = msg, error_code = st
         WHERE id = jid;
        RAISE WARNING 'buying group job % failed', jid
            USING ERRCODE = st, DETAIL = bg._cause_detail(msg, det),
                  HINT = 'Nothing of the job was kept; see bg.jobs.';
    END;
    RETURN jid;
END $$;
COMMENT ON FUNCTION bg.create_buying_groups(text, text, boolean) IS
    'Creates a buying group for every account of the list that has none for the solution interest, assigns members by the template''s conditions and records the run in bg.jobs; returns the job id. An error is raised, unless record_failure is true: then the job is recorded as failed and a warning is raised.';

CREATE OR REPLACE FUNCTION bg.drop_buying_groups(solution_interest text) RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg.solution_interest := bg._lock_interest(bg._interest($1), true, true);
    n bigint;
BEGIN
    -- groups in id order, as every writer of members locks them (§6.8)
    PERFORM FROM bg.buying_group g WHERE g.solution_interest_id = s.id ORDER BY g.id FOR UPDATE;
    DELETE FROM bg.buying_group g WHERE g.solution_interest_id = s.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg.drop_buying_groups(text) IS
    'Deletes every buying group of a solution interest with its members; returns how many groups were deleted.';

CREATE OR REPLACE FUNCTION bg.buying_group_id(solution_interest text, account anyelement) RETURNS bigint
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg.solution_interest := bg._interest($1);
BEGIN
    RETURN (SELECT g.id FROM bg.buying_group g
             WHERE g.solution_interest_id = s.id AND g.account_key = bg._key($2, 'accounts'));
END $$;
COMMENT ON FUNCTION bg.buying_group_id(text, anyelement) IS
    'The id of the buying group of a solution interest for an account (a key or a row of the bound accounts), or NULL.';

-- sql/bg/members.sql
CREATE OR REPLACE FUNCTION bg._group(buying_group bigint) RETURNS bg.buying_group
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g bg.buying_group;
    s bg.solution_interest;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'buying group must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT si.* INTO s FROM bg.buying_group x JOIN bg.solution_interest si ON si.id = x.solution_interest_id
     WHERE x.id = $1;
    IF FOUND THEN
        -- a concurrent drop of the groups holds it: wait, then find the group gone
        PERFORM bg._lock_interest(s, false, false);
        SELECT * INTO g FROM bg.buying_group x WHERE x.id = $1 FOR NO KEY UPDATE;
    END IF;
    IF g.id IS NULL THEN
        RAISE EXCEPTION 'buying group % does not exist', $1
            USING ERRCODE = 'undefined_object', HINT = 'The buying groups are listed in bg.buying_groups.';
    END IF;
    RETURN g;
END $$;
COMMENT ON FUNCTION bg._group(bigint) IS 'Internal: a buying group by id, locked; errors when unknown.';

CREATE OR REPLACE FUNCTION bg._require_people(g bg.buying_group, keys text[]) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg.solution_interest := (SELECT x FROM bg.solution_interest x WHERE x.id = g.solution_interest_id);
    walk text;
    outside text;
BEGIN
    PERFORM bg._require_keys(keys, 'people');
    walk := bg._person_walk_sql(s);
    PERFORM bg._check_cycles(s, walk, keys);
    EXECUTE 'WITH RECURSIVE ' || walk || '
        SELECT string_agg(k, '', '' ORDER BY k) FROM (
          SELECT k FROM unnest($1) AS k
           WHERE NOT EXISTS (SELECT FROM walk w WHERE w.pkey = k AND w.acct = $3 AND NOT w.is_cycle)
           ORDER BY k LIMIT 5) x'
       INTO outside USING keys, s.id, g.account_key;
    IF outside IS NOT NULL THEN
        RAISE EXCEPTION 'person % is not in account % of buying group "%"', outside, g.account_key, g.name
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = CASE WHEN s.include_subaccounts
                                THEN 'A member must belong to the group''s account or one of its subaccounts.'
                                ELSE 'A member must belong to the group''s account.' END;
    END IF;
END $$;
COMMENT ON FUNCTION bg._require_people(bg.buying_group, text[]) IS 'Internal: errors unless the people belong to the group''s account.';

CREATE OR REPLACE FUNCTION bg.assign_member(buying_group bigint, person anyelement, role text) RETURNS void
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT bg._assign($1, ARRAY[bg._key($2, 'people')], $3, false);
$$;
COMMENT ON FUNCTION bg.assign_member(bigint, anyelement, text) IS
    'Makes a person (a key or a row of the bound people) a manual member of a buying group with a role; a manual decision survives every sync.';

CREATE OR REPLACE FUNCTION bg.assign_members(buying_group bigint, people anyarray, role text) RETURNS void
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT bg._assign($1, bg._keys($2, 'people'), $3, false);
$$;
COMMENT ON FUNCTION bg.assign_members(bigint, anyarray, text) IS
    'Makes people (keys or rows) manual members of a buying group with a role, in one statement.';

CREATE OR REPLACE FUNCTION bg.set_member_role(buying_group bigint, person anyelement, role text) RETURNS void
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT bg._assign($1, ARRAY[bg._key($2, 'people')], $3, true);
$$;
COMMENT ON FUNCTION bg.set_member_role(bigint, anyelement, text) IS
    'Changes the role of a member of a buying group; the member becomes manual and keeps the role through every sync.';

CREATE OR REPLACE FUNCTION bg.remove_member(buying_group bigint, person anyelement) RETURNS void
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT bg._remove($1, ARRAY[bg._key($2, 'people')]);
$$;
COMMENT ON FUNCTION bg.remove_member(bigint, anyelement) IS
    'Removes a member from a buying group; the member is kept as removed (manual) and no sync brings it back.';

CREATE OR REPLACE FUNCTION bg.remove_members(buying_group bigint, people anyarray) RETURNS void
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT bg._remove($1, bg._keys($2, 'people'));
$$;
COMMENT ON FUNCTION bg.remove_members(bigint, anyarray) IS
    'Removes members from a buying group in one statement; they are kept as removed (manual).';

-- sql/bg/sync.sql
CREATE OR REPLACE FUNCTION bg._sync(si bg.solution_interest, people text[]) RETURNS jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg.binding := bg._bound('people');
    roots text := format('SELECT g.id AS root, g.account_key AS acct, g.account_key::%s AS aval
                            FROM bg.buying_group g WHERE g.solution_interest_id = $2',
                         bg._coltype(p.relid, p.account_column));
    walk text;
    wanted text;
    diff text;
    locked bigint[];
    added bigint := 0; readded bigint := 0; changed bigint := 0; removed bigint := 0; groups bigint;
BEGIN
    si := bg._lock_interest(si, false, false);
    IF si.id IS NULL THEN                       -- dropped meanwhile (it had no groups)
        RETURN '{"groups": 0, "added": 0, "removed": 0, "changed": 0}';
    END IF;
    IF people IS NULL THEN
        walk := bg._group_walk_sql(si, roots);
        wanted := bg._group_rule_members_sql(si, walk);
    ELSE
        walk := bg._person_walk_sql(si);
        wanted := bg._person_rule_members_sql(si, walk);
    END IF;
    PERFORM bg._check_cycles(si, walk, people);
    -- One diff of wanted against current members, by a full join (hash or
    -- merge only: never a nested loop over misestimated CTEs); $3 (the
    -- locked groups) bounds it once the groups are locked.
    diff := ',
        cur AS (
          SELECT m.group_id, m.person_key, m.role_id, m.source, m.is_removed
            FROM bg.member m JOIN bg.buying_group g ON g.id = m.group_id
           WHERE g.solution_interest_id = $2 AND ($1 IS NULL OR m.person_key = ANY ($1))
             AND ($3 IS NULL OR m.group_id = ANY ($3))),
        diff AS MATERIALIZED (
          SELECT coalesce(d.group_id, c.group_id) AS group_id, coalesce(d.person_key, c.person_key) AS person_key,
                 d.role_id AS want_role, c.group_id IS NOT NULL AS present, d.group_id IS NOT NULL AS wanted,
                 coalesce(c.is_removed, false) AS was_removed
            FROM d FULL JOIN cur c ON c.group_id = d.group_id AND c.person_key = d.person_key
           WHERE ($3 IS NULL OR coalesce(d.group_id, c.group_id) = ANY ($3))
             AND (c.group_id IS NULL
                  OR (c.source = ''rule'' AND d.group_id IS NULL AND NOT c.is_removed)
                  OR (c.source = ''rule'' AND d.group_id IS NOT NULL AND (c.is_removed OR c.role_id <> d.role_id))))';
    IF people IS NULL THEN
        EXECUTE 'WITH RECURSIVE ' || wanted || diff || '
            SELECT array_agg(DISTINCT x.group_id ORDER BY x.group_id) FROM diff x'
           INTO locked USING NULL::text[], si.id, NULL::bigint[];
        IF locked IS NOT NULL THEN
            PERFORM FROM bg.buying_group g WHERE g.id = ANY (locked) ORDER BY g.id FOR NO KEY UPDATE;
            wanted := bg._group_rule_members_sql(si, bg._group_walk_sql(si, roots || ' AND g.id = ANY ($3)'));
        END IF;
    ELSE
        EXECUTE 'WITH RECURSIVE ' || wanted || '
            SELECT array_agg(x.id) FROM (
              SELECT g.id FROM bg.buying_group g
               WHERE g.id IN (SELECT d.group_id FROM d
                              UNION SELECT m.group_id FROM bg.member m
                                     WHERE m.person_key = ANY ($1)
                                       AND EXISTS (SELECT FROM bg.buying_group x
                                                    WHERE x.id = m.group_id AND x.solution_interest_id = $2))
               ORDER BY g.id FOR NO KEY UPDATE OF g) x'
           INTO locked USING people, si.id;
    END IF;
    IF locked IS NOT NULL THEN
        EXECUTE 'WITH RECURSIVE ' || wanted || diff || ',
            ins AS (
              INSERT INTO bg.member (group_id, person_key, role_id, source)
              SELECT x.group_id, x.person_key, x.want_role, ''rule'' FROM diff x WHERE NOT x.present
              ON CONFLICT (group_id, person_key) DO NOTHING
              RETURNING 1),
            upd AS (
              UPDATE bg.member m
                 SET role_id = x.want_role, is_removed = false, removed_at = NULL,
                     added_at = CASE WHEN m.is_removed THEN now() ELSE m.added_at END
                FROM diff x
               WHERE x.present AND x.wanted AND m.group_id = x.group_id AND m.person_key = x.person_key
                 AND m.source = ''rule'' AND (m.is_removed OR m.role_id <> x.want_role)
              RETURNING x.was_removed AS readded),
            rem AS (
              UPDATE bg.member m SET is_removed = true, removed_at = now()
                FROM diff x
               WHERE x.present AND NOT x.wanted AND m.group_id = x.group_id AND m.person_key = x.person_key
                 AND m.source = ''rule'' AND NOT m.is_removed
              RETURNING 1)
            SELECT (SELECT count(*) FROM ins), (SELECT count(*) FILTER (WHERE readded) FROM upd),
                   (SELECT count(*) FILTER (WHERE NOT readded) FROM upd), (SELECT count(*) FROM rem)'
           INTO added, readded, changed, removed USING people, si.id, locked;
    END IF;
    IF people IS NULL THEN
        SELECT count(*) INTO groups FROM bg.buying_group g WHERE g.solution_interest_id = si.id;
    ELSE
        SELECT count(DISTINCT m.group_id) INTO groups
          FROM bg.member m JOIN bg.buying_group g ON g.id = m.group_id
         WHERE g.solution_interest_id = si.id AND m.person_key = ANY (people);
    END IF;
    RETURN jsonb_build_object('groups', groups, 'added', added + readded,
                              'removed', removed, 'changed', changed);
END $$;
COMMENT ON FUNCTION bg._sync(bg.solution_interest, text[]) IS 'Internal: re-evaluates the rule members of a solution interest.';

-- sql/bg/live_mode.sql
CREATE OR REPLACE FUNCTION bg._people_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg.binding;
    cols name[];
    k text;
    keys text[];
    s bg.solution_interest;
BEGIN
    SELECT * INTO p FROM bg.binding b WHERE b.kind = 'people';
    IF NOT FOUND OR p.relid <> TG_RELID OR NOT p.watched
       OR NOT EXISTS (SELECT FROM bg.solution_interest x WHERE x.update_existing) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'TRUNCATE' THEN
        k := bg._key_sql(p.relid, p.key_column, format('r.%I', p.key_column));   -- r: new_rows or old_rows
    END IF;
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('SELECT array_agg(DISTINCT %s) FROM new_rows r', k) INTO keys;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT array_agg(DISTINCT %s) FROM old_rows r', k) INTO keys;
    ELSIF TG_OP = 'UPDATE' THEN
        -- only people whose watched columns changed (a changed key is two people)
        cols := bg._watched_columns();
        EXECUTE format('SELECT array_agg(DISTINCT k) FROM
                          (SELECT %1$s AS k, ROW(%2$s) AS v FROM new_rows r) nw
                          FULL JOIN (SELECT %1$s AS k, ROW(%3$s) AS v FROM old_rows r) od USING (k)
                         WHERE nw.v IS DISTINCT FROM od.v',
                       k,
                       (SELECT string_agg(format('r.%I', c), ', ') FROM unnest(cols) AS c),
                       (SELECT string_agg(format('r.%I', c), ', ') FROM unnest(cols) AS c))
           INTO keys;
    END IF;
    FOR s IN SELECT * FROM bg.solution_interest x WHERE x.update_existing ORDER BY x.id LOOP
        IF TG_OP = 'TRUNCATE' THEN
            PERFORM bg._sync(s, NULL);
        ELSIF keys IS NOT NULL THEN
            PERFORM bg._sync(s, keys);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg._people_changed() IS 'Internal: live mode trigger; re-evaluates the memberships of changed people.';

-- sql/bg/ddl_guard.sql
CREATE FUNCTION bg._column_user(b bg.binding, col text) RETURNS text[]
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT u.v FROM (
        SELECT 1 AS o, ARRAY[format('It is the %s column of the %s binding.', x.what, b.kind),
                             format('Bind the table again without it first (bg.bind_%s).', b.kind)] AS v
          FROM (VALUES ('key', b.key_column), ('account', b.account_column), ('name', b.name_column),
                       ('parent', b.parent_column)) AS x(what, c)
         WHERE x.c = col
        UNION ALL
        SELECT 2, ARRAY[format('The condition of role "%s" in %s roles template "%s" reads it.', r.name, t.status, t.name),
                        CASE WHEN t.status = 'live'
                             THEN 'A live roles template never changes: keep the column as it is.'
                             ELSE 'Change the condition first (bg.set_condition), or drop the draft.' END]
          FROM bg.template_role x JOIN bg.template t ON t.id = x.template_id JOIN bg.role r ON r.id = x.role_id
         WHERE b.kind = 'people' AND x.condition IS NOT NULL AND col = ANY (bg._condition_columns(x.condition))
        UNION ALL
        SELECT 3, ARRAY[format('The filter of account list "%s" reads it.', l.name),
                        'Drop the account list first (bg.drop_account_list).']
          FROM bg.account_list l
         WHERE b.kind = 'accounts' AND l.filter IS NOT NULL AND col = ANY (bg._condition_columns(l.filter))
        ORDER BY 1 LIMIT 1) u;
$$;
COMMENT ON FUNCTION bg._column_user(bg.binding, text) IS 'Internal: what in bg reads a column of a bound table.';

CREATE FUNCTION bg._ddl_guard_drop() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    o record;
    u text[];
BEGIN
    IF bg._restoring() OR NOT EXISTS (SELECT FROM bg.binding) THEN
        RETURN;
    END IF;
    FOR o IN SELECT d.objsubid, d.original, d.object_identity, d.address_names, b AS binding
               FROM pg_event_trigger_dropped_objects() d
               JOIN bg.binding b ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = b.relid
              ORDER BY b.kind, d.objsubid LOOP
        IF o.objsubid = 0 AND o.original THEN
            RAISE EXCEPTION 'cannot drop %: it is the bound % table', o.object_identity, (o.binding).kind
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = format('Bind another table first (bg.bind_%s), or drop the extension bg.', (o.binding).kind);
        ELSIF o.objsubid > 0 AND NOT EXISTS (SELECT FROM pg_event_trigger_dropped_objects() t
                                              WHERE t.classid = 'pg_catalog.pg_class'::regclass
                                                AND t.objid = (o.binding).relid AND t.objsubid = 0) THEN
            u := bg._column_user(o.binding, o.address_names[pg_catalog.array_upper(o.address_names, 1)]);
            IF u IS NOT NULL THEN
                RAISE EXCEPTION 'cannot drop column %: bg reads it', o.object_identity
                    USING ERRCODE = 'dependent_objects_still_exist', DETAIL = u[1], HINT = u[2];
            END IF;
        END IF;
    END LOOP;
END $$;
COMMENT ON FUNCTION bg._ddl_guard_drop() IS 'Internal: event trigger refusing to drop a bound table or a column bg reads.';

CREATE FUNCTION bg._check_bound(b bg.binding, renamed smallint) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    missing text[];
    newname name;
    c record;
    st text; msg text; det text;
BEGIN
    SELECT array_agg(DISTINCT x.c) INTO missing
      FROM unnest(ARRAY[b.key_column, b.account_column, b.name_column, b.parent_column]) AS x(c)
     WHERE x.c IS NOT NULL AND bg._column_type(b.relid, x.c) IS NULL;
    IF missing IS NOT NULL THEN
        SELECT a.attname INTO newname FROM pg_attribute a WHERE a.attrelid = b.relid AND a.attnum = renamed;
        IF newname IS NULL OR cardinality(missing) > 1 THEN
            RAISE EXCEPTION 'cannot alter %: its bound column "%" is gone', b.relid, missing[1]
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = format('Bind the table again with its current columns (bg.bind_%s).', b.kind);
        END IF;
        -- a binding column was renamed: follow it
        UPDATE bg.binding x
           SET key_column = CASE WHEN x.key_column = missing[1] THEN newname ELSE x.key_column END,
               account_column = CASE WHEN x.account_column = missing[1] THEN newname ELSE x.account_column END,
               name_column = CASE WHEN x.name_column = missing[1] THEN newname ELSE x.name_column END,
               parent_column = CASE WHEN x.parent_column = missing[1] THEN newname ELSE x.parent_column END
         WHERE x.kind = b.kind
        RETURNING * INTO b;
    END IF;
    FOR c IN SELECT x.what, x.col, x.was, bg._column_type(b.relid, x.col) AS now
               FROM (VALUES ('key', b.key_column, b.key_type), ('account', b.account_column, b.account_type),
                            ('parent', b.parent_column, b.parent_type)) AS x(what, col, was)
              WHERE x.col IS NOT NULL LOOP
        IF c.was IS DISTINCT FROM c.now
           AND (c.was IS NULL OR bg._key_family(c.was) IS DISTINCT FROM bg._key_family(c.now)) THEN
            RAISE EXCEPTION 'cannot change the type of column "%" of %: it is the % column of the % binding',
                            c.col, b.relid, c.what, b.kind
                USING ERRCODE = 'dependent_objects_still_exist',
                      DETAIL = format('bg stores its keys as the text of %s values; as %s the same keys can have other texts.',
                                      c.was, c.now),
                      HINT = 'A key column may change between smallint, integer and bigint, or between text and varchar.';
        END IF;
        PERFORM bg._key_sql(b.relid, c.col, '');
    END LOOP;
    UPDATE bg.binding x SET key_type = bg._column_type(b.relid, b.key_column),
                            account_type = bg._column_type(b.relid, b.account_column),
                            parent_type = bg._column_type(b.relid, b.parent_column)
     WHERE x.kind = b.kind
       AND (x.key_type, x.account_type, x.parent_type) IS DISTINCT FROM
           (bg._column_type(b.relid, b.key_column), bg._column_type(b.relid, b.account_column),
            bg._column_type(b.relid, b.parent_column));
    FOR c IN SELECT format('the condition of role "%s" in roles template "%s"', r.name, t.name) AS what,
                    x.condition AS cond,
                    CASE WHEN t.status = 'live' THEN 'A live roles template never changes: keep the column as it was.'
                         ELSE 'Change the condition first (bg.set_condition), or drop the draft.' END AS hint
               FROM bg.template_role x JOIN bg.template t ON t.id = x.template_id JOIN bg.role r ON r.id = x.role_id
              WHERE b.kind = 'people' AND x.condition IS NOT NULL
             UNION ALL
             SELECT format('the filter of account list "%s"', l.name), l.filter,
                    'Drop the account list first (bg.drop_account_list).'
               FROM bg.account_list l WHERE b.kind = 'accounts' AND l.filter IS NOT NULL
             ORDER BY 1 LOOP
        BEGIN
            PERFORM bg.check_condition(c.cond, b.relid);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
            PERFORM bg._raise_caused(format('cannot alter %s: %s would no longer fit it', b.relid, c.what),
                                     'dependent_objects_still_exist', msg, det, c.hint);
        END;
    END LOOP;
END $$;
COMMENT ON FUNCTION bg._check_bound(bg.binding, smallint) IS 'Internal: checks a bound table after DDL; follows a renamed binding column.';

CREATE FUNCTION bg._ddl_guard_alter() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg.binding;
BEGIN
    IF bg._restoring() OR NOT EXISTS (SELECT FROM bg.binding) THEN
        RETURN;
    END IF;
    FOR b IN SELECT x.* FROM bg.binding x
              WHERE EXISTS (SELECT FROM pg_event_trigger_ddl_commands() c
                             WHERE c.command_tag IN ('ALTER TYPE', 'ALTER DOMAIN')
                                OR (c.classid = 'pg_catalog.pg_class'::regclass
                                    AND c.objid IN (WITH RECURSIVE up(r) AS (
                                                        SELECT x.relid::oid
                                                        UNION SELECT i.inhparent FROM up JOIN pg_inherits i ON i.inhrelid = up.r)
                                                    SELECT up.r FROM up)))
              ORDER BY x.kind LOOP
        -- a renamed column of the table, or of the composite type of a typed table
        PERFORM bg._check_bound(b, (SELECT max(c.objsubid)::smallint FROM pg_event_trigger_ddl_commands() c
                                     WHERE c.classid = 'pg_catalog.pg_class'::regclass AND c.objsubid > 0
                                       AND c.objid IN (SELECT k.oid FROM pg_class k WHERE k.oid = b.relid
                                                       UNION ALL
                                                       SELECT t.typrelid FROM pg_class k JOIN pg_type t ON t.oid = k.reloftype
                                                        WHERE k.oid = b.relid)));
    END LOOP;
END $$;
COMMENT ON FUNCTION bg._ddl_guard_alter() IS 'Internal: event trigger checking the bound tables after ALTER commands.';
-- <<< functions

-- sql/bg/views.sql
COMMENT ON VIEW bg.buying_groups IS 'Buying groups with their scores, always equal to the scoring aggregates over their current members.';

-- Keys of numeric key columns become canonical (1.0 is 1).  Equal keys
-- stored in two spellings: a list keeps one entry; two groups of one
-- account, or two memberships of one person in a group, are refused (which
-- to keep is the user's decision).
DO $$
DECLARE
    pk boolean := (SELECT bg._key_family(b.key_type) = 'numeric' FROM bg.binding b WHERE b.kind = 'people');
    ak boolean := (SELECT bg._key_family(b.key_type) = 'numeric' FROM bg.binding b WHERE b.kind = 'accounts');
    dup text;
BEGIN
    IF ak THEN
        SELECT string_agg(x.ids, '; ') INTO dup
          FROM (SELECT string_agg(g.id::text, ', ' ORDER BY g.id) AS ids FROM bg.buying_group g
                 GROUP BY g.solution_interest_id, pg_catalog.trim_scale(g.account_key::numeric)
                HAVING count(*) > 1) x;
        IF dup IS NOT NULL THEN
            RAISE EXCEPTION 'buying groups % are for the same account', dup
                USING ERRCODE = 'unique_violation',
                      DETAIL = 'From 0.3.0 equal keys are one account (1.0 is 1); these groups were created for one account key written differently.',
                      HINT = 'Keep one group of each account (bg.drop_buying_groups, or DELETE FROM bg.buying_group WHERE id = ...), then update again.';
        END IF;
        DELETE FROM bg.account_list_entry e
         WHERE EXISTS (SELECT FROM bg.account_list_entry f
                        WHERE f.list_id = e.list_id AND f.account_key < e.account_key
                          AND pg_catalog.trim_scale(f.account_key::numeric) = pg_catalog.trim_scale(e.account_key::numeric));
        UPDATE bg.account_list_entry SET account_key = pg_catalog.trim_scale(account_key::numeric)::text
         WHERE account_key <> pg_catalog.trim_scale(account_key::numeric)::text;
        UPDATE bg.buying_group SET account_key = pg_catalog.trim_scale(account_key::numeric)::text
         WHERE account_key <> pg_catalog.trim_scale(account_key::numeric)::text;
    END IF;
    IF pk THEN
        SELECT string_agg(format('%s in group %s', x.keys, x.group_id), '; ') INTO dup
          FROM (SELECT m.group_id, string_agg(m.person_key, ', ' ORDER BY m.person_key) AS keys FROM bg.member m
                 GROUP BY m.group_id, pg_catalog.trim_scale(m.person_key::numeric) HAVING count(*) > 1) x;
        IF dup IS NOT NULL THEN
            RAISE EXCEPTION 'people % are members of one group twice', dup
                USING ERRCODE = 'unique_violation',
                      DETAIL = 'From 0.3.0 equal keys are one person (1.0 is 1); these members are one person key written differently.',
                      HINT = 'Keep one membership of each person (bg.remove_member, or DELETE FROM bg.member WHERE ...), then update again.';
        END IF;
        UPDATE bg.member SET person_key = pg_catalog.trim_scale(person_key::numeric)::text
         WHERE person_key <> pg_catalog.trim_scale(person_key::numeric)::text;
    END IF;
END $$;

-- sql/bg/ddl_guard.sql
CREATE EVENT TRIGGER bg_ddl_guard ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'ALTER VIEW', 'ALTER MATERIALIZED VIEW', 'ALTER FOREIGN TABLE', 'ALTER TYPE',
                 'ALTER DOMAIN')
    EXECUTE FUNCTION bg._ddl_guard_alter();
CREATE EVENT TRIGGER bg_drop_guard ON sql_drop
    EXECUTE FUNCTION bg._ddl_guard_drop();
