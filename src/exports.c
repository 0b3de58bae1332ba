/*
 * exports.c — bg.acquisition_targets, bg.linkedin_companies and
 * bg.linkedin_contacts (docs/design.md §9).
 *
 * They show rows of bg's tables and of the bound tables, so they must show
 * only what their caller may see, as bg's views do (view_filter.c).  They
 * run as their caller: as bg's owner they run an internal function
 * (sql/bg/exports.sql) that reads bg's tables and, through
 * bg_internal._read, the bound tables as their owners; its rows end with
 * the account key (and person key) they are about.  Then, as the caller,
 * they keep the rows whose account (and person) the caller may SELECT,
 * asked through the views' own filters; an account name only when it may
 * read the accounts' name column.  The LinkedIn lists also need SELECT on
 * every column they read, and are counted against LinkedIn's limits before
 * any row is returned.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "owner.h"

/* rows fetched from the internal function at a time */
#define FETCH_BATCH 1000

/* LinkedIn Matched Audiences: the smallest list it matches, the largest it takes */
#define LINKEDIN_MIN_ROWS 300
#define LINKEDIN_MAX_ROWS 300000

typedef struct BgExport
{
	const char *query;			/* the internal function's rows, $1.. the arguments */
	int			extra;			/* its columns after the result's: the keys */
	int			nargs;
	Oid			argtypes[3];
	int			account_col;	/* 0-based column of the account key */
	int			person_col;		/* of the person key, or -1 */
	int			name_col;		/* an account name, or -1 */
	const char *columns_of;		/* bound table whose read columns need SELECT, or NULL */
	const char *list;			/* LinkedIn list ("company", "contact"), or NULL */
	const char *hint;			/* how to make a LinkedIn list shorter */
} BgExport;

/*
 * Errors unless the caller may SELECT every column of the bound table of
 * kind that the export reads (its name and mapped columns).  Called while
 * SPI is connected.
 */
static void
require_columns(const char *kind)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		arg = CStringGetTextDatum(kind);
	BgSavedUser saved;
	SPITupleTable *tt;
	uint64		n;
	int			rc;

	bg_become_owner(&saved);
	rc = SPI_execute_with_args("SELECT c.relid, c.col FROM bg_internal._export_columns($1) AS c",
							   1, argtypes, &arg, NULL, true, 0);
	bg_restore_user(&saved);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "bg_internal._export_columns failed: %s", SPI_result_code_string(rc));
	tt = SPI_tuptable;
	n = SPI_processed;
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;
		Oid			relid = DatumGetObjectId(SPI_getbinval(tt->vals[i], tt->tupdesc, 1, &isnull));
		char	   *col = SPI_getvalue(tt->vals[i], tt->tupdesc, 2);
		AttrNumber	att = get_attnum(relid, col);

		CHECK_FOR_INTERRUPTS();
		if (get_rel_name(relid) == NULL)
			break;				/* dropped: the export's read reports it */
		if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK)
			break;				/* the whole table */
		if (att == InvalidAttrNumber ||
			pg_attribute_aclcheck(relid, att, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied for column %s of table %s", col, get_rel_name(relid)),
					 errdetail("The export reads this column of the bound %s table.", kind),
					 errhint("An export shows only what you may SELECT yourself.")));
	}
	SPI_freetuptable(tt);
}

/* The export's rows: see the head of this file. */
static Datum
run_export(FunctionCallInfo fcinfo, const BgExport *ex)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext qcxt = rsinfo->econtext->ecxt_per_query_memory;
	TupleDesc	desc;
	Datum		args[3];
	char		argnulls[3];
	Datum	   *values;
	bool	   *nulls;
	BgViewFilter	accounts;
	BgViewFilter	people;
	bool		names = true;
	BgSavedUser saved;
	Portal		portal;
	uint64		kept = 0;
	int			rc;

	Assert(ex->extra >= 0 && ex->extra <= 2 && ex->nargs <= 3);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	desc = rsinfo->setDesc;
	for (int i = 0; i < ex->nargs; i++)
	{
		args[i] = PG_ARGISNULL(i) ? (Datum) 0 : PG_GETARG_DATUM(i);
		argnulls[i] = PG_ARGISNULL(i) ? 'n' : ' ';
	}
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	if (ex->columns_of)
		require_columns(ex->columns_of);

	bg_become_owner(&saved);
	portal = SPI_cursor_open_with_args(NULL, ex->query, ex->nargs, (Oid *) ex->argtypes, args, argnulls,
									   true, 0);
	bg_restore_user(&saved);

	/* as the caller, as bg's views ask */
	bg_view_filter_init(&accounts, "accounts", qcxt);
	if (ex->person_col >= 0)
		bg_view_filter_init(&people, "people", qcxt);
	if (ex->name_col >= 0)
	{
		FmgrInfo	sees_names;

		bg_internal_function("_sees_account_names", 0, &sees_names, qcxt);
		names = DatumGetBool(FunctionCall0Coll(&sees_names, InvalidOid));
	}

	values = palloc(sizeof(Datum) * (desc->natts + 2));
	nulls = palloc(sizeof(bool) * (desc->natts + 2));
	for (;;)
	{
		SPITupleTable *tt;

		bg_become_owner(&saved);
		SPI_cursor_fetch(portal, true, FETCH_BATCH);
		bg_restore_user(&saved);
		if (SPI_processed == 0)
			break;
		tt = SPI_tuptable;
		if (tt->tupdesc->natts != desc->natts + ex->extra)
			elog(ERROR, "the rows of an export have %d columns, not %d",
				 tt->tupdesc->natts, desc->natts + ex->extra);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			CHECK_FOR_INTERRUPTS();
			heap_deform_tuple(tt->vals[i], tt->tupdesc, values, nulls);
			if (!bg_view_filter_passes(&accounts, values[ex->account_col], nulls[ex->account_col]))
				continue;
			if (ex->person_col >= 0 && !bg_view_filter_passes(&people, values[ex->person_col], nulls[ex->person_col]))
				continue;
			if (ex->name_col >= 0 && !names)
				nulls[ex->name_col] = true;
			/* a LinkedIn list's columns are text: blank is an empty field */
			for (int c = 0; ex->list && c < desc->natts; c++)
				if (!nulls[c] && VARSIZE_ANY_EXHDR(DatumGetPointer(values[c])) == 0)
					nulls[c] = true;
			kept++;
			/* past LinkedIn's maximum, only counted: it is an error below */
			if (ex->list == NULL || kept <= LINKEDIN_MAX_ROWS)
				tuplestore_putvalues(rsinfo->setResult, desc, values, nulls);
		}
		SPI_freetuptable(tt);
	}
	SPI_cursor_close(portal);
	SPI_finish();

	if (ex->list && kept > LINKEDIN_MAX_ROWS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the LinkedIn %s list would have more rows than LinkedIn accepts", ex->list),
				 errdetail("It has %lu rows; a LinkedIn Matched Audiences list holds at most %d.",
						   (unsigned long) kept, LINKEDIN_MAX_ROWS),
				 errhint("%s", ex->hint)));
	if (ex->list && kept < LINKEDIN_MIN_ROWS)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("the LinkedIn %s list has fewer rows than LinkedIn needs to match an audience", ex->list),
				 errdetail_plural("It has %lu row; LinkedIn needs at least %d.",
								  "It has %lu rows; LinkedIn needs at least %d.",
								  (unsigned long) kept, (unsigned long) kept, LINKEDIN_MIN_ROWS)));
	return (Datum) 0;
}

/* The three exports: what each reads, checks and returns. */
static const BgExport acquisition_targets = {
	.query = "SELECT * FROM bg_internal._acquisition_targets_rows($1)",
	.extra = 0, .nargs = 1, .argtypes = {TEXTOID},
	.account_col = 1, .person_col = -1, .name_col = 2,
};
static const BgExport linkedin_companies = {
	.query = "SELECT * FROM bg_internal._linkedin_companies_rows($1, $2, $3)",
	.extra = 1, .nargs = 3, .argtypes = {TEXTOID, TEXTOID, FLOAT8OID},
	.account_col = 10, .person_col = -1, .name_col = -1,
	.columns_of = "accounts", .list = "company",
	.hint = "Export fewer companies: give missing_role or a lower max_completeness.",
};
static const BgExport linkedin_contacts = {
	.query = "SELECT * FROM bg_internal._linkedin_contacts_rows($1, $2, $3)",
	.extra = 2, .nargs = 3, .argtypes = {TEXTOID, TEXTOID, BOOLOID},
	.account_col = 7, .person_col = 8, .name_col = 4,
	.columns_of = "people", .list = "contact",
	.hint = "Export fewer contacts: give a role.",
};

PG_FUNCTION_INFO_V1(bg_acquisition_targets);
Datum
bg_acquisition_targets(PG_FUNCTION_ARGS)
{
	return run_export(fcinfo, &acquisition_targets);
}

PG_FUNCTION_INFO_V1(bg_linkedin_companies);
Datum
bg_linkedin_companies(PG_FUNCTION_ARGS)
{
	return run_export(fcinfo, &linkedin_companies);
}

PG_FUNCTION_INFO_V1(bg_linkedin_contacts);
Datum
bg_linkedin_contacts(PG_FUNCTION_ARGS)
{
	return run_export(fcinfo, &linkedin_contacts);
}
