-- Suggested members and the learned draft template (docs/design.md §10):
-- bg.suggest_members predicts the roles of the people of a solution
-- interest's groups with a role model and keeps the confident ones as
-- pending suggestions; bg.accept_suggestions makes them members with source
-- ai, bg.dismiss_suggestions sets them aside for good; bg.suggest_template
-- turns what a model's labels say into a draft template of readable
-- conditions.
--
-- Pending suggestions live in their own table, never in bg_internal.member:
-- the stored scores, the scores code and every view of members see only
-- accepted ones, which are ordinary members.  One row per group and person,
-- kept once decided, so that a dismissed person is not suggested again;
-- the rows go with their group (bg_internal._groups_deleted, scores.sql).
--
-- Locks (docs/design.md §6.8): a suggestions run takes the interest lock
-- exclusively (as a creation job); accepting and dismissing take it shared
-- and lock the group's row, as every manual action does.

CREATE TABLE bg_internal.suggestion (
    group_id     bigint NOT NULL,
    person_key   text NOT NULL,
    role_id      integer NOT NULL,
    confidence   double precision NOT NULL
                 CHECK (confidence OPERATOR(pg_catalog.>=) 0 AND confidence OPERATOR(pg_catalog.<=) 1),
    suggested_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'dismissed')),
    decided_at   timestamptz,
    CHECK ((status OPERATOR(pg_catalog.=) 'pending') OPERATOR(pg_catalog.=) (decided_at IS NULL)),
    PRIMARY KEY (group_id, person_key)
);
COMMENT ON TABLE bg_internal.suggestion IS 'Suggested members of buying groups (pending, accepted or dismissed); use the bg.suggestions view.';
SELECT pg_catalog.pg_extension_config_dump('bg_internal.suggestion', '');
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.suggestion
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();

-- The run of a suggestions job (the interest locked exclusively by the
-- caller; arg: the interest's id, the model's name, min_confidence): the
-- interest's pending suggestions are replaced by the predictions of this
-- run.  Every person of every group's account (or subtree) is read once as
-- the people's owner — the model's columns as text, as training reads them
-- — and predicted; a person is suggested when the predicted role (not no
-- role) has at least min_confidence and the person is neither a current
-- member of the group nor removed from it by hand, and never again once a
-- suggestion of that group and person was accepted or dismissed.  (A walk
-- reaches a person once per group: an account has one parent, and cycles
-- are errors.)
CREATE FUNCTION bg_internal._run_suggestions(jid bigint, arg text[]) RETURNS jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := (SELECT x FROM bg_internal.solution_interest x WHERE x.id = arg[1]::integer);
    m bg_internal.role_model := bg_internal._role_model(arg[2]);
    p bg_internal.binding := bg_internal._bound('people');
    patype text := bg_internal._coltype(p.relid, p.account_column);
    cols text[] := ARRAY[m.title_column::text] || m.features;
    walk text;
    n bigint;
BEGIN
    walk := bg_internal._group_walk_sql(s, format(
        'SELECT g.id AS root, g.account_key AS acct, g.account_key::%s AS aval
           FROM bg_internal.buying_group g WHERE g.solution_interest_id = $2', patype));
    PERFORM bg_internal._check_cycles(s, walk, NULL);
    DELETE FROM bg_internal.suggestion t USING bg_internal.buying_group g
     WHERE g.id = t.group_id AND g.solution_interest_id = s.id AND t.status = 'pending';
    EXECUTE 'WITH RECURSIVE ' || walk || format(',
        c AS (
          SELECT w.root AS group_id, r.pkey, (r.pr).role AS rn, (r.pr).confidence AS conf
            FROM walk w
            JOIN (SELECT r.k, r.pkey, bg.predict_role(%L, person) AS pr
                    FROM bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L,
                                           (SELECT pg_catalog.array_agg(DISTINCT y.aval::text) FROM walk y WHERE NOT y.is_cycle))
                         AS r(k text, pkey text, %s)
                   CROSS JOIN LATERAL (SELECT %s) AS person) r ON r.k = w.aval::text
           WHERE NOT w.is_cycle)
        INSERT INTO bg_internal.suggestion (group_id, person_key, role_id, confidence, suggested_at)
        SELECT c.group_id, c.pkey, %s, c.conf, $3
          FROM c
         WHERE c.rn IS NOT NULL AND c.conf >= $1
           AND NOT EXISTS (SELECT FROM bg_internal.member x
                            WHERE x.group_id = c.group_id AND x.person_key = c.pkey
                              AND (NOT x.is_removed OR x.source = ''manual''))
        ON CONFLICT (group_id, person_key) DO NOTHING',
        m.name, p.relid::oid,
        format('SELECT u.k, %s, %s FROM pg_catalog.unnest($1) AS u(k) JOIN %s t ON t.%I = u.k::%s',
               bg_internal._key_sql(p.relid, p.key_column, format('t.%I', p.key_column)),
               bg_internal._role_model_columns_sql(p, m.title_column, m.features),
               p.relid, p.account_column, patype),
        (SELECT string_agg(format('c%s text', i), ', ' ORDER BY i) FROM generate_series(1, cardinality(cols)) i),
        (SELECT string_agg(format('r.c%s AS %I', c.i, c.col), ', ' ORDER BY c.i)
           FROM unnest(cols) WITH ORDINALITY AS c(col, i)),
        bg_internal._role_id_case(s.template_id, 'c.rn'))
        USING arg[3]::double precision, s.id, pg_catalog.now();
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE bg_internal.job SET status = 'done', members_added = n, finished_at = clock_timestamp() WHERE id = jid;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._run_suggestions(bigint, text[]) IS 'Internal: the run of a suggestions job (of a solution interest, a role model and a minimum confidence).';

CREATE FUNCTION bg.suggest_members(solution_interest text, model text, min_confidence double precision DEFAULT 0.8)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := bg_internal._interest($1);
    m bg_internal.role_model := bg_internal._role_model($2);
    jid bigint;
BEGIN
    IF $3 IS NULL THEN
        RAISE EXCEPTION 'min_confidence must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT ($3 >= 0 AND $3 <= 1) THEN     -- NaN sorts above 1
        RAISE EXCEPTION 'min_confidence must be between 0 and 1'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', $3);
    END IF;
    IF m.template_id <> s.template_id THEN
        RAISE EXCEPTION 'role model "%" does not predict the roles of solution interest "%"', m.name, s.name
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The model was trained for roles template "%s"; the interest uses "%s".',
                                  (SELECT t.name FROM bg_internal.template t WHERE t.id = m.template_id),
                                  (SELECT t.name FROM bg_internal.template t WHERE t.id = s.template_id)),
                  HINT = 'Train a model for the interest''s template with bg.train_role_model.';
    END IF;
    PERFORM bg_internal._bound('people');
    IF s.include_subaccounts THEN
        PERFORM bg_internal._account_tree(s);
    END IF;
    -- no member of the interest's groups changes while the run reads them
    s := bg_internal._lock_interest(s, true, true);
    INSERT INTO bg_internal.job (kind, solution_interest) VALUES ('suggestions', s.name) RETURNING id INTO jid;
    PERFORM bg_internal._run_recorded(jid, false, 'SELECT bg_internal._run_suggestions($1, $2)',
                                      ARRAY[s.id::text, m.name, $3::text]);
    RETURN jid;
END $$;
COMMENT ON FUNCTION bg.suggest_members(text, text, double precision) IS
    'Predicts the role of every person of the accounts of a solution interest''s buying groups with a role model of the interest''s template and replaces the interest''s pending suggestions with those whose predicted role has at least min_confidence, leaving out current members, people removed by hand and people whose suggestion was accepted or dismissed before (bg.suggestions). Records the run in bg.jobs (kind suggestions, members_added: the suggestions made); returns the job id.';

-- Accepts (accept) or dismisses the group's pending suggestions of people
-- keys (NULL: all of them); every given person must have one.  Accepting
-- makes each person a member with the suggested role and source ai, unless
-- a decision made since wins: a person who became a current member or was
-- removed by hand meanwhile keeps that, and the suggestion is closed as
-- dismissed.  Returns how many people became members (accept) or were
-- dismissed.
CREATE FUNCTION bg_internal._decide_suggestions(buying_group bigint, keys text[], accept boolean) RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g bg_internal.buying_group := bg_internal._group($1);
    missing text;
    n bigint;
BEGIN
    IF keys IS NOT NULL THEN
        SELECT string_agg(x.k, ', ' ORDER BY x.k) INTO missing
          FROM (SELECT k FROM unnest(keys) AS k
                 WHERE NOT EXISTS (SELECT FROM bg_internal.suggestion t
                                    WHERE t.group_id = g.id AND t.person_key = k AND t.status = 'pending')
                 ORDER BY k LIMIT 5) x;
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION 'person % has no pending suggestion in buying group "%"', missing, g.name
                USING ERRCODE = 'undefined_object',
                      HINT = 'The pending suggestions are listed in bg.suggestions (status pending).';
        END IF;
    END IF;
    IF NOT accept THEN
        UPDATE bg_internal.suggestion t SET status = 'dismissed', decided_at = now()
         WHERE t.group_id = g.id AND t.status = 'pending' AND (keys IS NULL OR t.person_key = ANY (keys));
        GET DIAGNOSTICS n = ROW_COUNT;
        RETURN n;
    END IF;
    WITH d AS (
        UPDATE bg_internal.suggestion t
           SET status = CASE WHEN EXISTS (SELECT FROM bg_internal.member x
                                           WHERE x.group_id = t.group_id AND x.person_key = t.person_key
                                             AND (NOT x.is_removed OR x.source = 'manual'))
                             THEN 'dismissed' ELSE 'accepted' END,
               decided_at = now()
         WHERE t.group_id = g.id AND t.status = 'pending' AND (keys IS NULL OR t.person_key = ANY (keys))
        RETURNING t.person_key, t.role_id, t.status)
    INSERT INTO bg_internal.member AS m (group_id, person_key, role_id, source)
    SELECT g.id, d.person_key, d.role_id, 'ai' FROM d WHERE d.status = 'accepted'
    ON CONFLICT (group_id, person_key) DO UPDATE
       SET role_id = excluded.role_id, source = 'ai', is_removed = false, removed_at = NULL, added_at = now()
     WHERE m.is_removed AND m.source <> 'manual';
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg_internal._decide_suggestions(bigint, text[], boolean) IS 'Internal: accepts or dismisses pending suggestions of a group.';

CREATE FUNCTION bg.accept_suggestions(buying_group bigint, people anyarray DEFAULT NULL::text[]) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN bg_internal._decide_suggestions($1, CASE WHEN $2 IS NOT NULL THEN bg_internal._keys($2, 'people') END, true);
END $$;
COMMENT ON FUNCTION bg.accept_suggestions(bigint, anyarray) IS
    'Accepts pending suggestions of a buying group (people: keys or rows; NULL: all of the group''s): each person becomes a member with the suggested role and source ai, counted in the scores like any member — unless the person became a current member or was removed by hand since the suggestion (a manual decision wins; the suggestion is closed as dismissed). Every given person must have a pending suggestion. Returns how many people became members.';

CREATE FUNCTION bg.accept_suggestions(buying_group bigint, people text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN bg.accept_suggestions($1, bg_internal._keys_text($2, 'people'));
END $$;
COMMENT ON FUNCTION bg.accept_suggestions(bigint, text) IS
    'bg.accept_suggestions for keys given as an array literal (''{1,2}''), as drivers send an untyped array parameter.';

CREATE FUNCTION bg.dismiss_suggestions(buying_group bigint, people anyarray DEFAULT NULL::text[]) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN bg_internal._decide_suggestions($1, CASE WHEN $2 IS NOT NULL THEN bg_internal._keys($2, 'people') END, false);
END $$;
COMMENT ON FUNCTION bg.dismiss_suggestions(bigint, anyarray) IS
    'Dismisses pending suggestions of a buying group (people: keys or rows; NULL: all of the group''s): no later bg.suggest_members suggests these people for this group again. Every given person must have a pending suggestion. Returns how many were dismissed.';

CREATE FUNCTION bg.dismiss_suggestions(buying_group bigint, people text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN bg.dismiss_suggestions($1, bg_internal._keys_text($2, 'people'));
END $$;
COMMENT ON FUNCTION bg.dismiss_suggestions(bigint, text) IS
    'bg.dismiss_suggestions for keys given as an array literal (''{1,2}''), as drivers send an untyped array parameter.';

-- Rows as bg.members shows them: only those whose account and person the
-- querying role may SELECT.
CREATE VIEW bg.suggestions WITH (security_barrier) AS
SELECT t.group_id AS buying_group, t.person_key, r.name AS role, t.confidence, t.suggested_at, t.status, t.decided_at
  FROM bg_internal.suggestion t
  JOIN bg_internal.buying_group g ON g.id OPERATOR(pg_catalog.=) t.group_id
  JOIN bg_internal.role r ON r.id OPERATOR(pg_catalog.=) t.role_id
 WHERE ((SELECT bg_internal._sees_all('accounts'))
        OR bg_internal._visible('accounts', g.account_key))
   AND ((SELECT bg_internal._sees_all('people'))
        OR bg_internal._visible('people', t.person_key));
COMMENT ON VIEW bg.suggestions IS 'Members suggested by a role model (bg.suggest_members): pending until accepted (then an ordinary member with source ai, see bg.members) or dismissed (never suggested again). Pending suggestions count nowhere: not in bg.members, not in the stored scores. Only those whose account and person you may SELECT in the bound accounts and people tables.';
COMMENT ON COLUMN bg.suggestions.buying_group IS 'Buying group id.';
COMMENT ON COLUMN bg.suggestions.person_key IS 'Key of the suggested person, as canonical text (as bg.members.person_key).';
COMMENT ON COLUMN bg.suggestions.role IS 'The role the model predicts for the person.';
COMMENT ON COLUMN bg.suggestions.confidence IS 'The model''s confidence in that role: its posterior probability (0..1).';
COMMENT ON COLUMN bg.suggestions.suggested_at IS 'When the suggestions run that made it started.';
COMMENT ON COLUMN bg.suggestions.status IS 'pending, accepted (the person became a member with source ai) or dismissed (by bg.dismiss_suggestions, or closed by a manual decision that won over it).';
COMMENT ON COLUMN bg.suggestions.decided_at IS 'When it was accepted or dismissed; NULL while pending.';

-- The learned draft template (src/suggest_template.c): per target class
-- (a role's position in the model, from 0), the terms of its condition in
-- the order chosen, each negated or not.
CREATE FUNCTION bg_internal._learn_terms(titles text[], classes integer[], targets integer[], candidates text[],
                                         max_terms integer)
    RETURNS TABLE (class integer, term text, negated boolean)
    LANGUAGE c IMMUTABLE AS 'MODULE_PATHNAME', 'bg_learn_terms';
COMMENT ON FUNCTION bg_internal._learn_terms(text[], integer[], integer[], text[], integer) IS 'Internal: a greedy choice of the contains and not contains terms of each class''s condition, for the best F1 on labeled folded titles.';
REVOKE EXECUTE ON FUNCTION bg_internal._learn_terms(text[], integer[], integer[], text[], integer) FROM PUBLIC;

-- A condition of the condition language: the title column contains any of
-- the positive terms and none of the negated ones (names and literals
-- quoted; bg.set_condition stores the canonical text).
CREATE FUNCTION bg_internal._terms_condition(col name, positive text[], negated text[]) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN cardinality(positive) > 0 THEN
           format('"%s" contains any (%s)', replace(col, '"', '""'),
                  (SELECT string_agg(format('''%s''', replace(t, '''', '''''')), ', ' ORDER BY i)
                     FROM unnest(positive) WITH ORDINALITY AS x(t, i)))
           || CASE WHEN cardinality(negated) > 0 THEN
                   format(' and "%s" not contains any (%s)', replace(col, '"', '""'),
                          (SELECT string_agg(format('''%s''', replace(t, '''', '''''')), ', ' ORDER BY i)
                             FROM unnest(negated) WITH ORDINALITY AS x(t, i)))
                   ELSE '' END
           END;
$$;
COMMENT ON FUNCTION bg_internal._terms_condition(name, text[], text[]) IS 'Internal: the condition text of a learned role''s terms.';

CREATE FUNCTION bg.suggest_template(model text, new_template text, max_terms_per_role integer DEFAULT 8)
    RETURNS TABLE (role text, condition text, "precision" double precision, recall double precision)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    m bg_internal.role_model := bg_internal._role_model($1);
    n text := bg_internal._require_name($2, 'template name must not be null', 'template name must not be empty');
    src text := (SELECT t.name FROM bg_internal.template t WHERE t.id = m.template_id);
    p bg_internal.binding;
    nc integer := cardinality(m.class_roles);
    titles text[];
    classes integer[];
    cands text[];
    lt_class integer[];
    lt_term text[];
    lt_negated boolean[];
    r record;
    cond text;
BEGIN
    IF $3 IS NULL THEN
        RAISE EXCEPTION 'max_terms_per_role must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF $3 NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'max_terms_per_role must be between 1 and 100'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', $3);
    END IF;
    -- the draft: the model's template's roles, weights and requirements (42710 when n exists)
    PERFORM bg.copy_template(src, n);
    p := bg_internal._bound('people');
    PERFORM bg_internal._require_column(p.relid, m.title_column, 'job title column must not be null',
        'A role model reads the job title column: the people binding''s job_title mapping, else a column named job_title.');
    -- the labels (one example per label), their titles folded as conditions fold them
    SELECT array_agg(bg_internal._fold(coalesce(x.title, '')) ORDER BY l.i), array_agg(l.c ORDER BY l.i)
      INTO titles, classes
      FROM unnest(m.label_keys, m.label_classes) WITH ORDINALITY AS l(k, c, i)
      JOIN bg_internal._read(p.relid, bg_internal._role_model_people_sql(p, m.title_column, '{}'), m.label_keys)
           AS x(k text, title text) ON x.k = l.k;
    -- candidates: per class, the 100 title tokens it has most often
    SELECT array_agg(DISTINCT y.tok ORDER BY y.tok) INTO cands
      FROM (SELECT v.tok, row_number() OVER (PARTITION BY c.c ORDER BY m.counts[(v.i - 1) * nc + c.c + 1] DESC, v.tok) AS rk,
                   m.counts[(v.i - 1) * nc + c.c + 1] AS cnt
              FROM unnest(m.vocabulary) WITH ORDINALITY AS v(tok, i) CROSS JOIN generate_series(0, nc - 1) AS c(c)
             WHERE strpos(v.tok, '=') = 0) y
     WHERE y.rk <= 100 AND y.cnt > 0;
    -- every role's terms at once (the candidates' matches are found once)
    SELECT array_agg(lt.class ORDER BY lt.ord), array_agg(lt.term ORDER BY lt.ord), array_agg(lt.negated ORDER BY lt.ord)
      INTO lt_class, lt_term, lt_negated
      FROM bg_internal._learn_terms(coalesce(titles, '{}'), coalesce(classes, '{}'),
                                    ARRAY(SELECT g FROM generate_series(0, nc - 2) g),
                                    coalesce(cands, '{}'), $3) WITH ORDINALITY AS lt(class, term, negated, ord);
    FOR r IN
        SELECT x.role_id, ro.name, array_position(m.class_roles, x.role_id) - 1 AS cls
          FROM bg_internal.template_role x JOIN bg_internal.role ro ON ro.id = x.role_id
          JOIN bg_internal.template t ON t.id = x.template_id
         WHERE t.name = n ORDER BY x.priority
    LOOP
        SELECT bg_internal._terms_condition(m.title_column,
                   coalesce(array_agg(y.term ORDER BY y.i) FILTER (WHERE NOT y.negated), '{}'),
                   coalesce(array_agg(y.term ORDER BY y.i) FILTER (WHERE y.negated), '{}'))
          INTO cond
          FROM unnest(lt_class, lt_term, lt_negated) WITH ORDINALITY AS y(class, term, negated, i)
         WHERE y.class = r.cls;
        PERFORM bg.set_condition(n, r.name, cond);
        role := r.name;
        condition := (SELECT x.condition FROM bg_internal.template_role x JOIN bg_internal.template t ON t.id = x.template_id
                       WHERE t.name = n AND x.role_id = r.role_id);
        "precision" := NULL;
        recall := NULL;
        IF condition IS NOT NULL THEN
            -- the condition's precision and recall on the labels, as bg's
            -- evaluator matches it on the people's rows (read as their owner)
            EXECUTE format(
                'WITH hit AS (SELECT DISTINCT x.k FROM bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L, $1, NULL, $2)
                                                       AS x(k text, ok boolean)),
                      l AS (SELECT l.c, h.k IS NOT NULL AS hit FROM unnest($1, $3) AS l(k, c) LEFT JOIN hit h ON h.k = l.k)
                 SELECT CASE WHEN count(*) FILTER (WHERE l.hit) > 0
                             THEN (count(*) FILTER (WHERE l.hit AND l.c = $4))::float8 / count(*) FILTER (WHERE l.hit) END,
                        CASE WHEN count(*) FILTER (WHERE l.c = $4) > 0
                             THEN (count(*) FILTER (WHERE l.hit AND l.c = $4))::float8 / count(*) FILTER (WHERE l.c = $4) END
                   FROM l',
                p.relid::oid,
                format('SELECT %s, t FROM %s t WHERE t.%I = ANY ($1::%s[])',
                       bg_internal._key_sql(p.relid, p.key_column, format('t.%I', p.key_column)),
                       p.relid, p.key_column, bg_internal._coltype(p.relid, p.key_column)))
               INTO "precision", recall USING m.label_keys, condition, m.label_classes, r.cls;
        END IF;
        RETURN NEXT;
    END LOOP;
END $$;
COMMENT ON FUNCTION bg.suggest_template(text, text, integer) IS
    'Creates a draft roles template from what a role model''s labels say: a copy of the model''s template (roles in its order, weights and requirements) whose conditions are learned — per role, up to max_terms_per_role title words and word pairs, chosen greedily for the best F1 on the labels, written as job_title contains any (...) and, where it raises precision, not contains any (...). Returns each role''s condition (NULL: nothing learned) with its precision and recall on the labels, as bg''s evaluator matches it.';
