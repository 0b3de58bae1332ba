/*
 * read_as_owner.h — reading a user's table as its owner, in a
 * security-restricted operation (read_as_owner.c): shared by
 * bg_internal._read and bg_internal._read_engagement.
 */
#ifndef BG_READ_AS_OWNER_H
#define BG_READ_AS_OWNER_H

#include "postgres.h"

#include "fmgr.h"
#include "tcop/dest.h"
#include "utils/tuplestore.h"

struct ParseState;

extern void bg_read_require_catalog_owner(const char *fname);
extern Oid	bg_read_owner(Oid relid, Oid *rowtype);
extern void bg_read_parser_setup(struct ParseState *pstate, void *arg);
extern void bg_read_column_check(int i, Oid got, Oid want);
extern MemoryContext bg_read_srf_begin(FunctionCallInfo fcinfo, Oid relid, Oid *owner, Oid *rowtype,
									   DestReceiver *dest,
									   bool (*receive) (TupleTableSlot *, DestReceiver *),
									   void (*startup) (DestReceiver *, int, TupleDesc),
									   Tuplestorestate **store, TupleDesc *desc);
extern void bg_read_run(Oid relid, const char *query, Datum keys, bool keys_null, Oid owner,
						DestReceiver *dest);

#endif							/* BG_READ_AS_OWNER_H */
