/*
 * call_cache.h — one entry per call site (fn_extra) for what a function
 * builds from its arguments and bg's catalog: a compiled template, a
 * compiled condition, a template's role names.
 *
 * The entry records what its data was built from: bg_catalog_generation, a
 * text key (a template name or a condition, not compared when the key
 * argument is a constant) and a row's type, when it reads rows.  The user checks it with
 * bg_call_cache_fresh on every call (no allocation, at most one memcmp of
 * the key) and, when stale, rebuilds its data in the entry's memory context
 * between bg_call_cache_reset and bg_call_cache_store.
 */
#ifndef BG_CALL_CACHE_H
#define BG_CALL_CACHE_H

#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"

#include "template_cache.h"

typedef struct BgCallCache
{
	MemoryContext cxt;			/* owns data and key; reset on rebuild */
	void	   *data;			/* the user's entry, or NULL while stale */
	uint64		generation;		/* bg_catalog_generation data was built under */
	char	   *key;			/* the key text data was built from */
	int			keylen;
	bool		key_const;		/* the key argument is a constant */
	Oid			rowtype;		/* row type data was built for, or InvalidOid */
	int32		rowtypmod;
} BgCallCache;

extern BgCallCache *bg_call_cache_create(FunctionCallInfo fcinfo, bool key_const);
extern uint64 bg_call_cache_reset(BgCallCache *cc);
extern void bg_call_cache_store(BgCallCache *cc, void *data, uint64 generation,
								const char *key, int keylen, HeapTupleHeader row);
extern bool bg_arg_is_const(FunctionCallInfo fcinfo, int argno);

/*
 * Whether cc's data was built under the current catalog generation, from key
 * (unless the key is a constant) and for the type of row (NULL: no row).
 */
static inline bool
bg_call_cache_fresh(const BgCallCache *cc, const char *key, int keylen,
					HeapTupleHeader row)
{
	return cc->data != NULL &&
		cc->generation == bg_catalog_generation &&
		(row == NULL ||
		 (cc->rowtype == HeapTupleHeaderGetTypeId(row) &&
		  cc->rowtypmod == HeapTupleHeaderGetTypMod(row))) &&
		(cc->key_const ||
		 (cc->keylen == keylen && memcmp(cc->key, key, keylen) == 0));
}

/* Row argument argno (not null), detoasted only when it is toasted. */
static inline HeapTupleHeader
bg_row_arg(FunctionCallInfo fcinfo, int argno)
{
	HeapTupleHeader row = (HeapTupleHeader) DatumGetPointer(PG_GETARG_DATUM(argno));

	return VARATT_IS_EXTENDED(row) ? PG_GETARG_HEAPTUPLEHEADER(argno) : row;
}

#endif							/* BG_CALL_CACHE_H */
