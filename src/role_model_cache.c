/*
 * role_model_cache.c — trained role models (docs/design.md §10), read from
 * bg_internal.role_model as the extension's owner with the latest snapshot
 * and kept per backend, ready to predict (log-probabilities computed once),
 * until the catalog generation moves: the statement trigger on the model
 * table moves it, as those on templates do.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "alloc_limit.h"
#include "owner.h"
#include "role_model.h"
#include "template_cache.h"

static MemoryContext models_cxt = NULL;
static uint64 models_generation = 0;
static List *models = NIL;		/* of BgRoleModel *, in models_cxt */

/* The elements of a one-dimensional array column of the model row. */
static void
array_column(HeapTuple tup, TupleDesc desc, int col, Oid elemtype, Datum **d, bool **n, int *count,
			 MemoryContext tmp)
{
	MemoryContext old = MemoryContextSwitchTo(tmp);
	bool		isnull;
	Datum		v = SPI_getbinval(tup, desc, col, &isnull);
	int16		typlen;
	bool		byval;
	char		align;

	if (isnull)
		elog(ERROR, "role model column %d is null", col);
	get_typlenbyvalalign(elemtype, &typlen, &byval, &align);
	deconstruct_array(DatumGetArrayTypeP(v), elemtype, typlen, byval, align, d, n, count);
	MemoryContextSwitchTo(old);
}

/* The model called name from the catalog; NULL (missing_ok) or an error when none exists. */
static BgRoleModel *
load_model(const char *name, bool missing_ok)
{
	const char *nsp = quote_identifier(bg_catalog_schema());
	Oid			argtype = TEXTOID;
	Datum		arg = CStringGetTextDatum(name);
	HeapTuple	tup;
	TupleDesc	desc;
	BgRoleModel *m;
	MemoryContext old;
	Datum	   *d;
	bool	   *n;
	int			count;
	int			C;
	int			V;
	int64		N = 0;
	int64		tokens[BG_MAX_CLASSES];
	int			rc;
	MemoryContext spicxt;
	MemoryContext mcxt;

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	spicxt = CurrentMemoryContext;
	(void) bg_catalog_query(psprintf("SELECT m.title_column::pg_catalog.text, m.features, m.feature_kinds, "
										"       ARRAY(SELECT r.name FROM pg_catalog.unnest(m.class_roles) "
										"                  WITH ORDINALITY AS u(id, i) "
										"             LEFT JOIN %s.role r ON r.id OPERATOR(pg_catalog.=) u.id "
										"             ORDER BY u.i), "
										"       m.class_docs, m.class_tokens, m.vocabulary, m.counts "
										"FROM %s.role_model m WHERE m.name OPERATOR(pg_catalog.=) $1",
										nsp, nsp),
							   1, &argtype, &arg, "role model");
	if (SPI_processed == 0 && missing_ok)
	{
		SPI_finish();
		return NULL;
	}
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role model \"%s\" does not exist", name),
				 errhint("The role models are listed in bg.role_models; bg.train_role_model makes one.")));
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;

	/*
	 * The model's own context, a child of the call's until it is complete:
	 * an error part-way frees what was loaded with the call's memory.
	 */
	mcxt = AllocSetContextCreate(spicxt, "bg role model", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(mcxt);
	m = palloc0(sizeof(BgRoleModel));
	m->name = pstrdup(name);
	m->title_column = SPI_getvalue(tup, desc, 1);
	array_column(tup, desc, 2, TEXTOID, &d, &n, &count, spicxt);
	m->nfeatures = count;
	m->features = palloc(sizeof(char *) * Max(count, 1));
	for (int i = 0; i < count; i++)
		m->features[i] = TextDatumGetCString(d[i]);
	m->kinds = SPI_getvalue(tup, desc, 3);
	array_column(tup, desc, 4, TEXTOID, &d, &n, &count, spicxt);
	C = m->nclasses = count;
	if (C < 2 || C > BG_MAX_CLASSES || (int) strlen(m->kinds) != m->nfeatures)
		elog(ERROR, "role model \"%s\" is malformed", name);
	m->classes = palloc0(sizeof(char *) * C);
	for (int c = 0; c < C; c++)
		m->classes[c] = n[c] ? NULL : TextDatumGetCString(d[c]);
	m->active = palloc0(sizeof(bool) * C);
	m->logprior = palloc(sizeof(double) * C);
	array_column(tup, desc, 5, INT4OID, &d, &n, &count, spicxt);
	if (count != C)
		elog(ERROR, "role model \"%s\" is malformed", name);
	for (int c = 0; c < C; c++)
	{
		m->active[c] = DatumGetInt32(d[c]) > 0;
		N += DatumGetInt32(d[c]);
	}
	for (int c = 0; c < C; c++)
		m->logprior[c] = m->active[c] ? log((double) DatumGetInt32(d[c])) - log((double) N) : -INFINITY;
	array_column(tup, desc, 6, INT8OID, &d, &n, &count, spicxt);
	if (count != C)
		elog(ERROR, "role model \"%s\" is malformed", name);
	for (int c = 0; c < C; c++)
		tokens[c] = DatumGetInt64(d[c]);

	bg_vocab_init(&m->vocab, mcxt);
	array_column(tup, desc, 7, TEXTOID, &d, &n, &count, spicxt);
	for (int t = 0; t < count; t++)
	{
		text	   *s = DatumGetTextPP(d[t]);

		CHECK_FOR_INTERRUPTS();
		if (bg_vocab_add(&m->vocab, VARDATA_ANY(s), VARSIZE_ANY_EXHDR(s)) != t)
			elog(ERROR, "role model \"%s\" is malformed", name);
	}
	V = m->vocab.n;
	array_column(tup, desc, 8, INT4OID, &d, &n, &count, spicxt);
	if ((Size) count != (Size) V * C)
		elog(ERROR, "role model \"%s\" is malformed", name);
	m->logp = MemoryContextAllocHuge(mcxt, bg_alloc_size((Size) V * C, sizeof(double), "role model"));
	{
		double		denom[BG_MAX_CLASSES];

		for (int c = 0; c < C; c++)
			denom[c] = log((double) tokens[c] + V);
		for (int t = 0; t < V; t++)
		{
			CHECK_FOR_INTERRUPTS();
			for (int c = 0; c < C; c++)
				m->logp[(Size) t * C + c] = log((double) DatumGetInt32(d[(Size) t * C + c]) + 1) - denom[c];
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextSetParent(mcxt, models_cxt);
	SPI_finish();
	return m;
}

/* The model called name, loaded when not cached; NULL (missing_ok) or an error when none exists. */
static BgRoleModel *
model_lookup(const char *name, bool missing_ok)
{
	ListCell   *lc;
	BgRoleModel *m;
	MemoryContext old;

	if (models_cxt == NULL)
		models_cxt = AllocSetContextCreate(CacheMemoryContext, "bg role models", ALLOCSET_DEFAULT_SIZES);
	if (bg_cache_stale(models_cxt, &models_generation))
		models = NIL;
	foreach(lc, models)
	{
		m = lfirst(lc);
		if (strcmp(m->name, name) == 0)
			return m;
	}
	m = load_model(name, missing_ok);
	if (m == NULL)
		return NULL;
	old = MemoryContextSwitchTo(models_cxt);
	models = lappend(models, m);
	MemoryContextSwitchTo(old);
	return m;
}

BgRoleModel *
bg_role_model_get(const char *name)
{
	return model_lookup(name, false);
}

/*
 * The columns a role model reads (its job title column, then its extra
 * columns), in the current context; NIL when there is no such model.
 */
List *
bg_role_model_columns(const char *name)
{
	BgRoleModel *m = model_lookup(name, true);
	List	   *cols = NIL;

	if (m == NULL)
		return NIL;
	cols = lappend(cols, pstrdup(m->title_column));
	for (int i = 0; i < m->nfeatures; i++)
		if (strcmp(m->features[i], m->title_column) != 0)
			cols = lappend(cols, pstrdup(m->features[i]));
	return cols;
}
