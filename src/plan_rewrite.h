/*
 * plan_rewrite.h — passes only the needed columns of a person row to bg.
 */
#ifndef BG_PLAN_REWRITE_H
#define BG_PLAN_REWRITE_H

#include "nodes/parsenodes.h"
#include "nodes/primnodes.h"

extern void bg_plan_rewrite_init(void);
extern bool bg_is_module_symbol(Oid funcid, const char *symbol);
extern bool bg_is_module_aggregate(Oid aggfnoid, const char *symbol);
extern Oid	bg_aggregate_fn(Oid aggfnoid, bool final);

/* plan_null_person.c: a narrowed row on an outer join's nullable side */
extern Node *bg_null_person_guard(Query *q, Var *person, Oid relid, Node *row);

/* plan_packed.c: the twin aggregates of one query level, packed */
extern void bg_packed_rewrite(List *aggs, List *fits);

/* plan_shared_tally.c: the scoring aggregates of a Citus query, shared */
extern bool bg_shared_tally_rewrite(Query *parse);

#endif							/* BG_PLAN_REWRITE_H */
