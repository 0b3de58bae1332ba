/*
 * activity_months.c — bg_internal._activity_months(keys text[]): the
 * activities of people per UTC calendar month, for bg.engagement_by_role
 * (docs/design.md §7.1).
 *
 * A view runs its functions as the role that reads it, and that role may
 * not read the bound activities table, which bg reads as its owner
 * (read_as_owner.c) from functions run as bg's owner.  This function runs as
 * its caller: it keeps the keys of the people the caller may SELECT in the
 * bound people table (as the views' filters decide it, view_filter.c), then
 * runs the read as bg's owner (bg_internal._activity_months_read, in a
 * security-restricted operation) and returns its rows.  So it stays
 * executable by PUBLIC, like the filters, and tells a role the activity
 * counts of the people it may see only.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "owner.h"

/* rows fetched from the read at a time */
#define FETCH_BATCH 1000

/*
 * The keys of the people the caller may SELECT in the bound people table,
 * as the views' filters decide it; NULL when none.
 */
static ArrayType *
visible_keys(ArrayType *keys, MemoryContext cxt)
{
	BgViewFilter people;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			kept = 0;

	deconstruct_array(keys, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	bg_view_filter_init(&people, "people", cxt);
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (bg_view_filter_passes(&people, elems[i], nulls[i]))
			elems[kept++] = elems[i];
	}
	if (kept == 0)
		return NULL;
	return construct_array(elems, kept, TEXTOID, -1, false, TYPALIGN_INT);
}

PG_FUNCTION_INFO_V1(bg_activity_months);
Datum
bg_activity_months(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			argtypes[1] = {TEXTARRAYOID};
	ArrayType  *keys;
	Datum		arg;
	TupleDesc	desc;
	Datum	   *values;
	bool	   *nulls;
	BgSavedUser saved;
	Portal		portal;
	int			rc;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	keys = visible_keys(PG_GETARG_ARRAYTYPE_P(0), rsinfo->econtext->ecxt_per_query_memory);
	if (keys == NULL)
		return (Datum) 0;

	desc = rsinfo->setDesc;
	values = palloc(sizeof(Datum) * desc->natts);
	nulls = palloc(sizeof(bool) * desc->natts);
	arg = PointerGetDatum(keys);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));

	/*
	 * As bg's owner: their activities per month, fetched in batches (one row
	 * per person and month: many for a large population).
	 */
	bg_become_owner(&saved);
	portal = SPI_cursor_open_with_args(NULL, "SELECT r.person_key, r.month, r.activities"
									   " FROM bg_internal._activity_months_read($1) AS r",
									   1, argtypes, &arg, NULL, true, 0);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, FETCH_BATCH);
		if (SPI_processed == 0)
			break;
		if (SPI_tuptable->tupdesc->natts != desc->natts)
			elog(ERROR, "bg_internal._activity_months_read returned %d columns, not %d",
				 SPI_tuptable->tupdesc->natts, desc->natts);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			CHECK_FOR_INTERRUPTS();
			heap_deform_tuple(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, values, nulls);
			tuplestore_putvalues(rsinfo->setResult, desc, values, nulls);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	bg_restore_user(&saved);
	SPI_finish();
	return (Datum) 0;
}
