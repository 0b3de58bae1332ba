/*
 * shift_and.c — a column's CONTAINS patterns, and its SUFFIX patterns with
 * them, matched by bit-parallel shifts (Shift-And), when they fit in a few
 * machine words.
 *
 * Every byte of every pattern gets one bit of a state word D, patterns one
 * after the other, none across two words.  For each byte
 * c of the value,
 *
 *     D = ((D << 1) + S) & T[c]
 *
 * where S has the first bit of every pattern (a pattern may start at any
 * byte) and T[c] the bits of the pattern positions that hold c.  Bit i of D
 * is then set when the pattern position of bit i ends a match of the
 * pattern's bytes so far; a CONTAINS pattern occurs when its last bit is
 * ever set, a SUFFIX pattern when its last bit is set after the last byte.
 * One bit between consecutive patterns of a word stays clear in every T[c],
 * so that the shift never carries a pattern's last bit into the next
 * pattern's first, and the addition is an OR: two dependent instructions per
 * byte and word (the table lookup does not depend on D), where the
 * Aho-Corasick automaton of multimatch.c takes a dependent load per byte.
 * The words are independent, so several run side by side.
 *
 * Written here: the algorithm is a few lines over PostgreSQL's memory
 * contexts, and no Debian library offers it with per-pattern results (see
 * multimatch.c).
 */
#include "postgres.h"

#include "miscadmin.h"
#include "port/pg_bitutils.h"

#include "alloc_limit.h"
#include "shift_and.h"

/* Bytes of a value scanned between checks for a cancelled statement. */
#define SCAN_CHUNK 65536

struct BgShiftAnd
{
	int			nwords;			/* state words, 1 .. BG_SHIFT_AND_MAX_WORDS */
	int			stride;			/* words of a table row: 1, 2 or 4 */
	int			pwords[2];		/* words of each kind's bitmap */
	uint64		start[BG_SHIFT_AND_MAX_WORDS];	/* S */
	uint64		last[2][BG_SHIFT_AND_MAX_WORDS];	/* each kind's last bits */
	uint64	   *table;			/* T: [byte * stride + word] */
	int32	   *pattern_at;		/* [word * 64 + bit]: the pattern whose last
								 * bit it is, within its kind */
	int			nempty[2];
	int		   *empty[2];		/* empty patterns: they occur in every value */
};

/* The two kinds: patterns anywhere in the value, and at its end. */
#define ANYWHERE 0
#define AT_END 1

/*
 * Lays pattern set k (lens[0 .. n)) out after the patterns before it (*w,
 * *pos: the word and the next free bit); with sa, records it.  False when a
 * pattern is longer than a word or the words run out.
 */
static bool
lay_out(BgShiftAnd *sa, int k, char *const *pats, const int *lens, int n, int *w, int *pos)
{
	for (int i = 0; i < n; i++)
	{
		int			first = *pos > 0 ? *pos + 1 : 0;	/* bit *pos is the gap */

		CHECK_FOR_INTERRUPTS();
		if (lens[i] == 0)
		{
			if (sa)
				sa->empty[k][sa->nempty[k]++] = i;
			continue;
		}
		if (lens[i] > 64)
			return false;
		if (first + lens[i] > 64)
		{
			(*w)++;
			first = 0;
		}
		if (*w >= BG_SHIFT_AND_MAX_WORDS)
			return false;
		*pos = first + lens[i];
		if (sa == NULL)
			continue;
		sa->start[*w] |= UINT64CONST(1) << first;
		for (int j = 0; j < lens[i]; j++)
		{
			uint8		c = (uint8) pats[i][j];
			uint64		bit = UINT64CONST(1) << (first + j);

			Assert(!(c >= 'A' && c <= 'Z'));
			sa->table[c * sa->stride + *w] |= bit;
			if (c >= 'a' && c <= 'z')
				sa->table[(c - ('a' - 'A')) * sa->stride + *w] |= bit;
		}
		sa->last[k][*w] |= UINT64CONST(1) << (*pos - 1);
		sa->pattern_at[*w * 64 + *pos - 1] = i;
	}
	return true;
}

/*
 * The matcher of CONTAINS patterns cpats[0 .. ncontains) and SUFFIX
 * patterns spats[0 .. nsuffix) (case-folded: no ASCII capitals; a capital
 * in the value reads as its small letter), in cxt, or NULL when they need
 * more than BG_SHIFT_AND_MAX_WORDS words.
 */
BgShiftAnd *
bg_shift_and_build(MemoryContext cxt, char *const *cpats, const int *clens, int ncontains,
				   char *const *spats, const int *slens, int nsuffix)
{
	BgShiftAnd *sa;
	int			w = 0,
				pos = 0;

	/* the layout first: whether the patterns fit */
	if (!lay_out(NULL, ANYWHERE, cpats, clens, ncontains, &w, &pos) ||
		!lay_out(NULL, AT_END, spats, slens, nsuffix, &w, &pos))
		return NULL;

	sa = MemoryContextAllocZero(cxt, sizeof(BgShiftAnd));
	sa->nwords = w + 1;
	sa->stride = sa->nwords <= 2 ? sa->nwords : 4;
	sa->pwords[ANYWHERE] = Max((ncontains + 63) / 64, 1);
	sa->pwords[AT_END] = Max((nsuffix + 63) / 64, 1);
	/* rows of 2 and 4 words are read as 16-byte vectors: aligned */
	sa->table = (uint64 *) TYPEALIGN(16, MemoryContextAllocZero(cxt, sizeof(uint64) * 256 * sa->stride + 16));
	sa->pattern_at = MemoryContextAlloc(cxt, sizeof(int32) * 64 * sa->nwords);
	for (int i = 0; i < 64 * sa->nwords; i++)
		sa->pattern_at[i] = -1;
	sa->empty[ANYWHERE] = MemoryContextAlloc(cxt, bg_alloc_size(Max(ncontains, 1), sizeof(int),
																"text pattern automaton"));
	sa->empty[AT_END] = MemoryContextAlloc(cxt, bg_alloc_size(Max(nsuffix, 1), sizeof(int),
															  "text pattern automaton"));
	w = 0;
	pos = 0;
	if (!lay_out(sa, ANYWHERE, cpats, clens, ncontains, &w, &pos) ||
		!lay_out(sa, AT_END, spats, slens, nsuffix, &w, &pos))
		elog(ERROR, "Shift-And patterns laid out twice differently");
	Assert(w + 1 == sa->nwords);
	return sa;
}

/*
 * Scans s[0 .. len) with one state word; seen: the bits ever set, end: the
 * bits set after the last byte.
 */
static void
scan1(const BgShiftAnd *sa, const char *s, int len, uint64 *seen, uint64 *end)
{
	uint64		d = 0,
				acc = 0,
				start = sa->start[0];
	const uint64 *table = sa->table;

	for (int from = 0; from < len; from += SCAN_CHUNK)
	{
		int			stop = Min(len, from + SCAN_CHUNK);

		if (from > 0)
			CHECK_FOR_INTERRUPTS();
		for (int i = from; i < stop; i++)
		{
			d = ((d << 1) + start) & table[(uint8) s[i]];
			acc |= d;
		}
	}
	seen[0] = acc;
	end[0] = d;
}

#if defined(__GNUC__)
/*
 * Two and four words as 16-byte vectors of two words (GCC's and Clang's
 * vector extension: SSE2 on x86-64, NEON on ARM, plain words elsewhere).
 */
typedef uint64 pair __attribute__((vector_size(16)));

static pg_attribute_always_inline void
scan_pairs(const BgShiftAnd *sa, const char *s, int len, uint64 *seen, uint64 *end,
		   const int npairs)
{
	pair		d[2] = {{0, 0}, {0, 0}};
	pair		acc[2] = {{0, 0}, {0, 0}};
	pair		start[2];
	const pair *table = (const pair *) sa->table;

	memcpy(start, sa->start, sizeof(pair) * npairs);
	for (int from = 0; from < len; from += SCAN_CHUNK)
	{
		int			stop = Min(len, from + SCAN_CHUNK);

		if (from > 0)
			CHECK_FOR_INTERRUPTS();
		for (int i = from; i < stop; i++)
		{
			const pair *t = &table[(uint8) s[i] * npairs];

			for (int k = 0; k < npairs; k++)
			{
				d[k] = ((d[k] << 1) + start[k]) & t[k];
				acc[k] |= d[k];
			}
		}
	}
	memcpy(seen, acc, sizeof(pair) * npairs);
	memcpy(end, d, sizeof(pair) * npairs);
}
#else
/* Without vectors: the words side by side. */
static pg_attribute_always_inline void
scan_pairs(const BgShiftAnd *sa, const char *s, int len, uint64 *seen, uint64 *end,
		   const int npairs)
{
	uint64		d[4] = {0},
				acc[4] = {0};

	for (int from = 0; from < len; from += SCAN_CHUNK)
	{
		int			stop = Min(len, from + SCAN_CHUNK);

		if (from > 0)
			CHECK_FOR_INTERRUPTS();
		for (int i = from; i < stop; i++)
		{
			const uint64 *t = &sa->table[(uint8) s[i] * 2 * npairs];

			for (int w = 0; w < 2 * npairs; w++)
			{
				d[w] = ((d[w] << 1) + sa->start[w]) & t[w];
				acc[w] |= d[w];
			}
		}
	}
	memcpy(seen, acc, sizeof(uint64) * 2 * npairs);
	memcpy(end, d, sizeof(uint64) * 2 * npairs);
}
#endif

/* Sets bits to the patterns of kind k whose last bits are in found. */
static inline void
set_found(const BgShiftAnd *sa, int k, const uint64 *found, uint64 *bits)
{
	if (sa->pwords[k] == 1)
		bits[0] = 0;
	else
		memset(bits, 0, sizeof(uint64) * sa->pwords[k]);
	for (int w = 0; w < sa->nwords; w++)
	{
		uint64		f = found[w] & sa->last[k][w];

		while (f)
		{
			int			p = sa->pattern_at[w * 64 + pg_rightmost_one_pos64(f)];

			bits[p / 64] |= UINT64CONST(1) << (p % 64);
			f &= f - 1;
		}
	}
	for (int i = 0; i < sa->nempty[k]; i++)
		bits[sa->empty[k][i] / 64] |= UINT64CONST(1) << (sa->empty[k][i] % 64);
}

/*
 * Sets contains (the CONTAINS patterns' bitmap) to the patterns that occur
 * in s[0 .. len), and suffix (the SUFFIX patterns', unless NULL) to those
 * it ends with.
 */
void
bg_shift_and_run(const BgShiftAnd *sa, const char *s, int len, uint64 *contains, uint64 *suffix)
{
	uint64		seen[4];
	uint64		end[4];

	StaticAssertStmt(BG_SHIFT_AND_MAX_WORDS == 4, "scans for 1, 2 and 4 words");
	if (sa->stride == 1)
		scan1(sa, s, len, seen, end);
	else if (sa->stride == 2)
		scan_pairs(sa, s, len, seen, end, 1);
	else
		scan_pairs(sa, s, len, seen, end, 2);
	set_found(sa, ANYWHERE, seen, contains);
	if (suffix)
		set_found(sa, AT_END, end, suffix);
}
