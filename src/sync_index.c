/*
 * sync_index.c — keys of one type mapped to small integers (see
 * sync_index.h).
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/datum.h"
#include "utils/memutils.h"

#include "alloc_limit.h"
#include "sync_index.h"

/* a key -> its first entry */
typedef struct BgSyncIdxEnt
{
	Datum		key;
	uint32		hash;
	int32		first;
	char		status;
} BgSyncIdxEnt;

#define SH_PREFIX bgsyncidx
#define SH_ELEMENT_TYPE BgSyncIdxEnt
#define SH_KEY_TYPE Datum
#define SH_KEY key
#define SH_HASH_KEY(tb, k) bg_sync_key_hash((BgSyncKeys *) (tb)->private_data, (k))
#define SH_EQUAL(tb, a, b) bg_sync_key_equal((BgSyncKeys *) (tb)->private_data, (a), (b))
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* An array of integer keys at most this many times as long as their number (plus some). */
#define BG_SYNC_DENSE_RATIO 4
#define BG_SYNC_DENSE_MIN 1024

/* An empty index of keys, in cxt; expect: how many entries are likely. */
void
bg_sync_index_init(BgSyncIndex *ix, BgSyncKeys *keys, MemoryContext cxt, int32 expect)
{
	memset(ix, 0, sizeof(*ix));
	ix->keys = keys;
	ix->cxt = cxt;
	ix->cap = Max(expect, 1024);
	ix->ents = bg_sync_alloc(cxt, ix->cap, sizeof(BgSyncIndexEnt), "keys");
}

/* Adds (key, value); the key is copied. */
void
bg_sync_index_add(BgSyncIndex *ix, Datum key, int32 value)
{
	MemoryContext old = MemoryContextSwitchTo(ix->cxt);
	BgSyncIndexEnt *e;

	ix->ents = bg_grow_array_huge(ix->ents, &ix->cap, (Size) ix->nents + 1, sizeof(BgSyncIndexEnt), CurrentMemoryContext, "keys");
	e = &ix->ents[ix->nents++];
	e->key = ix->keys->byval ? key : datumCopy(key, false, ix->keys->len);
	e->value = value;
	MemoryContextSwitchTo(old);
}

/* Builds the lookup: an array when the keys allow, else a hash table. */
void
bg_sync_index_build(BgSyncIndex *ix)
{
	int64		lo = 0;
	int64		hi = 0;

	if (ix->keys->ints && ix->nents > 0)
	{
		lo = hi = DatumGetInt64(ix->ents[0].key);
		for (int32 i = 1; i < ix->nents; i++)
		{
			int64		k = DatumGetInt64(ix->ents[i].key);

			CHECK_FOR_INTERRUPTS();
			lo = Min(lo, k);
			hi = Max(hi, k);
		}
	}
	if (ix->keys->ints && ix->nents > 0 &&
		(uint64) hi - (uint64) lo < (uint64) ix->nents * BG_SYNC_DENSE_RATIO + BG_SYNC_DENSE_MIN)
	{
		ix->base = lo;
		ix->span = (uint64) hi - (uint64) lo + 1;
		ix->dense = bg_sync_alloc(ix->cxt, ix->span, sizeof(int32), "keys");
		memset(ix->dense, -1, sizeof(int32) * ix->span);
		/* each key's entries chained, from the last added */
		for (int32 i = 0; i < ix->nents; i++)
		{
			int32	   *head;

			CHECK_FOR_INTERRUPTS();
			head = &ix->dense[(uint64) DatumGetInt64(ix->ents[i].key) - (uint64) lo];
			ix->ents[i].next = *head;
			*head = i;
		}
		/* then the value of a key's only entry in place of the entry */
		for (uint64 off = 0; off < ix->span; off++)
		{
			int32		head = ix->dense[off];

			CHECK_FOR_INTERRUPTS();
			if (head < 0)
				continue;
			ix->ndistinct++;
			ix->dense[off] = ix->ents[head].next < 0 ? ix->ents[head].value : -2 - head;
		}
		return;
	}
	ix->hash = bgsyncidx_create(ix->cxt, Max(ix->nents, 16), ix->keys);
	for (int32 i = 0; i < ix->nents; i++)
	{
		bool		found;
		BgSyncIdxEnt *e = bgsyncidx_insert(ix->hash, ix->ents[i].key, &found);

		CHECK_FOR_INTERRUPTS();
		if (!found)
		{
			e->first = -1;
			ix->ndistinct++;
		}
		ix->ents[i].next = e->first;
		e->first = i;
	}
}

uint32
bg_sync_index_hash_prefetch(BgSyncIndex *ix, Datum key)
{
	uint32		hash = bg_sync_key_hash(ix->keys, key);

	bg_sync_prefetch(&ix->hash->data[hash & ix->hash->sizemask]);
	return hash;
}

BgSyncFound
bg_sync_index_hash_find(BgSyncIndex *ix, Datum key, uint32 hash)
{
	BgSyncIdxEnt *e = bgsyncidx_lookup_hash(ix->hash, key, hash);
	BgSyncFound f = {-1, -1};

	if (e)
	{
		f.value = ix->ents[e->first].value;
		f.more = ix->ents[e->first].next;
	}
	return f;
}

/* The distinct keys (ndistinct of them). */
Datum *
bg_sync_index_keys(BgSyncIndex *ix)
{
	Datum	   *keys = bg_sync_alloc(CurrentMemoryContext, ix->ndistinct, sizeof(Datum), "keys");
	int32		n = 0;

	if (ix->dense)
	{
		for (uint64 off = 0; off < ix->span; off++)
		{
			CHECK_FOR_INTERRUPTS();
			if (ix->dense[off] != -1)
				keys[n++] = Int64GetDatum(ix->base + (int64) off);	/* (integers' Datums) */
		}
	}
	else
	{
		for (int32 i = 0; i < ix->nents; i++)
		{
			CHECK_FOR_INTERRUPTS();
			if (bgsyncidx_lookup(ix->hash, ix->ents[i].key)->first == i)
				keys[n++] = ix->ents[i].key;
		}
	}
	Assert(n == ix->ndistinct);
	return keys;
}
