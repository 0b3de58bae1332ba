/*
 * position_counts.c — the shared state of the scoring aggregates on Citus
 * (docs/design.md §12.2): bg.role_position(template, person), the position
 * of a person's role in the template (1 = first by priority), and the
 * aggregate bg.position_counts(position), people per position as a bigint
 * array.  The planner hook (plan_shared_tally.c) writes every scoring
 * aggregate of one template and person over a Citus table as a final
 * function (bg.counts_completeness and its siblings, agg_final.c) of the
 * same bg.position_counts call, so that PostgreSQL, and Citus's partial
 * aggregation, evaluate each person's role once whatever the number of
 * aggregates.  One argument of a by-value type: Citus's partial-aggregate
 * wrapper passes it as it is (two arguments would be packed into a ROW for
 * every row), and the state holds no template name.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "utils/array.h"

#include "agg_tally.h"
#include "cond_eval.h"

/* bg.role_position(template text, person anyelement) RETURNS integer */
PG_FUNCTION_INFO_V1(bg_role_position);
Datum
bg_role_position(PG_FUNCTION_ARGS)
{
	/* bg_eval_role: the role's index by priority, or -1 for none */
	int			position = bg_eval_role(bg_eval_for_call(fcinfo, 0, 1)) + 1;

	if (position == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT32(position);
}

/*
 * The counts of array a (at most BG_TALLY_MAX_ROLES, none null or negative,
 * from index 1), their number in *n.
 */
int64 *
bg_position_counts_read(ArrayType *a, int *n)
{
	int64	   *c = NULL;
	bool		bad;

	Assert(ARR_ELEMTYPE(a) == INT8OID);
	if (ARR_NDIM(a) == 0)
	{
		*n = 0;
		return NULL;
	}
	bad = ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_LBOUND(a)[0] != 1 ||
		ARR_DIMS(a)[0] > BG_TALLY_MAX_ROLES;
	if (!bad)
	{
		*n = ARR_DIMS(a)[0];
		c = (int64 *) ARR_DATA_PTR(a);
		for (int i = 0; i < *n && !bad; i++)
			bad = c[i] < 0;
	}
	if (bad)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid role position counts"),
				 errdetail("Expected a one-dimensional bigint array indexed from 1, of at most %d counts, none null or negative.",
						   BG_TALLY_MAX_ROLES)));
	return c;
}

/* A new array of n zero counts (n <= BG_TALLY_MAX_ROLES). */
static ArrayType *
counts_new(int n)
{
	Size		size;
	ArrayType  *a;

	Assert(n >= 0 && n <= BG_TALLY_MAX_ROLES);
	if (n == 0)
		return construct_empty_array(INT8OID);
	size = ARR_OVERHEAD_NONULLS(1) + sizeof(int64) * n;
	a = palloc0(size);
	SET_VARSIZE(a, size);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = INT8OID;
	ARR_DIMS(a)[0] = n;
	ARR_LBOUND(a)[0] = 1;
	return a;
}

/*
 * Array argument argno's counts, writable (the argument itself when it is
 * the aggregate's own state, else a copy) and of at least need counts.
 */
static ArrayType *
writable_counts(FunctionCallInfo fcinfo, int argno, int need)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(argno);
	bool		own = AggCheckCallContext(fcinfo, NULL) &&
		(Pointer) a == DatumGetPointer(PG_GETARG_DATUM(argno));
	int			n;
	int64	   *c;
	ArrayType  *copy;

	/*
	 * The aggregate's own state was checked when it was built (or, when a
	 * combine function took a partial state as it came, is checked by the
	 * final function): not read again for every row.
	 */
	if (own && ARR_NDIM(a) == 1 && ARR_DIMS(a)[0] >= need)
		return a;				/* updated in place */
	c = bg_position_counts_read(a, &n);
	copy = counts_new(Max(n, need));
	if (n > 0)
		memcpy(ARR_DATA_PTR(copy), c, sizeof(int64) * n);
	return copy;				/* the executor copies it into the state */
}

/* Adds n to the count of position pos (from 1), which must not overflow. */
static void
add_count(int64 *count, int64 n, int pos)
{
	if (pg_add_s64_overflow(*count, n, count))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the count of role position %d is out of range", pos),
				 errdetail("Counts of people are at most %lld.", (long long) PG_INT64_MAX)));
}

/*
 * Transition of bg.position_counts(position integer) (not strict): a NULL
 * position (a person without a role, or no person) counts nowhere, but the
 * group exists, as in the scoring aggregates.
 */
PG_FUNCTION_INFO_V1(bg_position_counts_trans);
Datum
bg_position_counts_trans(PG_FUNCTION_ARGS)
{
	int32		pos = PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1);
	ArrayType  *a;

	if (!PG_ARGISNULL(1) && (pos < 1 || pos > BG_TALLY_MAX_ROLES))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("role position %d is out of range", pos),
				 errdetail("Positions start at 1, the first role by priority; a template has at most %d roles.",
						   BG_TALLY_MAX_ROLES)));
	a = PG_ARGISNULL(0) ? counts_new(pos) : writable_counts(fcinfo, 0, pos);
	if (pos > 0)
		add_count(&((int64 *) ARR_DATA_PTR(a))[pos - 1], 1, pos);
	PG_RETURN_ARRAYTYPE_P(a);
}

/* Combine function of bg.position_counts (strict): adds b's counts to a's. */
PG_FUNCTION_INFO_V1(bg_position_counts_combine);
Datum
bg_position_counts_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *b = PG_GETARG_ARRAYTYPE_P(1);
	int			nb;
	int64	   *cb = bg_position_counts_read(b, &nb);
	ArrayType  *a = writable_counts(fcinfo, 0, nb);
	int64	   *ca = nb > 0 ? (int64 *) ARR_DATA_PTR(a) : NULL;

	for (int i = 0; i < nb; i++)
		add_count(&ca[i], cb[i], i + 1);
	PG_RETURN_ARRAYTYPE_P(a);
}
