/*
 * bg.c — module entry: the magic block and _PG_init.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "plan_rewrite.h"
#include "score_guard.h"
#include "template_cache.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	bg_template_cache_init();
	bg_plan_rewrite_init();
	bg_score_guard_init();
	MarkGUCPrefixReserved("bg");
}
