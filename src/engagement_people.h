/*
 * engagement_people.h — the window's activities counted into one raw score
 * per person as they are read as their table's owner (read_engagement.c):
 * shared by bg_internal._read_engagement and bg_internal._engagement_changes.
 */
#ifndef BG_ENGAGEMENT_PEOPLE_H
#define BG_ENGAGEMENT_PEOPLE_H

#include "postgres.h"

#include "common/hashfn.h"
#include "utils/timestamp.h"

struct bgperson_hash;

/*
 * A (person, type, UTC day) cell and its capped count (read_engagement.c);
 * also a set of (group, role) (engagement_changes.c, count unused).
 */
typedef struct BgCell
{
	uint64		key;			/* person << 24 | type << 8 | day slot */
	uint8		count;
	char		status;
} BgCell;

#define SH_PREFIX bgcell
#define SH_ELEMENT_TYPE BgCell
#define SH_KEY_TYPE uint64
#define SH_KEY key
#define SH_HASH_KEY(tb, k) murmurhash32((uint32) (k) ^ murmurhash32((uint32) ((k) >> 32)))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* An integer key and its index (people by integer key, groups by id). */
typedef struct BgIntIndex
{
	int64		key;
	uint32		idx;
	char		status;
} BgIntIndex;

#define SH_PREFIX bgintidx
#define SH_ELEMENT_TYPE BgIntIndex
#define SH_KEY_TYPE int64
#define SH_KEY key
#define SH_HASH_KEY(tb, k) murmurhash32((uint32) (k) ^ murmurhash32((uint32) ((uint64) (k) >> 32)))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"


/*
 * People by key: index i has key keys[i] (canonical text) or, when ints (the
 * people table's keys are integers), ids[i], and the integer sum of its
 * counted weights sums[i] (its raw score is sums[i] / 100); bound[i] is for
 * the caller (read_engagement.c leaves it 0).
 */
typedef struct BgEngPeople
{
	MemoryContext cxt;			/* everything below */
	bool		ints;
	struct bgperson_hash *hash; /* text keys */
	bgintidx_hash *ihash;		/* integer keys */
	int64	   *sums;
	const char **keys;
	int64	   *ids;
	uint32	   *direct;			/* after bg_eng_people_index: ids[direct[id - lo]] = id */
	int64		lo;
	uint64		ndirect;
	uint8	   *bound;
	uint32		n;
	uint32		max;
	char	   *arena;			/* the keys, packed */
	Size		arena_left;
	char	   *buf;			/* a key as a C string */
	int			buflen;
} BgEngPeople;

#define BG_NO_PERSON PG_UINT32_MAX

extern BgEngPeople *bg_eng_people_new(MemoryContext cxt, bool ints);
extern uint32 bg_eng_person(BgEngPeople *p, const char *key, int len, bool insert);
extern uint32 bg_eng_person_id(BgEngPeople *p, int64 id, bool insert);
extern uint32 bg_eng_person_datum(BgEngPeople *p, Datum key, bool insert);
extern TimestampTz bg_eng_as_of(TimestampTz as_of);
extern Datum bg_eng_person_key(BgEngPeople *p, uint32 i);
extern void bg_eng_people_index(BgEngPeople *p);
extern bool bg_eng_count_activities(BgEngPeople *p, Oid relid, const char *query,
									Datum keys, bool keys_null, TimestampTz as_of, bool known_only);

#endif							/* BG_ENGAGEMENT_PEOPLE_H */
