/*
 * sync_read.c — reads and keys shared by sync's in-memory diffs (see
 * sync_read.h).
 *
 * bg's own queries (over bg's tables) run here through SPI, read-only, as
 * the caller (bg's owner, in a SECURITY DEFINER function); the bound
 * tables are read through bg_read_run (read_as_owner.c), as their owner,
 * with the same receivers.  Either way the rows stream into a function
 * and none is stored.
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/params.h"
#include "parser/parse_param.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "sync_read.h"

/* Read the bound table with the filter when its keys are at most 1/50 of its rows. */
#define BG_SYNC_FILTER_RATIO 50

/*
 * Keys of the type of column attno (0-based) of desc: equal as the type's
 * "=" says, hashed by its hash function (integers by their Datums).
 */
void
bg_sync_keys_init(BgSyncKeys *k, TupleDesc desc, int attno, MemoryContext cxt)
{
	Form_pg_attribute att = TupleDescAttr(desc, attno);
	Oid			base = getBaseType(att->atttypid);
	TypeCacheEntry *tc = lookup_type_cache(base, TYPECACHE_HASH_PROC_FINFO | TYPECACHE_EQ_OPR_FINFO);

	if (!OidIsValid(tc->hash_proc) || !OidIsValid(tc->eq_opr))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("keys of type %s cannot be matched", format_type_be(att->atttypid)),
				 errhint("Keys are smallint, integer, bigint, numeric, text, varchar, char or uuid.")));
	k->type = att->atttypid;
	get_typlenbyval(k->type, &k->len, &k->byval);
	k->ints = (base == INT2OID || base == INT4OID || base == INT8OID);
	k->coll = att->attcollation;
	if (!OidIsValid(k->coll) && type_is_collatable(base))
		k->coll = DEFAULT_COLLATION_OID;
	fmgr_info_cxt(tc->hash_proc_finfo.fn_oid, &k->hashfn, cxt);
	fmgr_info_cxt(tc->eq_opr_finfo.fn_oid, &k->eqfn, cxt);
}

/* Keys of type bigint. */
void
bg_sync_keys_int8(BgSyncKeys *k)
{
	memset(k, 0, sizeof(*k));
	k->type = INT8OID;
	k->len = sizeof(int64);
	k->byval = FLOAT8PASSBYVAL;
	k->ints = true;
}

/*
 * The read query with " WHERE filter" added, and in *param its $1: keys[0 ..
 * n) as a text[] (their output texts).
 */
const char *
bg_sync_filtered(BgSyncKeys *k, Datum *keys, int n, const char *query, text *filter, Datum *param)
{
	Oid			outfn;
	bool		varlena;
	FmgrInfo	out;
	Datum	   *texts = bg_sync_alloc(CurrentMemoryContext, n, sizeof(Datum), "keys");

	getTypeOutputInfo(k->type, &outfn, &varlena);
	fmgr_info(outfn, &out);
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		texts[i] = CStringGetTextDatum(OutputFunctionCall(&out, keys[i]));
	}
	*param = PointerGetDatum(construct_array(texts, n, TEXTOID, -1, false, TYPALIGN_INT));
	return psprintf("%s WHERE %s", query, text_to_cstring(filter));
}

/*
 * Whether a read of nkeys keys from relid filters them in the query (an
 * index may find them) rather than reading every row and dropping those of
 * other keys in memory, which costs less than a constant array's filter
 * does per row: when the keys are few beside the table's rows, or its size
 * is unknown (never analyzed, or a view).
 */
bool
bg_sync_filter(Oid relid, double nkeys)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	double		rows = -1;

	if (HeapTupleIsValid(tup))
	{
		rows = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
		ReleaseSysCache(tup);
	}
	return rows <= 0 || nkeys * BG_SYNC_FILTER_RATIO <= rows;
}

static bool
reader_receive(TupleTableSlot *slot, DestReceiver *self)
{
	BgSyncReader *r = (BgSyncReader *) self;
	MemoryContext old;

	CHECK_FOR_INTERRUPTS();
	old = MemoryContextSwitchTo(r->rowcxt);
	r->row(r->arg, slot);
	MemoryContextSwitchTo(old);
	MemoryContextReset(r->rowcxt);
	return true;
}

static void
reader_startup(DestReceiver *self, int operation pg_attribute_unused(), TupleDesc desc)
{
	BgSyncReader *r = (BgSyncReader *) self;

	if (r->startup)
		r->startup(r->arg, desc);
}

static void
reader_noop(DestReceiver *self pg_attribute_unused())
{
}

void
bg_sync_reader_init(BgSyncReader *r, void *arg, void (*startup) (void *, TupleDesc),
					void (*row) (void *, TupleTableSlot *), MemoryContext rowcxt)
{
	memset(r, 0, sizeof(*r));
	r->pub.receiveSlot = reader_receive;
	r->pub.rStartup = reader_startup;
	r->pub.rShutdown = reader_noop;
	r->pub.rDestroy = reader_noop;
	r->pub.mydest = DestTuplestore; /* not DestNone: SPI would report no SELECT */
	r->arg = arg;
	r->startup = startup;
	r->row = row;
	r->rowcxt = rowcxt;
}

typedef struct BgSyncParamTypes
{
	int			n;
	const Oid  *types;
} BgSyncParamTypes;

static void
param_setup(struct ParseState *pstate, void *arg)
{
	BgSyncParamTypes *t = arg;

	setup_parse_fixed_parameters(pstate, t->types, t->n);
}

/* Runs one of bg's queries (over bg's tables) as the caller, its rows to r. */
void
bg_sync_run(const char *query, int nparams, const Oid *types, const Datum *values,
			const bool *nulls, BgSyncReader *r)
{
	ParamListInfo params = makeParamList(nparams);
	BgSyncParamTypes pt = {nparams, types};
	SPIExecuteOptions options;
	int			rc;

	params->parserSetup = param_setup;
	params->parserSetupArg = &pt;
	for (int i = 0; i < nparams; i++)
	{
		params->params[i].ptype = types[i];
		params->params[i].value = nulls[i] ? (Datum) 0 : values[i];
		params->params[i].isnull = nulls[i];
		params->params[i].pflags = PARAM_FLAG_CONST;
	}
	memset(&options, 0, sizeof(options));
	options.params = params;
	options.read_only = true;	/* the calling statement's snapshot */
	options.dest = &r->pub;
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	rc = SPI_execute_extended(query, &options);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "sync's query is not a SELECT: %s", SPI_result_code_string(rc));
	SPI_finish();
}

/* Errors unless column attno (0-based) of a read's rows is of type type. */
void
bg_sync_require(TupleDesc desc, int attno, Oid type, const char *what)
{
	if (desc->natts <= attno || TupleDescAttr(desc, attno)->atttypid != type)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the %s query does not return what sync reads", what),
				 errdetail("Column %d must be of type %s.", attno + 1, format_type_be(type))));
}

/* Errors unless a read's rows have natts columns (at least natts, with at_least). */
void
bg_sync_require_count(TupleDesc desc, int natts, bool at_least, const char *what)
{
	if (desc->natts < natts || (!at_least && desc->natts != natts))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the %s query does not return what sync reads", what),
				 errdetail_plural("It returns %d column, not %s%d.", "It returns %d columns, not %s%d.",
								  desc->natts, desc->natts, at_least ? "at least " : "", natts)));
}

#define BG_SYNC_BLOCK 65536

/* A copy of data[0 .. len) in b's blocks. */
const char *
bg_sync_copy(BgSyncBlocks *b, const char *data, Size len)
{
	char	   *p;

	if (len > b->left)
	{
		b->left = Max(BG_SYNC_BLOCK, len);
		b->next = MemoryContextAllocHuge(b->cxt, b->left);
	}
	p = b->next;
	memcpy(p, data, len);
	b->next += len;
	b->left -= len;
	return p;
}

/* Room for n elements of elem bytes (at least one), in cxt; what: what they are. */
void *
bg_sync_alloc(MemoryContext cxt, Size n, Size elem, const char *what)
{
	if (n > MaxAllocHugeSize / elem)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for a sync"),
				 errdetail("More than %zu %s.", (Size) (MaxAllocHugeSize / elem), what)));
	return MemoryContextAllocHuge(cxt, Max(n, 1) * elem);
}

