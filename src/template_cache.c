/*
 * template_cache.c — loads roles templates from bg's catalog and keeps them,
 * parsed, in a backend-local cache.
 *
 * A statement trigger on bg_internal.role, bg_internal.template and bg_internal.template_role calls
 * bg_catalog_changed(), which queues a relcache invalidation of
 * bg_internal.template_role.  PostgreSQL delivers it to this backend at the next
 * command and to every other backend when the change commits; the callback
 * registered here then bumps bg_catalog_generation, and every cached or
 * per-query compiled template built under an older generation is rebuilt.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "access/xact.h"

#include "citus.h"
#include "owner.h"
#include "template_cache.h"

uint64		bg_catalog_generation = 1;

static Oid	watched_relid = InvalidOid;
static MemoryContext cache_cxt = NULL;
static List *cached = NIL;		/* of BgTemplate *, in cache_cxt */
static uint64 cached_generation = 0;
static List *catalog_columns = NIL;	/* of char *, in cache_cxt */
static bool catalog_columns_known = false;

static void
relcache_callback(Datum arg, Oid relid)
{
	(void) arg;
	if (relid == InvalidOid || relid == watched_relid)
		bg_catalog_generation++;
}

/*
 * The template_role table can only be another one after a schema was
 * dropped or created (DROP and CREATE EXTENSION): bg_catalog_check looks
 * it up again only then, not on every call (it runs once per group of the
 * aggregates).
 */
static bool catalog_identity_unsure = true;

static void
namespace_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	(void) arg;
	(void) cacheid;
	(void) hashvalue;
	catalog_identity_unsure = true;
}

void
bg_template_cache_init(void)
{
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, namespace_callback, (Datum) 0);
}

/*
 * Whether a backend-local cache in cxt, filled under catalog generation
 * *generation, is stale; if so it is emptied (the caller forgets its
 * pointers into it) and *generation brought up to date.
 */
bool
bg_cache_stale(MemoryContext cxt, uint64 *generation)
{
	bg_catalog_check();
	if (*generation == bg_catalog_generation)
		return false;
	MemoryContextReset(cxt);
	*generation = bg_catalog_generation;
	return true;
}

/* bg's template_role table's OID, or InvalidOid when bg is not installed. */
Oid
bg_template_role_relid(void)
{
	Oid			nspid = bg_catalog_schema_oid();

	return OidIsValid(nspid) ? get_relname_relid("template_role", nspid) : InvalidOid;
}

/* Looks up (or loads and caches) the template called name; errors if none. */
BgTemplate *
bg_template_get(const char *name)
{
	BgTemplate *t = bg_template_lookup(name);

	if (t == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("roles template \"%s\" does not exist", name),
				 errhint("The roles templates are listed in bg.templates.")));
	return t;
}

/*
 * Brings bg_catalog_generation up to date with the catalog's identity: the
 * invalidations listened to are those of one template_role table, and after
 * DROP EXTENSION and CREATE EXTENSION in another session it is another
 * table, whose changes this backend would not see.  A new table is a new
 * catalog: everything built before is stale.
 */
void
bg_catalog_check(void)
{
	Oid			relid;

	if (!catalog_identity_unsure)
		return;
	catalog_identity_unsure = false;
	relid = bg_template_role_relid();

	if (relid != watched_relid)
	{
		watched_relid = relid;
		bg_catalog_generation++;
	}
}

/*
 * Empties the cache when bg's catalog changed since it was filled, creating
 * it on first use.
 */
static void
cache_refresh(void)
{
	if (cache_cxt == NULL)
		cache_cxt = AllocSetContextCreate(CacheMemoryContext, "bg template cache",
										  ALLOCSET_SMALL_SIZES);
	if (bg_cache_stale(cache_cxt, &cached_generation))
	{
		cached = NIL;
		catalog_columns = NIL;
		catalog_columns_known = false;
	}
}

/*
 * Runs query (nargs arguments of types argtypes) over bg's catalog, inside
 * the caller's SPI connection, and returns SPI_processed; what names its
 * reading in the error when it fails.
 *
 * bg's catalog is read like PostgreSQL reads its own: with the latest
 * snapshot, never an older statement snapshot (the planner runs before a
 * PL/pgSQL statement takes its own), so that what a backend caches is
 * exactly as new as the invalidations seen so far.  Parallel workers cannot
 * take snapshots and read with the leader's.  The caller may have no
 * privilege on bg's tables: they are read as their owner.
 */
uint64
bg_catalog_query(const char *query, int nargs, Oid *argtypes, Datum *args, const char *what)
{
	bool		pushed = false;
	BgSavedUser saved;
	int			rc;

	if (!IsInParallelMode())
	{
		PushActiveSnapshot(GetLatestSnapshot());
		pushed = true;
	}
	bg_become_owner(&saved);
	rc = SPI_execute_with_args(query, nargs, argtypes, args, NULL, true, 0);
	bg_restore_user(&saved);
	if (pushed)
		PopActiveSnapshot();
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading %s failed: %s", what, SPI_result_code_string(rc));
	return SPI_processed;
}

/* Looks up (or loads and caches) the template called name, or NULL. */
BgTemplate *
bg_template_lookup(const char *name)
{
	ListCell   *lc;
	BgTemplate *t;
	MemoryContext old;
	Datum		arg;
	Oid			argtype = TEXTOID;
	int			rc;
	const char *nsp;
	char	   *query;
	uint64		n;

	if (name[0] == ' ')
		return bg_template_unship(name);	/* no template name starts so */
	cache_refresh();
	foreach(lc, cached)
	{
		t = lfirst(lc);
		if (strcmp(t->name, name) == 0)
			return t;
	}

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	nsp = quote_identifier(bg_catalog_schema());
	query = psprintf("SELECT r.name, tr.priority, tr.condition, tr.required, "
					 "       tr.members_required, t.id "
					 "FROM %s.template t "
					 "LEFT JOIN %s.template_role tr ON tr.template_id OPERATOR(pg_catalog.=) t.id "
					 "LEFT JOIN %s.role r ON r.id OPERATOR(pg_catalog.=) tr.role_id "
					 "WHERE t.name OPERATOR(pg_catalog.=) $1 "
					 "ORDER BY tr.priority", nsp, nsp, nsp);
	arg = CStringGetTextDatum(name);
	n = bg_catalog_query(query, 1, &argtype, &arg, "roles template");
	if (n == 0)
	{
		SPI_finish();
		return NULL;
	}

	old = MemoryContextSwitchTo(cache_cxt);
	t = palloc0(sizeof(BgTemplate));
	t->name = pstrdup(name);
	t->roles = palloc0(sizeof(BgTemplateRole) * n);
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		BgTemplateRole *r = &t->roles[t->nroles];
		bool		isnull;
		char	   *role = SPI_getvalue(tup, desc, 1);

		t->id = DatumGetInt32(SPI_getbinval(tup, desc, 6, &isnull));
		if (role == NULL)
			continue;			/* a template without roles */
		r->role = role;
		r->priority = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
		r->condition = SPI_getvalue(tup, desc, 3);
		r->required = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull));
		r->members_required = DatumGetInt32(SPI_getbinval(tup, desc, 5, &isnull));
		if (r->condition)
			r->tree = bg_parse(r->condition);
		t->nroles++;
	}
	cached = lappend(cached, t);
	MemoryContextSwitchTo(old);
	SPI_finish();
	return t;
}

/*
 * The template whose catalog id is id (bg_internal.template.id), as
 * bg_template_lookup loads it; errors if none.  What reads a packed tally
 * (agg_packed.c), which names its template by id, calls this.
 */
BgTemplate *
bg_template_get_by_id(int32 id)
{
	ListCell   *lc;
	Datum		arg = Int32GetDatum(id);
	Oid			argtype = INT4OID;
	char	   *name = NULL;
	MemoryContext caller = CurrentMemoryContext;
	BgTemplate *t;
	int			rc;

	cache_refresh();
	foreach(lc, cached)
	{
		t = lfirst(lc);
		if (t->id == id)
			return t;
	}
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	if (bg_catalog_query(psprintf("SELECT t.name FROM %s.template t WHERE t.id OPERATOR(pg_catalog.=) $1",
								  quote_identifier(bg_catalog_schema())),
						 1, &argtype, &arg, "roles template") == 1)
		name = MemoryContextStrdup(caller, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	SPI_finish();
	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("roles template with id %d does not exist", id),
				 errhint("The roles templates are listed in bg.templates.")));
	return bg_template_get(name);
}

/*
 * The names of the columns that the conditions of all roles templates of
 * bg's catalog read (drafts included), each once: whatever template a
 * statement's parameter names at run time, it reads no other column while
 * the catalog stays as it is.  Cached until the catalog changes.
 */
List *
bg_catalog_columns(void)
{
	MemoryContext old;
	int			rc;
	const char *nsp;
	uint64		n;

	cache_refresh();
	if (catalog_columns_known)
		return catalog_columns;
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	nsp = quote_identifier(bg_catalog_schema());
	n = bg_catalog_query(psprintf("SELECT DISTINCT tr.condition FROM %s.template_role tr "
								  "WHERE tr.condition IS NOT NULL ORDER BY 1", nsp), 0, NULL, NULL,
						 "the columns of the roles templates");
	old = MemoryContextSwitchTo(cache_cxt);
	for (uint64 i = 0; i < n; i++)
	{
		char	   *condition = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);

		CHECK_FOR_INTERRUPTS();
		catalog_columns = bg_node_columns(bg_parse(condition), catalog_columns, true);
	}
	catalog_columns_known = true;
	MemoryContextSwitchTo(old);
	SPI_finish();
	return catalog_columns;
}

/* Trigger on bg's catalog tables: compiled templates must be rebuilt. */
PG_FUNCTION_INFO_V1(bg_catalog_changed);
Datum
bg_catalog_changed(PG_FUNCTION_ARGS)
{
	Oid			relid;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("bg_catalog_changed() must be called as a trigger")));
	relid = bg_template_role_relid();
	if (!OidIsValid(relid))
		elog(ERROR, "bg's template_role table is missing");
	CacheInvalidateRelcacheByRelid(relid);
	return PointerGetDatum(NULL);
}
