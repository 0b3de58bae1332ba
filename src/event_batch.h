/*
 * event_batch.h — the event batch of a transaction, kept for its rest
 * (event_batch.c).
 */
#ifndef BG_EVENT_BATCH_H
#define BG_EVENT_BATCH_H

extern void bg_event_batch_init(void);

#endif							/* BG_EVENT_BATCH_H */
