/*
 * shift_and.h — a column's CONTAINS patterns matched by bit-parallel
 * shifts (Shift-And), when they fit in a few machine words.
 */
#ifndef BG_SHIFT_AND_H
#define BG_SHIFT_AND_H

#include "postgres.h"

/* Patterns whose bytes (one bit each, plus one between patterns) need more words use the automaton. */
#define BG_SHIFT_AND_MAX_WORDS 4

typedef struct BgShiftAnd BgShiftAnd;

extern BgShiftAnd *bg_shift_and_build(MemoryContext cxt, char *const *pats,
									  const int *lens, int npatterns);
extern void bg_shift_and_run(const BgShiftAnd *sa, const char *s, int len, uint64 *bits);

#endif							/* BG_SHIFT_AND_H */
