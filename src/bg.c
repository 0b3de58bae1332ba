/*
 * bg.c — module entry: the magic block and _PG_init.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"
#include "utils/plancache.h"

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

	/*
	 * The statements this session planned before the library was loaded
	 * were planned without the hook: a prepared statement (PREPARE, a
	 * driver's named statement, PL/pgSQL's) would keep its whole-row plan
	 * for the session.  Marking every cached plan stale makes the next
	 * execution plan them again, once, with it.
	 */
	ResetPlanCache();
}
