/*
 * plan_shared_tally.c — on Citus, one evaluation of each person's role per
 * template, however many scoring aggregates a query has (docs/design.md
 * §12.2).
 *
 * PostgreSQL evaluates aggregates with the same transition function and the
 * same arguments once (shared transition states), so bg.completeness(T, p)
 * and bg.missing_roles(T, p) evaluate each person's role once on a plain
 * node.  Citus computes partial aggregates through its own wrapper,
 * worker_partial_agg(aggregate oid, args): the aggregates' OIDs differ, so
 * their states are not shared and each aggregate evaluates the roles again.
 * In a query on a Citus table (after citus.c has shipped the templates and
 * written person aggregates as agg(T, bg.role_for(T, p))), this rewrite
 * writes each scoring aggregate of a constant template T over
 * bg.role_for(T, x), or over a person x, as the final function of one
 * aggregate over the role's position (and so every scoring aggregate that
 * Citus aggregates partially runs with functions of schema bg, which a
 * reader may execute):
 *
 *   bg.completeness(T, x)    ->  bg.counts_completeness(T, bg.position_counts(bg.role_position(T, x)))
 *   bg.missing_roles(T, x)   ->  bg.counts_missing_roles(T, bg.position_counts(bg.role_position(T, x)))
 *
 * A role-text aggregate over any other role, bg.completeness(T, r), becomes
 * bg.counts_completeness(T, bg.position_counts(bg.role_name_position(T, r))),
 * and so does one over bg.role_for(T, x) when the query groups by that
 * expression (the group key's role is then reused, not evaluated again).
 *
 * For completeness, missing roles and role completeness of a template
 * that fits, the state is packed into one bigint passed by value
 * (agg_packed_positions.c), unless a bg.role_counts (which needs exact
 * counts) shares it:
 *
 *   bg.completeness(T, x)    ->  bg.packed_counts_completeness(T, bg.packed_position_counts(bg.packed_role_position(T, x)))
 *
 * The inner aggregates of one template, person and FILTER are equal, so
 * Citus's workers (and a plain PostgreSQL) share their state; Citus
 * computes the final function on the coordinator (or on the workers when
 * grouped by the distribution column).  The aggregate has one argument of a
 * by-value type, which Citus's wrapper passes without packing a ROW per
 * row.  Not rewritten: aggregates under DISTINCT or ORDER BY, a template
 * that is not a constant (a column: the final function would need it per
 * group), window functions.
 */
#include "postgres.h"

#include "catalog/pg_aggregate.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "agg_tally.h"
#include "plan_rewrite.h"

typedef struct SharedTallyContext
{
	List	   *queries;		/* the Query being walked, innermost first */
	bool		changed;
	List	   *made;			/* the shared forms written (FuncExprs) */
	List	   *kinds;			/* the index in finals[] of each */
} SharedTallyContext;

/*
 * The symbols of the scoring aggregates' finals and of their counterparts
 * over position counts and over packed position counts (none for
 * bg.role_counts, which needs exact counts).
 */
static const struct
{
	const char *tally_final;	/* final of bg.X(text, ...) */
	const char *name;			/* bg.counts_X(text, bigint[]) */
	const char *counts_final;	/* its symbol */
	const char *packed_name;	/* bg.packed_counts_X(text, bigint) */
	const char *packed_final;	/* its symbol */
}			finals[] =
{
	{"bg_tally_role_counts", "counts_role_counts", "bg_counts_role_counts", NULL, NULL},
	{"bg_tally_completeness", "counts_completeness", "bg_counts_completeness",
	"packed_counts_completeness", "bg_packed_counts_completeness"},
	{"bg_tally_role_completeness", "counts_role_completeness", "bg_counts_role_completeness",
	"packed_counts_role_completeness", "bg_packed_counts_role_completeness"},
	{"bg_tally_missing_roles", "counts_missing_roles", "bg_counts_missing_roles",
	"packed_counts_missing_roles", "bg_packed_counts_missing_roles"},
};

/* Function nsp.name(argtypes) when it is bg's C symbol, or InvalidOid. */
static Oid
bg_named(Oid nsp, const char *name, int nargs, Oid *argtypes, const char *symbol)
{
	Oid			oid = LookupFuncName(list_make2(makeString(get_namespace_name(nsp)),
											   makeString(pstrdup(name))),
									nargs, argtypes, true);

	return OidIsValid(oid) && bg_is_module_symbol(oid, symbol) ? oid : InvalidOid;
}

/* Whether q (or NULL) is grouped by expression expr. */
static bool
grouped_by(Query *q, Node *expr)
{
	ListCell   *lc;

	if (q == NULL)
		return false;
	foreach(lc, q->groupClause)
		if (equal(get_sortgroupclause_expr(lfirst(lc), q->targetList), expr))
			return true;
	return false;
}

/*
 * The shared form of scoring aggregate a (of query q, or NULL), or NULL
 * when a is not one this rewrite handles (or the functions it needs are
 * missing, as with an older version of the extension's SQL objects); its
 * index in finals[] in *kind.
 */
static Node *
shared_form(Aggref *a, Query *q, int *kind)
{
	HeapTuple	tup;
	Oid			transfn;
	Oid			finalfn;
	Node	   *tmpl;
	Node	   *arg;
	Node	   *person;
	Oid			nsp;
	Oid			types[2];
	Oid			position;
	Oid			counts;
	Oid			final = InvalidOid;
	Aggref	   *n;

	if (list_length(a->args) != 2 || a->aggdistinct != NIL || a->aggorder != NIL ||
		a->aggkind != AGGKIND_NORMAL || a->aggdirectargs != NIL)
		return NULL;
	tup = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(a->aggfnoid));
	if (!HeapTupleIsValid(tup))
		return NULL;
	transfn = ((Form_pg_aggregate) GETSTRUCT(tup))->aggtransfn;
	finalfn = ((Form_pg_aggregate) GETSTRUCT(tup))->aggfinalfn;
	ReleaseSysCache(tup);

	tmpl = (Node *) ((TargetEntry *) linitial(a->args))->expr;
	arg = (Node *) ((TargetEntry *) lsecond(a->args))->expr;
	if (!IsA(tmpl, Const) || ((Const *) tmpl)->consttype != TEXTOID || ((Const *) tmpl)->constisnull)
		return NULL;
	nsp = get_func_namespace(a->aggfnoid);
	types[0] = TEXTOID;
	types[1] = ANYELEMENTOID;
	if (bg_is_module_symbol(transfn, "bg_tally_person_trans"))
		person = arg;
	else if (!bg_is_module_symbol(transfn, "bg_tally_role_trans"))
		return NULL;
	else if (IsA(arg, FuncExpr) && list_length(((FuncExpr *) arg)->args) == 2 &&
			 bg_is_module_symbol(((FuncExpr *) arg)->funcid, "bg_role_for") &&
			 equal(linitial(((FuncExpr *) arg)->args), tmpl) && !grouped_by(q, arg))
		person = lsecond(((FuncExpr *) arg)->args);
	else
	{
		/*
		 * A role given as text (a stored role column), or bg.role_for(T, x)
		 * that the query groups by: its position, from the role the group
		 * key has computed already (PostgreSQL evaluates the key once and
		 * refers to it in the aggregate's argument).
		 */
		person = arg;
		types[1] = TEXTOID;
	}
	position = types[1] == TEXTOID ?
		bg_named(nsp, "role_name_position", 2, types, "bg_role_name_position") :
		bg_named(nsp, "role_position", 2, types, "bg_role_position");
	types[0] = INT4OID;
	counts = LookupFuncName(list_make2(makeString(get_namespace_name(nsp)),
									   makeString(pstrdup("position_counts"))), 1, types, true);
	tup = OidIsValid(counts) ? SearchSysCache1(AGGFNOID, ObjectIdGetDatum(counts)) : NULL;
	if (!HeapTupleIsValid(tup))
		return NULL;
	transfn = ((Form_pg_aggregate) GETSTRUCT(tup))->aggtransfn;
	ReleaseSysCache(tup);
	types[0] = TEXTOID;
	types[1] = INT8ARRAYOID;
	for (int i = 0; i < (int) lengthof(finals); i++)
		if (bg_is_module_symbol(finalfn, finals[i].tally_final))
		{
			final = bg_named(nsp, finals[i].name, 2, types, finals[i].counts_final);
			*kind = i;
			break;
		}
	if (!OidIsValid(position) || !OidIsValid(final) ||
		!bg_is_module_symbol(transfn, "bg_position_counts_trans"))
		return NULL;

	n = makeNode(Aggref);
	n->aggfnoid = counts;
	n->aggtype = INT8ARRAYOID;
	n->aggcollid = InvalidOid;
	n->inputcollid = InvalidOid;
	n->aggtranstype = InvalidOid;	/* set by the planner */
	n->aggargtypes = list_make1_oid(INT4OID);
	n->args = list_make1(makeTargetEntry((Expr *) makeFuncExpr(position, INT4OID,
																list_make2(copyObject(tmpl), person),
																InvalidOid, exprCollation(tmpl),
																COERCE_EXPLICIT_CALL),
										 1, NULL, false));
	n->aggfilter = a->aggfilter;
	n->aggkind = AGGKIND_NORMAL;
	n->agglevelsup = a->agglevelsup;
	n->aggsplit = AGGSPLIT_SIMPLE;
	n->aggno = -1;
	n->aggtransno = -1;
	n->location = a->location;
	return (Node *) makeFuncExpr(final, a->aggtype, list_make2(copyObject(tmpl), n),
								 a->aggcollid, exprCollation(tmpl), COERCE_EXPLICIT_CALL);
}

static Node *
shared_mutator(Node *node, SharedTallyContext *ctx)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Query))
	{
		Node	   *result;

		ctx->queries = lcons(node, ctx->queries);
		result = (Node *) query_tree_mutator((Query *) node, shared_mutator, ctx,
											 QTW_DONT_COPY_QUERY);
		ctx->queries = list_delete_first(ctx->queries);
		return result;
	}
	if (IsA(node, Aggref))
	{
		Aggref	   *a = (Aggref *) node;
		int			kind = -1;
		Node	   *shared = shared_form(a, (int) a->agglevelsup < list_length(ctx->queries) ?
										 list_nth(ctx->queries, a->agglevelsup) : NULL, &kind);

		if (shared != NULL)
		{
			ctx->changed = true;
			ctx->made = lappend(ctx->made, shared);
			ctx->kinds = lappend_int(ctx->kinds, kind);
			return shared;
		}
	}
	return expression_tree_mutator(node, shared_mutator, ctx);
}

/* Whether the template of constant tmpl fits packed position counts. */
static bool
packed_fits(Const *tmpl)
{
	BgTemplate *t = bg_template_lookup(TextDatumGetCString(tmpl->constvalue));
	uint64		header;

	return t != NULL && bg_packed_positions_header(t, &header);
}

/*
 * Function nsp.name(argtypes) when it is bg's C symbol and the current user
 * may execute it (who runs it on Citus's workers), or InvalidOid.
 */
static Oid
bg_executable(Oid nsp, const char *name, int nargs, Oid *argtypes, const char *symbol)
{
	Oid			oid = bg_named(nsp, name, nargs, argtypes, symbol);

	return OidIsValid(oid) && pg_proc_aclcheck(oid, GetUserId(), ACL_EXECUTE) == ACLCHECK_OK ?
		oid : InvalidOid;
}

/*
 * The packed form of the shared forms made (FuncExprs written by
 * shared_form, kinds their index in finals[]), in place:
 *
 *   bg.counts_X(T, bg.position_counts(bg.role_position(T, x)))
 *     ->  bg.packed_counts_X(T, bg.packed_position_counts(bg.packed_role_position(T, x)))
 *
 * (bg.role_name_position likewise) where T fits packed position counts,
 * X has a packed final (not bg.role_counts) and no shared form that stays
 * as it is has the same inner aggregate: one state, one evaluation per
 * person, rather than two.  All or nothing when a function is missing (an
 * older version of the extension's SQL objects) or the user may not
 * execute it (grants made before the update).
 */
static void
packed_positions_rewrite(List *made, List *kinds)
{
	int			n = list_length(made);
	bool	   *to;
	Oid			nsp;
	Oid			types[2] = {INT4OID, InvalidOid};
	Oid			agg;
	Oid			person;
	Oid			role;
	Oid			finalfns[lengthof(finals)];

	if (n == 0)
		return;
	nsp = get_func_namespace(((FuncExpr *) linitial(made))->funcid);
	agg = LookupFuncName(list_make2(makeString(get_namespace_name(nsp)),
									makeString(pstrdup("packed_position_counts"))), 1, types, true);
	if (!OidIsValid(agg) || !bg_is_module_symbol(bg_aggregate_fn(agg, false), "bg_packed_positions_trans") ||
		pg_proc_aclcheck(agg, GetUserId(), ACL_EXECUTE) != ACLCHECK_OK ||
		pg_proc_aclcheck(bg_aggregate_fn(agg, false), GetUserId(), ACL_EXECUTE) != ACLCHECK_OK)
		return;
	types[0] = types[1] = INT8OID;
	if (!OidIsValid(bg_executable(nsp, "packed_position_counts_combine", 2, types,
								  "bg_packed_positions_combine")))
		return;
	types[0] = TEXTOID;
	types[1] = ANYELEMENTOID;
	person = bg_executable(nsp, "packed_role_position", 2, types, "bg_packed_role_position");
	types[1] = TEXTOID;
	role = bg_executable(nsp, "packed_role_name_position", 2, types, "bg_packed_role_name_position");
	types[1] = INT8OID;
	for (int i = 0; i < (int) lengthof(finals); i++)
		finalfns[i] = finals[i].packed_name == NULL ? InvalidOid :
			bg_executable(nsp, finals[i].packed_name, 2, types, finals[i].packed_final);

	to = palloc0(sizeof(bool) * n);
	for (int i = 0; i < n; i++)
	{
		FuncExpr   *f = list_nth(made, i);
		Aggref	   *a = lsecond(f->args);
		FuncExpr   *pos = (FuncExpr *) ((TargetEntry *) linitial(a->args))->expr;

		to[i] = OidIsValid(finalfns[list_nth_int(kinds, i)]) &&
			(bg_is_module_symbol(pos->funcid, "bg_role_position") ? OidIsValid(person) : OidIsValid(role)) &&
			packed_fits(linitial(f->args));
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n && to[i]; j++)
			if (!to[j] && equal(lsecond(((FuncExpr *) list_nth(made, i))->args),
								lsecond(((FuncExpr *) list_nth(made, j))->args)))
				to[i] = false;
	for (int i = 0; i < n; i++)
	{
		FuncExpr   *f = list_nth(made, i);
		Aggref	   *a = lsecond(f->args);
		FuncExpr   *pos = (FuncExpr *) ((TargetEntry *) linitial(a->args))->expr;

		if (!to[i])
			continue;
		f->funcid = finalfns[list_nth_int(kinds, i)];
		a->aggfnoid = agg;
		a->aggtype = INT8OID;
		pos->funcid = bg_is_module_symbol(pos->funcid, "bg_role_position") ? person : role;
	}
	pfree(to);
}

/*
 * Rewrites the scoring aggregates of parse, a query on a Citus table, to
 * their shared form (in place); returns whether any was.
 */
bool
bg_shared_tally_rewrite(Query *parse)
{
	SharedTallyContext ctx = {NIL, false, NIL, NIL};

	(void) shared_mutator((Node *) parse, &ctx);
	packed_positions_rewrite(ctx.made, ctx.kinds);
	return ctx.changed;
}
