/*
 * agg_group_engagement.c — bg.group_engagement_raw(template, role,
 * person_raw), one buying group's raw engagement score G(g) (docs/design.md
 * §7.1), and its state type bg.group_engagement_tally.
 *
 * The state holds, per role of the template in priority order, how many
 * members fill it and the sum of their raw scores; the final function
 * divides the role-weighted sum by the weights of the roles that have a
 * member.
 *
 * Text form: {"template": "Cybersecurity", "members": [2, 0, 1],
 * "raw": [52, 0, 17], "has_null": false}
 */
#include "postgres.h"

#include <math.h>

#include "common/int.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "alloc_limit.h"
#include "engagement.h"
#include "template_cache.h"

#define PG_GETARG_GROUP_TALLY(n) ((BgGroupTally *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

BgGroupTally *
bg_group_tally_new(const char *template, int nroles)
{
	Size		namelen = strlen(template);
	Size		size;
	BgGroupTally *t;

	Assert(nroles >= 0 && nroles <= BG_MAX_GROUP_ROLES);
	size = offsetof(BgGroupTally, roles) + sizeof(BgGroupRole) * nroles +
		bg_alloc_size(namelen + 1, 1, "name of the roles template in a bg.group_engagement_tally value");
	t = palloc0(bg_alloc_size(size, 1, "bg.group_engagement_tally value"));
	SET_VARSIZE(t, size);
	t->version = BG_ENGAGEMENT_VERSION;
	t->nroles = nroles;
	memcpy(BG_GROUP_NAME(t), template, namelen + 1);
	return t;
}

void
bg_group_tally_check(const BgGroupTally *t)
{
	Size		size = VARSIZE(t);
	Size		fixed;

	if (size < offsetof(BgGroupTally, roles) + 1 || t->version != BG_ENGAGEMENT_VERSION ||
		t->nroles > BG_MAX_GROUP_ROLES || (t->has_null != 0 && t->has_null != 1))
		goto corrupt;
	fixed = offsetof(BgGroupTally, roles) + sizeof(BgGroupRole) * t->nroles;
	if (size < fixed + 1 || ((const char *) t)[size - 1] != '\0' ||
		strlen(BG_GROUP_NAME(t)) != size - fixed - 1)
		goto corrupt;
	for (int i = 0; i < t->nroles; i++)
		if (t->roles[i].members < 0 || !(t->roles[i].raw >= 0) || isinf(t->roles[i].raw))
			goto corrupt;
	return;
corrupt:
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid bg.group_engagement_tally value")));
}

/* What a call site found for its template: the roles and their values. */
typedef struct RoleLookup
{
	uint64		generation;
	char	   *template;
	BgRoleWeights w;			/* copied into fn_mcxt */
	int			last;
} RoleLookup;

/* The roles of the template named by text argument 1, without allocating when fresh. */
static RoleLookup *
role_lookup(FunctionCallInfo fcinfo)
{
	RoleLookup *rl = (RoleLookup *) fcinfo->flinfo->fn_extra;
	text	   *arg = PG_GETARG_TEXT_PP(1);
	const char *name = VARDATA_ANY(arg);
	int			len = VARSIZE_ANY_EXHDR(arg);
	BgRoleWeights *w;
	MemoryContext old;

	if (rl != NULL && rl->generation == bg_catalog_generation &&
		strncmp(rl->template, name, len) == 0 && rl->template[len] == '\0')
		return rl;
	w = bg_role_weights(text_to_cstring(arg));
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	if (rl == NULL)
		rl = palloc0(sizeof(RoleLookup));
	/* the previous copy stays in fn_mcxt until the query ends: rare */
	rl->generation = bg_catalog_generation;
	rl->template = pstrdup(w->template);
	rl->w.nroles = w->nroles;
	rl->w.roles = palloc0(sizeof(char *) * (w->nroles + 1));
	rl->w.lens = palloc0(sizeof(int) * (w->nroles + 1));
	rl->w.values = palloc0(sizeof(int32) * (w->nroles + 1));
	for (int i = 0; i < w->nroles; i++)
	{
		rl->w.roles[i] = pstrdup(w->roles[i]);
		rl->w.lens[i] = w->lens[i];
		rl->w.values[i] = w->values[i];
	}
	rl->last = 0;
	fcinfo->flinfo->fn_extra = rl;
	MemoryContextSwitchTo(old);
	return rl;
}

static void
fits(const BgGroupTally *t, const char *template, int nroles)
{
	if (strcmp(BG_GROUP_NAME(t), template) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("roles template \"%s\" differs from \"%s\" earlier in the same group",
						template, BG_GROUP_NAME(t)),
				 errhint("Every row of a group must name the same roles template.")));
	if (t->nroles != nroles)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("bg.group_engagement_tally value has %d roles, but roles template \"%s\" has %d roles",
						(int) t->nroles, template, nroles)));
}

/*
 * Transition (not strict): a member without a role counts nowhere; a NULL
 * raw score (no active weighting model) makes the group's score NULL.
 */
PG_FUNCTION_INFO_V1(bg_group_engagement_trans);
Datum
bg_group_engagement_trans(PG_FUNCTION_ARGS)
{
	BgGroupTally *t;
	RoleLookup *rl;
	const char *template;
	text	   *role;
	const char *r;
	int			rlen;
	int			i;
	float8		raw;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("bg.group_engagement_raw transition called outside an aggregate")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the roles template of bg.group_engagement_raw must not be null")));
	rl = role_lookup(fcinfo);
	template = rl->template;
	if (PG_ARGISNULL(0))
		t = bg_group_tally_new(template, rl->w.nroles);	/* the executor copies it once */
	else
	{
		t = (BgGroupTally *) DatumGetPointer(PG_GETARG_DATUM(0));
		if (VARATT_IS_EXTENDED(t))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("invalid bg.group_engagement_tally value")));
		fits(t, template, rl->w.nroles);
	}
	if (PG_ARGISNULL(2))
		PG_RETURN_POINTER(t);	/* a member without a role */
	role = PG_GETARG_TEXT_PP(2);
	r = VARDATA_ANY(role);
	rlen = VARSIZE_ANY_EXHDR(role);
	i = rl->last;
	if (i >= rl->w.nroles || rl->w.lens[i] != rlen || memcmp(rl->w.roles[i], r, rlen) != 0)
	{
		for (i = 0; i < rl->w.nroles; i++)
			if (rl->w.lens[i] == rlen && memcmp(rl->w.roles[i], r, rlen) == 0)
				break;
		if (i == rl->w.nroles)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("role \"%s\" is not in roles template \"%s\"",
							text_to_cstring(role), BG_GROUP_NAME(t)),
					 errhint("The roles of a template are listed in bg.template_roles.")));
		rl->last = i;
	}
	t->roles[i].members++;
	if (PG_ARGISNULL(3))
	{
		t->has_null = 1;
		PG_RETURN_POINTER(t);
	}
	raw = PG_GETARG_FLOAT8(3);
	if (!(raw >= 0) || isinf(raw))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("person_raw of bg.group_engagement_raw must be a finite number of at least 0"),
				 errdetail("It is %g.", raw)));
	t->roles[i].raw += raw;
	if (isinf(t->roles[i].raw))
		float_overflow_error();
	PG_RETURN_POINTER(t);
}

/* Combine function (not strict): adds b into a. */
PG_FUNCTION_INFO_V1(bg_group_engagement_combine);
Datum
bg_group_engagement_combine(PG_FUNCTION_ARGS)
{
	BgGroupTally *a;
	BgGroupTally *b;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = PG_GETARG_GROUP_TALLY(1);
	bg_group_tally_check(b);
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(b);
	a = PG_GETARG_GROUP_TALLY(0);
	bg_group_tally_check(a);
	if (!AggCheckCallContext(fcinfo, NULL) || (Pointer) a != DatumGetPointer(PG_GETARG_DATUM(0)))
	{
		BgGroupTally *copy = palloc(VARSIZE(a));

		memcpy(copy, a, VARSIZE(a));
		a = copy;
	}
	if (a->nroles != b->nroles || strcmp(BG_GROUP_NAME(a), BG_GROUP_NAME(b)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine group engagement tallies of roles templates \"%s\" and \"%s\"",
						BG_GROUP_NAME(a), BG_GROUP_NAME(b)),
				 errhint("Every row of a group must name the same roles template.")));
	a->has_null |= b->has_null;
	for (int i = 0; i < a->nroles; i++)
	{
		if (pg_add_s64_overflow(a->roles[i].members, b->roles[i].members, &a->roles[i].members))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("member count out of range in a bg.group_engagement_tally value of roles template \"%s\"",
							BG_GROUP_NAME(a))));
		a->roles[i].raw += b->roles[i].raw;
		if (isinf(a->roles[i].raw))
			float_overflow_error();
	}
	PG_RETURN_POINTER(a);
}

/*
 * Final function (not strict): G = sum of v(r) * raw(r) over V, the sum of
 * v(r) over the roles with a member; 0 without members, NULL when a raw
 * score was NULL.
 */
PG_FUNCTION_INFO_V1(bg_group_engagement_final);
Datum
bg_group_engagement_final(PG_FUNCTION_ARGS)
{
	BgGroupTally *t;
	BgRoleWeights *w;
	int64		v = 0;
	float8		sum = 0.0;

	if (PG_ARGISNULL(0))
		PG_RETURN_FLOAT8(0.0);
	t = PG_GETARG_GROUP_TALLY(0);
	bg_group_tally_check(t);
	if (t->has_null)
		PG_RETURN_NULL();
	w = bg_role_weights(BG_GROUP_NAME(t));
	fits(t, BG_GROUP_NAME(t), w->nroles);
	for (int i = 0; i < t->nroles; i++)
		if (t->roles[i].members > 0)
		{
			v += w->values[i];
			sum += t->roles[i].raw * w->values[i];
		}
	if (v == 0)
		PG_RETURN_FLOAT8(0.0);
	PG_RETURN_FLOAT8(sum / (float8) v);
}

/* bg.group_engagement_tally output */
PG_FUNCTION_INFO_V1(bg_group_tally_out);
Datum
bg_group_tally_out(PG_FUNCTION_ARGS)
{
	BgGroupTally *t = PG_GETARG_GROUP_TALLY(0);
	StringInfoData buf;

	bg_group_tally_check(t);
	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"template\": ");
	escape_json(&buf, BG_GROUP_NAME(t));
	appendStringInfoString(&buf, ", \"members\": [");
	for (int i = 0; i < t->nroles; i++)
		appendStringInfo(&buf, "%s" INT64_FORMAT, i ? ", " : "", t->roles[i].members);
	appendStringInfoString(&buf, "], \"raw\": [");
	for (int i = 0; i < t->nroles; i++)
	{
		char	   *s = float8out_internal(t->roles[i].raw);

		appendStringInfo(&buf, "%s%s", i ? ", " : "", s);
	}
	appendStringInfo(&buf, "], \"has_null\": %s}", t->has_null ? "true" : "false");
	PG_RETURN_CSTRING(buf.data);
}

static void pg_attribute_noreturn()
bad_group_input(const char *input, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type bg.group_engagement_tally: \"%s\"", input),
			 errdetail("%s", why),
			 errhint("The form is {\"template\": \"name\", \"members\": [n, ...], \"raw\": [x, ...], \"has_null\": false}.")));
}

/* bg.group_engagement_tally input (IMMUTABLE: reads nothing but its text). */
PG_FUNCTION_INFO_V1(bg_group_tally_in);
Datum
bg_group_tally_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	Jsonb	   *j = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(input)));
	JsonbValue *name;
	JsonbValue *members;
	JsonbValue *raw;
	JsonbValue *has_null;
	BgGroupTally *t;
	char	   *template;
	int			n;

	if (!JB_ROOT_IS_OBJECT(j) || JB_ROOT_COUNT(j) != 4 ||
		(name = getKeyJsonValueFromContainer(&j->root, "template", 8, NULL)) == NULL ||
		name->type != jbvString ||
		(members = getKeyJsonValueFromContainer(&j->root, "members", 7, NULL)) == NULL ||
		members->type != jbvBinary || !JsonContainerIsArray(members->val.binary.data) ||
		(raw = getKeyJsonValueFromContainer(&j->root, "raw", 3, NULL)) == NULL ||
		raw->type != jbvBinary || !JsonContainerIsArray(raw->val.binary.data) ||
		(has_null = getKeyJsonValueFromContainer(&j->root, "has_null", 8, NULL)) == NULL ||
		has_null->type != jbvBool)
		bad_group_input(input, "Expected an object with the keys template, members, raw and has_null.");
	n = JsonContainerSize(members->val.binary.data);
	if (n != (int) JsonContainerSize(raw->val.binary.data) || n > BG_MAX_GROUP_ROLES)
		bad_group_input(input, "members and raw must have one element per role.");
	template = pnstrdup(name->val.string.val, name->val.string.len);
	if (strlen(template) != (size_t) name->val.string.len)
		bad_group_input(input, "The template must not contain a NUL character.");
	t = bg_group_tally_new(template, n);
	t->has_null = has_null->val.boolean ? 1 : 0;
	for (int i = 0; i < n; i++)
	{
		JsonbValue *m = getIthJsonbValueFromContainer(members->val.binary.data, i);
		JsonbValue *x = getIthJsonbValueFromContainer(raw->val.binary.data, i);
		char	   *s;

		if (m->type != jbvNumeric || x->type != jbvNumeric)
			bad_group_input(input, "Every element of members and raw must be a number.");
		s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(m->val.numeric)));
		if (strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
			bad_group_input(input, "Every member count must be a whole number from 0 to 999999999999999999.");
		t->roles[i].members = strtoll(s, NULL, 10);
		t->roles[i].raw = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(x->val.numeric)));
		if (!(t->roles[i].raw >= 0) || isinf(t->roles[i].raw))
			bad_group_input(input, "Every raw score must be a finite number of at least 0.");
	}
	PG_RETURN_POINTER(t);
}
