/*
 * sync_index.h — keys of one type mapped to small integers, for sync's
 * in-memory diff (sync_index.c): built once from (key, value) pairs, then
 * looked up by key.  Integer keys in a range not much larger than their
 * number are looked up in an array by their offset (the common case: ids
 * and integer account keys, whose array stays in cache where a hash table
 * would not); other keys in a hash table.
 */
#ifndef BG_SYNC_INDEX_H
#define BG_SYNC_INDEX_H

#include "postgres.h"

#include "sync_read.h"

typedef struct BgSyncIndexEnt
{
	Datum		key;
	int32		value;
	int32		next;			/* the next entry of the same key, or -1 */
} BgSyncIndexEnt;

typedef struct BgSyncIndex
{
	BgSyncKeys *keys;
	MemoryContext cxt;
	BgSyncIndexEnt *ents;		/* in the order added */
	int32		nents;
	int32		cap;
	int32		ndistinct;		/* once built */
	int64		base;			/* dense: key base + i is dense[i] */
	uint64		span;
	int32	   *dense;			/* or NULL */
	struct bgsyncidx_hash *hash;	/* when not dense */
} BgSyncIndex;

/*
 * A key looked up: the value of its first entry (-1: no entry), and the
 * entry of its next value (-1: none; follow ents[].next from there).
 */
typedef struct BgSyncFound
{
	int32		value;
	int32		more;
} BgSyncFound;

extern void bg_sync_index_init(BgSyncIndex *ix, BgSyncKeys *keys, MemoryContext cxt, int32 expect);
extern void bg_sync_index_add(BgSyncIndex *ix, Datum key, int32 value);
extern void bg_sync_index_build(BgSyncIndex *ix);
extern uint32 bg_sync_index_hash_prefetch(BgSyncIndex *ix, Datum key);
extern BgSyncFound bg_sync_index_hash_find(BgSyncIndex *ix, Datum key, uint32 hash);
extern Datum *bg_sync_index_keys(BgSyncIndex *ix);

#if defined(__GNUC__) || defined(__clang__)
#define bg_sync_prefetch(p) __builtin_prefetch(p)
#else
#define bg_sync_prefetch(p) ((void) (p))
#endif

/*
 * dense[i]: -1 no entry; >= 0 the value of the key's only entry; else -2 -
 * the key's first entry.
 */
static inline BgSyncFound
bg_sync_dense_found(BgSyncIndex *ix, int32 code)
{
	BgSyncFound f = {code, -1};

	if (code < -1)
	{
		f.value = ix->ents[-2 - code].value;
		f.more = ix->ents[-2 - code].next;
	}
	return f;
}

/*
 * Starts fetching the memory a lookup of key reads; returns what
 * bg_sync_index_find needs of it then.
 */
static inline uint32
bg_sync_index_prefetch(BgSyncIndex *ix, Datum key)
{
	if (ix->dense)
	{
		uint64		off = (uint64) DatumGetInt64(key) - (uint64) ix->base;

		if (off < ix->span)
			bg_sync_prefetch(&ix->dense[off]);
		return 0;
	}
	return bg_sync_index_hash_prefetch(ix, key);
}

/* key looked up; hash: what bg_sync_index_prefetch returned for it. */
static inline BgSyncFound
bg_sync_index_find(BgSyncIndex *ix, Datum key, uint32 hash)
{
	if (ix->dense)
	{
		uint64		off = (uint64) DatumGetInt64(key) - (uint64) ix->base;

		return bg_sync_dense_found(ix, off < ix->span ? ix->dense[off] : -1);
	}
	return bg_sync_index_hash_find(ix, key, hash);
}

/*
 * The next value of a key found, or -1 after the last: with e -1 at first,
 *   for (int32 e = -1, v = f.value; v >= 0; v = bg_sync_found_next(ix, f, &e))
 */
static inline int32
bg_sync_found_next(BgSyncIndex *ix, BgSyncFound f, int32 *e)
{
	*e = *e < 0 ? f.more : ix->ents[*e].next;
	return *e < 0 ? -1 : ix->ents[*e].value;
}

/* key looked up at once. */
static inline BgSyncFound
bg_sync_index_get(BgSyncIndex *ix, Datum key)
{
	return bg_sync_index_find(ix, key, ix->dense ? 0 : bg_sync_key_hash(ix->keys, key));
}

#endif							/* BG_SYNC_INDEX_H */
