/*
 * alloc_limit.c — overflow-checked sizes and growing arrays (alloc_limit.h).
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "alloc_limit.h"

static void pg_attribute_noreturn()
too_large(Size nelems, Size elemsize, const char *what, Size limit)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("%s is too large", what),
			 errdetail("It would need %zu entries of %zu bytes; the limit is %zu bytes.",
					   nelems, elemsize, limit)));
}

Size
bg_alloc_size(Size nelems, Size elemsize, const char *what)
{
	Assert(elemsize > 0);
	if (nelems > MaxAllocSize / elemsize)
		too_large(nelems, elemsize, what, MaxAllocSize);
	return nelems * elemsize;
}

/* bg_grow_array and bg_grow_array_huge, with limit bytes at most. */
static void *
grow_array(void *arr, int *cap, Size need, Size elemsize, MemoryContext cxt,
		   const char *what, Size limit)
{
	Size		newcap;
	Size		maxcap = Min(limit / elemsize, (Size) PG_INT32_MAX);

	Assert(elemsize > 0 && *cap >= 0);
	if (need <= (Size) *cap)
		return arr;
	if (need > maxcap)
		too_large(need, elemsize, what, limit);
	newcap = Max((Size) *cap, 8);
	while (newcap < need)
		newcap *= 2;			/* need <= PG_INT32_MAX: cannot wrap a Size */
	newcap = Min(newcap, maxcap);
	if (limit > MaxAllocSize)
		arr = arr ? repalloc_huge(arr, newcap * elemsize) :
			MemoryContextAllocHuge(cxt, newcap * elemsize);
	else
		arr = arr ? repalloc(arr, newcap * elemsize) :
			MemoryContextAlloc(cxt, newcap * elemsize);
	*cap = (int) newcap;
	return arr;
}

void *
bg_grow_array(void *arr, int *cap, Size need, Size elemsize, MemoryContext cxt,
			  const char *what)
{
	return grow_array(arr, cap, need, elemsize, cxt, what, MaxAllocSize);
}

void *
bg_grow_array_huge(void *arr, int *cap, Size need, Size elemsize, MemoryContext cxt,
				   const char *what)
{
	return grow_array(arr, cap, need, elemsize, cxt, what, MaxAllocHugeSize);
}
