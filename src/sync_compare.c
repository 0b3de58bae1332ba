/*
 * sync_compare.c — a batch's current and wanted members compared group by
 * group (see sync_diff.c).
 *
 * The current members come in the order they are stored, which is their
 * groups' order unless rows moved (then a counting sort over the groups
 * puts them in order: few rows moved, its writes go mostly in order).  The
 * wanted members come in buckets of adjacent groups
 * (sync_people.c); each bucket is put in group order by a counting sort
 * small enough to stay in cache.  Within a group, each wanted member is
 * searched among the current ones: one by one for a few, by binary search
 * once sorted by key for more.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/memutils.h"

#include "alloc_limit.h"
#include "rule_summary.h"
#include "sync_diff.h"

/* A group's current members searched one by one up to so many; sorted above. */
#define BG_SYNC_LINEAR 16

/* m's key: len bytes, copied (keys of 8 bytes or less are their prefix). */
void
bg_sync_key_bytes(BgSyncState *st, BgSyncMember *m, const char *key, int32 len)
{
	m->prefix = 0;
	m->key = NULL;
	m->len = len;
	memcpy(&m->prefix, key, Min(len, (int32) sizeof(m->prefix)));
	if (len > (int32) sizeof(m->prefix))
		m->key = bg_sync_copy(&st->keys, key, len);
}

/* m's key: a text Datum, or NULL. */
void
bg_sync_key(BgSyncState *st, BgSyncMember *m, Datum key, bool isnull)
{
	text	   *t;

	if (isnull)
	{
		m->prefix = 0;
		m->key = NULL;
		m->len = -1;
		return;
	}
	t = DatumGetTextPP(key);
	bg_sync_key_bytes(st, m, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/*
 * Keys in a total order: by length, then bytes (the prefix read big-endian
 * compares its bytes in order): the order of a rule summary's entries.
 */
static inline int
key_order(const BgSyncMember *a, const BgSyncMember *b)
{
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	if (a->prefix != b->prefix)
		return pg_ntoh64(a->prefix) < pg_ntoh64(b->prefix) ? -1 : 1;
	return a->len > 8 ? memcmp(a->key + 8, b->key + 8, a->len - 8) : 0;
}

static int
key_cmp(const void *a, const void *b)
{
	return key_order(a, b);
}

/* The member among m[0 .. count) with w's key, or NULL (never for a NULL key). */
static BgSyncMember *
find_member(BgSyncMember *m, int32 count, const BgSyncMember *w)
{
	int32		lo = 0;
	int32		hi = count;

	if (w->len < 0)
		return NULL;
	if (count <= BG_SYNC_LINEAR)
	{
		for (int32 i = 0; i < count; i++)
			if (key_order(&m[i], w) == 0)
				return &m[i];
		return NULL;
	}
	while (lo < hi)
	{
		int32		mid = lo + (hi - lo) / 2;
		int			c = key_order(&m[mid], w);

		if (c == 0)
			return &m[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * The batch's current members in the order of their groups: as read (the
 * groups' order, unless rows moved), or by a counting sort over the
 * batch's groups, whose writes go mostly in order when few rows moved.
 */
static void
members_by_group(BgSyncState *st)
{
	BgSyncMember *m = st->members;
	BgSyncMember *to;
	int32		n = st->nmembers;
	int32	   *pos;
	int32		sum = 0;
	bool		sorted = true;

	for (int32 i = 1; i < n && sorted; i++)
	{
		CHECK_FOR_INTERRUPTS();
		sorted = m[i - 1].group <= m[i].group;
	}
	if (sorted)
		return;
	to = bg_sync_alloc(st->batchcxt, n, sizeof(BgSyncMember), "members");
	pos = bg_sync_alloc(st->batchcxt, st->last - st->first, sizeof(int32), "groups");
	memset(pos, 0, sizeof(int32) * (st->last - st->first));
	for (int32 i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		pos[m[i].group - st->first]++;
	}
	for (int32 g = 0; g < st->last - st->first; g++)
	{
		int32		c = pos[g];

		CHECK_FOR_INTERRUPTS();
		pos[g] = sum;
		sum += c;
	}
	for (int32 i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		to[pos[m[i].group - st->first]++] = m[i];
	}
	st->members = to;
	pfree(m);
	pfree(pos);
}

/*
 * Bucket b's wanted members in the order of their groups, into w (room for
 * them all): a counting sort straight from the bucket's chunks, taken in
 * the order they were appended, so that each group's wanted members keep
 * the order the people came in (often their keys' order, which is the
 * order of a summary: compare_summary's first try).
 */
static void
bucket_by_group(BgSyncState *st, int32 b, BgSyncMember *w, int32 *pos)
{
	int32		base = st->first + (b << st->shift);
	int32		ngroups = Min(1 << st->shift, st->last - base);
	int32		sum = 0;
	BgSyncChunk *first = NULL;

	/* the chunks in the order appended (the list starts at the last) */
	for (BgSyncChunk *c = st->buckets[b], *next; c; c = next)
	{
		CHECK_FOR_INTERRUPTS();
		next = c->next;
		c->next = first;
		first = c;
	}
	st->buckets[b] = first;
	memset(pos, 0, sizeof(int32) * ngroups);
	for (BgSyncChunk *c = st->buckets[b]; c; c = c->next)
	{
		CHECK_FOR_INTERRUPTS();
		for (int32 i = 0; i < c->n; i++)
			pos[c->m[i].group - base]++;
	}
	for (int32 g = 0; g < ngroups; g++)
	{
		int32		c = pos[g];

		pos[g] = sum;
		sum += c;
	}
	for (BgSyncChunk *c = st->buckets[b]; c; c = c->next)
	{
		CHECK_FOR_INTERRUPTS();
		for (int32 i = 0; i < c->n; i++)
			w[pos[c->m[i].group - base]++] = c->m[i];
	}
}

/*
 * Group g's rule summary decoded into st->summary (keys of more than 8
 * bytes point into it), in *n; false when it is missing or unreadable.
 */
static bool
decode_summary(BgSyncState *st, int32 g, int32 *n)
{
	BgRulesReader r;
	const char *key;
	int32		len;
	int32		role;
	int			rc;

	*n = 0;
	if (st->groups[g].rules == NULL || !bg_rules_start(&r, st->groups[g].rules, st->groups[g].rules_len))
		return false;
	while ((rc = bg_rules_next(&r, &key, &len, &role)) > 0)
	{
		BgSyncMember *m;

		if (*n >= st->summary_cap)
			st->summary = bg_grow_array_huge(st->summary, &st->summary_cap, (Size) *n + 1, sizeof(BgSyncMember),
											 st->cxt, "rule members");
		m = &st->summary[(*n)++];
		m->prefix = 0;
		memcpy(&m->prefix, key, Min(len, (int32) sizeof(m->prefix)));
		m->key = key;
		m->len = len;
		m->role_id = role;
		m->group = g;
		m->flags = BG_SYNC_M_RULE;
	}
	return rc == 0;
}

/*
 * Whether the rule summary m[0 .. nm) (in key order) holds exactly the
 * wanted members w[0 .. nw): each wanted one a distinct entry of its key
 * and role, and as many.  Then the group has nothing to change: every
 * wanted person is a rule member of that role, not removed, and every such
 * rule member is wanted.  Else its members are read.
 */
static bool
summary_matches(BgSyncMember *m, int32 nm, const BgSyncMember *w, int32 nw)
{
	int32		k = 0;

	if (nm != nw)
		return false;
	/* the wanted members in the summary's order, as a rule: entry by entry */
	while (k < nw && key_order(&m[k], &w[k]) == 0 && m[k].role_id == w[k].role_id)
		k++;
	if (k == nw)
		return true;
	for (k = 0; k < nw; k++)
	{
		BgSyncMember *found = find_member(m, nm, &w[k]);

		if (found == NULL || (found->flags & BG_SYNC_M_SEEN) || found->role_id != w[k].role_id)
			return false;
		found->flags |= BG_SYNC_M_SEEN;
	}
	return true;
}

/*
 * Group g compared with its rule summary; when it does not match, the
 * group is needy and its wanted members w[0 .. nw) are kept for the
 * comparison with its members (bg_sync_compare_needy).
 */
static void
compare_summary(BgSyncState *st, int32 g, const BgSyncMember *w, int32 nw)
{
	int32		nm;
	MemoryContext old;

	if (decode_summary(st, g, &nm) && summary_matches(st->summary, nm, w, nw))
		return;
	st->groups[g].needy = true;
	st->nneedy++;
	if (nw == 0)
		return;
	old = MemoryContextSwitchTo(st->batchcxt);
	st->saved = bg_grow_array_huge(st->saved, &st->saved_cap, (Size) st->nsaved + nw, sizeof(BgSyncMember),
								   CurrentMemoryContext, "wanted members");
	MemoryContextSwitchTo(old);
	memcpy(st->saved + st->nsaved, w, sizeof(BgSyncMember) * nw);
	st->nsaved += nw;
}

/* Group g's current members m[0 .. nm) and wanted members w[0 .. nw) compared. */
static void
compare_group(BgSyncState *st, int32 g, BgSyncMember *m, int32 nm, BgSyncMember *w, int32 nw)
{
	if (nm > BG_SYNC_LINEAR)
		qsort(m, nm, sizeof(BgSyncMember), key_cmp);
	for (int32 k = 0; k < nw; k++)
	{
		BgSyncMember *found;

		CHECK_FOR_INTERRUPTS();
		found = find_member(m, nm, &w[k]);
		if (found == NULL)
			bg_sync_emit(st, g, &w[k], NULL);
		else
		{
			found->flags |= BG_SYNC_M_SEEN;
			if ((found->flags & BG_SYNC_M_RULE) &&
				((found->flags & BG_SYNC_M_REMOVED) || found->role_id != w[k].role_id))
				bg_sync_emit(st, g, &w[k], found);
		}
	}
	/* the rule members nobody wants */
	for (int32 k = 0; k < nm; k++)
	{
		CHECK_FOR_INTERRUPTS();
		if ((m[k].flags & (BG_SYNC_M_RULE | BG_SYNC_M_REMOVED | BG_SYNC_M_SEEN)) == BG_SYNC_M_RULE)
			bg_sync_emit(st, g, NULL, &m[k]);
	}
}

/*
 * Each group of the batch compared with its current members (the rows of
 * the diff, or the groups changed) or, when the groups come with their
 * rule summaries, with its summary: the groups whose summary does not
 * match are left for bg_sync_compare_needy, with their wanted members.
 */
void
bg_sync_compare(BgSyncState *st)
{
	int32		most = 0;
	BgSyncMember *w;
	int32	   *pos = bg_sync_alloc(st->batchcxt, (Size) 1 << st->shift, sizeof(int32), "groups");
	int32		i = 0;

	st->saved = NULL;
	st->nsaved = 0;
	st->saved_cap = 0;
	st->nneedy = 0;
	if (!st->rules)
		members_by_group(st);
	for (int32 b = 0; b < st->nbuckets; b++)
		most = Max(most, st->bucket_n[b]);
	w = bg_sync_alloc(st->batchcxt, most, sizeof(BgSyncMember), "wanted members");
	for (int32 b = 0; b < st->nbuckets; b++)
	{
		int32		base = st->first + (b << st->shift);
		int32		end = Min(base + (1 << st->shift), st->last);
		int32		j = 0;

		CHECK_FOR_INTERRUPTS();
		bucket_by_group(st, b, w, pos);
		for (int32 g = base; g < end; g++)
		{
			int32		nm = 0;
			int32		nw = 0;

			CHECK_FOR_INTERRUPTS();
			while (j + nw < st->bucket_n[b] && w[j + nw].group == g)
				nw++;
			if (st->rules)
				compare_summary(st, g, w + j, nw);
			else
			{
				while (i + nm < st->nmembers && st->members[i + nm].group == g)
					nm++;
				compare_group(st, g, st->members + i, nm, w + j, nw);
				i += nm;
			}
			j += nw;
		}
	}
}

/*
 * The needy groups of the batch (their summary did not match) compared
 * with their current members, read since (bg_sync_read_members), and the
 * wanted members bg_sync_compare kept for them, in group order.
 */
void
bg_sync_compare_needy(BgSyncState *st)
{
	int32		i = 0;
	int32		j = 0;

	members_by_group(st);
	for (int32 g = st->first; g < st->last; g++)
	{
		int32		nm = 0;
		int32		nw = 0;

		CHECK_FOR_INTERRUPTS();
		if (!st->groups[g].needy)
			continue;
		while (i < st->nmembers && st->members[i].group < g)
			i++;				/* (never: only needy groups' members are read) */
		while (i + nm < st->nmembers && st->members[i + nm].group == g)
			nm++;
		while (j + nw < st->nsaved && st->saved[j + nw].group == g)
			nw++;
		compare_group(st, g, st->members + i, nm, st->saved + j, nw);
		i += nm;
		j += nw;
	}
}
