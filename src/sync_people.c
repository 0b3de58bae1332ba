/*
 * sync_people.c — the read of the people of a sync that finds its changes
 * in memory (see sync_diff.c): the members the template wants.
 *
 * The people arrive as (aval, person key, the columns the template reads,
 * or the whole row), read as their table's owner (read_as_owner.c).  Each
 * person's role is evaluated on the read's own slot, while the entry of
 * its account (the groups that count its people) is fetched from memory;
 * a wanted person then becomes a wanted member of each of those groups,
 * appended to the bucket of adjacent groups it falls in (sync_compare.c
 * puts each bucket in group order and compares each group's wanted members
 * with its current ones, adjacent in memory: looking each person up among
 * the members of its group as the person comes would wait for memory at
 * every person).  When the groups are compared in several batches (to fit
 * in memory), the people are read once per batch and only the people of
 * the batch's accounts are evaluated.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "read_as_owner.h"
#include "sync_diff.h"

static void
people_startup(void *arg, TupleDesc desc)
{
	BgSyncState *st = arg;
	TupleDesc	evdesc;
	MemoryContext old;

	bg_sync_require_count(desc, 3, true, "people");
	bg_sync_require(desc, 0, st->acct.type, "people");
	st->key_type = getBaseType(TupleDescAttr(desc, 1)->atttypid);
	if (st->key_type != INT2OID && st->key_type != INT4OID && st->key_type != INT8OID)
		bg_sync_require(desc, 1, TEXTOID, "people");
	st->row_mode = desc->natts == 3 &&
		(TupleDescAttr(desc, 2)->atttypid == st->rowtype || TupleDescAttr(desc, 2)->atttypid == RECORDOID);
	if (st->row_mode || st->ev)
		return;					/* compiled for the rows' type, or for an earlier batch */

	/* the template over the read's own slot, its first two columns hidden */
	MemoryContextReset(st->evcxt);
	old = MemoryContextSwitchTo(st->evcxt);
	evdesc = CreateTupleDescCopy(desc);
	TupleDescAttr(evdesc, 0)->attisdropped = true;
	TupleDescAttr(evdesc, 1)->attisdropped = true;
	st->ev = bg_eval_compile(st->tmpl, evdesc, st->evcxt);
	st->ev->tmpl_const = true;
	ExecDropSingleTupleTableSlot(st->ev->slot);
	st->ev->slot = NULL;
	MemoryContextSwitchTo(old);
}

/* The role of the person in slot (-1: none). */
static int
person_role(BgSyncState *st, TupleTableSlot *slot)
{
	HeapTupleHeader row;
	bool		isnull;
	Datum		d;
	MemoryContext old;

	if (!st->row_mode)
	{
		st->ev->slot = slot;
		st->ev->rowno++;
		return bg_eval_role(st->ev);
	}
	d = slot_getattr(slot, 3, &isnull);
	if (isnull)
		return -1;
	row = DatumGetHeapTupleHeader(d);
	if (st->ev == NULL || st->ev->rowtype != HeapTupleHeaderGetTypeId(row) ||
		st->ev->rowtypmod != HeapTupleHeaderGetTypMod(row))
	{
		/* compiled for the row's type (the first row's, as a rule) */
		MemoryContextReset(st->evcxt);
		old = MemoryContextSwitchTo(st->evcxt);
		st->ev = bg_eval_compile(st->tmpl,
								 lookup_rowtype_tupdesc_copy(HeapTupleHeaderGetTypeId(row),
															 HeapTupleHeaderGetTypMod(row)),
								 st->evcxt);
		st->ev->tmpl_const = true;
		MemoryContextSwitchTo(old);
	}
	bg_eval_set_row(st->ev, row);
	return bg_eval_role(st->ev);
}

/*
 * m's key from the people's: its canonical text, or an integer's, whose
 * canonical text is its decimal form (what int8out and its kin print).
 */
static void
person_key(BgSyncState *st, BgSyncMember *m, Datum d, bool isnull)
{
	char		buf[MAXINT8LEN + 1];
	int64		v;

	if (isnull || st->key_type == TEXTOID)
	{
		bg_sync_key(st, m, d, isnull);
		return;
	}
	v = st->key_type == INT8OID ? DatumGetInt64(d) :
		st->key_type == INT4OID ? DatumGetInt32(d) : DatumGetInt16(d);
	bg_sync_key_bytes(st, m, buf, pg_lltoa(v, buf));
}

/* A wanted member of group g, person key d (as copy, when given). */
static BgSyncMember *
want(BgSyncState *st, int32 g, Datum d, bool isnull, int32 role_id, BgSyncMember *copy)
{
	int32		b = (g - st->first) >> st->shift;
	BgSyncChunk *c = st->buckets[b];
	BgSyncMember *w;

	if (c == NULL || c->n == BG_SYNC_CHUNK)
	{
		if (st->nwanted == PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many rows for a sync"),
					 errdetail("More than %d %s.", PG_INT32_MAX, "wanted members")));
		c = MemoryContextAlloc(st->batchcxt, sizeof(BgSyncChunk));
		c->next = st->buckets[b];
		c->n = 0;
		st->buckets[b] = c;
	}
	w = &c->m[c->n++];
	if (copy)
		*w = *copy;
	else
	{
		person_key(st, w, d, isnull);
		w->role_id = role_id;
		w->flags = 0;
	}
	w->group = g;
	st->bucket_n[b]++;
	st->nwanted++;
	return w;
}

/* Whether group g is in the batch, or another group of the same account is. */
static inline bool
in_batch(BgSyncState *st, BgSyncFound f)
{
	for (int32 e = -1, g = f.value; g >= 0; g = bg_sync_found_next(&st->acct_ix, f, &e))
		if (g >= st->first && g < st->last)
			return true;
	return false;
}

static void
person_row(void *arg, TupleTableSlot *slot)
{
	BgSyncState *st = arg;
	bool		isnull;
	Datum		acct;
	Datum		d;
	uint32		hash;
	BgSyncFound f;
	int			role;
	MemoryContext old;
	BgSyncMember *first = NULL;

	acct = slot_getattr(slot, 1, &isnull);
	if (isnull)
		return;					/* no group counts this person */
	if (st->nbatches > 1)
	{
		/* only the people of the batch's groups are evaluated */
		f = bg_sync_index_get(&st->acct_ix, acct);
		if (f.value < 0 || !in_batch(st, f))
			return;
		role = person_role(st, slot);
	}
	else
	{
		/* the account's groups looked up after the evaluation, fetched meanwhile */
		hash = bg_sync_index_prefetch(&st->acct_ix, acct);
		role = person_role(st, slot);
		if (role < 0)
			return;
		f = bg_sync_index_find(&st->acct_ix, acct, hash);
	}
	if (role < 0 || f.value < 0)
		return;					/* not wanted: its rule members go in the end */
	d = slot_getattr(slot, 2, &isnull);
	old = MemoryContextSwitchTo(st->batchcxt);
	for (int32 e = -1, g = f.value; g >= 0; g = bg_sync_found_next(&st->acct_ix, f, &e))
	{
		BgSyncMember *w;

		if (g < st->first || g >= st->last)
			continue;			/* (subaccounts) a group of another batch */
		w = want(st, g, d, isnull, st->role_ids[role], first);
		first = first ? first : w;	/* (subaccounts) the others copy it */
	}
	MemoryContextSwitchTo(old);
}

/*
 * Reads the people of the accounts of the batch's groups (with the filter
 * when those accounts are few) as their table's owner, into st->buckets.
 */
void
bg_sync_read_people(BgSyncState *st)
{
	Oid			owner = bg_read_owner(st->people, &st->rowtype);
	BgSyncReader r;
	Datum		keys = (Datum) 0;
	const char *query = st->people_query;
	int32		nkeys = st->acct_ix.ndistinct;
	Datum	   *vals = NULL;
	bool		filtered;

	if (st->nbatches > 1)
	{
		/* the batch's accounts */
		vals = bg_sync_alloc(CurrentMemoryContext, st->acct_ix.nents, sizeof(Datum), "accounts");
		nkeys = 0;
		for (int32 i = 0; i < st->acct_ix.nents; i++)
		{
			CHECK_FOR_INTERRUPTS();
			if (st->acct_ix.ents[i].value >= st->first && st->acct_ix.ents[i].value < st->last)
				vals[nkeys++] = st->acct_ix.ents[i].key;	/* (an account of several: repeated) */
		}
	}
	filtered = st->people_filter != NULL && bg_sync_filter(st->people, nkeys);
	if (filtered)
		query = bg_sync_filtered(&st->acct, vals ? vals : bg_sync_index_keys(&st->acct_ix), nkeys,
								 query, st->people_filter, &keys);
	bg_sync_reader_init(&r, st, people_startup, person_row, st->rowcxt);
	bg_read_run(st->people, query, keys, !filtered, owner, &r.pub);
}
