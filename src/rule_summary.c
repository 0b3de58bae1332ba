/*
 * rule_summary.c — bg_internal._rule_members(person_key text, role_id
 * integer): the aggregate that builds a group's rule summary
 * (rule_summary.h) from its rule members that are not removed, for the
 * recount (bg_internal._rescore_sql) and the creation job.
 *
 * The state, in the aggregate's memory context: the keys' bytes one after
 * another, and per member the offset and length of its key and its role,
 * in arrays that start small (a creation job's grouping holds a state per
 * group at once).
 * The final sorts them by (length, bytes) and writes the value; with no
 * rows it writes the summary of no members (the version byte alone).
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "alloc_limit.h"
#include "rule_summary.h"

typedef struct RulesEntry
{
	Size		off;
	int32		len;
	int32		role;
} RulesEntry;

/* (small to start with: a creation job holds one per group at once) */
typedef struct RulesState
{
	char	   *keys;
	int			keys_len;
	int			keys_cap;
	RulesEntry *entries;
	int			n;
	int			cap;
} RulesState;

/* arg: the keys' bytes */
static int
entry_cmp(const void *a, const void *b, void *arg)
{
	const RulesEntry *x = a;
	const RulesEntry *y = b;
	const char *keys = arg;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(keys + x->off, keys + y->off, x->len);
}

static void
put_varint(StringInfo s, uint32 v)
{
	while (v >= 0x80)
	{
		appendStringInfoChar(s, (char) ((v & 0x7f) | 0x80));
		v >>= 7;
	}
	appendStringInfoChar(s, (char) v);
}

/* bg_internal._rule_members_add(internal, text, integer) RETURNS internal */
PG_FUNCTION_INFO_V1(bg_rule_members_add);
Datum
bg_rule_members_add(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	RulesState *st;
	text	   *key;
	int			len;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("bg_internal._rule_members transition called outside an aggregate")));
	st = PG_ARGISNULL(0) ? NULL : (RulesState *) PG_GETARG_POINTER(0);
	if (st == NULL)
		st = MemoryContextAllocZero(aggcxt, sizeof(RulesState));
	/* (a member's key and role are never NULL) */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(st);
	key = PG_GETARG_TEXT_PP(1);
	len = VARSIZE_ANY_EXHDR(key);
	st->entries = bg_grow_array(st->entries, &st->cap, (Size) st->n + 1, sizeof(RulesEntry), aggcxt,
								"rule members");
	st->keys = bg_grow_array(st->keys, &st->keys_cap, (Size) st->keys_len + len + 1, 1, aggcxt, "rule members");
	st->entries[st->n].off = st->keys_len;
	st->entries[st->n].len = len;
	st->entries[st->n].role = PG_GETARG_INT32(2);
	st->n++;
	memcpy(st->keys + st->keys_len, VARDATA_ANY(key), len);
	st->keys_len += len;
	PG_RETURN_POINTER(st);
}

/* bg_internal._rule_members_final(internal) RETURNS bytea */
PG_FUNCTION_INFO_V1(bg_rule_members_final);
Datum
bg_rule_members_final(PG_FUNCTION_ARGS)
{
	RulesState *st = PG_ARGISNULL(0) ? NULL : (RulesState *) PG_GETARG_POINTER(0);
	StringInfoData out;
	bytea	   *result;

	initStringInfo(&out);
	appendBinaryStringInfo(&out, "\0\0\0\0", VARHDRSZ);
	appendStringInfoChar(&out, (char) BG_RULES_VERSION);
	if (st != NULL && st->n > 0)
	{
		/*
		 * Sorted in place: the state keeps the same members in another
		 * order, which later transitions (a window's frame growing) and
		 * finals take as they are.
		 */
		qsort_arg(st->entries, st->n, sizeof(RulesEntry), entry_cmp, st->keys);
		for (int i = 0; i < st->n; i++)
		{
			CHECK_FOR_INTERRUPTS();
			put_varint(&out, (uint32) st->entries[i].len);
			appendBinaryStringInfo(&out, st->keys + st->entries[i].off, st->entries[i].len);
			put_varint(&out, (uint32) st->entries[i].role);
		}
	}
	result = (bytea *) out.data;
	SET_VARSIZE(result, out.len);
	PG_RETURN_BYTEA_P(result);
}
