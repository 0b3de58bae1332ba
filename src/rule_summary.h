/*
 * rule_summary.h — a buying group's rule members as one compact value
 * (rule_summary.c), stored beside its scores (bg_internal.buying_group.
 * rule_members) by the recount and the creation job, so that a sync with
 * nothing to change compares it with the members it wants instead of
 * reading the members (docs/design.md §6.5, §13.3).
 *
 * The value (bytea): a version byte, then per rule member that is not
 * removed, in the order of (key length, key bytes), its key's length and
 * its role id as unsigned LEB128 varints around the key's bytes.  Exact:
 * the same set of (person key, role id) always gives the same bytes.
 */
#ifndef BG_RULE_SUMMARY_H
#define BG_RULE_SUMMARY_H

#include "postgres.h"

#define BG_RULES_VERSION 1

/* A summary being read: entries from p to end. */
typedef struct BgRulesReader
{
	const unsigned char *p;
	const unsigned char *end;
} BgRulesReader;

/*
 * Starts reading a summary's data (len bytes); false when it is not one
 * this code knows (another version): then its group's members are read.
 */
static inline bool
bg_rules_start(BgRulesReader *r, const char *data, Size len)
{
	if (len < 1 || (unsigned char) data[0] != BG_RULES_VERSION)
		return false;
	r->p = (const unsigned char *) data + 1;
	r->end = (const unsigned char *) data + len;
	return true;
}

/*
 * An unsigned LEB128 varint of at most 32 bits, or false when malformed
 * (unended, or a fifth byte with bits past the 32nd).
 */
static inline bool
bg_rules_varint(BgRulesReader *r, uint32 *v)
{
	uint32		x = 0;

	for (int shift = 0; shift < 35 && r->p < r->end; shift += 7)
	{
		unsigned char b = *r->p++;

		if (shift == 28 && (b & 0x70) != 0)
			return false;
		x |= (uint32) (b & 0x7f) << shift;
		if ((b & 0x80) == 0)
		{
			*v = x;
			return true;
		}
	}
	return false;
}

/*
 * The next entry: 1 (key, len, role set; key points into the data), 0 at
 * the end, -1 when the data is malformed.
 */
static inline int
bg_rules_next(BgRulesReader *r, const char **key, int32 *len, int32 *role)
{
	uint32		l;
	uint32		id;

	if (r->p >= r->end)
		return 0;
	if (!bg_rules_varint(r, &l) || l > (uint32) (r->end - r->p))
		return -1;
	*key = (const char *) r->p;
	*len = (int32) l;
	r->p += l;
	if (!bg_rules_varint(r, &id))
		return -1;
	*role = (int32) id;
	return 1;
}

#endif							/* BG_RULE_SUMMARY_H */
