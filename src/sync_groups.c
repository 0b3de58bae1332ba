/*
 * sync_groups.c — the groups of a sync that finds its changes in memory,
 * the accounts whose people they count, and a batch's current members (see
 * sync_diff.c).  All three are bg's queries over bg's tables, run as the
 * caller (bg's owner).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "alloc_limit.h"
#include "sync_diff.h"
#include "sync_names.h"

/* the groups: (id bigint, aval, member_count integer[, names]); the walk: (root bigint, aval) */
typedef struct BgSyncGroupsRead
{
	BgSyncState *st;
	bool		walk;			/* this is the walk */
	bool		accounts;		/* the avals read are the groups' accounts */
	const char *names;			/* the interest's name, to read the names */
} BgSyncGroupsRead;

static void
groups_startup(void *arg, TupleDesc desc)
{
	BgSyncGroupsRead *gr = arg;
	const char *what = gr->walk ? "walk" : "groups";

	/* (the summaries, when the query reads them: bg's SQL of another revision does not) */
	if (!gr->walk)
		gr->st->rules = desc->natts > 3 && TupleDescAttr(desc, 3)->atttypid == BYTEAOID &&
			strcmp(NameStr(TupleDescAttr(desc, 3)->attname), "rule_members") == 0;
	bg_sync_require_count(desc, gr->walk ? 2 : 3 + gr->st->rules, gr->names != NULL, what);
	bg_sync_require(desc, 0, INT8OID, what);
	if (gr->walk)
		bg_sync_require(desc, 1, gr->st->acct.type, what);
	else
	{
		bg_sync_keys_init(&gr->st->acct, desc, 1, gr->st->cxt);
		bg_sync_require(desc, 2, INT4OID, what);
		gr->st->rules_data.cxt = gr->st->cxt;
	}
	if (gr->names)
		gr->st->names = bg_sync_names_start(gr->st->cxt, desc, gr->st->rules ? 4 : 3, gr->names);
}

/* Group g's rule summary from the groups' fourth column, copied; NULL stays NULL. */
static void
group_rules(BgSyncState *st, TupleTableSlot *slot, int32 g)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, 4, &isnull);
	bytea	   *b;

	st->groups[g].rules = NULL;
	st->groups[g].rules_len = 0;
	if (isnull)
		return;
	b = DatumGetByteaPP(d);
	st->groups[g].rules_len = VARSIZE_ANY_EXHDR(b);
	st->groups[g].rules = bg_sync_copy(&st->rules_data, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
}

static void
group_row(void *arg, TupleTableSlot *slot)
{
	BgSyncGroupsRead *gr = arg;
	BgSyncState *st = gr->st;
	bool		isnull;
	Datum		d;
	int32		g;
	MemoryContext old;

	d = slot_getattr(slot, 1, &isnull);
	if (isnull)
		return;					/* (never: a group's id) */
	if (gr->walk)
	{
		g = bg_sync_index_get(&st->group_ix, d).value;
		if (g < 0)
			return;				/* (never: the walk starts at the groups) */
	}
	else
	{
		old = MemoryContextSwitchTo(st->cxt);
		st->groups = bg_grow_array_huge(st->groups, &st->groups_cap, (Size) st->ngroups + 1, sizeof(BgSyncGroup), CurrentMemoryContext, "groups");
		MemoryContextSwitchTo(old);
		g = st->ngroups++;
		st->groups[g].id = DatumGetInt64(d);
		d = slot_getattr(slot, 3, &isnull);
		st->groups[g].expect = isnull ? 0 : Max(DatumGetInt32(d), 0);
		st->groups[g].needy = !st->rules;
		if (st->rules)
			group_rules(st, slot, g);
		else
			st->groups[g].rules = NULL;
		bg_sync_index_add(&st->group_ix, slot_getattr(slot, 1, &isnull), g);
		if (gr->names)
			bg_sync_names_group(st->names, slot, g);
	}
	d = slot_getattr(slot, 2, &isnull);
	if (!isnull && gr->accounts)	/* (a NULL account counts nobody) */
		bg_sync_index_add(&st->acct_ix, d, g);
}

static void
read_query(BgSyncState *st, const char *query, bool walk, bool accounts, const char *names,
		   int nparams, const Oid *types, const Datum *args, const bool *nulls)
{
	BgSyncGroupsRead gr = {st, walk, accounts, names};
	BgSyncReader r;

	bg_sync_reader_init(&r, &gr, groups_startup, group_row, st->rowcxt);
	bg_sync_run(query, nparams, types, args, nulls, &r);
}

typedef struct BgSyncRank
{
	int64		id;
	int32		idx;
} BgSyncRank;

static int
rank_cmp(const void *a, const void *b)
{
	const BgSyncRank *x = a;
	const BgSyncRank *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The groups in id order, the order their members are stored in (unless a
 * synchronized scan started in the middle of the table, or rows moved):
 * the indexes given so far renumbered.  Ids in a range not much larger
 * than their number (they are drawn from one sequence) are ranked through
 * an array over the range, others sorted.
 */
static void
order_groups(BgSyncState *st)
{
	int32		n = st->ngroups;
	int32	   *renum;
	BgSyncGroup *was;
	int64		lo = st->groups[0].id;
	int64		hi = lo;
	bool		sorted = true;

	for (int32 g = 1; g < n; g++)
	{
		CHECK_FOR_INTERRUPTS();
		sorted = sorted && st->groups[g - 1].id < st->groups[g].id;
		lo = Min(lo, st->groups[g].id);
		hi = Max(hi, st->groups[g].id);
	}
	if (sorted)
		return;
	renum = bg_sync_alloc(CurrentMemoryContext, n, sizeof(int32), "groups");
	if ((uint64) hi - (uint64) lo < (uint64) n * 4 + 1024)
	{
		uint64		span = (uint64) hi - (uint64) lo + 1;
		int32	   *rank = bg_sync_alloc(CurrentMemoryContext, span, sizeof(int32), "groups");
		int32		next = 0;

		memset(rank, 0, sizeof(int32) * span);
		for (int32 g = 0; g < n; g++)
		{
			CHECK_FOR_INTERRUPTS();
			rank[(uint64) st->groups[g].id - (uint64) lo] = 1;
		}
		for (uint64 i = 0; i < span; i++)
		{
			CHECK_FOR_INTERRUPTS();
			rank[i] = rank[i] ? next++ : -1;
		}
		for (int32 g = 0; g < n; g++)
		{
			CHECK_FOR_INTERRUPTS();
			renum[g] = rank[(uint64) st->groups[g].id - (uint64) lo];
		}
		pfree(rank);
	}
	else
	{
		BgSyncRank *r = bg_sync_alloc(CurrentMemoryContext, n, sizeof(BgSyncRank), "groups");

		for (int32 g = 0; g < n; g++)
		{
			CHECK_FOR_INTERRUPTS();
			r[g].id = st->groups[g].id;
			r[g].idx = g;
		}
		qsort(r, n, sizeof(BgSyncRank), rank_cmp);
		for (int32 g = 0; g < n; g++)
		{
			CHECK_FOR_INTERRUPTS();
			renum[r[g].idx] = g;
		}
		pfree(r);
	}
	was = bg_sync_alloc(CurrentMemoryContext, n, sizeof(BgSyncGroup), "groups");
	memcpy(was, st->groups, sizeof(BgSyncGroup) * n);
	for (int32 g = 0; g < n; g++)
	{
		CHECK_FOR_INTERRUPTS();
		st->groups[renum[g]] = was[g];
	}
	for (int32 i = 0; i < st->group_ix.nents; i++)
	{
		CHECK_FOR_INTERRUPTS();
		st->group_ix.ents[i].value = renum[st->group_ix.ents[i].value];
	}
	for (int32 i = 0; i < st->acct_ix.nents; i++)
	{
		CHECK_FOR_INTERRUPTS();
		st->acct_ix.ents[i].value = renum[st->acct_ix.ents[i].value];
	}
	if (st->names)
		bg_sync_names_renumber(st->names, renum);
	pfree(was);
	pfree(renum);
}

/*
 * Reads the groups (query: $1 the interest, $2 ids or NULL for all), in id
 * order, with their names when interest is given, and the accounts whose
 * people they count: each group's own (aval), or with subaccounts those of
 * the walk ($1 no people, $2 the interest, $3 ids).
 */
void
bg_sync_read_groups(BgSyncState *st, const char *query, const char *walk, const char *interest,
					Datum ids, bool ids_null, Datum interest_id)
{
	static const Oid groups_types[2] = {INT4OID, INT8ARRAYOID};
	static const Oid walk_types[3] = {TEXTARRAYOID, INT4OID, INT8ARRAYOID};
	Datum		args[3];
	bool		nulls[3];

	args[0] = interest_id;
	nulls[0] = false;
	args[1] = ids;
	nulls[1] = ids_null;
	read_query(st, query, false, walk == NULL, interest, 2, groups_types, args, nulls);
	if (st->ngroups == 0)
		return;
	order_groups(st);
	bg_sync_index_build(&st->group_ix);
	if (walk)
	{
		args[0] = (Datum) 0;
		nulls[0] = true;
		args[1] = interest_id;
		nulls[1] = false;
		args[2] = ids;
		nulls[2] = ids_null;
		read_query(st, walk, true, true, NULL, 3, walk_types, args, nulls);
	}
	bg_sync_index_build(&st->acct_ix);
}

/*
 * The members: whole rows of bg_internal.member (no projection: the scan's
 * own tuples), their columns found by name.
 */
enum
{
	MC_GROUP, MC_KEY, MC_ROLE, MC_SOURCE, MC_REMOVED, MC_N
};

static void
members_startup(void *arg, TupleDesc desc)
{
	static const char *const names[MC_N] = {"group_id", "person_key", "role_id", "source", "is_removed"};
	static const Oid types[MC_N] = {INT8OID, TEXTOID, INT4OID, TEXTOID, BOOLOID};
	BgSyncState *st = arg;

	st->member_natts = 0;
	for (int c = 0; c < MC_N; c++)
	{
		int			i = 0;

		while (i < desc->natts && strcmp(NameStr(TupleDescAttr(desc, i)->attname), names[c]) != 0)
			i++;
		bg_sync_require(desc, i, types[c], "members");
		st->member_att[c] = i;
		st->member_natts = Max(st->member_natts, i + 1);
	}
}

static void
member_row(void *arg, TupleTableSlot *slot)
{
	BgSyncState *st = arg;
	BgSyncMember *m;
	Datum		id;
	text	   *source;
	MemoryContext old;

	slot_getsomeattrs(slot, st->member_natts);
	id = slot->tts_values[st->member_att[MC_GROUP]];
	if (DatumGetInt64(id) != st->last_id || st->last_idx < 0)
	{
		st->last_id = DatumGetInt64(id);
		st->last_idx = bg_sync_index_get(&st->group_ix, id).value;
	}
	if (st->last_idx < st->first || st->last_idx >= st->last || !st->groups[st->last_idx].needy)
		return;					/* a group of another interest or batch, or whose summary matched */
	old = MemoryContextSwitchTo(st->batchcxt);
	st->members = bg_grow_array_huge(st->members, &st->members_cap, (Size) st->nmembers + 1, sizeof(BgSyncMember), CurrentMemoryContext, "members");
	m = &st->members[st->nmembers++];
	bg_sync_key(st, m, slot->tts_values[st->member_att[MC_KEY]], false);
	m->group = st->last_idx;
	m->role_id = DatumGetInt32(slot->tts_values[st->member_att[MC_ROLE]]);
	source = DatumGetTextPP(slot->tts_values[st->member_att[MC_SOURCE]]);
	m->flags = (VARSIZE_ANY_EXHDR(source) == 4 && memcmp(VARDATA_ANY(source), "rule", 4) == 0 ?
				BG_SYNC_M_RULE : 0) |
		(DatumGetBool(slot->tts_values[st->member_att[MC_REMOVED]]) ? BG_SYNC_M_REMOVED : 0);
	MemoryContextSwitchTo(old);
}

/*
 * The current members of the batch's needy groups (all of them without
 * summaries; else those whose summary did not match), read by the range of
 * their ids (members of other groups in it are dropped) or, for groups
 * far apart or few, by their ids; room is made for as many as the groups
 * store.
 */
void
bg_sync_read_members(BgSyncState *st)
{
	static const Oid range_types[2] = {INT8OID, INT8OID};
	static const Oid ids_types[1] = {INT8ARRAYOID};
	static const bool nulls[2] = {false, false};
	BgSyncReader r;
	Datum		args[2];
	int64		lo = 0;
	int64		hi = -1;
	int32		n = 0;
	double		expect = 0;

	for (int32 g = st->first; g < st->last; g++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!st->groups[g].needy)
			continue;
		lo = n == 0 ? st->groups[g].id : lo;
		hi = st->groups[g].id;
		n++;
		expect += st->groups[g].expect;
	}
	st->members_cap = (int32) Min(expect * 1.1 + 1024, PG_INT32_MAX / 2);
	st->members = bg_sync_alloc(st->batchcxt, st->members_cap, sizeof(BgSyncMember), "members");
	st->nmembers = 0;
	st->last_idx = -1;
	bg_sync_reader_init(&r, st, members_startup, member_row, st->rowcxt);
	if (n == 0)
		return;
	if ((double) n * 4 >= (double) hi - (double) lo)
	{
		args[0] = Int64GetDatum(lo);
		args[1] = Int64GetDatum(hi);
		bg_sync_run("SELECT m.* FROM bg_internal.member m WHERE m.group_id BETWEEN $1 AND $2",
					2, range_types, args, nulls, &r);
	}
	else
	{
		Datum	   *ids = bg_sync_alloc(CurrentMemoryContext, n, sizeof(Datum), "groups");
		int32		k = 0;

		for (int32 g = st->first; g < st->last; g++)
		{
			CHECK_FOR_INTERRUPTS();
			if (st->groups[g].needy)
				ids[k++] = Int64GetDatum(st->groups[g].id);
		}
		args[0] = PointerGetDatum(construct_array(ids, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		bg_sync_run("SELECT m.* FROM bg_internal.member m WHERE m.group_id = ANY ($1)",
					1, ids_types, args, nulls, &r);
	}
}
