/*
 * casefold.c — trimming and full Unicode case folding (docs/design.md §4:
 * text comparisons ignore case and surrounding white space), and bg_internal._fold,
 * the same folding from SQL.
 *
 * ASCII values, the vast majority of job titles, are folded with a byte loop.
 * Anything else goes through ICU's u_strFoldCase with the default (not
 * Turkic) mapping, which is full case folding: "Straße" folds to "strasse",
 * final sigma to sigma.  PostgreSQL's own lower() is a lowercasing, not a
 * folding, and depends on the collation, so it is not used here.
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include "casefold.h"

void
bg_foldbuf_init(BgFoldBuf *fb, MemoryContext cxt)
{
	memset(fb, 0, sizeof(*fb));
	fb->cxt = cxt;
}

/*
 * A folded value must fit in a text (the largest palloc, less the varlena
 * header): about 1 GB.  Folding can make a value up to three times longer.
 */
#define FOLD_MAX_BYTES (MaxAllocSize - VARHDRSZ)

/* Input bytes folded per ICU call: bounds the scratch buffers. */
#define FOLD_CHUNK 65536

/* Makes room for need bytes in fb->data, keeping what is there. */
static void
ensure_cap(BgFoldBuf *fb, Size need)
{
	Size		cap;

	if (need <= fb->cap)
		return;
	if (need > FOLD_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("text value is too long to case-fold"),
				 errdetail("Its case-folded form would need %zu bytes; the limit is %zu bytes.",
						   need, (Size) FOLD_MAX_BYTES)));
	cap = Max(fb->cap, 64);
	while (cap < need)
		cap *= 2;				/* need <= FOLD_MAX_BYTES: no wrap in a Size */
	cap = Min(cap, (Size) FOLD_MAX_BYTES);
	fb->data = fb->data ? repalloc(fb->data, cap) : MemoryContextAlloc(fb->cxt, cap);
	fb->cap = cap;
}

/*
 * The ICU scratch buffers, for chunks of len input bytes (at most one
 * FOLD_CHUNK): a short value gets short buffers, a long one one chunk's.
 */
static void
ensure_scratch(BgFoldBuf *fb, int len)
{
	int			n = Min(len, FOLD_CHUNK);

	if (n <= fb->scap)
		return;
	n = Min(Max(n, Max(2 * fb->scap, 64)), FOLD_CHUNK);	/* few regrowths */
	if (fb->u16a)
		pfree(fb->u16a);
	if (fb->u16b)
		pfree(fb->u16b);
	fb->u16a = MemoryContextAlloc(fb->cxt, sizeof(UChar) * (n + 1));
	fb->u16b = MemoryContextAlloc(fb->cxt, sizeof(UChar) * (3 * (Size) n + 1));
	fb->scap = n;
}

static inline bool
ascii_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Decodes the UTF-8 code point ending just before end (start <= p < end). */
static int
last_codepoint(const char *start, const char *end, UChar32 *cp)
{
	const char *p = end - 1;

	while (p > start && (((unsigned char) *p) & 0xC0) == 0x80)
		p--;
	*cp = utf8_to_unicode((const unsigned char *) p);
	return end - p;
}

/*
 * Trims leading and trailing white space in place (adjusts *s and *len).
 * Non-ASCII white space (no-break space, ideographic space, ...) counts too
 * in a UTF-8 database.
 */
void
bg_trim(const char **s, int *len)
{
	const char *p = *s;
	const char *end = p + *len;
	bool		utf8 = (GetDatabaseEncoding() == PG_UTF8);
	uint32		steps = 0;

	while (p < end)
	{
		unsigned char c = (unsigned char) *p;

		if ((++steps & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();

		if (ascii_space(c))
			p++;
		else if (c >= 0x80 && utf8)
		{
			int			l = pg_utf_mblen((const unsigned char *) p);

			if (p + l > end || !u_isUWhiteSpace(utf8_to_unicode((const unsigned char *) p)))
				break;
			p += l;
		}
		else
			break;
	}
	while (end > p)
	{
		unsigned char c = (unsigned char) end[-1];

		if ((++steps & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();

		if (ascii_space(c))
			end--;
		else if (c >= 0x80 && utf8)
		{
			UChar32		cp;
			int			l = last_codepoint(p, end, &cp);

			if (!u_isUWhiteSpace(cp))
				break;
			end -= l;
		}
		else
			break;
	}
	*s = p;
	*len = end - p;
}

static void
icu_check(UErrorCode status, const char *what)
{
	if (U_FAILURE(status))
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("could not case-fold a text value"),
				 errdetail("ICU function %s failed: %s.", what, u_errorName(status))));
}

/*
 * Folds UTF-8 s[0..len) with ICU, a chunk at a time: full case folding maps
 * each code point on its own, so chunks cut between code points fold as the
 * whole would.  The scratch buffers stay one chunk long whatever the value,
 * and the statement can be cancelled between chunks.
 */
static void
fold_utf8(BgFoldBuf *fb, const char *s, int len)
{
	int			pos = 0;

	ensure_scratch(fb, len);
	fb->len = 0;
	ensure_cap(fb, 1);
	while (pos < len)
	{
		UErrorCode	status = U_ZERO_ERROR;
		int			n = Min(len - pos, fb->scap);
		int32_t		n16,
					nfold,
					n8;
		Size		need;

		CHECK_FOR_INTERRUPTS();
		/* end the chunk before a continuation byte: at a code point */
		while (pos + n < len && n > 4 && (((unsigned char) s[pos + n]) & 0xC0) == 0x80)
			n--;
		/* a UTF-8 string has at most as many UTF-16 units as bytes */
		u_strFromUTF8((UChar *) fb->u16a, fb->scap + 1, &n16, s + pos, n, &status);
		icu_check(status, "u_strFromUTF8");
		/* full folding expands a code unit into at most three */
		nfold = u_strFoldCase((UChar *) fb->u16b, 3 * fb->scap + 1, (UChar *) fb->u16a, n16,
							  U_FOLD_CASE_DEFAULT, &status);
		icu_check(status, "u_strFoldCase");
		/* a UTF-16 unit becomes at most three UTF-8 bytes; near the limit, exactly */
		need = (Size) fb->len + (Size) nfold * 3 + 1;
		if (need > FOLD_MAX_BYTES)
		{
			u_strToUTF8(NULL, 0, &n8, (UChar *) fb->u16b, nfold, &status);
			if (status != U_BUFFER_OVERFLOW_ERROR)
				icu_check(status, "u_strToUTF8");
			status = U_ZERO_ERROR;
			need = (Size) fb->len + (Size) n8 + 1;
		}
		ensure_cap(fb, need);
		u_strToUTF8(fb->data + fb->len, (int32_t) (fb->cap - fb->len), &n8,
					(UChar *) fb->u16b, nfold, &status);
		icu_check(status, "u_strToUTF8");
		fb->len += n8;
		pos += n;
	}
	fb->data[fb->len] = '\0';
}

static void
fold_icu(BgFoldBuf *fb, const char *s, int len)
{
	char	   *conv = NULL;

	if (GetDatabaseEncoding() != PG_UTF8)
	{
		conv = (char *) pg_do_encoding_conversion((unsigned char *) s, len,
												  GetDatabaseEncoding(), PG_UTF8);
		if (conv != s)
		{
			s = conv;
			len = strlen(conv);
		}
		else
			conv = NULL;
	}
	fold_utf8(fb, s, len);
	if (conv)
		pfree(conv);
}

/*
 * Folds s[0..len) into fb.  The result is compared only with other folded
 * strings (always UTF-8 for non-ASCII text), never shown to users.
 */
void
bg_fold(BgFoldBuf *fb, const char *s, int len)
{
	char	   *out;

	ensure_cap(fb, (Size) len + 1);
	out = fb->data;
	for (int start = 0; start < len; start += FOLD_CHUNK)
	{
		int			end = Min(len, start + FOLD_CHUNK);

		if (start > 0)
			CHECK_FOR_INTERRUPTS();
		for (int i = start; i < end; i++)
		{
			unsigned char c = (unsigned char) s[i];

			if (c >= 0x80)
			{
				fold_icu(fb, s, len);
				return;
			}
			out[i] = (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
		}
	}
	out[len] = '\0';
	fb->len = len;
}

/*
 * Folds s into a new palloc'd string (for literals, which keep their white
 * space: only column values are trimmed).
 */
char *
bg_fold_copy(const char *s, int len, int *outlen)
{
	BgFoldBuf	fb;

	bg_foldbuf_init(&fb, CurrentMemoryContext);
	bg_fold(&fb, s, len);
	if (fb.u16a)
		pfree(fb.u16a);
	if (fb.u16b)
		pfree(fb.u16b);
	*outlen = fb.len;
	if (fb.data == NULL)
		return pstrdup("");
	fb.data[fb.len] = '\0';
	return fb.data;
}

/*
 * bg_internal._fold(text) RETURNS text: the trimmed, case-folded form that text
 * comparisons use; it keeps role names unique whatever the database locale.
 */
PG_FUNCTION_INFO_V1(bg_fold_text);
Datum
bg_fold_text(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	char	   *folded;

	bg_trim(&s, &len);
	folded = bg_fold_copy(s, len, &len);

	PG_RETURN_TEXT_P(cstring_to_text_with_len(folded, len));
}
