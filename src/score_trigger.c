/*
 * score_trigger.c — the member triggers that keep stored scores exact,
 * bg_internal._members_changed (docs/design.md §6.6, §13.3).
 *
 * Every statement that writes bg_internal.member fires them once per
 * operation: they recount every group the statement touched, once, its
 * rows locked in id order first (bg_internal._rescore), then check the new
 * rows (the group exists, the role is in its template).  The PL/pgSQL
 * trigger they were cost live mode more than its statements: two firings
 * per apply (its insert and its update), each with its setting of
 * search_path, a statement to see whether it wrote anything, one to gather
 * the groups, bg_internal._rescore's layers.  In C, for a statement of at
 * most 100 rows a side on bg's member table:
 *
 *  - nothing written, or a creation job's insert (the score guard): return
 *    at once, as before;
 *  - the groups are the distinct group ids of the transition tables;
 *  - in live mode, for up to 100 groups, they are locked and recounted by
 *    bg_internal._rescore's statements kept planned (plan_cache.c);
 *    otherwise bg_internal._rescore is called;
 *  - the new rows are checked by bg_internal._member_check_sql(), kept
 *    planned over the transition table, and a wrong row is reported by
 *    bg_internal._reject_member, as before.
 *
 * Any other firing (TRUNCATE, more rows, another table) is the PL/pgSQL
 * trigger's, kept as bg_internal._members_changed_general.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "bg_trigger.h"
#include "plan_cache.h"
#include "score_guard.h"

/* as bg_internal._rescore: up to this many groups, live mode's kept plans */
#define RESCORE_FEW_GROUPS 100

static int
int8_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y;
}

/*
 * The distinct group ids of the rows the statement wrote (new rows of an
 * insert or update, old rows of an update or delete), in *n.
 */
static int64 *
touched_groups(TriggerData *td, int64 *n)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	int64		nold = 0,
				nnew = 0;
	int64	   *olds = NULL,
			   *news = NULL,
			   *all;
	int64		k = 0;

	if (td->tg_oldtable != NULL)
		olds = bg_transition_int8(td->tg_oldtable, desc, "group_id", &nold);
	if (td->tg_newtable != NULL)
		news = bg_transition_int8(td->tg_newtable, desc, "group_id", &nnew);
	all = palloc(sizeof(int64) * Max(nold + nnew, 1));
	if (nold > 0)
		memcpy(all, olds, sizeof(int64) * nold);
	if (nnew > 0)
		memcpy(all + nold, news, sizeof(int64) * nnew);
	if (nold + nnew > 1)
		qsort(all, nold + nnew, sizeof(int64), int8_cmp);
	for (int64 i = 0; i < nold + nnew; i++)
		if (i == 0 || all[i] != all[i - 1])
			all[k++] = all[i];
	*n = k;
	return all;
}

/*
 * bg_internal._rescore(groups), inside the caller's SPI connection: in
 * live mode, for a few groups, by its statements kept planned (the lock,
 * then the recount); else the function itself.
 */
static void
rescore(int64 *groups, int64 n)
{
	Datum	   *elems;
	Datum		arg;
	Oid			argtype = INT8ARRAYOID;
	const char *source = bg_event_source_now();

	if (n == 0)
		return;
	elems = palloc(sizeof(Datum) * n);
	for (int64 i = 0; i < n; i++)
		elems[i] = Int64GetDatum(groups[i]);
	arg = PointerGetDatum(construct_array(elems, (int) n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	if (n <= RESCORE_FEW_GROUPS && source != NULL && strcmp(source, "live") == 0)
	{
		SPIPlanPtr	lock = bg_kept_plan("rescore:lock", 0);
		SPIPlanPtr	recount = bg_kept_plan("rescore", 0);

		/* "= ANY": an index scan in the kept plan; the rows in id order */
		if (lock == NULL)
			lock = bg_kept_plan_prepare("rescore:lock",
										"SELECT FROM bg_internal.buying_group g WHERE g.id = ANY ($1)"
										" ORDER BY g.id FOR NO KEY UPDATE",
										1, &argtype, 0);
		if (recount == NULL)
		{
			bool		isnull;
			int			rc = SPI_execute("SELECT bg_internal._rescore_sql()", false, 0);
			Datum		sql;

			if (rc != SPI_OK_SELECT || SPI_processed != 1)
				elog(ERROR, "bg: reading the recount's statement failed: %s", SPI_result_code_string(rc));
			sql = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
			if (isnull)
				elog(ERROR, "bg: the recount's statement is NULL");
			recount = bg_kept_plan_prepare("rescore", TextDatumGetCString(sql), 1, &argtype, 0);
		}
		bg_kept_plan_execute("rescore:lock", lock, 1, &argtype, &arg, " ", 0, NULL);
		bg_kept_plan_execute("rescore", recount, 1, &argtype, &arg, " ", 0, NULL);
	}
	else
	{
		int			rc = SPI_execute_with_args("SELECT bg_internal._rescore($1)", 1, &argtype, &arg, NULL,
											   false, 0);

		if (rc != SPI_OK_SELECT)
			elog(ERROR, "bg: recounting stored scores failed: %s", SPI_result_code_string(rc));
	}
}

/*
 * Checks the new rows (bg_internal._member_check_sql(), kept planned over
 * the transition table new_rows for this row type), inside the caller's
 * SPI connection with the trigger data registered; a wrong row is
 * bg_internal._reject_member's error.
 */
static void
check_new_rows(TriggerData *td)
{
	uint32		tag = bg_trigger_members_tag(td);
	SPIPlanPtr	check = bg_kept_plan("members:check", tag);
	Oid			cols[5] = {INT8OID, INT4OID, INT8OID, TEXTOID, TEXTOID};
	/* bg_internal._reject_member(group, existing group, role id, role, template) */
	Oid			argtypes[5] = {INT8OID, INT8OID, INT4OID, TEXTOID, TEXTOID};
	int			arg_cols[5] = {1, 3, 2, 4, 5};
	Datum		args[5];
	char		nulls[5];
	int			rc;

	if (check == NULL)
	{
		bool		isnull;
		Datum		sql;

		rc = SPI_execute("SELECT bg_internal._member_check_sql()", false, 0);
		if (rc != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "bg: reading the member check failed: %s", SPI_result_code_string(rc));
		sql = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		if (isnull)
			elog(ERROR, "bg: the member check is NULL");
		check = bg_kept_plan_prepare("members:check", TextDatumGetCString(sql), 0, NULL, tag);
	}
	bg_kept_plan_execute("members:check", check, 0, NULL, NULL, NULL, 5, cols);
	if (SPI_processed == 0)
		return;
	for (int i = 0; i < 5; i++)
	{
		bool		isnull;

		args[i] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, arg_cols[i], &isnull);
		nulls[i] = isnull ? 'n' : ' ';
	}
	if (nulls[0] == 'n')
		return;					/* bg_internal._reject_member returns for it */
	rc = SPI_execute_with_args("SELECT bg_internal._reject_member($1, $2, $3, $4, $5)", 5, argtypes, args, nulls,
							   false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "bg: checking new members failed: %s", SPI_result_code_string(rc));
}

/* bg_internal._members_changed() RETURNS trigger */
PG_FUNCTION_INFO_V1(bg_members_changed);
Datum
bg_members_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td = bg_trigger_data(fcinfo, "bg_members_changed");
	bool		ins = TRIGGER_FIRED_BY_INSERT(td->tg_event);
	bool		upd = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	int64	   *groups;
	int64		ngroups;
	int			level;
	int			rc;
	Datum		result;

	if (!bg_member_trigger_start(fcinfo, td, "_members_changed_general", &result))
		return result;
	if (ins && bg_score_guard_get())
	{
		bg_score_guard_set(false);	/* bg.create_buying_groups stores them with the groups */
		return PointerGetDatum(NULL);
	}
	/* a statement that wrote no member has nothing to check */
	if ((ins || upd) && tuplestore_tuple_count(td->tg_newtable) == 0)
		return PointerGetDatum(NULL);
	if (!bg_trigger_few_rows(td))
		return bg_trigger_fire_general(fcinfo, "_members_changed_general");

	groups = touched_groups(td, &ngroups);
	level = bg_spi_begin();
	/*
	 * recount first: that locks the groups, so the check below sees a group
	 * that a concurrent transaction deleted (and the error undoes the recount)
	 */
	rescore(groups, ngroups);
	if (ins || upd)
	{
		if ((rc = SPI_register_trigger_data(td)) != SPI_OK_TD_REGISTER)
			elog(ERROR, "SPI_register_trigger_data failed: %s", SPI_result_code_string(rc));
		check_new_rows(td);
	}
	bg_spi_end(level);
	return PointerGetDatum(NULL);
}
