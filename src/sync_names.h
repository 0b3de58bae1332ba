/*
 * sync_names.h — the groups of a sync whose names no longer follow their
 * account's name (sync_names.c), for sync_diff.c.
 */
#ifndef BG_SYNC_NAMES_H
#define BG_SYNC_NAMES_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "executor/tuptable.h"

typedef struct BgSyncNames BgSyncNames;

extern BgSyncNames *bg_sync_names_start(MemoryContext cxt, TupleDesc desc, int attno, const char *interest);
extern void bg_sync_names_group(BgSyncNames *n, TupleTableSlot *slot, int32 group);
extern void bg_sync_names_renumber(BgSyncNames *n, const int32 *renum);
extern void bg_sync_names_read(BgSyncNames *n, Oid relid, const char *query, text *filter,
							   void (*renamed) (void *arg, int32 group), void *arg, MemoryContext rowcxt);

#endif							/* BG_SYNC_NAMES_H */
