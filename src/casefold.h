/*
 * casefold.h — trimming and full Unicode case folding of text values.
 */
#ifndef BG_CASEFOLD_H
#define BG_CASEFOLD_H

#include "postgres.h"

/*
 * A reusable output buffer: a value folded into it stays valid until the next
 * fold into the same buffer.  The buffer lives in the context given at
 * creation and only grows, so folding a row allocates nothing per row.
 */
typedef struct BgFoldBuf
{
	MemoryContext cxt;
	char	   *data;
	int			len;
	Size		cap;
	void	   *u16a;			/* ICU scratch (UChar arrays) for chunks of */
	void	   *u16b;			/* up to scap input bytes */
	int			scap;
} BgFoldBuf;

extern void bg_foldbuf_init(BgFoldBuf *fb, MemoryContext cxt);
extern void bg_trim(const char **s, int *len);
extern void bg_fold(BgFoldBuf *fb, const char *s, int len);
extern char *bg_fold_copy(const char *s, int len, int *outlen);

#endif							/* BG_CASEFOLD_H */
