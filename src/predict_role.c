/*
 * predict_role.c — bg.predict_role and bg.explain_prediction (docs/design.md
 * §10): a person row's tokens scored by a trained role model.
 *
 * Each call site keeps, in fn_extra, the model (from the backend cache), the
 * attribute numbers of the job title and extra columns in the row's type,
 * their output functions, and reusable buffers, so a row costs its tokens'
 * lookups and no allocation once the buffers have grown.  The posterior of
 * each class is exact up to floating point: log P(c) + Σ n_t log P(t|c),
 * normalised with log-sum-exp; tokens outside the vocabulary are ignored.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "alloc_limit.h"
#include "call_cache.h"
#include "role_model.h"
#include "template_cache.h"

typedef struct BgPredictSite
{
	MemoryContext cxt;
	bool		valid;
	uint64		generation;
	char	   *model_name;
	Oid			rowtype;
	int32		rowtypmod;
	BgRoleModel *m;
	TupleDesc	desc;
	int			ncols;			/* 1 + features: the title first */
	AttrNumber *att;
	bool	   *is_text;
	FmgrInfo   *out;
	BgTokenizer tk;
	int		   *ids;
	int			idscap;
	double		score[BG_MAX_CLASSES];
	TupleDesc	resdesc;		/* bg.prediction, blessed (predict_role) */
} BgPredictSite;

static bool
string_type(Oid type)
{
	Oid			base = getBaseType(type);

	return base == TEXTOID || base == VARCHAROID || base == BPCHAROID;
}

/* Errors when the model argument is NULL (before the person is looked at). */
static void
require_model_arg(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("role model name must not be null")));
}

/*
 * The call site's state for the model argument and the type of the person
 * row (not NULL, returned in *rowp), rebuilt when stale; fname names the
 * function in the hint for an argument that is not a row.
 */
static BgPredictSite *
predict_site(FunctionCallInfo fcinfo, HeapTupleHeader *rowp, const char *fname)
{
	BgPredictSite *s = fcinfo->flinfo->fn_extra;
	text	   *name = PG_GETARG_TEXT_PP(0);
	const char *model;
	int			len = VARSIZE_ANY_EXHDR(name);
	HeapTupleHeader row;
	Oid			rowtype;
	int32		typmod;
	MemoryContext old;
	TupleDesc	desc;

	/* the argument's type is the call site's: checked until it is built */
	if ((s == NULL || !s->valid) && !type_is_rowtype(get_fn_expr_argtype(fcinfo->flinfo, 1)))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("person must be a row"),
				 errhint("Pass a row of the people table: %s('model', p) FROM people p.", fname)));
	row = *rowp = bg_row_arg(fcinfo, 1);
	rowtype = HeapTupleHeaderGetTypeId(row);
	typmod = HeapTupleHeaderGetTypMod(row);

	if (s == NULL)
	{
		MemoryContext cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "bg predict role",
												  ALLOCSET_SMALL_SIZES);

		s = MemoryContextAllocZero(cxt, sizeof(BgPredictSite));
		s->cxt = cxt;
		fcinfo->flinfo->fn_extra = s;
	}
	if (s->valid && s->generation == bg_catalog_generation && s->rowtype == rowtype &&
		s->rowtypmod == typmod && (int) strlen(s->model_name) == len &&
		memcmp(s->model_name, VARDATA_ANY(name), len) == 0)
		return s;
	model = text_to_cstring(name);

	{
		MemoryContext cxt = s->cxt;

		fcinfo->flinfo->fn_extra = NULL;
		MemoryContextReset(cxt);
		s = MemoryContextAllocZero(cxt, sizeof(BgPredictSite));
		s->cxt = cxt;
		fcinfo->flinfo->fn_extra = s;
	}
	/*
	 * The generation before the load: the load reads the catalog and may
	 * take in invalidations; a model built under an older generation must
	 * be built again, not taken as fresh (the model cache frees it then).
	 */
	s->generation = bg_catalog_generation;
	s->m = bg_role_model_get(model);
	old = MemoryContextSwitchTo(s->cxt);
	s->model_name = pstrdup(model);
	s->rowtype = rowtype;
	s->rowtypmod = typmod;
	desc = lookup_rowtype_tupdesc(rowtype, typmod);
	s->desc = CreateTupleDescCopy(desc);
	ReleaseTupleDesc(desc);
	s->ncols = 1 + s->m->nfeatures;
	s->att = palloc0(sizeof(AttrNumber) * s->ncols);
	s->is_text = palloc0(sizeof(bool) * s->ncols);
	s->out = palloc0(sizeof(FmgrInfo) * s->ncols);
	for (int i = 0; i < s->ncols; i++)
	{
		const char *col = i == 0 ? s->m->title_column : s->m->features[i - 1];

		for (int a = 0; a < s->desc->natts; a++)
		{
			Form_pg_attribute attr = TupleDescAttr(s->desc, a);

			if (!attr->attisdropped && strcmp(NameStr(attr->attname), col) == 0)
			{
				Oid			outfn;
				bool		varlena;

				s->att[i] = attr->attnum;
				s->is_text[i] = string_type(attr->atttypid);
				getTypeOutputInfo(attr->atttypid, &outfn, &varlena);
				fmgr_info_cxt(outfn, &s->out[i], s->cxt);
				break;
			}
		}
		if (s->att[i] == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("the person row has no column \"%s\" that role model \"%s\" reads", col, model),
					 errdetail("The row is of type %s.", format_type_be(rowtype)),
					 errhint("Pass a row of the people table, or one with the model's columns.")));
	}
	bg_tokenizer_init(&s->tk, s->cxt);
	MemoryContextSwitchTo(old);
	s->valid = true;
	return s;
}

/* Tokenises the row and scores every class (unnormalised log posteriors). */
static void
score_row(BgPredictSite *s, HeapTupleHeader row, MemoryContext tmp)
{
	BgRoleModel *m = s->m;
	HeapTupleData tuple;
	MemoryContext old = MemoryContextSwitchTo(tmp);
	int			C = m->nclasses;

	tuple.t_len = HeapTupleHeaderGetDatumLength(row);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = row;
	bg_tokenizer_reset(&s->tk);
	for (int i = 0; i < s->ncols; i++)
	{
		bool		isnull;
		Datum		d = heap_getattr(&tuple, s->att[i], s->desc, &isnull);
		const char *str;
		int			len;

		if (isnull)
			continue;
		if (s->is_text[i])
		{
			text	   *t = DatumGetTextPP(d);

			str = VARDATA_ANY(t);
			len = VARSIZE_ANY_EXHDR(t);
		}
		else
		{
			str = OutputFunctionCall(&s->out[i], d);
			len = strlen(str);
		}
		if (i == 0)
			bg_tokens_title(&s->tk, str, len);
		else
			bg_tokens_feature(&s->tk, m->features[i - 1], m->kinds[i - 1], str, len);
	}
	MemoryContextSwitchTo(old);
	if (s->tk.ntokens > s->idscap)
		s->ids = bg_grow_array(s->ids, &s->idscap, s->tk.ntokens, sizeof(int), s->cxt, "person tokens");
	for (int c = 0; c < C; c++)
		s->score[c] = m->logprior[c];
	for (int i = 0; i < s->tk.ntokens; i++)
	{
		int			t = bg_vocab_find(&m->vocab, s->tk.all.data + s->tk.starts[i], s->tk.lens[i]);

		s->ids[i] = t;
		if (t < 0)
			continue;
		for (int c = 0; c < C; c++)
			s->score[c] += m->logp[(Size) t * C + c];
	}
}

/* bg.predict_role(model text, person anyelement) RETURNS bg.prediction */
PG_FUNCTION_INFO_V1(bg_predict_role);
Datum
bg_predict_role(PG_FUNCTION_ARGS)
{
	BgPredictSite *s;
	HeapTupleHeader row;
	TupleDesc	desc;
	int			best = -1;
	double		z = 0;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	int			C;

	require_model_arg(fcinfo);
	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	s = predict_site(fcinfo, &row, "bg.predict_role");
	if (s->resdesc == NULL)
	{
		MemoryContext old;

		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "bg.predict_role must return a row");
		old = MemoryContextSwitchTo(s->cxt);
		s->resdesc = BlessTupleDesc(CreateTupleDescCopy(desc));
		MemoryContextSwitchTo(old);
	}
	score_row(s, row, CurrentMemoryContext);
	C = s->m->nclasses;
	for (int c = 0; c < C; c++)
		if (s->m->active[c] && (best < 0 || s->score[c] > s->score[best]))
			best = c;
	for (int c = 0; c < C; c++)
		if (s->m->active[c])
			z += exp(s->score[c] - s->score[best]);
	if (s->m->classes[best] != NULL)
		values[0] = CStringGetTextDatum(s->m->classes[best]);
	else
		nulls[0] = true;
	values[1] = Float8GetDatum(1.0 / z);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(s->resdesc, values, nulls)));
}

static int
cmp_int(const void *a, const void *b)
{
	int			x = *(const int *) a;
	int			y = *(const int *) b;

	return (x > y) - (x < y);
}

/*
 * bg.explain_prediction(model text, person anyelement) RETURNS TABLE
 * (feature text, role text, weight float8): per class, the log prior (feature
 * NULL) and, per token of the person in the vocabulary, its count times
 * log P(token | class); a class's weights sum to its unnormalised log
 * posterior.
 */
PG_FUNCTION_INFO_V1(bg_explain_prediction);
Datum
bg_explain_prediction(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BgPredictSite *s;
	BgRoleModel *m;
	HeapTupleHeader row;
	int		   *ids;
	int			n = 0;
	int			C;
	Datum	   *class_names;

	require_model_arg(fcinfo);
	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(1))
		return (Datum) 0;
	s = predict_site(fcinfo, &row, "bg.explain_prediction");
	m = s->m;
	C = m->nclasses;
	score_row(s, row, CurrentMemoryContext);
	ids = palloc(sizeof(int) * Max(s->tk.ntokens, 1));
	for (int i = 0; i < s->tk.ntokens; i++)
		if (s->ids[i] >= 0)
			ids[n++] = s->ids[i];
	qsort(ids, n, sizeof(int), cmp_int);
	/* the classes' names once, not per token */
	class_names = palloc(sizeof(Datum) * C);
	for (int c = 0; c < C; c++)
		class_names[c] = m->classes[c] != NULL ? CStringGetTextDatum(m->classes[c]) : (Datum) 0;
	for (int c = 0; c < C; c++)
	{
		Datum		values[3];
		bool		nulls[3] = {true, false, false};

		if (!m->active[c])
			continue;
		values[1] = class_names[c];
		nulls[1] = m->classes[c] == NULL;
		values[2] = Float8GetDatum(m->logprior[c]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	for (int i = 0; i < n;)
	{
		int			j = i;
		Datum		token;

		CHECK_FOR_INTERRUPTS();
		while (j < n && ids[j] == ids[i])
			j++;
		token = PointerGetDatum(cstring_to_text_with_len(m->vocab.pool + m->vocab.offs[ids[i]],
														 m->vocab.lens[ids[i]]));
		for (int c = 0; c < C; c++)
		{
			Datum		values[3];
			bool		nulls[3] = {false, false, false};

			if (!m->active[c])
				continue;
			values[0] = token;
			values[1] = class_names[c];
			nulls[1] = m->classes[c] == NULL;
			values[2] = Float8GetDatum((j - i) * m->logp[(Size) ids[i] * C + c]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		i = j;
	}
	return (Datum) 0;
}
