/*
 * sync_read.h — what bg_internal._sync_diff (sync_diff.c) and
 * bg_internal._sync_renamed (sync_names.c) share (sync_read.c): reads whose
 * rows stream into a function, and keys of a column's type matched by the
 * type's own equality and hash functions.
 */
#ifndef BG_SYNC_READ_H
#define BG_SYNC_READ_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "common/hashfn.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "tcop/dest.h"

/* Keys of one type. */
typedef struct BgSyncKeys
{
	Oid			type;
	int16		len;
	bool		byval;
	bool		ints;			/* equal exactly when their Datums are */
	Oid			coll;
	FmgrInfo	hashfn;
	FmgrInfo	eqfn;
} BgSyncKeys;

/* Bytes copied into blocks of one memory context. */
typedef struct BgSyncBlocks
{
	MemoryContext cxt;
	char	   *next;
	Size		left;
} BgSyncBlocks;

/* A receiver of a read's rows: each goes to row(arg, slot) in rowcxt. */
typedef struct BgSyncReader
{
	DestReceiver pub;
	void	   *arg;
	void		(*startup) (void *arg, TupleDesc desc);
	void		(*row) (void *arg, TupleTableSlot *slot);
	MemoryContext rowcxt;		/* reset after every row */
} BgSyncReader;

extern void bg_sync_keys_init(BgSyncKeys *k, TupleDesc desc, int attno, MemoryContext cxt);
extern void bg_sync_keys_int8(BgSyncKeys *k);
extern const char *bg_sync_filtered(BgSyncKeys *k, Datum *keys, int n, const char *query, text *filter,
									Datum *param);
extern bool bg_sync_filter(Oid relid, double nkeys);
extern void bg_sync_reader_init(BgSyncReader *r, void *arg, void (*startup) (void *, TupleDesc),
								void (*row) (void *, TupleTableSlot *), MemoryContext rowcxt);
extern void bg_sync_run(const char *query, int nparams, const Oid *types, const Datum *values,
						const bool *nulls, BgSyncReader *r);
extern void bg_sync_require(TupleDesc desc, int attno, Oid type, const char *what);
extern void bg_sync_require_count(TupleDesc desc, int natts, bool at_least, const char *what);
extern const char *bg_sync_copy(BgSyncBlocks *b, const char *data, Size len);
extern void *bg_sync_alloc(MemoryContext cxt, Size n, Size elem, const char *what);

static inline uint32
bg_sync_key_hash(BgSyncKeys *k, Datum d)
{
	if (k->ints)
		return hash_uint32((uint32) ((uint64) d ^ ((uint64) d >> 32)));
	return DatumGetUInt32(FunctionCall1Coll(&k->hashfn, k->coll, d));
}

static inline bool
bg_sync_key_equal(BgSyncKeys *k, Datum a, Datum b)
{
	if (k->ints)
		return a == b;
	return DatumGetBool(FunctionCall2Coll(&k->eqfn, k->coll, a, b));
}

#endif							/* BG_SYNC_READ_H */
