/*
 * live_trigger.c — live mode's trigger on the bound people table,
 * bg_internal._people_changed (docs/design.md §6.5, §13.3).
 *
 * Every INSERT, UPDATE, DELETE and TRUNCATE of the bound people fires it
 * once per statement.  It finds the keys of the people the statement
 * changed (inserted, deleted, or updated in a watched column) and, for
 * each solution interest with update_existing in id order, takes the
 * interest lock in shared mode, reads the interest again and re-evaluates
 * those people (docs/design.md §6.8).  That was PL/pgSQL, and its layers
 * (the trigger, bg_internal._sync, bg_internal._sync_people and the
 * wrappers of the kept statements) cost as much as the statements they ran
 * on every firing; here they are C:
 *
 *  - the keys come from the transition tables, read directly: a person
 *    counts when its key is on one side only, or when a row of it on one
 *    side differs from one on the other in a watched column
 *    (bg_internal._watched_columns), compared as a row comparison compares
 *    them (the type's default equality, the column's collation); keys are
 *    the canonical texts of bg_internal._key_sql;
 *  - for a few people (at most 100) of an interest without subaccounts
 *    whose statements are kept planned (plan_cache.c), the lock, apply and
 *    names statements of bg_internal._sync_people run directly;
 *  - any other interest, and TRUNCATE, calls bg_internal._sync as before
 *    (the first firing of a catalog builds the kept statements there);
 *  - whatever is out of the ordinary — a row trigger, a statement of more
 *    than 100 rows a side, a watched or key column that is not found as
 *    expected — is left to the PL/pgSQL trigger it replaces, kept as
 *    bg_internal._people_changed_general, with the same trigger data.
 *
 * bg's tables are read as a PL/pgSQL statement of the trigger read them:
 * with a new snapshot (GetTransactionSnapshot) taken for the binding and
 * the interests, and another for the interest after its lock.
 *
 * The function is SECURITY DEFINER with the SET clauses of the PL/pgSQL
 * trigger (search_path, bg.event_source = live): it runs as the extension
 * owner, as before, and runs nothing of the user's but the equality and
 * output functions of the bound columns' types, which the PL/pgSQL
 * trigger's statement ran too.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#include "alloc_limit.h"
#include "bg_trigger.h"
#include "owner.h"
#include "plan_cache.h"
#include "template_cache.h"

/* as bg_internal._sync: up to this many people take the kept statements */
#define LIVE_FEW_PEOPLE 100
/* the first key of every interest lock (bg_internal._lock_interest) */
#define INTEREST_LOCK_CLASS 1650917377

/* What a firing needs of bg's catalog, kept until its generation moves. */
typedef struct LiveCatalog
{
	Oid			binding;		/* bg_internal.binding */
	AttrNumber	b_kind,
				b_relid,
				b_key,
				b_watched;
	Oid			interest;		/* bg_internal.solution_interest */
	Oid			interest_type;	/* its row type */
	AttrNumber	s_id,
				s_name,
				s_update,
				s_subaccounts;
	bool		watched_known;
	int			nwatched;
	char	  **watched;		/* bg_internal._watched_columns() */
} LiveCatalog;

static MemoryContext live_cxt = NULL;
static uint64 live_generation = 0;
static LiveCatalog *live = NULL;

/* An update_existing solution interest. */
typedef struct LiveInterest
{
	int32		id;
	bool		subaccounts;
	HeapTuple	row;			/* read again after its lock */
	Datum		name;
} LiveInterest;

/* How a key column's values become key texts (bg_internal._key_sql). */
typedef enum KeyForm
{
	KEY_PLAIN,					/* (v)::text: its base type's output */
	KEY_NUMERIC,				/* trim_scale(v)::text */
	KEY_BPCHAR					/* (v)::text drops trailing spaces */
} KeyForm;

typedef struct KeyColumn
{
	AttrNumber	attnum;
	KeyForm		form;
	FmgrInfo	out;
} KeyColumn;

/* A watched column, compared as a row comparison compares it (record_eq). */
typedef struct WatchedColumn
{
	AttrNumber	attnum;
	Oid			collation;
	FmgrInfo   *eq;
} WatchedColumn;

/* A row of a transition table: its key text (NULL for a NULL key) and row. */
typedef struct LiveRow
{
	char	   *key;
	HeapTuple	tuple;
} LiveRow;

static AttrNumber
catalog_attnum(Oid rel, const char *col)
{
	AttrNumber	a = get_attnum(rel, col);

	if (a == InvalidAttrNumber)
		elog(ERROR, "bg's table %s has no column %s", get_rel_name(rel), col);
	return a;
}

static LiveCatalog *
live_catalog(void)
{
	MemoryContext old;

	if (live_cxt == NULL)
		live_cxt = AllocSetContextCreate(CacheMemoryContext, "bg live mode", ALLOCSET_SMALL_SIZES);
	if (bg_cache_stale(live_cxt, &live_generation))
		live = NULL;
	if (live != NULL)
		return live;
	old = MemoryContextSwitchTo(live_cxt);
	live = palloc0(sizeof(LiveCatalog));
	PG_TRY();
	{
		live->binding = bg_catalog_relation("binding");
		live->b_kind = catalog_attnum(live->binding, "kind");
		live->b_relid = catalog_attnum(live->binding, "relid");
		live->b_key = catalog_attnum(live->binding, "key_column");
		live->b_watched = catalog_attnum(live->binding, "watched");
		live->interest = bg_catalog_relation("solution_interest");
		live->interest_type = get_rel_type_id(live->interest);
		live->s_id = catalog_attnum(live->interest, "id");
		live->s_name = catalog_attnum(live->interest, "name");
		live->s_update = catalog_attnum(live->interest, "update_existing");
		live->s_subaccounts = catalog_attnum(live->interest, "include_subaccounts");
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(old);
		live = NULL;
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	return live;
}

/*
 * The watched columns of this catalog (bg_internal._watched_columns(), run
 * once per generation, as the memo of the PL/pgSQL trigger was), inside
 * the caller's SPI connection.
 */
static void
load_watched(LiveCatalog *cat)
{
	int			rc;
	bool		isnull;
	Datum		d;
	Datum	   *elems;
	bool	   *enulls;
	int			n;
	char	  **names;

	if (cat->watched_known)
		return;
	rc = SPI_execute("SELECT bg_internal._watched_columns()", false, 0);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "bg: reading the watched columns failed: %s", SPI_result_code_string(rc));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	n = 0;
	elems = NULL;
	enulls = NULL;
	if (!isnull)
		deconstruct_array(DatumGetArrayTypeP(d), NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR,
						  &elems, &enulls, &n);
	names = MemoryContextAlloc(live_cxt, sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		if (enulls[i])
			elog(ERROR, "bg: a watched column is NULL");
		names[i] = MemoryContextStrdup(live_cxt, NameStr(*DatumGetName(elems[i])));
	}
	cat->watched = names;
	cat->nwatched = n;
	cat->watched_known = true;
}

/* The attribute called name in desc (not dropped), or InvalidAttrNumber. */
static AttrNumber
column_named(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return att->attnum;
	}
	return InvalidAttrNumber;
}

/*
 * Sets up k for the key column col of desc; false when its values have no
 * key text here (missing, a type that cannot hold keys, a nondeterministic
 * collation: bg_internal._key_sql's errors, left to the general path).
 */
static bool
key_column(TupleDesc desc, const char *col, KeyColumn *k)
{
	Form_pg_attribute att;
	Oid			base;
	Oid			outfn;
	bool		varlena;

	k->attnum = column_named(desc, col);
	if (k->attnum == InvalidAttrNumber)
		return false;
	att = TupleDescAttr(desc, k->attnum - 1);
	base = getBaseType(att->atttypid);
	switch (base)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case TEXTOID:
		case VARCHAROID:
		case UUIDOID:
			k->form = KEY_PLAIN;
			break;
		case NUMERICOID:
			k->form = KEY_NUMERIC;
			break;
		case BPCHAROID:
			k->form = KEY_BPCHAR;
			break;
		default:
			return false;
	}
	if (OidIsValid(att->attcollation) && !get_collation_isdeterministic(att->attcollation))
		return false;
	getTypeOutputInfo(base, &outfn, &varlena);
	fmgr_info(outfn, &k->out);
	return true;
}

/* The key text of value v of key column k. */
static char *
key_text(KeyColumn *k, Datum v)
{
	char	   *s;

	if (k->form == KEY_NUMERIC)
		v = DirectFunctionCall1(numeric_trim_scale, v);
	s = OutputFunctionCall(&k->out, v);
	if (k->form == KEY_BPCHAR)
	{
		size_t		len = strlen(s);

		while (len > 0 && s[len - 1] == ' ')
			len--;
		s[len] = '\0';
	}
	return s;
}

/*
 * Sets up the watched columns of desc; false when one is missing or its
 * type has no equality (the general path's statement errors then).
 */
static bool
watched_columns(LiveCatalog *cat, TupleDesc desc, WatchedColumn *w)
{
	for (int i = 0; i < cat->nwatched; i++)
	{
		Form_pg_attribute att;
		TypeCacheEntry *tc;

		w[i].attnum = column_named(desc, cat->watched[i]);
		if (w[i].attnum == InvalidAttrNumber)
			return false;
		att = TupleDescAttr(desc, w[i].attnum - 1);
		tc = lookup_type_cache(att->atttypid, TYPECACHE_EQ_OPR_FINFO);
		if (!OidIsValid(tc->eq_opr_finfo.fn_oid))
			return false;
		w[i].eq = &tc->eq_opr_finfo;
		w[i].collation = att->attcollation;
	}
	return true;
}

/* Whether rows a and b differ in a watched column (NULLs equal each other). */
static bool
rows_differ(HeapTuple a, HeapTuple b, TupleDesc desc, WatchedColumn *w, int n)
{
	for (int i = 0; i < n; i++)
	{
		bool		anull,
					bnull;
		Datum		av = heap_getattr(a, w[i].attnum, desc, &anull);
		Datum		bv = heap_getattr(b, w[i].attnum, desc, &bnull);
		LOCAL_FCINFO(fc, 2);
		Datum		eq;

		if (anull || bnull)
		{
			if (anull != bnull)
				return true;
			continue;
		}
		InitFunctionCallInfoData(*fc, w[i].eq, 2, w[i].collation, NULL, NULL);
		fc->args[0].value = av;
		fc->args[0].isnull = false;
		fc->args[1].value = bv;
		fc->args[1].isnull = false;
		eq = FunctionCallInvoke(fc);
		if (fc->isnull || !DatumGetBool(eq))
			return true;
	}
	return false;
}

/* The rows of transition table ts, each with its key text, copied. */
static LiveRow *
transition_rows(Tuplestorestate *ts, TupleDesc desc, KeyColumn *k, int *n)
{
	int64		count = tuplestore_tuple_count(ts);
	LiveRow    *rows = palloc(sizeof(LiveRow) * Max(count, 1));
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	int			ptr = tuplestore_alloc_read_pointer(ts, EXEC_FLAG_REWIND);
	int			i = 0;

	tuplestore_select_read_pointer(ts, ptr);
	tuplestore_rescan(ts);
	while (i < count && tuplestore_gettupleslot(ts, true, false, slot))
	{
		bool		isnull;
		Datum		v;

		CHECK_FOR_INTERRUPTS();
		v = slot_getattr(slot, k->attnum, &isnull);
		rows[i].key = isnull ? NULL : key_text(k, v);
		rows[i].tuple = ExecCopySlotHeapTuple(slot);
		i++;
	}
	ExecDropSingleTupleTableSlot(slot);
	*n = i;
	return rows;
}

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * Whether a row of others has the key of row; *differs tells whether one
 * of them differs from row in a watched column (w NULL: not asked).
 */
static bool
key_found(LiveRow *row, LiveRow *others, int nothers, TupleDesc desc, WatchedColumn *w, int nw,
		  bool *differs)
{
	bool		found = false;

	*differs = false;
	for (int j = 0; j < nothers; j++)
	{
		if (others[j].key == NULL || strcmp(others[j].key, row->key) != 0)
			continue;
		found = true;
		if (w == NULL)
			break;
		if (rows_differ(row->tuple, others[j].tuple, desc, w, nw))
		{
			*differs = true;
			break;
		}
	}
	return found;
}

/*
 * The keys of the people a statement changed, as the PL/pgSQL trigger's
 * array_agg(DISTINCT ...) gave them (a NULL key, which matches no other,
 * included once), as a text[] in *keys; *nkeys 0 when none.  An inserted
 * or deleted person counts; an updated one when its key is on one side
 * only, or a row of it on one side differs from one on the other in a
 * watched column.  False when the firing is not for this path: more than
 * BG_TRIGGER_FEW_ROWS rows a side, or columns it cannot read.
 */
static bool
changed_keys(LiveCatalog *cat, TriggerData *td, const char *keycol, Datum *keys, int *nkeys)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	bool		ins = TRIGGER_FIRED_BY_INSERT(td->tg_event);
	bool		del = TRIGGER_FIRED_BY_DELETE(td->tg_event);
	KeyColumn	k;
	WatchedColumn *w = NULL;
	LiveRow    *sides[2] = {NULL, NULL};	/* old, new */
	int			nside[2] = {0, 0};
	char	  **out;
	int			n = 0;
	bool		null_key = false;
	Datum	   *elems;
	bool	   *enulls;
	int			dims[1];
	int			lbs[1] = {1};

	if ((!ins && td->tg_oldtable == NULL) || (!del && td->tg_newtable == NULL) || !bg_trigger_few_rows(td))
		return false;
	if (!key_column(desc, keycol, &k))
		return false;
	if (!ins && !del)
	{
		w = palloc(sizeof(WatchedColumn) * Max(cat->nwatched, 1));
		if (!watched_columns(cat, desc, w))
			return false;
	}
	if (!ins)
		sides[0] = transition_rows(td->tg_oldtable, desc, &k, &nside[0]);
	if (!del)
		sides[1] = transition_rows(td->tg_newtable, desc, &k, &nside[1]);

	out = palloc(sizeof(char *) * Max(nside[0] + nside[1], 1));
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < nside[s]; i++)
		{
			LiveRow    *row = &sides[s][i];
			bool		differs;

			CHECK_FOR_INTERRUPTS();
			if (row->key == NULL)
				null_key = true;
			else if (w == NULL)
				out[n++] = row->key;
			else if (!key_found(row, sides[1 - s], nside[1 - s], desc, s == 0 ? w : NULL, cat->nwatched,
								&differs) || differs)
				out[n++] = row->key;
		}

	/* distinct, in one order (the order of the keys matters nowhere) */
	if (n > 1)
		qsort(out, n, sizeof(char *), key_cmp);
	elems = palloc(sizeof(Datum) * (n + 1));
	enulls = palloc(sizeof(bool) * (n + 1));
	*nkeys = 0;
	for (int i = 0; i < n; i++)
		if (i == 0 || strcmp(out[i], out[i - 1]) != 0)
		{
			elems[*nkeys] = CStringGetTextDatum(out[i]);
			enulls[(*nkeys)++] = false;
		}
	if (null_key)
	{
		elems[*nkeys] = (Datum) 0;
		enulls[(*nkeys)++] = true;
	}
	dims[0] = *nkeys;
	*keys = *nkeys == 0 ? (Datum) 0 :
		PointerGetDatum(construct_md_array(elems, enulls, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
	return true;
}

static int
interest_cmp(const void *a, const void *b)
{
	int32		x = ((const LiveInterest *) a)->id;
	int32		y = ((const LiveInterest *) b)->id;

	return x < y ? -1 : x > y;
}

/*
 * Whether live mode watches rel (the people binding is for it and watched),
 * with its key column, and the update_existing interests in id order; read
 * with one new snapshot.  False when live mode has nothing to do for rel.
 */
static bool
read_catalog(LiveCatalog *cat, Oid rel, char **keycol, LiveInterest **interests, int *ninterests)
{
	Snapshot	snap = RegisterSnapshot(GetTransactionSnapshot());
	Relation	r;
	TupleDesc	desc;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		watched = false;
	int			n = 0,
				cap = 0;
	LiveInterest *list = NULL;

	r = table_open(cat->binding, AccessShareLock);
	desc = RelationGetDescr(r);
	scan = systable_beginscan(r, InvalidOid, false, snap, 0, NULL);
	while ((tup = systable_getnext(scan)) != NULL)
	{
		bool		kind_null,
					relid_null,
					watched_null,
					key_null;
		Datum		kind = heap_getattr(tup, cat->b_kind, desc, &kind_null);
		Datum		relid = heap_getattr(tup, cat->b_relid, desc, &relid_null);
		Datum		on = heap_getattr(tup, cat->b_watched, desc, &watched_null);
		Datum		key = heap_getattr(tup, cat->b_key, desc, &key_null);

		CHECK_FOR_INTERRUPTS();
		if (kind_null || strcmp(TextDatumGetCString(kind), "people") != 0)
			continue;
		watched = !relid_null && DatumGetObjectId(relid) == rel && !watched_null && DatumGetBool(on) && !key_null;
		if (watched)
			*keycol = pstrdup(NameStr(*DatumGetName(key)));
		break;
	}
	systable_endscan(scan);
	table_close(r, AccessShareLock);

	if (watched)
	{
		r = table_open(cat->interest, AccessShareLock);
		desc = RelationGetDescr(r);
		scan = systable_beginscan(r, InvalidOid, false, snap, 0, NULL);
		while ((tup = systable_getnext(scan)) != NULL)
		{
			bool		update_null,
						id_null;
			Datum		update = heap_getattr(tup, cat->s_update, desc, &update_null);
			Datum		id = heap_getattr(tup, cat->s_id, desc, &id_null);

			CHECK_FOR_INTERRUPTS();
			if (update_null || !DatumGetBool(update) || id_null)
				continue;
			list = bg_grow_array(list, &cap, (Size) n + 1, sizeof(LiveInterest), CurrentMemoryContext,
								 "solution interests");
			list[n].id = DatumGetInt32(id);
			list[n].row = NULL;
			n++;
		}
		systable_endscan(scan);
		table_close(r, AccessShareLock);
		if (n > 1)
			qsort(list, n, sizeof(LiveInterest), interest_cmp);
	}
	UnregisterSnapshot(snap);
	*interests = list;
	*ninterests = n;
	return n > 0;
}

/*
 * Takes the interest lock of s in shared mode and reads its row again, with
 * a new snapshot (bg_internal._lock_interest); false when it is gone.
 */
static bool
lock_interest(LiveCatalog *cat, LiveInterest *s)
{
	Snapshot	snap;
	Relation	r;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;

	DirectFunctionCall2(pg_advisory_xact_lock_shared_int4, Int32GetDatum(INTEREST_LOCK_CLASS),
						Int32GetDatum(s->id));
	snap = RegisterSnapshot(GetTransactionSnapshot());
	r = table_open(cat->interest, AccessShareLock);
	ScanKeyInit(&key, cat->s_id, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(s->id));
	scan = systable_beginscan(r, InvalidOid, false, snap, 1, &key);
	tup = systable_getnext(scan);
	s->row = NULL;
	if (tup != NULL)
	{
		bool		isnull;

		s->row = heap_copytuple(tup);
		s->subaccounts = DatumGetBool(heap_getattr(s->row, cat->s_subaccounts, RelationGetDescr(r), &isnull))
			&& !isnull;
		s->name = heap_getattr(s->row, cat->s_name, RelationGetDescr(r), &isnull);
	}
	systable_endscan(scan);
	table_close(r, AccessShareLock);
	UnregisterSnapshot(snap);
	return s->row != NULL;
}

/*
 * bg_internal._sync(s, keys) (keys NULL: every group of s), s the row read
 * after its lock, inside the caller's SPI connection.
 */
static void
sync_interest(LiveCatalog *cat, LiveInterest *s, Datum keys, bool keys_null)
{
	Oid			argtypes[2] = {cat->interest_type, TEXTARRAYOID};
	Datum		args[2];
	char		nulls[2] = {' ', keys_null ? 'n' : ' '};
	TupleDesc	desc;
	Relation	r;
	int			rc;

	r = table_open(cat->interest, AccessShareLock);
	desc = RelationGetDescr(r);
	args[0] = heap_copy_tuple_as_datum(s->row, desc);
	table_close(r, AccessShareLock);
	args[1] = keys;
	rc = SPI_execute_with_args("SELECT bg_internal._sync($1, $2)", 2, argtypes, args, nulls, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "bg: live mode's sync of solution interest %d failed: %s", s->id,
			 SPI_result_code_string(rc));
}

/*
 * bg_internal._sync_people(s, keys) by its kept statements, inside the
 * caller's SPI connection; false when they are not kept for this catalog
 * (bg_internal._sync builds them).  The groups the people are in or would
 * be in are locked in id order, then the rule members applied, then the
 * names of the locked groups brought in line with their accounts'.
 */
static bool
sync_people(LiveInterest *s, Datum keys)
{
	char		lock_key[32],
				apply_key[32],
				names_key[32];
	SPIPlanPtr	lock,
				apply,
				names;
	Oid			argtypes[4] = {TEXTARRAYOID, INT4OID, INT8ARRAYOID, TEXTOID};
	Datum		args[4] = {keys, Int32GetDatum(s->id), (Datum) 0, s->name};
	Oid			lock_cols[1] = {INT8ARRAYOID};
	Oid			apply_cols[4] = {INT8OID, INT8OID, INT8OID, INT8OID};
	Oid			names_cols[1] = {INT4OID};
	bool		isnull;

	snprintf(lock_key, sizeof(lock_key), "people:%d:lock", s->id);
	snprintf(apply_key, sizeof(apply_key), "people:%d:apply", s->id);
	snprintf(names_key, sizeof(names_key), "people:%d:names", s->id);
	lock = bg_kept_plan(lock_key, 0);
	apply = bg_kept_plan(apply_key, 0);
	if (lock == NULL || apply == NULL)
		return false;

	bg_kept_plan_execute(lock_key, lock, 2, argtypes, args, "  ", 1, lock_cols);
	if (SPI_processed != 1)
		elog(ERROR, "bg: kept plan \"%s\" returned " UINT64_FORMAT " rows", lock_key, SPI_processed);
	args[2] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		return true;			/* no group to change */
	bg_kept_plan_execute(apply_key, apply, 3, argtypes, args, "   ", 4, apply_cols);
	names = bg_kept_plan(names_key, 0);
	if (names != NULL)
		bg_kept_plan_execute(names_key, names, 4, argtypes, args, "n   ", 1, names_cols);
	return true;
}

/* bg_internal._people_changed() RETURNS trigger */
PG_FUNCTION_INFO_V1(bg_people_changed);
Datum
bg_people_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td;
	LiveCatalog *cat;
	char	   *keycol = NULL;	/* set when read_catalog returns true */
	LiveInterest *interests;
	int			ninterests;
	bool		truncate;
	Datum		keys = (Datum) 0;
	int			nkeys = 0;
	int			rc;

	td = bg_trigger_data(fcinfo, "bg_people_changed");
	if (!bg_trigger_after_statement(td))
		return bg_trigger_fire_general(fcinfo, "_people_changed_general");
	truncate = TRIGGER_FIRED_BY_TRUNCATE(td->tg_event);

	cat = live_catalog();
	if (!read_catalog(cat, RelationGetRelid(td->tg_relation), &keycol, &interests, &ninterests))
		return PointerGetDatum(NULL);

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	if (!truncate)
	{
		load_watched(cat);
		if (!changed_keys(cat, td, keycol, &keys, &nkeys))
		{
			SPI_finish();
			return bg_trigger_fire_general(fcinfo, "_people_changed_general");
		}
		if (nkeys == 0)
		{
			SPI_finish();
			return PointerGetDatum(NULL);
		}
	}
	for (int i = 0; i < ninterests; i++)
	{
		LiveInterest *s = &interests[i];

		CHECK_FOR_INTERRUPTS();
		if (!lock_interest(cat, s))
			continue;			/* dropped meanwhile */
		if (truncate)
			sync_interest(cat, s, (Datum) 0, true);
		else if (s->subaccounts || nkeys > LIVE_FEW_PEOPLE || !sync_people(s, keys))
			sync_interest(cat, s, keys, false);
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}
