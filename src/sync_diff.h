/*
 * sync_diff.h — the state of a sync that finds its changes in memory
 * (sync_diff.c): the groups and the accounts whose people they count
 * (sync_groups.c), and per batch of groups their current members
 * (sync_groups.c) and wanted members (sync_people.c), compared by group
 * (sync_compare.c): with the groups' rule summaries (rule_summary.h) first,
 * when the groups come with them, and with the current members of the
 * groups whose summary did not match.
 */
#ifndef BG_SYNC_DIFF_H
#define BG_SYNC_DIFF_H

#include "postgres.h"

#include "utils/tuplestore.h"

#include "cond_eval.h"
#include "sync_index.h"
#include "sync_read.h"
#include "template_cache.h"

#define BG_SYNC_M_RULE		0x01
#define BG_SYNC_M_REMOVED	0x02
#define BG_SYNC_M_SEEN		0x04

/*
 * A member, current (role_id, flags) or wanted (role_id: the role the
 * template gives); len -1: a NULL key.
 */
typedef struct BgSyncMember
{
	uint64		prefix;			/* the key's first 8 bytes, zero-padded */
	const char *key;			/* longer keys, in a block of keys */
	int32		len;
	int32		role_id;
	int32		group;			/* index into groups */
	uint8		flags;
} BgSyncMember;

/* Wanted members, appended per bucket of groups. */
#define BG_SYNC_CHUNK 126
typedef struct BgSyncChunk
{
	struct BgSyncChunk *next;	/* appended before (after, once put in order) */
	int32		n;
	BgSyncMember m[BG_SYNC_CHUNK];
} BgSyncChunk;

#define BG_SYNC_MAX_BUCKETS 64

typedef struct BgSyncGroup
{
	int64		id;
	int32		expect;			/* its members as stored (member_count) */
	int32		rules_len;
	const char *rules;			/* its rule summary (rule_summary.h), or NULL */
	bool		needy;			/* its members are read: the summary did not match */
} BgSyncGroup;

typedef struct BgSyncState
{
	MemoryContext cxt;			/* everything below */
	MemoryContext rowcxt;		/* a read's, reset after every row */
	MemoryContext batchcxt;		/* a batch's members, reset after each */
	BgSyncKeys	acct;			/* the accounts' type (the people's account column's) */
	BgSyncKeys	ids;			/* bigint */
	BgSyncGroup *groups;		/* in id order, once ordered */
	int32		ngroups;
	int32		groups_cap;
	BgSyncIndex group_ix;		/* group id -> index into groups */
	BgSyncIndex acct_ix;		/* account -> the groups that count its people */
	struct BgSyncNames *names;	/* or NULL */
	BgTemplate *tmpl;
	int32	   *role_ids;		/* per template role */
	Oid			people;			/* the people table */
	const char *people_query;
	text	   *people_filter;	/* or NULL */
	Oid			rowtype;		/* the people table's row type */
	bool		row_mode;		/* the people's last column is a whole row */
	Oid			key_type;		/* the people's key: text, or an integer type */
	MemoryContext evcxt;		/* owns ev */
	BgEval	   *ev;
	bool		rules;			/* the groups come with their rule summaries */
	BgSyncBlocks rules_data;	/* the summaries' bytes */
	bool	   *changed;		/* per group, without out */
	Tuplestorestate *out;		/* the diff's rows, or NULL: changed */
	TupleDesc	outdesc;

	/* the batch: groups [first, last) */
	int32		first;
	int32		last;
	int32		nbatches;
	BgSyncBlocks keys;			/* the members' keys */
	int			member_att[5];	/* the members' columns (sync_groups.c) */
	int			member_natts;
	int64		last_id;		/* the group of the last member read */
	int32		last_idx;
	BgSyncMember *members;
	int32		nmembers;
	int32		members_cap;
	int32		shift;			/* bucket of group g: (g - first) >> shift */
	int32		nbuckets;
	BgSyncChunk *buckets[BG_SYNC_MAX_BUCKETS];
	int32		bucket_n[BG_SYNC_MAX_BUCKETS];
	int32		nwanted;
	BgSyncMember *summary;		/* a group's summary decoded */
	int32		summary_cap;
	BgSyncMember *saved;		/* the wanted members of the needy groups, in group order */
	int32		nsaved;
	int32		saved_cap;
	int32		nneedy;
} BgSyncState;

/* sync_groups.c */
extern void bg_sync_read_groups(BgSyncState *st, const char *query, const char *walk, const char *interest,
								Datum ids, bool ids_null, Datum interest_id);
extern void bg_sync_read_members(BgSyncState *st);

/* sync_people.c */
extern void bg_sync_read_people(BgSyncState *st);

/* sync_compare.c */
extern void bg_sync_key(BgSyncState *st, BgSyncMember *m, Datum key, bool isnull);
extern void bg_sync_key_bytes(BgSyncState *st, BgSyncMember *m, const char *key, int32 len);
extern void bg_sync_compare(BgSyncState *st);
extern void bg_sync_compare_needy(BgSyncState *st);

/* sync_diff.c */
extern void bg_sync_changed_group(BgSyncState *st, int32 g);
extern void bg_sync_emit(BgSyncState *st, int32 g, const BgSyncMember *w, const BgSyncMember *m);

#endif							/* BG_SYNC_DIFF_H */
