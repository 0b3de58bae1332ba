/*
 * plan_args.c — the planner hook's twins (called from plan_rewrite.c).
 *
 * Narrowing a person row to ROW(the template's columns) still forms a row
 * for every person, which the evaluator then deforms: that alone took as
 * long as the bare scan of the people.  bg.role_for and the four person
 * aggregates have twins over (template text, columns text[], VARIADIC
 * values "any"), of the same name and schema, that read the values as
 * arguments (eval_args.c).  Where the hook knows the columns a call's
 * template reads, it calls the twin: f(T, p) becomes f(T, '{a,b}', p.a,
 * p.b).  The state type, combine and final functions of the aggregates are
 * the same, so partial states of either combine.
 *
 * When an outer join may leave the person's table NULL-extended, the values
 * of a missing person are NULLs, as a real person's may be: the call then
 * also passes the table's ctid under a NULL name, NULL exactly when there
 * is no person, so that the twin answers as for a NULL row (role NULL; the
 * group exists, empty).
 *
 * The twin is checked by the executor instead of the original: it is used
 * only when the user planning may execute it (bg.grant_access grants both
 * alike, by name), else the hook narrows the row as before.
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "plan_args.h"
#include "plan_rewrite.h"

/*
 * Whether jointree node jt (under the nullable side of an outer join when
 * nullable) holds relation rtindex; *result then says whether it is
 * nullable there.
 */
static bool
find_rel(Node *jt, int rtindex, bool nullable, bool *result)
{
	if (jt == NULL)
		return false;
	check_stack_depth();
	if (IsA(jt, RangeTblRef))
	{
		if (((RangeTblRef *) jt)->rtindex != rtindex)
			return false;
		*result = nullable;
		return true;
	}
	if (IsA(jt, FromExpr))
	{
		ListCell   *lc;

		foreach(lc, ((FromExpr *) jt)->fromlist)
			if (find_rel(lfirst(lc), rtindex, nullable, result))
				return true;
		return false;
	}
	if (IsA(jt, JoinExpr))
	{
		JoinExpr   *j = (JoinExpr *) jt;
		bool		left = j->jointype == JOIN_RIGHT || j->jointype == JOIN_FULL;
		bool		right = j->jointype == JOIN_LEFT || j->jointype == JOIN_FULL;

		return find_rel(j->larg, rtindex, nullable || left, result) ||
			find_rel(j->rarg, rtindex, nullable || right, result);
	}
	return false;
}

/*
 * A Var of person's relation (rte) for each of the columns names, or NIL
 * when one is missing or a system column.
 */
List *
bg_column_vars(Var *person, RangeTblEntry *rte, List *names)
{
	List	   *vars = NIL;
	ListCell   *lc;

	foreach(lc, names)
	{
		AttrNumber	attnum = get_attnum(rte->relid, lfirst(lc));
		Oid			typid;
		int32		typmod;
		Oid			collid;

		if (attnum <= 0)
			return NIL;
		get_atttypetypmodcoll(rte->relid, attnum, &typid, &typmod, &collid);
		vars = lappend(vars, makeVar(person->varno, attnum, typid, typmod, collid, 0));
	}
	return vars;
}

/*
 * Whether relation rtindex of q may be NULL-extended by an outer join (or
 * is not found in q's join tree: treated as nullable, except the target of
 * an UPDATE or DELETE, which is never).
 */
bool
bg_rel_nullable(Query *q, int rtindex)
{
	bool		result = true;

	if ((q->commandType == CMD_UPDATE || q->commandType == CMD_DELETE) &&
		rtindex == q->resultRelation)
		return false;
	if (!find_rel((Node *) q->jointree, rtindex, false, &result))
		return true;
	return result;
}

/*
 * The twin of bg function or aggregate fnoid (same schema and name, over
 * (text, text[], VARIADIC "any"), of bg's module) when the current user may
 * execute it, else InvalidOid.
 */
static Oid
twin_of(Oid fnoid, bool is_agg)
{
	Oid			argtypes[3] = {TEXTOID, TEXTARRAYOID, ANYOID};
	char	   *nsp = get_namespace_name(get_func_namespace(fnoid));
	char	   *name = get_func_name(fnoid);
	Oid			twin;

	if (nsp == NULL || name == NULL)
		return InvalidOid;
	twin = LookupFuncName(list_make2(makeString(nsp), makeString(name)), 3, argtypes, true);
	if (!OidIsValid(twin))
		return InvalidOid;
	if (is_agg ? !bg_is_module_aggregate(twin, "bg_tally_columns_trans") :
		!bg_is_module_symbol(twin, "bg_role_for_columns"))
		return InvalidOid;
	if (pg_proc_aclcheck(twin, GetUserId(), ACL_EXECUTE) != ACLCHECK_OK)
		return InvalidOid;
	return twin;
}

/*
 * The arguments that replace person (a whole-row Var of relation rte of q):
 * the names as a constant, a Var per named column and, when an outer join
 * may NULL-extend the relation, its ctid under a NULL name; NIL when a
 * column is missing or a relation may be NULL-extended that has no ctid.
 */
static List *
column_args(Query *q, Var *person, RangeTblEntry *rte, List *names)
{
	bool		nullable = bg_rel_nullable(q, person->varno);
	int			n = list_length(names) + (nullable ? 1 : 0);
	Datum	   *elems = palloc(sizeof(Datum) * n);
	bool	   *enulls = palloc0(sizeof(bool) * n);
	int			dims[1] = {n};
	int			lbs[1] = {1};
	List	   *vars = bg_column_vars(person, rte, names);
	ListCell   *lc;
	int			i = 0;

	if (vars == NIL)
		return NIL;
	foreach(lc, names)
		elems[i++] = CStringGetTextDatum(lfirst(lc));
	if (nullable)
	{
		char		kind = get_rel_relkind(rte->relid);

		if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE &&
			kind != RELKIND_MATVIEW)
			return NIL;
		vars = lappend(vars, makeVar(person->varno, SelfItemPointerAttributeNumber,
									 TIDOID, -1, InvalidOid, 0));
		enulls[i++] = true;
	}
	Assert(i == n);
	return lcons(makeConst(TEXTARRAYOID, -1, InvalidOid, -1,
						   PointerGetDatum(construct_md_array(elems, enulls, 1, dims, lbs,
															  TEXTOID, -1, false, TYPALIGN_INT)),
						   false, false),
				 vars);
}

/* The types of args (expressions). */
static List *
arg_types(List *args)
{
	List	   *types = NIL;
	ListCell   *lc;

	foreach(lc, args)
		types = lappend_oid(types, exprType(lfirst(lc)));
	return types;
}

/*
 * Replaces call (a FuncExpr of bg.role_for, an Aggref or WindowFunc of a
 * person aggregate, over (template, person)) in place by its twin over the
 * columns names of person, a whole-row Var of relation rte of q.  Returns
 * false, changing nothing, when it cannot (the caller then narrows the row).
 */
bool
bg_args_rewrite(Node *call, Query *q, Var *person, RangeTblEntry *rte, List *names)
{
	List	   *cols;
	Oid			twin;

	if (IsA(call, FuncExpr))
	{
		FuncExpr   *f = (FuncExpr *) call;

		if ((twin = twin_of(f->funcid, false)) == InvalidOid ||
			(cols = column_args(q, person, rte, names)) == NIL)
			return false;
		f->funcid = twin;
		f->funcvariadic = false;
		f->args = lcons(linitial(f->args), cols);
		return true;
	}
	if (IsA(call, Aggref))
	{
		Aggref	   *a = (Aggref *) call;
		List	   *args;
		List	   *tes = NIL;
		ListCell   *lc;

		if ((twin = twin_of(a->aggfnoid, true)) == InvalidOid ||
			(cols = column_args(q, person, rte, names)) == NIL)
			return false;
		args = lcons(((TargetEntry *) linitial(a->args))->expr, cols);
		foreach(lc, args)
			tes = lappend(tes, makeTargetEntry(lfirst(lc), list_length(tes) + 1, NULL, false));
		a->aggfnoid = twin;
		a->aggvariadic = false;
		a->args = tes;
		a->aggargtypes = arg_types(args);
		return true;
	}
	if (IsA(call, WindowFunc))
	{
		WindowFunc *w = (WindowFunc *) call;

		if ((twin = twin_of(w->winfnoid, true)) == InvalidOid ||
			(cols = column_args(q, person, rte, names)) == NIL)
			return false;
		w->winfnoid = twin;
		w->args = lcons(linitial(w->args), cols);
		return true;
	}
	return false;
}
