/*
 * plan_rewrite.c — a planner hook that narrows whole-row arguments.
 *
 * bg.role_for('T', p) and the scoring aggregates over (template, p) take the
 * whole row p.  PostgreSQL builds a whole-row value by deforming every column
 * and forming a new tuple, for every row; on a wide people table that costs
 * more than evaluating the template.  When p is a table's row, this hook
 * replaces p by ROW(col1, col2, ...) of just the columns the template's
 * conditions read (named, so bg still resolves them by name), before
 * planning.  The template is a constant, or a bound parameter: in a custom
 * plan its value, in a generic plan any template of the catalog (the
 * columns they read together).  bg.predict_role('model', p) and
 * bg.explain_prediction are narrowed the same way to the model's job title
 * and extra columns, when the model is known at planning (a generic plan
 * keeps the whole row).
 *
 * The plan then depends on the template: bg_internal.template_role is added to the
 * plan's relation dependencies, and every change of bg's catalog sends a
 * relcache invalidation of that table (see template_cache.c), which makes
 * PostgreSQL re-plan cached plans.  If anything is unusual (template unknown,
 * a column missing, a non-table row) the argument is left as it is and the
 * evaluator reports any error at run time, as without the hook.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "agg_tally.h"
#include "citus.h"
#include "cond.h"
#include "plan_args.h"
#include "plan_rewrite.h"
#include "role_model.h"
#include "template_cache.h"

static planner_hook_type prev_planner_hook = NULL;

typedef struct RewriteContext
{
	List	   *queries;		/* the Query being walked, innermost first */
	ParamListInfo params;		/* the planner's bound parameters, or NULL */
	bool		changed;
	List	   *twins;			/* the innermost query's twin aggregates */
	List	   *fits;			/* for each: whether a packed tally fits */
} RewriteContext;

/* Whether funcid is the C function symbol of bg's module. */
static bool
is_bg_symbol(Oid funcid, const char *symbol)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	bool		result = false;

	if (!HeapTupleIsValid(tup))
		return false;
	if (((Form_pg_proc) GETSTRUCT(tup))->prolang == ClanguageId)
	{
		bool		isnull;
		Datum		src = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_prosrc, &isnull);
		Datum		bin;

		if (!isnull && strcmp(TextDatumGetCString(src), symbol) == 0)
		{
			bin = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_probin, &isnull);
			if (!isnull)
			{
				char	   *path = TextDatumGetCString(bin);
				int			len = strlen(path);

				result = len >= 3 && strcmp(path + len - 3, "/bg") == 0;
			}
		}
	}
	ReleaseSysCache(tup);
	return result;
}

/* Whether funcid is the C function symbol of bg's module (for citus.c). */
bool
bg_is_module_symbol(Oid funcid, const char *symbol)
{
	return is_bg_symbol(funcid, symbol);
}

/*
 * The transition function (with final, the final function) of aggregate
 * aggfnoid, or InvalidOid.
 */
Oid
bg_aggregate_fn(Oid aggfnoid, bool final)
{
	HeapTuple	tup = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(aggfnoid));
	Form_pg_aggregate agg;
	Oid			fn;

	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	agg = (Form_pg_aggregate) GETSTRUCT(tup);
	fn = final ? agg->aggfinalfn : agg->aggtransfn;
	ReleaseSysCache(tup);
	return fn;
}

/* Whether aggfnoid is an aggregate whose transition function is symbol of bg's module. */
bool
bg_is_module_aggregate(Oid aggfnoid, const char *symbol)
{
	return is_bg_symbol(bg_aggregate_fn(aggfnoid, false), symbol);
}

static bool
is_person_aggregate(Oid aggfnoid)
{
	return bg_is_module_aggregate(aggfnoid, "bg_tally_person_trans");
}

static bool
is_person_function(Oid funcid)
{
	return is_bg_symbol(funcid, "bg_role_for") || is_bg_symbol(funcid, "bg_explain_role") ||
		is_bg_symbol(funcid, "bg_role_position") || is_bg_symbol(funcid, "bg_packed_role_position");
}

static bool
is_model_function(Oid funcid)
{
	return is_bg_symbol(funcid, "bg_predict_role") || is_bg_symbol(funcid, "bg_explain_prediction");
}

/*
 * The bound value of parameter param when planning may take it as a
 * constant, or NULL.
 */
static ParamExternData *
bound_param(RewriteContext *ctx, Param *param, ParamExternData *prmdata)
{
	ParamListInfo params = ctx->params;
	ParamExternData *prm;

	if (params == NULL || param->paramid < 1 || param->paramid > params->numParams)
		return NULL;
	if (params->paramFetch != NULL)
		prm = params->paramFetch(params, param->paramid, true, prmdata);
	else
		prm = &params->params[param->paramid - 1];
	if (prm->ptype != param->paramtype || !(prm->pflags & PARAM_FLAG_CONST))
		return NULL;
	return prm;
}

/*
 * The value of the text parameter param when planning may take it as a
 * constant (a custom plan: the rule eval_const_expressions folds it by), or
 * NULL: a generic plan, or a value that may change between executions.
 */
static char *
param_value(RewriteContext *ctx, Param *param)
{
	ParamExternData prmdata;
	ParamExternData *prm = bound_param(ctx, param, &prmdata);

	if (prm == NULL || prm->isnull)
		return NULL;
	return TextDatumGetCString(prm->value);
}

/* arg without its binary casts: drivers bind strings as varchar (pgjdbc's default), text over it */
static Node *
strip_relabel(Node *arg)
{
	while (arg != NULL && IsA(arg, RelabelType))
		arg = (Node *) ((RelabelType *) arg)->arg;
	return arg;
}

/*
 * Whether template argument arg is NULL, as a constant or a parameter the
 * plan may take as constant: the STRICT bg.role_for is then folded to NULL
 * when planning, which its twin would not be.
 */
static bool
null_template(RewriteContext *ctx, Node *arg)
{
	ParamExternData prmdata;
	ParamExternData *prm;

	arg = strip_relabel(arg);
	if (arg != NULL && IsA(arg, Const))
		return ((Const *) arg)->constisnull;
	if (arg == NULL || !IsA(arg, Param) || ((Param *) arg)->paramkind != PARAM_EXTERN)
		return false;
	prm = bound_param(ctx, (Param *) arg, &prmdata);
	return prm != NULL && prm->isnull;
}

/*
 * The text of a template or model argument when the plan may take it as a
 * constant, or NULL; *generic: a parameter of a generic plan.
 */
static char *
arg_name(RewriteContext *ctx, Node *arg, bool *generic)
{
	*generic = false;
	arg = strip_relabel(arg);
	if (arg == NULL)
		return NULL;
	if (IsA(arg, Const) && !((Const *) arg)->constisnull &&
		(((Const *) arg)->consttype == TEXTOID || ((Const *) arg)->consttype == VARCHAROID))
		return TextDatumGetCString(((Const *) arg)->constvalue);
	if (IsA(arg, Param) && ((Param *) arg)->paramkind == PARAM_EXTERN &&
		(((Param *) arg)->paramtype == TEXTOID || ((Param *) arg)->paramtype == VARCHAROID))
	{
		char	   *name = param_value(ctx, (Param *) arg);

		*generic = (name == NULL);
		return name;
	}
	return NULL;
}

/*
 * The columns a person argument must carry for template argument tmpl, or
 * NIL when it must stay as it is.  A constant template, or a bound parameter
 * whose value the plan may take as constant: the columns its conditions
 * read.  A parameter of a generic plan (PREPARE, drivers' named statements,
 * PL/pgSQL after five runs): the columns of every template of bg's catalog,
 * as the plan is made again when the catalog changes.
 */
static List *
template_columns(RewriteContext *ctx, Node *tmpl)
{
	bool		generic;
	char	   *name = arg_name(ctx, tmpl, &generic);
	BgTemplate *t;
	List	   *names = NIL;

	if (generic)
		return bg_catalog_columns();
	if (name == NULL)
		return NIL;
	t = bg_template_lookup(name);
	if (t == NULL)
		return NIL;
	for (int i = 0; i < t->nroles; i++)
		if (t->roles[i].tree)
			names = bg_node_columns(t->roles[i].tree, names, true);
	return names;
}

/*
 * The columns a person argument of bg.predict_role or
 * bg.explain_prediction must carry for model argument model: the model's
 * job title and extra columns when the model is known when planning; else
 * NIL (the row stays whole).
 */
static List *
model_columns(RewriteContext *ctx, Node *model)
{
	bool		generic;
	char	   *name = arg_name(ctx, model, &generic);

	return name != NULL ? bg_role_model_columns(name) : NIL;
}

/*
 * The columns that person (a whole-row Var of a table of the current query,
 * whose range table entry is set in *rte) must carry for the template (or,
 * with is_model, role model) argument tmpl, or NIL when the argument must
 * stay as it is.
 */
static List *
person_columns(RewriteContext *ctx, Node *tmpl, Node *person, bool is_model,
			   RangeTblEntry **rte)
{
	Var		   *var = (Var *) person;
	Query	   *q;

	if (person == NULL || !IsA(person, Var) || var->varattno != 0 || var->varlevelsup != 0 ||
		ctx->queries == NIL)
		return NIL;
	q = linitial(ctx->queries);
	if (var->varno < 1 || var->varno > list_length(q->rtable))
		return NIL;
	*rte = rt_fetch(var->varno, q->rtable);
	/* Citus's workers narrow their shard queries themselves (citus.c) */
	if ((*rte)->rtekind != RTE_RELATION || bg_citus_table((*rte)->relid))
		return NIL;
	return is_model ? model_columns(ctx, tmpl) : template_columns(ctx, tmpl);
}

/*
 * Whether every template that template argument tmpl may name at run time
 * fits a packed tally (agg_packed.c): a constant's template, or in a
 * generic plan every template of the catalog.
 */
static bool
packed_fits(RewriteContext *ctx, Node *tmpl)
{
	bool		generic;
	char	   *name = arg_name(ctx, tmpl, &generic);
	BgTemplate *t;

	if (generic)
		return bg_packed_catalog_fits();
	return name != NULL && (t = bg_template_lookup(name)) != NULL && bg_packed_empty(t) != 0;
}

/*
 * Replaces call (bg.role_for or a person aggregate over tmpl and person) by
 * its twin over the columns the template reads (plan_args.c); false when
 * it cannot.
 */
static bool
pass_columns(RewriteContext *ctx, Node *call, Node *tmpl, Node *person)
{
	RangeTblEntry *rte = NULL;
	List	   *names;

	if (null_template(ctx, tmpl))
		return false;
	names = person_columns(ctx, tmpl, person, false, &rte);
	if (names == NIL ||
		!bg_args_rewrite(call, linitial(ctx->queries), (Var *) person, rte, names))
		return false;
	ctx->changed = true;
	return true;
}

/*
 * The narrowed replacement of person (a whole-row Var) for the template (or,
 * with is_model, role model) argument tmpl, or NULL when the argument must
 * stay as it is.  On the nullable side of an outer join the row is guarded
 * so that a missing person stays NULL (plan_null_person.c).
 */
static Node *
narrow_person(RewriteContext *ctx, Node *tmpl, Node *person, bool is_model)
{
	Var		   *var = (Var *) person;
	RangeTblEntry *rte = NULL;
	List	   *names = person_columns(ctx, tmpl, person, is_model, &rte);
	RowExpr    *row;
	Node	   *guarded;
	ListCell   *lc;

	if (names == NIL)
		return NULL;

	row = makeNode(RowExpr);
	row->row_typeid = RECORDOID;
	row->row_format = COERCE_IMPLICIT_CAST;
	row->location = var->location;
	row->args = bg_column_vars(var, rte, names);
	if (row->args == NIL)
		return NULL;			/* missing or a system column: keep p */
	foreach(lc, names)
		row->colnames = lappend(row->colnames, makeString(pstrdup(lfirst(lc))));
	guarded = bg_null_person_guard(linitial(ctx->queries), var, rte->relid, (Node *) row);
	if (guarded == NULL)
		return NULL;
	ctx->changed = true;
	return guarded;
}

static bool
rewrite_walker(Node *node, RewriteContext *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		bool		result;

		List	   *twins = ctx->twins;
		List	   *fits = ctx->fits;

		ctx->queries = lcons(node, ctx->queries);
		ctx->twins = ctx->fits = NIL;
		result = query_tree_walker((Query *) node, rewrite_walker, ctx, 0);
		/* the query's twin aggregates, packed where they may be */
		bg_packed_rewrite(ctx->twins, ctx->fits);
		ctx->twins = twins;
		ctx->fits = fits;
		ctx->queries = list_delete_first(ctx->queries);
		return result;
	}
	if (IsA(node, FuncExpr))
	{
		FuncExpr   *f = (FuncExpr *) node;

		if (list_length(f->args) == 2 && IsA(lsecond(f->args), Var))
		{
			bool		is_model = is_model_function(f->funcid);

			if ((is_model || is_person_function(f->funcid)) &&
				(is_model || !is_bg_symbol(f->funcid, "bg_role_for") ||
				 !pass_columns(ctx, node, linitial(f->args), lsecond(f->args))))
			{
				Node	   *row = narrow_person(ctx, linitial(f->args), lsecond(f->args), is_model);

				if (row)
					lsecond(f->args) = row;
			}
		}
	}
	else if (IsA(node, Aggref))
	{
		Aggref	   *a = (Aggref *) node;

		/*
		 * Not under DISTINCT: distinct narrowed rows are not distinct people
		 * (nor with ORDER BY, which adds arguments).
		 */
		if (a->aggdistinct == NIL && a->aggorder == NIL &&
			list_length(a->args) == 2 && list_length(a->aggargtypes) == 2 &&
			IsA(((TargetEntry *) lsecond(a->args))->expr, Var) &&
			is_person_aggregate(a->aggfnoid))
		{
			TargetEntry *te = lsecond(a->args);
			Node	   *tmpl = (Node *) ((TargetEntry *) linitial(a->args))->expr;
			Node	   *row = NULL;

			if (!pass_columns(ctx, node, tmpl, (Node *) te->expr))
				row = narrow_person(ctx, tmpl, (Node *) te->expr, false);
			else if (a->agglevelsup == 0)
			{
				ctx->twins = lappend(ctx->twins, a);
				ctx->fits = lappend_int(ctx->fits, packed_fits(ctx, tmpl));
			}
			if (row)
			{
				te->expr = (Expr *) row;
				lsecond_oid(a->aggargtypes) = RECORDOID;
			}
		}
	}
	else if (IsA(node, WindowFunc))
	{
		WindowFunc *w = (WindowFunc *) node;

		if (list_length(w->args) == 2 && IsA(lsecond(w->args), Var) &&
			is_person_aggregate(w->winfnoid))
		{
			Node	   *row = NULL;

			if (!pass_columns(ctx, node, linitial(w->args), lsecond(w->args)))
				row = narrow_person(ctx, linitial(w->args), lsecond(w->args), false);
			if (row)
				lsecond(w->args) = row;
		}
	}
	return expression_tree_walker(node, rewrite_walker, ctx);
}

static PlannedStmt *
bg_planner(Query *parse, const char *query_string, int cursorOptions,
		   ParamListInfo boundParams)
{
	RewriteContext ctx = {NIL, boundParams, false, NIL, NIL};
	PlannedStmt *result;

	ctx.changed = bg_citus_rewrite(parse, boundParams);
	(void) rewrite_walker((Node *) parse, &ctx);
	if (prev_planner_hook)
		result = prev_planner_hook(parse, query_string, cursorOptions, boundParams);
	else
		result = standard_planner(parse, query_string, cursorOptions, boundParams);
	if (ctx.changed)
	{
		Oid			relid = bg_template_role_relid();

		/* re-plan when any roles template or role model changes */
		if (OidIsValid(relid))
			result->relationOids = lappend_oid(result->relationOids, relid);
	}
	return result;
}

void
bg_plan_rewrite_init(void)
{
	prev_planner_hook = planner_hook;
	planner_hook = bg_planner;
}
