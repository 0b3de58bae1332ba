/*
 * score_guard.c — lets bg.create_buying_groups tell the member trigger that
 * the statement it is about to run stores the scores of the groups it
 * creates itself (computed from the same rows), so the trigger need not
 * recount 1.6 million members a second time.
 *
 * The mark is per backend, consumed by the next firing of the trigger, and
 * cleared at the end of every (sub)transaction, so an error cannot leave it
 * set.  It is not a setting: only bg's own functions set it.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/guc.h"

#include "access/xact.h"
#include "fmgr.h"

#include "score_guard.h"

static bool scores_stored = false;

static void
clear_mark(XactEvent event pg_attribute_unused(), void *arg pg_attribute_unused())
{
	scores_stored = false;
}

static void
clear_mark_sub(SubXactEvent event, SubTransactionId mySubid pg_attribute_unused(),
			   SubTransactionId parentSubid pg_attribute_unused(), void *arg pg_attribute_unused())
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		scores_stored = false;
}

void
bg_score_guard_init(void)
{
	RegisterXactCallback(clear_mark, NULL);
	RegisterSubXactCallback(clear_mark_sub, NULL);
}

/*
 * The mark, and setting it back: a read of a user's table inside the job's
 * statement (bg_internal._read) may run the user's code, whose aborted
 * subtransactions clear the mark; the read gives it back when it ends.
 */
bool
bg_score_guard_get(void)
{
	return scores_stored;
}

void
bg_score_guard_set(bool on)
{
	scores_stored = on;
}

/* bg_internal._scores_stored(on boolean) RETURNS void: sets or clears the mark */
PG_FUNCTION_INFO_V1(bg_set_scores_stored);
Datum
bg_set_scores_stored(PG_FUNCTION_ARGS)
{
	scores_stored = PG_GETARG_BOOL(0);
	PG_RETURN_VOID();
}

/* bg_internal._take_scores_stored() RETURNS boolean: the mark, cleared */
PG_FUNCTION_INFO_V1(bg_take_scores_stored);
Datum
bg_take_scores_stored(PG_FUNCTION_ARGS)
{
	bool		was = scores_stored;

	scores_stored = false;
	PG_RETURN_BOOL(was);
}

/*
 * bg_internal._restoring() RETURNS boolean: whether a superuser's session
 * is loading a dump (check_function_bodies off, as pg_dump's scripts set
 * it); any user may turn the setting off, but only a superuser's session
 * restores bg.  In C: the member triggers ask on every statement.
 */
bool
bg_restoring_now(void)
{
	return !check_function_bodies && superuser_arg(GetSessionUserId());
}

PG_FUNCTION_INFO_V1(bg_restoring);
Datum
bg_restoring(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(bg_restoring_now());
}
