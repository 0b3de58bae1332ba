/*
 * agg_packed_positions.c — packed position counts: the by-value form of the
 * scoring aggregates' shared state on Citus (docs/design.md §12.2).
 *
 * On a Citus table the planner hook writes the scoring aggregates of one
 * template and person as finals of one bg.position_counts, whose bigint[]
 * state is allocated per group and read behind a pointer on every row
 * (plan_shared_tally.c).  Completeness, missing roles and role completeness
 * need each role's people only up to its threshold, so for templates that
 * fit, the hook writes them over bg.packed_position_counts instead: one
 * bigint passed by value, in the layout of packed_layout.h (a header, then
 * a field per role saturating at 2^w - 1, at least every threshold), which
 * lives in the hash entry of its group like count(*)'s.  Unlike the packed
 * tallies of the plain node (agg_packed.c), the state names no template:
 * the templates shipped to the workers have no catalog id.  The finals take
 * the template beside the state, as bg.counts_* do, and check that the
 * state's layout is the template's.
 *
 * The transition takes one integer, so that Citus's partial-aggregate
 * wrapper passes it without forming a ROW per row, and knows nothing of
 * the template: bg.packed_role_position (and bg.packed_role_name_position,
 * agg_trans.c) encodes the template's header with the role's position,
 *
 *   bits 0..7    the header of the template's layout
 *   bits 8..12   the position of the role (1 = first by priority)
 *
 * NULL for a person without a role.  A group whose rows have no role (or
 * no person) has state 0: no header, every count 0, which every template's
 * finals read as an empty group.
 */
#include "postgres.h"

#include "fmgr.h"

#include "agg_tally.h"
#include "cond_eval.h"
#include "packed_layout.h"

/* The fields of packed position counts: all the bits above the header. */
#define POSITIONS_FIELD_BITS (64 - BG_PACKED_HEADER_BITS)

/* Whether header (8 bits) is the layout of a template that fits. */
static bool
header_valid(uint64 header)
{
	return (header & ~BG_PACKED_HEADER_MASK) == 0 && bg_packed_nroles(header) >= 1 &&
		bg_packed_nroles(header) * bg_packed_width(header) <= POSITIONS_FIELD_BITS;
}

/*
 * The layout header of template t's packed position counts in *header;
 * false when t does not fit (no roles, more than 31, or fields of more
 * than 56 bits in all).
 */
bool
bg_packed_positions_header(const BgTemplate *t, uint64 *header)
{
	return t->nroles >= 1 &&
		bg_packed_layout(t->nroles, bg_packed_largest_threshold(t), POSITIONS_FIELD_BITS, header);
}

/*
 * Errors: a template of name, nroles roles and largest threshold maxk does
 * not fit packed position counts.
 */
void
bg_packed_positions_unfit(const char *name, int nroles, int maxk)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("roles template \"%s\" does not fit packed role position counts", name),
			 errdetail("The template: %d roles, largest threshold %d; packed position counts hold 1 to %d roles in %d bits, a field per role as wide as the largest threshold (at most %d).",
					   nroles, maxk, BG_PACKED_MAX_ROLES, POSITIONS_FIELD_BITS,
					   (1 << BG_PACKED_MAX_WIDTH) - 1),
			 errhint("Call bg.role_position and bg.position_counts instead: the planner hook uses the packed form only for templates that fit.")));
}

/* The layout header of template t's packed position counts; errors when t does not fit. */
static uint64
require_header(const BgTemplate *t)
{
	uint64		header;

	if (!bg_packed_positions_header(t, &header))
		bg_packed_positions_unfit(t->name, t->nroles, bg_packed_largest_threshold(t));
	return header;
}

/*
 * The packed position of the role at position (from 1) of a template of
 * layout header (as bg.packed_role_position and its role-text twin
 * bg.packed_role_name_position, agg_trans.c, return it).
 */
int32
bg_packed_position(uint64 header, int position)
{
	Assert(header_valid(header) && position >= 1 && position <= bg_packed_nroles(header));
	return (int32) (((uint64) position << BG_PACKED_HEADER_BITS) | header);
}

/* bg.packed_role_position(template text, person anyelement) RETURNS integer */
PG_FUNCTION_INFO_V1(bg_packed_role_position);
Datum
bg_packed_role_position(PG_FUNCTION_ARGS)
{
	BgEval	   *ev = bg_eval_for_call(fcinfo, 0, 1);
	uint64		header = require_header(ev->tmpl);
	int			r = bg_eval_role(ev);

	if (r < 0)
		PG_RETURN_NULL();
	PG_RETURN_INT32(bg_packed_position(header, r + 1));
}

static void pg_attribute_noreturn()
invalid_state(uint64 s)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid packed role position counts"),
			 errdetail("The value " INT64_FORMAT " is not a state of bg.packed_position_counts.", (int64) s)));
}

/* Errors unless s is 0 (empty) or a header that fits with fields above it. */
static void
check_state(uint64 s)
{
	uint64		header = s & BG_PACKED_HEADER_MASK;

	if (s != 0 && (!header_valid(header) || (s & ~bg_packed_fields_mask(header)) != header))
		invalid_state(s);
}

/* Errors: valid states a and b, of different layouts, meet in one group. */
static void pg_attribute_noreturn()
layouts_differ(uint64 a, uint64 b)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot add packed role position counts of different layouts"),
			 errdetail("One counts %d roles up to %d people each, the other %d roles up to %d.",
					   bg_packed_nroles(a), (int) bg_packed_field_max(a),
					   bg_packed_nroles(b), (int) bg_packed_field_max(b)),
			 errhint("Every row of a group must name the same roles template.")));
}

/*
 * Transition of bg.packed_position_counts(packed_position integer) (not
 * strict): one more person in the position's field, up to its cap.  A NULL
 * position (a person without a role, or no person) counts nowhere, but the
 * group exists.
 */
PG_FUNCTION_INFO_V1(bg_packed_positions_trans);
Datum
bg_packed_positions_trans(PG_FUNCTION_ARGS)
{
	uint64		s = PG_ARGISNULL(0) ? 0 : (uint64) PG_GETARG_INT64(0);
	int32		slot;
	uint64		header;
	int			pos;

	if (PG_ARGISNULL(1))
		PG_RETURN_INT64((int64) s);
	slot = PG_GETARG_INT32(1);
	header = (uint64) slot & BG_PACKED_HEADER_MASK;
	pos = slot >> BG_PACKED_HEADER_BITS;
	if (slot < 0 || !header_valid(header) || pos < 1 || pos > bg_packed_nroles(header))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid packed role position %d", slot),
				 errdetail("Packed positions are what bg.packed_role_position returns: a template's layout in bits 0 to 7, the position from 1 above.")));
	if (s == 0)
		s = header;
	else if ((s & ~bg_packed_fields_mask(header)) != header)
	{
		check_state(s);
		layouts_differ(s, header);
	}
	PG_RETURN_INT64((int64) bg_packed_increment(s, pos - 1));
}

/*
 * Combine function of bg.packed_position_counts (strict): each field the
 * sum of both, up to its cap.
 */
PG_FUNCTION_INFO_V1(bg_packed_positions_combine);
Datum
bg_packed_positions_combine(PG_FUNCTION_ARGS)
{
	uint64		a = (uint64) PG_GETARG_INT64(0);
	uint64		b = (uint64) PG_GETARG_INT64(1);

	check_state(a);
	check_state(b);
	if (a == 0 || b == 0)
		PG_RETURN_INT64((int64) (a | b));
	if ((a & BG_PACKED_HEADER_MASK) != (b & BG_PACKED_HEADER_MASK))
		layouts_differ(a, b);
	PG_RETURN_INT64((int64) bg_packed_sum(a, b));
}

/*
 * The template of argument 0 of a final over packed position counts, and
 * the people per role (up to the fields' cap) of argument 1 in counts (at
 * least BG_PACKED_MAX_ROLES long).  The state must have the template's
 * layout (or be empty).
 */
static BgTemplate *
packed_counts_of(FunctionCallInfo fcinfo, int64 *counts)
{
	BgTemplate *tmpl = bg_counts_template(fcinfo);
	uint64		s = (uint64) PG_GETARG_INT64(1);
	uint64		header = require_header(tmpl);

	check_state(s);
	if (s != 0 && (s & BG_PACKED_HEADER_MASK) != header)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("packed role position counts do not fit roles template \"%s\"", tmpl->name),
				 errdetail("The counts: %d roles, counted up to %d; the template: %d roles, largest threshold %d.",
						   bg_packed_nroles(s), (int) bg_packed_field_max(s),
						   tmpl->nroles, bg_packed_largest_threshold(tmpl)),
				 errhint("Give the final the template the positions were counted for.")));
	memset(counts, 0, sizeof(int64) * tmpl->nroles);
	if (s != 0)
		bg_packed_fields(s, counts);
	return tmpl;
}

/* A final over (template, packed position counts): score from the counts. */
static Datum
packed_counts_final(FunctionCallInfo fcinfo, BgScore score)
{
	int64		counts[BG_PACKED_MAX_ROLES];
	BgTemplate *tmpl = packed_counts_of(fcinfo, counts);

	return bg_scores_result(fcinfo, tmpl, counts, score);
}

/* bg.packed_counts_completeness(template, counts): bg.completeness from counts. */
PG_FUNCTION_INFO_V1(bg_packed_counts_completeness);
Datum
bg_packed_counts_completeness(PG_FUNCTION_ARGS)
{
	return packed_counts_final(fcinfo, BG_SCORE_COMPLETENESS);
}

/* bg.packed_counts_missing_roles(template, counts) */
PG_FUNCTION_INFO_V1(bg_packed_counts_missing_roles);
Datum
bg_packed_counts_missing_roles(PG_FUNCTION_ARGS)
{
	return packed_counts_final(fcinfo, BG_SCORE_MISSING_ROLES);
}

/* bg.packed_counts_role_completeness(template, counts) */
PG_FUNCTION_INFO_V1(bg_packed_counts_role_completeness);
Datum
bg_packed_counts_role_completeness(PG_FUNCTION_ARGS)
{
	return packed_counts_final(fcinfo, BG_SCORE_ROLE_COMPLETENESS);
}
