/*
 * bg_trigger.h — what bg's statement triggers in C share (bg_trigger.c):
 * live mode's on the people (live_trigger.c), the stored scores' and the
 * member events' on bg_internal.member (score_trigger.c, member_events.c).
 * Each takes the firings it is written for and leaves any other to the
 * PL/pgSQL trigger it replaced, kept as bg_internal.<name>_general.
 */
#ifndef BG_TRIGGER_H
#define BG_TRIGGER_H

#include "postgres.h"

#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/tuplestore.h"

/* up to this many rows a side, a firing is for the C path */
#define BG_TRIGGER_FEW_ROWS 100

extern TriggerData *bg_trigger_data(FunctionCallInfo fcinfo, const char *fname);
extern bool bg_trigger_after_statement(TriggerData *td);
extern Datum bg_trigger_fire_general(FunctionCallInfo fcinfo, const char *general);
extern bool bg_trigger_few_rows(TriggerData *td);
extern bool bg_trigger_member_statement(TriggerData *td);
extern bool bg_member_trigger_start(FunctionCallInfo fcinfo, TriggerData *td, const char *general,
									Datum *result);
extern uint32 bg_trigger_members_tag(TriggerData *td);
extern int64 *bg_transition_int8(Tuplestorestate *ts, TupleDesc desc, const char *col, int64 *n);
extern int	bg_pin_search_path(void);
extern void bg_unpin_search_path(int level);
extern int	bg_spi_begin(void);
extern void bg_spi_end(int level);
extern const char *bg_event_source_now(void);

#endif							/* BG_TRIGGER_H */
