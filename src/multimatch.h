/*
 * multimatch.h — all the text patterns of one column, matched in one pass.
 */
#ifndef BG_MULTIMATCH_H
#define BG_MULTIMATCH_H

#include "postgres.h"

/* What a pattern must be to the (folded, trimmed) value. */
typedef enum BgMatchKind
{
	BG_MATCH_CONTAINS,			/* anywhere in the value */
	BG_MATCH_PREFIX,			/* at the start */
	BG_MATCH_SUFFIX,			/* at the end */
	BG_MATCH_EXACT,				/* the whole value */
	BG_MATCH_NKINDS
} BgMatchKind;

typedef struct BgTrie BgTrie;

/*
 * A matcher holds the patterns of one column.  Patterns are added first
 * (bg_matcher_add returns the pattern's bit within its kind), then the matcher
 * is built once, then each value is matched with bg_matcher_run, which sets
 * the bitmap of a kind (and of the kinds computed in the same pass): bit i of
 * kind k is set when pattern i of kind k matches.  Values are case-folded like the patterns, except that ASCII
 * values may be passed unfolded: ASCII capitals match their small letters.
 */
typedef struct BgMatcher
{
	MemoryContext cxt;
	int			npatterns[BG_MATCH_NKINDS];
	int			cap[BG_MATCH_NKINDS];
	char	  **pat[BG_MATCH_NKINDS];
	int		   *patlen[BG_MATCH_NKINDS];
	int			nwords[BG_MATCH_NKINDS];	/* uint64 words per bitmap */
	uint8		classmap[256];	/* byte -> equivalence class */
	uint16		classmap2[256]; /* byte -> twice its class (BgTrie.step) */
	int			nclasses;
	struct BgShiftAnd *shift;	/* CONTAINS patterns by Shift-And, or NULL */
	bool		shift_suffix;	/* SUFFIX patterns too */
	BgTrie	   *contains;		/* else the Aho-Corasick automaton */
	BgTrie	   *prefix;			/* trie of PREFIX and EXACT patterns */
	BgTrie	   *suffix;			/* trie of reversed SUFFIX patterns */
	bool		plain;			/* too many patterns for tables: one by one */
	bool		built;
} BgMatcher;

extern BgMatcher *bg_matcher_create(MemoryContext cxt);
extern int	bg_matcher_add(BgMatcher *m, BgMatchKind kind, const char *s, int len);
extern void bg_matcher_build(BgMatcher *m);
extern int	bg_matcher_run(const BgMatcher *m, BgMatchKind kind, const char *s, int len,
						   uint64 **bits);

#endif							/* BG_MULTIMATCH_H */
