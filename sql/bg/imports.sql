-- Importing members (docs/design.md §9): bg.import_members takes a table the
-- user filled (COPY from a vendor's or a spreadsheet's CSV) of account,
-- person and role rows and makes the rows that match members with source
-- import; every other row is kept in bg_internal.import_reject with why.
--
-- A run: the caller's right to read the source (src/import_source.c); the
-- interest lock, exclusive (as a creation job: manual actions, sync and live
-- mode of the interest wait for the import, §6.8); the source read as its
-- owner and matched in temporary tables (nothing of bg written yet, so the
-- errors of a missing mapping come before any write); then the job, the
-- rejects, the new groups (bg_internal._create_groups, as a creation job
-- creates them) and one INSERT ... ON CONFLICT of the members.
--
-- Rejects (reason, sqlstate), in the order they are tested:
--   unknown account                   23503  no account has the key, domain or website
--   ambiguous account                 21000  the domain or website is that of several accounts
--   unknown person                    23503  no person has the key or email
--   person not in account             22023  the person is in another account
--   ambiguous person                  21000  several people of the account have the email
--   unknown role                      42704  no role of the interest's template has the name
--   duplicate in file                 23505  an earlier row of the file names the same account and person
--   conflicts with a manual decision  55000  the person is a manual member of the group with
--                                           another role, or was removed by hand

CREATE FUNCTION bg_internal._require_source_select(rel regclass) RETURNS void
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'bg_require_source_select';
COMMENT ON FUNCTION bg_internal._require_source_select(regclass) IS 'Internal: errors unless the role that called bg''s function may SELECT every row of a table.';

-- The canonical text of a key (docs/design.md §14) written as text in expr,
-- for a key column of family fam (bg_internal._key_family); NULL when expr
-- is not a value of that family (an account domain, an email).  Numbers are
-- told by their characters (a sign, digits, one point), in C: this runs for
-- every distinct value of a file.
CREATE FUNCTION bg_internal._number_key(value text, is_integer boolean) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_number_key';
COMMENT ON FUNCTION bg_internal._number_key(text, boolean) IS 'Internal: the canonical key text of a number written as text (an integer, or a numeric with is_integer false), or NULL when it is none.';

CREATE FUNCTION bg_internal._key_literal_sql(fam text, expr text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN fam IN ('integer', 'numeric') THEN
                format('bg_internal._number_key(%s, %s)', expr, CASE WHEN fam = 'integer' THEN 'true' ELSE 'false' END)
        WHEN fam = 'uuid' THEN format('CASE WHEN %1$s ~* ''^\s*\{?[0-9a-f]{8}(-?[0-9a-f]{4}){3}-?[0-9a-f]{12}\}?\s*$''
                                     THEN (pg_catalog.btrim(%1$s)::pg_catalog.uuid)::pg_catalog.text END', expr)
        WHEN fam = 'char' THEN format('pg_catalog.rtrim(%s)', expr)
        ELSE expr END;
$$;
COMMENT ON FUNCTION bg_internal._key_literal_sql(text, text) IS 'Internal: SQL of the canonical key of a text value, or NULL when it is no value of the key type.';

-- The read of a bound table (alias t) by an import, as a CTE f of an
-- import's matching statement, over its CTE v of distinct values: the rows
-- of the table whose key ('k:' || its canonical text) or one of the tags
-- (SQL expressions of text over t, NULL for none; prefix || the tag) is one
-- of the columns vcols of v, as (keycol, the tags, [extracol,] tag), once
-- per tag found.  One scan of the table as its owner, each row's tags
-- looked up in a hash table of those values (bg_internal._read_tagged,
-- src/import_tags.c), instead of a scan per tag.
CREATE FUNCTION bg_internal._tag_read_sql(b bg_internal.binding, prefix text, tags text[], extra text,
                                          keycol name, extracol name, vcols name[])
    RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('f AS MATERIALIZED (SELECT * FROM bg_internal._read_tagged(%s::pg_catalog.oid::pg_catalog.regclass, %L,
                     %L::pg_catalog.text[], ARRAY(%s)) AS x(%I text, %s%s tag text))',
                  b.relid::oid,
                  format('SELECT %s, %s%s FROM %s t',
                         bg_internal._key_sql(b.relid, b.key_column, format('t.%I', b.key_column)),
                         (SELECT string_agg(CASE WHEN y.x IS NULL THEN 'NULL::pg_catalog.text' ELSE format('(%s)::pg_catalog.text', y.x) END, ', '
                                            ORDER BY y.i)
                            FROM unnest(tags) WITH ORDINALITY AS y(x, i)),
                         coalesce(', ' || extra, ''), b.relid),
                  ARRAY['k:'] || array_fill(prefix, ARRAY[cardinality(tags)]),
                  (SELECT string_agg(format('SELECT v.%I FROM v WHERE v.%1$I IS NOT NULL', c), ' UNION ALL ')
                     FROM unnest(vcols) AS c),
                  keycol,
                  (SELECT string_agg(format('t%s text, ', i), '') FROM generate_series(1, cardinality(tags)) AS i),
                  CASE WHEN extracol IS NOT NULL THEN format('%I text, ', extracol) ELSE '' END);
$$;
COMMENT ON FUNCTION bg_internal._tag_read_sql(bg_internal.binding, text, text[], text, name, name, name[]) IS 'Internal: SQL of an import''s read of a bound table by keys and tags.';

-- The rows of query (over rel, read as its owner) whose first
-- cardinality(prefixes) columns (text: the tags), each after its prefix,
-- make one of vals: once per tag found, the query's columns and the tagged
-- value.  Only the owner of bg_internal may call it.
CREATE FUNCTION bg_internal._read_tagged(rel regclass, query text, prefixes text[], vals text[]) RETURNS SETOF record
    LANGUAGE c STABLE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_read_tagged';
COMMENT ON FUNCTION bg_internal._read_tagged(regclass, text, text[], text[]) IS 'Internal: rows of a query over a user''s table, read as the table''s owner, whose tags are among the given values.';
REVOKE EXECUTE ON FUNCTION bg_internal._read_tagged(regclass, text, text[], text[]) FROM PUBLIC;

-- on_conflict of bg.import_members: skip or replace.
CREATE FUNCTION bg_internal._import_mode(on_conflict text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF on_conflict IS NULL THEN
        RAISE EXCEPTION 'on_conflict must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF lower(btrim(on_conflict)) NOT IN ('skip', 'replace') THEN
        RAISE EXCEPTION 'unknown on_conflict "%"', on_conflict
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give skip (an existing rule member keeps its role) or replace (the import sets the role).';
    END IF;
    RETURN lower(btrim(on_conflict));
END $$;
COMMENT ON FUNCTION bg_internal._import_mode(text) IS 'Internal: the on_conflict of an import; errors unless skip or replace.';

-- Errors unless the source has the columns an import reads, of types it
-- can read: account and person of a string type, an enum or a key type
-- (integer, numeric, uuid), role of a string type or an enum; an optional
-- line of an integer type.  Returns whether it has line.
CREATE FUNCTION bg_internal._import_columns(src regclass) RETURNS boolean
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t regtype;
    cat "char";
    has_line boolean;
BEGIN
    PERFORM bg_internal._require_table(src);
    FOR i IN 1 .. 3 LOOP
        DECLARE
            col name := (ARRAY['account', 'person', 'role'])[i];
        BEGIN
            PERFORM bg_internal._require_column(src, col, NULL,
                'An import reads the columns account, person and role of its source (and line, when it has one).');
            t := bg_internal._column_type(src, col);
            SELECT y.typcategory INTO cat FROM pg_type y WHERE y.oid = bg_internal._base_type(t);
            IF NOT (cat IN ('S', 'E') OR (col <> 'role' AND bg_internal._key_family(t) IS NOT NULL)) THEN
                RAISE EXCEPTION 'column "%" of % cannot be read by an import', col, src
                    USING ERRCODE = 'datatype_mismatch',
                          DETAIL = format('Its type is %s.', format_type(t, NULL)),
                          HINT = CASE WHEN col = 'role'
                                      THEN 'The role column holds role names: a string type (text, varchar, char) or an enum.'
                                      ELSE format('The %s column holds keys or %s: a string type, an enum or a key type (integer, numeric, uuid).',
                                                  col, CASE col WHEN 'account' THEN 'domains' ELSE 'emails' END) END;
            END IF;
        END;
    END LOOP;
    has_line := EXISTS (SELECT FROM pg_attribute WHERE attrelid = src AND attname = 'line' AND attnum > 0 AND NOT attisdropped);
    IF has_line AND bg_internal._key_family(bg_internal._column_type(src, 'line')) IS DISTINCT FROM 'integer' THEN
        RAISE EXCEPTION 'column "line" of % cannot be read by an import', src
            USING ERRCODE = 'datatype_mismatch',
                  DETAIL = format('Its type is %s.', format_type(bg_internal._column_type(src, 'line'), NULL)),
                  HINT = 'A line column numbers the rows of the file: smallint, integer or bigint. Rename it to have the rows numbered in the order read.';
    END IF;
    RETURN has_line;
END $$;
COMMENT ON FUNCTION bg_internal._import_columns(regclass) IS 'Internal: errors unless an import''s source has the columns it reads; whether it has line.';

-- Reads the source into pg_temp.bg_import_src(ord, line, a, p, r, "row")
-- as the source's owner: ord the position in the order read, line the
-- source's line column (ord where it has none, or it is NULL).
CREATE FUNCTION bg_internal._import_read(src regclass, has_line boolean) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('CREATE TEMPORARY TABLE bg_import_src ON COMMIT DROP AS
                    SELECT x.ord, COALESCE(x.line, x.ord) AS line, x.a, x.p, x.r, x."row"
                      FROM bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L)
                           AS x(ord bigint, line bigint, a text, p text, r text, "row" jsonb)',
                   src::oid,
                   format('SELECT pg_catalog.row_number() OVER (), %s, s.account::pg_catalog.text,
                                  s.person::pg_catalog.text, s.role::pg_catalog.text, pg_catalog.to_jsonb(s)
                             FROM %s s',
                          CASE WHEN has_line THEN 's.line::pg_catalog.int8' ELSE 'NULL::pg_catalog.int8' END, src));
    -- the statistics of the columns the matching joins on (not of "row"):
    -- hash joins, not sorts of every row of the file
    ANALYZE pg_temp.bg_import_src (a, p, r);
END $$;
COMMENT ON FUNCTION bg_internal._import_read(regclass, boolean) IS 'Internal: reads an import''s source into a temporary table.';

-- Matches the distinct account values of pg_temp.bg_import_src to
-- accounts: pg_temp.bg_import_account(a, akey, n), akey the account when n
-- (the accounts found) is 1.  A key first; else the domain of the value
-- against the domain and website mappings of the accounts binding.
CREATE FUNCTION bg_internal._import_accounts() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg_internal.binding := bg_internal._bound('accounts');
    bad text;
BEGIN
    EXECUTE format('CREATE TEMPORARY TABLE bg_import_account ON COMMIT DROP AS
        WITH v AS MATERIALIZED (SELECT s.a, ''k:'' || %1$s AS k, ''d:'' || %2$s AS d
                                  FROM (SELECT DISTINCT y.a FROM pg_temp.bg_import_src y WHERE y.a IS NOT NULL) s),
        %3$s
        SELECT v.a, COALESCE(km.akey, dm.akey) AS akey,
               CASE WHEN km.akey IS NOT NULL THEN 1 ELSE COALESCE(dm.n, 0) END AS n
          FROM v
          LEFT JOIN (SELECT DISTINCT f.akey, f.tag FROM f WHERE f.tag LIKE ''k:%%'') km ON km.tag = v.k
          LEFT JOIN (SELECT f.tag, pg_catalog.min(f.akey) AS akey, pg_catalog.count(DISTINCT f.akey) AS n
                       FROM f WHERE f.tag LIKE ''d:%%'' GROUP BY f.tag) dm ON dm.tag = v.d',
        bg_internal._key_literal_sql(bg_internal._key_family(b.key_type), 's.a'),
        bg_internal._domain_sql('s.a'),
        bg_internal._tag_read_sql(b, 'd:', ARRAY[CASE WHEN b.mappings ? 'domain'
                                                     THEN bg_internal._domain_sql(format('(t.%I)::pg_catalog.text', b.mappings ->> 'domain')) END,
                                                CASE WHEN b.mappings ? 'website'
                                                     THEN bg_internal._domain_sql(format('(t.%I)::pg_catalog.text', b.mappings ->> 'website')) END],
                                  NULL, 'akey', NULL, ARRAY['k', 'd']));
    ANALYZE pg_temp.bg_import_account;
    -- a domain needs a mapping to be matched
    IF NOT (b.mappings ?| ARRAY['domain', 'website']) THEN
        SELECT x.a INTO bad FROM pg_temp.bg_import_account x WHERE x.n = 0 AND x.a ~ '[.@]' ORDER BY x.a LIMIT 1;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'cannot match account "%" by domain: the accounts are bound without a domain or website column', bad
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'It is no account key, and an import matches other values by the domain or website of the bound accounts.',
                      HINT = 'Bind the accounts again with bg.bind_accounts(..., domain => ''column'') or website => ''column''.';
        END IF;
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._import_accounts() IS 'Internal: matches the account values of an import to accounts.';

-- Matches the person values of the rows whose account was found to people:
-- pg_temp.bg_import_person(akey, p, pkey, n, elsewhere), pkey the person
-- when n (the people of the account found) is 1; elsewhere: people of other
-- accounts were found.  A key first; else the email (trimmed, any case)
-- against the people binding's email mapping.
CREATE FUNCTION bg_internal._import_people() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg_internal.binding := bg_internal._bound('people');
    bad text;
BEGIN
    EXECUTE format('CREATE TEMPORARY TABLE bg_import_person ON COMMIT DROP AS
        WITH v AS MATERIALIZED (SELECT s.akey, s.p, ''k:'' || %1$s AS k,
                                       CASE WHEN s.p LIKE ''%%@%%'' THEN ''e:'' || pg_catalog.lower(pg_catalog.btrim(s.p)) END AS e
                                  FROM (SELECT DISTINCT c.akey, y.p
                                          FROM pg_temp.bg_import_src y JOIN pg_temp.bg_import_account c ON c.a = y.a
                                         WHERE c.n = 1 AND y.p IS NOT NULL) s),
        %2$s,
        km AS (SELECT DISTINCT f.pkey, f.acct, f.tag FROM f WHERE f.tag LIKE ''k:%%''),
        -- the people found by an email in each account, and in all
        ea AS (SELECT f.tag, f.acct, pg_catalog.min(f.pkey) AS pkey, pg_catalog.count(DISTINCT f.pkey) AS n
                 FROM f WHERE f.tag LIKE ''e:%%'' GROUP BY f.tag, f.acct),
        et AS (SELECT f.tag, pg_catalog.count(DISTINCT f.pkey) AS n FROM f WHERE f.tag LIKE ''e:%%'' GROUP BY f.tag)
        SELECT v.akey, v.p,
               CASE WHEN km.pkey IS NOT NULL THEN CASE WHEN km.acct = v.akey THEN km.pkey END
                    ELSE ea.pkey END AS pkey,
               CASE WHEN km.pkey IS NOT NULL THEN (km.acct = v.akey)::integer
                    ELSE COALESCE(ea.n, 0) END AS n,
               CASE WHEN km.pkey IS NOT NULL THEN km.acct <> v.akey
                    ELSE COALESCE(et.n, 0) > COALESCE(ea.n, 0) END AS elsewhere
          FROM v LEFT JOIN km ON km.tag = v.k
          LEFT JOIN ea ON ea.tag = v.e AND ea.acct = v.akey
          LEFT JOIN et ON et.tag = v.e',
        bg_internal._key_literal_sql(bg_internal._key_family(b.key_type), 's.p'),
        bg_internal._tag_read_sql(b, 'e:', ARRAY[CASE WHEN b.mappings ? 'email'
                                                     THEN format('pg_catalog.lower(pg_catalog.btrim((t.%I)::pg_catalog.text))',
                                                                 b.mappings ->> 'email') END],
                                  bg_internal._key_sql(b.relid, b.account_column, format('t.%I', b.account_column)),
                                  'pkey', 'acct', ARRAY['k', 'e']));
    ANALYZE pg_temp.bg_import_person;
    IF NOT b.mappings ? 'email' THEN
        SELECT x.p INTO bad FROM pg_temp.bg_import_person x WHERE x.n = 0 AND NOT x.elsewhere AND x.p LIKE '%@%'
         ORDER BY x.p LIMIT 1;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'cannot match person "%" by email: the people are bound without an email column', bad
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'It is no person key, and an import matches other values by the email of the bound people.',
                      HINT = 'Bind the people again with bg.bind_people(..., email => ''column'').';
        END IF;
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._import_people() IS 'Internal: matches the person values of an import to people.';

-- The rows of the source with what they matched and, for those that do not
-- become members, why: pg_temp.bg_import(ord, line, akey, pkey, role_id,
-- reason, sqlstate) (a reject's "row" is read from pg_temp.bg_import_src by
-- its ord: no sort or copy of every row's jsonb).  Duplicates are looked for among the rows
-- that match in every other way (the first in line order stays), manual
-- decisions among those.  A manual member with the row's role is no
-- conflict: the row changes nothing.
CREATE FUNCTION bg_internal._import_match(s bg_internal.solution_interest) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    CREATE TEMPORARY TABLE bg_import ON COMMIT DROP AS
    WITH b AS (
        SELECT x.ord, x.line, c.akey, pr.pkey, ro.role_id,
               CASE WHEN c.n IS NULL OR c.n = 0 THEN 'unknown account'
                    WHEN c.n > 1 THEN 'ambiguous account'
                    WHEN pr.n IS NULL OR (pr.n = 0 AND NOT pr.elsewhere) THEN 'unknown person'
                    WHEN pr.n = 0 THEN 'person not in account'
                    WHEN pr.n > 1 THEN 'ambiguous person'
                    WHEN ro.role_id IS NULL THEN 'unknown role' END AS reason
          FROM pg_temp.bg_import_src x
          LEFT JOIN pg_temp.bg_import_account c ON c.a = x.a
          LEFT JOIN pg_temp.bg_import_person pr ON pr.akey = c.akey AND pr.p = x.p
          -- each distinct role value folded once
          LEFT JOIN (SELECT d.r, tr.role_id
                       FROM (SELECT DISTINCT y.r FROM pg_temp.bg_import_src y) d
                       JOIN bg_internal.role rr ON bg_internal._fold(rr.name) = bg_internal._fold(d.r)
                       JOIN bg_internal.template_role tr ON tr.role_id = rr.id AND tr.template_id = s.template_id) ro
                 ON ro.r = x.r),
    d AS (
        SELECT b.*, CASE WHEN b.reason IS NULL
                         THEN row_number() OVER (PARTITION BY b.reason IS NULL, b.akey COLLATE pg_catalog."C",
                                                              b.pkey COLLATE pg_catalog."C" ORDER BY b.line, b.ord) END AS rn
          FROM b)
    SELECT y.ord, y.line, y.akey, y.pkey, y.role_id, y.reason,
           CASE y.reason WHEN 'unknown account' THEN '23503' WHEN 'ambiguous account' THEN '21000'
                         WHEN 'unknown person' THEN '23503' WHEN 'person not in account' THEN '22023'
                         WHEN 'ambiguous person' THEN '21000' WHEN 'unknown role' THEN '42704'
                         WHEN 'duplicate in file' THEN '23505' WHEN 'conflicts with a manual decision' THEN '55000'
           END AS sqlstate
      FROM (SELECT d.ord, d.line, d.akey, d.pkey, d.role_id,
                   coalesce(d.reason,
                            CASE WHEN d.rn > 1 THEN 'duplicate in file'
                                 WHEN m.source = 'manual' AND (m.is_removed OR m.role_id <> d.role_id)
                                 THEN 'conflicts with a manual decision' END) AS reason
              FROM d
              LEFT JOIN bg_internal.buying_group g ON g.solution_interest_id = s.id AND g.account_key = d.akey
                                                  AND d.reason IS NULL
              LEFT JOIN bg_internal.member m ON m.group_id = g.id AND m.person_key = d.pkey) y;
    ANALYZE pg_temp.bg_import (akey, pkey, reason);
END $$;
COMMENT ON FUNCTION bg_internal._import_match(bg_internal.solution_interest) IS 'Internal: the rows of an import with their matches and reject reasons.';

-- The run of an import (the interest locked by the caller, its rows in
-- pg_temp.bg_import): the rejects, the groups of accounts that have none,
-- then the members in one statement.  A manual member is never changed and
-- a removed one never comes back (the rows that would were rejected; the
-- WHERE keeps it so).  skip: an existing rule (or ai) member keeps its
-- role and source; replace: it takes the row's role and source import.  An
-- import member takes the row's role; a removed non-manual member comes
-- back as an import member.
CREATE FUNCTION bg_internal._run_import(jid bigint, s bg_internal.solution_interest, mode text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    nrejected bigint;
    nmembers bigint;
    c record;
BEGIN
    INSERT INTO bg_internal.import_reject (job, line, reason, sqlstate, "row", account_key, person_key)
    SELECT jid, i.line, i.reason, i.sqlstate, x."row", i.akey, i.pkey
      FROM pg_temp.bg_import i JOIN pg_temp.bg_import_src x ON x.ord = i.ord
     WHERE i.reason IS NOT NULL
     ORDER BY i.line, i.ord;
    GET DIAGNOSTICS nrejected = ROW_COUNT;
    PERFORM bg_internal._new_groups_of(s, 'SELECT DISTINCT i.akey AS account_key FROM pg_temp.bg_import i
                                           WHERE i.reason IS NULL', NULL);
    c := bg_internal._create_groups(jid, s);
    INSERT INTO bg_internal.member AS m (group_id, person_key, role_id, source)
    SELECT g.id, i.pkey, i.role_id, 'import'
      FROM pg_temp.bg_import i
      JOIN bg_internal.buying_group g ON g.solution_interest_id = s.id AND g.account_key = i.akey
     WHERE i.reason IS NULL
    ON CONFLICT (group_id, person_key) DO UPDATE
       SET role_id = excluded.role_id, source = 'import', is_removed = false, removed_at = NULL,
           added_at = CASE WHEN m.is_removed THEN now() ELSE m.added_at END
     WHERE m.source <> 'manual'
       AND (m.is_removed
            OR (m.source = 'import' AND m.role_id <> excluded.role_id)
            OR (m.source <> 'import' AND mode = 'replace'));
    GET DIAGNOSTICS nmembers = ROW_COUNT;
    UPDATE bg_internal.job SET status = 'done', groups_created = c.groups, members_added = c.members + nmembers,
                      rows_rejected = nrejected, finished_at = clock_timestamp()
     WHERE id = jid;
END $$;
COMMENT ON FUNCTION bg_internal._run_import(bigint, bg_internal.solution_interest, text) IS 'Internal: the run of an import: rejects, new groups and members.';

CREATE FUNCTION bg.import_members(solution_interest text, source regclass, on_conflict text DEFAULT 'skip')
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET bg.event_source = 'import' AS $$
DECLARE
    s bg_internal.solution_interest := bg_internal._interest($1);
    mode text := bg_internal._import_mode($3);
    has_line boolean := bg_internal._import_columns($2);
    jid bigint;
BEGIN
    PERFORM bg_internal._require_source_select($2);
    PERFORM bg_internal._bound('people');
    PERFORM bg_internal._bound('accounts');
    s := bg_internal._lock_interest(s, true, true);
    IF pg_catalog.to_regclass('pg_temp.bg_import') IS NOT NULL THEN
        DROP TABLE pg_temp.bg_import, pg_temp.bg_import_src, pg_temp.bg_import_account, pg_temp.bg_import_person;
    END IF;
    PERFORM bg_internal._import_read($2, has_line);
    PERFORM bg_internal._import_accounts();
    PERFORM bg_internal._import_people();
    PERFORM bg_internal._import_match(s);
    INSERT INTO bg_internal.job (solution_interest, kind) VALUES (s.name, 'import') RETURNING id INTO jid;
    PERFORM bg_internal._run_import(jid, s, mode);
    RETURN jid;
END $$;
COMMENT ON FUNCTION bg.import_members(text, regclass, text) IS
    'Imports members of a solution interest''s buying groups from a table of account (key, domain or website), person (key or email) and role rows: matching rows become members with source import (a group is created for an account that has none), the others are listed in bg.import_rejects; manual decisions win. on_conflict: skip (an existing rule member keeps its role) or replace. Records the run in bg.jobs and returns the job id.';

-- Rejected rows are shown as the other views show groups and members
-- (docs/design.md §6.7): a row matched to an account (a person) only to a
-- role that may SELECT that account's (person's) row; a row whose account
-- (person) was not found only to a role that sees every account (person).
CREATE VIEW bg.import_rejects WITH (security_barrier) AS
SELECT r.job, r.line, r.reason, r.sqlstate, r."row"
  FROM bg_internal.import_reject r
 WHERE ((SELECT bg_internal._sees_all('accounts'))
        OR (r.account_key IS NOT NULL AND bg_internal._visible('accounts', r.account_key)))
   AND ((SELECT bg_internal._sees_all('people'))
        OR (r.person_key IS NOT NULL AND bg_internal._visible('people', r.person_key))
        OR (r.person_key IS NULL AND r.reason IN ('unknown account', 'ambiguous account')))
 ORDER BY r.job, r.line;
COMMENT ON VIEW bg.import_rejects IS 'The source rows of bg.import_members that did not become members, with why; only rows whose account and person you may SELECT in the bound tables (or, when they were not found, if you see them all).';
COMMENT ON COLUMN bg.import_rejects.job IS 'The import''s job id (bg.jobs).';
COMMENT ON COLUMN bg.import_rejects.line IS 'The row''s line: the source''s line column when it has one, else its position (from 1) in the order the table was read, which for a table just filled by COPY is the order of the file.';
COMMENT ON COLUMN bg.import_rejects.reason IS 'unknown account, ambiguous account, unknown person, person not in account, ambiguous person, unknown role, duplicate in file or conflicts with a manual decision.';
COMMENT ON COLUMN bg.import_rejects.sqlstate IS 'The SQLSTATE of the reason: 23503 unknown account or person, 21000 ambiguous account or person, 22023 person not in account, 42704 unknown role, 23505 duplicate in file, 55000 conflicts with a manual decision.';
COMMENT ON COLUMN bg.import_rejects."row" IS 'The source row, every column (to_jsonb).';

-- Rejects go with their job (bg.purge_jobs).
CREATE FUNCTION bg_internal._jobs_deleted() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM bg_internal.import_reject r WHERE r.job IN (SELECT o.id FROM old_rows o);
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._jobs_deleted() IS 'Internal: deletes the import rejects of deleted jobs.';
CREATE TRIGGER job_deleted AFTER DELETE ON bg_internal.job REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._jobs_deleted();

CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.import_reject
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
