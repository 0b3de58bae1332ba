/*
 * role_for.c — the role-assignment functions of DESIGN §5: bg.role_for,
 * bg.explain_role and bg.check_condition.
 */
#include "postgres.h"

#include "access/relation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "casefold.h"
#include "cond.h"
#include "cond_eval.h"

/* bg.role_for(template text, person anyelement) RETURNS text */
PG_FUNCTION_INFO_V1(bg_role_for);
Datum
bg_role_for(PG_FUNCTION_ARGS)
{
	BgEval	   *ev = bg_eval_for_call(fcinfo, 0, 1);
	int			r = bg_eval_role(ev);

	if (r < 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(ev->tmpl->roles[r].role));
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

/* The bound people table, or InvalidOid. */
static Oid
bound_people(void)
{
	Oid			relid = InvalidOid;
	int			rc;

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	rc = SPI_execute("SELECT relid::pg_catalog.oid FROM bg.binding "
					 "WHERE kind OPERATOR(pg_catalog.=) 'people'", true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading bg.binding failed: %s", SPI_result_code_string(rc));
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			relid = DatumGetObjectId(d);
	}
	SPI_finish();
	return relid;
}

/*
 * bg.check_condition(condition text, against regclass DEFAULT NULL)
 * RETURNS text: the canonical text of the condition, after checking it
 * against the given table, or the bound people table when none is given
 * (syntax only when nothing is bound).
 */
PG_FUNCTION_INFO_V1(bg_check_condition);
Datum
bg_check_condition(PG_FUNCTION_ARGS)
{
	char	   *source;
	BgNode	   *node;
	Oid			relid;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	source = text_to_cstring(PG_GETARG_TEXT_PP(0));
	node = bg_parse(source);
	relid = PG_ARGISNULL(1) ? bound_people() : PG_GETARG_OID(1);
	if (OidIsValid(relid))
	{
		Relation	rel = try_relation_open(relid, AccessShareLock);
		char	   *what;

		if (rel == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("the table to check the condition against (OID %u) does not exist", relid),
					 PG_ARGISNULL(1) ?
					 errhint("The people table bound with bg.bind_people was dropped; bind the new one.") : 0));
		what = psprintf("table %s",
									quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
															   RelationGetRelationName(rel)));

		bg_check_node(node, RelationGetDescr(rel), what, source);
		relation_close(rel, AccessShareLock);
	}
	PG_RETURN_TEXT_P(cstring_to_text(bg_canonical(node)));
}

/*
 * bg._fold(text) RETURNS text: the trimmed, case-folded form that text
 * comparisons use; it keeps role names unique whatever the database locale.
 */
PG_FUNCTION_INFO_V1(bg_fold_text);
Datum
bg_fold_text(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	char	   *folded;

	bg_trim(&s, &len);
	folded = bg_fold_copy(s, len, &len);

	PG_RETURN_TEXT_P(cstring_to_text_with_len(folded, len));
}
