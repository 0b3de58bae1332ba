/*
 * eval_flat.h — a compiled template's roles evaluated as one straight pass
 * per row: every predicate into a bit, every role from its predicates' bits
 * by a truth table, the roles tried in priority order.
 */
#ifndef BG_EVAL_FLAT_H
#define BG_EVAL_FLAT_H

#include "postgres.h"

#include "cond_eval.h"

/* Above these a template is evaluated by walking its conditions' trees. */
#define BG_FLAT_MAX_PREDS 64	/* predicates of the whole template */
#define BG_FLAT_MAX_ROLE_PREDS 10	/* predicates of one role (1024 entries) */

typedef struct BgFlat BgFlat;

/* bg.flat_roles: off evaluates every template by its trees */
extern bool bg_flat_enabled;

extern BgFlat *bg_flat_compile(BgEval *ev);
extern int	bg_flat_role(BgEval *ev);

#endif							/* BG_EVAL_FLAT_H */
