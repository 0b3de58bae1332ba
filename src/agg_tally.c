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
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "agg_tally.h"

BgTally *
bg_tally_new(const char *name, int nroles)
{
	int			namelen = strlen(name);
	Size		size = offsetof(BgTally, counts) + sizeof(int64) * nroles + namelen + 1;
	BgTally    *t;

	Assert(nroles >= 0 && nroles <= BG_TALLY_MAX_ROLES);
	t = palloc0(size);
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

/* bg.role_tally input: parsed as JSON with PostgreSQL's jsonb parser. */
PG_FUNCTION_INFO_V1(bg_tally_in);
Datum
bg_tally_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	Jsonb	   *jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(input)));
	JsonbValue *name;
	JsonbValue *counts;
	JsonbValue	elem;
	JsonbIterator *it;
	JsonbIteratorToken tok;
	BgTally    *t;
	int			n = 0;

	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_COUNT(jb) != 2)
		bad_input(input, "Expected an object with the keys template and counts.");
	name = getKeyJsonValueFromContainer(&jb->root, "template", 8, NULL);
	counts = getKeyJsonValueFromContainer(&jb->root, "counts", 6, NULL);
	if (name == NULL || name->type != jbvString)
		bad_input(input, "The template must be a string.");
	if (counts == NULL || counts->type != jbvBinary ||
		!JsonContainerIsArray(counts->val.binary.data))
		bad_input(input, "The counts must be an array.");
	if (JsonContainerSize(counts->val.binary.data) > BG_TALLY_MAX_ROLES)
		bad_input(input, "Too many counts.");
	if (memchr(name->val.string.val, '\0', name->val.string.len) != NULL)
		bad_input(input, "The template name contains a NUL character.");

	t = bg_tally_new(pnstrdup(name->val.string.val, name->val.string.len),
					 JsonContainerSize(counts->val.binary.data));
	it = JsonbIteratorInit(counts->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		char	   *digits;
		size_t		len;

		if (tok != WJB_ELEM)
			continue;
		if (elem.type != jbvNumeric)
			bad_input(input, "Every count must be a number.");
		digits = DatumGetCString(DirectFunctionCall1(numeric_out,
													 NumericGetDatum(elem.val.numeric)));
		len = strlen(digits);
		errno = 0;
		if (len == 0 || len > 19 || strspn(digits, "0123456789") != len ||
			(t->counts[n] = strtoll(digits, NULL, 10), errno != 0))
			bad_input(input, "Every count must be a whole number from 0 to 9223372036854775807.");
		n++;
	}
	PG_RETURN_POINTER(t);
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
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine tallies of roles templates \"%s\" and \"%s\"",
						BG_TALLY_NAME(a), BG_TALLY_NAME(b)),
				 errhint("Every row of a group must name the same roles template.")));
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
