/*
 * owner.h — bg's catalog schema and reading it with the rights of the
 * extension's owner (docs/design.md §11).
 */
#ifndef BG_OWNER_H
#define BG_OWNER_H

#include "postgres.h"
#include "fmgr.h"

/* The identity in effect before bg_become_owner, to give back. */
typedef struct BgSavedUser
{
	Oid			userid;
	int			sec_context;
} BgSavedUser;

extern const char *bg_catalog_schema(void);
extern Oid	bg_catalog_schema_oid(void);
extern Oid	bg_catalog_owner(void);
extern void bg_become_owner(BgSavedUser *saved);
extern void bg_restore_user(const BgSavedUser *saved);
extern void bg_internal_function(const char *name, int nargs, FmgrInfo *flinfo, MemoryContext cxt);

#endif							/* BG_OWNER_H */
