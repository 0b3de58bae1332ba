/*
 * agg_tally.h — bg.role_tally, the state of the scoring aggregates: how many
 * people fill each role of one roles template.
 *
 * A concrete varlena type (not internal), so partial states cross process and
 * machine boundaries as ordinary values (parallel workers, Citus), and its
 * text form round-trips.  It has a fixed size per template, and the
 * transition and combine functions update it in place.
 */
#ifndef BG_AGG_TALLY_H
#define BG_AGG_TALLY_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"
#include "utils/jsonb.h"

#include "cond_eval.h"
#include "template_cache.h"

#define BG_TALLY_VERSION 1
#define BG_TALLY_MAX_ROLES 1000	/* sanity bound for input; the catalog allows 20 */

typedef struct BgTally
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint16		version;
	uint16		nroles;
	int64		counts[FLEXIBLE_ARRAY_MEMBER];	/* per template role, by priority;
												 * then the template name,
												 * NUL-terminated */
} BgTally;

#define BG_TALLY_NAME(t) ((char *) &(t)->counts[(t)->nroles])

extern BgTally *bg_tally_new(const char *name, int nroles);
extern void bg_tally_check(const BgTally *t);
extern void bg_tally_fits(const BgTally *t, const char *name, int nroles);
extern void bg_tally_increment(BgTally *t, int i);
extern void bg_tally_combine_differs(const char *a, const char *b) pg_attribute_noreturn();

/* agg_trans.c */
extern void bg_tally_template_differs(const char *name, const char *earlier) pg_attribute_noreturn();
extern BgEval *bg_tally_columns_eval(FunctionCallInfo fcinfo, bool *person);

/* agg_final.c: the scores from counts per role (exact, or at least each threshold) */
extern Jsonb *bg_scores_role_object(BgTemplate *tmpl, const int64 *counts, bool completeness);
extern bool bg_scores_completeness(BgTemplate *tmpl, const int64 *counts, double *result);
extern Datum bg_scores_missing_roles(BgTemplate *tmpl, const int64 *counts);
extern BgTemplate *bg_counts_template(FunctionCallInfo fcinfo);

/* The scores a final function returns (bg_scores_result) */
typedef enum BgScore
{
	BG_SCORE_ROLE_COUNTS,
	BG_SCORE_COMPLETENESS,
	BG_SCORE_ROLE_COMPLETENESS,
	BG_SCORE_MISSING_ROLES,
} BgScore;

extern Datum bg_scores_result(FunctionCallInfo fcinfo, BgTemplate *tmpl, const int64 *counts,
							  BgScore score);

/* agg_packed.c: packed tallies */
extern uint64 bg_packed_empty(const BgTemplate *t);
extern bool bg_packed_catalog_fits(void);

/* position_counts.c: the counts of a bg.position_counts state */
extern int64 *bg_position_counts_read(ArrayType *a, int *n);

/* agg_packed_positions.c: packed position counts (Citus's shared state) */
extern bool bg_packed_positions_header(const BgTemplate *t, uint64 *header);
extern void bg_packed_positions_unfit(const char *name, int nroles, int maxk) pg_attribute_noreturn();
extern int32 bg_packed_position(uint64 header, int position);

#define DatumGetBgTally(d) ((BgTally *) PG_DETOAST_DATUM(d))
#define PG_GETARG_BGTALLY(n) DatumGetBgTally(PG_GETARG_DATUM(n))

#endif							/* BG_AGG_TALLY_H */
