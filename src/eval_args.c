/*
 * eval_args.c — a roles template evaluated over a person given as column
 * values (see eval_args.h).
 *
 * Arguments tmpl_argno (the template), tmpl_argno + 1 (columns: the names
 * of the values) and every argument after it (the values).  The template is
 * compiled once per call site, as bg.role_for compiles it for a row type,
 * against a tuple descriptor made of the names and the values' declared
 * types; each call then only copies the values into a virtual slot that the
 * evaluator reads: no row is formed and none deformed.  A NULL name marks a
 * value that is NULL exactly when there is no person (the planner hook
 * passes the table's ctid there when an outer join may leave the table's
 * side empty); the evaluator never reads it.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "call_cache.h"
#include "eval_args.h"

/* Per call site (a BgCallCache's data). */
typedef struct BgArgsEval
{
	BgEval	   *ev;
	struct varlena *names;		/* the columns argument compiled for */
	bool		names_const;	/* the columns argument is a constant */
	int			nvalues;
	int			nmarkers;
	int		   *markers;		/* values whose NULL means: no person */
} BgArgsEval;

static bool
same_names(const BgArgsEval *ae, Datum names)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(names);

	return VARSIZE_ANY(v) == VARSIZE_ANY(ae->names) &&
		memcmp(v, ae->names, VARSIZE_ANY(v)) == 0;
}

/*
 * Compiles the template called name for values named by names (a text
 * array of nvalues elements) of the types of this call's arguments from
 * first on, in cc's context.
 */
static BgArgsEval *
compile(FunctionCallInfo fcinfo, BgCallCache *cc, text *name, Datum names,
		int first, int nvalues)
{
	ArrayType  *arr = DatumGetArrayTypeP(names);
	Datum	   *elems;
	bool	   *enulls;
	int			n;
	TupleDesc	desc;
	BgTemplate *tmpl;
	BgArgsEval *ae;
	MemoryContext old;

	if (get_fn_expr_variadic(fcinfo->flinfo))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the column values must be separate arguments, not a VARIADIC array")));
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("the column names must be a one-dimensional array")));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &n);
	if (n != nvalues)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the column names do not match the values"),
				 errdetail("There are %d names and %d values.", n, nvalues),
				 errhint("Name each value that follows the names, in order.")));
	tmpl = bg_template_get(text_to_cstring(name));

	old = MemoryContextSwitchTo(cc->cxt);
	ae = palloc0(sizeof(BgArgsEval));
	ae->nvalues = nvalues;
	ae->markers = palloc(sizeof(int) * Max(nvalues, 1));
	desc = CreateTemplateTupleDesc(nvalues);
	for (int i = 0; i < nvalues; i++)
	{
		Oid			argtype = get_fn_expr_argtype(fcinfo->flinfo, first + i);

		if (!OidIsValid(argtype))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("could not determine the types of the column values")));
		TupleDescInitEntry(desc, i + 1,
						   enulls[i] ? NULL : TextDatumGetCString(elems[i]),
						   argtype, -1, 0);
		if (enulls[i])
		{
			/* no condition can name it */
			TupleDescAttr(desc, i)->attisdropped = true;
			ae->markers[ae->nmarkers++] = first + i;
		}
	}
	ae->ev = bg_eval_compile(tmpl, desc, cc->cxt);
	ae->ev->tmpl_const = cc->key_const;

	/* the evaluator reads the values from a virtual slot, set per call */
	ExecDropSingleTupleTableSlot(ae->ev->slot);
	ae->ev->slot = MakeSingleTupleTableSlot(ae->ev->desc, &TTSOpsVirtual);
	ExecStoreAllNullTuple(ae->ev->slot);
	ae->names = palloc(VARSIZE_ANY(DatumGetPointer(names)));
	memcpy(ae->names, DatumGetPointer(names), VARSIZE_ANY(DatumGetPointer(names)));
	ae->names_const = bg_arg_is_const(fcinfo, first - 1);
	MemoryContextSwitchTo(old);
	return ae;
}

/*
 * The compiled template for this call site, with the values of this call
 * set as the current row; *person is false when a marker value is NULL
 * (no person: the values are not set).  The template and the names must
 * not be NULL.
 */
BgEval *
bg_eval_for_args(FunctionCallInfo fcinfo, int tmpl_argno, bool *person)
{
	BgCallCache *cc = fcinfo->flinfo->fn_extra;
	text	   *name = PG_GETARG_TEXT_PP(tmpl_argno);
	const char *nm = VARDATA_ANY(name);
	int			nmlen = VARSIZE_ANY_EXHDR(name);
	Datum		names = PG_GETARG_DATUM(tmpl_argno + 1);
	int			first = tmpl_argno + 2;
	BgArgsEval *ae;
	TupleTableSlot *slot;

	Assert(!PG_ARGISNULL(tmpl_argno) && !PG_ARGISNULL(tmpl_argno + 1));
	if (cc == NULL)
		cc = bg_call_cache_create(fcinfo, bg_arg_is_const(fcinfo, tmpl_argno));
	ae = cc->data;
	if (!bg_call_cache_fresh(cc, nm, nmlen, NULL) ||
		(!ae->names_const && !same_names(ae, names)))
	{
		uint64		generation = bg_call_cache_reset(cc);

		ae = compile(fcinfo, cc, name, names, first, PG_NARGS() - first);
		bg_call_cache_store(cc, ae, generation, nm, nmlen, NULL);
	}

	for (int i = 0; i < ae->nmarkers; i++)
		if (PG_ARGISNULL(ae->markers[i]))
		{
			*person = false;
			return ae->ev;
		}
	*person = true;
	slot = ae->ev->slot;
	Assert(slot->tts_nvalid == ae->nvalues && ae->nvalues == PG_NARGS() - first);
	for (int i = 0; i < ae->nvalues; i++)
	{
		slot->tts_values[i] = fcinfo->args[first + i].value;
		slot->tts_isnull[i] = fcinfo->args[first + i].isnull;
	}
	ae->ev->rowno++;
	return ae->ev;
}
