/*
 * suggest_template.c — the terms of a learned draft template
 * (docs/design.md §10, bg.suggest_template).
 *
 * bg_internal._learn_terms(titles text[], classes integer[], targets
 * integer[], candidates text[], max_terms integer) RETURNS TABLE (class
 * integer, term text, negated boolean): for each target class, a greedy
 * choice of up to max_terms positive and up to max_terms negated candidate
 * terms for the condition
 *
 *     title contains any (positive terms) and title not contains any (negated terms)
 *
 * on the labeled examples (titles folded as the condition language folds
 * them, one per label, with the label's class).  A term matches a title as
 * `contains` does: a substring of the folded title (the candidates are
 * folded tokens, so folding them again changes nothing).  Each step adds the
 * term — positive, or negated once there is a positive one — that raises the
 * F1 of the condition on the labels most (ties: the earlier candidate, so
 * the caller lists longer terms first: a stem and the word it covers alone
 * match alike, and the word reads better); it
 * stops when no term raises it.  A positive term must add more examples of
 * the class than of others: else a short token that is a substring of
 * everything ('d', 'it') would win the first step on recall alone and leave
 * the rest to negated terms.  The matches of every candidate are computed
 * once, as bitmaps over the examples, so a step costs a few word operations
 * per candidate and example / 64.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

typedef struct LearnState
{
	int			nwords;			/* uint64 words per bitmap of the examples */
	uint64	   *pos;			/* examples of the target class */
	uint64	   *uni;			/* matches of the chosen positive terms */
	uint64	   *neg;			/* matches of the chosen negated terms */
} LearnState;

/* |(uni | add) & ~(neg | sub) & pos| and |(uni | add) & ~(neg | sub)|; add, sub may be NULL */
static void
count_selection(const LearnState *s, const uint64 *add, const uint64 *sub, int64 *tp, int64 *size)
{
	int64		t = 0;
	int64		z = 0;

	for (int w = 0; w < s->nwords; w++)
	{
		uint64		sel = s->uni[w] | (add ? add[w] : 0);

		sel &= ~(s->neg[w] | (sub ? sub[w] : 0));
		z += pg_popcount64(sel);
		t += pg_popcount64(sel & s->pos[w]);
	}
	*tp = t;
	*size = z;
}

static double
f1_of(int64 tp, int64 size, int64 npos)
{
	return (size + npos) > 0 ? 2.0 * (double) tp / (double) (size + npos) : 0.0;
}

PG_FUNCTION_INFO_V1(bg_learn_terms);
Datum
bg_learn_terms(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum	   *td,
			   *cd,
			   *gd,
			   *kd;
	bool	   *tn,
			   *cn,
			   *gn,
			   *kn;
	int			nt,
				nc,
				ng,
				nk;
	int			max_terms;
	LearnState	s;
	uint64	   *matches;
	Size		bitmap_bytes;
	bool	   *used;
	char	  **terms;

	for (int i = 0; i < 5; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the arguments of bg_internal._learn_terms must not be null")));
	max_terms = PG_GETARG_INT32(4);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(0), TEXTOID, -1, false, TYPALIGN_INT, &td, &tn, &nt);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), INT4OID, 4, true, TYPALIGN_INT, &cd, &cn, &nc);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(2), INT4OID, 4, true, TYPALIGN_INT, &gd, &gn, &ng);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(3), TEXTOID, -1, false, TYPALIGN_INT, &kd, &kn, &nk);
	if (nt != nc)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("titles and classes must have the same length"),
				 errdetail("There are %d titles and %d classes.", nt, nc)));

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);

	s.nwords = (nt + 63) / 64;
	bitmap_bytes = mul_size((Size) s.nwords, sizeof(uint64));
	s.pos = palloc0(bitmap_bytes);
	s.uni = palloc0(bitmap_bytes);
	s.neg = palloc0(bitmap_bytes);
	matches = palloc_extended(Max(mul_size(bitmap_bytes, (Size) nk), 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	used = palloc0(sizeof(bool) * Max(nk, 1));

	/* the candidates as C strings; an empty or NULL one is never chosen */
	terms = palloc(sizeof(char *) * Max(nk, 1));
	for (int k = 0; k < nk; k++)
	{
		CHECK_FOR_INTERRUPTS();
		terms[k] = kn[k] ? NULL : text_to_cstring(DatumGetTextPP(kd[k]));
		if (terms[k] != NULL && terms[k][0] == '\0')
			terms[k] = NULL;
	}

	/* which examples each candidate matches: a substring of the folded title */
	for (int i = 0; i < nt; i++)
	{
		char	   *title;

		CHECK_FOR_INTERRUPTS();
		if (tn[i])
			continue;			/* NULL: the empty text, which contains no term */
		title = text_to_cstring(DatumGetTextPP(td[i]));
		for (int k = 0; k < nk; k++)
			if (terms[k] != NULL && strstr(title, terms[k]) != NULL)
				matches[(Size) k * s.nwords + i / 64] |= UINT64CONST(1) << (i % 64);
		pfree(title);
	}

	for (int g = 0; g < ng; g++)
	{
		int			target;
		int64		npos = 0;
		int64		tp,
					size;
		int			nnegated = 0;
		int			npositive = 0;
		double		f1;

		if (gn[g])
			continue;
		target = DatumGetInt32(gd[g]);
		memset(s.pos, 0, bitmap_bytes);
		memset(s.uni, 0, bitmap_bytes);
		memset(s.neg, 0, bitmap_bytes);
		memset(used, 0, sizeof(bool) * Max(nk, 1));
		for (int i = 0; i < nt; i++)
		{
			CHECK_FOR_INTERRUPTS();
			if (!cn[i] && DatumGetInt32(cd[i]) == target)
			{
				s.pos[i / 64] |= UINT64CONST(1) << (i % 64);
				npos++;
			}
		}
		if (npos == 0)
			continue;
		f1 = 0.0;
		while (npositive < max_terms || nnegated < max_terms)
		{
			int			best = -1;
			bool		best_negated = false;
			double		best_f1 = f1;
			int64		cur_tp,
						cur_size;

			count_selection(&s, NULL, NULL, &cur_tp, &cur_size);

			for (int k = 0; k < nk; k++)
			{
				const uint64 *mk = matches + (Size) k * s.nwords;
				double		f;

				CHECK_FOR_INTERRUPTS();
				if (used[k] || terms[k] == NULL)
					continue;
				count_selection(&s, mk, NULL, &tp, &size);
				f = f1_of(tp, size, npos);
				/* the people a positive term adds must be mostly of the role */
				if (npositive < max_terms && f > best_f1 + 1e-12 && 2 * (tp - cur_tp) > size - cur_size)
				{
					best = k;
					best_negated = false;
					best_f1 = f;
				}
				if (npositive > 0 && nnegated < max_terms)
				{
					count_selection(&s, NULL, mk, &tp, &size);
					f = f1_of(tp, size, npos);
					if (f > best_f1 + 1e-12)
					{
						best = k;
						best_negated = true;
						best_f1 = f;
					}
				}
			}
			if (best < 0)
				break;
			{
				const uint64 *mk = matches + (Size) best * s.nwords;
				uint64	   *into = best_negated ? s.neg : s.uni;
				Datum		values[3];
				bool		nulls[3] = {false, false, false};

				for (int w = 0; w < s.nwords; w++)
					into[w] |= mk[w];
				used[best] = true;
				if (best_negated)
					nnegated++;
				else
					npositive++;
				f1 = best_f1;
				values[0] = Int32GetDatum(target);
				values[1] = kd[best];
				values[2] = BoolGetDatum(best_negated);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			}
		}
	}
	return (Datum) 0;
}
