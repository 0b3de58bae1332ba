/*
 * sync_diff.c — bg.sync's diff of a solution interest's groups, computed in
 * memory: bg_internal._sync_changed (the groups whose rule members or names
 * must change, to lock) and bg_internal._sync_diff (the rule members to
 * add, change, re-add or remove), docs/design.md §6.5.
 *
 * bg_internal._sync found them with a full join of the wanted members (the
 * people of the groups' accounts and their roles) against the groups'
 * current members, and a join of the groups with the accounts for their
 * names: over 200 000 groups and 2 000 000 people, sorts and hashes of 1.6
 * million rows on each side, ten times as long as evaluating the people
 * alone.  Here the reads stream into the function's memory instead
 * (sync_read.c), and nothing is sorted but small runs:
 *
 * 1. the groups (bg's SQL, sync_groups.c): (id, aval, member_count[,
 *    rule_members][, the names' columns]), aval the group's account as the
 *    people's account column's type, rule_members its rule summary
 *    (rule_summary.h); with subaccounts, then the walk: (root, aval), a
 *    group and each account whose people it counts;
 * 2. per batch of groups (adjacent ids): the people of their accounts
 *    (sync_people.c): the wanted members, compared group by group
 *    (sync_compare.c) with the group's rule summary; the current members
 *    (sync_groups.c) are read only for the groups whose summary is missing
 *    or does not match (or for all, when the groups come without
 *    summaries), and compared with their wanted members;
 * 3. for _sync_changed, the accounts (sync_names.c), for the names.
 *
 * _sync_diff returns the rows of the diff the join gave: (group_id,
 * person_key, want_role, present, wanted, was_removed) for a wanted member
 * that is not a member, a wanted rule member that is removed or has
 * another role, and a rule member (not removed) that is not wanted;
 * _sync_changed the ids of the groups of those rows and of the groups to
 * rename, in order.  Accounts match by their type's equality, as the
 * join's r.k = w.aval did, person keys by their canonical text, as the
 * join did.
 *
 * Memory, in the function's query context: per group 32 bytes, its names
 * and its rule summary (≈ 2 bytes and the key's per member); per account
 * 16 bytes (more for keys that are not integers in a dense range); per
 * wanted member of a batch, and per current member of its groups whose
 * summary did not match, 32 bytes and keys longer than 8 bytes.  A batch holds as many groups as their stored
 * member counts let fit in the hash memory of a query (work_mem times
 * hash_mem_multiplier), as a hash join would; each batch reads the people
 * again.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "read_as_owner.h"
#include "sync_diff.h"
#include "sync_names.h"

/* The memory a member takes in a batch, current and wanted, and keys. */
#define BG_SYNC_MEMBER_BYTES (3 * sizeof(BgSyncMember))

/* The arguments both functions take first. */
enum
{
	A_GROUPS,					/* text: (id, aval, member_count[, names]), $1 interest, $2 ids */
	A_WALK,						/* text or NULL: (root bigint, aval), $1 NULL, $2, $3 as _sync's */
	A_INTEREST,					/* integer */
	A_GROUP_IDS,				/* bigint[] or NULL: all */
	A_PEOPLE,					/* regclass */
	A_PEOPLE_QUERY,				/* text: (aval, person key, the template's columns | the row) */
	A_PEOPLE_FILTER,			/* text or NULL */
	A_TEMPLATE,					/* text */
	A_ROLE_IDS,					/* integer[]: per template role, in priority order */
	A_COMMON
};

/* The arguments of bg_internal._sync_changed after those. */
enum
{
	A_ACCOUNTS = A_COMMON,		/* regclass or NULL: no names */
	A_ACCOUNTS_QUERY,			/* text: (key, name text) */
	A_ACCOUNTS_FILTER,			/* text or NULL */
	A_INTEREST_NAME				/* text */
};

void
bg_sync_changed_group(BgSyncState *st, int32 g)
{
	st->changed[g] = true;
}

static void
renamed(void *arg, int32 g)
{
	bg_sync_changed_group((BgSyncState *) arg, g);
}

/*
 * A row of the diff in group g: a wanted member w, a current member m, or
 * both.  Without a result, only the group is marked changed.
 */
void
bg_sync_emit(BgSyncState *st, int32 g, const BgSyncMember *w, const BgSyncMember *m)
{
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};
	const BgSyncMember *k = m ? m : w;

	if (st->out == NULL)
	{
		bg_sync_changed_group(st, g);
		return;
	}
	values[0] = Int64GetDatum(st->groups[g].id);
	if (k->len < 0)
		nulls[1] = true;
	else
		values[1] = PointerGetDatum(cstring_to_text_with_len(k->key ? k->key : (const char *) &k->prefix,
															 k->len));
	values[2] = Int32GetDatum(w ? w->role_id : 0);
	nulls[2] = (w == NULL);
	values[3] = BoolGetDatum(m != NULL);
	values[4] = BoolGetDatum(w != NULL);
	values[5] = BoolGetDatum(m != NULL && (m->flags & BG_SYNC_M_REMOVED));
	tuplestore_putvalues(st->out, st->outdesc, values, nulls);
}

/* The end of the batch that starts at group first, within the memory of a hash. */
static int32
batch_end(BgSyncState *st, int32 first)
{
	double		budget = (double) get_hash_memory_limit() / BG_SYNC_MEMBER_BYTES;
	double		members = 0;
	int32		g = first;

	while (g < st->ngroups && (g == first || members + st->groups[g].expect * 1.1 <= budget))
	{
		CHECK_FOR_INTERRUPTS();
		members += st->groups[g++].expect * 1.1;
	}
	return g;
}

/* Groups [first, last) compared: their members, their people. */
static void
run_batch(BgSyncState *st, int32 first, int32 last)
{
	int32		n = last - first;

	MemoryContextReset(st->batchcxt);
	st->first = first;
	st->last = last;
	st->keys.left = 0;
	st->nwanted = 0;
	st->shift = 0;
	while ((n - 1) >> st->shift >= BG_SYNC_MAX_BUCKETS)
		st->shift++;
	st->nbuckets = ((n - 1) >> st->shift) + 1;
	memset(st->buckets, 0, sizeof(st->buckets));
	memset(st->bucket_n, 0, sizeof(st->bucket_n));
	if (!st->rules)
		bg_sync_read_members(st);
	if (st->acct_ix.nents > 0)
		bg_sync_read_people(st);
	bg_sync_compare(st);
	if (st->rules && st->nneedy > 0)
	{
		/* the groups whose summaries did not match: their members */
		bg_sync_read_members(st);
		bg_sync_compare_needy(st);
	}
}

/* Steps 1 and 2, with the names' groups when interest is given. */
static void
compute(FunctionCallInfo fcinfo, BgSyncState *st, const char *interest)
{
	ArrayType  *ids;
	MemoryContext old;

	for (int i = 0; i < A_COMMON; i++)
		if (PG_ARGISNULL(i) && i != A_WALK && i != A_GROUP_IDS && i != A_PEOPLE_FILTER)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument %d of a sync's diff must not be null", i + 1)));

	st->cxt = AllocSetContextCreate(CurrentMemoryContext, "bg sync diff", ALLOCSET_DEFAULT_SIZES);
	st->rowcxt = AllocSetContextCreate(st->cxt, "bg sync diff row", ALLOCSET_DEFAULT_SIZES);
	st->batchcxt = AllocSetContextCreate(st->cxt, "bg sync diff batch", ALLOCSET_DEFAULT_SIZES);
	st->evcxt = AllocSetContextCreate(st->cxt, "bg sync diff evaluator", ALLOCSET_SMALL_SIZES);
	st->keys.cxt = st->batchcxt;
	old = MemoryContextSwitchTo(st->cxt);
	bg_sync_keys_int8(&st->ids);
	bg_sync_index_init(&st->group_ix, &st->ids, st->cxt, 0);
	bg_sync_index_init(&st->acct_ix, &st->acct, st->cxt, 0);
	st->tmpl = bg_template_get(text_to_cstring(PG_GETARG_TEXT_PP(A_TEMPLATE)));
	ids = PG_GETARG_ARRAYTYPE_P(A_ROLE_IDS);
	if (ARR_NDIM(ids) != 1 || ARR_HASNULL(ids) || ARR_DIMS(ids)[0] != st->tmpl->nroles)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the role ids do not match the template"),
				 errdetail("The template has %d roles.", st->tmpl->nroles)));
	st->role_ids = (int32 *) ARR_DATA_PTR(ids);
	st->people = PG_GETARG_OID(A_PEOPLE);
	st->people_query = text_to_cstring(PG_GETARG_TEXT_PP(A_PEOPLE_QUERY));
	st->people_filter = PG_ARGISNULL(A_PEOPLE_FILTER) ? NULL : PG_GETARG_TEXT_P_COPY(A_PEOPLE_FILTER);
	MemoryContextSwitchTo(old);

	/* 1. as bg's owner (the caller) */
	bg_sync_read_groups(st, text_to_cstring(PG_GETARG_TEXT_PP(A_GROUPS)),
						PG_ARGISNULL(A_WALK) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(A_WALK)), interest,
						PG_GETARG_DATUM(A_GROUP_IDS), PG_ARGISNULL(A_GROUP_IDS), PG_GETARG_DATUM(A_INTEREST));
	if (st->ngroups == 0)
		return;
	st->changed = bg_sync_alloc(st->cxt, st->ngroups, sizeof(bool), "groups");
	memset(st->changed, 0, sizeof(bool) * st->ngroups);

	/* 2 */
	for (int32 first = 0; first < st->ngroups; first = batch_end(st, first))
		st->nbatches++;
	for (int32 first = 0, last; first < st->ngroups; first = last)
	{
		last = batch_end(st, first);
		run_batch(st, first, last);
	}
}

/*
 * bg_internal._sync_diff(groups text, walk text, interest integer,
 * group_ids bigint[], people regclass, people_query text, people_filter
 * text, template text, role_ids integer[]) RETURNS TABLE (group_id bigint,
 * person_key text, want_role integer, present boolean, wanted boolean,
 * was_removed boolean)
 */
PG_FUNCTION_INFO_V1(bg_sync_diff);
Datum
bg_sync_diff(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BgSyncState st;

	bg_read_require_catalog_owner("bg_internal._sync_diff");
	InitMaterializedSRF(fcinfo, 0);
	memset(&st, 0, sizeof(st));
	st.out = rsinfo->setResult;
	st.outdesc = rsinfo->setDesc;
	compute(fcinfo, &st, NULL);
	if (st.cxt)
		MemoryContextDelete(st.cxt);
	return (Datum) 0;
}

/*
 * What bg_internal._sync_changed and bg_internal._sync_count_changed find:
 * the changed groups' ids in id order (NULL for none), and in *ngroups how
 * many groups were read.
 */
static ArrayType *
sync_changed(FunctionCallInfo fcinfo, const char *fname, int64 *ngroups)
{
	BgSyncState st;
	int32		n = 0;
	Datum	   *elems;
	ArrayType  *result = NULL;

	bg_read_require_catalog_owner(fname);
	if (PG_ARGISNULL(A_INTEREST_NAME) || (!PG_ARGISNULL(A_ACCOUNTS) && PG_ARGISNULL(A_ACCOUNTS_QUERY)))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the interest's name and the accounts' query must not be null")));
	memset(&st, 0, sizeof(st));
	compute(fcinfo, &st, PG_ARGISNULL(A_ACCOUNTS) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(A_INTEREST_NAME)));
	if (st.ngroups > 0 && st.names)
		bg_sync_names_read(st.names, PG_GETARG_OID(A_ACCOUNTS),
						   text_to_cstring(PG_GETARG_TEXT_PP(A_ACCOUNTS_QUERY)),
						   PG_ARGISNULL(A_ACCOUNTS_FILTER) ? NULL : PG_GETARG_TEXT_PP(A_ACCOUNTS_FILTER),
						   renamed, &st, st.rowcxt);
	if (st.ngroups > 0)
	{
		/* the groups are in id order */
		elems = bg_sync_alloc(CurrentMemoryContext, st.ngroups, sizeof(Datum), "groups");
		for (int32 g = 0; g < st.ngroups; g++)
		{
			CHECK_FOR_INTERRUPTS();
			if (st.changed[g])
				elems[n++] = Int64GetDatum(st.groups[g].id);
		}
		if (n > 0)
			result = construct_array(elems, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	}
	*ngroups = st.ngroups;
	if (st.cxt)
		MemoryContextDelete(st.cxt);
	return result;
}

/*
 * bg_internal._sync_changed(the arguments of _sync_diff, accounts regclass,
 * accounts_query text, accounts_filter text, interest_name text) RETURNS
 * bigint[]: the groups whose rule members or names must change, in id
 * order, or NULL for none.
 */
PG_FUNCTION_INFO_V1(bg_sync_changed);
Datum
bg_sync_changed(PG_FUNCTION_ARGS)
{
	int64		ngroups;
	ArrayType  *result = sync_changed(fcinfo, "bg_internal._sync_changed", &ngroups);

	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_ARRAYTYPE_P(result);
}

/*
 * bg_internal._sync_count_changed(the arguments of _sync_changed, OUT groups
 * bigint, OUT changed bigint[]): what _sync_changed returns, with the
 * number of groups it read (all the interest's groups when group_ids is
 * NULL), so that a sync need not count them in a scan of its own.
 */
PG_FUNCTION_INFO_V1(bg_sync_count_changed);
Datum
bg_sync_count_changed(PG_FUNCTION_ARGS)
{
	int64		ngroups;
	ArrayType  *changed = sync_changed(fcinfo, "bg_internal._sync_count_changed", &ngroups);
	TupleDesc	desc;
	Datum		values[2];
	bool		nulls[2] = {false, changed == NULL};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE || desc->natts != 2
		|| TupleDescAttr(desc, 0)->atttypid != INT8OID || TupleDescAttr(desc, 1)->atttypid != INT8ARRAYOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("bg_internal._sync_count_changed must return (groups_read bigint, changed bigint[])")));
	values[0] = Int64GetDatum(ngroups);
	values[1] = changed == NULL ? (Datum) 0 : PointerGetDatum(changed);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
