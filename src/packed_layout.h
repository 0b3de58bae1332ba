/*
 * packed_layout.h — the layout of one bigint that counts the people of each
 * role of a template up to a cap, shared by the packed tallies
 * (agg_packed.c, which add the template's catalog id above the fields) and
 * the packed position counts of Citus (agg_packed_positions.c, which do
 * not).  As uint64:
 *
 *   bits 0..4    n, the template's number of roles
 *   bits 5..7    w - 1: every role's field is w bits wide (1 to 8)
 *   bits 8..     n fields of w bits, in priority order: the role's people,
 *                saturating at 2^w - 1
 *
 * w is the width of the template's largest threshold, so 2^w - 1 is at
 * least every threshold k and min(min(people, 2^w - 1), k) = min(people,
 * k): the finals of agg_final.c, run on the fields, compute exactly what
 * they compute from exact counts.  Adding states field by field, each sum
 * capped, keeps that true in any order.
 */
#ifndef BG_PACKED_LAYOUT_H
#define BG_PACKED_LAYOUT_H

#include "postgres.h"

#include "port/pg_bitutils.h"

#include "template_cache.h"

#define BG_PACKED_HEADER_BITS 8
#define BG_PACKED_MAX_ROLES 31	/* 5 bits; the catalog allows 20 */
#define BG_PACKED_MAX_WIDTH 8	/* 3 bits */
#define BG_PACKED_HEADER_MASK UINT64CONST(0xFF)

static inline int
bg_packed_bit_length(uint64 v)
{
	return v == 0 ? 0 : pg_leftmost_one_pos64(v) + 1;
}

static inline int
bg_packed_nroles(uint64 s)
{
	return (int) (s & 31);
}

static inline int
bg_packed_width(uint64 s)
{
	return (int) ((s >> 5) & 7) + 1;
}

/* The largest count a field of state s holds. */
static inline uint64
bg_packed_field_max(uint64 s)
{
	return (UINT64CONST(1) << bg_packed_width(s)) - 1;
}

/* The bits of the fields of state s (a state whose fields fit 64 bits). */
static inline uint64
bg_packed_fields_mask(uint64 s)
{
	int			bits = bg_packed_nroles(s) * bg_packed_width(s);

	Assert(BG_PACKED_HEADER_BITS + bits <= 64);
	if (bits == 0)
		return 0;
	return (~UINT64CONST(0) >> (64 - bits)) << BG_PACKED_HEADER_BITS;
}

/* The largest threshold of template t (1 without roles). */
static inline int
bg_packed_largest_threshold(const BgTemplate *t)
{
	int			maxk = 1;

	for (int i = 0; i < t->nroles; i++)
		maxk = Max(maxk, t->roles[i].members_required);
	return maxk;
}

/*
 * The header of nroles roles of largest threshold maxk in *header; false
 * when they do not fit, or their fields need more than field_bits bits.
 */
static inline bool
bg_packed_layout(int nroles, int maxk, int field_bits, uint64 *header)
{
	int			width = Max(bg_packed_bit_length((uint64) Max(maxk, 1)), 1);

	if (nroles < 0 || nroles > BG_PACKED_MAX_ROLES || width > BG_PACKED_MAX_WIDTH ||
		nroles * width > field_bits)
		return false;
	*header = (uint64) nroles | ((uint64) (width - 1) << 5);
	return true;
}

/* State s with one more person in field r (from 0), up to the field's cap. */
static inline uint64
bg_packed_increment(uint64 s, int r)
{
	int			shift = BG_PACKED_HEADER_BITS + r * bg_packed_width(s);
	uint64		max = bg_packed_field_max(s);

	Assert(r >= 0 && r < bg_packed_nroles(s));
	if (((s >> shift) & max) != max)
		s += UINT64CONST(1) << shift;
	return s;
}

/* a with each field the sum of a's and b's (same layout), up to its cap. */
static inline uint64
bg_packed_sum(uint64 a, uint64 b)
{
	int			n = bg_packed_nroles(a);
	int			width = bg_packed_width(a);
	uint64		max = bg_packed_field_max(a);

	for (int i = 0; i < n; i++)
	{
		int			shift = BG_PACKED_HEADER_BITS + i * width;
		uint64		sum = ((a >> shift) & max) + ((b >> shift) & max);

		a = (a & ~(max << shift)) | (Min(sum, max) << shift);
	}
	return a;
}

/* The fields of state s in counts (as many as its roles). */
static inline void
bg_packed_fields(uint64 s, int64 *counts)
{
	int			n = bg_packed_nroles(s);
	int			width = bg_packed_width(s);
	uint64		max = bg_packed_field_max(s);

	for (int i = 0; i < n; i++)
		counts[i] = (int64) ((s >> (BG_PACKED_HEADER_BITS + i * width)) & max);
}

#endif							/* BG_PACKED_LAYOUT_H */
