/*
 * eval_args.h — a roles template evaluated over a person given as column
 * values: the twins of bg.role_for and of the person aggregates, over
 * (template text, columns text[], VARIADIC values "any"), that the planner
 * hook calls instead of forming a row per person (src/plan_args.c).
 */
#ifndef BG_EVAL_ARGS_H
#define BG_EVAL_ARGS_H

#include "postgres.h"

#include "fmgr.h"

#include "cond_eval.h"

extern BgEval *bg_eval_for_args(FunctionCallInfo fcinfo, int tmpl_argno, bool *person);

#endif							/* BG_EVAL_ARGS_H */
