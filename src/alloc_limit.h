/*
 * alloc_limit.h — size arithmetic for memory that grows with the input: every
 * growing array and every buffer sized from a value goes through these, so
 * that no size can overflow and none can exceed what palloc accepts
 * (MaxAllocSize).  Going past the limit is an error 54000 that names what was
 * too large, never an overflow, a loop or an internal error.
 */
#ifndef BG_ALLOC_LIMIT_H
#define BG_ALLOC_LIMIT_H

#include "postgres.h"

/* nelems * elemsize, or error 54000 naming what when it exceeds MaxAllocSize. */
extern Size bg_alloc_size(Size nelems, Size elemsize, const char *what);

/*
 * Grows the array arr (NULL when none yet, else allocated in cxt) of *cap
 * elements of elemsize bytes to hold at least need elements, doubling; keeps
 * its contents and updates *cap.  Error 54000 naming what when the array
 * would exceed MaxAllocSize.
 */
extern void *bg_grow_array(void *arr, int *cap, Size need, Size elemsize,
						   MemoryContext cxt, const char *what);

/* The same for arrays that may exceed MaxAllocSize (up to MaxAllocHugeSize). */
extern void *bg_grow_array_huge(void *arr, int *cap, Size need, Size elemsize,
								MemoryContext cxt, const char *what);

#endif							/* BG_ALLOC_LIMIT_H */
