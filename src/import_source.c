/*
 * import_source.c — bg.import_members reads the table the user filled
 * (COPY) as the table's owner, like every read of a user's table
 * (docs/design.md §11).  So that no role reads through an import what it
 * could not read itself, the role that calls bg.import_members must be able
 * to SELECT the whole table, with no row-level security hiding rows from it.
 *
 * bg.import_members is SECURITY DEFINER: the role that called it is the
 * outer user (the session's current role, as SET ROLE set it), not the
 * current one.
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"

/*
 * bg_internal._require_source_select(rel regclass) RETURNS void: errors
 * (42501) unless the calling role may SELECT every row of rel.
 */
PG_FUNCTION_INFO_V1(bg_require_source_select);
Datum
bg_require_source_select(PG_FUNCTION_ARGS)
{
	Oid			rel = PG_GETARG_OID(0);
	Oid			caller = GetOuterUserId();
	char	   *relname = get_rel_name(rel);

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table with OID %u does not exist", rel)));
	if (pg_class_aclcheck(rel, caller, ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s", relname),
				 errdetail("An import reads every column of its source table."),
				 errhint("Grant SELECT on the table to the role that imports.")));
	if (check_enable_rls(rel, caller, true) == RLS_ENABLED)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("row-level security applies to table %s", relname),
				 errdetail("An import reads every row of its source table, and a policy hides some from the role that imports."),
				 errhint("Import from a table without row-level security for that role.")));
	PG_RETURN_VOID();
}
