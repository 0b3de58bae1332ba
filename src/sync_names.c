/*
 * sync_names.c — the groups whose names no longer follow their account's
 * name (docs/design.md §6.5, "Names follow accounts"), for a sync that
 * finds its groups in memory (sync_diff.c).
 *
 * A group is named "<interest> for <account name>" (its account key when
 * the name is NULL) and keeps account_name; it is to be renamed when either
 * differs from what the bound account's name gives now.  A group whose
 * account is gone keeps its names.  sync_diff.c hands each group's row
 * over as it reads them (its key of the accounts' key type, the key as
 * stored, name, account_name); then the accounts are read, as their
 * table's owner (key, name as text), and each is compared at once with the
 * groups of its key.  Keys match by their type's equality, as
 * bg_internal._group_names_sql's join with the accounts matches them.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"

#include "read_as_owner.h"
#include "alloc_limit.h"
#include "sync_index.h"
#include "sync_names.h"
#include "sync_read.h"

/* A text value kept in blocks: data[0 .. len), or NULL (len -1). */
typedef struct BgSyncText
{
	const char *data;
	int32		len;
} BgSyncText;

typedef struct BgSyncNamed
{
	int32		group;			/* the caller's index of the group */
	BgSyncText	key;			/* the account key as stored */
	BgSyncText	name;
	BgSyncText	account_name;
} BgSyncNamed;

struct BgSyncNames
{
	MemoryContext cxt;
	int			attno;			/* the groups' first column of names */
	BgSyncKeys	key;			/* the accounts' key type */
	BgSyncIndex keys;			/* account key -> index into groups */
	BgSyncNamed *groups;
	int32		ngroups;
	int32		groups_cap;
	BgSyncBlocks texts;
	const char *prefix;			/* "<interest> for " */
	int32		prefix_len;
	void		(*renamed) (void *arg, int32 group);
	void	   *arg;
};

/*
 * Names checked for groups whose rows have, from column attno (0-based) on,
 * (key of the accounts' key type, account_key, name, account_name); in cxt.
 */
BgSyncNames *
bg_sync_names_start(MemoryContext cxt, TupleDesc desc, int attno, const char *interest)
{
	BgSyncNames *n = MemoryContextAllocZero(cxt, sizeof(BgSyncNames));

	bg_sync_require_count(desc, attno + 4, false, "groups");
	for (int i = attno + 1; i < attno + 4; i++)
		bg_sync_require(desc, i, TEXTOID, "groups");
	n->cxt = cxt;
	n->attno = attno;
	bg_sync_keys_init(&n->key, desc, attno, cxt);
	bg_sync_index_init(&n->keys, &n->key, cxt, 0);
	n->texts.cxt = cxt;
	n->prefix = MemoryContextStrdup(cxt, psprintf("%s for ", interest));
	n->prefix_len = strlen(n->prefix);
	return n;
}

static BgSyncText
keep_text(BgSyncNames *n, TupleTableSlot *slot, int attno)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, attno, &isnull);
	BgSyncText	t = {NULL, -1};
	text	   *v;

	if (isnull)
		return t;
	v = DatumGetTextPP(d);
	t.len = VARSIZE_ANY_EXHDR(v);
	t.data = bg_sync_copy(&n->texts, VARDATA_ANY(v), t.len);
	return t;
}

/* The names of the caller's group (index group) in a row of the groups. */
void
bg_sync_names_group(BgSyncNames *n, TupleTableSlot *slot, int32 group)
{
	bool		isnull;
	Datum		key = slot_getattr(slot, n->attno + 1, &isnull);
	BgSyncNamed *g;
	MemoryContext old;

	if (isnull)
		return;					/* (never: account keys are not null) */
	old = MemoryContextSwitchTo(n->cxt);
	n->groups = bg_grow_array_huge(n->groups, &n->groups_cap, (Size) n->ngroups + 1, sizeof(BgSyncNamed), CurrentMemoryContext, "groups");
	g = &n->groups[n->ngroups];
	g->group = group;
	g->key = keep_text(n, slot, n->attno + 2);
	g->name = keep_text(n, slot, n->attno + 3);
	g->account_name = keep_text(n, slot, n->attno + 4);
	bg_sync_index_add(&n->keys, key, n->ngroups++);
	MemoryContextSwitchTo(old);
}

/* The caller's groups renumbered: group i is now renum[i]. */
void
bg_sync_names_renumber(BgSyncNames *n, const int32 *renum)
{
	for (int32 i = 0; i < n->ngroups; i++)
	{
		CHECK_FOR_INTERRUPTS();
		n->groups[i].group = renum[n->groups[i].group];
	}
}

/* the accounts: (key, name text) */
static void
accounts_startup(void *arg, TupleDesc desc)
{
	BgSyncNames *n = arg;

	bg_sync_require_count(desc, 2, false, "accounts");
	bg_sync_require(desc, 0, n->key.type, "accounts");
	bg_sync_require(desc, 1, TEXTOID, "accounts");
}

static void
account_row(void *arg, TupleTableSlot *slot)
{
	BgSyncNames *n = arg;
	bool		isnull;
	Datum		d;
	BgSyncFound f;
	BgSyncText	name = {NULL, -1};

	d = slot_getattr(slot, 1, &isnull);
	if (isnull || (f = bg_sync_index_get(&n->keys, d)).value < 0)
		return;
	d = slot_getattr(slot, 2, &isnull);
	if (!isnull)
	{
		text	   *v = DatumGetTextPP(d);

		name.data = VARDATA_ANY(v);
		name.len = VARSIZE_ANY_EXHDR(v);
	}
	for (int32 e = -1, v = f.value; v >= 0; v = bg_sync_found_next(&n->keys, f, &e))
	{
		BgSyncNamed *g = &n->groups[v];
		BgSyncText	shown = name.len >= 0 ? name : g->key;

		/* name = prefix || coalesce(name, key); account_name = name */
		if (g->name.len != n->prefix_len + shown.len ||
			memcmp(g->name.data, n->prefix, n->prefix_len) != 0 ||
			memcmp(g->name.data + n->prefix_len, shown.data, shown.len) != 0 ||
			g->account_name.len != name.len ||
			(name.len > 0 && memcmp(g->account_name.data, name.data, name.len) != 0))
			n->renamed(n->arg, g->group);
	}
}

/*
 * Reads the accounts (query over relid, with " WHERE filter" when the
 * groups' keys are few) and calls renamed(arg, group) for each group whose
 * names differ from its account's.
 */
void
bg_sync_names_read(BgSyncNames *n, Oid relid, const char *query, text *filter,
				   void (*renamed) (void *arg, int32 group), void *arg, MemoryContext rowcxt)
{
	Oid			rowtype;
	Oid			owner = bg_read_owner(relid, &rowtype);
	BgSyncReader r;
	Datum		keys = (Datum) 0;
	bool		filtered;

	if (n->ngroups == 0)
		return;
	bg_sync_index_build(&n->keys);
	filtered = filter != NULL && bg_sync_filter(relid, n->keys.ndistinct);
	if (filtered)
		query = bg_sync_filtered(&n->key, bg_sync_index_keys(&n->keys), n->keys.ndistinct, query, filter,
								 &keys);
	n->renamed = renamed;
	n->arg = arg;
	bg_sync_reader_init(&r, n, accounts_startup, account_row, rowcxt);
	bg_read_run(relid, query, keys, !filtered, owner, &r.pub);
}
