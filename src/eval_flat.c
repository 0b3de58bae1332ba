/*
 * eval_flat.c — a compiled template's roles evaluated as one straight pass
 * per row (docs/design.md §13.2, step 4).
 *
 * Walking each role's condition tree costs a dispatch per node, and its
 * short circuits branch on the data, so that the processor mispredicts a
 * branch or more per row.  When a template is small enough, its roles are
 * compiled once more, into a flat form:
 *
 *   1. every predicate becomes bit i of a 64-bit word P: a text predicate
 *      tests its literals' bits in one word of its column's bitmap, an
 *      integer comparison a range, anything else (regular expressions,
 *      emptiness, other types, literals spread over several words) goes
 *      through the tree evaluator's bg_eval_pred;
 *   2. a role's predicates are numbered consecutively, so the role's
 *      predicates' bits are (P >> first) & mask, and its condition is the
 *      entry of a truth table computed once from the tree (2^k entries for
 *      k predicates);
 *   3. roles are tried in priority order, as the trees are, and each adds
 *      only the work the roles before it did not do: the text columns it
 *      is the first to read, fetched and folded, and the matcher passes it
 *      is the first to need (one pass may serve several kinds of pattern,
 *      bg_matcher_run); so a person whose first role matches costs that
 *      role's work, and each role costs one branch.
 *
 * The answer is the tree evaluator's (bg_eval_role).  Computing every
 * predicate first and every role without a branch was tried: the matcher
 * passes that a matching first role saves cost more than the branches.
 * explain_role still walks the trees, and a test compares the two forms
 * row by row (sql/eval_flat.sql).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"

#include "eval_flat.h"

/* One matcher pass: a text column and the kind of patterns it computes. */
typedef struct FlatRun
{
	int			col;
	BgMatchKind kind;
} FlatRun;

/* A text predicate: any of its literals' bits in one word of the bitmap. */
typedef struct FlatWord
{
	const uint64 *word;
	uint64		mask;
	int			bit;			/* the predicate's bit in P */
} FlatWord;

/* An integer comparison with integral literals: lo <= value <= hi. */
typedef struct FlatRange
{
	int			col;
	Oid			typid;
	int64		lo;
	int64		hi;
	int			bit;
} FlatRange;

/*
 * A role: what it adds to the row's work (the ranges [lo, hi) of the lists
 * below, in priority order, so that a role finds done what the roles before
 * it needed), and its condition's truth table, indexed by (P >> shift) &
 * mask.
 */
typedef struct FlatRole
{
	int			fold_lo,
				fold_hi;
	int			run_lo,
				run_hi;
	int			word_lo,
				word_hi;
	int			range_lo,
				range_hi;
	int			other_lo,
				other_hi;
	uint64		negate;			/* its negated words and ranges */
	int			shift;
	uint64		mask;
	const uint64 *table;
} FlatRole;

struct BgFlat
{
	int		   *folded;			/* text columns the matcher reads */
	FlatRun    *runs;
	FlatWord   *words;
	FlatRange  *ranges;
	BgEvalPred **other;			/* through bg_eval_pred */
	int			nroles;
	FlatRole   *roles;
};

bool		bg_flat_enabled = true;

/* The table of a role without a condition: never matches. */
static const uint64 no_match = 0;

/* The condition's value when predicate first + j has bit j of a. */
static bool
tree_value(const BgEvalNode *node, int first, uint64 a)
{
	check_stack_depth();
	switch (node->kind)
	{
		case BG_NODE_CONST:
			return node->constval;
		case BG_NODE_PRED:
			Assert(node->pred->index >= first && node->pred->index - first < BG_FLAT_MAX_ROLE_PREDS);
			return (a >> (node->pred->index - first)) & 1;
		case BG_NODE_NOT:
			return !tree_value(node->args[0], first, a);
		case BG_NODE_AND:
			for (int i = 0; i < node->nargs; i++)
				if (!tree_value(node->args[i], first, a))
					return false;
			return true;
		case BG_NODE_OR:
			for (int i = 0; i < node->nargs; i++)
				if (tree_value(node->args[i], first, a))
					return true;
			return false;
	}
	return false;
}

/*
 * An integer predicate as a range, when it is one comparison with integral
 * literals (IN with several values, or bounds at the ends of int64, stay
 * with the tree evaluator).
 */
static bool
as_range(const BgEval *ev, const BgEvalPred *p, FlatRange *r)
{
	if (ev->cols[p->col].tclass != BG_TC_INT || !p->int_fast || p->ivals == NULL)
		return false;
	r->lo = PG_INT64_MIN;
	r->hi = PG_INT64_MAX;
	switch (p->op)
	{
		case BG_OP_EQ:
		case BG_OP_IN:
			if (p->nvals != 1)
				return false;
			r->lo = r->hi = p->ivals[0];
			break;
		case BG_OP_LT:
			if (p->ivals[0] == PG_INT64_MIN)
				return false;
			r->hi = p->ivals[0] - 1;
			break;
		case BG_OP_LE:
			r->hi = p->ivals[0];
			break;
		case BG_OP_GT:
			if (p->ivals[0] == PG_INT64_MAX)
				return false;
			r->lo = p->ivals[0] + 1;
			break;
		case BG_OP_GE:
			r->lo = p->ivals[0];
			break;
		case BG_OP_BETWEEN:
			if (p->nvals != 2 || p->ivals[0] > p->ivals[1])
				return false;
			r->lo = p->ivals[0];
			r->hi = p->ivals[1];
			break;
		default:
			return false;
	}
	r->col = p->col;
	r->typid = ev->cols[p->col].typid;
	r->bit = p->index;
	return true;
}

/* Appends predicate p of role r's list to f's lists. */
static void
add_pred(BgFlat *f, FlatRole *r, int *nfolded, int *nruns, const BgEval *ev, BgEvalPred *p)
{
	const BgEvalCol *c = &ev->cols[p->col];

	if (p->bit != NULL && p->mask != NULL && p->mask_n == 1)
	{
		/*
		 * PREFIX and EXACT patterns share one pass (bg_matcher_run), and so
		 * do CONTAINS and SUFFIX patterns when Shift-And matches both
		 */
		BgMatchKind kind = p->kind == BG_MATCH_EXACT ? BG_MATCH_PREFIX :
			p->kind == BG_MATCH_SUFFIX && c->matcher->shift_suffix ? BG_MATCH_CONTAINS :
			p->kind;
		bool		seen = false;
		FlatWord   *w = &f->words[r->word_hi++];

		for (int i = 0; i < *nfolded; i++)
			seen |= f->folded[i] == p->col;
		if (!seen)
			f->folded[(*nfolded)++] = p->col;
		seen = false;
		for (int i = 0; i < *nruns; i++)
			seen |= f->runs[i].col == p->col && f->runs[i].kind == kind;
		if (!seen)
		{
			f->runs[*nruns].col = p->col;
			f->runs[*nruns].kind = kind;
			(*nruns)++;
		}
		w->word = c->bits[p->kind] + p->mask_lo;
		w->mask = p->mask[0];
		w->bit = p->index;
		if (p->negated)
			r->negate |= UINT64CONST(1) << p->index;
	}
	else if (as_range(ev, p, &f->ranges[r->range_hi]))
	{
		r->range_hi++;
		if (p->negated)
			r->negate |= UINT64CONST(1) << p->index;
	}
	else
		f->other[r->other_hi++] = p;
}

/*
 * The flat form of ev's roles, in the current memory context (ev's), or
 * NULL when the template is beyond the limits of eval_flat.h.
 */
BgFlat *
bg_flat_compile(BgEval *ev)
{
	BgFlat	   *f;
	int			nroles = ev->tmpl->nroles;
	int			nfolded = 0,
				nruns = 0;

	if (ev->npreds > BG_FLAT_MAX_PREDS)
		return NULL;
	for (int i = 0; i < nroles; i++)
		if (ev->pred_count[i] > BG_FLAT_MAX_ROLE_PREDS)
			return NULL;

	f = palloc0(sizeof(BgFlat));
	f->folded = palloc(sizeof(int) * Max(ev->ncols, 1));
	f->runs = palloc(sizeof(FlatRun) * Max(ev->ncols * BG_MATCH_NKINDS, 1));
	f->words = palloc(sizeof(FlatWord) * Max(ev->npreds, 1));
	f->ranges = palloc(sizeof(FlatRange) * Max(ev->npreds, 1));
	f->other = palloc(sizeof(BgEvalPred *) * Max(ev->npreds, 1));
	f->nroles = nroles;
	f->roles = palloc0(sizeof(FlatRole) * Max(nroles, 1));
	for (int i = 0; i < nroles; i++)
	{
		FlatRole   *r = &f->roles[i];
		int			k = ev->pred_count[i];
		uint64		entries = UINT64CONST(1) << k;
		uint64	   *table;

		r->fold_lo = nfolded;
		r->run_lo = nruns;
		r->word_lo = r->word_hi = i > 0 ? f->roles[i - 1].word_hi : 0;
		r->range_lo = r->range_hi = i > 0 ? f->roles[i - 1].range_hi : 0;
		r->other_lo = r->other_hi = i > 0 ? f->roles[i - 1].other_hi : 0;
		for (int j = 0; j < k; j++)
		{
			Assert(ev->preds[ev->pred_first[i] + j]->index == ev->pred_first[i] + j);
			add_pred(f, r, &nfolded, &nruns, ev, ev->preds[ev->pred_first[i] + j]);
		}
		r->fold_hi = nfolded;
		r->run_hi = nruns;
		if (ev->conds[i] == NULL)
		{
			r->table = &no_match;
			continue;
		}
		table = palloc0(sizeof(uint64) * Max(entries / 64, 1));
		for (uint64 a = 0; a < entries; a++)
		{
			CHECK_FOR_INTERRUPTS();
			if (tree_value(ev->conds[i], ev->pred_first[i], a))
				table[a / 64] |= UINT64CONST(1) << (a % 64);
		}
		r->shift = k > 0 ? ev->pred_first[i] : 0;
		r->mask = entries - 1;
		r->table = table;
	}
	return f;
}

/* The first role in priority order whose condition matches, or -1. */
int
bg_flat_role(BgEval *ev)
{
	const BgFlat *f = ev->flat;
	uint64		P = 0;

	for (int i = 0; i < f->nroles; i++)
	{
		const FlatRole *r = &f->roles[i];
		uint64		a;

		for (int j = r->fold_lo; j < r->fold_hi; j++)
			(void) bg_eval_fetch_folded(ev, f->folded[j]);
		for (int j = r->run_lo; j < r->run_hi; j++)
		{
			BgEvalCol  *c = &ev->cols[f->runs[j].col];
			int			done = bg_matcher_run(c->matcher, f->runs[j].kind, c->fdata, c->flen,
											  c->bits);

			for (int k = 0; k < BG_MATCH_NKINDS; k++)
				if (done & (1 << k))
					c->bits_row[k] = ev->rowno;
		}
		for (int j = r->word_lo; j < r->word_hi; j++)
			P |= (uint64) ((*f->words[j].word & f->words[j].mask) != 0) << f->words[j].bit;
		for (int j = r->range_lo; j < r->range_hi; j++)
		{
			const FlatRange *g = &f->ranges[j];
			BgEvalCol  *c = bg_eval_fetch(ev, g->col);
			int64		v = g->typid == INT2OID ? DatumGetInt16(c->value) :
				g->typid == INT4OID ? DatumGetInt32(c->value) : DatumGetInt64(c->value);

			/* a NULL number matches nothing (the negation applies after) */
			P |= (uint64) (!c->isnull &&
						   (uint64) v - (uint64) g->lo <= (uint64) g->hi - (uint64) g->lo) << g->bit;
		}
		P ^= r->negate;
		for (int j = r->other_lo; j < r->other_hi; j++)
			P |= (uint64) bg_eval_pred(ev, f->other[j]) << f->other[j]->index;
		a = (P >> r->shift) & r->mask;
		if ((r->table[a / 64] >> (a % 64)) & 1)
			return i;
	}
	return -1;
}
