/*
 * agg_trans.c — transition functions of the scoring aggregates
 * (docs/design.md §5): one evaluates the roles template on each person row,
 * the other counts roles that are already assigned.  Both build a
 * bg.role_tally and update it in place when called as an aggregate.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "nodes/nodeFuncs.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "agg_tally.h"
#include "call_cache.h"
#include "cond_eval.h"
#include "eval_args.h"
#include "packed_layout.h"
#include "template_cache.h"

#if defined(__GNUC__) || defined(__clang__)
#define bg_prefetch(p) __builtin_prefetch(p)
#else
#define bg_prefetch(p) ((void) 0)
#endif

static void
require_template(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the roles template of a scoring aggregate must not be null")));
}

/*
 * Errors: a row of a group names roles template name, an earlier one
 * earlier (a bg.role_tally's or a packed tally's, agg_packed.c).
 */
void
bg_tally_template_differs(const char *name, const char *earlier)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("roles template \"%s\" differs from \"%s\" earlier in the same group",
					name, earlier),
			 errhint("Every row of a group must name the same roles template.")));
}

/*
 * The state to update: the current one (copied first when the function is
 * not called as an aggregate, which must not modify its input), or a new
 * zero tally.  A state built for another template is an error.
 */
static BgTally *
writable_state(FunctionCallInfo fcinfo, const char *name, int nroles, bool tmpl_const)
{
	BgTally    *t;
	Datum		d;
	bool		in_agg;

	if (PG_ARGISNULL(0))
		return bg_tally_new(name, nroles);	/* the executor copies it once */
	d = PG_GETARG_DATUM(0);
	/* the states this function builds are never toasted: no detoast call */
	t = VARATT_IS_EXTENDED(DatumGetPointer(d)) ? DatumGetBgTally(d) : (BgTally *) DatumGetPointer(d);
	in_agg = AggCheckCallContext(fcinfo, NULL) != 0;

	/*
	 * In an aggregate whose template argument is a constant, every state this
	 * call site sees was built by it for that template, so only the size is
	 * checked (the template may have been rebuilt); otherwise also the name.
	 */
	if (!(tmpl_const && in_agg) &&
		strcmp(BG_TALLY_NAME(t), name) != 0)
		bg_tally_template_differs(name, BG_TALLY_NAME(t));
	bg_tally_fits(t, name, nroles);
	if (!in_agg || (Pointer) t != DatumGetPointer(d))
	{
		BgTally    *copy = palloc(VARSIZE(t));

		memcpy(copy, t, VARSIZE(t));
		t = copy;
	}
	return t;
}

/*
 * The group's state is far from the row in memory (one per group, in the
 * order groups were met): fetch it while the row is evaluated, and read it
 * only afterwards.
 */
static inline void
prefetch_state(FunctionCallInfo fcinfo)
{
	if (!PG_ARGISNULL(0))
	{
		const char *state = DatumGetPointer(PG_GETARG_DATUM(0));

		bg_prefetch(state);
		bg_prefetch(state + 64);	/* a prefetch never faults */
	}
}

/* The state after counting the person ev was set to (none: r < 0). */
static BgTally *
count_person(FunctionCallInfo fcinfo, BgEval *ev)
{
	int			r = bg_eval_role(ev);
	BgTally    *t = writable_state(fcinfo, ev->tmpl->name, ev->tmpl->nroles, ev->tmpl_const);

	Assert(t->nroles == ev->tmpl->nroles && r >= -1 && r < t->nroles);
	if (r >= 0)
		bg_tally_increment(t, r);
	Assert(r < 0 || t->counts[r] > 0);
	return t;
}

/* Transition of the aggregates over (template text, person anyelement). */
PG_FUNCTION_INFO_V1(bg_tally_person_trans);
Datum
bg_tally_person_trans(PG_FUNCTION_ARGS)
{
	require_template(fcinfo);
	if (PG_ARGISNULL(2))
	{
		/*
		 * No person (an account without people): the group exists, empty.
		 * The template compiled for this call site is used when it is
		 * current, so that a LEFT JOIN's many empty groups read no catalog.
		 */
		BgCallCache *cc = fcinfo->flinfo->fn_extra;
		text	   *name = PG_GETARG_TEXT_PP(1);
		BgTemplate *tmpl;

		if (cc != NULL &&
			bg_call_cache_fresh(cc, VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name), NULL))
			tmpl = ((BgEval *) cc->data)->tmpl;
		else
		{
			bg_require_row_arg(fcinfo, 2);
			tmpl = bg_template_get(text_to_cstring(name));
		}
		PG_RETURN_POINTER(writable_state(fcinfo, tmpl->name, tmpl->nroles, false));
	}
	prefetch_state(fcinfo);
	PG_RETURN_POINTER(count_person(fcinfo, bg_eval_for_call(fcinfo, 1, 2)));
}

/*
 * The compiled template of a transition over (state, template text, columns
 * text[], VARIADIC values "any"), with this call's person set as its row
 * (eval_args.c); *person false: no person.  Errors for a NULL template or
 * NULL names.  Shared with the packed tallies (agg_packed.c).
 */
BgEval *
bg_tally_columns_eval(FunctionCallInfo fcinfo, bool *person)
{
	require_template(fcinfo);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the column names of a scoring aggregate must not be null")));
	return bg_eval_for_args(fcinfo, 1, person);
}

/*
 * Transition of the aggregates over (template text, columns text[],
 * VARIADIC values "any"): a person given as column values (eval_args.c),
 * what the planner hook passes instead of a row.  No person (a NULL marker
 * value: an outer join's empty side) leaves the group empty, as a NULL row
 * does above.
 */
PG_FUNCTION_INFO_V1(bg_tally_columns_trans);
Datum
bg_tally_columns_trans(PG_FUNCTION_ARGS)
{
	BgEval	   *ev;
	bool		person;

	prefetch_state(fcinfo);
	ev = bg_tally_columns_eval(fcinfo, &person);
	if (!person)
		PG_RETURN_POINTER(writable_state(fcinfo, ev->tmpl->name, ev->tmpl->nroles, false));
	PG_RETURN_POINTER(count_person(fcinfo, ev));
}

/* Per call site (a BgCallCache's data): the template's role names. */
typedef struct RoleIndex
{
	char	   *name;			/* the template's name */
	int			nroles;
	char	  **roles;
	int		   *rolelens;
	int			last;			/* index of the previous row's role */
	bool		tmpl_const;		/* the template argument is a constant */
	uint64		packed_header;	/* layout of its packed position counts, or 0:
								 * it does not fit (largest threshold maxk) */
	int			maxk;
} RoleIndex;

/*
 * The call-site cache of a transition function that another aggregate calls
 * for each row with a new FmgrInfo, so that fn_extra is always empty:
 * Citus's worker_partial_agg (docs/design.md §12), whose Aggref's first
 * argument is the wrapped aggregate's OID, not bg's template.  One cache for
 * the backend serves them (its key compared on every row); NULL otherwise.
 */
static BgCallCache *
wrapped_call_cache(FunctionCallInfo fcinfo)
{
	static BgCallCache *wrapped = NULL;
	Aggref	   *agg = AggGetAggref(fcinfo);

	if (agg == NULL || agg->args == NIL ||
		exprType((Node *) ((TargetEntry *) linitial(agg->args))->expr) == TEXTOID)
		return NULL;
	if (wrapped == NULL)
	{
		wrapped = MemoryContextAllocZero(TopMemoryContext, sizeof(BgCallCache));
		wrapped->cxt = AllocSetContextCreate(TopMemoryContext, "bg wrapped call cache",
											 ALLOCSET_SMALL_SIZES);
		wrapped->rowtype = InvalidOid;
		wrapped->rowtypmod = -1;
	}
	return wrapped;
}

/* The role index of the template named by argument tmpl_argno. */
static RoleIndex *
role_index(FunctionCallInfo fcinfo, int tmpl_argno)
{
	BgCallCache *cc = fcinfo->flinfo->fn_extra;
	text	   *name = PG_GETARG_TEXT_PP(tmpl_argno);
	const char *nm = VARDATA_ANY(name);
	int			nmlen = VARSIZE_ANY_EXHDR(name);

	if (cc == NULL && (cc = wrapped_call_cache(fcinfo)) == NULL)
		cc = bg_call_cache_create(fcinfo, bg_arg_is_const(fcinfo, tmpl_argno));
	if (!bg_call_cache_fresh(cc, nm, nmlen, NULL))
	{
		uint64		generation = bg_call_cache_reset(cc);
		BgTemplate *tmpl = bg_template_get(text_to_cstring(name));
		RoleIndex  *ri = MemoryContextAllocZero(cc->cxt, sizeof(RoleIndex));

		ri->name = MemoryContextStrdup(cc->cxt, tmpl->name);
		ri->nroles = tmpl->nroles;
		ri->roles = MemoryContextAlloc(cc->cxt, sizeof(char *) * Max(tmpl->nroles, 1));
		ri->rolelens = MemoryContextAlloc(cc->cxt, sizeof(int) * Max(tmpl->nroles, 1));
		for (int i = 0; i < tmpl->nroles; i++)
		{
			ri->roles[i] = MemoryContextStrdup(cc->cxt, tmpl->roles[i].role);
			ri->rolelens[i] = strlen(ri->roles[i]);
		}
		ri->tmpl_const = cc->key_const;
		if (!bg_packed_positions_header(tmpl, &ri->packed_header))
			ri->packed_header = 0;
		ri->maxk = bg_packed_largest_threshold(tmpl);
		bg_call_cache_store(cc, ri, generation, nm, nmlen, NULL);
	}
	return cc->data;
}

/* The index of role in ri's template (the previous row's tried first). */
static int
role_lookup(RoleIndex *ri, text *role)
{
	const char *r = VARDATA_ANY(role);
	int			rlen = VARSIZE_ANY_EXHDR(role);
	int			i = ri->last;

	if (i < ri->nroles && ri->rolelens[i] == rlen && memcmp(ri->roles[i], r, rlen) == 0)
		return i;
	for (i = 0; i < ri->nroles; i++)
		if (ri->rolelens[i] == rlen && memcmp(ri->roles[i], r, rlen) == 0)
			break;
	if (i == ri->nroles)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role \"%s\" is not in roles template \"%s\"",
						text_to_cstring(role), ri->name),
				 errhint("The roles of a template are listed in bg.template_roles.")));
	ri->last = i;
	return i;
}

/*
 * bg.role_name_position(template text, role text) RETURNS integer (strict):
 * the position of a role in the template (1 = first by priority), as the
 * role-text aggregates count it (docs/design.md §12.2).
 */
PG_FUNCTION_INFO_V1(bg_role_name_position);
Datum
bg_role_name_position(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(role_lookup(role_index(fcinfo, 0), PG_GETARG_TEXT_PP(1)) + 1);
}

/*
 * bg.packed_role_name_position(template text, role text) RETURNS integer
 * (strict): bg.role_name_position with the layout of the template's packed
 * position counts (agg_packed_positions.c), as bg.packed_role_position.
 */
PG_FUNCTION_INFO_V1(bg_packed_role_name_position);
Datum
bg_packed_role_name_position(PG_FUNCTION_ARGS)
{
	RoleIndex  *ri = role_index(fcinfo, 0);

	if (ri->packed_header == 0)
		bg_packed_positions_unfit(ri->name, ri->nroles, ri->maxk);
	PG_RETURN_INT32(bg_packed_position(ri->packed_header,
									   role_lookup(ri, PG_GETARG_TEXT_PP(1)) + 1));
}

/* Transition of the aggregates over (template text, role text). */
PG_FUNCTION_INFO_V1(bg_tally_role_trans);
Datum
bg_tally_role_trans(PG_FUNCTION_ARGS)
{
	RoleIndex  *ri;
	BgTally    *t;
	int			i;

	require_template(fcinfo);
	ri = role_index(fcinfo, 1);
	t = writable_state(fcinfo, ri->name, ri->nroles, ri->tmpl_const);
	if (PG_ARGISNULL(2))
		PG_RETURN_POINTER(t);	/* a person without a role counts nowhere */
	i = role_lookup(ri, PG_GETARG_TEXT_PP(2));
	Assert(t->nroles == ri->nroles && i >= 0 && i < t->nroles);
	bg_tally_increment(t, i);
	Assert(t->counts[i] > 0);
	PG_RETURN_POINTER(t);
}

/*
 * Transition of bg_internal._position_tally(template text, position int): counts a
 * role given by its position in the template (1 = first by priority), as the
 * stored scores of buying groups are counted from role ids mapped to
 * positions without comparing names.  A NULL position counts nowhere.
 */
PG_FUNCTION_INFO_V1(bg_tally_position_trans);
Datum
bg_tally_position_trans(PG_FUNCTION_ARGS)
{
	RoleIndex  *ri;
	BgTally    *t;
	int32		pos;

	require_template(fcinfo);
	ri = role_index(fcinfo, 1);
	t = writable_state(fcinfo, ri->name, ri->nroles, ri->tmpl_const);
	if (PG_ARGISNULL(2))
		PG_RETURN_POINTER(t);
	pos = PG_GETARG_INT32(2);
	if (pos < 1 || pos > ri->nroles)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("role position %d is out of range for roles template \"%s\"", pos, ri->name),
				 errdetail("The template has %d roles.", ri->nroles)));
	Assert(t->nroles == ri->nroles);
	bg_tally_increment(t, pos - 1);
	Assert(t->counts[pos - 1] > 0);
	PG_RETURN_POINTER(t);
}
