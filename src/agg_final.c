/*
 * agg_final.c — final functions of the scoring aggregates
 * (docs/design.md §5): role counts, role completeness, group completeness
 * and missing roles, computed from a bg.role_tally and the template's
 * thresholds.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "common/hashfn.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "agg_tally.h"
#include "call_cache.h"
#include "template_cache.h"

/* The template a tally was built for, which must still have its roles. */
static BgTemplate *
tally_template(BgTally *t)
{
	BgTemplate *tmpl;

	bg_tally_check(t);
	tmpl = bg_template_get(BG_TALLY_NAME(t));
	bg_tally_fits(t, tmpl->name, tmpl->nroles);
	return tmpl;
}

/* docs/design.md §5: 100 × min(n, k) / k */
static double
role_completeness(int64 n, int k)
{
	Assert(n >= 0 && k >= 1);
	return n >= k ? 100.0 : 100.0 * (double) n / (double) k;
}

static Numeric
float8_to_numeric_uncached(double v)
{
	char	   *s;

	/* whole numbers (0, 50, 100: most completeness values) directly */
	if (v == (double) (int64) v)
		return int64_to_numeric((int64) v);
	/* others through the shortest exact text form, so 100/3 shows every digit */
	s = DatumGetCString(DirectFunctionCall1(float8out, Float8GetDatum(v)));

	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(s),
											   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

/*
 * Scores take few distinct values (counts 0, 1, 2...; completeness 0, 50,
 * 33.33..., 100), so the numerics of the first ones met are kept for the
 * backend's life (never freed: a caller may still hold one): storing the
 * scores of 200 000 groups then builds a handful, not a million.
 */
#define NUMERIC_MEMO_SIZE 128

static double numeric_memo_key[NUMERIC_MEMO_SIZE];
static Numeric numeric_memo_val[NUMERIC_MEMO_SIZE];
static int	numeric_memo_n = 0;

static Numeric
float8_to_numeric(double v)
{
	MemoryContext old;

	for (int i = 0; i < numeric_memo_n; i++)
		if (numeric_memo_key[i] == v)
			return numeric_memo_val[i];
	if (numeric_memo_n == NUMERIC_MEMO_SIZE)
		return float8_to_numeric_uncached(v);
	old = MemoryContextSwitchTo(TopMemoryContext);
	numeric_memo_val[numeric_memo_n] = float8_to_numeric_uncached(v);
	MemoryContextSwitchTo(old);
	numeric_memo_key[numeric_memo_n] = v;
	return numeric_memo_val[numeric_memo_n++];
}

/* Small counts (most groups) from a kept table, others built. */
#define SMALL_COUNTS 128

static Numeric
count_numeric(int64 n)
{
	static Numeric small[SMALL_COUNTS];

	if (n < 0 || n >= SMALL_COUNTS)
		return int64_to_numeric(n);
	if (small[n] == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		small[n] = int64_to_numeric(n);
		MemoryContextSwitchTo(old);
	}
	return small[n];
}

/*
 * A jsonb object {role: value} over the template's roles: the people per
 * role, or with completeness each role's completeness.  Shared with the
 * packed tallies' finals (agg_packed.c), as are the two below.
 */
Jsonb *
bg_scores_role_object(BgTemplate *tmpl, const int64 *counts, bool completeness)
{
	JsonbParseState *state = NULL;
	JsonbValue *res;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < tmpl->nroles; i++)
	{
		JsonbValue	k,
					v;

		k.type = jbvString;
		k.val.string.val = tmpl->roles[i].role;
		k.val.string.len = strlen(tmpl->roles[i].role);
		pushJsonbValue(&state, WJB_KEY, &k);
		v.type = jbvNumeric;
		v.val.numeric = completeness ?
			float8_to_numeric(role_completeness(counts[i], tmpl->roles[i].members_required)) :
			count_numeric(counts[i]);
		pushJsonbValue(&state, WJB_VALUE, &v);
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/* bg.role_counts: {role: members} for every template role. */
PG_FUNCTION_INFO_V1(bg_tally_role_counts);
Datum
bg_tally_role_counts(PG_FUNCTION_ARGS)
{
	BgTally    *t = PG_GETARG_BGTALLY(0);

	PG_RETURN_JSONB_P(bg_scores_role_object(tally_template(t), t->counts, false));
}

/* bg.role_completeness: {role: completeness} for every template role. */
PG_FUNCTION_INFO_V1(bg_tally_role_completeness);
Datum
bg_tally_role_completeness(PG_FUNCTION_ARGS)
{
	BgTally    *t = PG_GETARG_BGTALLY(0);

	PG_RETURN_JSONB_P(bg_scores_role_object(tally_template(t), t->counts, true));
}

/* The mean role completeness of the required roles; false when none is. */
bool
bg_scores_completeness(BgTemplate *tmpl, const int64 *counts, double *result)
{
	double		sum = 0;
	int			required = 0;

	for (int i = 0; i < tmpl->nroles; i++)
	{
		if (!tmpl->roles[i].required)
			continue;
		sum += role_completeness(counts[i], tmpl->roles[i].members_required);
		required++;
	}
	if (required == 0)
		return false;
	*result = sum / required;
	Assert(*result >= 0.0 && *result <= 100.0);
	return true;
}

/* The required roles below their threshold, in priority order. */
Datum
bg_scores_missing_roles(BgTemplate *tmpl, const int64 *counts)
{
	ArrayBuildState *astate = initArrayResult(TEXTOID, CurrentMemoryContext, false);

	for (int i = 0; i < tmpl->nroles; i++)
		if (tmpl->roles[i].required && counts[i] < tmpl->roles[i].members_required)
			accumArrayResult(astate, CStringGetTextDatum(tmpl->roles[i].role), false,
							 TEXTOID, CurrentMemoryContext);
	return makeArrayResult(astate, CurrentMemoryContext);
}

/*
 * The score of a final function from counts per role (exact, or at least
 * each threshold for the completeness scores): what the finals over
 * position counts and packed states return.
 */
Datum
bg_scores_result(FunctionCallInfo fcinfo, BgTemplate *tmpl, const int64 *counts, BgScore score)
{
	double		c;

	switch (score)
	{
		case BG_SCORE_ROLE_COUNTS:
			PG_RETURN_JSONB_P(bg_scores_role_object(tmpl, counts, false));
		case BG_SCORE_ROLE_COMPLETENESS:
			PG_RETURN_JSONB_P(bg_scores_role_object(tmpl, counts, true));
		case BG_SCORE_COMPLETENESS:
			if (!bg_scores_completeness(tmpl, counts, &c))
				PG_RETURN_NULL();
			PG_RETURN_FLOAT8(c);
		case BG_SCORE_MISSING_ROLES:
			PG_RETURN_DATUM(bg_scores_missing_roles(tmpl, counts));
	}
	pg_unreachable();
}

/* bg.completeness: the mean role completeness of the required roles. */
PG_FUNCTION_INFO_V1(bg_tally_completeness);
Datum
bg_tally_completeness(PG_FUNCTION_ARGS)
{
	BgTally    *t = PG_GETARG_BGTALLY(0);
	double		c;

	if (!bg_scores_completeness(tally_template(t), t->counts, &c))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(c);
}

/* bg.missing_roles: the required roles below their threshold, by priority. */
PG_FUNCTION_INFO_V1(bg_tally_missing_roles);
Datum
bg_tally_missing_roles(PG_FUNCTION_ARGS)
{
	BgTally    *t = PG_GETARG_BGTALLY(0);

	PG_RETURN_DATUM(bg_scores_missing_roles(tally_template(t), t->counts));
}

/*
 * The template named by argument 0 of a final over position counts (and
 * over packed position counts, agg_packed_positions.c), kept
 * per call site (fn_extra) while bg's catalog is unchanged: a group's final
 * neither copies nor looks up the template's name, which on Citus is the
 * whole shipped template.  The template cache frees a template only after
 * bg_catalog_generation has moved, which makes the entry stale first.
 */
BgTemplate *
bg_counts_template(FunctionCallInfo fcinfo)
{
	BgCallCache *cc = fcinfo->flinfo->fn_extra;
	text	   *name = PG_GETARG_TEXT_PP(0);

	if (cc == NULL)
		cc = bg_call_cache_create(fcinfo, bg_arg_is_const(fcinfo, 0));
	if (!bg_call_cache_fresh(cc, VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name), NULL))
	{
		uint64		generation = bg_call_cache_reset(cc);
		BgTemplate *tmpl = bg_template_get(text_to_cstring(name));

		bg_call_cache_store(cc, tmpl, generation, VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name), NULL);
	}
	return cc->data;
}

/*
 * The people per role of the template of argument 0 from the counts per
 * role position of argument 1 (bg.position_counts; positions it does not
 * reach count 0): what the finals over position counts read, the template
 * given beside the counts as the planner hook writes them (docs/design.md
 * §12.2).
 */
static int64 *
counts_of(FunctionCallInfo fcinfo, BgTemplate *tmpl)
{
	int			n;
	int64	   *c = bg_position_counts_read(PG_GETARG_ARRAYTYPE_P(1), &n);
	int64	   *counts;

	if (n > tmpl->nroles)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("role position counts have %d positions, but roles template \"%s\" has %d roles",
						n, tmpl->name, tmpl->nroles)));
	if (n == tmpl->nroles)
		return c;
	counts = palloc0(sizeof(int64) * Max(tmpl->nroles, 1));
	if (n > 0)
		memcpy(counts, c, sizeof(int64) * n);
	return counts;
}

/* A final over (template, position counts): score from the counts. */
static Datum
counts_final(FunctionCallInfo fcinfo, BgScore score)
{
	BgTemplate *tmpl = bg_counts_template(fcinfo);

	return bg_scores_result(fcinfo, tmpl, counts_of(fcinfo, tmpl), score);
}

/* bg.counts_role_counts(template, counts): bg.role_counts from counts. */
PG_FUNCTION_INFO_V1(bg_counts_role_counts);
Datum
bg_counts_role_counts(PG_FUNCTION_ARGS)
{
	return counts_final(fcinfo, BG_SCORE_ROLE_COUNTS);
}

/* bg.counts_role_completeness(template, counts) */
PG_FUNCTION_INFO_V1(bg_counts_role_completeness);
Datum
bg_counts_role_completeness(PG_FUNCTION_ARGS)
{
	return counts_final(fcinfo, BG_SCORE_ROLE_COMPLETENESS);
}

/* bg.counts_completeness(template, counts) */
PG_FUNCTION_INFO_V1(bg_counts_completeness);
Datum
bg_counts_completeness(PG_FUNCTION_ARGS)
{
	return counts_final(fcinfo, BG_SCORE_COMPLETENESS);
}

/* bg.counts_missing_roles(template, counts) */
PG_FUNCTION_INFO_V1(bg_counts_missing_roles);
Datum
bg_counts_missing_roles(PG_FUNCTION_ARGS)
{
	return counts_final(fcinfo, BG_SCORE_MISSING_ROLES);
}

/*
 * The stored scores of count vectors, kept with their template (they go
 * when the template cache is emptied, as bg's catalog changes): groups
 * share few count vectors (most counts are 0 to a few), so a job storing
 * the scores of 200 000 groups builds some thousands of jsonb values, not
 * 400 000.  Direct-mapped by a hash of the counts; a collision rebuilds.
 * 4 096 entries (at most ≈ 2 MB with their values): the benchmark's 17 622
 * vectors took 0.35–0.45 s for 200 000 groups with 1 024, 0.25–0.31 s
 * with 4 096.
 */
#define SCORES_MEMO_SIZE 4096

typedef struct ScoresMemoEntry
{
	int64	   *counts;			/* nroles counts, or NULL: empty */
	Datum		values[4];		/* as bg_internal._tally_scores returns them */
	bool		nulls[4];
} ScoresMemoEntry;

static void
scores_compute(BgTemplate *tmpl, BgTally *t, Datum *values, bool *nulls)
{
	double		c;

	values[0] = JsonbPGetDatum(bg_scores_role_object(tmpl, t->counts, false));
	nulls[0] = false;
	nulls[1] = !bg_scores_completeness(tmpl, t->counts, &c);
	values[1] = nulls[1] ? (Datum) 0 : Float8GetDatum(c);
	values[2] = JsonbPGetDatum(bg_scores_role_object(tmpl, t->counts, true));
	nulls[2] = false;
	values[3] = bg_scores_missing_roles(tmpl, t->counts);
	nulls[3] = false;
}

/* The memo's entry of t's counts, filled (in the template's context). */
static ScoresMemoEntry *
scores_memo(BgTemplate *tmpl, BgTally *t)
{
	MemoryContext cxt = GetMemoryChunkContext(tmpl);
	Size		size = mul_size(sizeof(int64), tmpl->nroles);
	ScoresMemoEntry *e;
	MemoryContext old;
	Datum		values[4];
	bool		nulls[4];

	if (tmpl->scores_memo == NULL)
		tmpl->scores_memo = MemoryContextAllocZero(cxt, sizeof(ScoresMemoEntry) * SCORES_MEMO_SIZE);
	e = (ScoresMemoEntry *) tmpl->scores_memo +
		hash_bytes((const unsigned char *) t->counts, (int) size) % SCORES_MEMO_SIZE;
	if (e->counts != NULL && memcmp(e->counts, t->counts, size) == 0)
		return e;
	scores_compute(tmpl, t, values, nulls);
	old = MemoryContextSwitchTo(cxt);
	for (int i = 0; i < 4; i++)
	{
		if (e->counts != NULL && i != 1 && !e->nulls[i])
			pfree(DatumGetPointer(e->values[i]));
		e->nulls[i] = nulls[i];
		e->values[i] = nulls[i] ? (Datum) 0 : datumCopy(values[i], i == 1, i == 1 ? (int) sizeof(float8) : -1);
	}
	if (e->counts == NULL)
		e->counts = palloc(size);
	memcpy(e->counts, t->counts, size);
	MemoryContextSwitchTo(old);
	return e;
}

/*
 * bg_internal._tally_scores(bg.role_tally) RETURNS (role_counts jsonb, completeness
 * double precision, role_completeness jsonb, missing_roles text[]): the four
 * finals in one call, as buying groups store them.
 */
PG_FUNCTION_INFO_V1(bg_tally_scores);
Datum
bg_tally_scores(PG_FUNCTION_ARGS)
{
	BgTally    *t = PG_GETARG_BGTALLY(0);
	BgTemplate *tmpl = tally_template(t);
	TupleDesc	desc = (TupleDesc) fcinfo->flinfo->fn_extra;
	ScoresMemoEntry *e;

	/*
	 * The result's row type, blessed once per call site (a job calls this
	 * for each of its groups): kept with the call's FmgrInfo.
	 */
	if (desc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "bg_internal._tally_scores must return a row");
		desc = BlessTupleDesc(CreateTupleDescCopy(desc));
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = desc;
	}
	e = scores_memo(tmpl, t);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, e->values, e->nulls)));
}
