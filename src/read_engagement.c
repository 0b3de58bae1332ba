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
 * activity in the window, in hash tables of the function's query context.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "engagement.h"
#include "read_as_owner.h"

/* A person: its key (canonical text) and the sum of its counted weights. */
typedef struct BgPerson
{
	uint32		hash;
	char		status;
	uint32		idx;			/* in people[] */
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

/* A (person, type, UTC day) cell: its capped count. */
typedef struct BgCell
{
	uint64		key;			/* person << 24 | type << 8 | day slot */
	uint8		count;
	char		status;
} BgCell;

#define SH_PREFIX bgcell
#define SH_ELEMENT_TYPE BgCell
#define SH_KEY_TYPE uint64
#define SH_KEY key
#define SH_HASH_KEY(tb, k) murmurhash32((uint32) (k) ^ murmurhash32((uint32) ((k) >> 32)))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct BgEngReceiver
{
	DestReceiver pub;
	TimestampTz as_of;
	int64		as_of_day;
	BgActivityWeights *w;
	int		   *slots;			/* open addressing over the weighted types */
	int			mask;
	MemoryContext keycxt;		/* the people's keys */
	bgperson_hash *people;
	bgcell_hash *cells;
	int64	   *sums;			/* per person: sum of counted weights */
	const char **keys;
	uint32		npeople;
	uint32		maxpeople;
	char	   *buf;			/* a key as a C string */
	int			buflen;
} BgEngReceiver;

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

static void
eng_startup(DestReceiver *self pg_attribute_unused(), int operation pg_attribute_unused(),
			TupleDesc typeinfo)
{
	static const Oid want[3] = {TEXTOID, TEXTOID, TIMESTAMPTZOID};

	if (typeinfo->natts != 3)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the activities query must return a key, a type and a time"),
				 errdetail("It returns %d columns.", typeinfo->natts)));
	for (int i = 0; i < 3; i++)
		if (TupleDescAttr(typeinfo, i)->atttypid != want[i])
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("the activities query must return a key, a type and a time"),
					 errdetail("Column %d is of type %s, not %s.", i + 1,
							   format_type_be(TupleDescAttr(typeinfo, i)->atttypid),
							   format_type_be(want[i]))));
}

/* The index of the person of key k, a new one if need be. */
static uint32
person_index(BgEngReceiver *r, text *k)
{
	int			len = VARSIZE_ANY_EXHDR(k);
	BgPerson   *p;
	bool		found;

	if (len >= r->buflen)
	{
		r->buflen = Max(len + 1, 2 * r->buflen);
		r->buf = repalloc(r->buf, r->buflen);
	}
	memcpy(r->buf, VARDATA_ANY(k), len);
	r->buf[len] = '\0';
	p = bgperson_insert(r->people, r->buf, &found);
	if (!found)
	{
		if (r->npeople == r->maxpeople)
		{
			if (r->maxpeople >= (uint32) 1 << 30)	/* the cells' key keeps 40 bits */
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("too many people with activities"),
						 errdetail("bg.refresh_engagement scores at most %u.", r->maxpeople)));
			r->maxpeople *= 2;
			r->sums = repalloc_huge(r->sums, sizeof(int64) * (Size) r->maxpeople);
			r->keys = repalloc_huge(r->keys, sizeof(char *) * (Size) r->maxpeople);
		}
		p->key = MemoryContextStrdup(r->keycxt, r->buf);
		p->idx = r->npeople++;
		r->sums[p->idx] = 0;
		r->keys[p->idx] = p->key;
	}
	return p->idx;
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
	{
		text	   *k = DatumGetTextPP(d);

		person = person_index(r, k);
		if ((Pointer) k != DatumGetPointer(d))
			pfree(k);
	}
	day = r->as_of_day - bg_utc_day(at);
	Assert(day >= 0 && day < BG_WINDOW_SLOTS);
	cell = bgcell_insert(r->cells, ((uint64) person << 24) | ((uint64) t << 8) | (uint64) day, &found);
	if (!found)
		cell->count = 0;
	if (cell->count < BG_DAY_CAP)
	{
		cell->count++;
		r->sums[person] += r->w->weights[t];
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
	BgEngReceiver r;
	Oid			relid;
	Oid			owner;
	Oid			rowtype;
	char	   *query;
	int			nslots;

	bg_read_require_catalog_owner("bg_internal._read_engagement");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rel, query and as_of must not be null")));
	memset(&r, 0, sizeof(r));
	r.as_of = PG_GETARG_TIMESTAMPTZ(3);
	if (TIMESTAMP_NOT_FINITE(r.as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as_of of bg.engagement_raw must be finite")));
	r.as_of_day = bg_utc_day(r.as_of);
	relid = PG_GETARG_OID(0);
	query = text_to_cstring(PG_GETARG_TEXT_PP(1));
	owner = bg_read_owner(relid, &rowtype);

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	per_query = rsinfo->econtext->ecxt_per_query_memory;
	cxt = AllocSetContextCreate(per_query, "bg read engagement", ALLOCSET_DEFAULT_SIZES);
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

	r.keycxt = AllocSetContextCreate(cxt, "bg read engagement keys", ALLOCSET_DEFAULT_SIZES);
	r.people = bgperson_create(cxt, 1024, NULL);
	r.cells = bgcell_create(cxt, 1024, NULL);
	r.maxpeople = 1024;
	r.sums = palloc(sizeof(int64) * r.maxpeople);
	r.keys = palloc(sizeof(char *) * r.maxpeople);
	r.buflen = 64;
	r.buf = palloc(r.buflen);
	r.pub.receiveSlot = eng_receive;
	r.pub.rStartup = eng_startup;
	r.pub.rShutdown = eng_shutdown;
	r.pub.rDestroy = eng_destroy;
	r.pub.mydest = DestTuplestore;

	if (r.w->has_model)
		bg_read_run(query, PG_GETARG_DATUM(2), PG_ARGISNULL(2), owner, &r.pub);

	/* one row per person: its key and sum / 100, as bg.engagement_raw's final */
	bgcell_destroy(r.cells);
	MemoryContextSwitchTo(per_query);
	for (uint32 i = 0; i < r.npeople; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		CHECK_FOR_INTERRUPTS();
		values[0] = CStringGetTextDatum(r.keys[i]);
		values[1] = Float8GetDatum((float8) r.sums[i] / 100.0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		pfree(DatumGetPointer(values[0]));
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return (Datum) 0;
}
