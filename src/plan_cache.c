/*
 * plan_cache.c — statements that bg builds for the bound tables, planned
 * once per backend and kept (docs/design.md §13.3).
 *
 * Live mode re-evaluates the people a statement changed, on every firing.
 * Its statements depend only on the bindings, the solution interest and its
 * template, so they are built once and their plans kept (SPI_keepplan)
 * under a key such as "people:<interest id>:apply", until bg's catalog
 * changes: the catalog generation (template_cache.c) moves with every
 * change of templates, roles, bindings and solution interests, in every
 * backend, and a kept plan of an older generation is built again.
 * PostgreSQL itself re-plans a kept plan when a table it reads changes.
 * PL/pgSQL cannot keep the plan of a statement it builds (EXECUTE plans
 * every time), and a session's prepared statements can be planted by the
 * session's user under names bg would use, so the plans are kept here.
 *
 *   bg_internal._plan_ready(key)                 a plan of this generation is kept
 *   bg_internal._plan_set(key, query, argtypes)  plans and keeps query
 *   bg_internal._plan_run(key, VARIADIC args)    runs it; its rows as a set
 *   bg_internal._memo(key), _memo_set(key, text)  a text kept the same way (the
 *                                                 SQL of a statement PL/pgSQL
 *                                                 must plan itself: live mode's
 *                                                 read of its transition tables)
 *
 * Only the owner of bg_internal may call them (bg's own functions do).
 * bg's C code runs the kept plans directly (plan_cache.h): live mode's
 * trigger (live_trigger.c).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "owner.h"
#include "plan_cache.h"
#include "template_cache.h"

#define PLAN_KEY_LEN 64

typedef struct BgPlan
{
	char		key[PLAN_KEY_LEN];	/* hash key, NUL-terminated */
	SPIPlanPtr	plan;				/* kept, or NULL */
	uint64		generation;			/* bg_catalog_generation when planned */
	uint32		tag;				/* the C caller's, of what else it depends on; 0: none */
} BgPlan;

static HTAB *plans = NULL;

static void
require_owner(const char *fn)
{
	if (GetUserId() != bg_catalog_owner())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for function %s", fn),
				 errdetail("Only the owner of schema bg_internal may run it; bg's own functions call it.")));
}

/* key (len bytes) as a hash key (NUL-padded); errors when it is too long. */
static void
key_chars(const char *key, int len, char *k)
{
	if (len >= PLAN_KEY_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("plan key is too long"),
				 errdetail("It has %d bytes; the limit is %d.", len, PLAN_KEY_LEN - 1)));
	memset(k, 0, PLAN_KEY_LEN);
	memcpy(k, key, len);
}

/*
 * The entry of key in *table (an entry of entrysize bytes that starts with
 * the key; created zeroed when create, the table too), or NULL.
 */
static void *
key_entry(HTAB **table, const char *name, Size entrysize, const char *key, int len, bool create)
{
	char		k[PLAN_KEY_LEN];
	bool		found;
	void	   *e;

	key_chars(key, len, k);
	if (*table == NULL)
	{
		HASHCTL		ctl;

		if (!create)
			return NULL;
		ctl.keysize = PLAN_KEY_LEN;
		ctl.entrysize = entrysize;
		*table = hash_create(name, 16, &ctl, HASH_ELEM | HASH_STRINGS);
	}
	e = hash_search(*table, k, create ? HASH_ENTER : HASH_FIND, &found);
	if (create && !found)
		memset((char *) e + PLAN_KEY_LEN, 0, entrysize - PLAN_KEY_LEN);
	return e;
}

static BgPlan *
plan_entry(text *key, bool create)
{
	return key_entry(&plans, "bg kept plans", sizeof(BgPlan), VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key), create);
}

/*
 * The plan kept under key for the current catalog and tag (0 for none; a C
 * caller's mark of what else the plan depends on), or NULL.
 */
SPIPlanPtr
bg_kept_plan(const char *key, uint32 tag)
{
	BgPlan	   *e;

	bg_catalog_check();
	e = key_entry(&plans, "bg kept plans", sizeof(BgPlan), key, strlen(key), false);
	return e != NULL && e->plan != NULL && e->generation == bg_catalog_generation && e->tag == tag ? e->plan : NULL;
}

/*
 * Plans query (nargs arguments of types argtypes) in the caller's SPI
 * connection, so that it may read what is registered there (a trigger's
 * transition tables), and keeps it in entry e for the current catalog.
 *
 * A generic plan, always: the statements are written for a few people,
 * whatever their values, and a custom plan would be planned again on every
 * run (the plan cache keeps choosing custom plans when the generic one's
 * estimate is higher, as for the reads of the bound tables).
 */
static SPIPlanPtr
keep_plan(BgPlan *e, const char *query, int nargs, Oid *argtypes, uint32 tag)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(query, nargs, argtypes, CURSOR_OPT_GENERIC_PLAN);

	if (plan == NULL)
		elog(ERROR, "SPI_prepare_cursor failed: %s", SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	if (e->plan != NULL)
		SPI_freeplan(e->plan);
	e->plan = plan;
	e->generation = bg_catalog_generation;
	e->tag = tag;
	return plan;
}

/*
 * Plans query in the caller's SPI connection and keeps it under key for the
 * current catalog and tag (keep_plan, bg_kept_plan); the plan.
 */
SPIPlanPtr
bg_kept_plan_prepare(const char *key, const char *query, int nargs, Oid *argtypes, uint32 tag)
{
	bg_catalog_check();
	return keep_plan(key_entry(&plans, "bg kept plans", sizeof(BgPlan), key, strlen(key), true),
					 query, nargs, argtypes, tag);
}

/* bg_internal._plan_ready(key text) RETURNS boolean */
PG_FUNCTION_INFO_V1(bg_plan_ready);
Datum
bg_plan_ready(PG_FUNCTION_ARGS)
{
	BgPlan	   *e;

	require_owner("bg_internal._plan_ready");
	bg_catalog_check();
	e = plan_entry(PG_GETARG_TEXT_PP(0), false);
	PG_RETURN_BOOL(e != NULL && e->plan != NULL && e->generation == bg_catalog_generation && e->tag == 0);
}

/* bg_internal._plan_set(key text, query text, argtypes regtype[]) RETURNS void */
PG_FUNCTION_INFO_V1(bg_plan_set);
Datum
bg_plan_set(PG_FUNCTION_ARGS)
{
	text	   *key = PG_GETARG_TEXT_PP(0);
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(1));
	ArrayType  *types = PG_GETARG_ARRAYTYPE_P(2);
	Datum	   *elems;
	bool	   *enulls;
	int			n;
	Oid		   *argtypes;
	BgPlan	   *e;
	int			rc;

	require_owner("bg_internal._plan_set");
	bg_catalog_check();
	deconstruct_array(types, REGTYPEOID, sizeof(Oid), true, TYPALIGN_INT, &elems, &enulls, &n);
	argtypes = palloc(sizeof(Oid) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		if (enulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument types must not contain nulls")));
		argtypes[i] = DatumGetObjectId(elems[i]);
	}
	/* the entry first: a key refused after SPI_keepplan would leak the plan */
	e = plan_entry(key, true);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	keep_plan(e, query, n, argtypes, 0);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * Runs plan, kept under key, with nargs arguments of types argtypes, inside
 * the caller's SPI connection; its rows, which must have ncols columns of
 * types coltypes, are left in SPI_tuptable.
 */
void
bg_kept_plan_execute(const char *key, SPIPlanPtr plan, int nargs, const Oid *argtypes,
					 Datum *values, const char *nulls, int ncols, const Oid *coltypes)
{
	int			rc;

	if (SPI_getargcount(plan) != nargs)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("kept plan \"%s\" takes %d arguments, not %d", key, SPI_getargcount(plan), nargs)));
	for (int i = 0; i < nargs; i++)
		if (argtypes[i] != SPI_getargtypeid(plan, i))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("argument %d of kept plan \"%s\" is of type %s, not %s", i + 1, key,
							format_type_be(SPI_getargtypeid(plan, i)), format_type_be(argtypes[i]))));
	rc = SPI_execute_plan(plan, values, nulls, false, 0);
	if (rc < 0)
		elog(ERROR, "bg: running kept plan \"%s\" failed: %s", key, SPI_result_code_string(rc));
	if (SPI_tuptable != NULL)
	{
		TupleDesc	got = SPI_tuptable->tupdesc;

		if (got->natts != ncols)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("kept plan \"%s\" returns %d columns, not %d", key, got->natts, ncols)));
		for (int i = 0; i < got->natts; i++)
			if (TupleDescAttr(got, i)->atttypid != coltypes[i])
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("column %d of kept plan \"%s\" is of type %s, not %s", i + 1, key,
								format_type_be(TupleDescAttr(got, i)->atttypid), format_type_be(coltypes[i]))));
	}
}

/* bg_internal._plan_run(key text, VARIADIC args "any") RETURNS SETOF record */
PG_FUNCTION_INFO_V1(bg_plan_run);
Datum
bg_plan_run(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BgPlan	   *e;
	int			nargs = PG_NARGS() - 1;
	Oid		   *argtypes;
	Datum	   *values;
	char	   *nulls;
	int			rc;
	TupleDesc	want;
	Oid		   *coltypes;

	require_owner("bg_internal._plan_run");
	e = plan_entry(PG_GETARG_TEXT_PP(0), false);
	if (e == NULL || e->plan == NULL || e->generation != bg_catalog_generation || e->tag != 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no kept plan \"%s\" of the current catalog", text_to_cstring(PG_GETARG_TEXT_PP(0))),
				 errhint("bg_internal._plan_set keeps one; a change of bg's catalog drops them all.")));
	argtypes = palloc(sizeof(Oid) * Max(nargs, 1));
	values = palloc(sizeof(Datum) * Max(nargs, 1));
	nulls = palloc(Max(nargs, 1));
	for (int i = 0; i < nargs; i++)
	{
		argtypes[i] = get_fn_expr_argtype(fcinfo->flinfo, i + 1);
		values[i] = PG_ARGISNULL(i + 1) ? (Datum) 0 : PG_GETARG_DATUM(i + 1);
		nulls[i] = PG_ARGISNULL(i + 1) ? 'n' : ' ';
	}

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	want = rsinfo->setDesc;
	coltypes = palloc(sizeof(Oid) * Max(want->natts, 1));
	for (int i = 0; i < want->natts; i++)
		coltypes[i] = TupleDescAttr(want, i)->atttypid;
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	bg_kept_plan_execute(e->key, e->plan, nargs, argtypes, values, nulls, want->natts, coltypes);
	if (SPI_tuptable != NULL)
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			CHECK_FOR_INTERRUPTS();
			tuplestore_puttuple(rsinfo->setResult, SPI_tuptable->vals[r]);
		}
	SPI_finish();
	return (Datum) 0;
}

typedef struct BgMemo
{
	char		key[PLAN_KEY_LEN];
	char	   *value;				/* in TopMemoryContext, or NULL */
	uint64		generation;
} BgMemo;

static HTAB *memos = NULL;

static BgMemo *
memo_entry(text *key, bool create)
{
	return key_entry(&memos, "bg kept texts", sizeof(BgMemo), VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key), create);
}

/* bg_internal._memo(key text) RETURNS text: the text kept under key, or NULL */
PG_FUNCTION_INFO_V1(bg_memo);
Datum
bg_memo(PG_FUNCTION_ARGS)
{
	BgMemo	   *e;

	require_owner("bg_internal._memo");
	bg_catalog_check();
	e = memo_entry(PG_GETARG_TEXT_PP(0), false);
	if (e == NULL || e->value == NULL || e->generation != bg_catalog_generation)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(e->value));
}

/* bg_internal._memo_set(key text, value text) RETURNS text: keeps value, returns it */
PG_FUNCTION_INFO_V1(bg_memo_set);
Datum
bg_memo_set(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(1);
	BgMemo	   *e;

	require_owner("bg_internal._memo_set");
	bg_catalog_check();
	e = memo_entry(PG_GETARG_TEXT_PP(0), true);
	if (e->value != NULL)
		pfree(e->value);
	e->value = MemoryContextStrdup(TopMemoryContext, text_to_cstring(value));
	e->generation = bg_catalog_generation;
	PG_RETURN_TEXT_P(value);
}
