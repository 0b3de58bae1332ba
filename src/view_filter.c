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
 *   bg_internal._visible(kind, key)    whether the role sees the row whose
 *                                      key has that canonical text;
 *   bg_internal._sees_account_names()  whether the role may read the bound
 *                                      accounts' name column.
 *
 * _visible asks the table one key at a time (an index probe, through a plan
 * kept for the query), so that a point lookup costs a few probes; after
 * PROBES_BEFORE_LOAD probes at one call site it reads every key the role
 * sees once into a hash set, so that a scan costs one read of the table.
 * Keys are compared as values of the key column's base type (the stored
 * canonical text through the type's input function, the type's own
 * equality and hash), and the queries name no type, function or operator
 * the caller's search_path could resolve elsewhere.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/shmem.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rls.h"
#include "utils/typcache.h"

#include "owner.h"

#define PROBES_BEFORE_LOAD 1000

/* A bound table as the view filters need it. */
typedef struct BgBoundTable
{
	Oid			relid;			/* InvalidOid: none bound, or it is gone */
	char	   *key_column;
	char	   *name_column;	/* accounts only */
} BgBoundTable;

/*
 * What one call site of _visible knows for the rest of its query (in
 * fn_extra, in the query's memory).
 */
typedef struct VisibleCache
{
	bool		readable;		/* a table is bound and its key readable */
	Oid			keytype;		/* base type of the key column */
	Oid			collation;		/* of the key column */
	int16		typlen;
	bool		typbyval;
	Oid			typinput;
	Oid			typioparam;
	FmgrInfo   *eq;				/* the type's equality and hash */
	FmgrInfo   *hash;
	SPIPlanPtr	probe;			/* SELECT 1 ... WHERE key = $1, kept */
	char	   *load_sql;		/* SELECT key ... */
	uint64		probes;
	/* after the load: every visible key, open addressing */
	bool		loaded;
	uint64		nslots;			/* a power of 2, or 0 for no key */
	Datum	   *slots;
	bool	   *used;
	MemoryContextCallback freeplan;
} VisibleCache;

/*
 * Reads the binding of kind from bg's catalog as the extension's owner, in
 * the caller's SPI connection and the statement's snapshot.  Strings are
 * allocated in cxt.
 */
static void
read_binding(const char *kind, BgBoundTable *bound, MemoryContext cxt)
{
	const char *nsp = quote_identifier(bg_catalog_schema());
	char	   *query;
	Oid			argtype = TEXTOID;
	Datum		arg = CStringGetTextDatum(kind);
	BgSavedUser saved;
	int			rc;

	memset(bound, 0, sizeof(*bound));
	query = psprintf("SELECT b.relid::pg_catalog.oid, b.key_column::pg_catalog.text, "
					 "       b.name_column::pg_catalog.text "
					 "  FROM %s.binding b JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) b.relid "
					 " WHERE b.kind OPERATOR(pg_catalog.=) $1", nsp);
	bg_become_owner(&saved);
	rc = SPI_execute_with_args(query, 1, &argtype, &arg, NULL, true, 1);
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
	read_binding(kind, &bound, cxt);
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

static void
free_probe(void *arg)
{
	VisibleCache *vc = arg;

	if (vc->probe != NULL)
		SPI_freeplan(vc->probe);
	vc->probe = NULL;
}

/*
 * Sets up the cache of a call site of _visible: the binding, the key's
 * type, and the probe, whose plan is kept until the query's memory goes.
 */
static VisibleCache *
visible_cache(FunctionCallInfo fcinfo, const char *kind)
{
	MemoryContext cxt = fcinfo->flinfo->fn_mcxt;
	VisibleCache *vc = MemoryContextAllocZero(cxt, sizeof(VisibleCache));
	BgBoundTable bound;
	AttrNumber	att;
	Oid			atttype;
	int32		typmod;
	TypeCacheEntry *tc;
	char	   *rel;
	char	   *key;

	read_binding(kind, &bound, cxt);
	fcinfo->flinfo->fn_extra = vc;
	if (!OidIsValid(bound.relid) || !may_select_column(bound.relid, bound.key_column))
		return vc;				/* sees no row */
	att = get_attnum(bound.relid, bound.key_column);
	if (att == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("bound column \"%s\" does not exist in table %s",
						bound.key_column, get_rel_name(bound.relid)),
				 errhint("Bind the table again with its current columns.")));
	get_atttypetypmodcoll(bound.relid, att, &atttype, &typmod, &vc->collation);
	vc->keytype = getBaseType(atttype);
	get_typlenbyval(vc->keytype, &vc->typlen, &vc->typbyval);
	getTypeInputInfo(vc->keytype, &vc->typinput, &vc->typioparam);
	tc = lookup_type_cache(vc->keytype, TYPECACHE_EQ_OPR_FINFO | TYPECACHE_HASH_PROC_FINFO);
	if (!OidIsValid(tc->eq_opr_finfo.fn_oid) || !OidIsValid(tc->hash_proc_finfo.fn_oid))
		elog(ERROR, "key type %u has no equality or hash function", vc->keytype);
	vc->eq = MemoryContextAlloc(cxt, sizeof(FmgrInfo));
	vc->hash = MemoryContextAlloc(cxt, sizeof(FmgrInfo));
	fmgr_info_copy(vc->eq, &tc->eq_opr_finfo, cxt);
	fmgr_info_copy(vc->hash, &tc->hash_proc_finfo, cxt);

	rel = quote_qualified_identifier(get_namespace_name(get_rel_namespace(bound.relid)),
									 get_rel_name(bound.relid));
	key = pstrdup(quote_identifier(bound.key_column));
	vc->load_sql = MemoryContextStrdup(cxt, psprintf("SELECT t.%s FROM %s t WHERE t.%s IS NOT NULL",
													 key, rel, key));
	vc->probe = SPI_prepare(psprintf("SELECT FROM %s t WHERE t.%s OPERATOR(pg_catalog.=) $1 LIMIT 1",
									 rel, key), 1, &vc->keytype);
	if (vc->probe == NULL)
		elog(ERROR, "preparing the %s probe failed: %s", kind, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(vc->probe) != 0)
		elog(ERROR, "keeping the %s probe failed", kind);
	vc->freeplan.func = free_probe;
	vc->freeplan.arg = vc;
	MemoryContextRegisterResetCallback(cxt, &vc->freeplan);
	vc->readable = true;
	return vc;
}

static uint32
key_hash(VisibleCache *vc, Datum value)
{
	return DatumGetUInt32(FunctionCall1Coll(vc->hash, vc->collation, value));
}

/* Reads every key the role sees into the hash set (query memory). */
static void
load_visible(VisibleCache *vc, MemoryContext cxt)
{
	uint64		n;
	int			rc = SPI_execute(vc->load_sql, true, 0);

	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading the visible keys failed: %s", SPI_result_code_string(rc));
	n = SPI_processed;
	vc->nslots = 0;
	if (n > 0)
	{
		Size		size = 16;

		while (size < n)
			size = mul_size(size, 2);
		size = mul_size(size, 2);	/* at most half full */
		vc->slots = MemoryContextAllocExtended(cxt, mul_size(size, sizeof(Datum)), MCXT_ALLOC_HUGE);
		vc->used = MemoryContextAllocExtended(cxt, size, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		vc->nslots = size;
	}
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		value = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
		uint64		slot;

		CHECK_FOR_INTERRUPTS();
		if (isnull)
			continue;
		slot = key_hash(vc, value) & (vc->nslots - 1);
		while (vc->used[slot] &&
			   !DatumGetBool(FunctionCall2Coll(vc->eq, vc->collation, vc->slots[slot], value)))
			slot = (slot + 1) & (vc->nslots - 1);
		if (!vc->used[slot])
		{
			MemoryContext old = MemoryContextSwitchTo(cxt);

			vc->slots[slot] = datumCopy(value, vc->typbyval, vc->typlen);
			vc->used[slot] = true;
			MemoryContextSwitchTo(old);
		}
	}
	vc->loaded = true;
}

static bool
in_visible(VisibleCache *vc, Datum value)
{
	uint64		slot;

	if (vc->nslots == 0)
		return false;
	slot = key_hash(vc, value) & (vc->nslots - 1);
	while (vc->used[slot])
	{
		if (DatumGetBool(FunctionCall2Coll(vc->eq, vc->collation, vc->slots[slot], value)))
			return true;
		slot = (slot + 1) & (vc->nslots - 1);
	}
	return false;
}

/*
 * bg_internal._visible(kind text, key text) RETURNS boolean: whether the
 * current role sees the row of the bound table of kind whose key has this
 * canonical text — asked by a query it runs itself (its privileges, the
 * table's row-level security policies for it), with the statement's
 * snapshot.  False when no table is bound or the role may not read its key
 * column.
 */
PG_FUNCTION_INFO_V1(bg_visible);
Datum
bg_visible(PG_FUNCTION_ARGS)
{
	VisibleCache *vc = fcinfo->flinfo->fn_extra;
	Datum		value;
	bool		result;

	/* the kind is read once per call site, not per row */
	if (vc == NULL)
	{
		spi_connect();
		vc = visible_cache(fcinfo, kind_arg(fcinfo));
		SPI_finish();
	}
	if (!vc->readable)
		PG_RETURN_BOOL(false);
	value = OidInputFunctionCall(vc->typinput, text_to_cstring(PG_GETARG_TEXT_PP(1)), vc->typioparam, -1);
	if (vc->loaded)
		PG_RETURN_BOOL(in_visible(vc, value));
	spi_connect();
	if (vc->probes >= PROBES_BEFORE_LOAD)
	{
		load_visible(vc, fcinfo->flinfo->fn_mcxt);
		result = in_visible(vc, value);
	}
	else
	{
		char		nulls = ' ';
		int			rc = SPI_execute_plan(vc->probe, &value, &nulls, true, 1);

		if (rc != SPI_OK_SELECT)
			elog(ERROR, "probing the %s failed: %s", kind_arg(fcinfo), SPI_result_code_string(rc));
		result = SPI_processed > 0;
		vc->probes++;
	}
	SPI_finish();
	PG_RETURN_BOOL(result);
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
	read_binding("accounts", &bound, cxt);
	SPI_finish();
	result = OidIsValid(bound.relid) && may_select_column(bound.relid, bound.key_column) &&
		may_select_column(bound.relid, bound.name_column);
	PG_RETURN_BOOL(result);
}
