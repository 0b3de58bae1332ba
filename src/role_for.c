/*
 * role_for.c — the role-assignment functions of docs/design.md §5:
 * bg.role_for and bg.explain_role.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "cond.h"
#include "cond_eval.h"
#include "eval_args.h"

/* bg.role_for(template text, person anyelement) RETURNS text */
PG_FUNCTION_INFO_V1(bg_role_for);
Datum
bg_role_for(PG_FUNCTION_ARGS)
{
	BgEval	   *ev = bg_eval_for_call(fcinfo, 0, 1);
	int			r = bg_eval_role(ev);

	if (r < 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(ev->tmpl->roles[r].role, ev->rolelen[r]));
}

/*
 * bg.role_for(template text, columns text[], VARIADIC values "any") RETURNS
 * text: the same over a person given as column values (eval_args.c), NULL
 * without a template, names or person.
 */
PG_FUNCTION_INFO_V1(bg_role_for_columns);
Datum
bg_role_for_columns(PG_FUNCTION_ARGS)
{
	BgEval	   *ev;
	bool		person;
	int			r;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	ev = bg_eval_for_args(fcinfo, 0, &person);
	if (!person)
		PG_RETURN_NULL();
	r = bg_eval_role(ev);
	if (r < 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(ev->tmpl->roles[r].role, ev->rolelen[r]));
}

/*
 * bg.explain_role(template text, person anyelement) RETURNS TABLE(priority,
 * role, condition, matched, assigned, matched_predicates)
 */
PG_FUNCTION_INFO_V1(bg_explain_role);
Datum
bg_explain_role(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BgEval	   *ev;
	bool		assigned = false;

	InitMaterializedSRF(fcinfo, 0);
	ev = bg_eval_for_call(fcinfo, 0, 1);
	for (int i = 0; i < ev->tmpl->nroles; i++)
	{
		BgTemplateRole *r = &ev->tmpl->roles[i];
		Datum		values[6];
		bool		nulls[6] = {false};
		bool		matched = ev->conds[i] && bg_eval_node(ev, ev->conds[i]);
		ArrayBuildState *astate = initArrayResult(TEXTOID, CurrentMemoryContext, false);

		for (int k = 0; k < ev->pred_count[i]; k++)
		{
			BgEvalPred *p = ev->preds[ev->pred_first[i] + k];

			if (bg_eval_pred(ev, p))
			{
				StringInfoData buf;

				initStringInfo(&buf);
				bg_print_pred(&buf, p->src);
				accumArrayResult(astate, CStringGetTextDatum(buf.data), false,
								 TEXTOID, CurrentMemoryContext);
			}
		}
		values[0] = Int32GetDatum(r->priority);
		values[1] = CStringGetTextDatum(r->role);
		if (r->condition)
			values[2] = CStringGetTextDatum(r->condition);
		else
			nulls[2] = true;
		values[3] = BoolGetDatum(matched);
		values[4] = BoolGetDatum(matched && !assigned);
		values[5] = makeArrayResult(astate, CurrentMemoryContext);
		if (matched)
			assigned = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
