/*
 * citus.c — bg's scoring on a Citus cluster (docs/design.md §12).
 *
 * bg's catalog lives on the coordinator only; the workers that evaluate
 * shard queries cannot read it.  So, in a query that reads a table Citus
 * manages, the coordinator's planner hook replaces every constant template
 * name given to bg's evaluation functions and aggregates by the template
 * itself, written out as text (a "shipped template", BG_SHIPPED_PREFIX
 * then its name, roles, priorities, thresholds and conditions), which Citus
 * copies into the shard queries.  Wherever that text is used as a template
 * name (on a worker, or on the coordinator in a final function), bg decodes
 * it instead of reading the catalog.  The text is taken from the catalog
 * when the query is planned, as every template is (the latest snapshot, so
 * a draft changed in the same transaction included), and the plan depends
 * on bg's catalog, so a cached plan is re-planned when a template changes:
 * a worker never evaluates another template than the coordinator would.
 * A shipped template is also the "name" the aggregates' states carry, so
 * a state combined or finalized anywhere is read with the same template.
 *
 * Person aggregates over a Citus table are rewritten to their role-text
 * form, agg(T, bg.role_for(T, p)), whose partial states Citus can compute
 * on the workers and combine on the coordinator, and then, with the
 * role-text aggregates over bg.role_for, to the shared form of
 * plan_shared_tally.c (one role evaluation per template); and the coordinator does
 * not narrow whole rows of Citus tables (plan_rewrite.c): the workers narrow
 * their shard queries themselves.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "agg_tally.h"
#include "citus.h"
#include "cond.h"
#include "plan_rewrite.h"

/* Whether Citus manages relid (distributed, reference or Citus local table). */
bool
bg_citus_table(Oid relid)
{
	Oid			part = get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE);
	Oid			index;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	bool		found;

	if (!OidIsValid(part))
		return false;			/* Citus is not installed in this database */
	index = get_relname_relid("pg_dist_partition_logical_relid_index", PG_CATALOG_NAMESPACE);
	rel = table_open(part, AccessShareLock);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, index, OidIsValid(index), NULL, 1, &key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

static bool
citus_query_walker(Node *node, void *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		ListCell   *lc;

		foreach(lc, ((Query *) node)->rtable)
		{
			RangeTblEntry *rte = lfirst(lc);

			if (rte->rtekind == RTE_RELATION && bg_citus_table(rte->relid))
				return true;
		}
		return query_tree_walker((Query *) node, citus_query_walker, ctx, 0);
	}
	return expression_tree_walker(node, citus_query_walker, ctx);
}

/* Whether parse (or any query inside it) reads a table Citus manages. */
bool
bg_citus_query(Query *parse)
{
	return citus_query_walker((Node *) parse, NULL);
}

/* ---- shipped templates ------------------------------------------------ */

static void
put_text(StringInfo buf, const char *s)
{
	if (s == NULL)
	{
		appendStringInfoString(buf, "-1:");
		return;
	}
	appendStringInfo(buf, "%d:", (int) strlen(s));
	appendStringInfoString(buf, s);
}

/* Template t as text that bg_template_unship reads back. */
char *
bg_template_ship(const BgTemplate *t)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, BG_SHIPPED_PREFIX);
	put_text(&buf, t->name);
	appendStringInfo(&buf, "%d;", t->nroles);
	for (int i = 0; i < t->nroles; i++)
	{
		const BgTemplateRole *r = &t->roles[i];

		put_text(&buf, r->role);
		appendStringInfo(&buf, "%d;%d;%d;", r->priority, r->required ? 1 : 0,
						 r->members_required);
		put_text(&buf, r->condition);
	}
	return buf.data;
}

typedef struct ShipReader
{
	const char *p;
	const char *end;
} ShipReader;

static void
malformed(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("malformed shipped roles template"),
			 errdetail("Expected %s.", what),
			 errhint("Shipped templates are written by bg's planner hook for Citus; give a template by its name.")));
}

/* A decimal integer in [min, max] ended by term. */
static int
read_int(ShipReader *r, char term, int min, int max, const char *what)
{
	int64		v = 0;
	bool		neg = false;
	bool		digits = false;

	if (r->p < r->end && *r->p == '-')
	{
		neg = true;
		r->p++;
	}
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
	{
		v = v * 10 + (*r->p++ - '0');
		digits = true;
		if (v > PG_INT32_MAX)
			malformed(what);
	}
	if (neg)
		v = -v;
	if (!digits || r->p >= r->end || *r->p != term || v < min || v > max)
		malformed(what);
	r->p++;
	return (int) v;
}

/* A length-prefixed string ("-1:" is NULL, allowed when nullable). */
static char *
read_text(ShipReader *r, bool nullable, const char *what)
{
	int			len = read_int(r, ':', nullable ? -1 : 0, PG_INT32_MAX, what);
	char	   *s;

	if (len < 0)
		return NULL;
	if (len > r->end - r->p)
		malformed(what);
	s = pnstrdup(r->p, len);
	r->p += len;
	return s;
}

/* Decoded shipped templates, by their text, kept for the backend's life. */
typedef struct ShippedEntry
{
	char	   *text;
	BgTemplate *tmpl;
	MemoryContext cxt;
} ShippedEntry;

#define SHIPPED_CACHE_SIZE 32

static ShippedEntry shipped[SHIPPED_CACHE_SIZE];
static int	nshipped = 0;

static BgTemplate *
decode(const char *text)
{
	ShipReader	r;
	BgTemplate *t = palloc0(sizeof(BgTemplate));

	r.p = text + strlen(BG_SHIPPED_PREFIX);
	r.end = text + strlen(text);
	t->name = pstrdup(text);	/* the states carry the whole definition */
	(void) read_text(&r, false, "the template's name");
	t->nroles = read_int(&r, ';', 0, BG_TALLY_MAX_ROLES, "the number of roles");
	t->roles = palloc0(sizeof(BgTemplateRole) * Max(t->nroles, 1));
	for (int i = 0; i < t->nroles; i++)
	{
		BgTemplateRole *role = &t->roles[i];

		CHECK_FOR_INTERRUPTS();
		role->role = read_text(&r, false, "a role's name");
		role->priority = read_int(&r, ';', PG_INT32_MIN + 1, PG_INT32_MAX, "a role's priority");
		role->required = read_int(&r, ';', 0, 1, "whether a role is required") == 1;
		role->members_required = read_int(&r, ';', 1, PG_INT32_MAX, "a role's members required");
		role->condition = read_text(&r, true, "a role's condition");
		if (role->condition)
			role->tree = bg_parse(role->condition);
	}
	if (r.p != r.end)
		malformed("the end of the template");
	return t;
}

/*
 * The template written in text by bg_template_ship, or NULL when text is not
 * a shipped template.  Decoded once per backend (up to SHIPPED_CACHE_SIZE
 * texts; when more, all are dropped and bg_catalog_generation is bumped, so
 * that no call site keeps a pointer into them).
 */
BgTemplate *
bg_template_unship(const char *text)
{
	MemoryContext cxt;
	MemoryContext old;
	BgTemplate *t;

	if (strncmp(text, BG_SHIPPED_PREFIX, strlen(BG_SHIPPED_PREFIX)) != 0)
		return NULL;
	for (int i = 0; i < nshipped; i++)
		if (strcmp(shipped[i].text, text) == 0)
			return shipped[i].tmpl;
	if (nshipped == SHIPPED_CACHE_SIZE)
	{
		for (int i = 0; i < nshipped; i++)
			MemoryContextDelete(shipped[i].cxt);
		nshipped = 0;
		bg_catalog_generation++;
	}
	/* freed with the caller's context if decoding fails */
	cxt = AllocSetContextCreate(CurrentMemoryContext, "bg shipped template",
								ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	t = decode(text);
	MemoryContextSwitchTo(old);
	MemoryContextSetParent(cxt, CacheMemoryContext);
	shipped[nshipped].text = t->name;
	shipped[nshipped].tmpl = t;
	shipped[nshipped].cxt = cxt;
	nshipped++;
	return t;
}

/* ---- the coordinator's rewrite ---------------------------------------- */

typedef struct ShipContext
{
	ParamListInfo params;
	bool		changed;
} ShipContext;

/*
 * The shipped form of template argument arg (a constant or a bound
 * parameter naming an existing template), or arg as it is.
 */
static Node *
ship_arg(ShipContext *ctx, Node *arg)
{
	char	   *name = NULL;
	BgTemplate *t;

	if (IsA(arg, Const) && ((Const *) arg)->consttype == TEXTOID && !((Const *) arg)->constisnull)
		name = TextDatumGetCString(((Const *) arg)->constvalue);
	else if (IsA(arg, Param) && ((Param *) arg)->paramkind == PARAM_EXTERN &&
			 ((Param *) arg)->paramtype == TEXTOID && ctx->params != NULL &&
			 ctx->params->paramFetch == NULL)
	{
		int			id = ((Param *) arg)->paramid;

		if (id >= 1 && id <= ctx->params->numParams &&
			ctx->params->params[id - 1].ptype == TEXTOID &&
			!ctx->params->params[id - 1].isnull)
			name = TextDatumGetCString(ctx->params->params[id - 1].value);
	}
	if (name == NULL || strncmp(name, BG_SHIPPED_PREFIX, strlen(BG_SHIPPED_PREFIX)) == 0)
		return arg;
	t = bg_template_lookup(name);
	if (t == NULL)
		return arg;				/* the evaluator reports it */
	ctx->changed = true;
	return (Node *) makeConst(TEXTOID, -1, exprCollation(arg), -1,
							  CStringGetTextDatum(bg_template_ship(t)), false, false);
}

/* The transition function's symbol of aggregate aggfnoid, if bg's. */
static const char *
bg_aggregate_kind(Oid aggfnoid)
{
	static const char *const symbols[] = {"bg_tally_person_trans", "bg_tally_role_trans",
	"bg_tally_position_trans"};
	HeapTuple	tup = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(aggfnoid));
	Oid			transfn;

	if (!HeapTupleIsValid(tup))
		return NULL;
	transfn = ((Form_pg_aggregate) GETSTRUCT(tup))->aggtransfn;
	ReleaseSysCache(tup);
	for (int i = 0; i < (int) lengthof(symbols); i++)
		if (bg_is_module_symbol(transfn, symbols[i]))
			return symbols[i];
	return NULL;
}

/* bg's function nsp.name(text, argtype) if it is the C symbol, or InvalidOid. */
static Oid
bg_function(Oid nsp, const char *name, Oid argtype, const char *symbol)
{
	Oid			argtypes[2] = {TEXTOID, argtype};
	Oid			oid;

	oid = LookupFuncName(list_make2(makeString(get_namespace_name(nsp)), makeString(pstrdup(name))),
						 2, argtypes, true);
	return OidIsValid(oid) && bg_is_module_symbol(oid, symbol) ? oid : InvalidOid;
}

/*
 * For a person aggregate agg(T, p): the role-text aggregate agg(T, text) in
 * *aggoid and bg.role_for(T, p) as its second argument, or NULL.
 */
static Node *
role_text_form(Oid aggfnoid, Node *tmpl, Node *person, Oid *aggoid)
{
	Oid			nsp = get_func_namespace(aggfnoid);
	Oid			role_for = bg_function(nsp, "role_for", ANYELEMENTOID, "bg_role_for");
	Oid			agg = InvalidOid;
	Oid			argtypes[2] = {TEXTOID, TEXTOID};

	if (!OidIsValid(role_for))
		return NULL;
	agg = LookupFuncName(list_make2(makeString(get_namespace_name(nsp)),
									makeString(get_func_name(aggfnoid))),
						 2, argtypes, true);
	if (!OidIsValid(agg) || bg_aggregate_kind(agg) == NULL ||
		strcmp(bg_aggregate_kind(agg), "bg_tally_role_trans") != 0)
		return NULL;
	*aggoid = agg;
	return (Node *) makeFuncExpr(role_for, TEXTOID, list_make2(copyObject(tmpl), person),
								 DEFAULT_COLLATION_OID, exprCollation(tmpl),
								 COERCE_EXPLICIT_CALL);
}

static bool
ship_walker(Node *node, ShipContext *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, ship_walker, ctx, 0);
	if (IsA(node, FuncExpr))
	{
		FuncExpr   *f = (FuncExpr *) node;

		if (list_length(f->args) == 2 &&
			(bg_is_module_symbol(f->funcid, "bg_role_for") ||
			 bg_is_module_symbol(f->funcid, "bg_explain_role") ||
			 bg_is_module_symbol(f->funcid, "bg_role_position") ||
			 bg_is_module_symbol(f->funcid, "bg_counts_role_counts") ||
			 bg_is_module_symbol(f->funcid, "bg_counts_completeness") ||
			 bg_is_module_symbol(f->funcid, "bg_counts_role_completeness") ||
			 bg_is_module_symbol(f->funcid, "bg_counts_missing_roles") ||
			 bg_is_module_symbol(f->funcid, "bg_role_name_position") ||
			 bg_is_module_symbol(f->funcid, "bg_packed_role_position") ||
			 bg_is_module_symbol(f->funcid, "bg_packed_role_name_position") ||
			 bg_is_module_symbol(f->funcid, "bg_packed_counts_completeness") ||
			 bg_is_module_symbol(f->funcid, "bg_packed_counts_role_completeness") ||
			 bg_is_module_symbol(f->funcid, "bg_packed_counts_missing_roles")))
			linitial(f->args) = ship_arg(ctx, linitial(f->args));
	}
	else if (IsA(node, Aggref))
	{
		Aggref	   *a = (Aggref *) node;
		/* the arguments, then any ORDER BY expressions (resjunk) */
		const char *kind = list_length(a->aggargtypes) == 2 && list_length(a->args) >= 2 ?
			bg_aggregate_kind(a->aggfnoid) : NULL;

		if (kind)
		{
			TargetEntry *tmpl = linitial(a->args);
			TargetEntry *person = lsecond(a->args);
			Oid			agg;
			Node	   *role;

			tmpl->expr = (Expr *) ship_arg(ctx, (Node *) tmpl->expr);
			/* not under DISTINCT or ORDER BY: distinct roles are not distinct people */
			if (strcmp(kind, "bg_tally_person_trans") == 0 &&
				a->aggdistinct == NIL && a->aggorder == NIL &&
				(role = role_text_form(a->aggfnoid, (Node *) tmpl->expr,
									   (Node *) person->expr, &agg)) != NULL)
			{
				person->expr = (Expr *) role;
				a->aggfnoid = agg;
				lsecond_oid(a->aggargtypes) = TEXTOID;
				ctx->changed = true;
			}
		}
	}
	else if (IsA(node, WindowFunc))
	{
		WindowFunc *w = (WindowFunc *) node;
		const char *kind = list_length(w->args) == 2 ? bg_aggregate_kind(w->winfnoid) : NULL;

		if (kind)
		{
			Oid			agg;
			Node	   *role;

			linitial(w->args) = ship_arg(ctx, linitial(w->args));
			if (strcmp(kind, "bg_tally_person_trans") == 0 &&
				(role = role_text_form(w->winfnoid, linitial(w->args),
									   lsecond(w->args), &agg)) != NULL)
			{
				lsecond(w->args) = role;
				w->winfnoid = agg;
				ctx->changed = true;
			}
		}
	}
	return expression_tree_walker(node, ship_walker, ctx);
}

/*
 * When parse reads a table Citus manages: ships the templates of bg's
 * evaluation calls and rewrites person aggregates to their role-text form.
 * Returns whether anything changed (the plan then depends on bg's catalog).
 */
bool
bg_citus_rewrite(Query *parse, ParamListInfo params)
{
	ShipContext ctx = {params, false};

	if (!bg_citus_query(parse))
		return false;
	(void) ship_walker((Node *) parse, &ctx);
	/* one role evaluation per template and person (plan_shared_tally.c) */
	if (bg_shared_tally_rewrite(parse))
		ctx.changed = true;
	return ctx.changed;
}

/* ---- bg's tables are the coordinator's -------------------------------- */

/* bg_internal._citus_table(regclass): whether Citus manages the table. */
PG_FUNCTION_INFO_V1(bg_citus_table_sql);
Datum
bg_citus_table_sql(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(bg_citus_table(PG_GETARG_OID(0)));
}

/*
 * Statement trigger on bg's tables: no change in a backend that Citus
 * opened on a worker to run shard queries (Citus names those connections
 * "citus_internal gpid=...").  bg's tables there are not the coordinator's.
 */
PG_FUNCTION_INFO_V1(bg_refuse_on_worker);
Datum
bg_refuse_on_worker(PG_FUNCTION_ARGS)
{
	const char *app = GetConfigOption("application_name", true, false);

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("bg_refuse_on_worker() must be called as a trigger")));
	if (app != NULL && strncmp(app, "citus_internal gpid=", strlen("citus_internal gpid=")) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("bg's tables cannot be changed on a Citus worker"),
				 errdetail("Citus sent a statement that calls a bg function changing table %s to a worker, whose copy of bg's tables is not the coordinator's.",
						   RelationGetRelationName(((TriggerData *) fcinfo->context)->tg_relation)),
				 errhint("Call bg's managed functions in a statement of their own, not in a query on a distributed table.")));
	return PointerGetDatum(NULL);
}
