/*
 * engagement.h — engagement scores (docs/design.md §7.1): the weights read
 * from bg's catalog, and the state types of the two engagement aggregates.
 *
 * Both states are concrete varlena types with a text form (JSON), so that
 * partial states cross process boundaries as ordinary values, like
 * bg.role_tally.
 */
#ifndef BG_ENGAGEMENT_H
#define BG_ENGAGEMENT_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/timestamp.h"

#define BG_ENGAGEMENT_VERSION 1
#define BG_WINDOW_DAYS 30		/* the window is (as_of - 30 days, as_of] */
#define BG_WINDOW_SLOTS 31		/* UTC days it touches: as_of's and 30 before */
#define BG_DAY_CAP 20			/* occurrences counted per type and UTC day */
#define BG_MAX_TYPES 10000		/* sanity bound for input */
#define BG_MAX_GROUP_ROLES 1000

/* The active weighting model: activity types that count, with their weight. */
typedef struct BgActivityWeights
{
	bool		has_model;		/* a model is active */
	int			ntypes;
	char	  **types;
	int		   *lens;
	int32	   *weights;		/* 0..100 */
} BgActivityWeights;

/* A roles template's role names, in priority order, with weight values. */
typedef struct BgRoleWeights
{
	char	   *template;
	int			nroles;
	char	  **roles;
	int		   *lens;
	int32	   *values;			/* trivial 20 ... vital 100 */
} BgRoleWeights;

extern BgActivityWeights *bg_activity_weights(void);
extern BgRoleWeights *bg_role_weights(const char *template);

/* One activity type in a bg.activity_tally: capped counts per UTC day. */
typedef struct BgActivityEntry
{
	int32		weight;
	int32		name_off;		/* offset of the NUL-terminated name from the tally's start */
	uint8		counts[BG_WINDOW_SLOTS + 1];	/* [0] = as_of's UTC day; last unused */
} BgActivityEntry;

typedef struct BgActivityTally
{
	int32		vl_len_;
	uint16		version;
	uint16		ntypes;
	int32		pad;
	TimestampTz as_of;
	BgActivityEntry entries[FLEXIBLE_ARRAY_MEMBER];	/* then the names */
} BgActivityTally;

#define BG_ENTRY_NAME(t, i) ((char *) (t) + (t)->entries[i].name_off)

extern BgActivityTally *bg_activity_tally_new(TimestampTz as_of, int ntypes,
											  char **names, const int32 *weights);
extern void bg_activity_tally_check(const BgActivityTally *t);

/* Per role of a template: members seen and the sum of their raw scores. */
typedef struct BgGroupRole
{
	int64		members;
	float8		raw;
} BgGroupRole;

typedef struct BgGroupTally
{
	int32		vl_len_;
	uint16		version;
	uint16		nroles;
	int32		has_null;		/* a member's raw score was NULL */
	BgGroupRole roles[FLEXIBLE_ARRAY_MEMBER];	/* then the template name */
} BgGroupTally;

#define BG_GROUP_NAME(t) ((char *) &(t)->roles[(t)->nroles])

extern BgGroupTally *bg_group_tally_new(const char *template, int nroles);
extern void bg_group_tally_check(const BgGroupTally *t);

/* The UTC day of a finite timestamp (days since 2000-01-01, floored). */
static inline int64
bg_utc_day(TimestampTz ts)
{
	int64		d = ts / USECS_PER_DAY;

	return (ts % USECS_PER_DAY < 0) ? d - 1 : d;
}

#endif							/* BG_ENGAGEMENT_H */
