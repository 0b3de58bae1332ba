/*
 * shift_and.c — a column's CONTAINS patterns matched by bit-parallel
 * shifts (Shift-And), when they fit in a few machine words.
 *
 * Every byte of every pattern gets one bit of a state word D, patterns one
 * after the other, each starting in the word where it ends.  For each byte
 * c of the value,
 *
 *     D = ((D << 1) + S) & T[c]
 *
 * where S has the first bit of every pattern (a pattern may start at any
 * byte) and T[c] the bits of the pattern positions that hold c.  Bit i of D
 * is then set when the pattern position of bit i ends a match of the
 * pattern's bytes so far; a pattern occurs when its last bit is ever set.
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

#include "shift_and.h"

/* Bytes of a value scanned between checks for a cancelled statement. */
#define SCAN_CHUNK 65536

struct BgShiftAnd
{
	int			nwords;			/* state words, 1 .. BG_SHIFT_AND_MAX_WORDS */
	int			stride;			/* words of a table row: 1, 2 or 4 */
	int			pwords;			/* words of the patterns' bitmap */
	uint64		start[BG_SHIFT_AND_MAX_WORDS];	/* S */
	uint64		last[BG_SHIFT_AND_MAX_WORDS];	/* the patterns' last bits */
	uint64	   *table;			/* T: [byte * nwords + word] */
	int32	   *pattern_at;		/* [word * 64 + bit]: the pattern whose last
								 * bit it is */
	int			nempty;
	int		   *empty;			/* empty patterns: they occur in every value */
};

/*
 * The matcher of patterns pats[0 .. npatterns) (case-folded: no ASCII
 * capitals; a capital in the value reads as its small letter), in cxt, or
 * NULL when they need more than BG_SHIFT_AND_MAX_WORDS words.
 */
BgShiftAnd *
bg_shift_and_build(MemoryContext cxt, char *const *pats, const int *lens, int npatterns)
{
	BgShiftAnd *sa;
	int			w = 0,
				pos = 0;

	/* the layout first: whether the patterns fit */
	for (int i = 0; i < npatterns; i++)
	{
		int			need = lens[i] + (pos > 0 ? 1 : 0);

		if (lens[i] == 0)
			continue;
		if (lens[i] > 64)
			return NULL;
		if (pos + need > 64)
		{
			w++;
			pos = 0;
			need = lens[i];
		}
		if (w >= BG_SHIFT_AND_MAX_WORDS)
			return NULL;
		pos += need;
	}

	sa = MemoryContextAllocZero(cxt, sizeof(BgShiftAnd));
	sa->nwords = w + 1;
	sa->stride = sa->nwords <= 2 ? sa->nwords : 4;
	sa->pwords = Max((npatterns + 63) / 64, 1);
	/* rows of 2 and 4 words are read as 16-byte vectors: aligned */
	sa->table = (uint64 *) TYPEALIGN(16, MemoryContextAllocZero(cxt, sizeof(uint64) * 256 * sa->stride + 16));
	sa->pattern_at = MemoryContextAlloc(cxt, sizeof(int32) * 64 * sa->nwords);
	for (int i = 0; i < 64 * sa->nwords; i++)
		sa->pattern_at[i] = -1;
	sa->empty = MemoryContextAlloc(cxt, sizeof(int) * Max(npatterns, 1));
	w = 0;
	pos = 0;
	for (int i = 0; i < npatterns; i++)
	{
		int			first;

		CHECK_FOR_INTERRUPTS();
		if (lens[i] == 0)
		{
			sa->empty[sa->nempty++] = i;
			continue;
		}
		first = pos > 0 ? pos + 1 : 0;	/* bit pos, if any, is the gap */
		if (first + lens[i] > 64)
		{
			w++;
			first = 0;
		}
		Assert(w < sa->nwords);
		sa->start[w] |= UINT64CONST(1) << first;
		for (int j = 0; j < lens[i]; j++)
		{
			uint8		c = (uint8) pats[i][j];
			uint64		bit = UINT64CONST(1) << (first + j);

			Assert(!(c >= 'A' && c <= 'Z'));
			sa->table[c * sa->stride + w] |= bit;
			if (c >= 'a' && c <= 'z')
				sa->table[(c - ('a' - 'A')) * sa->stride + w] |= bit;
		}
		pos = first + lens[i];
		sa->last[w] |= UINT64CONST(1) << (pos - 1);
		sa->pattern_at[w * 64 + pos - 1] = i;
	}
	return sa;
}

/* Scans s[0 .. len) with one state word; seen: the bits ever set. */
static void
scan1(const BgShiftAnd *sa, const char *s, int len, uint64 *seen)
{
	uint64		d = 0,
				acc = 0,
				start = sa->start[0];
	const uint64 *table = sa->table;

	for (int from = 0; from < len; from += SCAN_CHUNK)
	{
		int			end = Min(len, from + SCAN_CHUNK);

		if (from > 0)
			CHECK_FOR_INTERRUPTS();
		for (int i = from; i < end; i++)
		{
			d = ((d << 1) + start) & table[(uint8) s[i]];
			acc |= d;
		}
	}
	seen[0] = acc;
}

#if defined(__GNUC__)
/*
 * Two and four words as 16-byte vectors of two words (GCC's and Clang's
 * vector extension: SSE2 on x86-64, NEON on ARM, plain words elsewhere).
 */
typedef uint64 pair __attribute__((vector_size(16)));

static pg_attribute_always_inline void
scan_pairs(const BgShiftAnd *sa, const char *s, int len, uint64 *seen, const int npairs)
{
	pair		d[2] = {{0, 0}, {0, 0}};
	pair		acc[2] = {{0, 0}, {0, 0}};
	pair		start[2];
	const pair *table = (const pair *) sa->table;

	memcpy(start, sa->start, sizeof(pair) * npairs);
	for (int from = 0; from < len; from += SCAN_CHUNK)
	{
		int			end = Min(len, from + SCAN_CHUNK);

		if (from > 0)
			CHECK_FOR_INTERRUPTS();
		for (int i = from; i < end; i++)
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
}
#else
/* Without vectors: the words side by side. */
static pg_attribute_always_inline void
scan_pairs(const BgShiftAnd *sa, const char *s, int len, uint64 *seen, const int npairs)
{
	uint64		d[4] = {0},
				acc[4] = {0};

	for (int from = 0; from < len; from += SCAN_CHUNK)
	{
		int			end = Min(len, from + SCAN_CHUNK);

		if (from > 0)
			CHECK_FOR_INTERRUPTS();
		for (int i = from; i < end; i++)
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
}
#endif

/* Sets bits (the patterns' bitmap) to the patterns that occur in s[0 .. len). */
void
bg_shift_and_run(const BgShiftAnd *sa, const char *s, int len, uint64 *bits)
{
	uint64		seen[4];

	StaticAssertStmt(BG_SHIFT_AND_MAX_WORDS == 4, "scans for 1, 2 and 4 words");
	if (sa->stride == 1)
		scan1(sa, s, len, seen);
	else if (sa->stride == 2)
		scan_pairs(sa, s, len, seen, 1);
	else
		scan_pairs(sa, s, len, seen, 2);
	if (sa->pwords == 1)
		bits[0] = 0;
	else
		memset(bits, 0, sizeof(uint64) * sa->pwords);
	for (int w = 0; w < sa->nwords; w++)
	{
		uint64		found = seen[w] & sa->last[w];

		while (found)
		{
			int			p = sa->pattern_at[w * 64 + pg_rightmost_one_pos64(found)];

			bits[p / 64] |= UINT64CONST(1) << (p % 64);
			found &= found - 1;
		}
	}
	for (int i = 0; i < sa->nempty; i++)
		bits[sa->empty[i] / 64] |= UINT64CONST(1) << (sa->empty[i] % 64);
}
