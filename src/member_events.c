/*
 * member_events.c — the event triggers of bg_internal.member,
 * bg_internal._change_events (docs/design.md §7.3).
 *
 * Every statement that writes members writes their events
 * (member_assigned, role_changed, member_removed) into the transaction's
 * batch, by one statement over its transition tables
 * (bg_internal._member_events_sql).  In PL/pgSQL that was a trigger per
 * operation with its own setting of search_path and a statement to see
 * whether anything was written, twice per apply of live mode (its insert
 * and its update).  In C, for a statement of at most 100 rows a side on
 * bg's member table: nothing written (or a creation job's insert, whose
 * members group_created announces) returns at once, as before; otherwise
 * the statement runs, kept planned over the transition tables (per
 * operation, for this row type of the table).  Any other firing, and
 * bg_internal.buying_group's group_deleted, is the PL/pgSQL trigger's, kept
 * as bg_internal._change_events_general.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "bg_trigger.h"
#include "plan_cache.h"

/* bg_internal._change_events() RETURNS trigger */
PG_FUNCTION_INFO_V1(bg_change_events);
Datum
bg_change_events(PG_FUNCTION_ARGS)
{
	TriggerData *td = bg_trigger_data(fcinfo, "bg_change_events");
	const char *source = bg_event_source_now();
	const char *op;
	bool		ins,
				upd;
	char		key[32];
	uint32		tag;
	SPIPlanPtr	plan;
	Oid			argtype = TEXTOID;
	Datum		arg = source == NULL ? (Datum) 0 : CStringGetTextDatum(source);
	int			level;
	int			rc;
	Datum		result;

	if (!bg_member_trigger_start(fcinfo, td, "_change_events_general", &result))
		return result;
	ins = TRIGGER_FIRED_BY_INSERT(td->tg_event);
	upd = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	op = ins ? "INSERT" : upd ? "UPDATE" : "DELETE";
	/* a creation job's members are announced by group_created */
	if (ins && source != NULL && strcmp(source, "job") == 0)
		return PointerGetDatum(NULL);
	/* (live mode's apply fires the insert and update triggers whatever it wrote) */
	if ((ins || upd) && tuplestore_tuple_count(td->tg_newtable) == 0)
		return PointerGetDatum(NULL);
	if (!bg_trigger_few_rows(td))
		return bg_trigger_fire_general(fcinfo, "_change_events_general");

	level = bg_spi_begin();
	if ((rc = SPI_register_trigger_data(td)) != SPI_OK_TD_REGISTER)
		elog(ERROR, "SPI_register_trigger_data failed: %s", SPI_result_code_string(rc));
	snprintf(key, sizeof(key), "events:%s", op);
	tag = bg_trigger_members_tag(td);
	plan = bg_kept_plan(key, tag);
	if (plan == NULL)
	{
		Oid			optype = TEXTOID;
		Datum		opname = CStringGetTextDatum(op);
		bool		isnull;
		Datum		sql;

		rc = SPI_execute_with_args("SELECT bg_internal._member_events_sql($1)", 1, &optype, &opname, NULL,
								   false, 0);
		if (rc != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "bg: reading the member events' statement failed: %s", SPI_result_code_string(rc));
		sql = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		if (isnull)
			elog(ERROR, "bg: no member events' statement for %s", op);
		plan = bg_kept_plan_prepare(key, TextDatumGetCString(sql), 1, &argtype, tag);
	}
	bg_kept_plan_execute(key, plan, 1, &argtype, &arg, source == NULL ? "n" : " ", 0, NULL);
	bg_spi_end(level);
	return PointerGetDatum(NULL);
}
