/*
 * cond_eval.h — a roles template compiled for one row type, and its
 * evaluation over rows of that type.
 */
#ifndef BG_COND_EVAL_H
#define BG_COND_EVAL_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "fmgr.h"
#include "regex/regex.h"

#include "executor/tuptable.h"

#include "casefold.h"
#include "cond.h"
#include "multimatch.h"
#include "template_cache.h"

/* A column the template reads, fetched and folded at most once per row. */
typedef struct BgEvalCol
{
	AttrNumber	attnum;
	BgTypeClass tclass;
	FmgrInfo	outfn;			/* BG_TC_OTHER_TEXT only */
	uint64		fetched_row;	/* row number of value/isnull */
	Oid			typid;			/* base type */
	BgMatcher  *matcher;		/* the column's text patterns, or NULL */
	uint64	   *bits[BG_MATCH_NKINDS];	/* matches of the current row */
	uint64		bits_row[BG_MATCH_NKINDS];
	uint64		text_row;		/* row number of raw */
	uint64		folded_row;		/* row number of folded */
	bool		isnull;
	Datum		value;
	const char *raw;			/* trimmed, unfolded text */
	int			rawlen;
	BgFoldBuf	folded;			/* non-ASCII values, folded */
	uint64		wide_row;		/* row number of wide */
	pg_wchar   *wide;			/* raw as wide characters (MATCHES) */
	int			wlen;
	int			wide_cap;
	const char *fdata;			/* the value as the matcher reads it */
	int			flen;
} BgEvalCol;

typedef struct BgEvalPred
{
	const BgPred *src;
	int			index;			/* in BgEval.preds */
	int			col;			/* index into BgEval.cols */
	BgOp		op;
	bool		negated;
	int			nvals;
	regex_t   **re;				/* MATCHES */
	Datum	   *vals;			/* numbers (numeric), dates, timestamps, booleans */
	int64	   *ivals;			/* integer columns with integral literals */
	double	   *fvals;			/* float columns */
	bool		int_fast;
	BgMatchKind kind;			/* text: how the column's matcher answers */
	int		   *bit;			/* text: each literal's pattern in the matcher */
	uint64	   *mask;			/* text: the literals' bits in words
								 * [mask_lo, mask_lo + mask_n) of the column's
								 * bitmap, or NULL: test bit[] one by one */
	int			mask_lo;
	int			mask_n;
} BgEvalPred;

typedef struct BgEvalNode
{
	BgNodeKind	kind;
	int			nargs;
	struct BgEvalNode **args;
	bool		constval;
	BgEvalPred *pred;
} BgEvalNode;

typedef struct BgEval
{
	MemoryContext cxt;			/* owns everything here */
	BgTemplate *tmpl;			/* a copy of the template's roles (no trees) */
	Oid			rowtype;
	int32		rowtypmod;
	TupleDesc	desc;
	int			ncols;
	int			cols_cap;
	BgEvalCol  *cols;
	BgEvalNode **conds;			/* per template role; NULL = no condition */
	int			npreds;
	int			preds_cap;
	BgEvalPred **preds;			/* all predicates, for explain */
	int		   *pred_first;		/* per template role: its predicates are */
	int		   *pred_count;		/* preds[pred_first .. +pred_count) */
	uint64		rowno;
	bool		tmpl_const;		/* the call site's template is a constant */
	HeapTupleData tuple;		/* the current row */
	TupleTableSlot *slot;		/* deforms it, lazily and once */
	int		   *rolelen;		/* per template role: strlen of its name */
	uint64		packed;			/* agg_packed.c: the template's empty packed
								 * tally, or 0 until first needed */
	struct BgFlat *flat;		/* eval_flat.c: the roles as one pass, or NULL */
} BgEval;

extern BgEval *bg_eval_compile(BgTemplate *tmpl, TupleDesc desc, MemoryContext cxt);
extern BgEval *bg_eval_compile_condition(const char *source, Oid rowtype, int32 rowtypmod,
										 MemoryContext cxt);
extern void bg_eval_set_row(BgEval *ev, HeapTupleHeader row);
extern BgEvalCol *bg_eval_fetch_text(BgEval *ev, int col);
extern int	bg_eval_role(BgEval *ev);
extern bool bg_eval_node(BgEval *ev, BgEvalNode *node);
extern bool bg_eval_pred(BgEval *ev, BgEvalPred *p);

/* A column's value in the current row, read at most once per row. */
static pg_attribute_always_inline BgEvalCol *
bg_eval_fetch(BgEval *ev, int col)
{
	BgEvalCol  *c = &ev->cols[col];

	Assert(col >= 0 && col < ev->ncols);
	if (c->fetched_row != ev->rowno)
	{
		c->value = slot_getattr(ev->slot, c->attnum, &c->isnull);
		c->fetched_row = ev->rowno;
	}
	return c;
}

/*
 * Whether s[0..len) is all ASCII, eight bytes at a time; the last eight
 * bytes read as one word too (overlapping the ones before), so that no
 * value of eight bytes or more is read byte by byte.
 */
static inline bool
bg_is_ascii_len(const char *s, int len)
{
	uint64		acc = 0;
	uint64		chunk;

	if (len >= 8)
	{
		for (int i = 0; i + 8 <= len; i += 8)
		{
			memcpy(&chunk, s + i, 8);
			acc |= chunk;
		}
		memcpy(&chunk, s + len - 8, 8);
		acc |= chunk;
	}
	else
		for (int i = 0; i < len; i++)
			acc |= (uint8) s[i];
	return (acc & UINT64CONST(0x8080808080808080)) == 0;
}

/*
 * A text column's trimmed value as its matcher reads it (fdata, flen):
 * ASCII values as they are (the matcher reads capitals as small letters),
 * others case-folded; at most once per row.
 */
static pg_attribute_always_inline BgEvalCol *
bg_eval_fetch_folded(BgEval *ev, int col)
{
	BgEvalCol  *c = bg_eval_fetch_text(ev, col);

	if (c->folded_row != ev->rowno)
	{
		if (bg_is_ascii_len(c->raw, c->rawlen))
		{
			c->fdata = c->raw;
			c->flen = c->rawlen;
		}
		else
		{
			bg_fold(&c->folded, c->raw, c->rawlen);
			c->fdata = c->folded.data;
			c->flen = c->folded.len;
		}
		c->folded_row = ev->rowno;
	}
	return c;
}

/* The compiled template for this call site (fn_extra), rebuilt when stale. */
extern BgEval *bg_eval_for_call(FunctionCallInfo fcinfo, int tmpl_argno, int row_argno);
extern void bg_require_row_arg(FunctionCallInfo fcinfo, int argno);

#endif							/* BG_COND_EVAL_H */
