/*
 * view_filter.c — what the querying role may see of the bound tables, for
 * the views of schema bg (docs/design.md §6.7, §11).
 *
 * The views show a buying group only when the querying role may SELECT its
 * account's row in the bound accounts table, and a member only when it may
 * also SELECT the person's row in the bound people table.  A view runs its
 * functions as the querying role, so these functions ask the bound tables
 * as that role: PostgreSQL then applies its privileges and row-level
 * security policies.  Only the read of bg's own catalog (which table is
 * bound) runs as the extension's owner.
 *
 *   bg_internal._sees_all(kind)        true when the role sees every row of
 *                                      the bound table, so that the view
 *                                      need not ask per row (an InitPlan);
 *   bg_internal._visible_keys(kind)    the canonical text of the key of
 *                                      every row the role sees;
 *   bg_internal._sees_account_names()  whether the role may read the bound
 *                                      accounts' name column.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "executor/tstoreReceiver.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"

#include "owner.h"

/* A bound table as the view filters need it. */
typedef struct BgBoundTable
{
	Oid			relid;			/* InvalidOid: none bound, or it is gone */
	char	   *key_column;
	char	   *name_column;	/* accounts only */
	char	   *key_sql;		/* canonical text of the key of row t */
} BgBoundTable;

/*
 * Reads the binding of kind from bg's catalog as the extension's owner
 * (with key_sql when want_key_sql), in the caller's SPI connection and
 * the statement's snapshot.  Strings are allocated in the caller's
 * context.
 */
static void
read_binding(const char *kind, bool want_key_sql, BgBoundTable *bound, MemoryContext cxt)
{
	const char *nsp = quote_identifier(bg_catalog_schema());
	char	   *query;
	Oid			argtypes[2] = {TEXTOID, BOOLOID};
	Datum		args[2] = {CStringGetTextDatum(kind), BoolGetDatum(want_key_sql)};
	BgSavedUser saved;
	int			rc;

	memset(bound, 0, sizeof(*bound));
	query = psprintf("SELECT b.relid::pg_catalog.oid, b.key_column::pg_catalog.text, "
					 "       b.name_column::pg_catalog.text, "
					 "       CASE WHEN $2 THEN %s._key_sql(b.relid, b.key_column, "
					 "            pg_catalog.format('t.%%I', b.key_column)) END "
					 "  FROM %s.binding b JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) b.relid "
					 " WHERE b.kind OPERATOR(pg_catalog.=) $1",
					 nsp, nsp);
	bg_become_owner(&saved);
	rc = SPI_execute_with_args(query, 2, argtypes, args, NULL, true, 1);
	bg_restore_user(&saved);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading the %s binding failed: %s", kind, SPI_result_code_string(rc));
	if (SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		MemoryContext old = MemoryContextSwitchTo(cxt);

		bound->relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		bound->key_column = SPI_getvalue(tup, desc, 2);
		bound->name_column = SPI_getvalue(tup, desc, 3);
		bound->key_sql = SPI_getvalue(tup, desc, 4);
		MemoryContextSwitchTo(old);
	}
}

/*
 * Whether the current role may SELECT column col of rel as a query naming
 * it would: USAGE on its schema, and SELECT on the table or the column.
 */
static bool
may_select_column(Oid relid, const char *col)
{
	Oid			user = GetUserId();
	AttrNumber	att;

	if (col == NULL)
		return false;
	if (pg_namespace_aclcheck(get_rel_namespace(relid), user, ACL_USAGE) != ACLCHECK_OK)
		return false;
	if (pg_class_aclcheck(relid, user, ACL_SELECT) == ACLCHECK_OK)
		return true;
	att = get_attnum(relid, col);
	return att != InvalidAttrNumber &&
		pg_attribute_aclcheck(relid, att, user, ACL_SELECT) == ACLCHECK_OK;
}

static const char *
kind_arg(FunctionCallInfo fcinfo)
{
	char	   *kind = text_to_cstring(PG_GETARG_TEXT_PP(0));	/* STRICT */

	if (strcmp(kind, "people") != 0 && strcmp(kind, "accounts") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kind must be people or accounts"),
				 errdetail("It was \"%s\".", kind)));
	return kind;
}

static void
spi_connect(void)
{
	int			rc = SPI_connect();

	if (rc != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
}

/*
 * bg_internal._sees_all(kind text) RETURNS boolean: whether the current
 * role sees every row of the bound table of kind and may read its key
 * column — a superuser; or a role with SELECT on the key column of a table
 * (or materialized view) whose row-level security does not apply to it
 * (not enabled, or bypassed: the table's owner, BYPASSRLS).  A bound view
 * or foreign table may show each role other rows, so it never counts as
 * seen whole.  False when no table of kind is bound.
 */
PG_FUNCTION_INFO_V1(bg_sees_all);
Datum
bg_sees_all(PG_FUNCTION_ARGS)
{
	const char *kind = kind_arg(fcinfo);
	MemoryContext cxt = CurrentMemoryContext;
	BgBoundTable bound;
	char		relkind;
	bool		result;

	if (superuser())
		PG_RETURN_BOOL(true);
	spi_connect();
	read_binding(kind, false, &bound, cxt);
	SPI_finish();
	if (!OidIsValid(bound.relid))
		PG_RETURN_BOOL(false);
	relkind = get_rel_relkind(bound.relid);
	result = (relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE ||
			  relkind == RELKIND_MATVIEW) &&
		may_select_column(bound.relid, bound.key_column) &&
		check_enable_rls(bound.relid, InvalidOid, true) != RLS_ENABLED;
	PG_RETURN_BOOL(result);
}

/*
 * bg_internal._visible_keys(kind text) RETURNS SETOF text: the canonical
 * text of the key of every row of the bound table of kind that the current
 * role sees, read by a query it runs itself (its privileges, the table's
 * row-level security policies for it), with the statement's snapshot.
 * Nothing when no table is bound or the role may not read its key column.
 */
PG_FUNCTION_INFO_V1(bg_visible_keys);
Datum
bg_visible_keys(PG_FUNCTION_ARGS)
{
	const char *kind = kind_arg(fcinfo);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext cxt = CurrentMemoryContext;
	BgBoundTable bound;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	spi_connect();
	read_binding(kind, true, &bound, cxt);
	if (OidIsValid(bound.relid) && may_select_column(bound.relid, bound.key_column))
	{
		char	   *relname = get_rel_name(bound.relid);
		char	   *nspname = get_namespace_name(get_rel_namespace(bound.relid));
		char	   *query;
		DestReceiver *dest = CreateTuplestoreDestReceiver();
		SPIExecuteOptions options;
		int			rc;

		if (relname == NULL || nspname == NULL || bound.key_sql == NULL)
			elog(ERROR, "bound %s table %u vanished", kind, bound.relid);
		/*
		 * Run with the caller's search_path, as its own query of the table
		 * would (functions in its policies may depend on it); the outer cast
		 * makes the result pg_catalog's text whatever "text" resolves to.
		 */
		query = psprintf("SELECT (%s)::pg_catalog.text FROM %s t WHERE t.%s IS NOT NULL",
						 bound.key_sql, quote_qualified_identifier(nspname, relname),
						 quote_identifier(bound.key_column));
		SetTuplestoreDestReceiverParams(dest, rsinfo->setResult,
										rsinfo->econtext->ecxt_per_query_memory,
										false, NULL, NULL);
		memset(&options, 0, sizeof(options));
		options.read_only = true;
		options.dest = dest;
		rc = SPI_execute_extended(query, &options);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "reading the visible %s failed: %s", kind, SPI_result_code_string(rc));
		dest->rDestroy(dest);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * bg_internal._sees_account_names() RETURNS boolean: whether the current
 * role may SELECT the name column of the bound accounts table (a superuser
 * always).  False when no accounts table is bound.
 */
PG_FUNCTION_INFO_V1(bg_sees_account_names);
Datum
bg_sees_account_names(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	BgBoundTable bound;
	bool		result;

	(void) fcinfo;
	if (superuser())
		PG_RETURN_BOOL(true);
	spi_connect();
	read_binding("accounts", false, &bound, cxt);
	SPI_finish();
	result = OidIsValid(bound.relid) && may_select_column(bound.relid, bound.name_column);
	PG_RETURN_BOOL(result);
}
