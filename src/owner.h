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
extern Oid	bg_catalog_relation(const char *name);
extern Oid	bg_catalog_owner(void);
extern void bg_become_owner(BgSavedUser *saved);
extern void bg_restore_user(const BgSavedUser *saved);
extern void bg_internal_function(const char *name, int nargs, FmgrInfo *flinfo, MemoryContext cxt);

/*
 * The filter of bg's views for the bound table of kind ("people",
 * "accounts"), as the caller: whether it may SELECT the row of a key.
 */
typedef struct BgViewFilter
{
	bool		all;			/* _sees_all(kind) */
	FmgrInfo	visible;		/* _visible, one call site */
	Datum		kind;
} BgViewFilter;

extern void bg_view_filter_init(BgViewFilter *f, const char *kind, MemoryContext cxt);
extern bool bg_view_filter_passes(BgViewFilter *f, Datum key, bool isnull);

#endif							/* BG_OWNER_H */
