/*
 * plan_packed.c — the planner hook's packed tallies (called from
 * plan_rewrite.c once a query's twins are in place, plan_args.c).
 *
 * bg.completeness, bg.missing_roles and bg.role_completeness over columns
 * become bg.packed_completeness, bg.packed_missing_roles and
 * bg.packed_role_completeness, whose state is one bigint (agg_packed.c),
 * when every template the call may name fits a packed tally (the caller
 * says so: a constant's template, or every template of the catalog for a
 * generic plan's parameter) and the user planning may execute them.
 *
 * The aggregates of one query level over the same arguments and FILTER
 * share one transition state, which evaluates each person's role once.
 * bg.role_counts needs exact counts and keeps its bg.role_tally; so when
 * one of those shares its arguments with packable aggregates, they all
 * stay as they are (one state, one evaluation per person, rather than two).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"

#include "plan_rewrite.h"

/* The finals of the twins that have a packed counterpart, and theirs. */
static const struct
{
	const char *twin_final;		/* final of bg.X(text, text[], "any") */
	const char *name;			/* bg.packed_X(text, text[], "any") */
	const char *packed_final;	/* its final */
}			packed[] =
{
	{"bg_tally_completeness", "packed_completeness", "bg_packed_completeness"},
	{"bg_tally_missing_roles", "packed_missing_roles", "bg_packed_missing_roles"},
	{"bg_tally_role_completeness", "packed_role_completeness", "bg_packed_role_completeness"},
};

/*
 * The packed counterpart of twin aggregate twin (same schema), when it has
 * one of bg's module that the current user may execute; else InvalidOid.
 */
static Oid
packed_of(Oid twin)
{
	Oid			argtypes[3] = {TEXTOID, TEXTARRAYOID, ANYOID};
	Oid			finalfn = bg_aggregate_fn(twin, true);
	char	   *nsp;
	Oid			oid;

	if (!OidIsValid(finalfn))
		return InvalidOid;
	for (int i = 0; i < (int) lengthof(packed); i++)
	{
		if (!bg_is_module_symbol(finalfn, packed[i].twin_final))
			continue;
		nsp = get_namespace_name(get_func_namespace(twin));
		if (nsp == NULL)
			return InvalidOid;
		oid = LookupFuncName(list_make2(makeString(nsp), makeString(pstrdup(packed[i].name))),
							 3, argtypes, true);
		if (!OidIsValid(oid) || !bg_is_module_aggregate(oid, "bg_packed_columns_trans") ||
			!bg_is_module_symbol(bg_aggregate_fn(oid, true), packed[i].packed_final) ||
			pg_proc_aclcheck(oid, GetUserId(), ACL_EXECUTE) != ACLCHECK_OK)
			return InvalidOid;
		return oid;
	}
	return InvalidOid;
}

/*
 * Rewrites the twin aggregates aggs (Aggrefs of one query level, over
 * columns) to their packed counterparts where fits (an integer list, one
 * per aggregate: whether every template its template argument may name
 * fits a packed tally) allows it and no aggregate that stays over a
 * bg.role_tally shares its arguments.
 */
void
bg_packed_rewrite(List *aggs, List *fits)
{
	int			n = list_length(aggs);
	Oid		   *to = palloc0(sizeof(Oid) * Max(n, 1));

	for (int i = 0; i < n; i++)
		if (list_nth_int(fits, i))
			to[i] = packed_of(((Aggref *) list_nth(aggs, i))->aggfnoid);
	for (int i = 0; i < n; i++)
	{
		Aggref	   *a = list_nth(aggs, i);

		for (int j = 0; j < n && OidIsValid(to[i]); j++)
		{
			Aggref	   *b = list_nth(aggs, j);

			if (!OidIsValid(to[j]) && equal(a->args, b->args) && equal(a->aggfilter, b->aggfilter))
				to[i] = InvalidOid;
		}
	}
	for (int i = 0; i < n; i++)
		if (OidIsValid(to[i]))
			((Aggref *) list_nth(aggs, i))->aggfnoid = to[i];
	pfree(to);
}
