-- Completing buying groups (docs/design.md §9): acquisition targets and the
-- LinkedIn Matched Audiences exports.  The functions of schema bg are C
-- (src/exports.c) and run as their caller: as bg's owner they run the
-- internal functions below, which read bg's tables and the bound tables
-- (as their owners, bg_internal._read); then, as the caller, they keep only
-- the rows whose account (and person) the caller may SELECT, as bg.members
-- does, count them against LinkedIn's limits and return them.

-- The SQL of a mapped column of binding b (docs/design.md §3) in a read of
-- its table (alias t): the value's text through its type's output function
-- ('' for NULL), without surrounding white space; NULL when the mapping is
-- not set.  The LinkedIn exports return '' as NULL (src/exports.c).
CREATE FUNCTION bg_internal._mapped_sql(b bg_internal.binding, mapping text) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN NOT b.mappings ? mapping THEN 'NULL::pg_catalog.text'
                -- the built-in string types are their text (a cheaper read)
                WHEN bg_internal._base_type(bg_internal._column_type(b.relid, (b.mappings ->> mapping)::name))
                     IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype)
                THEN format('pg_catalog.btrim(COALESCE((t.%I)::pg_catalog.text, ''''), E'' \t\r\n'')',
                            b.mappings ->> mapping)
                ELSE format('pg_catalog.btrim(pg_catalog.format(''%%s'', t.%I), E'' \t\r\n'')',
                            b.mappings ->> mapping) END;
$$;
COMMENT ON FUNCTION bg_internal._mapped_sql(bg_internal.binding, text) IS 'Internal: SQL of a mapped column''s trimmed text in a read of the bound table, or NULL.';


-- The role of a solution interest's template named by an export's filter.
CREATE FUNCTION bg_internal._interest_role(s bg_internal.solution_interest, role text) RETURNS integer
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN (bg_internal._template_role(s.template_id, (SELECT t.name FROM bg_internal.template t WHERE t.id = s.template_id),
                                       role)).role_id;
END $$;
COMMENT ON FUNCTION bg_internal._interest_role(bg_internal.solution_interest, text) IS 'Internal: the id of a role of a solution interest''s template; errors when it is not in it.';

-- One row per group of the interest and missing role (a required role with
-- fewer members than it needs): how many members it still needs, its
-- condition (canonical) and the values the condition looks for in the job
-- title column (the people binding's job_title mapping, else a column named
-- job_title); NULL for a role without a condition.
CREATE FUNCTION bg_internal._acquisition_targets_rows(solution_interest text)
    RETURNS TABLE (buying_group bigint, account_key text, account_name text, role text, members_needed integer,
                   criteria text, job_titles text[])
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    s bg_internal.solution_interest := bg_internal._interest($1);
    col text := coalesce((SELECT b.mappings ->> 'job_title' FROM bg_internal.binding b WHERE b.kind = 'people'),
                         'job_title');
BEGIN
    RETURN QUERY
    SELECT g.id, g.account_key, g.account_name, r.name, x.members_required - c.n, x.condition,
           CASE WHEN x.condition IS NOT NULL THEN bg_internal._condition_literals(x.condition, col) END
      FROM bg_internal.buying_group g
      JOIN bg_internal.template_role x ON x.template_id = s.template_id
      JOIN bg_internal.role r ON r.id = x.role_id
     CROSS JOIN LATERAL (SELECT coalesce((g.role_counts ->> r.name)::integer, 0) AS n) c
     WHERE g.solution_interest_id = s.id AND x.required AND c.n < x.members_required
     ORDER BY g.id, x.priority;
END $$;
COMMENT ON FUNCTION bg_internal._acquisition_targets_rows(text) IS 'Internal: the rows of bg.acquisition_targets, for every group (bg.acquisition_targets keeps the visible ones).';

-- The accounts of the interest's groups in LinkedIn's company-list layout,
-- then the account key; groups missing missing_role, and at most
-- max_completeness complete, when given.
CREATE FUNCTION bg_internal._linkedin_companies_rows(solution_interest text, missing_role text,
                                                     max_completeness double precision)
    RETURNS TABLE (companyname text, companywebsite text, companyemaildomain text, linkedincompanypageurl text,
                   stocksymbol text, industry text, city text, state text, companycountry text, zipcode text,
                   account_key text)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := bg_internal._interest($1);
    a bg_internal.binding := bg_internal._bound('accounts');
BEGIN
    IF $2 IS NOT NULL THEN
        PERFORM bg_internal._interest_role(s, $2);
    END IF;
    IF NOT $3 BETWEEN 0 AND 100 THEN
        RAISE EXCEPTION 'max_completeness must be between 0 and 100' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY EXECUTE format(
        'WITH g AS (SELECT g.id, g.account_key FROM bg_internal.buying_group g
                     WHERE g.solution_interest_id OPERATOR(pg_catalog.=) $1
                       AND ($2 IS NULL OR $2 OPERATOR(pg_catalog.=) ANY (g.missing_roles))
                       AND ($3 IS NULL OR g.completeness OPERATOR(pg_catalog.<=) $3))
         SELECT r.n, r.w, r.d, NULL::pg_catalog.text, NULL::pg_catalog.text, r.i, r.c, r.s, r.o, r.z, g.account_key
           FROM g JOIN bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L,
                                         ARRAY(SELECT g.account_key FROM g))
                    AS r(k pg_catalog.text, n pg_catalog.text, w pg_catalog.text, d pg_catalog.text,
                         i pg_catalog.text, c pg_catalog.text, s pg_catalog.text, o pg_catalog.text, z pg_catalog.text)
                ON r.k OPERATOR(pg_catalog.=) g.account_key
          ORDER BY g.id',
        a.relid::oid,
        format('SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s FROM %s t WHERE t.%I = ANY ($1::%s[])',
               bg_internal._key_sql(a.relid, a.key_column, format('t.%I', a.key_column)),
               bg_internal._name_sql(format('t.%I', a.name_column)),
               bg_internal._mapped_sql(a, 'website'), bg_internal._mapped_sql(a, 'domain'),
               bg_internal._mapped_sql(a, 'industry'), bg_internal._mapped_sql(a, 'city'),
               bg_internal._mapped_sql(a, 'state'), bg_internal._mapped_sql(a, 'country'),
               bg_internal._mapped_sql(a, 'postal_code'),
               a.relid, a.key_column, bg_internal._coltype(a.relid, a.key_column)))
        USING s.id, $2, $3;
END $$;
COMMENT ON FUNCTION bg_internal._linkedin_companies_rows(text, text, double precision) IS 'Internal: the rows of bg.linkedin_companies with their account keys, for every group (bg.linkedin_companies keeps the visible ones).';

-- The current members of the interest's groups (of one role, when given) in
-- LinkedIn's contact-list layout, then the account and person keys.  A
-- person in two groups of the interest (subaccounts) comes once, with the
-- first group.  Emails trimmed and lower-cased, or their SHA-256 in hex.
CREATE FUNCTION bg_internal._linkedin_contacts_rows(solution_interest text, role text, hash_emails boolean)
    RETURNS TABLE (email text, firstname text, lastname text, jobtitle text, employeecompany text, country text,
                   googleaid text, account_key text, person_key text)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := bg_internal._interest($1);
    p bg_internal.binding := bg_internal._bound('people');
    rid integer;
BEGIN
    IF $2 IS NOT NULL THEN
        rid := bg_internal._interest_role(s, $2);
    END IF;
    IF $3 IS NULL THEN
        RAISE EXCEPTION 'hash_emails must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN QUERY EXECUTE format(
        'WITH m AS (SELECT f.person_key, g.id, g.account_key, g.account_name
                      FROM (SELECT m.person_key, pg_catalog.min(m.group_id) AS group_id
                              FROM bg_internal.member m JOIN bg_internal.buying_group g ON g.id OPERATOR(pg_catalog.=) m.group_id
                             WHERE g.solution_interest_id OPERATOR(pg_catalog.=) $1 AND NOT m.is_removed
                               AND ($2 IS NULL OR m.role_id OPERATOR(pg_catalog.=) $2)
                             GROUP BY m.person_key) f
                      JOIN bg_internal.buying_group g ON g.id OPERATOR(pg_catalog.=) f.group_id)
         SELECT CASE WHEN r.e OPERATOR(pg_catalog.=) '''' THEN NULL
                     WHEN $3 THEN pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(pg_catalog.lower(r.e), ''UTF8'')), ''hex'')
                     ELSE pg_catalog.lower(r.e) END,
                r.f, r.l, r.j, m.account_name, r.c, NULL::pg_catalog.text, m.account_key, m.person_key
           FROM m JOIN bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L,
                                         ARRAY(SELECT m.person_key FROM m))
                    AS r(k pg_catalog.text, e pg_catalog.text, f pg_catalog.text, l pg_catalog.text,
                         j pg_catalog.text, c pg_catalog.text)
                ON r.k OPERATOR(pg_catalog.=) m.person_key
          ORDER BY m.id, m.person_key',
        p.relid::oid,
        format('SELECT %s, %s, %s, %s, %s, %s FROM %s t WHERE t.%I = ANY ($1::%s[])',
               bg_internal._key_sql(p.relid, p.key_column, format('t.%I', p.key_column)),
               bg_internal._mapped_sql(p, 'email'), bg_internal._mapped_sql(p, 'first_name'),
               bg_internal._mapped_sql(p, 'last_name'), bg_internal._mapped_sql(p, 'job_title'),
               bg_internal._mapped_sql(p, 'country'),
               p.relid, p.key_column, bg_internal._coltype(p.relid, p.key_column)))
        USING s.id, rid, $3;
END $$;
COMMENT ON FUNCTION bg_internal._linkedin_contacts_rows(text, text, boolean) IS 'Internal: the rows of bg.linkedin_contacts with their account and person keys, for every member (bg.linkedin_contacts keeps the visible ones).';

-- The columns of the bound table of kind an export reads (its name column
-- and mapped columns), so that the caller's SELECT privilege on each can be
-- checked (src/exports.c).
CREATE FUNCTION bg_internal._export_columns(kind text) RETURNS TABLE (relid oid, col name)
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT b.relid::oid, x.c::name
      FROM bg_internal.binding b
     CROSS JOIN LATERAL (SELECT b.name_column::text UNION ALL SELECT m.value FROM jsonb_each_text(b.mappings) m) x(c)
     WHERE b.kind = $1 AND x.c IS NOT NULL
     ORDER BY 2;
$$;
COMMENT ON FUNCTION bg_internal._export_columns(text) IS 'Internal: the columns of a bound table that exports read.';

CREATE FUNCTION bg.acquisition_targets(solution_interest text)
    RETURNS TABLE (buying_group bigint, account_key text, account_name text, role text, members_needed integer,
                   criteria text, job_titles text[])
    LANGUAGE c STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'bg_acquisition_targets';
COMMENT ON FUNCTION bg.acquisition_targets(text) IS
    'One row per buying group of the solution interest and missing role (whose account you may SELECT): how many members the role still needs, its condition (NULL when it has none) and the job titles the condition looks for — what a contact vendor''s search needs.';

CREATE FUNCTION bg.linkedin_companies(solution_interest text, missing_role text DEFAULT NULL,
                                      max_completeness double precision DEFAULT NULL)
    RETURNS TABLE (companyname text, companywebsite text, companyemaildomain text, linkedincompanypageurl text,
                   stocksymbol text, industry text, city text, state text, companycountry text, zipcode text)
    LANGUAGE c STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'bg_linkedin_companies';
COMMENT ON FUNCTION bg.linkedin_companies(text, text, double precision) IS
    'The accounts of the solution interest''s buying groups (those missing missing_role, at most max_completeness complete, and whose account you may SELECT) in the columns of LinkedIn Campaign Manager''s company-list template; warns under 300 rows, fails above 300 000.';

CREATE FUNCTION bg.linkedin_contacts(solution_interest text, role text DEFAULT NULL, hash_emails boolean DEFAULT false)
    RETURNS TABLE (email text, firstname text, lastname text, jobtitle text, employeecompany text, country text,
                   googleaid text)
    LANGUAGE c STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'bg_linkedin_contacts';
COMMENT ON FUNCTION bg.linkedin_contacts(text, text, boolean) IS
    'The current members of the solution interest''s buying groups (of one role, when given, and whose account and person you may SELECT) in the columns of LinkedIn Campaign Manager''s contact-list template; emails trimmed and lower-cased, or SHA-256 hex digests with hash_emails; warns under 300 rows, fails above 300 000.';
