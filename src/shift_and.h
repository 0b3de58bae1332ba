/*
 * shift_and.h — a column's CONTAINS and SUFFIX patterns matched by
 * bit-parallel shifts (Shift-And), when they fit in a few machine words.
 */
#ifndef BG_SHIFT_AND_H
#define BG_SHIFT_AND_H

#include "postgres.h"

/* Patterns whose bytes (one bit each, plus one between patterns) need more words use the automaton. */
#define BG_SHIFT_AND_MAX_WORDS 4

typedef struct BgShiftAnd BgShiftAnd;

extern BgShiftAnd *bg_shift_and_build(MemoryContext cxt,
									  char *const *cpats, const int *clens, int ncontains,
									  char *const *spats, const int *slens, int nsuffix);
extern void bg_shift_and_run(const BgShiftAnd *sa, const char *s, int len,
							 uint64 *contains, uint64 *suffix);

#endif							/* BG_SHIFT_AND_H */
