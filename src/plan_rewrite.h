/*
 * plan_rewrite.h — passes only the needed columns of a person row to bg.
 */
#ifndef BG_PLAN_REWRITE_H
#define BG_PLAN_REWRITE_H

extern void bg_plan_rewrite_init(void);
extern bool bg_is_module_symbol(Oid funcid, const char *symbol);
extern bool bg_is_module_aggregate(Oid aggfnoid, const char *symbol);

#endif							/* BG_PLAN_REWRITE_H */
