/*
 * engagement_weights.c — the weights of engagement scores (docs/design.md
 * §7.1), read from bg's catalog as its owner and cached per backend until
 * the catalog generation moves: the active weighting model's activity
 * weights, and the role weight values of roles templates.
 *
 * The statement triggers on bg_internal.activity_band,
 * bg_internal.weighting_model and bg_internal.activity_weight move the
 * generation (sql/bg/engagement.sql), as those on templates do, so a cached
 * weight is never older than the invalidations this backend has seen.
 */
#include "postgres.h"

#include "miscadmin.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "alloc_limit.h"
#include "engagement.h"
#include "owner.h"
#include "template_cache.h"

static MemoryContext weights_cxt = NULL;
static uint64 weights_generation = 0;
static BgActivityWeights *activity_weights = NULL;	/* in weights_cxt */
static List *role_weights = NIL;	/* of BgRoleWeights *, in weights_cxt */

/* Forgets everything cached under an older catalog generation. */
static void
weights_fresh(void)
{
	if (weights_cxt == NULL)
		weights_cxt = AllocSetContextCreate(CacheMemoryContext, "bg engagement weights",
											ALLOCSET_SMALL_SIZES);
	if (bg_cache_stale(weights_cxt, &weights_generation))
	{
		activity_weights = NULL;
		role_weights = NIL;
	}
}

/* The active model's weights (has_model false when none is active). */
BgActivityWeights *
bg_activity_weights(void)
{
	const char *nsp;
	BgActivityWeights *w;
	MemoryContext old;
	int			rc;

	weights_fresh();
	if (activity_weights != NULL)
		return activity_weights;
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	nsp = quote_identifier(bg_catalog_schema());
	(void) bg_catalog_query(psprintf("SELECT w.activity_type, b.value "
						   "FROM %s.weighting_model m "
						   "LEFT JOIN (%s.activity_weight w JOIN %s.activity_band b "
						   "           ON b.name OPERATOR(pg_catalog.=) w.band) "
						   "  ON w.model_id OPERATOR(pg_catalog.=) m.id "
						   "WHERE m.status OPERATOR(pg_catalog.=) 'active' "
						   "ORDER BY 1", nsp, nsp, nsp), 0, NULL, NULL, "engagement weights");
	old = MemoryContextSwitchTo(weights_cxt);
	w = palloc0(sizeof(BgActivityWeights));
	w->has_model = SPI_processed > 0;
	w->types = palloc0(bg_alloc_size(SPI_processed + 1, sizeof(char *), "activity weights"));
	w->lens = palloc0(bg_alloc_size(SPI_processed + 1, sizeof(int), "activity weights"));
	w->weights = palloc0(bg_alloc_size(SPI_processed + 1, sizeof(int32), "activity weights"));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *type = SPI_getvalue(tup, desc, 1);
		bool		isnull;

		CHECK_FOR_INTERRUPTS();

		if (type == NULL)
			continue;			/* an active model that weights no type */
		w->types[w->ntypes] = type;
		w->lens[w->ntypes] = strlen(type);
		w->weights[w->ntypes] = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
		w->ntypes++;
	}
	activity_weights = w;
	MemoryContextSwitchTo(old);
	SPI_finish();
	return w;
}

/* The roles of template, with their weight values; errors when none exists. */
BgRoleWeights *
bg_role_weights(const char *template)
{
	ListCell   *lc;
	const char *nsp;
	BgRoleWeights *r;
	MemoryContext old;
	Oid			argtype = TEXTOID;
	Datum		arg;
	int			rc;

	weights_fresh();
	foreach(lc, role_weights)
	{
		r = lfirst(lc);
		if (strcmp(r->template, template) == 0)
			return r;
	}
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	nsp = quote_identifier(bg_catalog_schema());
	arg = CStringGetTextDatum(template);
	(void) bg_catalog_query(psprintf("SELECT r.name, CASE tr.weight WHEN 'trivial' THEN 20 WHEN 'minor' THEN 40 "
						   "       WHEN 'normal' THEN 60 WHEN 'important' THEN 80 ELSE 100 END "
						   "FROM %s.template t "
						   "LEFT JOIN %s.template_role tr ON tr.template_id OPERATOR(pg_catalog.=) t.id "
						   "LEFT JOIN %s.role r ON r.id OPERATOR(pg_catalog.=) tr.role_id "
						   "WHERE t.name OPERATOR(pg_catalog.=) $1 "
						   "ORDER BY tr.priority", nsp, nsp, nsp), 1, &argtype, &arg, "engagement weights");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("roles template \"%s\" does not exist", template),
				 errhint("The roles templates are listed in bg.templates.")));
	old = MemoryContextSwitchTo(weights_cxt);
	r = palloc0(sizeof(BgRoleWeights));
	r->template = pstrdup(template);
	r->roles = palloc0(bg_alloc_size(SPI_processed + 1, sizeof(char *), "role weights"));
	r->lens = palloc0(bg_alloc_size(SPI_processed + 1, sizeof(int), "role weights"));
	r->values = palloc0(bg_alloc_size(SPI_processed + 1, sizeof(int32), "role weights"));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *role = SPI_getvalue(tup, desc, 1);
		bool		isnull;

		CHECK_FOR_INTERRUPTS();

		if (role == NULL)
			continue;			/* a template without roles */
		r->roles[r->nroles] = role;
		r->lens[r->nroles] = strlen(role);
		r->values[r->nroles] = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
		r->nroles++;
	}
	role_weights = lappend(role_weights, r);
	MemoryContextSwitchTo(old);
	SPI_finish();
	return r;
}
