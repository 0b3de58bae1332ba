/*
 * bg.c — module entry: the magic block and _PG_init.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/plancache.h"

#include "bg_trigger.h"
#include "eval_flat.h"
#include "event_batch.h"
#include "plan_rewrite.h"
#include "score_guard.h"
#include "template_cache.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * bg.event_source: the context of a writer of buying groups (sync, live or
 * job), set by the SET clause of bg's own functions and read by the
 * triggers that write events (sql/bg/events.sql).  Superuser only, so a
 * caller cannot relabel its own changes.
 */
static char *bg_event_source = NULL;

void
_PG_init(void)
{
	bg_template_cache_init();
	bg_plan_rewrite_init();
	bg_score_guard_init();
	bg_event_batch_init();
	DefineCustomStringVariable("bg.event_source",
							   "Context of the writer whose changes bg's events record.",
							   "Set by bg's functions; empty for direct calls.",
							   &bg_event_source, "", PGC_SUSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);
	DefineCustomBoolVariable("bg.flat_roles",
							 "Evaluates each template's roles in one straight pass where it can.",
							 "Off walks the conditions' trees instead: the same answers, for comparison.",
							 &bg_flat_enabled, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
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

/*
 * bg_internal._event_context() RETURNS text: bg.event_source, or NULL when
 * empty.  In C: the event writers ask on every statement, and an SQL
 * function with a SET clause is planned on every call.
 */
PG_FUNCTION_INFO_V1(bg_event_context);
Datum
bg_event_context(PG_FUNCTION_ARGS)
{
	const char *source = bg_event_source_now();

	if (source == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(source));
}

/* bg.event_source, or NULL when empty (bg_internal._event_context in C). */
const char *
bg_event_source_now(void)
{
	return bg_event_source == NULL || bg_event_source[0] == '\0' ? NULL : bg_event_source;
}
