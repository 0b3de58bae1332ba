/*
 * plan_cache.h — statements kept planned per backend until bg's catalog
 * changes (plan_cache.c), for bg's C code that runs them directly.
 */
#ifndef BG_PLAN_CACHE_H
#define BG_PLAN_CACHE_H

#include "postgres.h"

#include "executor/spi.h"

extern SPIPlanPtr bg_kept_plan(const char *key, uint32 tag);
extern SPIPlanPtr bg_kept_plan_prepare(const char *key, const char *query, int nargs, Oid *argtypes, uint32 tag);
extern void bg_kept_plan_execute(const char *key, SPIPlanPtr plan, int nargs, const Oid *argtypes,
								 Datum *values, const char *nulls, int ncols, const Oid *coltypes);

#endif							/* BG_PLAN_CACHE_H */
