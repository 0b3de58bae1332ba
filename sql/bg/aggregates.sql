-- The scoring aggregates (docs/design.md §5): role counts, completeness,
-- role completeness and missing roles, over people or over assigned roles,
-- with their combinable state type bg.role_tally.

-- The aggregates' state: role counts of one template.  A concrete type whose
-- text form round-trips, so partial states can be combined anywhere.
CREATE TYPE bg.role_tally;
CREATE FUNCTION bg_internal._role_tally_in(cstring) RETURNS bg.role_tally
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_tally_in';
COMMENT ON FUNCTION bg_internal._role_tally_in(cstring) IS 'Internal: input function of bg.role_tally.';
CREATE FUNCTION bg_internal._role_tally_out(bg.role_tally) RETURNS cstring
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_tally_out';
COMMENT ON FUNCTION bg_internal._role_tally_out(bg.role_tally) IS 'Internal: output function of bg.role_tally.';
CREATE TYPE bg.role_tally (
    INPUT = bg_internal._role_tally_in,
    OUTPUT = bg_internal._role_tally_out,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE bg.role_tally IS
    'State of the scoring aggregates: {"template": name, "counts": [members per role, in priority order]}.';

CREATE FUNCTION bg_internal._tally_person(bg.role_tally, text, anyelement) RETURNS bg.role_tally
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_tally_person_trans';
CREATE FUNCTION bg_internal._tally_role(bg.role_tally, text, text) RETURNS bg.role_tally
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_tally_role_trans';
CREATE FUNCTION bg_internal._tally_combine(bg.role_tally, bg.role_tally) RETURNS bg.role_tally
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_tally_combine';
CREATE FUNCTION bg_internal._tally_role_counts(bg.role_tally) RETURNS jsonb
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_tally_role_counts';
CREATE FUNCTION bg_internal._tally_completeness(bg.role_tally) RETURNS double precision
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_tally_completeness';
CREATE FUNCTION bg_internal._tally_role_completeness(bg.role_tally) RETURNS jsonb
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_tally_role_completeness';
CREATE FUNCTION bg_internal._tally_missing_roles(bg.role_tally) RETURNS text[]
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_tally_missing_roles';
COMMENT ON FUNCTION bg_internal._tally_person(bg.role_tally, text, anyelement) IS 'Internal: transition of the scoring aggregates over people.';
COMMENT ON FUNCTION bg_internal._tally_role(bg.role_tally, text, text) IS 'Internal: transition of the scoring aggregates over assigned roles.';
COMMENT ON FUNCTION bg_internal._tally_combine(bg.role_tally, bg.role_tally) IS 'Internal: combines two partial role tallies.';
COMMENT ON FUNCTION bg_internal._tally_role_counts(bg.role_tally) IS 'Internal: final function of bg.role_counts.';
COMMENT ON FUNCTION bg_internal._tally_completeness(bg.role_tally) IS 'Internal: final function of bg.completeness.';
COMMENT ON FUNCTION bg_internal._tally_role_completeness(bg.role_tally) IS 'Internal: final function of bg.role_completeness.';
COMMENT ON FUNCTION bg_internal._tally_missing_roles(bg.role_tally) IS 'Internal: final function of bg.missing_roles.';

CREATE FUNCTION bg_internal._tally_columns(bg.role_tally, text, text[], VARIADIC "any") RETURNS bg.role_tally
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_tally_columns_trans';
COMMENT ON FUNCTION bg_internal._tally_columns(bg.role_tally, text, text[], "any") IS 'Internal: transition of the scoring aggregates over people given as column values.';

CREATE AGGREGATE bg.role_counts(template text, person anyelement) (
    SFUNC = bg_internal._tally_person, STYPE = bg.role_tally,
    FINALFUNC = bg_internal._tally_role_counts, COMBINEFUNC = bg_internal._tally_combine, PARALLEL = SAFE);
CREATE AGGREGATE bg.completeness(template text, person anyelement) (
    SFUNC = bg_internal._tally_person, STYPE = bg.role_tally,
    FINALFUNC = bg_internal._tally_completeness, COMBINEFUNC = bg_internal._tally_combine, PARALLEL = SAFE);
CREATE AGGREGATE bg.role_completeness(template text, person anyelement) (
    SFUNC = bg_internal._tally_person, STYPE = bg.role_tally,
    FINALFUNC = bg_internal._tally_role_completeness, COMBINEFUNC = bg_internal._tally_combine, PARALLEL = SAFE);
CREATE AGGREGATE bg.missing_roles(template text, person anyelement) (
    SFUNC = bg_internal._tally_person, STYPE = bg.role_tally,
    FINALFUNC = bg_internal._tally_missing_roles, COMBINEFUNC = bg_internal._tally_combine, PARALLEL = SAFE);

-- What the planner hook (src/plan_args.c) calls in place of the aggregates
-- over (template, p) when p is a table's row: the columns the template
-- reads, as separate arguments (names, then values; see bg.role_for).
CREATE AGGREGATE bg.role_counts(template text, columns text[], VARIADIC "values" "any") (
    SFUNC = bg_internal._tally_columns, STYPE = bg.role_tally,
    FINALFUNC = bg_internal._tally_role_counts, COMBINEFUNC = bg_internal._tally_combine, PARALLEL = SAFE);
CREATE AGGREGATE bg.completeness(template text, columns text[], VARIADIC "values" "any") (
    SFUNC = bg_internal._tally_columns, STYPE = bg.role_tally,
    FINALFUNC = bg_internal._tally_completeness, COMBINEFUNC = bg_internal._tally_combine, PARALLEL = SAFE);
CREATE AGGREGATE bg.role_completeness(template text, columns text[], VARIADIC "values" "any") (
    SFUNC = bg_internal._tally_columns, STYPE = bg.role_tally,
    FINALFUNC = bg_internal._tally_role_completeness, COMBINEFUNC = bg_internal._tally_combine, PARALLEL = SAFE);
CREATE AGGREGATE bg.missing_roles(template text, columns text[], VARIADIC "values" "any") (
    SFUNC = bg_internal._tally_columns, STYPE = bg.role_tally,
    FINALFUNC = bg_internal._tally_missing_roles, COMBINEFUNC = bg_internal._tally_combine, PARALLEL = SAFE);

CREATE AGGREGATE bg.role_counts(template text, role text) (
    SFUNC = bg_internal._tally_role, STYPE = bg.role_tally,
    FINALFUNC = bg_internal._tally_role_counts, COMBINEFUNC = bg_internal._tally_combine, PARALLEL = SAFE);
CREATE AGGREGATE bg.completeness(template text, role text) (
    SFUNC = bg_internal._tally_role, STYPE = bg.role_tally,
    FINALFUNC = bg_internal._tally_completeness, COMBINEFUNC = bg_internal._tally_combine, PARALLEL = SAFE);
CREATE AGGREGATE bg.role_completeness(template text, role text) (
    SFUNC = bg_internal._tally_role, STYPE = bg.role_tally,
    FINALFUNC = bg_internal._tally_role_completeness, COMBINEFUNC = bg_internal._tally_combine, PARALLEL = SAFE);
CREATE AGGREGATE bg.missing_roles(template text, role text) (
    SFUNC = bg_internal._tally_role, STYPE = bg.role_tally,
    FINALFUNC = bg_internal._tally_missing_roles, COMBINEFUNC = bg_internal._tally_combine, PARALLEL = SAFE);

COMMENT ON AGGREGATE bg.role_counts(text, anyelement) IS 'jsonb {role: members} over people, evaluating the roles template on each.';
COMMENT ON AGGREGATE bg.completeness(text, anyelement) IS 'Buying group completeness (0..100, NULL when no role is required) over people.';
COMMENT ON AGGREGATE bg.role_completeness(text, anyelement) IS 'jsonb {role: completeness} over people.';
COMMENT ON AGGREGATE bg.missing_roles(text, anyelement) IS 'The required roles below their threshold, in priority order, over people.';
COMMENT ON AGGREGATE bg.role_counts(text, text[], "any") IS 'bg.role_counts over people given as column values (columns names them; what the planner hook calls in place of bg.role_counts(template, p)).';
COMMENT ON AGGREGATE bg.completeness(text, text[], "any") IS 'bg.completeness over people given as column values (columns names them; what the planner hook calls in place of bg.completeness(template, p)).';
COMMENT ON AGGREGATE bg.role_completeness(text, text[], "any") IS 'bg.role_completeness over people given as column values (columns names them; what the planner hook calls in place of bg.role_completeness(template, p)).';
COMMENT ON AGGREGATE bg.missing_roles(text, text[], "any") IS 'bg.missing_roles over people given as column values (columns names them; what the planner hook calls in place of bg.missing_roles(template, p)).';
COMMENT ON AGGREGATE bg.role_counts(text, text) IS 'jsonb {role: members} over already-assigned roles (NULL roles are skipped).';
COMMENT ON AGGREGATE bg.completeness(text, text) IS 'Buying group completeness over already-assigned roles.';
COMMENT ON AGGREGATE bg.role_completeness(text, text) IS 'jsonb {role: completeness} over already-assigned roles.';
COMMENT ON AGGREGATE bg.missing_roles(text, text) IS 'The required roles below their threshold over already-assigned roles.';
