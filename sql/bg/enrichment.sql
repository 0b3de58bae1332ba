-- Enrichment from vendor records (docs/design.md §9): bg.enrich_people and
-- bg.undo_enrichment.  Both write the user's people table, so they are C
-- (src/enrichment.c) and run as their caller: as bg's owner (a
-- security-restricted operation) the functions below check the arguments and
-- the bindings, record the job and generate one statement over the people
-- table; the caller runs that statement with its own rights (it needs SELECT
-- on the source, SELECT and UPDATE on the people table, INSERT for
-- insert_new, SELECT on the accounts table to match domains); then, as bg's
-- owner again, the changes the statement returns are logged in
-- bg_internal.enrichment_change.

-- Written on the coordinator only (docs/design.md §12.3), as bg's other tables.
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.enrichment_change
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();

-- The SQL of the domain in expr (a domain, a website URL or an email):
-- trimmed, lower-cased, without scheme, user (an email's local part),
-- "www.", port, path, query or fragment; NULL when that leaves nothing.
-- Like every SQL the caller runs (enrichment), it names its functions and
-- operators in pg_catalog (no search_path can divert it).  Imports
-- (imports.sql) match accounts by it too.
-- A value without any of / : ? # @ and not starting with "www." (a plain
-- domain, an email's domain part) is its own domain: string functions
-- tell those apart, and only the others pay for the regular expression
-- (about 8 µs a value).  The tests read the trimmed value, lower-cased
-- only for its first four characters (lower() of a character never gives
-- one of those five, nor "w" unless it was "w" or "W"): lower() of the
-- whole value runs once.
CREATE FUNCTION bg_internal._domain_sql(expr text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('CASE WHEN pg_catalog.translate(%1$s, ''/:?#@'', '''') OPERATOR(pg_catalog.=) %1$s '
                  'AND pg_catalog.lower(pg_catalog.left(%1$s, 4)) OPERATOR(pg_catalog.<>) ''www.'' AND %1$s OPERATOR(pg_catalog.<>) '''' '
                  'THEN pg_catalog.lower(%1$s) ELSE pg_catalog.substring(pg_catalog.lower(%1$s), '
                  '''^(?:[a-z][a-z0-9+.-]*://)?(?:[^/?#@]*@)?(?:www\.)?((?!www\.)[^/:?#@]+)'') END',
                  format('pg_catalog.btrim((%s)::pg_catalog.text)', expr));
$$;
COMMENT ON FUNCTION bg_internal._domain_sql(text) IS 'Internal: SQL of the domain of a domain, website or email expression.';

-- The SQL of "a IS DISTINCT FROM b" for two texts, with pg_catalog's <>
-- (IS DISTINCT FROM would look = up in the caller's search_path).
CREATE FUNCTION bg_internal._distinct_sql(a text, b text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('(CASE WHEN %1$s IS NULL THEN %2$s IS NOT NULL WHEN %2$s IS NULL THEN true '
                  'ELSE %1$s OPERATOR(pg_catalog.<>) %2$s END)', a, b);
$$;
COMMENT ON FUNCTION bg_internal._distinct_sql(text, text) IS 'Internal: SQL of IS DISTINCT FROM for two texts, with pg_catalog''s operator.';

-- The SQL of "expr (of type typ) holds nothing": NULL, or blank text for a
-- string type.
CREATE FUNCTION bg_internal._empty_sql(expr text, typ regtype) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN (SELECT y.typcategory FROM pg_type y WHERE y.oid = bg_internal._base_type(typ)) = 'S'
                THEN format('(%1$s IS NULL OR pg_catalog.btrim((%1$s)::pg_catalog.text) OPERATOR(pg_catalog.=) '''')', expr)
                ELSE format('(%s IS NULL)', expr) END;
$$;
COMMENT ON FUNCTION bg_internal._empty_sql(text, regtype) IS 'Internal: SQL testing whether a value is NULL or blank text.';

-- Whether a value of type src can be cast to type dst (an explicit cast,
-- I/O conversion included).
CREATE FUNCTION bg_internal._castable(src regtype, dst regtype) RETURNS boolean
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_castable';
COMMENT ON FUNCTION bg_internal._castable(regtype, regtype) IS 'Internal: whether a type casts to another.';

-- A column of the source table, or an error naming what needs it.
CREATE FUNCTION bg_internal._source_column(source regclass, col name, needed_by text) RETURNS name
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._require_column(source, col, NULL, needed_by);
    RETURN col;
END $$;
COMMENT ON FUNCTION bg_internal._source_column(regclass, name, text) IS 'Internal: a column the source table of an enrichment must have.';

-- A mapping of a binding, or an error saying which option needs it.
CREATE FUNCTION bg_internal._required_mapping(b bg_internal.binding, mapping text, needed_by text) RETURNS name
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT b.mappings ? mapping THEN
        RAISE EXCEPTION 'the % binding has no % mapping', b.kind, mapping
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = needed_by,
                  HINT = format('Bind the %s table again with %s => ''column''.', b.kind, mapping);
    END IF;
    RETURN (b.mappings ->> mapping)::name;
END $$;
COMMENT ON FUNCTION bg_internal._required_mapping(bg_internal.binding, text, text) IS 'Internal: the column of a mapping an enrichment needs; errors when it is not set.';

-- Checks an enrichment's arguments and bindings (every error before anything
-- is written), records its job and returns the statement the caller runs
-- (src/enrichment.c).  The statement's rows: ('u', person key, column, old,
-- new) for every value it changed, ('i', person key, column, NULL, value)
-- for every value of a person it inserted, and one ('s', ..., counts as
-- jsonb text).
CREATE FUNCTION bg_internal._enrich_prepare(source regclass, match_on text, overwrite boolean, insert_new boolean,
                                            OUT job bigint, OUT query text)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding;
    a bg_internal.binding;
    need_accounts boolean;
    a_dom name; a_web name;
    m_cols name[];          -- people columns the match reads (and an insert writes)
    m_exprs text[];         -- their values in the source (trimmed text)
    src name[] := '{}';     -- the columns copied: in the source,
    tgt name[] := '{}';     -- in the people table,
    typ text[] := '{}';     -- the people column's type (for casts)
    att record;
    target name;
    i int;
    n int;
    kt text;
    q_v text; q_ad text := ''; q_j text; q_c text; q_u text; q_ins text := ''; q_out text;
    sets text[] := '{}'; rets text[] := '{}'; outs text[] := '{}'; ws text[] := '{}'; wsany text[] := '{}';
    ns text[] := '{}'; os text[] := '{}'; jn text[] := '{}';
    dom_sql text;
BEGIN
    PERFORM bg_internal._require_table(source);
    IF match_on IS NULL THEN
        RAISE EXCEPTION 'match_on must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF match_on NOT IN ('email', 'name') THEN
        RAISE EXCEPTION 'unknown match_on "%"', match_on
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'match_on is ''email'' (the source''s email column against the people''s email mapping) or ''name'' (first_name, last_name and domain against the people''s names in the account of that domain).';
    END IF;
    IF overwrite IS NULL THEN
        RAISE EXCEPTION 'overwrite must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF insert_new IS NULL THEN
        RAISE EXCEPTION 'insert_new must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    p := bg_internal._bound('people');
    PERFORM bg_internal._key_sql(p.relid, p.key_column, '');
    need_accounts := match_on = 'name' OR insert_new;
    IF match_on = 'email' THEN
        m_cols := ARRAY[bg_internal._required_mapping(p, 'email', 'match_on => ''email'' matches it.')];
        m_exprs := ARRAY[format('pg_catalog.btrim((s.%I)::pg_catalog.text)',
                                bg_internal._source_column(source, 'email', 'match_on => ''email'' reads it.'))];
    ELSE
        m_cols := ARRAY[bg_internal._required_mapping(p, 'first_name', 'match_on => ''name'' matches it.'),
                        bg_internal._required_mapping(p, 'last_name', 'match_on => ''name'' matches it.')];
        m_exprs := ARRAY[format('pg_catalog.btrim((s.%I)::pg_catalog.text)',
                                bg_internal._source_column(source, 'first_name', 'match_on => ''name'' reads it.')),
                         format('pg_catalog.btrim((s.%I)::pg_catalog.text)',
                                bg_internal._source_column(source, 'last_name', 'match_on => ''name'' reads it.'))];
        PERFORM bg_internal._source_column(source, 'domain', 'match_on => ''name'' reads it (the company''s domain or website).');
    END IF;
    IF need_accounts THEN
        a := bg_internal._bound('accounts');
        PERFORM bg_internal._key_sql(a.relid, a.key_column, '');
        a_dom := (a.mappings ->> 'domain')::name;
        a_web := (a.mappings ->> 'website')::name;
        IF a_dom IS NULL AND a_web IS NULL THEN
            RAISE EXCEPTION 'the accounts binding has no domain or website mapping'
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = CASE WHEN match_on = 'name' THEN 'match_on => ''name'' finds the account by its domain.'
                                    ELSE 'insert_new => true finds the account of a new person by its domain.' END,
                      HINT = 'Bind the accounts table again with domain => ''column'' or website => ''column''.';
        END IF;
    END IF;
    IF insert_new AND NOT EXISTS (SELECT FROM pg_attribute x WHERE x.attrelid = p.relid AND x.attname = p.key_column
                                     AND (x.atthasdef OR x.attidentity <> '')) THEN
        RAISE EXCEPTION 'the key column "%" of % has no default', p.key_column, p.relid
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'insert_new => true inserts people with the key column''s default.',
                  HINT = 'Give the key column a default (an identity column, a sequence or gen_random_uuid()), or enrich with insert_new => false.';
    END IF;

    -- the columns to copy: a source column named as a people mapping goes to
    -- the mapped column, any other to the people column of its name; never
    -- the key, the account or what the match reads
    FOR att IN SELECT x.attname, x.atttypid::regtype AS t FROM pg_attribute x
                WHERE x.attrelid = source AND x.attnum > 0 AND NOT x.attisdropped ORDER BY x.attnum LOOP
        target := CASE WHEN att.attname::text IN ('email', 'first_name', 'last_name', 'job_title', 'country')
                            AND p.mappings ? att.attname::text
                       THEN (p.mappings ->> att.attname::text)::name
                       WHEN EXISTS (SELECT FROM pg_attribute y WHERE y.attrelid = p.relid AND y.attname = att.attname
                                       AND y.attnum > 0 AND NOT y.attisdropped)
                       THEN att.attname END;
        CONTINUE WHEN target IS NULL OR target IN (p.key_column, p.account_column) OR target = ANY (m_cols)
                      OR (match_on = 'email' AND att.attname = 'email')
                      OR (match_on = 'name' AND att.attname IN ('first_name', 'last_name'));
        i := array_position(tgt, target);
        IF i IS NOT NULL THEN
            RAISE EXCEPTION 'columns "%" and "%" of % both enrich column "%" of %', src[i], att.attname, source, target, p.relid
                USING ERRCODE = 'duplicate_column',
                      HINT = 'Drop or rename one of them in the source table.';
        END IF;
        IF NOT bg_internal._castable(att.t, bg_internal._column_type(p.relid, target)) THEN
            RAISE EXCEPTION 'column "%" of % cannot enrich column "%" of %', att.attname, source, target, p.relid
                USING ERRCODE = 'datatype_mismatch',
                      DETAIL = format('No cast leads from %s to %s.', format_type(att.t, NULL),
                                      format_type(bg_internal._column_type(p.relid, target), NULL)),
                      HINT = 'Change the source column''s type, or rename it so that it enriches nothing.';
        END IF;
        src := src || att.attname;
        tgt := tgt || target;
        typ := typ || bg_internal._coltype(p.relid, target);
    END LOOP;
    n := cardinality(tgt);
    IF n = 0 THEN
        RAISE EXCEPTION 'table % has no column to enrich people with', source
            USING ERRCODE = 'undefined_column',
                  DETAIL = format('No column of it other than the match columns is named as a column of %s or as a people mapping (job_title, first_name, last_name, country).', p.relid),
                  HINT = 'Name the source''s value columns as the people table''s columns.';
    END IF;

    INSERT INTO bg_internal.job (kind, counts, people)
    VALUES ('enrichment', jsonb_build_object('source', source::text, 'match_on', match_on, 'overwrite', overwrite,
                                             'insert_new', insert_new), p.relid)
    RETURNING id INTO job;

    kt := bg_internal._key_sql(p.relid, p.key_column, format('t.%I', p.key_column));
    FOR i IN 1 .. n LOOP
        ns := ns || format('CASE WHEN NOT %s THEN CAST(s.%I AS %s) END AS n%s',
                           bg_internal._empty_sql(format('s.%I', src[i]), bg_internal._column_type(source, src[i])),
                           src[i], typ[i], i);
        jn := jn || format('v.n%s', i);
        os := os || format('t.%I AS o%s', tgt[i], i);
        ws := ws || format('CASE WHEN j.n%1$s IS NOT NULL AND (%2$s OR %3$s) AND %4$s THEN j.n%1$s END AS w%1$s',
                           i, CASE WHEN overwrite THEN 'true' ELSE 'false' END,
                           bg_internal._empty_sql(format('j.o%s', i), bg_internal._column_type(p.relid, tgt[i])),
                           bg_internal._distinct_sql(format('(j.o%s)::pg_catalog.text', i), format('(j.n%s)::pg_catalog.text', i)));
        wsany := wsany || format('c.w%s IS NOT NULL', i);
        -- a value the user changed since the match was read stays (the
        -- latest version of the row is what an UPDATE sets from)
        sets := sets || format('%1$I = CASE WHEN c.w%2$s IS NOT NULL AND NOT %3$s THEN c.w%2$s ELSE t.%1$I END',
                               tgt[i], i, bg_internal._distinct_sql(format('(t.%I)::pg_catalog.text', tgt[i]),
                                                                    format('(c.o%s)::pg_catalog.text', i)));
        rets := rets || format('(c.w%2$s IS NOT NULL AND NOT %3$s) AS h%2$s, (c.o%2$s)::pg_catalog.text AS o%2$s, (c.w%2$s)::pg_catalog.text AS w%2$s',
                               tgt[i], i, bg_internal._distinct_sql(format('(t.%I)::pg_catalog.text', tgt[i]),
                                                                    format('(c.w%s)::pg_catalog.text', i)));
        outs := outs || format('(%L::pg_catalog.text, u.h%2$s, u.o%2$s, u.w%2$s)', tgt[i], i);
    END LOOP;

    -- the vendor records: the match key mk (NULL when a part is missing) and
    -- the values, cast to the people columns' types (NULL for blank); dup:
    -- records of the same key
    IF match_on = 'email' THEN
        dom_sql := CASE WHEN NOT insert_new THEN 'NULL::pg_catalog.text'
                        WHEN EXISTS (SELECT FROM pg_attribute x WHERE x.attrelid = source AND x.attname = 'domain'
                                        AND x.attnum > 0 AND NOT x.attisdropped)
                        THEN format('COALESCE(%s, %s)', bg_internal._domain_sql('s.domain'),
                                    bg_internal._domain_sql(format('pg_catalog.split_part(%s, ''@'', 2)', m_exprs[1])))
                        ELSE bg_internal._domain_sql(format('pg_catalog.split_part(%s, ''@'', 2)', m_exprs[1])) END;
        q_v := format('SELECT CASE WHEN y.m1 OPERATOR(pg_catalog.<>) '''' THEN pg_catalog.lower(y.m1) END AS mk, y.* FROM (SELECT %s AS m1, %s AS dom, %s FROM %s s) y',
                      m_exprs[1], dom_sql, array_to_string(ns, ', '), source);
    ELSE
        q_v := format('SELECT CASE WHEN y.m1 OPERATOR(pg_catalog.<>) '''' AND y.m2 OPERATOR(pg_catalog.<>) '''' AND y.dom IS NOT NULL '
                      'THEN pg_catalog.concat_ws(E''\x1f'', pg_catalog.lower(y.m1), pg_catalog.lower(y.m2), y.dom) END AS mk, '
                      'pg_catalog.lower(y.m1) AS f, pg_catalog.lower(y.m2) AS l, y.* '
                      'FROM (SELECT %s AS m1, %s AS m2, %s AS dom, %s FROM %s s) y',
                      m_exprs[1], m_exprs[2], bg_internal._domain_sql('s.domain'), array_to_string(ns, ', '), source);
    END IF;
    q_v := format('v AS MATERIALIZED (SELECT x.*, pg_catalog.count(*) OVER (PARTITION BY x.mk) AS dup FROM (%s) x)', q_v);

    -- the accounts' domains (of the domain and website mappings)
    IF need_accounts THEN
        q_ad := format(', ad AS MATERIALIZED (SELECT DISTINCT d.dom, a.%I AS acct, %s AS acct_text FROM %s a '
                       'CROSS JOIN LATERAL (VALUES %s) d(dom) WHERE d.dom IS NOT NULL)',
                       a.key_column, bg_internal._key_sql(a.relid, a.key_column, format('a.%I', a.key_column)), a.relid,
                       array_to_string(ARRAY[CASE WHEN a_dom IS NOT NULL THEN format('(%s)', bg_internal._domain_sql(format('a.%I', a_dom))) END,
                                             CASE WHEN a_web IS NOT NULL THEN format('(%s)', bg_internal._domain_sql(format('a.%I', a_web))) END], ', '));
    END IF;

    -- the people each record with a key of its own matches, with their
    -- values; nm: people of the record, np: records of the person
    IF match_on = 'email' THEN
        q_j := format('SELECT t.%I AS pk, v.mk, %s, %s FROM v JOIN %s t '
                      'ON pg_catalog.lower(pg_catalog.btrim((t.%I)::pg_catalog.text)) OPERATOR(pg_catalog.=) v.mk '
                      'WHERE v.dup OPERATOR(pg_catalog.=) 1',
                      p.key_column, array_to_string(jn, ', '), array_to_string(os, ', '), p.relid, m_cols[1]);
    ELSE
        q_j := format('SELECT t.%I AS pk, v.mk, %s, %s FROM v JOIN ad ON ad.dom OPERATOR(pg_catalog.=) v.dom JOIN %s t '
                      'ON %s OPERATOR(pg_catalog.=) ad.acct_text '
                      'AND pg_catalog.lower(pg_catalog.btrim((t.%I)::pg_catalog.text)) OPERATOR(pg_catalog.=) v.f '
                      'AND pg_catalog.lower(pg_catalog.btrim((t.%I)::pg_catalog.text)) OPERATOR(pg_catalog.=) v.l '
                      'WHERE v.dup OPERATOR(pg_catalog.=) 1',
                      p.key_column, array_to_string(jn, ', '), array_to_string(os, ', '), p.relid,
                      bg_internal._key_sql(p.relid, p.account_column, format('t.%I', p.account_column)), m_cols[1], m_cols[2]);
    END IF;
    q_j := format(', j AS MATERIALIZED (SELECT z.*, pg_catalog.count(*) OVER (PARTITION BY z.mk) AS nm, %s AS np FROM (%s) z)',
                  CASE WHEN match_on = 'email' THEN '1' ELSE 'pg_catalog.count(*) OVER (PARTITION BY z.pk)' END, q_j);

    -- the new values: a value the record has, where the person's is empty
    -- (or any, with overwrite) and differs
    q_c := format(', c AS (SELECT j.pk, %s, %s FROM j WHERE j.nm OPERATOR(pg_catalog.=) 1 AND j.np OPERATOR(pg_catalog.=) 1)',
                  (SELECT string_agg(format('j.o%s', g), ', ') FROM generate_series(1, n) g), array_to_string(ws, ', '));
    q_u := format(', u AS (UPDATE %s AS t SET %s FROM c WHERE t.%I OPERATOR(pg_catalog.=) c.pk AND (%s) RETURNING %s AS pk, %s)',
                  p.relid, array_to_string(sets, ', '), p.key_column, array_to_string(wsany, ' OR '), kt,
                  array_to_string(rets, ', '));

    -- new people: records with a key of their own that match nobody, whose
    -- domain is of exactly one account
    IF insert_new THEN
        DECLARE
            icols text[] := ARRAY[format('%I', p.account_column)];
            ivals text[] := ARRAY[format('CAST(au.acct AS %s)', bg_internal._coltype(p.relid, p.account_column))];
            irets text[] := '{}';
            iouts text[] := '{}';
            allcols name[] := m_cols || tgt;
        BEGIN
            FOR i IN 1 .. cardinality(m_cols) LOOP
                icols := icols || format('%I', m_cols[i]);
                ivals := ivals || format('CAST(CASE WHEN v.m%1$s OPERATOR(pg_catalog.<>) '''' THEN v.m%1$s END AS %2$s)',
                                         i, bg_internal._coltype(p.relid, m_cols[i]));
            END LOOP;
            FOR i IN 1 .. n LOOP
                icols := icols || format('%I', tgt[i]);
                ivals := ivals || format('v.n%s', i);
            END LOOP;
            FOR i IN 1 .. cardinality(allcols) LOOP
                irets := irets || format('(t.%I)::pg_catalog.text AS i%s', allcols[i], i);
                iouts := iouts || format('(%L::pg_catalog.text, ins.i%s)', allcols[i], i);
            END LOOP;
            q_ins := format(', ins AS (INSERT INTO %s AS t (%s) SELECT %s FROM v JOIN '
                            '(SELECT ad.dom, (pg_catalog.array_agg(ad.acct))[1] AS acct FROM ad GROUP BY ad.dom '
                            'HAVING pg_catalog.count(*) OPERATOR(pg_catalog.=) 1) au ON au.dom OPERATOR(pg_catalog.=) v.dom '
                            'WHERE v.dup OPERATOR(pg_catalog.=) 1 AND v.mk IS NOT NULL '
                            'AND NOT EXISTS (SELECT FROM j WHERE j.mk OPERATOR(pg_catalog.=) v.mk) RETURNING %s AS pk, %s) ',
                            p.relid, array_to_string(icols, ', '), array_to_string(ivals, ', '), kt, array_to_string(irets, ', '));
            q_out := format(' UNION ALL SELECT ''i'', ins.pk, x.col, NULL, x.n FROM ins CROSS JOIN LATERAL (VALUES %s) x(col, n) WHERE x.n IS NOT NULL',
                            array_to_string(iouts, ', '));
        END;
    END IF;

    query := format('WITH %s%s%s%s%s%s '
                    'SELECT ''u''::pg_catalog.text AS op, u.pk, x.col, x.o, x.n FROM u CROSS JOIN LATERAL (VALUES %s) x(col, h, o, n) WHERE x.h%s '
                    'UNION ALL SELECT ''s'', NULL, NULL, NULL, pg_catalog.jsonb_build_object('
                    '''records'', (SELECT pg_catalog.count(*) FROM v), '
                    '''no_key'', (SELECT pg_catalog.count(*) FROM v WHERE v.mk IS NULL), '
                    '''duplicates'', (SELECT pg_catalog.count(*) FROM v WHERE v.mk IS NOT NULL AND v.dup OPERATOR(pg_catalog.>) 1), '
                    '''ambiguous'', (SELECT pg_catalog.count(DISTINCT j.mk) FROM j WHERE j.nm OPERATOR(pg_catalog.>) 1 OR j.np OPERATOR(pg_catalog.>) 1), '
                    '''matched'', (SELECT pg_catalog.count(*) FROM c), '
                    '''updated'', (SELECT pg_catalog.count(*) FROM u), '
                    '''inserted'', %s)::pg_catalog.text',
                    q_v, q_ad, q_j, q_c, q_u, q_ins, array_to_string(outs, ', '), coalesce(q_out, ''),
                    CASE WHEN insert_new THEN '(SELECT pg_catalog.count(*) FROM ins)' ELSE '0' END);
END $$;
COMMENT ON FUNCTION bg_internal._enrich_prepare(regclass, text, boolean, boolean) IS 'Internal: checks an enrichment, records its job and returns the statement that the caller runs.';

-- Ends an enrichment job: its counts (from the statement's counts row, and
-- values_changed counted by src/enrichment.c).
CREATE FUNCTION bg_internal._enrich_done(job bigint, counts jsonb, changed bigint) RETURNS void
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    UPDATE bg_internal.job j
       SET status = 'done', finished_at = clock_timestamp(),
           counts = j.counts || $2
                    || jsonb_build_object('values_changed', $3,
                                          'unchanged', ($2 ->> 'matched')::bigint - ($2 ->> 'updated')::bigint,
                                          'unmatched', ($2 ->> 'records')::bigint - ($2 ->> 'no_key')::bigint
                                                       - ($2 ->> 'duplicates')::bigint - ($2 ->> 'ambiguous')::bigint
                                                       - ($2 ->> 'matched')::bigint - ($2 ->> 'inserted')::bigint)
     WHERE j.id = $1;
$$;
COMMENT ON FUNCTION bg_internal._enrich_done(bigint, jsonb, bigint) IS 'Internal: records the counts of a finished enrichment job.';

-- Logs a batch of the values an enrichment changed or inserted.
CREATE FUNCTION bg_internal._enrich_log(job bigint, keys text[], cols text[], olds text[], news text[], inserted boolean[])
    RETURNS void
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO bg_internal.enrichment_change (job_id, person_key, column_name, old_value, new_value, inserted)
    SELECT $1, x.k, x.c::name, x.o, x.n, x.i FROM unnest($2, $3, $4, $5, $6) AS x(k, c, o, n, i);
$$;
COMMENT ON FUNCTION bg_internal._enrich_log(bigint, text[], text[], text[], text[], boolean[]) IS 'Internal: logs values an enrichment wrote.';

-- Checks an undo (the job is an enrichment, not undone, of the people table
-- bound now), locks the job and returns the statement the caller runs with
-- the job's changed values (not those of inserted people) as arrays $1..$4
-- (person keys, columns, old and new values); query is NULL when the job
-- changed nothing.  The statement's rows: (person key, column) of every
-- value it restored.
CREATE FUNCTION bg_internal._undo_prepare(job bigint, OUT query text, OUT keys text[], OUT cols text[],
                                          OUT olds text[], OUT news text[])
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    jr bg_internal.job;
    p bg_internal.binding;
    names name[];
    aggs text[] := '{}'; curs text[] := '{}'; ds text[] := '{}'; sets text[] := '{}'; rs text[] := '{}';
    outs text[] := '{}';
BEGIN
    IF job IS NULL THEN
        RAISE EXCEPTION 'job must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO jr FROM bg_internal.job j WHERE j.id = $1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'job % does not exist', job
            USING ERRCODE = 'invalid_parameter_value', HINT = 'bg.jobs lists the jobs (kind enrichment).';
    ELSIF jr.kind <> 'enrichment' THEN
        RAISE EXCEPTION 'job % is not an enrichment', job
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is a job of kind %s.', jr.kind),
                  HINT = 'bg.undo_enrichment undoes the jobs of bg.enrich_people.';
    ELSIF jr.counts ? 'undone_at' THEN
        RAISE EXCEPTION 'enrichment job % was undone already', job
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'bg.jobs shows when (counts ->> ''undone_at'') and how many values it restored and kept.';
    END IF;
    p := bg_internal._bound('people');
    IF p.relid::oid <> jr.people::oid THEN
        RAISE EXCEPTION 'enrichment job % changed another people table than the bound one', job
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('The job changed %s; %s is bound now.', jr.people, p.relid),
                  HINT = 'Bind that table again to undo the job.';
    END IF;
    SELECT array_agg(c.person_key ORDER BY c.person_key, c.column_name), array_agg(c.column_name::text ORDER BY c.person_key, c.column_name),
           array_agg(c.old_value ORDER BY c.person_key, c.column_name), array_agg(c.new_value ORDER BY c.person_key, c.column_name)
      INTO keys, cols, olds, news
      FROM bg_internal.enrichment_change c WHERE c.job_id = $1 AND NOT c.inserted;
    SELECT array_agg(DISTINCT c.column_name ORDER BY c.column_name) INTO names
      FROM bg_internal.enrichment_change c WHERE c.job_id = $1 AND NOT c.inserted;
    IF names IS NULL THEN
        RETURN;
    END IF;
    FOR i IN 1 .. cardinality(names) LOOP
        aggs := aggs || format('pg_catalog.bool_or(x.col OPERATOR(pg_catalog.=) %1$L) AS h%2$s, '
                               'pg_catalog.max(x.o) FILTER (WHERE x.col OPERATOR(pg_catalog.=) %1$L) AS o%2$s, '
                               'pg_catalog.max(x.n) FILTER (WHERE x.col OPERATOR(pg_catalog.=) %1$L) AS n%2$s', names[i], i);
        curs := curs || format('(t.%I)::pg_catalog.text AS v%s', names[i], i);
        ds := ds || format('(cur.h%1$s AND NOT %2$s) AS r%1$s, cur.o%1$s', i,
                           bg_internal._distinct_sql(format('cur.v%s', i), format('cur.n%s', i)));
        sets := sets || format('%1$I = CASE WHEN d.r%2$s THEN CAST(d.o%2$s AS %3$s) ELSE t.%1$I END',
                               names[i], i, bg_internal._coltype(p.relid, names[i]));
        rs := rs || format('d.r%s', i);
        outs := outs || format('(%L::pg_catalog.text, u.r%s)', names[i], i);
    END LOOP;
    query := format('WITH x AS (SELECT * FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.text[]), '
                    'pg_catalog.unnest($3::pg_catalog.text[]), pg_catalog.unnest($4::pg_catalog.text[])) AS x(pk, col, o, n)), '
                    'c AS (SELECT CAST(x.pk AS %1$s) AS k, x.pk, %2$s FROM x GROUP BY x.pk), '
                    'cur AS MATERIALIZED (SELECT c.*, %3$s FROM %4$s t JOIN c ON t.%5$I OPERATOR(pg_catalog.=) c.k FOR UPDATE OF t), '
                    'd AS (SELECT cur.k, cur.pk, %6$s FROM cur), '
                    'u AS (UPDATE %4$s AS t SET %7$s FROM d WHERE t.%5$I OPERATOR(pg_catalog.=) d.k AND (%8$s) RETURNING d.pk, %9$s) '
                    'SELECT u.pk, y.col FROM u CROSS JOIN LATERAL (VALUES %10$s) y(col, r) WHERE y.r',
                    bg_internal._coltype(p.relid, p.key_column), array_to_string(aggs, ', '), array_to_string(curs, ', '),
                    p.relid, p.key_column, array_to_string(ds, ', '), array_to_string(sets, ', '),
                    array_to_string(rs, ' OR '), array_to_string(rs, ', '), array_to_string(outs, ', '));
END $$;
COMMENT ON FUNCTION bg_internal._undo_prepare(bigint) IS 'Internal: checks and locks an enrichment job to undo and returns the statement that the caller runs.';

-- Ends an undo: marks the restored values undone and the job undone; warns
-- about the values kept because they were changed since, and tells about the
-- people the job inserted (undo keeps them).  Returns the values restored.
CREATE FUNCTION bg_internal._undo_done(job bigint, keys text[], cols text[]) RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    restored bigint;
    kept bigint;
    ins bigint;
BEGIN
    UPDATE bg_internal.enrichment_change c SET undone = true
      FROM unnest(keys, cols) AS x(k, col)
     WHERE c.job_id = $1 AND c.person_key = x.k AND c.column_name = x.col::name;
    GET DIAGNOSTICS restored = ROW_COUNT;
    SELECT count(*) FILTER (WHERE NOT c.inserted) - restored, count(DISTINCT c.person_key) FILTER (WHERE c.inserted)
      INTO kept, ins
      FROM bg_internal.enrichment_change c WHERE c.job_id = $1;
    UPDATE bg_internal.job j
       SET counts = j.counts || jsonb_build_object('restored', restored, 'kept', kept, 'undone_at', clock_timestamp())
     WHERE j.id = $1;
    IF kept > 0 THEN
        RAISE WARNING '% values of enrichment job % were kept', kept, job
            USING DETAIL = 'They were changed (or their person deleted) since the job wrote them.',
                  HINT = format('SELECT * FROM bg.enrichment_changes WHERE job = %s AND NOT undone lists them.', job);
    END IF;
    IF ins > 0 THEN
        RAISE NOTICE '% people inserted by enrichment job % were kept', ins, job
            USING DETAIL = 'Undoing an enrichment restores changed values; it deletes no person.';
    END IF;
    RETURN restored;
END $$;
COMMENT ON FUNCTION bg_internal._undo_done(bigint, text[], text[]) IS 'Internal: records an undone enrichment job and reports what it kept.';

CREATE FUNCTION bg.enrich_people(source regclass, match_on text DEFAULT 'email', overwrite boolean DEFAULT false,
                                 insert_new boolean DEFAULT false)
    RETURNS bigint
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bg_enrich_people';
COMMENT ON FUNCTION bg.enrich_people(regclass, text, boolean, boolean) IS
    'Fills the bound people''s empty values (all, with overwrite) from the vendor records of source, matched by email or by name and company domain; with insert_new adds unmatched records of a known account''s domain as people. Runs with your rights (UPDATE, and INSERT for insert_new, on the people table). Logs every value in bg.enrichment_changes; returns the job id.';

CREATE FUNCTION bg.undo_enrichment(job bigint) RETURNS bigint
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bg_undo_enrichment';
COMMENT ON FUNCTION bg.undo_enrichment(bigint) IS
    'Restores the values an enrichment job changed, except those changed since (kept, with a warning); people it inserted stay. Runs with your rights on the people table. Returns the number of values restored.';

CREATE VIEW bg.enrichment_changes WITH (security_barrier) AS
SELECT c.job_id AS job, c.person_key, c.column_name::pg_catalog.text AS column_name, c.old_value, c.new_value,
       c.undone, c.inserted
  FROM bg_internal.enrichment_change c
 WHERE (SELECT bg_internal._sees_all('people'))
    OR bg_internal._visible('people', c.person_key);
COMMENT ON VIEW bg.enrichment_changes IS 'Every value bg.enrich_people wrote into the bound people table; only people whose row you may SELECT.';
COMMENT ON COLUMN bg.enrichment_changes.job IS 'The enrichment job (bg.jobs.id).';
COMMENT ON COLUMN bg.enrichment_changes.person_key IS 'Key of the person, as canonical text (as bg.members.person_key).';
COMMENT ON COLUMN bg.enrichment_changes.column_name IS 'The people table''s column written.';
COMMENT ON COLUMN bg.enrichment_changes.old_value IS 'Its value before, as text; NULL when it was NULL, and for a person the job inserted.';
COMMENT ON COLUMN bg.enrichment_changes.new_value IS 'The value the job wrote, as text.';
COMMENT ON COLUMN bg.enrichment_changes.undone IS 'True when bg.undo_enrichment restored old_value; false when not undone, or kept by the undo because it had changed since.';
COMMENT ON COLUMN bg.enrichment_changes.inserted IS 'True for a value of a person the job inserted (insert_new); undo keeps them.';
