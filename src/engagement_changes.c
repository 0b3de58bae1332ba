/*
 * engagement_changes.c — bg_internal._engagement_changes: every score of a
 * refresh (bg.refresh_engagement, docs/design.md §7.1) computed in one pass,
 * and only the rows the refresh must write returned.
 *
 * The people's keys are read as the people table's owner (as bigint when
 * they are integers: then people are found by integer, the canonical text of
 * a key parsed, which is faster than hashing text); then the activities of
 * the window, as their table's owner, each bound person's counted into an
 * integer sum as they are read (read_engagement.c); the normaliser (the
 * largest square root of a raw score) found, and bg's own rows read as bg's
 * owner (the caller): the stored person scores (a row whose raw and score
 * are the same is not returned; a row of a person no longer bound is
 * returned to be deleted), the buying groups and their current members.  A
 * group's raw score is computed exactly: person raw scores are integer
 * hundredths, so Σ v(role) × hundredths over the members and V (Σ v over
 * the roles present) are integers, and G = that sum / (100 V), divided
 * once.  The result does not depend on the order of the members, so an
 * unchanged group gives the same double bit for bit and is not returned.
 *
 * Rows out (kind, id, k, raw, score): 'person' (k, raw, score: to write),
 * 'gone' (k: to delete), 'group' (id, raw, score: to write), 'people' and
 * 'groups' (id: how many were read).
 *
 * Memory, in a context of the call: one entry per person read (key, sum,
 * flags; the keys packed), per (person, type, day) cell while the
 * activities are read, per group (its stored and new scores) and per
 * (group, role) present.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "engagement.h"
#include "engagement_people.h"
#include "owner.h"
#include "read_as_owner.h"

#define BG_BOUND 1				/* BgEngPeople.bound: a key of the people table */
#define BG_STORED 2				/* ... with a stored row */



typedef struct BgGroupScore
{
	int64		id;
	float8		old_raw;
	float8		old_score;
	bool		old_null;		/* the stored raw or score is NULL */
	int64		num;			/* Σ v(role) × hundredths over the members */
	int64		v;				/* Σ v(role) over the roles present */
	float8		raw;
} BgGroupScore;

typedef struct Changes
{
	MemoryContext cxt;			/* of the call */
	BgEngPeople *p;
	int64		people_read;
	int64		null_keys;		/* people keys that are NULL */
	float8		pmax;
	Tuplestorestate *store;
	TupleDesc	desc;
	Datum		kinds[5];
	BgGroupScore *groups;
	uint32		ngroups;
	uint32		maxgroups;
	bgintidx_hash *group_ids;	/* id → index in groups */
	bgcell_hash *pairs;		/* (group index << 32 | role id) with a current member */
	int32		bad_role;		/* a member's role not in its template, or 0 */
	int32		bad_template;
} Changes;

enum
{
	OUT_PERSON, OUT_GONE, OUT_GROUP, OUT_PEOPLE, OUT_GROUPS
};

typedef struct ChangesReceiver
{
	DestReceiver pub;
	const char *what;			/* the query, for errors */
	const Oid  *want;
	int			nwant;
	Changes    *c;
} ChangesReceiver;

static void
ch_startup(DestReceiver *self, int operation pg_attribute_unused(), TupleDesc typeinfo)
{
	ChangesReceiver *r = (ChangesReceiver *) self;

	if (typeinfo->natts != r->nwant)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("query result does not match what bg_internal._engagement_changes reads"),
				 errdetail("The %s query returns %d columns, not %d.", r->what, typeinfo->natts, r->nwant)));
	for (int i = 0; i < r->nwant; i++)
		if (TupleDescAttr(typeinfo, i)->atttypid != r->want[i])
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("query result does not match what bg_internal._engagement_changes reads"),
					 errdetail("Column %d of the %s query is of type %s, not %s.", i + 1, r->what,
							   format_type_be(TupleDescAttr(typeinfo, i)->atttypid),
							   format_type_be(r->want[i]))));
}

static void
ch_shutdown(DestReceiver *self pg_attribute_unused())
{
}

static void
ch_destroy(DestReceiver *self pg_attribute_unused())
{
}

static void
emit(Changes *c, int kind, int64 id, bool id_null, Datum k, bool k_null, float8 raw, float8 score, bool scores_null)
{
	Datum		values[5];
	bool		nulls[5];

	values[0] = c->kinds[kind];
	nulls[0] = false;
	values[1] = Int64GetDatum(id);
	nulls[1] = id_null;
	values[2] = k;
	nulls[2] = k_null;
	values[3] = Float8GetDatum(raw);
	values[4] = Float8GetDatum(score);
	nulls[3] = nulls[4] = scores_null;
	tuplestore_putvalues(c->store, c->desc, values, nulls);
}

static inline float8
person_raw(Changes *c, uint32 i)
{
	return (float8) c->p->sums[i] / 100.0;
}

/* 100 × sqrt(raw) / max, as the SQL of a refresh computed it */
static inline float8
scaled(float8 raw, float8 max)
{
	return max == 0 ? 0.0 : 100 * sqrt(raw) / max;
}

/* The people's keys are text, or bigint (integer keys: the people are kept by integer). */
static void
people_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	ChangesReceiver *r = (ChangesReceiver *) self;
	bool		ints = typeinfo->natts == 1 && TupleDescAttr(typeinfo, 0)->atttypid == INT8OID;
	static const Oid int_col[1] = {INT8OID};

	if (ints)
		r->want = int_col;
	ch_startup(self, operation, typeinfo);
	r->c->p = bg_eng_people_new(r->c->cxt, ints);
}

/* The people's keys: each one bound. */
static bool
people_receive(TupleTableSlot *slot, DestReceiver *self)
{
	Changes    *c = ((ChangesReceiver *) self)->c;
	bool		isnull;
	Datum		d;
	uint32		i;

	CHECK_FOR_INTERRUPTS();
	c->people_read++;
	d = slot_getattr(slot, 1, &isnull);
	if (isnull)
	{
		c->null_keys++;			/* written as they are: the write refuses them */
		return true;
	}
	if (c->p->ints)
		i = bg_eng_person_id(c->p, DatumGetInt64(d), true);
	else
		i = bg_eng_person_datum(c->p, d, true);
	c->p->bound[i] |= BG_BOUND;
	return true;
}

/* The stored person scores: the changed ones out, those of people no longer bound to delete. */
static bool
stored_receive(TupleTableSlot *slot, DestReceiver *self)
{
	Changes    *c = ((ChangesReceiver *) self)->c;
	bool		isnull;
	Datum		d;
	uint32		i;

	CHECK_FOR_INTERRUPTS();
	d = slot_getattr(slot, 1, &isnull);
	Assert(!isnull);			/* the primary key */
	i = bg_eng_person_datum(c->p, d, false);
	if (i == BG_NO_PERSON || !(c->p->bound[i] & BG_BOUND))
		emit(c, OUT_GONE, 0, true, d, false, 0, 0, true);
	else
	{
		float8		raw = person_raw(c, i);
		float8		score = scaled(raw, c->pmax);
		bool		n1;
		bool		n2;
		float8		old_raw = DatumGetFloat8(slot_getattr(slot, 2, &n1));
		float8		old_score = DatumGetFloat8(slot_getattr(slot, 3, &n2));

		c->p->bound[i] |= BG_STORED;
		if (n1 || n2 || old_raw != raw || old_score != score)
			emit(c, OUT_PERSON, 0, true, d, false, raw, score, false);
	}
	return true;
}

/* The buying groups with their stored scores. */
static bool
groups_receive(TupleTableSlot *slot, DestReceiver *self)
{
	Changes    *c = ((ChangesReceiver *) self)->c;
	bool		isnull;
	bool		n1;
	bool		n2;
	BgGroupScore *g;
	BgIntIndex *e;
	bool		found;

	CHECK_FOR_INTERRUPTS();
	if (c->ngroups == c->maxgroups)
	{
		if (c->maxgroups >= (uint32) 1 << 30)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many buying groups"),
					 errdetail("bg.refresh_engagement scores at most %u.", c->maxgroups)));
		c->maxgroups *= 2;
		c->groups = repalloc_huge(c->groups, sizeof(BgGroupScore) * (Size) c->maxgroups);
	}
	g = &c->groups[c->ngroups];
	g->id = DatumGetInt64(slot_getattr(slot, 1, &isnull));
	Assert(!isnull);			/* the primary key */
	g->old_raw = DatumGetFloat8(slot_getattr(slot, 2, &n1));
	g->old_score = DatumGetFloat8(slot_getattr(slot, 3, &n2));
	g->old_null = n1 || n2;
	g->num = 0;
	g->v = 0;
	e = bgintidx_insert(c->group_ids, g->id, &found);
	Assert(!found);
	e->idx = c->ngroups++;
	return true;
}

/* The current members: (group, person key, v(role) or NULL, role, template). */
static bool
members_receive(TupleTableSlot *slot, DestReceiver *self)
{
	Changes    *c = ((ChangesReceiver *) self)->c;
	bool		isnull;
	Datum		d;
	BgIntIndex *e;
	BgGroupScore *g;
	int32		v;
	int32		role;
	int64		h = 0;
	int64		add;
	bool		found;

	CHECK_FOR_INTERRUPTS();
	e = bgintidx_lookup(c->group_ids, DatumGetInt64(slot_getattr(slot, 1, &isnull)));
	if (e == NULL)
		elog(ERROR, "bg_internal._engagement_changes: a member's group was not read");
	g = &c->groups[e->idx];
	role = DatumGetInt32(slot_getattr(slot, 4, &isnull));
	d = slot_getattr(slot, 3, &isnull);
	if (isnull)
	{
		/* a role outside the group's template: an error once all is read */
		if (c->bad_role == 0)
		{
			c->bad_role = role;
			c->bad_template = DatumGetInt32(slot_getattr(slot, 5, &isnull));
		}
		return true;
	}
	v = DatumGetInt32(d);
	d = slot_getattr(slot, 2, &isnull);
	if (!isnull)
	{
		uint32		i = bg_eng_person_datum(c->p, d, false);

		if (i != BG_NO_PERSON && (c->p->bound[i] & BG_BOUND))
			h = c->p->sums[i];
	}
	if (pg_mul_s64_overflow(h, v, &add) || pg_add_s64_overflow(g->num, add, &g->num))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("engagement sum of a buying group out of range"),
				 errdetail("Buying group %lld.", (long long) g->id)));
	(void) bgcell_insert(c->pairs, ((uint64) e->idx << 32) | (uint32) role, &found);
	if (!found)
		g->v += v;
	return true;
}

/* Runs sql (over bg's own tables, as the caller: bg's owner) into a receiver of c. */
static void
read_own(Changes *c, const char *sql, const char *what, const Oid *want, int nwant,
		 bool (*receive) (TupleTableSlot *, DestReceiver *))
{
	ChangesReceiver r;
	SPIExecuteOptions options;
	int			rc;

	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = receive;
	r.pub.rStartup = ch_startup;
	r.pub.rShutdown = ch_shutdown;
	r.pub.rDestroy = ch_destroy;
	r.pub.mydest = DestTuplestore;
	r.what = what;
	r.want = want;
	r.nwant = nwant;
	r.c = c;
	memset(&options, 0, sizeof(options));
	options.read_only = true;	/* the calling statement's snapshot */
	options.dest = &r.pub;
	if ((rc = SPI_execute_extended(sql, &options)) != SPI_OK_SELECT)
		elog(ERROR, "bg_internal._engagement_changes: %s", SPI_result_code_string(rc));
}

/* The error for a member whose role is not in its group's template. */
static void pg_attribute_noreturn()
bad_role(Changes *c)
{
	Oid			types[2] = {INT4OID, INT4OID};
	Datum		args[2] = {Int32GetDatum(c->bad_role), Int32GetDatum(c->bad_template)};
	const char *nsp = quote_identifier(bg_catalog_schema());
	char	   *role = "?";
	char	   *template = "?";

	if (SPI_execute_with_args(psprintf("SELECT r.name, t.name FROM %s.role r, %s.template t "
									   "WHERE r.id OPERATOR(pg_catalog.=) $1 AND t.id OPERATOR(pg_catalog.=) $2",
									   nsp, nsp),
							  2, types, args, NULL, true, 1) == SPI_OK_SELECT && SPI_processed == 1)
	{
		role = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		template = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	}
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("role \"%s\" is not in roles template \"%s\"", role, template),
			 errhint("The roles of a template are listed in bg.template_roles.")));
}

/*
 * bg_internal._engagement_changes(activities regclass, activities_query text,
 * keys text[], people regclass, people_query text, as_of timestamptz)
 * RETURNS TABLE (kind text, id bigint, k text, raw float8, score float8):
 * activities_query (over activities; $1 = keys) returns each activity's
 * person key (canonical text), type and time, people_query (over people)
 * each person's key.
 */
PG_FUNCTION_INFO_V1(bg_engagement_changes);
Datum
bg_engagement_changes(PG_FUNCTION_ARGS)
{
	static const Oid key_col[1] = {TEXTOID};
	static const Oid stored_cols[3] = {TEXTOID, FLOAT8OID, FLOAT8OID};
	static const Oid group_cols[3] = {INT8OID, FLOAT8OID, FLOAT8OID};
	static const Oid member_cols[5] = {INT8OID, TEXTOID, INT4OID, INT4OID, INT4OID};
	static const char *const kind_names[5] = {"person", "gone", "group", "people", "groups"};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext per_query;
	MemoryContext cxt;
	MemoryContext old;
	Changes		c;
	TimestampTz as_of;
	Oid			people_owner;
	Oid			rowtype;
	ChangesReceiver r;
	const char *nsp;
	float8		gmax = 0;
	int			rc;

	bg_read_require_catalog_owner("bg_internal._engagement_changes");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3) || PG_ARGISNULL(4) || PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("activities, activities_query, people, people_query and as_of must not be null")));
	as_of = bg_eng_as_of(PG_GETARG_TIMESTAMPTZ(5));

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	per_query = rsinfo->econtext->ecxt_per_query_memory;
	cxt = AllocSetContextCreate(per_query, "bg engagement changes", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	memset(&c, 0, sizeof(c));
	c.cxt = cxt;
	c.store = rsinfo->setResult;
	c.desc = rsinfo->setDesc;
	for (int i = 0; i < 5; i++)
		c.kinds[i] = CStringGetTextDatum(kind_names[i]);

	/* the people's keys, as the people table's owner */
	people_owner = bg_read_owner(PG_GETARG_OID(3), &rowtype);
	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = people_receive;
	r.pub.rStartup = people_startup;
	r.pub.rShutdown = ch_shutdown;
	r.pub.rDestroy = ch_destroy;
	r.pub.mydest = DestTuplestore;
	r.what = "people";
	r.want = key_col;
	r.nwant = 1;
	r.c = &c;
	bg_read_run(PG_GETARG_OID(3), text_to_cstring(PG_GETARG_TEXT_PP(4)), (Datum) 0, true, people_owner, &r.pub);

	bg_eng_people_index(c.p);

	/* their activities, counted per person as they are read as their owner */
	(void) bg_eng_count_activities(c.p, PG_GETARG_OID(0), text_to_cstring(PG_GETARG_TEXT_PP(1)),
								   PG_GETARG_DATUM(2), PG_ARGISNULL(2), as_of, true);

	/* the normaliser: the largest square root of a bound person's raw score */
	c.pmax = 0;
	for (uint32 i = 0; i < c.p->n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if ((c.p->bound[i] & BG_BOUND) && sqrt(person_raw(&c, i)) > c.pmax)
			c.pmax = sqrt(person_raw(&c, i));
	}

	/* bg's own rows, as bg's owner (the caller) */
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	nsp = quote_identifier(bg_catalog_schema());
	read_own(&c, psprintf("SELECT e.person_key, e.raw, e.score FROM %s.person_engagement e", nsp),
			 "stored scores", stored_cols, 3, stored_receive);
	for (uint32 i = 0; i < c.p->n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (c.p->bound[i] == BG_BOUND)
		{
			float8		raw = person_raw(&c, i);
			Datum		k = bg_eng_person_key(c.p, i);

			emit(&c, OUT_PERSON, 0, true, k, false, raw, scaled(raw, c.pmax), false);
			pfree(DatumGetPointer(k));
		}
	}
	for (int64 i = 0; i < c.null_keys; i++)
	{
		CHECK_FOR_INTERRUPTS();
		emit(&c, OUT_PERSON, 0, true, (Datum) 0, true, 0.0, 0.0, false);
	}

	/* the groups: the members' raw scores summed exactly, per role's weight */
	c.maxgroups = 1024;
	c.groups = palloc(sizeof(BgGroupScore) * c.maxgroups);
	c.group_ids = bgintidx_create(cxt, 1024, NULL);
	read_own(&c, psprintf("SELECT g.id, g.engagement_raw, g.engagement_score FROM %s.buying_group g", nsp),
			 "buying groups", group_cols, 3, groups_receive);
	c.pairs = bgcell_create(cxt, 1024, NULL);
	read_own(&c, psprintf("SELECT m.group_id, m.person_key, "
						  "       CASE tr.weight WHEN 'trivial' THEN 20 WHEN 'minor' THEN 40 "
						  "            WHEN 'normal' THEN 60 WHEN 'important' THEN 80 WHEN 'vital' THEN 100 END, "
						  "       m.role_id, s.template_id "
						  "  FROM %s.member m "
						  "  JOIN %s.buying_group g ON g.id OPERATOR(pg_catalog.=) m.group_id "
						  "  JOIN %s.solution_interest s ON s.id OPERATOR(pg_catalog.=) g.solution_interest_id "
						  "  LEFT JOIN %s.template_role tr ON tr.template_id OPERATOR(pg_catalog.=) s.template_id "
						  "                              AND tr.role_id OPERATOR(pg_catalog.=) m.role_id "
						  " WHERE NOT m.is_removed", nsp, nsp, nsp, nsp),
			 "members", member_cols, 5, members_receive);
	if (c.bad_role != 0)
		bad_role(&c);
	bgcell_destroy(c.pairs);
	for (uint32 i = 0; i < c.ngroups; i++)
	{
		BgGroupScore *g = &c.groups[i];

		CHECK_FOR_INTERRUPTS();
		g->raw = g->v == 0 ? 0.0 : (float8) g->num / ((float8) g->v * 100.0);
		if (sqrt(g->raw) > gmax)
			gmax = sqrt(g->raw);
	}
	for (uint32 i = 0; i < c.ngroups; i++)
	{
		BgGroupScore *g = &c.groups[i];
		float8		score = scaled(g->raw, gmax);

		CHECK_FOR_INTERRUPTS();
		if (g->old_null || g->old_raw != g->raw || g->old_score != score)
			emit(&c, OUT_GROUP, g->id, false, (Datum) 0, true, g->raw, score, false);
	}
	SPI_finish();

	emit(&c, OUT_PEOPLE, c.people_read, false, (Datum) 0, true, 0, 0, true);
	emit(&c, OUT_GROUPS, (int64) c.ngroups, false, (Datum) 0, true, 0, 0, true);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return (Datum) 0;
}
