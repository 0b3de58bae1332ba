/*
 * plan_args.h — the planner hook's twins: bg.role_for and the person
 * aggregates called with the template's columns as separate arguments.
 */
#ifndef BG_PLAN_ARGS_H
#define BG_PLAN_ARGS_H

#include "postgres.h"

#include "nodes/parsenodes.h"

extern List *bg_column_vars(Var *person, RangeTblEntry *rte, List *names);
extern bool bg_rel_nullable(Query *q, int rtindex);
extern bool bg_args_rewrite(Node *call, Query *q, Var *person, RangeTblEntry *rte, List *names);

#endif							/* BG_PLAN_ARGS_H */
