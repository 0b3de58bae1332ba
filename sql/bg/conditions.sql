-- The condition language and role evaluation, in C (docs/design.md §4, §5):
-- checking a condition, the role of a person, why a role matched, whether a
-- row satisfies a condition; and the invalidation of compiled templates.

-- Compiled templates cached by backends are rebuilt after any catalog change.
CREATE FUNCTION bg_internal._catalog_changed() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bg_catalog_changed';
COMMENT ON FUNCTION bg_internal._catalog_changed() IS 'Internal: invalidates compiled roles templates.';
CREATE TRIGGER role_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.role
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._catalog_changed();
CREATE TRIGGER template_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.template
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._catalog_changed();
CREATE TRIGGER template_role_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.template_role
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._catalog_changed();
-- and so are the statements live mode keeps planned (src/plan_cache.c), which
-- also depend on the bindings and the solution interests
CREATE TRIGGER binding_catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.binding
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._catalog_changed();
CREATE TRIGGER solution_interest_catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.solution_interest
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._catalog_changed();

CREATE FUNCTION bg.check_condition(condition text, against regclass DEFAULT NULL)
    RETURNS text
    LANGUAGE c STABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'bg_check_condition';
COMMENT ON FUNCTION bg.check_condition(text, regclass) IS
    'Checks a condition against a table (default: the bound people table) and returns its canonical text.';

CREATE FUNCTION bg.role_for(template text, person anyelement)
    RETURNS text
    LANGUAGE c STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'bg_role_for';
COMMENT ON FUNCTION bg.role_for(text, anyelement) IS
    'The role of a person row in a roles template: the first role by priority whose condition matches, or NULL.';

-- What the planner hook (src/plan_args.c) calls in place of
-- bg.role_for(template, p) when p is a table's row: the columns the
-- template reads, as separate arguments, so no row is formed per person.
CREATE FUNCTION bg.role_for(template text, columns text[], VARIADIC "values" "any")
    RETURNS text
    LANGUAGE c STABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'bg_role_for_columns';
COMMENT ON FUNCTION bg.role_for(text, text[], "any") IS
    'bg.role_for over a person given as column values: columns names the values that follow, in order; a NULL name marks a value that is NULL exactly when there is no person (NULL result). The planner hook calls it in place of bg.role_for(template, p) with the columns the template reads.';

CREATE FUNCTION bg.explain_role(template text, person anyelement,
        OUT priority integer, OUT role text, OUT condition text, OUT matched boolean,
        OUT assigned boolean, OUT matched_predicates text[])
    RETURNS SETOF record
    LANGUAGE c STABLE STRICT PARALLEL SAFE ROWS 6
    AS 'MODULE_PATHNAME', 'bg_explain_role';
COMMENT ON FUNCTION bg.explain_role(text, anyelement) IS
    'One row per template role: whether its condition matched the person, whether it is the assigned role, and which predicates were true.';

CREATE FUNCTION bg.matches(condition text, item anyelement) RETURNS boolean
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_matches';
COMMENT ON FUNCTION bg.matches(text, anyelement) IS
    'Whether a row satisfies a condition of the bg condition language (as account list filters use it).';

CREATE FUNCTION bg_internal._condition_columns(condition text) RETURNS text[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_condition_columns';
COMMENT ON FUNCTION bg_internal._condition_columns(text) IS 'Internal: the column names a condition reads.';
-- The values a condition looks for in one column (not those it excludes,
-- nor regular expressions): bg.acquisition_targets' job titles.
CREATE FUNCTION bg_internal._condition_literals(condition text, col text) RETURNS text[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_condition_literals';
COMMENT ON FUNCTION bg_internal._condition_literals(text, text) IS 'Internal: the literal values a condition looks for in a column.';
