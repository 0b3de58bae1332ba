/*
 * score_guard.h — the mark by which bg.create_buying_groups tells the member
 * trigger that a statement stores its groups' scores itself.
 */
#ifndef BG_SCORE_GUARD_H
#define BG_SCORE_GUARD_H

extern void bg_score_guard_init(void);
extern bool bg_score_guard_get(void);
extern void bg_score_guard_set(bool on);
extern bool bg_restoring_now(void);

#endif							/* BG_SCORE_GUARD_H */
