/*
 * import_tags.c — bg_internal._read_tagged: an import's read of a bound
 * table, in one scan (docs/design.md §9).
 *
 * An import matches the distinct values of its file against a bound table
 * by tags: 'k:' and the canonical key, 'd:' and a domain (accounts' domain
 * and website), 'e:' and an email (people).  It read the table once per
 * tag, each scan testing its tag with "= ANY" of the file's values; at two
 * million people that was two scans of the whole table.  Here the table is
 * read once, as its owner (bg_read_run: a security-restricted operation,
 * the calling statement's snapshot), and every tag of every row is looked
 * up in a hash table of the file's tagged values, built once: a row comes
 * out once per tag found, with the query's columns and the tagged value.
 * Tagged values are compared as bytes (their text is canonical: a key's
 * canonical text, a lower-cased domain or email).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "alloc_limit.h"
#include "read_as_owner.h"

/* A slot of TagSet: a value's hash and index + 1 (0: free), side by side. */
typedef struct TagSlot
{
	uint32		hash;
	uint32		value;
} TagSlot;

/*
 * The file's tagged values: open addressing, at most half full; a probe of
 * a value that is not there (most rows' tags) reads one slot, seldom two.
 * Written here rather than with lib/simplehash.h: its entries hold their
 * key, and a probe passes a key of the entries' type, where this set's
 * probes are strings being built (a tag and a row's value) and its entries
 * eight bytes (a hash and an index); the first version, with the hashes in
 * an array apart, took 25 % more time to read 2 000 000 people.
 */
typedef struct TagSet
{
	uint32		mask;
	TagSlot    *slots;
	text	  **values;
} TagSet;

typedef struct TagReceiver
{
	DestReceiver pub;
	TagSet	   *set;
	int			ntags;
	text	  **prefixes;		/* of each tag column */
	Tuplestorestate *store;
	TupleDesc	outdesc;		/* the query's columns, then the tagged value */
	MemoryContext rowcxt;		/* reset after every row */
	StringInfoData buf;			/* a tagged value being looked up */
	Datum	   *values;
	bool	   *nulls;
} TagReceiver;

/* The slot of data[0 .. len) (hash h), or the free slot it would go to. */
static uint32
tag_probe(TagSet *s, const char *data, int len, uint32 h)
{
	uint32		i = h & s->mask;

	for (;;)
	{
		TagSlot    *slot = &s->slots[i];

		if (slot->value == 0)
			return i;
		if (slot->hash == h && VARSIZE_ANY_EXHDR(s->values[slot->value - 1]) == (Size) len &&
			memcmp(VARDATA_ANY(s->values[slot->value - 1]), data, len) == 0)
			return i;
		i = (i + 1) & s->mask;
	}
}

/* The set of the non-null elements of vals (a text[]), in cxt. */
static TagSet *
tag_set_build(ArrayType *vals, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	TagSet	   *s = palloc0(sizeof(TagSet));
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	uint32		size = 16;
	uint32		nvalues = 0;

	deconstruct_array(vals, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	/* at most half full: n is at most MaxArraySize, well below 2^31 */
	while (size < (uint32) n * 2)
		size *= 2;
	s->mask = size - 1;
	s->slots = palloc0(bg_alloc_size(size, sizeof(TagSlot), "tagged values"));
	s->values = palloc(bg_alloc_size(Max(n, 1), sizeof(text *), "tagged values"));
	for (int i = 0; i < n; i++)
	{
		text	   *t;
		uint32		h;
		uint32		slot;

		CHECK_FOR_INTERRUPTS();
		if (nulls[i])
			continue;
		t = DatumGetTextPP(elems[i]);
		h = hash_bytes((const unsigned char *) VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
		slot = tag_probe(s, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), h);
		if (s->slots[slot].value != 0)
			continue;			/* a value twice */
		s->values[nvalues] = t;
		s->slots[slot].hash = h;
		s->slots[slot].value = ++nvalues;
	}
	MemoryContextSwitchTo(old);
	return s;
}

/* The query's columns must be the column definition list's, but its last. */
static void
tag_startup(DestReceiver *self, int operation pg_attribute_unused(), TupleDesc typeinfo)
{
	TagReceiver *r = (TagReceiver *) self;
	int			n = r->outdesc->natts - 1;

	if (typeinfo->natts != n || TupleDescAttr(r->outdesc, n)->atttypid != TEXTOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("query result does not match the column definition list"),
				 errdetail_plural("The list has the query's %d column and then a text column of the tagged value.",
								  "The list has the query's %d columns and then a text column of the tagged value.",
								  typeinfo->natts, typeinfo->natts)));
	if (r->ntags > n)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the query has fewer columns than tags"),
				 errdetail_plural("It has %d column, and there are %d prefixes.",
								  "It has %d columns, and there are %d prefixes.", n, n, r->ntags)));
	for (int i = 0; i < n; i++)
	{
		Oid			got = TupleDescAttr(typeinfo, i)->atttypid;
		Oid			want = TupleDescAttr(r->outdesc, i)->atttypid;

		bg_read_column_check(i, got, want);
		if (i < r->ntags && got != TEXTOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("the tag columns of the query must be text"),
					 errdetail("Column %d is of type %s.", i + 1, format_type_be(got))));
	}
}

static bool
tag_receive(TupleTableSlot *slot, DestReceiver *self)
{
	TagReceiver *r = (TagReceiver *) self;
	int			n = r->outdesc->natts - 1;
	MemoryContext old;
	bool		fetched = false;

	CHECK_FOR_INTERRUPTS();
	old = MemoryContextSwitchTo(r->rowcxt);
	for (int i = 0; i < r->ntags; i++)
	{
		bool		isnull;
		Datum		d = slot_getattr(slot, i + 1, &isnull);
		text	   *t;
		uint32		h;

		if (isnull)
			continue;
		t = DatumGetTextPP(d);
		resetStringInfo(&r->buf);
		appendBinaryStringInfo(&r->buf, VARDATA_ANY(r->prefixes[i]), VARSIZE_ANY_EXHDR(r->prefixes[i]));
		appendBinaryStringInfo(&r->buf, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
		h = hash_bytes((const unsigned char *) r->buf.data, r->buf.len);
		if (r->set->slots[tag_probe(r->set, r->buf.data, r->buf.len, h)].value == 0)
			continue;
		if (!fetched)
		{
			slot_getallattrs(slot);
			memcpy(r->values, slot->tts_values, sizeof(Datum) * n);
			memcpy(r->nulls, slot->tts_isnull, sizeof(bool) * n);
			fetched = true;
		}
		r->values[n] = PointerGetDatum(cstring_to_text_with_len(r->buf.data, r->buf.len));
		r->nulls[n] = false;
		tuplestore_putvalues(r->store, r->outdesc, r->values, r->nulls);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(r->rowcxt);
	return true;
}

/*
 * bg_internal._read_tagged(rel regclass, query text, prefixes text[],
 * vals text[]) RETURNS SETOF record: the rows of query (over rel, read as
 * its owner) whose first cardinality(prefixes) columns (text, the tags)
 * make, each after its prefix, one of vals: once per such tag, the query's
 * columns and the tagged value.
 */
PG_FUNCTION_INFO_V1(bg_read_tagged);
Datum
bg_read_tagged(PG_FUNCTION_ARGS)
{
	MemoryContext per_query;
	ArrayType  *prefixes;
	Datum	   *elems;
	bool	   *nulls;
	Oid			relid;
	Oid			owner;
	Oid			rowtype;
	TagReceiver r;

	bg_read_require_catalog_owner("bg_internal._read_tagged");
	for (int i = 0; i < 4; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("rel, query, prefixes and vals must not be null")));
	relid = PG_GETARG_OID(0);
	memset(&r, 0, sizeof(r));
	per_query = bg_read_srf_begin(fcinfo, relid, &owner, &rowtype, &r.pub, tag_receive, tag_startup,
								  &r.store, &r.outdesc);
	r.rowcxt = AllocSetContextCreate(per_query, "bg tagged read row", ALLOCSET_DEFAULT_SIZES);
	r.values = MemoryContextAlloc(per_query, sizeof(Datum) * r.outdesc->natts);
	r.nulls = MemoryContextAlloc(per_query, sizeof(bool) * r.outdesc->natts);
	r.set = tag_set_build(PG_GETARG_ARRAYTYPE_P(3), per_query);

	prefixes = PG_GETARG_ARRAYTYPE_P(2);
	deconstruct_array(prefixes, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &r.ntags);
	r.prefixes = MemoryContextAlloc(per_query, sizeof(text *) * Max(r.ntags, 1));
	for (int i = 0; i < r.ntags; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("prefixes must not contain nulls")));
		r.prefixes[i] = MemoryContextAlloc(per_query, VARSIZE_ANY(DatumGetPointer(elems[i])));
		memcpy(r.prefixes[i], DatumGetPointer(elems[i]), VARSIZE_ANY(DatumGetPointer(elems[i])));
	}
	{
		MemoryContext old = MemoryContextSwitchTo(per_query);

		initStringInfo(&r.buf);
		MemoryContextSwitchTo(old);
	}

	bg_read_run(relid, text_to_cstring(PG_GETARG_TEXT_PP(1)), PG_GETARG_DATUM(3), false, owner, &r.pub);
	MemoryContextDelete(r.rowcxt);
	return (Datum) 0;
}
