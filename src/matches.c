/*
 * matches.c — bg.matches(condition, row): one condition of the condition language (docs/design.md §4)
 * evaluated over any row, as dynamic account lists filter accounts.
 *
 * The condition is compiled once per call site (fn_extra) as a one-role
 * template, so it runs through the same evaluator as role conditions.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "call_cache.h"
#include "cond.h"
#include "cond_eval.h"

/* A condition compiled as a one-role template (role 0 = it matches). */
BgEval *
bg_eval_compile_condition(const char *source, Oid rowtype, int32 rowtypmod, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	BgTemplate *tmpl = palloc0(sizeof(BgTemplate));
	BgTemplateRole *r = palloc0(sizeof(BgTemplateRole));
	TupleDesc	desc = lookup_rowtype_tupdesc_copy(rowtype, rowtypmod);
	BgEval	   *ev;

	r->role = "match";
	r->priority = 1;
	r->condition = pstrdup(source);
	r->tree = bg_parse(source);
	r->required = true;
	r->members_required = 1;
	tmpl->name = "condition";
	tmpl->nroles = 1;
	tmpl->roles = r;
	MemoryContextSwitchTo(old);
	ev = bg_eval_compile(tmpl, desc, cxt);
	return ev;
}

/* bg.matches(condition text, item anyelement) RETURNS boolean */
PG_FUNCTION_INFO_V1(bg_matches);
Datum
bg_matches(PG_FUNCTION_ARGS)
{
	BgCallCache *cc = fcinfo->flinfo->fn_extra;
	text	   *cond = PG_GETARG_TEXT_PP(0);
	const char *cd = VARDATA_ANY(cond);
	int			condlen = VARSIZE_ANY_EXHDR(cond);
	HeapTupleHeader row;
	BgEval	   *ev;

	if (cc == NULL)
	{
		Oid			argtype = get_fn_expr_argtype(fcinfo->flinfo, 1);

		if (!OidIsValid(argtype) || !type_is_rowtype(argtype))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("the item argument must be a row, not type %s",
							OidIsValid(argtype) ? format_type_be(argtype) : "unknown"),
					 errhint("Pass a whole row, such as a in SELECT bg.matches('country is ''US''', a) FROM accounts a.")));
		/*
		 * A constant condition is compiled once; another is compared in
		 * place on every call (no copy per row).
		 */
		cc = bg_call_cache_create(fcinfo, bg_arg_is_const(fcinfo, 0));
	}
	row = bg_row_arg(fcinfo, 1);	/* once known to be a row */

	/*
	 * A condition reads nothing from bg's catalog: a change there (a
	 * template edited while a dynamic list is refreshed) keeps it compiled.
	 */
	if (cc->data != NULL)
		cc->generation = bg_catalog_generation;
	if (!bg_call_cache_fresh(cc, cd, condlen, row))
	{
		uint64		generation = bg_call_cache_reset(cc);
		char	   *source = text_to_cstring(cond);

		ev = bg_eval_compile_condition(source, HeapTupleHeaderGetTypeId(row),
							   HeapTupleHeaderGetTypMod(row), cc->cxt);
		bg_call_cache_store(cc, ev, generation, cd, condlen, row);
		pfree(source);
	}
	ev = cc->data;
	bg_eval_set_row(ev, row);
	PG_RETURN_BOOL(bg_eval_role(ev) == 0);
}

/*
 * bg_internal._condition_columns(condition text) RETURNS text[]: the column names a
 * condition reads (with repeats), so that live mode fires only on updates of
 * those columns.
 */
PG_FUNCTION_INFO_V1(bg_condition_columns);
Datum
bg_condition_columns(PG_FUNCTION_ARGS)
{
	BgNode	   *node = bg_parse(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	ArrayBuildState *astate = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	ListCell   *lc;

	foreach(lc, bg_node_columns(node, NIL, false))
		accumArrayResult(astate, CStringGetTextDatum(lfirst(lc)), false,
						 TEXTOID, CurrentMemoryContext);
	PG_RETURN_DATUM(makeArrayResult(astate, CurrentMemoryContext));
}

/*
 * bg_internal._condition_literals(condition text, column text) RETURNS
 * text[]: the values a condition looks for in one column (bg_node_literals),
 * for bg.acquisition_targets' job titles.
 */
PG_FUNCTION_INFO_V1(bg_condition_literals);
Datum
bg_condition_literals(PG_FUNCTION_ARGS)
{
	BgNode	   *node = bg_parse(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	char	   *column = text_to_cstring(PG_GETARG_TEXT_PP(1));
	ArrayBuildState *astate = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	ListCell   *lc;

	foreach(lc, bg_node_literals(node, column, false, NIL))
		accumArrayResult(astate, CStringGetTextDatum(lfirst(lc)), false,
						 TEXTOID, CurrentMemoryContext);
	PG_RETURN_DATUM(makeArrayResult(astate, CurrentMemoryContext));
}
