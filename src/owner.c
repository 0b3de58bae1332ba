/*
 * owner.c — where bg's tables are, and the switch to the extension's owner
 * for the C code that reads them.
 *
 * bg's tables live in schema bg_internal, on which no role but the
 * extension's owner has any privilege (docs/design.md §11).  The evaluation
 * functions (bg.role_for, the scoring aggregates, bg.check_condition) run
 * with their caller's rights, so the few fixed catalog queries they make
 * run as the owner of bg_internal, inside a security-restricted operation,
 * as PostgreSQL runs maintenance commands as a table's owner.  Before 0.3.0
 * the tables were in schema bg: an install whose SQL objects are not yet
 * updated (ALTER EXTENSION bg UPDATE) still finds them there.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "owner.h"

/* bg_internal, or bg for an install not yet updated to 0.3.0. */
Oid
bg_catalog_schema_oid(void)
{
	Oid			nsp = get_namespace_oid("bg_internal", true);

	return OidIsValid(nsp) ? nsp : get_namespace_oid("bg", true);
}

const char *
bg_catalog_schema(void)
{
	return OidIsValid(get_namespace_oid("bg_internal", true)) ? "bg_internal" : "bg";
}

/* The OID of bg's relation name (a table or sequence); an error when missing. */
Oid
bg_catalog_relation(const char *name)
{
	Oid			nsp = bg_catalog_schema_oid();
	Oid			rel = OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;

	if (!OidIsValid(rel))
		elog(ERROR, "bg's relation %s is missing", name);
	return rel;
}

/* The owner of bg's catalog schema (the extension's owner). */
Oid
bg_catalog_owner(void)
{
	Oid			nsp = bg_catalog_schema_oid();
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(nsp))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema bg_internal does not exist"),
				 errhint("Install bg with CREATE EXTENSION bg.")));
	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nsp));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for schema %u", nsp);
	owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
	ReleaseSysCache(tup);
	return owner;
}

/* Runs as the owner of bg's catalog schema until bg_restore_user. */
void
bg_become_owner(BgSavedUser *saved)
{
	Oid			owner = bg_catalog_owner();

	GetUserIdAndSecContext(&saved->userid, &saved->sec_context);
	SetUserIdAndSecContext(owner, saved->sec_context |
						   SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
}

/*
 * Gives back the caller's identity.  An error in between needs no call:
 * aborting the (sub)transaction restores it.
 */
void
bg_restore_user(const BgSavedUser *saved)
{
	SetUserIdAndSecContext(saved->userid, saved->sec_context);
}

/*
 * The function bg_internal.<name>(text[, text]), found as bg's owner (the
 * caller has no USAGE on bg_internal), to call as the caller: the filters
 * of bg's views (view_filter.c), which are EXECUTE to PUBLIC.  flinfo lives
 * in cxt, and is one call site of the function (its fn_extra).
 */
void
bg_internal_function(const char *name, int nargs, FmgrInfo *flinfo, MemoryContext cxt)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	BgSavedUser saved;
	Oid			fn;

	Assert(nargs >= 0 && nargs <= 2);
	bg_become_owner(&saved);
	fn = LookupFuncName(list_make2(makeString(pstrdup(bg_catalog_schema())), makeString(pstrdup(name))),
						nargs, argtypes, false);
	bg_restore_user(&saved);
	fmgr_info_cxt(fn, flinfo, cxt);
}

/* The filter of bg's views for kind, its functions looked up in cxt. */
void
bg_view_filter_init(BgViewFilter *f, const char *kind, MemoryContext cxt)
{
	FmgrInfo	sees_all;

	f->kind = CStringGetTextDatum(kind);
	bg_internal_function("_sees_all", 1, &sees_all, cxt);
	f->all = DatumGetBool(FunctionCall1(&sees_all, f->kind));
	if (!f->all)
		bg_internal_function("_visible", 2, &f->visible, cxt);
}

/* Whether the caller may SELECT the row of key (a NULL key: no). */
bool
bg_view_filter_passes(BgViewFilter *f, Datum key, bool isnull)
{
	if (isnull)
		return false;
	return f->all || DatumGetBool(FunctionCall2(&f->visible, f->kind, key));
}
