/*
 * agg_packed.c — packed tallies: the state of bg.completeness,
 * bg.missing_roles and bg.role_completeness as one bigint, passed by value,
 * for templates whose roles fit (docs/design.md §13.2).
 *
 * A bg.role_tally is a separate allocation per group that every row
 * dereferences: at 200 000 groups, a cache miss per row on top of the hash
 * table's own.  These three aggregates need each role's people only up to
 * the role's threshold (members_required), so a few bits per role do.  The
 * planner hook calls bg.packed_completeness, bg.packed_missing_roles and
 * bg.packed_role_completeness instead of the column twins when every
 * template the call may name fits (plan_packed.c).  A packed tally is the
 * layout of packed_layout.h (a header, then a field of w bits per role,
 * saturating at 2^w - 1 >= every threshold), and above the fields the
 * template's catalog id (bg_internal.template.id, >= 1).  One width for all roles, written in the
 * state, keeps the state readable without the catalog: a final or the
 * combine function (in the leader of a parallel plan, over the workers'
 * states) reads the fields with the state's own layout, finds the template
 * by its id, and checks that it still fits (as many roles, no threshold
 * above 2^w - 1), whatever changed in the catalog since the rows were
 * counted; a threshold that changed within the width keeps the answer exact.
 * A state that does not fit is an error (22P02), never a wrong answer.
 *
 * Two aggregates over the same arguments share one transition state (same
 * transition function, arguments and initial value), so completeness and
 * missing roles together evaluate each person's role once.
 */
#include "postgres.h"

#include "fmgr.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "agg_tally.h"
#include "call_cache.h"
#include "owner.h"
#include "packed_layout.h"

typedef struct PackedLayout
{
	int			nroles;
	int			width;
	int32		id;
} PackedLayout;

/*
 * The empty packed tally of a template of catalog id id, nroles roles and
 * largest threshold maxk, or 0 when it does not fit.
 */
static uint64
packed_empty(int32 id, int nroles, int maxk)
{
	uint64		header;
	int			used;

	if (id < 1 || !bg_packed_layout(nroles, maxk, 64 - BG_PACKED_HEADER_BITS, &header))
		return 0;
	used = BG_PACKED_HEADER_BITS + bg_packed_nroles(header) * bg_packed_width(header);
	if (used + bg_packed_bit_length((uint64) id) > 64)
		return 0;
	return header | ((uint64) id << used);
}

/* The empty packed tally of template t, or 0 when t does not fit one. */
uint64
bg_packed_empty(const BgTemplate *t)
{
	return packed_empty(t->id, t->nroles, bg_packed_largest_threshold(t));
}

/* The layout of state s; errors when no packed tally is so. */
static void
packed_decode(uint64 s, PackedLayout *l)
{
	int			used;
	uint64		id;

	l->nroles = (int) (s & 31);
	l->width = (int) ((s >> 5) & 7) + 1;
	used = BG_PACKED_HEADER_BITS + l->nroles * l->width;
	id = used < 64 ? s >> used : 0;
	if (id < 1 || id > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid packed tally value"),
				 errdetail("The value " INT64_FORMAT " names no roles template.", (int64) s)));
	l->id = (int32) id;
}

/* Errors: a state of layout l does not fit template t (as it is now). */
static void pg_attribute_noreturn()
does_not_fit(const PackedLayout *l, const BgTemplate *t)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("packed tally does not fit roles template \"%s\"", t->name),
			 errdetail("The tally: %d roles, counted up to %d; the template now: %d roles, largest threshold %d.",
					   l->nroles, (1 << l->width) - 1, t->nroles, bg_packed_largest_threshold(t)),
			 errhint("The template changed since the tally was counted: run the query again.")));
}

/*
 * Errors: states a and b, whose layouts differ, meet in one group (by the
 * transition, combining false: b is the template's empty state now) or in
 * the combine function.
 */
static void pg_attribute_noreturn()
packed_mismatch(uint64 a, uint64 b, bool combining)
{
	PackedLayout la,
				lb;
	char	   *na;
	char	   *nb;

	packed_decode(a, &la);
	packed_decode(b, &lb);
	if (la.id == lb.id)
		does_not_fit(&la, bg_template_get_by_id(la.id));
	/* copied: reading the other may empty the template cache */
	na = pstrdup(bg_template_get_by_id(la.id)->name);
	nb = pstrdup(bg_template_get_by_id(lb.id)->name);
	if (combining)
		bg_tally_combine_differs(na, nb);
	bg_tally_template_differs(nb, na);
}

/*
 * Transition of the packed aggregates, over (state bigint, template text,
 * columns text[], VARIADIC values "any") as the column twins: the person's
 * role adds one to its field, up to the field's largest count.  No person
 * (an outer join's empty side) leaves the group empty.
 */
PG_FUNCTION_INFO_V1(bg_packed_columns_trans);
Datum
bg_packed_columns_trans(PG_FUNCTION_ARGS)
{
	bool		person;
	BgEval	   *ev = bg_tally_columns_eval(fcinfo, &person);
	uint64		empty = ev->packed;
	uint64		s;
	int			r;

	if (empty == 0)
	{
		empty = bg_packed_empty(ev->tmpl);
		if (empty == 0)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("roles template \"%s\" does not fit a packed tally", ev->tmpl->name),
					 errdetail("The template: %d roles, largest threshold %d, id %d; a packed tally holds a field per role as wide as the largest threshold (at most 255) and the id in 56 bits.",
							   ev->tmpl->nroles, bg_packed_largest_threshold(ev->tmpl), ev->tmpl->id),
					 errhint("Call bg.completeness, bg.missing_roles or bg.role_completeness instead: the planner hook calls the packed aggregates only for templates that fit.")));
		ev->packed = empty;
	}
	s = PG_ARGISNULL(0) ? empty : (uint64) PG_GETARG_INT64(0);
	if ((s & ~bg_packed_fields_mask(empty)) != empty)
		packed_mismatch(s, empty, false);
	if (person && (r = bg_eval_role(ev)) >= 0)
	{
		Assert(r < ev->tmpl->nroles);
		s = bg_packed_increment(s, r);
	}
	PG_RETURN_INT64((int64) s);
}

/*
 * Combine function of the packed aggregates (strict): each field the sum of
 * both, up to its largest count.
 */
PG_FUNCTION_INFO_V1(bg_packed_combine);
Datum
bg_packed_combine(PG_FUNCTION_ARGS)
{
	uint64		a = (uint64) PG_GETARG_INT64(0);
	uint64		b = (uint64) PG_GETARG_INT64(1);
	uint64		mask;
	PackedLayout l;

	packed_decode(a, &l);
	mask = bg_packed_fields_mask(a);
	if ((a & ~mask) != (b & ~mask))
		packed_mismatch(a, b, true);
	PG_RETURN_INT64((int64) bg_packed_sum(a, b));
}

/*
 * The template of state s, which must fit it, and its people per role (up
 * to the fields' largest count) in counts.  The template is kept per call
 * site (fn_extra) for the state's layout while bg's catalog is unchanged.
 */
static BgTemplate *
packed_counts(FunctionCallInfo fcinfo, int64 *counts)
{
	uint64		s = (uint64) PG_GETARG_INT64(0);
	uint64		header;
	BgCallCache *cc = fcinfo->flinfo->fn_extra;
	PackedLayout l;

	packed_decode(s, &l);
	header = s & ~bg_packed_fields_mask(s);
	if (cc == NULL)
		cc = bg_call_cache_create(fcinfo, false);
	if (!bg_call_cache_fresh(cc, (const char *) &header, sizeof(header), NULL))
	{
		uint64		generation = bg_call_cache_reset(cc);
		BgTemplate *t = bg_template_get_by_id(l.id);

		if (t->nroles != l.nroles || bg_packed_largest_threshold(t) > (1 << l.width) - 1)
			does_not_fit(&l, t);
		bg_call_cache_store(cc, t, generation, (const char *) &header, sizeof(header), NULL);
	}
	bg_packed_fields(s, counts);
	return cc->data;
}

/* A final of the packed tallies: score from the state's counts. */
static Datum
packed_final(FunctionCallInfo fcinfo, BgScore score)
{
	int64		counts[BG_PACKED_MAX_ROLES];
	BgTemplate *t = packed_counts(fcinfo, counts);

	return bg_scores_result(fcinfo, t, counts, score);
}

/* bg.packed_completeness's final: as bg.completeness's. */
PG_FUNCTION_INFO_V1(bg_packed_completeness);
Datum
bg_packed_completeness(PG_FUNCTION_ARGS)
{
	return packed_final(fcinfo, BG_SCORE_COMPLETENESS);
}

/* bg.packed_missing_roles's final: as bg.missing_roles's. */
PG_FUNCTION_INFO_V1(bg_packed_missing_roles);
Datum
bg_packed_missing_roles(PG_FUNCTION_ARGS)
{
	return packed_final(fcinfo, BG_SCORE_MISSING_ROLES);
}

/* bg.packed_role_completeness's final: as bg.role_completeness's. */
PG_FUNCTION_INFO_V1(bg_packed_role_completeness);
Datum
bg_packed_role_completeness(PG_FUNCTION_ARGS)
{
	return packed_final(fcinfo, BG_SCORE_ROLE_COMPLETENESS);
}

/*
 * Whether every roles template of bg's catalog fits a packed tally: what a
 * generic plan, whose template parameter may name any of them, asks.
 * Cached until the catalog changes (the plan is then made again).
 */
bool
bg_packed_catalog_fits(void)
{
	static uint64 known_generation = 0;
	static bool fits = false;
	uint64		generation;
	uint64		n;
	int			rc;
	const char *nsp;

	bg_catalog_check();
	if (known_generation == bg_catalog_generation)
		return fits;
	generation = bg_catalog_generation;
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	nsp = quote_identifier(bg_catalog_schema());
	n = bg_catalog_query(psprintf("SELECT t.id, count(tr.role_id)::integer, "
								  "       coalesce(max(tr.members_required), 1) "
								  "FROM %s.template t "
								  "LEFT JOIN %s.template_role tr ON tr.template_id OPERATOR(pg_catalog.=) t.id "
								  "GROUP BY t.id", nsp, nsp),
						 0, NULL, NULL, "the thresholds of the roles templates");
	fits = true;
	for (uint64 i = 0; i < n && fits; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		CHECK_FOR_INTERRUPTS();
		fits = packed_empty(DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull)),
							DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull)),
							DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull))) != 0;
	}
	SPI_finish();
	known_generation = generation;
	return fits;
}
