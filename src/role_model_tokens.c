/*
 * role_model_tokens.c — the tokens of a person for the role model
 * (docs/design.md §10) and the vocabulary table that numbers them.
 *
 * A job title is case-folded as conditions fold text (casefold.c) and cut
 * into words: runs of ASCII letters and digits and of non-ASCII characters;
 * everything else separates.  Its tokens are the words and the pairs of
 * adjacent words, joined by one space.  An extra column gives one token
 * "column=value": a text folded and trimmed (no token when blank), a boolean
 * true or false, a number its bucket (bucket_text).  NULL gives no token.
 * Words hold no space and no '=', so the three kinds never collide.
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "miscadmin.h"

#include "alloc_limit.h"
#include "role_model.h"

void
bg_vocab_init(BgVocab *v, MemoryContext cxt)
{
	memset(v, 0, sizeof(*v));
	v->cxt = cxt;
	v->max = BG_MAX_VOCABULARY;
	v->mask = 1023;
	v->slots = MemoryContextAlloc(cxt, sizeof(int) * 1024);
	memset(v->slots, -1, sizeof(int) * 1024);
}

int
bg_vocab_find(const BgVocab *v, const char *s, int len)
{
	uint32		h = hash_bytes((const unsigned char *) s, len);

	for (uint32 i = h & v->mask;; i = (i + 1) & v->mask)
	{
		int			t = v->slots[i];

		if (t < 0)
			return -1;
		if (v->hashes[t] == h && v->lens[t] == len && memcmp(v->pool + v->offs[t], s, len) == 0)
			return t;
	}
}

/* Doubles the slots when they are half full. */
static void
vocab_rehash(BgVocab *v)
{
	uint32		nslots = (v->mask + 1) * 2;

	pfree(v->slots);
	v->slots = MemoryContextAllocHuge(v->cxt, bg_alloc_size(nslots, sizeof(int), "role model vocabulary"));
	memset(v->slots, -1, sizeof(int) * (Size) nslots);
	v->mask = nslots - 1;
	for (int t = 0; t < v->n; t++)
	{
		uint32		i = v->hashes[t] & v->mask;

		CHECK_FOR_INTERRUPTS();
		while (v->slots[i] >= 0)
			i = (i + 1) & v->mask;
		v->slots[i] = t;
	}
}

/* The id of token s, numbering it when new; error 54000 past the cap (max). */
int
bg_vocab_add(BgVocab *v, const char *s, int len)
{
	uint32		h = hash_bytes((const unsigned char *) s, len);
	uint32		i;
	int			t;

	for (i = h & v->mask;; i = (i + 1) & v->mask)
	{
		t = v->slots[i];
		if (t < 0)
			break;
		if (v->hashes[t] == h && v->lens[t] == len && memcmp(v->pool + v->offs[t], s, len) == 0)
			return t;
	}
	if (v->max > 0 && v->n >= v->max)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("role model vocabulary is too large"),
				 errdetail("A role model holds at most %d distinct tokens.", BG_MAX_VOCABULARY),
				 errhint("Train on fewer labels or fewer extra columns.")));
	if (v->n == v->cap)
	{
		int			cap = v->cap;

		v->offs = bg_grow_array(v->offs, &cap, v->n + 1, sizeof(int), v->cxt, "role model vocabulary");
		cap = v->cap;
		v->lens = bg_grow_array(v->lens, &cap, v->n + 1, sizeof(int), v->cxt, "role model vocabulary");
		cap = v->cap;
		v->hashes = bg_grow_array(v->hashes, &cap, v->n + 1, sizeof(uint32), v->cxt, "role model vocabulary");
		v->cap = cap;
	}
	v->pool = bg_grow_array(v->pool, &v->poolcap, (Size) v->poollen + len + 1, 1, v->cxt,
							"role model vocabulary");
	memcpy(v->pool + v->poollen, s, len);
	v->pool[v->poollen + len] = '\0';
	t = v->n++;
	v->offs[t] = v->poollen;
	v->lens[t] = len;
	v->hashes[t] = h;
	v->poollen += len + 1;
	v->slots[i] = t;
	if ((uint32) v->n * 2 > v->mask)
		vocab_rehash(v);
	return t;
}

void
bg_tokenizer_init(BgTokenizer *tk, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);

	memset(tk, 0, sizeof(*tk));
	tk->cxt = cxt;
	bg_foldbuf_init(&tk->fold, cxt);
	initStringInfo(&tk->tok);
	initStringInfo(&tk->all);
	MemoryContextSwitchTo(old);
}

void
bg_tokenizer_reset(BgTokenizer *tk)
{
	resetStringInfo(&tk->all);
	tk->ntokens = 0;
}

/* Appends the token in tk->tok to the row's tokens. */
static void
emit(BgTokenizer *tk)
{
	if (tk->ntokens == tk->cap)
	{
		int			cap = tk->cap;

		tk->starts = bg_grow_array(tk->starts, &cap, tk->ntokens + 1, sizeof(int),
								   tk->cxt, "person tokens");
		cap = tk->cap;
		tk->lens = bg_grow_array(tk->lens, &cap, tk->ntokens + 1, sizeof(int),
								 tk->cxt, "person tokens");
		tk->cap = cap;
	}
	tk->starts[tk->ntokens] = tk->all.len;
	tk->lens[tk->ntokens] = tk->tok.len;
	appendBinaryStringInfo(&tk->all, tk->tok.data, tk->tok.len);
	appendStringInfoChar(&tk->all, '\0');
	tk->ntokens++;
}

static inline bool
word_byte(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The words and adjacent word pairs of a job title. */
void
bg_tokens_title(BgTokenizer *tk, const char *s, int len)
{
	const char *f;
	int			flen;
	int			prev = -1;		/* the previous word: start and length */
	int			prevlen = 0;
	int			i = 0;

	bg_fold(&tk->fold, s, len);
	f = tk->fold.data;
	flen = tk->fold.len;
	while (i < flen)
	{
		int			start;

		CHECK_FOR_INTERRUPTS();
		while (i < flen && !word_byte((unsigned char) f[i]))
			i++;
		if (i >= flen)
			break;
		start = i;
		while (i < flen && word_byte((unsigned char) f[i]))
			i++;
		resetStringInfo(&tk->tok);
		appendBinaryStringInfo(&tk->tok, f + start, i - start);
		emit(tk);
		if (prev >= 0)
		{
			resetStringInfo(&tk->tok);
			appendBinaryStringInfo(&tk->tok, f + prev, prevlen);
			appendStringInfoChar(&tk->tok, ' ');
			appendBinaryStringInfo(&tk->tok, f + start, i - start);
			emit(tk);
		}
		prev = start;
		prevlen = i - start;
	}
}

/*
 * A number's bucket: its leading digit and power of ten, [d·10^e, (d+1)·10^e)
 * (so 37 is [30,40), 5 is [5,6), 0.25 is [0.2,0.3)); negatives mirrored;
 * 0, NaN and the infinities have their own.
 */
static void
bucket_text(StringInfo out, double x)
{
	double		a;
	double		p;
	double		d;
	int			e;

	if (isnan(x))
	{
		appendStringInfoString(out, "NaN");
		return;
	}
	if (isinf(x))
	{
		appendStringInfoString(out, x > 0 ? "Infinity" : "-Infinity");
		return;
	}
	if (x == 0)
	{
		appendStringInfoChar(out, '0');
		return;
	}
	a = fabs(x);
	e = (int) floor(log10(a));
	p = pow(10.0, e);
	d = floor(a / p);
	if (d >= 10)
	{
		d = 1;
		p *= 10;
	}
	else if (d < 1)
	{
		d = 9;
		p /= 10;
	}
	if (x > 0)
		appendStringInfo(out, "[%.15g,%.15g)", d * p, (d + 1) * p);
	else
		appendStringInfo(out, "[%.15g,%.15g)", -(d + 1) * p, -d * p);
}

/* The token of an extra column's value (its text form). */
void
bg_tokens_feature(BgTokenizer *tk, const char *name, char kind, const char *s, int len)
{
	resetStringInfo(&tk->tok);
	appendStringInfoString(&tk->tok, name);
	appendStringInfoChar(&tk->tok, '=');
	if (kind == BG_FEATURE_TEXT)
	{
		bg_trim(&s, &len);
		if (len == 0)
			return;
		bg_fold(&tk->fold, s, len);
		appendBinaryStringInfo(&tk->tok, tk->fold.data, tk->fold.len);
	}
	else if (kind == BG_FEATURE_BOOL)
		appendStringInfoString(&tk->tok, (len > 0 && (s[0] == 't' || s[0] == 'T')) ? "true" : "false");
	else
	{
		char		buf[64];
		char	   *end;
		double		x;

		bg_trim(&s, &len);
		if (len == 0 || len >= (int) sizeof(buf))
		{
			/* numeric's text can be long: strtod reads it from a copy */
			char	   *copy = pnstrdup(s, len);

			x = strtod(copy, &end);
			pfree(copy);
		}
		else
		{
			memcpy(buf, s, len);
			buf[len] = '\0';
			x = strtod(buf, &end);
		}
		bucket_text(&tk->tok, x);
	}
	emit(tk);
}
