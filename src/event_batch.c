/*
 * event_batch.c — the event batch of a transaction (docs/design.md §7.3):
 * bg_internal._event_batch, which opens it on the first event, and
 * bg_internal._batch_committing, which draws its delivery ids at commit.
 *
 * The events of a transaction go into its open batch, a row of
 * bg_internal.event_batch (its xid, base NULL).  Every statement that
 * writes events asks for it (an uncorrelated subquery, evaluated once per
 * statement); the answer is kept here for the rest of the transaction, so
 * that only the first statement looks for it (and opens it), as
 * bg_internal._event_batch did in PL/pgSQL on every call.  What is kept
 * goes when it may no longer be true:
 *
 *  - at the end of the transaction;
 *  - when the subtransaction that found or opened it aborts (a batch it
 *    opened is gone with it; one it found is looked for again);
 *  - when the batch is closed (bg_internal._batch_committing, at commit or
 *    at SET CONSTRAINTS ... IMMEDIATE); one closed as it is opened (its
 *    trigger fired by the insert itself, constraints being immediate) is
 *    not kept at all.
 *
 * At commit, a deferred constraint trigger on the batch row takes the
 * clock lock (EXCLUSIVE on bg_internal.event_clock, held to the end of the
 * commit), draws the batch's range of delivery ids from
 * bg_internal.event_id_seq and sends NOTIFY bg_events; a batch whose events
 * were all rolled back with subtransactions is deleted.  The batch's first
 * and last event and their number are read from the event table's primary
 * key (batch, seq), in one ordered pass over the batch's entries: a plan
 * made once could not know how many events a batch has (a creation job's
 * are all its groups), and the statement was planned on every commit.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "common/int.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"

#include "bg_trigger.h"
#include "event_batch.h"
#include "owner.h"
#include "plan_cache.h"

static bool batch_known = false;
static int64 batch_id;
static SubTransactionId batch_subid;	/* whose abort makes it unsure */
static uint64 batch_closes = 0;	/* batches closed by this backend */

static void
forget_batch(XactEvent event pg_attribute_unused(), void *arg pg_attribute_unused())
{
	batch_known = false;
}

static void
forget_batch_sub(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid,
				 void *arg pg_attribute_unused())
{
	if (!batch_known || mySubid != batch_subid)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
		batch_known = false;
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
		batch_subid = parentSubid;
}

void
bg_event_batch_init(void)
{
	RegisterXactCallback(forget_batch, NULL);
	RegisterSubXactCallback(forget_batch_sub, NULL);
}

/*
 * Runs query (no arguments, a bigint column), kept under key, inside the
 * caller's SPI connection; false when it returns no row (or NULL), else the
 * value of its first row in *id.
 */
static bool
run_for_id(const char *key, const char *query, int64 *id)
{
	SPIPlanPtr	plan = bg_kept_plan(key, 0);
	Oid			col = INT8OID;
	bool		isnull;

	if (plan == NULL)
		plan = bg_kept_plan_prepare(key, query, 0, NULL, 0);
	bg_kept_plan_execute(key, plan, 0, NULL, NULL, NULL, 1, &col);
	if (SPI_processed == 0)
		return false;
	*id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return !isnull;
}

/*
 * A new batch's commit trigger (bg_internal.event_batch_committing) made
 * deferred for the rest of the transaction, whatever the transaction set:
 * under SET CONSTRAINTS ALL IMMEDIATE it would fire at the end of the
 * batch's own insert and close the batch before its first event is
 * written, and those events would never be delivered.  A SET CONSTRAINTS
 * ... IMMEDIATE after the batch is open still closes it then (its events
 * so far delivered; the next event opens another batch, deferred again).
 */
static void
defer_commit_trigger(void)
{
	ConstraintsSetStmt *stmt = makeNode(ConstraintsSetStmt);

	stmt->constraints = list_make1(makeRangeVar(pstrdup(bg_catalog_schema()),
												"event_batch_committing", -1));
	stmt->deferred = true;
	AfterTriggerSetState(stmt);
}

/*
 * bg_internal._event_batch() RETURNS bigint: the open batch of the current
 * transaction, opened on first use.
 */
PG_FUNCTION_INFO_V1(bg_event_batch);
Datum
bg_event_batch(PG_FUNCTION_ARGS)
{
	int			level;
	int64		id;
	uint64		closes = batch_closes;

	if (batch_known)
		PG_RETURN_INT64(batch_id);
	level = bg_spi_begin();
	if (!run_for_id("batch:open",
					"SELECT x.id FROM bg_internal.event_batch x"
					" WHERE x.xid = pg_catalog.pg_current_xact_id() AND x.base IS NULL",
					&id))
	{
		defer_commit_trigger();
		if (!run_for_id("batch:new",
						"INSERT INTO bg_internal.event_batch (xid) VALUES (pg_catalog.pg_current_xact_id())"
						" RETURNING id",
						&id))
			elog(ERROR, "bg: opening the event batch returned no id");
	}
	bg_spi_end(level);
	/*
	 * Not kept when the batch was closed as it was opened (its commit
	 * trigger fired at the end of the insert; defer_commit_trigger keeps it
	 * from doing so, this is the guard): the next statement looks for an
	 * open batch again.
	 */
	if (batch_closes == closes)
	{
		batch_id = id;
		batch_subid = GetCurrentSubTransactionId();
		batch_known = true;
	}
	PG_RETURN_INT64(id);
}

/*
 * The first and last seq of the events of batch id and their number, from
 * the primary key (batch, seq) of bg_internal.event, with a new snapshot
 * (as a statement of the trigger would read them).
 */
static int64
batch_events(int64 id, int64 *lo, int64 *hi)
{
	Relation	rel = table_open(bg_catalog_relation("event"), AccessShareLock);
	Oid			pkey = RelationGetPrimaryKeyIndex(rel);
	AttrNumber	batch_att = get_attnum(RelationGetRelid(rel), "batch");
	AttrNumber	seq_att = get_attnum(RelationGetRelid(rel), "seq");
	Relation	idx;
	Snapshot	snap;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	int64		n = 0;

	if (!OidIsValid(pkey) || batch_att == InvalidAttrNumber || seq_att == InvalidAttrNumber)
		elog(ERROR, "bg's event table has no primary key (batch, seq)");
	idx = index_open(pkey, AccessShareLock);
	if (idx->rd_index->indnkeyatts != 2 || idx->rd_index->indkey.values[0] != batch_att
		|| idx->rd_index->indkey.values[1] != seq_att)
		elog(ERROR, "bg's event table has no primary key (batch, seq)");
	index_close(idx, AccessShareLock);

	CommandCounterIncrement();
	snap = RegisterSnapshot(GetTransactionSnapshot());
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(id));
	scan = systable_beginscan(rel, pkey, true, snap, 1, &key);
	while ((tup = systable_getnext(scan)) != NULL)
	{
		bool		isnull;
		int64		seq = DatumGetInt64(heap_getattr(tup, seq_att, RelationGetDescr(rel), &isnull));

		CHECK_FOR_INTERRUPTS();
		if (n == 0 || seq < *lo)
			*lo = seq;
		if (n == 0 || seq > *hi)
			*hi = seq;
		n++;
	}
	systable_endscan(scan);
	UnregisterSnapshot(snap);
	table_close(rel, AccessShareLock);
	return n;
}

/*
 * bg_internal._batch_committing() RETURNS trigger: at commit (a deferred
 * constraint trigger on the batch row), the batch's delivery ids, drawn
 * under the clock lock, and one NOTIFY.
 */
PG_FUNCTION_INFO_V1(bg_batch_committing);
Datum
bg_batch_committing(PG_FUNCTION_ARGS)
{
	TriggerData *td = bg_trigger_data(fcinfo, "bg_batch_committing");
	Relation	rel = td->tg_relation;
	AttrNumber	id_att = get_attnum(RelationGetRelid(rel), "id");
	bool		isnull;
	int64		id;
	int64		lo = 0,
				hi = 0,
				n;
	int64		base,
				last;
	int			rc;
	Oid			argtypes[5] = {INT8OID, INT8OID, INT8OID, INT8OID, INT8OID};
	Datum		args[5];

	if (!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_INSERT(td->tg_event)
		|| id_att == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("bg_batch_committing() must be fired for each inserted row of bg_internal.event_batch")));
	id = DatumGetInt64(heap_getattr(td->tg_trigtuple, id_att, RelationGetDescr(rel), &isnull));
	/* the batch is closed or gone below: a later event opens another */
	batch_known = false;
	batch_closes++;
	n = batch_events(id, &lo, &hi);

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	args[0] = Int64GetDatum(id);
	if (n == 0)
	{
		/* its events were rolled back with a subtransaction */
		SPIPlanPtr	drop = bg_kept_plan("batch:drop", 0);

		if (drop == NULL)
			drop = bg_kept_plan_prepare("batch:drop", "DELETE FROM bg_internal.event_batch x WHERE x.id = $1",
										1, argtypes, 0);
		bg_kept_plan_execute("batch:drop", drop, 1, argtypes, args, " ", 0, NULL);
	}
	else
	{
		SPIPlanPtr	close = bg_kept_plan("batch:close", 0);

		/* held until the commit is visible: the next batch draws after it */
		LockRelationOid(bg_catalog_relation("event_clock"), ExclusiveLock);
		base = DatumGetInt64(DirectFunctionCall1(nextval_oid, ObjectIdGetDatum(bg_catalog_relation("event_id_seq"))));
		if (pg_add_s64_overflow(base, hi - lo, &last))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("bigint out of range")));
		if (hi > lo)
			DirectFunctionCall2(setval_oid, ObjectIdGetDatum(bg_catalog_relation("event_id_seq")), Int64GetDatum(last));
		if (close == NULL)
			close = bg_kept_plan_prepare("batch:close",
										 "UPDATE bg_internal.event_batch x"
										 "   SET base = $2, first_seq = $3, last_id = $4, events = $5::pg_catalog.int4,"
										 "       committed_at = pg_catalog.clock_timestamp()"
										 " WHERE x.id = $1",
										 5, argtypes, 0);
		args[1] = Int64GetDatum(base);
		args[2] = Int64GetDatum(lo);
		args[3] = Int64GetDatum(last);
		args[4] = Int64GetDatum(n);
		bg_kept_plan_execute("batch:close", close, 5, argtypes, args, "     ", 0, NULL);
		DirectFunctionCall2(pg_notify, CStringGetTextDatum("bg_events"), CStringGetTextDatum(""));
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}
