/*
 * agg_engagement.c — bg.engagement_raw(activity_type, occurred_at, as_of),
 * one person's raw engagement score R(p) (docs/design.md §7.1), and its
 * state type bg.activity_tally.
 *
 * The state holds, for each activity type the active weighting model
 * weights, its weight and its occurrences per UTC day of the window, each
 * day's count capped at 20 as it is counted: least(a + b, 20) =
 * least(least(a, 20) + least(b, 20), 20), so partial states combine exactly.
 *
 * Text form: {"as_of": "2026-11-29 12:00:00+00", "types": [{"type": "email",
 * "weight": 100, "days": [c0, ..., c30]}]}, days[0] being as_of's UTC day.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "alloc_limit.h"
#include "engagement.h"
#include "template_cache.h"

#define PG_GETARG_ACTIVITY_TALLY(n) ((BgActivityTally *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

/* A tally of the given types, every count 0. */
BgActivityTally *
bg_activity_tally_new(TimestampTz as_of, int ntypes, char **names, const int32 *weights)
{
	Size		size = offsetof(BgActivityTally, entries) +
		bg_alloc_size(ntypes, sizeof(BgActivityEntry), "bg.activity_tally value");
	Size		off;
	BgActivityTally *t;

	Assert(ntypes >= 0 && ntypes <= BG_MAX_TYPES);
	for (int i = 0; i < ntypes; i++)
		size = bg_alloc_size(size + strlen(names[i]) + 1, 1, "bg.activity_tally value");
	t = palloc0(size);
	SET_VARSIZE(t, size);
	t->version = BG_ENGAGEMENT_VERSION;
	t->ntypes = ntypes;
	t->as_of = as_of;
	off = offsetof(BgActivityTally, entries) + sizeof(BgActivityEntry) * ntypes;
	for (int i = 0; i < ntypes; i++)
	{
		Size		len = strlen(names[i]) + 1;

		t->entries[i].weight = weights[i];
		t->entries[i].name_off = (int32) off;
		memcpy((char *) t + off, names[i], len);
		off += len;
	}
	Assert(off == size);
	return t;
}

/* Checks a tally's layout before its bytes are trusted. */
void
bg_activity_tally_check(const BgActivityTally *t)
{
	Size		size = VARSIZE(t);
	Size		off;

	if (size < offsetof(BgActivityTally, entries) || t->version != BG_ENGAGEMENT_VERSION ||
		t->ntypes > BG_MAX_TYPES ||
		size < offsetof(BgActivityTally, entries) + sizeof(BgActivityEntry) * t->ntypes)
		goto corrupt;
	off = offsetof(BgActivityTally, entries) + sizeof(BgActivityEntry) * t->ntypes;
	for (int i = 0; i < t->ntypes; i++)
	{
		const BgActivityEntry *e = &t->entries[i];
		const char *name = (const char *) t + off;

		if (e->weight < 0 || e->weight > 100 || (Size) e->name_off != off ||
			memchr(name, '\0', size - off) == NULL)
			goto corrupt;
		off += strlen(name) + 1;
		for (int d = 0; d < BG_WINDOW_SLOTS; d++)
			if (e->counts[d] > BG_DAY_CAP)
				goto corrupt;
	}
	if (off != size)
		goto corrupt;
	return;
corrupt:
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid bg.activity_tally value")));
}

/* Where an entry of t is named name, or -1. */
static int
find_type(const BgActivityTally *t, const char *name, int len, int hint)
{
	if (hint >= 0 && hint < t->ntypes &&
		strncmp(BG_ENTRY_NAME(t, hint), name, len) == 0 && BG_ENTRY_NAME(t, hint)[len] == '\0')
		return hint;
	for (int i = 0; i < t->ntypes; i++)
		if (strncmp(BG_ENTRY_NAME(t, i), name, len) == 0 && BG_ENTRY_NAME(t, i)[len] == '\0')
			return i;
	return -1;
}

/*
 * Transition of bg.engagement_raw (not strict).  Rows without a type or a
 * time count nowhere (a person without activity, in an outer join); with no
 * active model the state stays NULL and the result is NULL.
 */
PG_FUNCTION_INFO_V1(bg_engagement_trans);
Datum
bg_engagement_trans(PG_FUNCTION_ARGS)
{
	BgActivityTally *t;
	TimestampTz as_of;
	TimestampTz at;
	text	   *type;
	int		   *hint;
	int			i;
	int64		slot;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("bg.engagement_raw transition called outside an aggregate")));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("as_of of bg.engagement_raw must not be null")));
	as_of = PG_GETARG_TIMESTAMPTZ(3);
	if (TIMESTAMP_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as_of of bg.engagement_raw must be finite")));
	if (PG_ARGISNULL(0))
	{
		BgActivityWeights *w = bg_activity_weights();

		if (!w->has_model)
			PG_RETURN_NULL();
		if (w->ntypes > BG_MAX_TYPES)	/* bg.set_activity_weight keeps to it */
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the active weighting model weights %d activity types", w->ntypes),
					 errdetail("bg.engagement_raw takes at most %d.", BG_MAX_TYPES)));
		/* the executor copies a new state into the aggregate's context */
		t = bg_activity_tally_new(as_of, w->ntypes, w->types, w->weights);
	}
	else
	{
		/* the states this function builds are never toasted */
		t = (BgActivityTally *) DatumGetPointer(PG_GETARG_DATUM(0));
		if (VARATT_IS_EXTENDED(t))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("invalid bg.activity_tally value")));
		if (t->as_of != as_of)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("as_of of bg.engagement_raw differs between rows of the same group"),
					 errhint("Score every row of a group as of the same time.")));
	}
	at = PG_GETARG_TIMESTAMPTZ(2);
	/* the window (as_of - 30 days, as_of]: the future and older rows are out */
	if (at > as_of || at <= as_of - BG_WINDOW_DAYS * USECS_PER_DAY)
		PG_RETURN_POINTER(t);
	type = PG_GETARG_TEXT_PP(1);
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(int));
	hint = (int *) fcinfo->flinfo->fn_extra;
	i = find_type(t, VARDATA_ANY(type), VARSIZE_ANY_EXHDR(type), *hint);
	if (i < 0)
		PG_RETURN_POINTER(t);	/* a type the model does not weight */
	*hint = i;
	slot = bg_utc_day(as_of) - bg_utc_day(at);
	Assert(slot >= 0 && slot < BG_WINDOW_SLOTS);
	if (t->entries[i].counts[slot] < BG_DAY_CAP)
		t->entries[i].counts[slot]++;
	PG_RETURN_POINTER(t);
}

/*
 * Combine function (not strict): adds b's counts into a, capped, by type
 * name.  A type of b that a lacks makes a new state.
 */
PG_FUNCTION_INFO_V1(bg_engagement_combine);
Datum
bg_engagement_combine(PG_FUNCTION_ARGS)
{
	BgActivityTally *a;
	BgActivityTally *b;
	int			missing = 0;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = PG_GETARG_ACTIVITY_TALLY(1);
	bg_activity_tally_check(b);
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(b);
	a = PG_GETARG_ACTIVITY_TALLY(0);
	bg_activity_tally_check(a);
	if (a->as_of != b->as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine activity tallies of different as_of times")));
	for (int j = 0; j < b->ntypes; j++)
		if (find_type(a, BG_ENTRY_NAME(b, j), strlen(BG_ENTRY_NAME(b, j)), j) < 0)
			missing++;
	if (missing > 0 || !AggCheckCallContext(fcinfo, NULL) ||
		(Pointer) a != DatumGetPointer(PG_GETARG_DATUM(0)))
	{
		int			n = a->ntypes + missing;
		char	  **names = palloc(sizeof(char *) * (n + 1));
		int32	   *weights = palloc(sizeof(int32) * (n + 1));
		BgActivityTally *c;
		int			k = 0;

		if (n > BG_MAX_TYPES)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many activity types in a bg.activity_tally value"),
					 errdetail("A value holds at most %d.", BG_MAX_TYPES)));
		for (int i = 0; i < a->ntypes; i++, k++)
		{
			names[k] = BG_ENTRY_NAME(a, i);
			weights[k] = a->entries[i].weight;
		}
		for (int j = 0; j < b->ntypes; j++)
			if (find_type(a, BG_ENTRY_NAME(b, j), strlen(BG_ENTRY_NAME(b, j)), j) < 0)
			{
				names[k] = BG_ENTRY_NAME(b, j);
				weights[k++] = b->entries[j].weight;
			}
		c = bg_activity_tally_new(a->as_of, n, names, weights);
		for (int i = 0; i < a->ntypes; i++)
			memcpy(c->entries[i].counts, a->entries[i].counts, sizeof(a->entries[i].counts));
		a = c;
	}
	for (int j = 0; j < b->ntypes; j++)
	{
		int			i = find_type(a, BG_ENTRY_NAME(b, j), strlen(BG_ENTRY_NAME(b, j)), j);

		Assert(i >= 0);
		if (a->entries[i].weight != b->entries[j].weight)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot combine activity tallies that weight activity type \"%s\" differently",
							BG_ENTRY_NAME(b, j))));
		for (int d = 0; d < BG_WINDOW_SLOTS; d++)
			a->entries[i].counts[d] = Min(a->entries[i].counts[d] + b->entries[j].counts[d], BG_DAY_CAP);
	}
	PG_RETURN_POINTER(a);
}

/* R(p) of a tally: sum of capped counts times weight, over 100. */
static float8
tally_raw(const BgActivityTally *t)
{
	int64		sum = 0;

	for (int i = 0; i < t->ntypes; i++)
	{
		int64		n = 0;

		for (int d = 0; d < BG_WINDOW_SLOTS; d++)
			n += t->entries[i].counts[d];
		sum += n * t->entries[i].weight;	/* at most 10000 * 620 * 100 */
	}
	return (float8) sum / 100.0;
}

/* Final function (not strict): 0 without activity, NULL without a model. */
PG_FUNCTION_INFO_V1(bg_engagement_final);
Datum
bg_engagement_final(PG_FUNCTION_ARGS)
{
	BgActivityTally *t;

	if (PG_ARGISNULL(0))
	{
		if (!bg_activity_weights()->has_model)
			PG_RETURN_NULL();
		PG_RETURN_FLOAT8(0.0);
	}
	t = PG_GETARG_ACTIVITY_TALLY(0);
	bg_activity_tally_check(t);
	PG_RETURN_FLOAT8(tally_raw(t));
}

/* bg.activity_tally output */
PG_FUNCTION_INFO_V1(bg_activity_tally_out);
Datum
bg_activity_tally_out(PG_FUNCTION_ARGS)
{
	BgActivityTally *t = PG_GETARG_ACTIVITY_TALLY(0);
	StringInfoData buf;
	char		ts[MAXDATELEN + 1];
	struct pg_tm tm;
	fsec_t		fsec;

	bg_activity_tally_check(t);
	if (timestamp2tm(t->as_of, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range in a bg.activity_tally value")));
	tm.tm_isdst = 0;			/* UTC, printed as +00 */
	EncodeDateTime(&tm, fsec, true, 0, NULL, USE_ISO_DATES, ts);
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"as_of\": \"%s\", \"types\": [", ts);
	for (int i = 0; i < t->ntypes; i++)
	{
		appendStringInfoString(&buf, i ? ", {\"type\": " : "{\"type\": ");
		escape_json(&buf, BG_ENTRY_NAME(t, i));
		appendStringInfo(&buf, ", \"weight\": %d, \"days\": [", t->entries[i].weight);
		for (int d = 0; d < BG_WINDOW_SLOTS; d++)
			appendStringInfo(&buf, "%s%d", d ? ", " : "", t->entries[i].counts[d]);
		appendStringInfoString(&buf, "]}");
	}
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

static void pg_attribute_noreturn()
bad_activity_input(const char *input, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type bg.activity_tally: \"%s\"", input),
			 errdetail("%s", why),
			 errhint("The form is {\"as_of\": \"timestamp with time zone\", \"types\": "
					 "[{\"type\": \"name\", \"weight\": 0..100, \"days\": [31 counts 0..20]}]}.")));
}

/* A whole number of a JSON value in lo..hi, or -1. */
static int64
json_int(const JsonbValue *v, int64 lo, int64 hi)
{
	int64		n;

	if (v->type != jbvNumeric)
		return -1;
	n = DatumGetInt64(DirectFunctionCall1(numeric_int8,
										  DirectFunctionCall2(numeric_round, NumericGetDatum(v->val.numeric),
															  Int32GetDatum(0))));
	if (!DatumGetBool(DirectFunctionCall2(numeric_eq, NumericGetDatum(v->val.numeric),
										  DirectFunctionCall1(int8_numeric, Int64GetDatum(n)))) ||
		n < lo || n > hi)
		return -1;
	return n;
}

/* The value of key in object c, or NULL. */
static JsonbValue *
json_key(JsonbContainer *c, const char *key)
{
	return getKeyJsonValueFromContainer(c, key, strlen(key), NULL);
}

/*
 * bg.activity_tally input (STABLE: as_of is read as timestamptz_in reads
 * it).  Key order is free; unknown keys, a type given twice and values out
 * of range are refused.
 */
PG_FUNCTION_INFO_V1(bg_activity_tally_in);
Datum
bg_activity_tally_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	Jsonb	   *j;
	JsonbValue *v;
	JsonbValue *types;
	TimestampTz as_of;
	int			n;
	char	  **names;
	int32	   *weights;
	BgActivityTally *t;

	j = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(input)));
	if (!JB_ROOT_IS_OBJECT(j) || JB_ROOT_COUNT(j) != 2 ||
		(v = json_key(&j->root, "as_of")) == NULL || v->type != jbvString ||
		(types = json_key(&j->root, "types")) == NULL || types->type != jbvBinary ||
		!JsonContainerIsArray(types->val.binary.data))
		bad_activity_input(input, "Expected an object with the keys as_of (a string) and types (an array).");
	as_of = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in,
													CStringGetDatum(pnstrdup(v->val.string.val, v->val.string.len)),
													ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
	if (TIMESTAMP_NOT_FINITE(as_of))
		bad_activity_input(input, "as_of must be finite.");
	n = JsonContainerSize(types->val.binary.data);
	if (n > BG_MAX_TYPES)
		bad_activity_input(input, "Too many types.");
	names = palloc0(sizeof(char *) * (n + 1));
	weights = palloc0(sizeof(int32) * (n + 1));
	for (int i = 0; i < n; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(types->val.binary.data, i);
		JsonbValue *name;
		JsonbValue *weight;
		JsonbValue *days;

		CHECK_FOR_INTERRUPTS();
		if (e->type != jbvBinary || !JsonContainerIsObject(e->val.binary.data) ||
			JsonContainerSize(e->val.binary.data) != 3 ||
			(name = json_key(e->val.binary.data, "type")) == NULL || name->type != jbvString ||
			(weight = json_key(e->val.binary.data, "weight")) == NULL ||
			(days = json_key(e->val.binary.data, "days")) == NULL)
			bad_activity_input(input, "Every element of types must be an object with the keys type, weight and days.");
		names[i] = pnstrdup(name->val.string.val, name->val.string.len);
		if (strlen(names[i]) != (size_t) name->val.string.len)
			bad_activity_input(input, "A type must not contain a NUL character.");
		for (int k = 0; k < i; k++)
			if (strcmp(names[k], names[i]) == 0)
				bad_activity_input(input, "A type is given more than once.");
		if ((weights[i] = (int32) json_int(weight, 0, 100)) < 0)
			bad_activity_input(input, "Every weight must be a whole number from 0 to 100.");
	}
	t = bg_activity_tally_new(as_of, n, names, weights);
	for (int i = 0; i < n; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(types->val.binary.data, i);
		JsonbValue *days = json_key(e->val.binary.data, "days");

		CHECK_FOR_INTERRUPTS();
		if (days->type != jbvBinary || !JsonContainerIsArray(days->val.binary.data) ||
			JsonContainerSize(days->val.binary.data) != BG_WINDOW_SLOTS)
			bad_activity_input(input, "Every days must be an array of 31 counts.");
		for (int d = 0; d < BG_WINDOW_SLOTS; d++)
		{
			int64		c = json_int(getIthJsonbValueFromContainer(days->val.binary.data, d), 0, BG_DAY_CAP);

			if (c < 0)
				bad_activity_input(input, "Every count must be a whole number from 0 to 20.");
			t->entries[i].counts[d] = (uint8) c;
		}
	}
	PG_RETURN_POINTER(t);
}
