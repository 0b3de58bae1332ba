/*
 * bg_trigger.c — what bg's statement triggers in C share (bg_trigger.h).
 *
 * The PL/pgSQL triggers they replace ran their statements with search_path
 * pinned to pg_catalog, pg_temp (a SET clause, whose settings PostgreSQL
 * saves and restores on every call); the C triggers pin it only when they
 * run a statement and it is not pinned already (as it is when bg's own
 * functions write), and bg's statements name everything but pg_catalog's
 * objects with their schema.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "alloc_limit.h"
#include "bg_trigger.h"
#include "owner.h"
#include "score_guard.h"
#include "template_cache.h"

#define BG_SEARCH_PATH "pg_catalog, pg_temp"

/* The trigger data of a trigger call; an error for any other call. */
TriggerData *
bg_trigger_data(FunctionCallInfo fcinfo, const char *fname)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() must be called as a trigger", fname)));
	return (TriggerData *) fcinfo->context;
}

/* Whether td fired after a statement (the only firings bg makes). */
bool
bg_trigger_after_statement(TriggerData *td)
{
	return TRIGGER_FIRED_AFTER(td->tg_event) && TRIGGER_FIRED_FOR_STATEMENT(td->tg_event);
}

/*
 * Fires the PL/pgSQL trigger bg_internal.<general>() with this call's data,
 * as the current user (found as bg's owner: the caller may have no USAGE
 * on bg_internal).
 */
Datum
bg_trigger_fire_general(FunctionCallInfo fcinfo, const char *general)
{
	Oid			fn;
	FmgrInfo	flinfo;
	BgSavedUser saved;
	LOCAL_FCINFO(fc, 0);

	bg_become_owner(&saved);
	fn = LookupFuncName(list_make2(makeString(pstrdup("bg_internal")), makeString(pstrdup(general))),
						0, NULL, false);
	bg_restore_user(&saved);
	fmgr_info(fn, &flinfo);
	InitFunctionCallInfoData(*fc, &flinfo, 0, InvalidOid, fcinfo->context, NULL);
	return FunctionCallInvoke(fc);
}

/* Whether each transition table of td has at most BG_TRIGGER_FEW_ROWS rows. */
bool
bg_trigger_few_rows(TriggerData *td)
{
	return (td->tg_oldtable == NULL || tuplestore_tuple_count(td->tg_oldtable) <= BG_TRIGGER_FEW_ROWS)
		&& (td->tg_newtable == NULL || tuplestore_tuple_count(td->tg_newtable) <= BG_TRIGGER_FEW_ROWS);
}

static Oid	member_relid = InvalidOid;
static uint64 member_generation = 0;

/*
 * Whether td fired after an INSERT, UPDATE or DELETE statement on
 * bg_internal.member with the transition tables its triggers have, named as
 * they name them (new_rows, old_rows: the statements kept over them name
 * them so): a firing of bg's member triggers.
 */
bool
bg_trigger_member_statement(TriggerData *td)
{
	Trigger    *t = td->tg_trigger;
	bool		ins = TRIGGER_FIRED_BY_INSERT(td->tg_event);
	bool		del = TRIGGER_FIRED_BY_DELETE(td->tg_event);

	if (!bg_trigger_after_statement(td) || (!ins && !del && !TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		|| (!ins && td->tg_oldtable == NULL) || (!del && td->tg_newtable == NULL))
		return false;

	bg_catalog_check();
	if (member_generation != bg_catalog_generation)
	{
		Oid			nsp = bg_catalog_schema_oid();

		member_relid = OidIsValid(nsp) ? get_relname_relid("member", nsp) : InvalidOid;
		member_generation = bg_catalog_generation;
	}
	return OidIsValid(member_relid) && RelationGetRelid(td->tg_relation) == member_relid
		&& (t->tgoldtable == NULL || strcmp(t->tgoldtable, "old_rows") == 0)
		&& (t->tgnewtable == NULL || strcmp(t->tgnewtable, "new_rows") == 0);
}

/*
 * For bg's member triggers: whether this firing is for their C path; if
 * not, *result is what to return: the PL/pgSQL trigger general's result for
 * a firing that is not a member statement, NULL while a dump is restored
 * (the triggers stand aside, bg_internal._restoring).
 */
bool
bg_member_trigger_start(FunctionCallInfo fcinfo, TriggerData *td, const char *general, Datum *result)
{
	*result = PointerGetDatum(NULL);
	if (!bg_trigger_member_statement(td))
	{
		*result = bg_trigger_fire_general(fcinfo, general);
		return false;
	}
	return !bg_restoring_now();
}

/*
 * Pins search_path (bg_pin_search_path) and connects to SPI; the level to
 * give bg_spi_end.
 */
int
bg_spi_begin(void)
{
	int			level = bg_pin_search_path();
	int			rc;

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	return level;
}

void
bg_spi_end(int level)
{
	SPI_finish();
	bg_unpin_search_path(level);
}

/*
 * A tag of the row type of td's table as its transition tables hold it
 * (attribute types, dropped attributes), never 0: a statement kept over
 * them is planned again when it changes (ALTER TABLE of bg's table by an
 * update of bg).
 */
uint32
bg_trigger_members_tag(TriggerData *td)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	uint32		h = hash_uint32((uint32) desc->natts);

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		h = hash_combine(h, hash_uint32((uint32) att->atttypid));
		h = hash_combine(h, att->attisdropped ? 1 : 0);
	}
	return h == 0 ? 1 : h;
}

/*
 * The non-NULL values of bigint column col of transition table ts (rows of
 * desc), in *n; an error when desc has no such column.
 */
int64 *
bg_transition_int8(Tuplestorestate *ts, TupleDesc desc, const char *col, int64 *n)
{
	AttrNumber	att = InvalidAttrNumber;
	int64		count = tuplestore_tuple_count(ts);
	int64	   *vals;
	TupleTableSlot *slot;
	int			ptr;

	for (int i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped && strcmp(NameStr(TupleDescAttr(desc, i)->attname), col) == 0
			&& TupleDescAttr(desc, i)->atttypid == INT8OID)
			att = i + 1;
	if (att == InvalidAttrNumber)
		elog(ERROR, "bg: transition table has no bigint column %s", col);
	vals = palloc(bg_alloc_size(Max(count, 1), sizeof(int64), "transition table"));
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	ptr = tuplestore_alloc_read_pointer(ts, EXEC_FLAG_REWIND);
	tuplestore_select_read_pointer(ts, ptr);
	tuplestore_rescan(ts);
	*n = 0;
	while (*n < count && tuplestore_gettupleslot(ts, true, false, slot))
	{
		bool		isnull;
		Datum		v;

		CHECK_FOR_INTERRUPTS();
		v = slot_getattr(slot, att, &isnull);
		if (!isnull)
			vals[(*n)++] = DatumGetInt64(v);
	}
	ExecDropSingleTupleTableSlot(slot);
	return vals;
}

/*
 * Pins search_path to bg's (pg_catalog, pg_temp) unless it is pinned
 * already; the GUC nest level to give bg_unpin_search_path (0: nothing to
 * undo).  An error in between needs no call: the (sub)transaction's abort
 * restores the setting.
 */
int
bg_pin_search_path(void)
{
	int			level;

	if (namespace_search_path != NULL && strcmp(namespace_search_path, BG_SEARCH_PATH) == 0)
		return 0;
	level = NewGUCNestLevel();
	(void) set_config_option("search_path", BG_SEARCH_PATH, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return level;
}

void
bg_unpin_search_path(int level)
{
	if (level > 0)
		AtEOXact_GUC(true, level);
}
