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

-- Packed tallies (src/agg_packed.c): what the planner hook calls in place
-- of the three aggregates above that need each role's people only up to
-- its threshold, when the template fits: the state is one bigint (the
-- template's id, the layout, a few bits per role), passed by value.
CREATE FUNCTION bg_internal._packed_columns(bigint, text, text[], VARIADIC "any") RETURNS bigint
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_columns_trans';
COMMENT ON FUNCTION bg_internal._packed_columns(bigint, text, text[], "any") IS 'Internal: transition of the packed scoring aggregates over people given as column values.';
CREATE FUNCTION bg_internal._packed_combine(bigint, bigint) RETURNS bigint
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_combine';
COMMENT ON FUNCTION bg_internal._packed_combine(bigint, bigint) IS 'Internal: combines two partial packed tallies.';
CREATE FUNCTION bg_internal._packed_completeness(bigint) RETURNS double precision
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_completeness';
COMMENT ON FUNCTION bg_internal._packed_completeness(bigint) IS 'Internal: final function of bg.packed_completeness.';
CREATE FUNCTION bg_internal._packed_role_completeness(bigint) RETURNS jsonb
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_role_completeness';
COMMENT ON FUNCTION bg_internal._packed_role_completeness(bigint) IS 'Internal: final function of bg.packed_role_completeness.';
CREATE FUNCTION bg_internal._packed_missing_roles(bigint) RETURNS text[]
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_missing_roles';
COMMENT ON FUNCTION bg_internal._packed_missing_roles(bigint) IS 'Internal: final function of bg.packed_missing_roles.';
CREATE AGGREGATE bg.packed_completeness(template text, columns text[], VARIADIC "values" "any") (
    SFUNC = bg_internal._packed_columns, STYPE = bigint,
    FINALFUNC = bg_internal._packed_completeness, COMBINEFUNC = bg_internal._packed_combine, PARALLEL = SAFE);
CREATE AGGREGATE bg.packed_role_completeness(template text, columns text[], VARIADIC "values" "any") (
    SFUNC = bg_internal._packed_columns, STYPE = bigint,
    FINALFUNC = bg_internal._packed_role_completeness, COMBINEFUNC = bg_internal._packed_combine, PARALLEL = SAFE);
CREATE AGGREGATE bg.packed_missing_roles(template text, columns text[], VARIADIC "values" "any") (
    SFUNC = bg_internal._packed_columns, STYPE = bigint,
    FINALFUNC = bg_internal._packed_missing_roles, COMBINEFUNC = bg_internal._packed_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE bg.packed_completeness(text, text[], "any") IS 'bg.completeness over people given as column values, with a packed state; what the planner hook calls in place of bg.completeness(template, p) when the template fits.';
COMMENT ON AGGREGATE bg.packed_role_completeness(text, text[], "any") IS 'bg.role_completeness over people given as column values, with a packed state; what the planner hook calls in place of bg.role_completeness(template, p) when the template fits.';
COMMENT ON AGGREGATE bg.packed_missing_roles(text, text[], "any") IS 'bg.missing_roles over people given as column values, with a packed state; what the planner hook calls in place of bg.missing_roles(template, p) when the template fits.';

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

-- The scoring aggregates' shared form on Citus (docs/design.md §12.2): the
-- planner hook writes bg.completeness(T, p) over a Citus table as
-- bg.counts_completeness(T, bg.position_counts(bg.role_position(T, p))),
-- and likewise the other three (over assigned roles,
-- bg.role_name_position(T, role)), so that all the aggregates of one
-- template and person are one aggregate call, which evaluates each person's
-- role once.  In schema bg because the workers run them as the calling user.
CREATE FUNCTION bg.role_position(template text, person anyelement) RETURNS integer
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_role_position';
COMMENT ON FUNCTION bg.role_position(text, anyelement) IS
    'The position of a person''s role in a roles template (1 = first by priority), or NULL; what the planner hook calls on Citus.';
CREATE FUNCTION bg.role_name_position(template text, role text) RETURNS integer
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_role_name_position';
COMMENT ON FUNCTION bg.role_name_position(text, text) IS
    'The position of a role in a roles template (1 = first by priority); what the planner hook calls on Citus for the aggregates over assigned roles.';
-- The transition and combine functions are in schema bg too: Citus's
-- partial aggregation checks EXECUTE on them for the calling user (where
-- PostgreSQL checks the aggregate's owner).
CREATE FUNCTION bg.position_counts_add(counts bigint[], role_position integer) RETURNS bigint[]
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_position_counts_trans';
COMMENT ON FUNCTION bg.position_counts_add(bigint[], integer) IS
    'Transition of bg.position_counts: counts with one more person at role_position (NULL: none); what the planner hook calls on Citus.';
CREATE FUNCTION bg.position_counts_combine(a bigint[], b bigint[]) RETURNS bigint[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_position_counts_combine';
COMMENT ON FUNCTION bg.position_counts_combine(bigint[], bigint[]) IS
    'Combine function of bg.position_counts: the sum of two partial counts; what the planner hook calls on Citus.';
CREATE AGGREGATE bg.position_counts(role_position integer) (
    SFUNC = bg.position_counts_add, STYPE = bigint[],
    COMBINEFUNC = bg.position_counts_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE bg.position_counts(integer) IS
    'People per role position ({first role, second, ...}; a NULL position counts nowhere); what the planner hook calls on Citus.';
CREATE FUNCTION bg.counts_role_counts(template text, counts bigint[]) RETURNS jsonb
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_counts_role_counts';
COMMENT ON FUNCTION bg.counts_role_counts(text, bigint[]) IS
    'bg.role_counts from the people per role position (bg.position_counts); what the planner hook calls on Citus.';
CREATE FUNCTION bg.counts_completeness(template text, counts bigint[]) RETURNS double precision
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_counts_completeness';
COMMENT ON FUNCTION bg.counts_completeness(text, bigint[]) IS
    'bg.completeness from the people per role position (bg.position_counts); what the planner hook calls on Citus.';
CREATE FUNCTION bg.counts_role_completeness(template text, counts bigint[]) RETURNS jsonb
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_counts_role_completeness';
COMMENT ON FUNCTION bg.counts_role_completeness(text, bigint[]) IS
    'bg.role_completeness from the people per role position (bg.position_counts); what the planner hook calls on Citus.';
CREATE FUNCTION bg.counts_missing_roles(template text, counts bigint[]) RETURNS text[]
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_counts_missing_roles';
COMMENT ON FUNCTION bg.counts_missing_roles(text, bigint[]) IS
    'bg.missing_roles from the people per role position (bg.position_counts); what the planner hook calls on Citus.';

-- Packed position counts (src/agg_packed_positions.c): the by-value form of
-- the shared state above, which the planner hook writes instead of it for
-- bg.completeness, bg.missing_roles and bg.role_completeness when the
-- template fits (and no bg.role_counts, which needs exact counts, shares
-- the state): one bigint per group, a few bits per role counting up to the
-- largest threshold, the template's layout in its low byte; the template
-- given to the finals beside it.
CREATE FUNCTION bg.packed_role_position(template text, person anyelement) RETURNS integer
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_role_position';
COMMENT ON FUNCTION bg.packed_role_position(text, anyelement) IS
    'The position of a person''s role in a roles template with the layout of its packed position counts, or NULL; what the planner hook calls on Citus.';
CREATE FUNCTION bg.packed_role_name_position(template text, role text) RETURNS integer
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_role_name_position';
COMMENT ON FUNCTION bg.packed_role_name_position(text, text) IS
    'The position of a role in a roles template with the layout of its packed position counts; what the planner hook calls on Citus for the aggregates over assigned roles.';
CREATE FUNCTION bg.packed_position_counts_add(counts bigint, packed_position integer) RETURNS bigint
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_positions_trans';
COMMENT ON FUNCTION bg.packed_position_counts_add(bigint, integer) IS
    'Transition of bg.packed_position_counts: counts with one more person at the packed position (NULL: none), up to the field''s cap; what the planner hook calls on Citus.';
CREATE FUNCTION bg.packed_position_counts_combine(a bigint, b bigint) RETURNS bigint
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_positions_combine';
COMMENT ON FUNCTION bg.packed_position_counts_combine(bigint, bigint) IS
    'Combine function of bg.packed_position_counts: the sum of two partial counts, each field up to its cap; what the planner hook calls on Citus.';
CREATE AGGREGATE bg.packed_position_counts(packed_position integer) (
    SFUNC = bg.packed_position_counts_add, STYPE = bigint,
    COMBINEFUNC = bg.packed_position_counts_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE bg.packed_position_counts(integer) IS
    'People per role position, packed into one bigint and counted up to the template''s largest threshold (0: none); what the planner hook calls on Citus.';
CREATE FUNCTION bg.packed_counts_completeness(template text, counts bigint) RETURNS double precision
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_counts_completeness';
COMMENT ON FUNCTION bg.packed_counts_completeness(text, bigint) IS
    'bg.completeness from packed position counts (bg.packed_position_counts); what the planner hook calls on Citus.';
CREATE FUNCTION bg.packed_counts_role_completeness(template text, counts bigint) RETURNS jsonb
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_counts_role_completeness';
COMMENT ON FUNCTION bg.packed_counts_role_completeness(text, bigint) IS
    'bg.role_completeness from packed position counts (bg.packed_position_counts); what the planner hook calls on Citus.';
CREATE FUNCTION bg.packed_counts_missing_roles(template text, counts bigint) RETURNS text[]
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_counts_missing_roles';
COMMENT ON FUNCTION bg.packed_counts_missing_roles(text, bigint) IS
    'bg.missing_roles from packed position counts (bg.packed_position_counts); what the planner hook calls on Citus.';
