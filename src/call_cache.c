/*
 * call_cache.c — the per-call-site cache entry shared by the evaluator,
 * bg.matches and the scoring aggregates (see call_cache.h).
 */
#include "postgres.h"

#include "fmgr.h"
#include "nodes/primnodes.h"
#include "utils/memutils.h"

#include "call_cache.h"

/*
 * A new, stale entry for this call site, in fn_extra.  key_const says that
 * the key argument is a constant, so the key is never compared.
 */
BgCallCache *
bg_call_cache_create(FunctionCallInfo fcinfo, bool key_const)
{
	FmgrInfo   *flinfo = fcinfo->flinfo;
	BgCallCache *cc;

	Assert(flinfo->fn_extra == NULL);
	cc = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(BgCallCache));
	cc->cxt = AllocSetContextCreate(flinfo->fn_mcxt, "bg call site cache",
									 ALLOCSET_SMALL_SIZES);
	cc->key_const = key_const;
	cc->rowtype = InvalidOid;
	cc->rowtypmod = -1;
	flinfo->fn_extra = cc;
	return cc;
}

/*
 * Drops the entry's data before a rebuild.  Returns the catalog generation
 * to store with the new data: read before building, so that invalidations
 * processed while building make the next call rebuild again.
 */
uint64
bg_call_cache_reset(BgCallCache *cc)
{
	cc->data = NULL;
	cc->key = NULL;
	cc->keylen = 0;
	MemoryContextReset(cc->cxt);
	return bg_catalog_generation;
}

/* Records data (allocated in cc->cxt) as built from key and row's type. */
void
bg_call_cache_store(BgCallCache *cc, void *data, uint64 generation,
					const char *key, int keylen, HeapTupleHeader row)
{
	Assert(data != NULL && keylen >= 0);
	cc->key = MemoryContextAlloc(cc->cxt, keylen + 1);
	memcpy(cc->key, key, keylen);
	cc->key[keylen] = '\0';
	cc->keylen = keylen;
	cc->generation = generation;
	cc->rowtype = row ? HeapTupleHeaderGetTypeId(row) : InvalidOid;
	cc->rowtypmod = row ? HeapTupleHeaderGetTypMod(row) : -1;
	cc->data = data;
}

/*
 * Whether argument argno of this call is a constant.  For an aggregate's
 * transition function the executor's expression has placeholders, so the
 * Aggref is asked instead (its arguments start at argno - 1).
 */
bool
bg_arg_is_const(FunctionCallInfo fcinfo, int argno)
{
	Aggref	   *agg = AggGetAggref(fcinfo);

	if (agg)
	{
		TargetEntry *te;

		if (argno < 1 || argno > list_length(agg->args))
			return false;
		te = list_nth(agg->args, argno - 1);
		return IsA(te->expr, Const);
	}
	return get_fn_expr_arg_stable(fcinfo->flinfo, argno);
}
