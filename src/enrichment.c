/*
 * enrichment.c — bg.enrich_people and bg.undo_enrichment (docs/design.md §9).
 *
 * Both write the user's people table, which must happen with the rights of
 * their caller: a SECURITY DEFINER function would write it as bg's owner, a
 * superuser, and run the table's triggers, policies, defaults and casts with
 * those rights.  So they are C functions that run as the caller.  As bg's
 * owner, in a security-restricted operation (owner.c), an internal function
 * (sql/bg/enrichment.sql) checks the arguments and bindings, records the job
 * and generates one statement over the people table; the caller runs that
 * statement (its privileges, its row-level security, its triggers: live
 * mode's are bg's own); the rows it returns, the values it wrote, are then
 * logged as bg's owner.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "owner.h"

/* rows of the enrichment statement logged at a time */
#define LOG_BATCH 10000

/* bg_internal._castable(src regtype, dst regtype): an explicit cast exists */
PG_FUNCTION_INFO_V1(bg_castable);
Datum
bg_castable(PG_FUNCTION_ARGS)
{
	Oid			src = PG_GETARG_OID(0);
	Oid			dst = PG_GETARG_OID(1);

	PG_RETURN_BOOL(can_coerce_type(1, &src, &dst, COERCION_EXPLICIT));
}

/* A batch of logged values, built in its own memory context. */
typedef struct BgChangeLog
{
	MemoryContext cxt;
	ArrayBuildState *keys;
	ArrayBuildState *cols;
	ArrayBuildState *olds;
	ArrayBuildState *news;
	ArrayBuildState *inserted;
	int64		n;
} BgChangeLog;

static void
log_reset(BgChangeLog *log)
{
	MemoryContextReset(log->cxt);
	log->keys = initArrayResult(TEXTOID, log->cxt, false);
	log->cols = initArrayResult(TEXTOID, log->cxt, false);
	log->olds = initArrayResult(TEXTOID, log->cxt, false);
	log->news = initArrayResult(TEXTOID, log->cxt, false);
	log->inserted = initArrayResult(BOOLOID, log->cxt, false);
	log->n = 0;
}

/* A text column of an SPI row, NULL kept. */
static void
log_add_text(ArrayBuildState *astate, HeapTuple tup, TupleDesc desc, int col, MemoryContext cxt)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	accumArrayResult(astate, d, isnull, TEXTOID, cxt);
}

/* Writes the batch into bg_internal.enrichment_change, as bg's owner. */
static void
log_flush(BgChangeLog *log, int64 job)
{
	Oid			argtypes[6] = {INT8OID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, BOOLARRAYOID};
	Datum		args[6];
	BgSavedUser saved;
	int			rc;

	if (log->n == 0)
		return;
	args[0] = Int64GetDatum(job);
	args[1] = makeArrayResult(log->keys, log->cxt);
	args[2] = makeArrayResult(log->cols, log->cxt);
	args[3] = makeArrayResult(log->olds, log->cxt);
	args[4] = makeArrayResult(log->news, log->cxt);
	args[5] = makeArrayResult(log->inserted, log->cxt);
	bg_become_owner(&saved);
	rc = SPI_execute_with_args("SELECT bg_internal._enrich_log($1, $2, $3, $4, $5, $6)",
							   6, argtypes, args, NULL, false, 0);
	bg_restore_user(&saved);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "bg_internal._enrich_log failed: %s", SPI_result_code_string(rc));
	log_reset(log);
}

/*
 * bg.enrich_people(source regclass, match_on text, overwrite boolean,
 * insert_new boolean) RETURNS bigint: the job id.
 */
PG_FUNCTION_INFO_V1(bg_enrich_people);
Datum
bg_enrich_people(PG_FUNCTION_ARGS)
{
	Oid			argtypes[4] = {REGCLASSOID, TEXTOID, BOOLOID, BOOLOID};
	Datum		args[4];
	char		nulls[4];
	BgSavedUser saved;
	BgChangeLog log;
	Portal		portal;
	int64		job;
	int64		changed = 0;
	char	   *query;
	char	   *counts = NULL;
	bool		isnull;
	int			rc;

	for (int i = 0; i < 4; i++)
	{
		args[i] = PG_ARGISNULL(i) ? (Datum) 0 : PG_GETARG_DATUM(i);
		nulls[i] = PG_ARGISNULL(i) ? 'n' : ' ';
	}
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));

	/* the checks, the job and the statement, as bg's owner */
	bg_become_owner(&saved);
	rc = SPI_execute_with_args("SELECT p.job, p.query FROM bg_internal._enrich_prepare($1, $2, $3, $4) AS p",
							   4, argtypes, args, nulls, false, 0);
	bg_restore_user(&saved);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "bg_internal._enrich_prepare failed: %s", SPI_result_code_string(rc));
	job = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	query = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	SPI_freetuptable(SPI_tuptable);

	log.cxt = AllocSetContextCreate(CurrentMemoryContext, "bg enrichment log", ALLOCSET_DEFAULT_SIZES);
	log_reset(&log);

	/* the statement, as the caller; its rows logged in batches */
	portal = SPI_cursor_open_with_args(NULL, query, 0, NULL, NULL, NULL, false, 0);
	for (;;)
	{
		SPITupleTable *tt;
		uint64		n;

		SPI_cursor_fetch(portal, true, LOG_BATCH);
		tt = SPI_tuptable;
		n = SPI_processed;
		if (n == 0)
			break;
		for (uint64 i = 0; i < n; i++)
		{
			HeapTuple	tup = tt->vals[i];
			text	   *optext = DatumGetTextPP(SPI_getbinval(tup, tt->tupdesc, 1, &isnull));
			char		op[1] = {VARDATA_ANY(optext)[0]};

			CHECK_FOR_INTERRUPTS();
			if (op[0] == 's')
			{
				counts = MemoryContextStrdup(log.cxt->parent, SPI_getvalue(tup, tt->tupdesc, 5));
				continue;
			}
			log_add_text(log.keys, tup, tt->tupdesc, 2, log.cxt);
			log_add_text(log.cols, tup, tt->tupdesc, 3, log.cxt);
			log_add_text(log.olds, tup, tt->tupdesc, 4, log.cxt);
			log_add_text(log.news, tup, tt->tupdesc, 5, log.cxt);
			accumArrayResult(log.inserted, BoolGetDatum(op[0] == 'i'), false, BOOLOID, log.cxt);
			log.n++;
			if (op[0] == 'u')
				changed++;
		}
		SPI_freetuptable(tt);
		log_flush(&log, job);
	}
	SPI_cursor_close(portal);
	if (counts == NULL)
		elog(ERROR, "the enrichment statement returned no counts");

	/* the job's counts, as bg's owner */
	{
		Oid			dtypes[3] = {INT8OID, TEXTOID, INT8OID};
		Datum		dargs[3] = {Int64GetDatum(job), CStringGetTextDatum(counts), Int64GetDatum(changed)};

		bg_become_owner(&saved);
		rc = SPI_execute_with_args("SELECT bg_internal._enrich_done($1, $2::pg_catalog.jsonb, $3)",
								   3, dtypes, dargs, NULL, false, 0);
		bg_restore_user(&saved);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "bg_internal._enrich_done failed: %s", SPI_result_code_string(rc));
	}
	SPI_finish();
	PG_RETURN_INT64(job);
}

/*
 * bg.undo_enrichment(job bigint) RETURNS bigint: the values restored.
 */
PG_FUNCTION_INFO_V1(bg_undo_enrichment);
Datum
bg_undo_enrichment(PG_FUNCTION_ARGS)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		arg = PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0);
	char		argnull = PG_ARGISNULL(0) ? 'n' : ' ';
	BgSavedUser saved;
	SPITupleTable *prep;
	MemoryContext cxt;
	ArrayBuildState *keys;
	ArrayBuildState *cols;
	int64		restored;
	bool		isnull;
	int			rc;

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	cxt = CurrentMemoryContext;
	keys = initArrayResult(TEXTOID, cxt, false);
	cols = initArrayResult(TEXTOID, cxt, false);

	/* the checks, the job's lock and the statement, as bg's owner */
	bg_become_owner(&saved);
	rc = SPI_execute_with_args("SELECT p.query, p.keys, p.cols, p.olds, p.news FROM bg_internal._undo_prepare($1) AS p",
							   1, argtypes, &arg, &argnull, false, 0);
	bg_restore_user(&saved);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "bg_internal._undo_prepare failed: %s", SPI_result_code_string(rc));
	prep = SPI_tuptable;

	/* the statement, as the caller */
	(void) SPI_getbinval(prep->vals[0], prep->tupdesc, 1, &isnull);
	if (!isnull)
	{
		Oid			qtypes[4] = {TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID};
		Datum		qargs[4];
		SPITupleTable *tt;

		for (int i = 0; i < 4; i++)
			qargs[i] = SPI_getbinval(prep->vals[0], prep->tupdesc, i + 2, &isnull);
		rc = SPI_execute_with_args(SPI_getvalue(prep->vals[0], prep->tupdesc, 1), 4, qtypes, qargs, NULL, false, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "the undo statement failed: %s", SPI_result_code_string(rc));
		tt = SPI_tuptable;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			CHECK_FOR_INTERRUPTS();
			log_add_text(keys, tt->vals[i], tt->tupdesc, 1, cxt);
			log_add_text(cols, tt->vals[i], tt->tupdesc, 2, cxt);
		}
	}

	/* the restored values marked, as bg's owner */
	{
		Oid			dtypes[3] = {INT8OID, TEXTARRAYOID, TEXTARRAYOID};
		Datum		dargs[3] = {arg, makeArrayResult(keys, cxt), makeArrayResult(cols, cxt)};

		bg_become_owner(&saved);
		rc = SPI_execute_with_args("SELECT bg_internal._undo_done($1, $2, $3)", 3, dtypes, dargs, NULL, false, 0);
		bg_restore_user(&saved);
		if (rc != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "bg_internal._undo_done failed: %s", SPI_result_code_string(rc));
		restored = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	}
	SPI_finish();
	PG_RETURN_INT64(restored);
}
