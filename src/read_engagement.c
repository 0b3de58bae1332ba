/*
 * read_engagement.c — bg_internal._read_engagement: the raw engagement score
 * of every person of the bound activities table, for bg.refresh_engagement
 * (docs/design.md §7.1).
 *
 * The activities are read as the table's owner, in a security-restricted
 * operation, as bg_internal._read reads them (read_as_owner.c), but the rows
 * do not leave the read: a receiver counts them at once, per person, type
 * and UTC day (capped at 20), and adds each counted activity's weight to its
 * person's integer sum.  Only one row per person comes out: (key, sum /
 * 100), the value bg.engagement_raw gives over the same rows, bit for bit
 * (both divide the same integer sum once).  People without a counted
 * activity are left out (the refresh scores them 0).
 *
 * Memory: one entry per person and one per (person, type, day) that has an
 * activity in the window, in hash tables of the function's query context;
 * the keys packed in blocks.  bg_internal._engagement_changes
 * (engagement_changes.c) counts the activities the same way.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "engagement.h"
#include "engagement_people.h"
#include "read_as_owner.h"

/* A person: the index of its key in BgEngPeople.keys. */
typedef struct BgPerson
{
	uint32		hash;
	char		status;
	uint32		idx;
	const char *key;
} BgPerson;

#define SH_PREFIX bgperson
#define SH_ELEMENT_TYPE BgPerson
#define SH_KEY_TYPE const char *
#define SH_KEY key
#define SH_HASH_KEY(tb, k) hash_bytes((const unsigned char *) (k), (int) strlen(k))
#define SH_EQUAL(tb, a, b) (strcmp((a), (b)) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"



#define BG_KEY_BLOCK 65536		/* the keys are packed in blocks of this size */

typedef struct BgEngReceiver
{
	DestReceiver pub;
	TimestampTz as_of;
	int64		as_of_day;
	BgActivityWeights *w;
	int		   *slots;			/* open addressing over the weighted types */
	int			mask;
	BgEngPeople *people;
	bgcell_hash *cells;
	bool		int_keys;		/* the query's key is bigint */
	bool		known_only;		/* count only the people already in people */
} BgEngReceiver;

/* An empty set of people, in (a child of) cxt; ints: their keys are integers. */
BgEngPeople *
bg_eng_people_new(MemoryContext cxt, bool ints)
{
	MemoryContext pcxt = AllocSetContextCreate(cxt, "bg engagement people", ALLOCSET_DEFAULT_SIZES);
	BgEngPeople *p = MemoryContextAllocZero(pcxt, sizeof(BgEngPeople));

	p->cxt = pcxt;
	p->ints = ints;
	if (ints)
		p->ihash = bgintidx_create(pcxt, 1024, NULL);
	else
		p->hash = bgperson_create(pcxt, 1024, NULL);
	p->max = 1024;
	p->sums = MemoryContextAlloc(pcxt, sizeof(int64) * p->max);
	if (ints)
		p->ids = MemoryContextAlloc(pcxt, sizeof(int64) * p->max);
	else
		p->keys = MemoryContextAlloc(pcxt, sizeof(char *) * p->max);
	p->bound = MemoryContextAlloc(pcxt, sizeof(uint8) * p->max);
	p->buflen = 64;
	p->buf = MemoryContextAlloc(pcxt, p->buflen);
	return p;
}

/* A copy of the NUL-terminated key of len bytes, packed with the others. */
static const char *
keep_key(BgEngPeople *p, const char *key, int len)
{
	char	   *k;

	if ((Size) len + 1 > p->arena_left)
	{
		Size		size = Max((Size) len + 1, BG_KEY_BLOCK);

		p->arena = MemoryContextAlloc(p->cxt, size);
		p->arena_left = size;
	}
	k = p->arena;
	memcpy(k, key, len + 1);
	p->arena += len + 1;
	p->arena_left -= len + 1;
	return k;
}

/* The index of a new person (its key to be set by the caller). */
static uint32
new_person(BgEngPeople *p)
{
	if (p->n == p->max)
	{
		if (p->max >= (uint32) 1 << 30) /* the cells' key keeps 40 bits */
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many people with activities"),
					 errdetail("bg.refresh_engagement scores at most %u.", p->max)));
		p->max *= 2;
		p->sums = repalloc_huge(p->sums, sizeof(int64) * (Size) p->max);
		if (p->ints)
			p->ids = repalloc_huge(p->ids, sizeof(int64) * (Size) p->max);
		else
			p->keys = repalloc_huge(p->keys, sizeof(char *) * (Size) p->max);
		p->bound = repalloc_huge(p->bound, sizeof(uint8) * (Size) p->max);
	}
	p->sums[p->n] = 0;
	p->bound[p->n] = 0;
	return p->n++;
}

/*
 * The integer whose canonical text (int8out's) is s (len bytes), if there
 * is one: no sign but a leading '-', no leading zero, no "-0".
 */
static bool
canonical_int(const char *s, int len, int64 *out)
{
	int			i = 0;
	bool		neg = false;
	int64		v = 0;

	if (len > 0 && s[0] == '-')
	{
		neg = true;
		i = 1;
	}
	if (i >= len || len - i > MAXINT8LEN || (s[i] == '0' && (len - i > 1 || neg)))
		return false;
	/* accumulated as a negative number, so that the smallest one fits */
	for (; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9' ||
			pg_mul_s64_overflow(v, 10, &v) || pg_sub_s64_overflow(v, s[i] - '0', &v))
			return false;
	}
	if (!neg)
	{
		if (v == PG_INT64_MIN)
			return false;
		v = -v;
	}
	*out = v;
	return true;
}

/*
 * The index of the person of integer key id, a new one if insert (else
 * BG_NO_PERSON when there is none).
 */
uint32
bg_eng_person_id(BgEngPeople *p, int64 id, bool insert)
{
	BgIntIndex *e;
	bool		found;

	if (!p->ints)
	{
		char		buf[MAXINT8LEN + 1];
		int			len = pg_lltoa(id, buf);

		return bg_eng_person(p, buf, len, insert);
	}
	if (p->direct != NULL)
	{
		uint64		off = (uint64) id - (uint64) p->lo;

		if (insert)
			elog(ERROR, "bg_eng_person_id: the people are indexed");
		return off < p->ndirect ? p->direct[off] : BG_NO_PERSON;
	}
	if (!insert)
	{
		e = bgintidx_lookup(p->ihash, id);
		return e ? e->idx : BG_NO_PERSON;
	}
	e = bgintidx_insert(p->ihash, id, &found);
	if (!found)
	{
		e->idx = new_person(p);
		p->ids[e->idx] = id;
	}
	return e->idx;
}

/*
 * The index of the person of key (len bytes, not NUL-terminated), a new one
 * if insert (else BG_NO_PERSON when there is none).  With integer keys a
 * key that is not an integer's canonical text is nobody's.
 */
uint32
bg_eng_person(BgEngPeople *p, const char *key, int len, bool insert)
{
	BgPerson   *e;
	bool		found;

	if (p->ints)
	{
		int64		id;

		if (!canonical_int(key, len, &id))
			return BG_NO_PERSON;
		return bg_eng_person_id(p, id, insert);
	}
	if (len >= p->buflen)
	{
		p->buflen = Max(len + 1, 2 * p->buflen);
		p->buf = repalloc(p->buf, p->buflen);
	}
	memcpy(p->buf, key, len);
	p->buf[len] = '\0';
	if (!insert)
	{
		e = bgperson_lookup(p->hash, p->buf);
		return e ? e->idx : BG_NO_PERSON;
	}
	e = bgperson_insert(p->hash, p->buf, &found);
	if (!found)
	{
		e->idx = new_person(p);
		e->key = keep_key(p, p->buf, len);
		p->keys[e->idx] = e->key;
	}
	return e->idx;
}

/*
 * Integer keys in a range at most 4 times their number (ids of a sequence)
 * are then found by an array over the range, far smaller than the hash
 * table (4 bytes per id of the range): fewer cache misses per lookup.  No
 * person can be added after.
 */
void
bg_eng_people_index(BgEngPeople *p)
{
	int64		lo;
	int64		hi;
	uint64		range;

	if (!p->ints || p->n == 0)
		return;
	lo = hi = p->ids[0];
	for (uint32 i = 1; i < p->n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		lo = Min(lo, p->ids[i]);
		hi = Max(hi, p->ids[i]);
	}
	range = (uint64) hi - (uint64) lo;	/* one less than the ids it spans */
	if (range >= 4 * (uint64) p->n + 1024 || range >= MaxAllocHugeSize / sizeof(uint32))
		return;
	p->ndirect = range + 1;
	p->lo = lo;
	p->direct = MemoryContextAllocHuge(p->cxt, sizeof(uint32) * p->ndirect);
	memset(p->direct, 0xFF, sizeof(uint32) * p->ndirect);	/* BG_NO_PERSON */
	for (uint32 i = 0; i < p->n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		p->direct[(uint64) p->ids[i] - (uint64) lo] = i;
	}
	bgintidx_destroy(p->ihash);
	p->ihash = NULL;
}

/* bg_eng_person of a text Datum. */
uint32
bg_eng_person_datum(BgEngPeople *p, Datum key, bool insert)
{
	text	   *k = DatumGetTextPP(key);
	uint32		i = bg_eng_person(p, VARDATA_ANY(k), VARSIZE_ANY_EXHDR(k), insert);

	if ((Pointer) k != DatumGetPointer(key))
		pfree(k);
	return i;
}

/* as_of, after checking that it is finite. */
TimestampTz
bg_eng_as_of(TimestampTz as_of)
{
	if (TIMESTAMP_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as_of of bg.engagement_raw must be finite")));
	return as_of;
}

/* The canonical text of person i's key, as text (palloc'd). */
Datum
bg_eng_person_key(BgEngPeople *p, uint32 i)
{
	if (p->ints)
	{
		char		buf[MAXINT8LEN + 1];

		(void) pg_lltoa(p->ids[i], buf);
		return CStringGetTextDatum(buf);
	}
	return CStringGetTextDatum(p->keys[i]);
}

/* The index of a weighted type, or -1. */
static int
type_index(BgEngReceiver *r, const char *name, int len)
{
	uint32		h = hash_bytes((const unsigned char *) name, len);

	for (int i = h & r->mask;; i = (i + 1) & r->mask)
	{
		int			t = r->slots[i];

		if (t < 0)
			return -1;
		if (r->w->lens[t] == len && memcmp(r->w->types[t], name, len) == 0)
			return t;
	}
}

/*
 * The key may be text (canonical) or bigint: the canonical text of an
 * integer key is made once per person, not once per activity.
 */
static void
eng_startup(DestReceiver *self, int operation pg_attribute_unused(), TupleDesc typeinfo)
{
	BgEngReceiver *r = (BgEngReceiver *) self;
	Oid			want[3] = {TEXTOID, TEXTOID, TIMESTAMPTZOID};

	if (typeinfo->natts != 3)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the activities query must return a key, a type and a time"),
				 errdetail("It returns %d columns.", typeinfo->natts)));
	if (TupleDescAttr(typeinfo, 0)->atttypid == INT8OID)
	{
		want[0] = INT8OID;
		r->int_keys = true;
	}
	for (int i = 0; i < 3; i++)
		if (TupleDescAttr(typeinfo, i)->atttypid != want[i])
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("the activities query must return a key, a type and a time"),
					 errdetail("Column %d is of type %s, not %s.", i + 1,
							   format_type_be(TupleDescAttr(typeinfo, i)->atttypid),
							   format_type_be(want[i]))));
}

static bool
eng_receive(TupleTableSlot *slot, DestReceiver *self)
{
	BgEngReceiver *r = (BgEngReceiver *) self;
	bool		isnull;
	Datum		d;
	TimestampTz at;
	text	   *type;
	int			t;
	int64		day;
	uint32		person;
	BgCell	   *cell;
	bool		found;

	CHECK_FOR_INTERRUPTS();
	/* a row without a key, type or time counts nowhere */
	d = slot_getattr(slot, 3, &isnull);
	if (isnull)
		return true;
	at = DatumGetTimestampTz(d);
	/* the window (as_of - 30 days, as_of]: the future and older rows are out */
	if (at > r->as_of || at <= r->as_of - BG_WINDOW_DAYS * USECS_PER_DAY)
		return true;
	d = slot_getattr(slot, 2, &isnull);
	if (isnull)
		return true;
	type = DatumGetTextPP(d);
	t = type_index(r, VARDATA_ANY(type), VARSIZE_ANY_EXHDR(type));
	if ((Pointer) type != DatumGetPointer(d))
		pfree(type);
	if (t < 0)
		return true;			/* a type the model does not weight */
	d = slot_getattr(slot, 1, &isnull);
	if (isnull)
		return true;
	if (r->int_keys)
		person = bg_eng_person_id(r->people, DatumGetInt64(d), !r->known_only);
	else
		person = bg_eng_person_datum(r->people, d, !r->known_only);
	if (person == BG_NO_PERSON)
		return true;			/* not a known person: counts nowhere */
	day = r->as_of_day - bg_utc_day(at);
	Assert(day >= 0 && day < BG_WINDOW_SLOTS);
	cell = bgcell_insert(r->cells, ((uint64) person << 24) | ((uint64) t << 8) | (uint64) day, &found);
	if (!found)
		cell->count = 0;
	if (cell->count < BG_DAY_CAP)
	{
		cell->count++;
		r->people->sums[person] += r->w->weights[t];
	}
	return true;
}

static void
eng_shutdown(DestReceiver *self pg_attribute_unused())
{
}

static void
eng_destroy(DestReceiver *self pg_attribute_unused())
{
}

/*
 * Runs query (over relid, as its owner; $1 = keys) and counts the
 * activities it returns (key as text or bigint, type, time) of the window
 * ending at as_of
 * into p (known_only: only those of the people p has; else each new key is
 * a new person).  False when no model is active (nothing is read: every raw score
 * is 0).  Its temporary memory (the cells) is freed before it returns.
 */
bool
bg_eng_count_activities(BgEngPeople *p, Oid relid, const char *query,
						Datum keys, bool keys_null, TimestampTz as_of, bool known_only)
{
	BgEngReceiver r;
	Oid			owner;
	Oid			rowtype;
	int			nslots;
	MemoryContext cxt;
	MemoryContext old;

	owner = bg_read_owner(relid, &rowtype);
	memset(&r, 0, sizeof(r));
	r.as_of = as_of;
	r.as_of_day = bg_utc_day(as_of);
	r.people = p;
	cxt = AllocSetContextCreate(p->cxt, "bg engagement cells", ALLOCSET_DEFAULT_SIZES);
	r.known_only = known_only;
	old = MemoryContextSwitchTo(cxt);

	/* the active model's weights (none: every raw score is 0) */
	r.w = bg_activity_weights();
	if (r.w->has_model && r.w->ntypes > BG_MAX_TYPES)	/* bg.set_activity_weight keeps to it */
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the active weighting model weights %d activity types", r.w->ntypes),
				 errdetail("bg.engagement_raw takes at most %d.", BG_MAX_TYPES)));
	nslots = 16;
	while (nslots < 2 * r.w->ntypes)
		nslots *= 2;
	r.mask = nslots - 1;
	r.slots = palloc(sizeof(int) * nslots);
	memset(r.slots, -1, sizeof(int) * nslots);
	for (int i = 0; r.w->has_model && i < r.w->ntypes; i++)
	{
		uint32		h = hash_bytes((const unsigned char *) r.w->types[i], r.w->lens[i]);
		int			j = h & r.mask;

		CHECK_FOR_INTERRUPTS();
		while (r.slots[j] >= 0)
			j = (j + 1) & r.mask;
		r.slots[j] = i;
	}

	r.cells = bgcell_create(cxt, 1024, NULL);
	r.pub.receiveSlot = eng_receive;
	r.pub.rStartup = eng_startup;
	r.pub.rShutdown = eng_shutdown;
	r.pub.rDestroy = eng_destroy;
	r.pub.mydest = DestTuplestore;

	if (r.w->has_model)
		bg_read_run(relid, query, keys, keys_null, owner, &r.pub);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return r.w->has_model;
}

/*
 * bg_internal._read_engagement(rel regclass, query text, keys text[],
 * as_of timestamptz) RETURNS TABLE (k text, raw float8): query (over rel;
 * $1 = keys) returns each activity's person key (canonical text), type
 * and time.
 */
PG_FUNCTION_INFO_V1(bg_read_engagement);
Datum
bg_read_engagement(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext per_query;
	MemoryContext cxt;
	MemoryContext old;
	BgEngPeople *p;
	TimestampTz as_of;
	char	   *query;

	bg_read_require_catalog_owner("bg_internal._read_engagement");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rel, query and as_of must not be null")));
	as_of = bg_eng_as_of(PG_GETARG_TIMESTAMPTZ(3));
	query = text_to_cstring(PG_GETARG_TEXT_PP(1));

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	per_query = rsinfo->econtext->ecxt_per_query_memory;
	cxt = AllocSetContextCreate(per_query, "bg read engagement", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	p = bg_eng_people_new(cxt, false);
	(void) bg_eng_count_activities(p, PG_GETARG_OID(0), query, PG_GETARG_DATUM(2), PG_ARGISNULL(2), as_of, false);

	/* one row per person: its key and sum / 100, as bg.engagement_raw's final */
	MemoryContextSwitchTo(per_query);
	for (uint32 i = 0; i < p->n; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		CHECK_FOR_INTERRUPTS();
		values[0] = CStringGetTextDatum(p->keys[i]);
		values[1] = Float8GetDatum((float8) p->sums[i] / 100.0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		pfree(DatumGetPointer(values[0]));
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return (Datum) 0;
}
