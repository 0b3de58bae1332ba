/*
 * agg_tally.c — the bg.role_tally type: text input and output, and the
 * combine function shared by every scoring aggregate.
 *
 * Text form: {"template": "Cybersecurity", "counts": [3, 0, 1, 2, 0, 0]}
 */
#include "postgres.h"

#include "common/int.h"
#include "common/jsonapi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonfuncs.h"

#include "agg_tally.h"
#include "alloc_limit.h"

BgTally *
bg_tally_new(const char *name, int nroles)
{
	Size		namelen = strlen(name);
	Size		size;
	BgTally    *t;

	Assert(nroles >= 0 && nroles <= BG_TALLY_MAX_ROLES);
	size = offsetof(BgTally, counts) + sizeof(int64) * nroles +
		bg_alloc_size(namelen + 1, 1, "name of the roles template in a bg.role_tally value");
	t = palloc0(bg_alloc_size(size, 1, "bg.role_tally value"));
	SET_VARSIZE(t, size);
	t->version = BG_TALLY_VERSION;
	t->nroles = nroles;
	memcpy(BG_TALLY_NAME(t), name, namelen + 1);
	return t;
}

/* Checks a tally's layout before its bytes are trusted. */
void
bg_tally_check(const BgTally *t)
{
	Size		size = VARSIZE(t);
	Size		fixed;

	if (size < offsetof(BgTally, counts) + 1 || t->version != BG_TALLY_VERSION ||
		t->nroles > BG_TALLY_MAX_ROLES)
		goto corrupt;
	fixed = offsetof(BgTally, counts) + sizeof(int64) * t->nroles;
	if (size < fixed + 1 || ((const char *) t)[size - 1] != '\0' ||
		strlen(BG_TALLY_NAME(t)) != size - fixed - 1)
		goto corrupt;
	for (int i = 0; i < t->nroles; i++)
		if (t->counts[i] < 0)
			goto corrupt;
	return;
corrupt:
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid bg.role_tally value")));
}

/* bg.role_tally output */
PG_FUNCTION_INFO_V1(bg_tally_out);
Datum
bg_tally_out(PG_FUNCTION_ARGS)
{
	BgTally    *t = PG_GETARG_BGTALLY(0);
	StringInfoData buf;

	bg_tally_check(t);
	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"template\": ");
	escape_json(&buf, BG_TALLY_NAME(t));
	appendStringInfoString(&buf, ", \"counts\": [");
	for (int i = 0; i < t->nroles; i++)
		appendStringInfo(&buf, "%s" INT64_FORMAT, i ? ", " : "", t->counts[i]);
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

static void pg_attribute_noreturn()
bad_input(const char *input, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type bg.role_tally: \"%s\"", input),
			 errdetail("%s", why),
			 errhint("The form is {\"template\": \"name\", \"counts\": [n, ...]}.")));
}

/*
 * Reading the text form: the JSON is parsed by PostgreSQL's JSON parser with
 * callbacks, so that each fault is seen where it is (a key given twice, an
 * unknown key, a count that is not a whole number) rather than after jsonb
 * has merged duplicate keys.
 */
typedef enum TallyField
{
	FIELD_NONE,
	FIELD_TEMPLATE,
	FIELD_COUNTS
} TallyField;

typedef struct TallyParse
{
	const char *input;
	int			depth;			/* objects and arrays open */
	TallyField	field;			/* the key whose value is being read */
	bool		seen_template;
	bool		seen_counts;
	char	   *name;
	int			ncounts;
	int64		counts[BG_TALLY_MAX_ROLES];
} TallyParse;

#define NOT_AN_OBJECT "Expected an object with the keys template and counts."
#define NOT_A_STRING "The template must be a string."
#define NOT_AN_ARRAY "The counts must be an array."
#define NOT_A_NUMBER "Every count must be a number."
#define NOT_A_COUNT "Every count must be a whole number from 0 to 9223372036854775807."

/* A nested object or array: where it may not be, what is wrong. */
static void
tally_open(TallyParse *tp, bool array)
{
	if (tp->depth == 0 && array)
		bad_input(tp->input, NOT_AN_OBJECT);
	if (tp->depth == 1 && tp->field == FIELD_TEMPLATE)
		bad_input(tp->input, NOT_A_STRING);
	if (tp->depth == 1 && tp->field == FIELD_COUNTS && !array)
		bad_input(tp->input, NOT_AN_ARRAY);
	if (tp->depth >= 2)
		bad_input(tp->input, NOT_A_NUMBER);
	tp->depth++;
}

static void
tally_object_start(void *state)
{
	tally_open((TallyParse *) state, false);
}

static void
tally_array_start(void *state)
{
	tally_open((TallyParse *) state, true);
}

static void
tally_end(void *state)
{
	((TallyParse *) state)->depth--;
}

static void
tally_field(void *state, char *fname, bool isnull pg_attribute_unused())
{
	TallyParse *tp = (TallyParse *) state;
	bool	   *seen;

	Assert(tp->depth == 1);
	if (strcmp(fname, "template") == 0)
	{
		tp->field = FIELD_TEMPLATE;
		seen = &tp->seen_template;
	}
	else if (strcmp(fname, "counts") == 0)
	{
		tp->field = FIELD_COUNTS;
		seen = &tp->seen_counts;
	}
	else
		bad_input(tp->input, NOT_AN_OBJECT);
	if (*seen)
		bad_input(tp->input, tp->field == FIELD_TEMPLATE ?
				  "The key template is given more than once." :
				  "The key counts is given more than once.");
	*seen = true;
}

/* A count as JSON wrote it: a whole number in range, in any JSON spelling. */
static int64
tally_count(TallyParse *tp, const char *token)
{
	const char *e = strpbrk(token, "eE");
	char	   *digits;
	size_t		len;
	int64		n;

	/* short, and with a small exponent: numeric_in cannot fail on it */
	if (strlen(token) > 64 || (e && (strlen(e + 1) > 4 || labs(atol(e + 1)) > 100)))
		bad_input(tp->input, NOT_A_COUNT);
	digits = DatumGetCString(DirectFunctionCall1(numeric_out,
												 DirectFunctionCall3(numeric_in, CStringGetDatum(token),
																	 ObjectIdGetDatum(InvalidOid),
																	 Int32GetDatum(-1))));
	len = strlen(digits);
	errno = 0;
	if (len == 0 || len > 19 || strspn(digits, "0123456789") != len ||
		(n = strtoll(digits, NULL, 10), errno != 0))
		bad_input(tp->input, NOT_A_COUNT);
	return n;
}

static void
tally_scalar(void *state, char *token, JsonTokenType tokentype)
{
	TallyParse *tp = (TallyParse *) state;

	if (tp->depth == 0)
		bad_input(tp->input, NOT_AN_OBJECT);
	if (tp->depth == 1 && tp->field == FIELD_TEMPLATE)
	{
		if (tokentype != JSON_TOKEN_STRING)
			bad_input(tp->input, NOT_A_STRING);
		tp->name = token;
		return;
	}
	if (tp->depth == 1)
		bad_input(tp->input, NOT_AN_ARRAY);
	Assert(tp->depth == 2);
	if (tokentype != JSON_TOKEN_NUMBER)
		bad_input(tp->input, NOT_A_NUMBER);
	if (tp->ncounts == BG_TALLY_MAX_ROLES)
		bad_input(tp->input, "Too many counts.");
	tp->counts[tp->ncounts++] = tally_count(tp, token);
}

/*
 * bg.role_tally input.  IMMUTABLE, so it reads nothing but its text: whether
 * the counts fit the template is checked where the tally meets the template
 * (bg_tally_fits).
 */
PG_FUNCTION_INFO_V1(bg_tally_in);
Datum
bg_tally_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	TallyParse *tp = palloc0(sizeof(TallyParse));
	JsonSemAction sem = {0};
	JsonLexContext *lex;
	BgTally    *t;

	tp->input = input;
	sem.semstate = tp;
	sem.object_start = tally_object_start;
	sem.object_end = tally_end;
	sem.array_start = tally_array_start;
	sem.array_end = tally_end;
	sem.object_field_start = tally_field;
	sem.scalar = tally_scalar;
	lex = makeJsonLexContextCstringLen(input, strlen(input), GetDatabaseEncoding(), true);
	pg_parse_json_or_ereport(lex, &sem);
	if (!tp->seen_template || !tp->seen_counts)
		bad_input(input, NOT_AN_OBJECT);
	t = bg_tally_new(tp->name, tp->ncounts);
	memcpy(t->counts, tp->counts, sizeof(int64) * tp->ncounts);
	pfree(tp);
	PG_RETURN_POINTER(t);
}

/*
 * Errors unless tally t has one count per role of template name, which has
 * nroles roles: 22P02, as the tally cannot be a value of that template.
 */
void
bg_tally_fits(const BgTally *t, const char *name, int nroles)
{
	if (t->nroles != nroles)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("bg.role_tally value has %d counts, but roles template \"%s\" has %d roles",
						(int) t->nroles, name, nroles),
				 errdetail("A tally holds one count for each role of its template, in priority order; "
						   "a tally built by a query no longer fits when the template changed while it ran.")));
}

/* Adds one to count i of t, in range. */
void
bg_tally_increment(BgTally *t, int i)
{
	Assert(i >= 0 && i < t->nroles && t->counts[i] >= 0);
	if (pg_add_s64_overflow(t->counts[i], 1, &t->counts[i]))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("role count out of range in a tally of roles template \"%s\"",
						BG_TALLY_NAME(t))));
}

/*
 * Errors: partial tallies of roles templates a and b (bg.role_tally or
 * packed, agg_packed.c) cannot be combined.
 */
void
bg_tally_combine_differs(const char *a, const char *b)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot combine tallies of roles templates \"%s\" and \"%s\"", a, b),
			 errhint("Every row of a group must name the same roles template.")));
}

/*
 * Combine function of every scoring aggregate (not strict): adds the counts
 * of b into a, in place when a belongs to the aggregate.
 */
PG_FUNCTION_INFO_V1(bg_tally_combine);
Datum
bg_tally_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	BgTally    *a;
	BgTally    *b;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = PG_GETARG_BGTALLY(1);
	bg_tally_check(b);
	if (PG_ARGISNULL(0))
	{
		/* the executor copies a new pointer into the aggregate's context */
		PG_RETURN_POINTER(b);
	}
	a = PG_GETARG_BGTALLY(0);
	if (!AggCheckCallContext(fcinfo, &aggcxt) || (Pointer) a != DatumGetPointer(PG_GETARG_DATUM(0)))
	{
		BgTally    *copy = palloc(VARSIZE(a));

		memcpy(copy, a, VARSIZE(a));
		a = copy;
	}
	if (a->nroles != b->nroles || strcmp(BG_TALLY_NAME(a), BG_TALLY_NAME(b)) != 0)
		bg_tally_combine_differs(BG_TALLY_NAME(a), BG_TALLY_NAME(b));
	Assert(VARSIZE(a) == VARSIZE(b));
	for (int i = 0; i < a->nroles; i++)
	{
		Assert(a->counts[i] >= 0 && b->counts[i] >= 0);
		if (pg_add_s64_overflow(a->counts[i], b->counts[i], &a->counts[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("role count out of range while combining tallies of roles template \"%s\"",
							BG_TALLY_NAME(a))));
	}
	PG_RETURN_POINTER(a);
}
