/*
 * multimatch.c — matches every text pattern of a column against a value in
 * one pass per kind (docs/design.md §8: evaluation costs little more than
 * reading the row).
 *
 * CONTAINS patterns are matched by bit-parallel shifts (shift_and.c) when
 * their bytes fit in a few words; otherwise they form an Aho-Corasick
 * automaton, compiled to a dense DFA over byte classes (the bytes that occur
 * in some pattern, plus one class for all others), so each byte of the value
 * costs one table lookup.  PREFIX and
 * EXACT patterns share a trie walked from the start of the value; SUFFIX
 * patterns a trie of reversed patterns walked from the end.  Each state
 * carries a bitmap of the patterns it completes.
 *
 * Written here rather than taken from a library: no Debian library offers a
 * byte-level multi-pattern matcher with per-pattern results that can live in
 * a PostgreSQL memory context (the regex engine answers one pattern at a
 * time, and ICU has no such facility).
 */
#include "postgres.h"

#include "miscadmin.h"

#include "alloc_limit.h"
#include "multimatch.h"
#include "shift_and.h"

/* Bytes of a value scanned between checks for a cancelled statement. */
#define SCAN_CHUNK 65536

struct BgTrie
{
	int			nstates;
	int			cap;
	int32	   *next;			/* [state * nclasses + class], -1 = none */
	int32	   *fail;			/* Aho-Corasick only */
	int			nwords;
	uint64	   *out;			/* [state * nwords]: patterns completed here */
	uint64	   *out2;			/* prefix trie: EXACT patterns ending here */
	int			nwords2;
	bool	   *has_out;		/* any bit in out (skips the OR loop) */

	/*
	 * The transitions as the matching loops read them: entries
	 * 2 * (state * nclasses + class) and the one after it both hold
	 * (target * nclasses) << 1, plus 1 when the target completes a pattern,
	 * or -1 for no transition.  Carrying the flag and the pre-multiplied
	 * offset saves two dependent loads per byte; the doubled entries let the
	 * next lookup add the doubled class (BgMatcher.classmap2) to the entry
	 * as it is, flag and all, so each byte costs one load and one add.
	 */
	int32	   *step;
};

BgMatcher *
bg_matcher_create(MemoryContext cxt)
{
	BgMatcher  *m = MemoryContextAllocZero(cxt, sizeof(BgMatcher));

	m->cxt = cxt;
	return m;
}

int
bg_matcher_add(BgMatcher *m, BgMatchKind kind, const char *s, int len)
{
	int			n = m->npatterns[kind];

	Assert(!m->built);
	/* share the bit of a repeated pattern (bounded: long IN lists skip it) */
	for (int i = 0; i < Min(n, 256); i++)
		if (m->patlen[kind][i] == len && memcmp(m->pat[kind][i], s, len) == 0)
			return i;
	if (n == m->cap[kind])
	{
		int			cap1 = m->cap[kind],
					cap2 = m->cap[kind];

		m->pat[kind] = bg_grow_array(m->pat[kind], &cap1, (Size) n + 1, sizeof(char *),
									 m->cxt, "set of text patterns");
		m->patlen[kind] = bg_grow_array(m->patlen[kind], &cap2, (Size) n + 1, sizeof(int),
										m->cxt, "set of text patterns");
		m->cap[kind] = Min(cap1, cap2);
	}
	m->pat[kind][n] = MemoryContextAlloc(m->cxt, (Size) len + 1);
	memcpy(m->pat[kind][n], s, len);
	m->pat[kind][n][len] = '\0';
	m->patlen[kind][n] = len;
	return m->npatterns[kind]++;
}

static int
new_state(BgMatcher *m, BgTrie *t)
{
	int			s = t->nstates;

	if (s == t->cap)
	{
		int			oldcap = t->cap;
		Size		cap = oldcap ? (Size) oldcap * 2 : 16;
		Size		nextsz = bg_alloc_size(cap, sizeof(int32) * m->nclasses, "text pattern automaton");
		Size		outsz = bg_alloc_size(cap, sizeof(uint64) * Max(t->nwords, 1),
										  "text pattern automaton");
		Size		out2sz = bg_alloc_size(cap, sizeof(uint64) * Max(t->nwords2, 1),
										   "text pattern automaton");

		/* cap * sizeof(int32) fits in MaxAllocSize: cap fits in an int */
		t->next = oldcap ? repalloc(t->next, nextsz) : MemoryContextAlloc(m->cxt, nextsz);
		t->out = oldcap ? repalloc(t->out, outsz) : MemoryContextAlloc(m->cxt, outsz);
		if (t->nwords2 > 0)
			t->out2 = oldcap ? repalloc(t->out2, out2sz) : MemoryContextAlloc(m->cxt, out2sz);
		t->cap = (int) cap;
	}
	for (int c = 0; c < m->nclasses; c++)
		t->next[(Size) s * m->nclasses + c] = -1;
	memset(&t->out[(Size) s * Max(t->nwords, 1)], 0, sizeof(uint64) * Max(t->nwords, 1));
	if (t->nwords2 > 0)
		memset(&t->out2[(Size) s * t->nwords2], 0, sizeof(uint64) * t->nwords2);
	return t->nstates++;
}

/* Inserts pattern s (reversed when rev) and marks bit in out (or out2). */
static void
trie_insert(BgMatcher *m, BgTrie *t, const char *s, int len, bool rev, int bit, bool second)
{
	int			state = 0;

	CHECK_FOR_INTERRUPTS();
	for (int i = 0; i < len; i++)
	{
		uint8		c = m->classmap[(uint8) s[rev ? len - 1 - i : i]];
		int32	   *slot = &t->next[state * m->nclasses + c];

		if (*slot < 0)
		{
			int			ns = new_state(m, t);

			/* new_state may have moved the table */
			t->next[state * m->nclasses + c] = ns;
			state = ns;
		}
		else
			state = *slot;
	}
	if (second)
		t->out2[state * t->nwords2 + bit / 64] |= UINT64CONST(1) << (bit % 64);
	else
		t->out[state * t->nwords + bit / 64] |= UINT64CONST(1) << (bit % 64);
}

static BgTrie *
trie_new(BgMatcher *m, int nwords, int nwords2)
{
	BgTrie	   *t = MemoryContextAllocZero(m->cxt, sizeof(BgTrie));

	t->nwords = nwords;
	t->nwords2 = nwords2;
	new_state(m, t);			/* the root */
	return t;
}

static void
finish_has_out(BgMatcher *m, BgTrie *t)
{
	int			nc = m->nclasses;

	t->has_out = MemoryContextAllocZero(m->cxt, sizeof(bool) * t->nstates);
	for (int s = 0; s < t->nstates; s++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int w = 0; w < t->nwords; w++)
			if (t->out[(Size) s * t->nwords + w])
				t->has_out[s] = true;
	}
	t->step = MemoryContextAlloc(m->cxt, bg_alloc_size(t->nstates, sizeof(int32) * 2 * nc,
													   "text pattern automaton"));
	for (int s = 0; s < t->nstates; s++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int c = 0; c < nc; c++)
		{
			Size		i = (Size) s * nc + c;
			int32		target = t->next[i];

			t->step[2 * i] = target < 0 ? -1 : ((target * nc) << 1) | (t->has_out[target] ? 1 : 0);
			t->step[2 * i + 1] = t->step[2 * i];
		}
	}
}

/* Turns the trie of CONTAINS patterns into a complete Aho-Corasick DFA. */
static void
build_automaton(BgMatcher *m, BgTrie *t)
{
	int		   *queue = MemoryContextAlloc(m->cxt, sizeof(int) * t->nstates);
	int			head = 0,
				tail = 0;
	int			nc = m->nclasses;

	t->fail = MemoryContextAllocZero(m->cxt, sizeof(int32) * t->nstates);
	for (int c = 0; c < nc; c++)
	{
		int			s = t->next[c];

		if (s < 0)
			t->next[c] = 0;
		else
		{
			t->fail[s] = 0;
			queue[tail++] = s;
		}
	}
	while (head < tail)
	{
		int			r = queue[head++];

		CHECK_FOR_INTERRUPTS();
		/* a state also completes what its failure state completes */
		for (int w = 0; w < t->nwords; w++)
			t->out[r * t->nwords + w] |= t->out[t->fail[r] * t->nwords + w];
		for (int c = 0; c < nc; c++)
		{
			int			s = t->next[r * nc + c];

			if (s < 0)
				t->next[r * nc + c] = t->next[t->fail[r] * nc + c];
			else
			{
				t->fail[s] = t->next[t->fail[r] * nc + c];
				queue[tail++] = s;
			}
		}
	}
	pfree(queue);
}

/*
 * Above this many transitions (64 MB as the loops read them, doubled), or
 * this many words of per-state pattern bitmaps (64 MB), a matcher compares
 * pattern by pattern: the tables grow with bytes × classes and bytes ×
 * patterns.
 */
#define MAX_TABLE_ENTRIES (8 * 1024 * 1024)
#define MAX_BITMAP_WORDS (8 * 1024 * 1024)

void
bg_matcher_build(BgMatcher *m)
{
	bool		seen[256] = {false};
	Size		bytes = 0;
	Size		words = 0;

	Assert(!m->built);
	/* byte classes: one per byte used by a pattern, class 0 for the rest */
	for (int k = 0; k < BG_MATCH_NKINDS; k++)
		for (int i = 0; i < m->npatterns[k]; i++)
		{
			CHECK_FOR_INTERRUPTS();
			for (int j = 0; j < m->patlen[k][i]; j++)
				seen[(uint8) m->pat[k][i][j]] = true;
		}
	m->nclasses = 1;
	for (int b = 0; b < 256; b++)
		if (!(b >= 'A' && b <= 'Z'))
			m->classmap[b] = seen[b] ? m->nclasses++ : 0;

	/*
	 * Patterns are case-folded, so they hold no ASCII capitals; a capital in
	 * the value reads as its small letter, and ASCII values need no folding.
	 */
	for (int b = 'A'; b <= 'Z'; b++)
		m->classmap[b] = m->classmap[b + ('a' - 'A')];
	for (int b = 0; b < 256; b++)
		m->classmap2[b] = 2 * m->classmap[b];
	for (int k = 0; k < BG_MATCH_NKINDS; k++)
		m->nwords[k] = (m->npatterns[k] + 63) / 64;

	/* a trie has at most one state per pattern byte, plus the root */
	for (int k = 0; k < BG_MATCH_NKINDS; k++)
	{
		words += m->nwords[k];
		for (int i = 0; i < m->npatterns[k]; i++)
			bytes += m->patlen[k][i];
	}
	if (bytes + 3 > (Size) MAX_TABLE_ENTRIES / m->nclasses ||
		bytes + 3 > (Size) MAX_BITMAP_WORDS / Max(words, 1))
	{
		m->plain = true;
		m->built = true;
		return;
	}

	/*
	 * CONTAINS patterns by Shift-And, which scans the whole value as their
	 * automaton does; the SUFFIX patterns in the same scan when they fit
	 * too (else their trie, walked from the end, stops at the first byte
	 * that no pattern has there).
	 */
	if (m->npatterns[BG_MATCH_CONTAINS] > 0 && m->npatterns[BG_MATCH_SUFFIX] > 0)
	{
		m->shift = bg_shift_and_build(m->cxt, m->pat[BG_MATCH_CONTAINS],
									  m->patlen[BG_MATCH_CONTAINS],
									  m->npatterns[BG_MATCH_CONTAINS],
									  m->pat[BG_MATCH_SUFFIX], m->patlen[BG_MATCH_SUFFIX],
									  m->npatterns[BG_MATCH_SUFFIX]);
		m->shift_suffix = m->shift != NULL;
	}
	if (m->npatterns[BG_MATCH_CONTAINS] > 0 && m->shift == NULL)
		m->shift = bg_shift_and_build(m->cxt, m->pat[BG_MATCH_CONTAINS],
									  m->patlen[BG_MATCH_CONTAINS],
									  m->npatterns[BG_MATCH_CONTAINS], NULL, NULL, 0);
	if (m->npatterns[BG_MATCH_CONTAINS] > 0 && m->shift == NULL)
	{
		m->contains = trie_new(m, m->nwords[BG_MATCH_CONTAINS], 0);
		for (int i = 0; i < m->npatterns[BG_MATCH_CONTAINS]; i++)
			trie_insert(m, m->contains, m->pat[BG_MATCH_CONTAINS][i],
						m->patlen[BG_MATCH_CONTAINS][i], false, i, false);
		build_automaton(m, m->contains);
		finish_has_out(m, m->contains);
	}
	if (m->npatterns[BG_MATCH_PREFIX] > 0 || m->npatterns[BG_MATCH_EXACT] > 0)
	{
		m->prefix = trie_new(m, m->nwords[BG_MATCH_PREFIX], Max(m->nwords[BG_MATCH_EXACT], 1));
		for (int i = 0; i < m->npatterns[BG_MATCH_PREFIX]; i++)
			trie_insert(m, m->prefix, m->pat[BG_MATCH_PREFIX][i],
						m->patlen[BG_MATCH_PREFIX][i], false, i, false);
		for (int i = 0; i < m->npatterns[BG_MATCH_EXACT]; i++)
			trie_insert(m, m->prefix, m->pat[BG_MATCH_EXACT][i],
						m->patlen[BG_MATCH_EXACT][i], false, i, true);
		finish_has_out(m, m->prefix);
	}
	if (m->npatterns[BG_MATCH_SUFFIX] > 0 && !m->shift_suffix)
	{
		m->suffix = trie_new(m, m->nwords[BG_MATCH_SUFFIX], 0);
		for (int i = 0; i < m->npatterns[BG_MATCH_SUFFIX]; i++)
			trie_insert(m, m->suffix, m->pat[BG_MATCH_SUFFIX][i],
						m->patlen[BG_MATCH_SUFFIX][i], true, i, false);
		finish_has_out(m, m->suffix);
	}
	m->built = true;
}

/* Clears a bitmap of nwords words (mostly one: no call for those). */
static inline void
clear_bits(uint64 *bits, int nwords)
{
	if (nwords == 1)
		bits[0] = 0;
	else
		memset(bits, 0, sizeof(uint64) * nwords);
}

static inline void
or_bits(uint64 *bits, const uint64 *src, int nwords)
{
	for (int w = 0; w < nwords; w++)
		bits[w] |= src[w];
}

/*
 * Sets bits (m->nwords[kind] words) to the patterns of kind that match
 * s[0..len).  PREFIX and EXACT share one walk; asking for either computes
 * that kind only.
 */
/* ASCII capitals of v read as small letters; p is folded. */
static inline bool
eq_fold_ascii(const char *v, const char *p, int len)
{
	for (int i = 0; i < len; i++)
	{
		uint8		c = (uint8) v[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != (uint8) p[i])
			return false;
	}
	return true;
}

/* The matcher without tables: each pattern in turn (very large pattern sets). */
static int
run_plain(const BgMatcher *m, BgMatchKind kind, const char *s, int len, uint64 **bits)
{
	int			done = (kind == BG_MATCH_PREFIX || kind == BG_MATCH_EXACT) ?
		(1 << BG_MATCH_PREFIX) | (1 << BG_MATCH_EXACT) : 1 << kind;

	for (int k = 0; k < BG_MATCH_NKINDS; k++)
	{
		if (!(done & (1 << k)))
			continue;
		memset(bits[k], 0, sizeof(uint64) * m->nwords[k]);
		for (int i = 0; i < m->npatterns[k]; i++)
		{
			const char *p = m->pat[k][i];
			int			pl = m->patlen[k][i];
			bool		hit = false;

			CHECK_FOR_INTERRUPTS();
			if (pl > len)
				continue;
			switch ((BgMatchKind) k)
			{
				case BG_MATCH_EXACT:
					hit = pl == len && eq_fold_ascii(s, p, pl);
					break;
				case BG_MATCH_PREFIX:
					hit = eq_fold_ascii(s, p, pl);
					break;
				case BG_MATCH_SUFFIX:
					hit = eq_fold_ascii(s + len - pl, p, pl);
					break;
				case BG_MATCH_CONTAINS:
					for (int at = 0; at + pl <= len && !hit; at++)
					{
						if ((at & (SCAN_CHUNK - 1)) == 0)
							CHECK_FOR_INTERRUPTS();
						hit = eq_fold_ascii(s + at, p, pl);
					}
					break;
				case BG_MATCH_NKINDS:
					break;
			}
			if (hit)
				bits[k][i / 64] |= UINT64CONST(1) << (i % 64);
		}
	}
	return done;
}

/* The Shift-And pass: CONTAINS, and SUFFIX when it holds those too. */
static int
run_shift(const BgMatcher *m, const char *s, int len, uint64 **bits)
{
	bg_shift_and_run(m->shift, s, len, bits[BG_MATCH_CONTAINS],
					 m->shift_suffix ? bits[BG_MATCH_SUFFIX] : NULL);
	return (1 << BG_MATCH_CONTAINS) | (m->shift_suffix ? 1 << BG_MATCH_SUFFIX : 0);
}

/*
 * Sets the bitmaps of kind (m->nwords[kind] words at bits[kind]) to the
 * patterns that match s[0..len).  PREFIX and EXACT share one walk, so asking
 * for either sets both; the return value says which kinds were set.
 */
int
bg_matcher_run(const BgMatcher *m, BgMatchKind kind, const char *s, int len, uint64 **bits)
{
	int			nc = m->nclasses;
	const uint16 *cm = m->classmap2;

	Assert(m->built && kind >= 0 && kind < BG_MATCH_NKINDS && len >= 0);
	Assert(m->npatterns[kind] > 0 || m->npatterns[BG_MATCH_EXACT] > 0 ||
		   m->npatterns[BG_MATCH_PREFIX] > 0);
	if (m->plain)
		return run_plain(m, kind, s, len, bits);
	switch (kind)
	{
		case BG_MATCH_CONTAINS:
			if (m->shift)
				return run_shift(m, s, len, bits);
			else
			{
				const BgTrie *t = m->contains;
				const int32 *step = t->step;
				uint64	   *b = bits[kind];
				int			nw = m->nwords[kind];
				uint32		v = 0;	/* never -1: the automaton is complete */

				clear_bits(b, nw);
				if (t->has_out[0])
					or_bits(b, t->out, nw); /* the empty pattern */
				for (int start = 0; start < len; start += SCAN_CHUNK)
				{
					int			end = Min(len, start + SCAN_CHUNK);

					if (start > 0)
						CHECK_FOR_INTERRUPTS();
					for (int i = start; i < end; i++)
					{
						v = (uint32) step[v + cm[(uint8) s[i]]];
						if (unlikely(v & 1))
							or_bits(b, &t->out[(Size) ((v >> 1) / nc) * nw], nw);
					}
				}
				return 1 << kind;
			}
		case BG_MATCH_PREFIX:
		case BG_MATCH_EXACT:
			{
				const BgTrie *t = m->prefix;
				const int32 *step = t->step;
				uint64	   *pb = bits[BG_MATCH_PREFIX];
				uint64	   *eb = bits[BG_MATCH_EXACT];
				int			pw = m->nwords[BG_MATCH_PREFIX];
				int			ew = m->nwords[BG_MATCH_EXACT];
				int32		v = t->has_out[0] ? 1 : 0;
				int			done = (1 << BG_MATCH_PREFIX) | (1 << BG_MATCH_EXACT);

				clear_bits(pb, pw);
				clear_bits(eb, ew);
				for (int i = 0;; i++)
				{
					if (v & 1)
						or_bits(pb, &t->out[((v >> 1) / nc) * pw], pw);
					if (i == len)
						break;
					v = step[v + cm[(uint8) s[i]]];
					if (v < 0)
						return done;
				}
				or_bits(eb, &t->out2[((v >> 1) / nc) * t->nwords2], ew);
				return done;
			}
		case BG_MATCH_SUFFIX:
			if (m->shift_suffix)
				return run_shift(m, s, len, bits);
			else
			{
				const BgTrie *t = m->suffix;
				const int32 *step = t->step;
				uint64	   *b = bits[kind];
				int			nw = m->nwords[kind];
				int32		v = t->has_out[0] ? 1 : 0;

				clear_bits(b, nw);
				for (int i = len;; i--)
				{
					if (v & 1)
						or_bits(b, &t->out[((v >> 1) / nc) * nw], nw);
					if (i == 0)
						break;
					v = step[v + cm[(uint8) s[i - 1]]];
					if (v < 0)
						return 1 << kind;
				}
				return 1 << kind;
			}
		case BG_MATCH_NKINDS:
			break;
	}
	elog(ERROR, "unexpected match kind %d", (int) kind);
	return 0;
}
