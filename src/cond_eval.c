/*
 * cond_eval.c — compiles a roles template for one row type and evaluates it
 * on rows (docs/design.md §4 semantics, §5 role assignment).
 *
 * Compiling resolves every column to an attribute number, folds the text
 * literals once, converts number and date literals to their column's type
 * and compiles regular expressions.  Evaluating a row reads each needed
 * attribute at most once and folds each text column at most once, lazily,
 * into buffers that are reused from row to row.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/typcache.h"

#include "alloc_limit.h"
#include "call_cache.h"
#include "cond_eval.h"
#include "cond_regex.h"
#include "eval_flat.h"

static int
eval_column(BgEval *ev, const BgColumnRef *ref)
{
	BgEvalCol  *c;

	for (int i = 0; i < ev->ncols; i++)
		if (ev->cols[i].attnum == ref->attnum)
			return i;
	ev->cols = bg_grow_array(ev->cols, &ev->cols_cap, (Size) ev->ncols + 1,
							 sizeof(BgEvalCol), ev->cxt, "compiled condition");
	c = &ev->cols[ev->ncols];
	memset(c, 0, sizeof(*c));
	c->attnum = ref->attnum;
	c->tclass = ref->tclass;
	c->typid = getBaseType(ref->typid);
	if (c->tclass == BG_TC_OTHER_TEXT)
	{
		Oid			outfn;
		bool		varlena;

		getTypeOutputInfo(ref->typid, &outfn, &varlena);
		fmgr_info_cxt(outfn, &c->outfn, ev->cxt);
	}
	bg_foldbuf_init(&c->folded, ev->cxt);
	return ev->ncols++;
}

static bool
is_plain_integer(const char *s, int64 *out)
{
	const char *p = s;
	char	   *end;

	if (*p == '-')
		p++;
	if (*p == '\0')
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

static BgEvalPred *
compile_pred(BgEval *ev, const BgPred *pred, const char *source)
{
	BgColumnRef ref = bg_resolve_column(pred, ev->desc, InvalidOid, source);
	BgEvalPred *p = palloc0(sizeof(BgEvalPred));
	BgTypeClass tc = ref.tclass;
	int			n = pred->nvalues;

	bg_check_pred(pred, ref, source);
	p->src = pred;
	p->col = eval_column(ev, &ref);
	p->op = pred->op;
	p->negated = pred->negated;
	p->nvals = n;
	if (n == 0)
		return p;

	if (tc == BG_TC_TEXT || tc == BG_TC_NAME || tc == BG_TC_OTHER_TEXT)
	{
		if (pred->op == BG_OP_MATCHES)
		{
			p->re = palloc(bg_alloc_size(n, sizeof(regex_t *), "compiled condition"));
			for (int i = 0; i < n; i++)
			{
				p->re[i] = bg_regex_compile(pred->values[i].text,
											pred->values[i].location, source);
				bg_regex_free_on_reset(p->re[i], ev->cxt);
			}
			return p;
		}
		p->bit = palloc(bg_alloc_size(n, sizeof(int), "compiled condition"));
		p->kind = (pred->op == BG_OP_CONTAINS) ? BG_MATCH_CONTAINS :
			(pred->op == BG_OP_STARTS) ? BG_MATCH_PREFIX :
			(pred->op == BG_OP_ENDS) ? BG_MATCH_SUFFIX : BG_MATCH_EXACT;
		if (ev->cols[p->col].matcher == NULL)
			ev->cols[p->col].matcher = bg_matcher_create(ev->cxt);
		for (int i = 0; i < n; i++)
		{
			int			flen;
			char	   *folded;

			CHECK_FOR_INTERRUPTS();
			folded = bg_fold_copy(pred->values[i].text, strlen(pred->values[i].text), &flen);

			p->bit[i] = bg_matcher_add(ev->cols[p->col].matcher, p->kind, folded, flen);
			pfree(folded);
		}
		return p;
	}

	p->vals = palloc(bg_alloc_size(n, sizeof(Datum), "compiled condition"));
	if (tc == BG_TC_BOOL)
	{
		for (int i = 0; i < n; i++)
			p->vals[i] = BoolGetDatum(pred->values[i].boolval);
		return p;
	}
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		p->vals[i] = bg_literal_datum(&pred->values[i], tc, source);
	}
	if (tc == BG_TC_INT)
	{
		p->ivals = palloc(bg_alloc_size(n, sizeof(int64), "compiled condition"));
		p->int_fast = true;
		for (int i = 0; i < n; i++)
			if (!is_plain_integer(pred->values[i].text, &p->ivals[i]))
				p->int_fast = false;
	}
	else if (tc == BG_TC_FLOAT)
	{
		p->fvals = palloc(bg_alloc_size(n, sizeof(double), "compiled condition"));
		for (int i = 0; i < n; i++)
			p->fvals[i] = DatumGetFloat8(p->vals[i]);	/* parsed by float8in */
	}
	return p;
}

static BgEvalNode *
compile_node(BgEval *ev, const BgNode *node, const char *source)
{
	BgEvalNode *e = palloc0(sizeof(BgEvalNode));

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	e->kind = node->kind;
	e->constval = node->constval;
	if (node->kind == BG_NODE_PRED)
	{
		e->pred = compile_pred(ev, node->pred, source);
		e->pred->index = ev->npreds;
		ev->preds = bg_grow_array(ev->preds, &ev->preds_cap, (Size) ev->npreds + 1,
								  sizeof(BgEvalPred *), ev->cxt, "compiled condition");
		ev->preds[ev->npreds++] = e->pred;
		return e;
	}
	e->nargs = node->nargs;
	if (node->nargs > 0)
	{
		e->args = palloc(bg_alloc_size(node->nargs, sizeof(BgEvalNode *), "compiled condition"));
		for (int i = 0; i < node->nargs; i++)
			e->args[i] = compile_node(ev, node->args[i], source);
	}
	return e;
}

/*
 * Compiles tmpl for rows described by desc.  Everything is allocated in cxt,
 * which the caller owns; the template cache is not referenced afterwards.
 */
BgEval *
bg_eval_compile(BgTemplate *tmpl, TupleDesc desc, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	BgEval	   *ev = palloc0(sizeof(BgEval));

	ev->cxt = cxt;
	ev->desc = CreateTupleDescCopy(desc);
	ev->rowtype = desc->tdtypeid;
	ev->rowtypmod = desc->tdtypmod;

	ev->tmpl = palloc0(sizeof(BgTemplate));
	ev->tmpl->id = tmpl->id;
	ev->tmpl->name = pstrdup(tmpl->name);
	ev->tmpl->nroles = tmpl->nroles;
	ev->tmpl->roles = palloc0(sizeof(BgTemplateRole) * Max(tmpl->nroles, 1));
	ev->conds = palloc0(sizeof(BgEvalNode *) * Max(tmpl->nroles, 1));
	ev->pred_first = palloc0(sizeof(int) * Max(tmpl->nroles, 1));
	ev->pred_count = palloc0(sizeof(int) * Max(tmpl->nroles, 1));
	for (int i = 0; i < tmpl->nroles; i++)
	{
		BgTemplateRole *r = &ev->tmpl->roles[i];

		*r = tmpl->roles[i];
		r->role = pstrdup(r->role);
		r->condition = r->condition ? pstrdup(r->condition) : NULL;
		r->tree = NULL;
		ev->pred_first[i] = ev->npreds;
		if (tmpl->roles[i].tree)
			ev->conds[i] = compile_node(ev, tmpl->roles[i].tree, r->condition);
		ev->pred_count[i] = ev->npreds - ev->pred_first[i];
		Assert(ev->pred_count[i] >= 0 && (ev->conds[i] != NULL) == (r->condition != NULL));
	}
	for (int c = 0; c < ev->ncols; c++)
	{
		BgEvalCol  *col = &ev->cols[c];

		if (col->matcher == NULL)
			continue;
		bg_matcher_build(col->matcher);
		for (int k = 0; k < BG_MATCH_NKINDS; k++)
			col->bits[k] = palloc0(sizeof(uint64) * Max(col->matcher->nwords[k], 1));
	}
	for (int i = 0; i < ev->npreds; i++)
	{
		BgEvalPred *p = ev->preds[i];
		int			lo = PG_INT32_MAX,
					hi = -1;

		if (p->bit == NULL)
			continue;
		CHECK_FOR_INTERRUPTS();

		/*
		 * A mask over the words the literals' bits fall in, when that is no
		 * more words than literals: the masks of all predicates then take no
		 * more room than their literals, however many patterns the column has.
		 */
		for (int v = 0; v < p->nvals; v++)
		{
			Assert(p->bit[v] >= 0 && p->bit[v] < ev->cols[p->col].matcher->nwords[p->kind] * 64);
			lo = Min(lo, p->bit[v] / 64);
			hi = Max(hi, p->bit[v] / 64);
		}
		if (hi - lo + 1 > p->nvals)
			continue;
		p->mask_lo = lo;
		p->mask_n = hi - lo + 1;
		p->mask = palloc0(sizeof(uint64) * p->mask_n);
		for (int v = 0; v < p->nvals; v++)
			p->mask[p->bit[v] / 64 - lo] |= UINT64CONST(1) << (p->bit[v] % 64);
	}
	ev->rolelen = palloc(sizeof(int) * Max(tmpl->nroles, 1));
	for (int i = 0; i < tmpl->nroles; i++)
		ev->rolelen[i] = strlen(ev->tmpl->roles[i].role);
	ev->slot = MakeSingleTupleTableSlot(ev->desc, &TTSOpsHeapTuple);
	ev->flat = bg_flat_compile(ev);
	MemoryContextSwitchTo(old);
	return ev;
}

void
bg_eval_set_row(BgEval *ev, HeapTupleHeader row)
{
	ev->rowno++;
	ev->tuple.t_len = HeapTupleHeaderGetDatumLength(row);
	ItemPointerSetInvalid(&ev->tuple.t_self);
	ev->tuple.t_tableOid = InvalidOid;
	ev->tuple.t_data = row;
	ExecStoreHeapTuple(&ev->tuple, ev->slot, false);
}

/* The trimmed text of a text column (NULL reads as ''). */
BgEvalCol *
bg_eval_fetch_text(BgEval *ev, int col)
{
	BgEvalCol  *c = bg_eval_fetch(ev, col);

	if (c->text_row == ev->rowno)
		return c;
	c->text_row = ev->rowno;
	if (c->isnull)
	{
		c->raw = "";
		c->rawlen = 0;
		return c;
	}
	switch (c->tclass)
	{
		case BG_TC_TEXT:
			{
				/*
				 * short values are read in place; only toasted ones are
				 * copied: compressed, or stored apart (the twins' arguments
				 * come straight from the table, not flattened into a row)
				 */
				struct varlena *v = (struct varlena *) DatumGetPointer(c->value);

				if (VARATT_IS_COMPRESSED(v) || VARATT_IS_EXTERNAL(v))
					v = pg_detoast_datum_packed(v);

				c->raw = VARDATA_ANY(v);
				c->rawlen = VARSIZE_ANY_EXHDR(v);
				break;
			}
		case BG_TC_NAME:
			c->raw = NameStr(*DatumGetName(c->value));
			c->rawlen = strlen(c->raw);
			break;
		default:
			c->raw = OutputFunctionCall(&c->outfn, c->value);
			c->rawlen = strlen(c->raw);
			break;
	}
	/* most values start and end with a visible ASCII character: nothing to trim */
	if (c->rawlen == 0 ||
		!((uint8) c->raw[0] > ' ' && (uint8) c->raw[0] < 0x80 &&
		  (uint8) c->raw[c->rawlen - 1] > ' ' && (uint8) c->raw[c->rawlen - 1] < 0x80))
		bg_trim(&c->raw, &c->rawlen);
	return c;
}

/* Compares a non-null number/date value with literal i: <0, 0, >0. */
static int
value_cmp(BgEvalCol *c, BgEvalPred *p, int i)
{
	Assert(i >= 0 && i < p->nvals && !c->isnull);
	switch (c->tclass)
	{
		case BG_TC_INT:
			{
				int64		v = c->typid == INT2OID ? DatumGetInt16(c->value) :
					c->typid == INT4OID ? DatumGetInt32(c->value) : DatumGetInt64(c->value);

				if (p->int_fast)
					return v < p->ivals[i] ? -1 : v > p->ivals[i] ? 1 : 0;
				return DatumGetInt32(DirectFunctionCall2(numeric_cmp,
														 DirectFunctionCall1(int8_numeric, Int64GetDatum(v)),
														 p->vals[i]));
			}
		case BG_TC_FLOAT:
			{
				float8		v = c->typid == FLOAT4OID ? (float8) DatumGetFloat4(c->value) :
					DatumGetFloat8(c->value);

				return float8_cmp_internal(v, p->fvals[i]);
			}
		case BG_TC_NUMERIC:
			return DatumGetInt32(DirectFunctionCall2(numeric_cmp, c->value, p->vals[i]));
		case BG_TC_DATE:
			{
				DateADT		a = DatumGetDateADT(c->value),
							b = DatumGetDateADT(p->vals[i]);

				return a < b ? -1 : a > b ? 1 : 0;
			}
		case BG_TC_TIMESTAMP:
		case BG_TC_TIMESTAMPTZ:
			{
				int64		a = DatumGetInt64(c->value),
							b = DatumGetInt64(p->vals[i]);

				return a < b ? -1 : a > b ? 1 : 0;
			}
		case BG_TC_BOOL:
			return (int) DatumGetBool(c->value) - (int) DatumGetBool(p->vals[i]);
		default:
			elog(ERROR, "unexpected type class %d", (int) c->tclass);
	}
	return 0;
}

/* The positive form of a predicate. */
static pg_attribute_always_inline bool
pred_positive(BgEval *ev, BgEvalPred *p)
{
	BgEvalCol  *c;

	if (p->op == BG_OP_EMPTY)
	{
		c = bg_eval_fetch(ev, p->col);
		if (c->isnull)
			return true;
		if (c->tclass == BG_TC_TEXT || c->tclass == BG_TC_NAME || c->tclass == BG_TC_OTHER_TEXT)
			return bg_eval_fetch_text(ev, p->col)->rawlen == 0;
		return false;
	}
	c = &ev->cols[p->col];
	if (c->tclass == BG_TC_TEXT || c->tclass == BG_TC_NAME || c->tclass == BG_TC_OTHER_TEXT)
	{
		if (p->op == BG_OP_MATCHES)
		{
			c = bg_eval_fetch_text(ev, p->col);
			if (c->wide_row != ev->rowno)
			{
				c->wlen = bg_regex_widen(c->raw, c->rawlen, &c->wide, &c->wide_cap, ev->cxt);
				c->wide_row = ev->rowno;
			}
			for (int i = 0; i < p->nvals; i++)
				if (bg_regex_match_wide(p->re[i], c->wide, c->wlen))
					return true;
			return false;
		}
		c = bg_eval_fetch_folded(ev, p->col);
		Assert(c->matcher != NULL && c->matcher->built && p->bit != NULL);
		Assert(p->kind >= 0 && p->kind < BG_MATCH_NKINDS);
		if (c->bits_row[p->kind] != ev->rowno)
		{
			int			done = bg_matcher_run(c->matcher, p->kind, c->fdata, c->flen, c->bits);

			for (int k = 0; k < BG_MATCH_NKINDS; k++)
				if (done & (1 << k))
					c->bits_row[k] = ev->rowno;
		}
		if (p->mask)
		{
			const uint64 *b = c->bits[p->kind] + p->mask_lo;

			for (int w = 0; w < p->mask_n; w++)
				if (b[w] & p->mask[w])
					return true;
			return false;
		}
		for (int v = 0; v < p->nvals; v++)
			if (c->bits[p->kind][p->bit[v] / 64] & (UINT64CONST(1) << (p->bit[v] % 64)))
				return true;
		return false;
	}

	c = bg_eval_fetch(ev, p->col);
	if (c->isnull)
		return false;			/* a NULL number, date or boolean matches nothing */
	switch (p->op)
	{
		case BG_OP_TRUE:
		case BG_OP_BOOLCOL:
			return DatumGetBool(c->value);
		case BG_OP_FALSE:
			return !DatumGetBool(c->value);
		case BG_OP_EQ:
		case BG_OP_IN:
			for (int i = 0; i < p->nvals; i++)
				if (value_cmp(c, p, i) == 0)
					return true;
			return false;
		case BG_OP_LT:
			return value_cmp(c, p, 0) < 0;
		case BG_OP_LE:
			return value_cmp(c, p, 0) <= 0;
		case BG_OP_GT:
			return value_cmp(c, p, 0) > 0;
		case BG_OP_GE:
			return value_cmp(c, p, 0) >= 0;
		case BG_OP_BETWEEN:
			return value_cmp(c, p, 0) >= 0 && value_cmp(c, p, 1) <= 0;
		default:
			elog(ERROR, "unexpected operator %d for a %d column", (int) p->op, (int) c->tclass);
	}
	return false;
}

bool
bg_eval_pred(BgEval *ev, BgEvalPred *p)
{
	return pred_positive(ev, p) != p->negated;
}

bool
bg_eval_node(BgEval *ev, BgEvalNode *node)
{
	switch (node->kind)
	{
		case BG_NODE_CONST:
			return node->constval;
		case BG_NODE_PRED:
			return pred_positive(ev, node->pred) != node->pred->negated;
		case BG_NODE_NOT:
			Assert(node->nargs == 1);
			return !bg_eval_node(ev, node->args[0]);
		case BG_NODE_AND:
			for (int i = 0; i < node->nargs; i++)
				if (!bg_eval_node(ev, node->args[i]))
					return false;
			return true;
		case BG_NODE_OR:
			for (int i = 0; i < node->nargs; i++)
				if (bg_eval_node(ev, node->args[i]))
					return true;
			return false;
	}
	return false;
}

/* docs/design.md §5: the first role in priority order whose condition matches, or -1. */
int
bg_eval_role(BgEval *ev)
{
	Assert(ev->tmpl->nroles >= 0 && ev->slot != NULL);
	if (ev->flat && bg_flat_enabled)
		return bg_flat_role(ev);
	for (int i = 0; i < ev->tmpl->nroles; i++)
		if (ev->conds[i] && bg_eval_node(ev, ev->conds[i]))
			return i;
	return -1;
}

/* ---- per call site cache ---- */

/* Errors unless argument argno of this call is declared as a row. */
void
bg_require_row_arg(FunctionCallInfo fcinfo, int argno)
{
	Oid			argtype = get_fn_expr_argtype(fcinfo->flinfo, argno);

	if (!OidIsValid(argtype))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("could not determine the type of the person argument")));
	if (!type_is_rowtype(argtype))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the person argument must be a row, not type %s",
						format_type_be(argtype)),
				 errhint("Pass a whole row, such as p in SELECT bg.role_for('Template', p) FROM people p.")));
}

/*
 * The compiled template for this call site, with the row argument set as the
 * current row.  The template name and the row are arguments tmpl_argno and
 * row_argno (both non-null).  The compiled form lives in fn_extra and is
 * rebuilt when the template name, the row type or bg's catalog changes.
 */
BgEval *
bg_eval_for_call(FunctionCallInfo fcinfo, int tmpl_argno, int row_argno)
{
	BgCallCache *cc = fcinfo->flinfo->fn_extra;
	text	   *name = PG_GETARG_TEXT_PP(tmpl_argno);
	const char *nm = VARDATA_ANY(name);
	int			nmlen = VARSIZE_ANY_EXHDR(name);
	HeapTupleHeader row;
	BgEval	   *ev;

	if (cc == NULL)
	{
		bg_require_row_arg(fcinfo, row_argno);
		cc = bg_call_cache_create(fcinfo, bg_arg_is_const(fcinfo, tmpl_argno));
	}
	row = bg_row_arg(fcinfo, row_argno);	/* once known to be a row */

	if (!bg_call_cache_fresh(cc, nm, nmlen, row))
	{
		uint64		generation = bg_call_cache_reset(cc);
		BgTemplate *tmpl = bg_template_get(text_to_cstring(name));

		/* lookup_rowtype_tupdesc_copy: a refcounted desc would leak on error */
		ev = bg_eval_compile(tmpl,
							 lookup_rowtype_tupdesc_copy(HeapTupleHeaderGetTypeId(row),
														 HeapTupleHeaderGetTypMod(row)),
							 cc->cxt);
		ev->tmpl_const = cc->key_const;
		bg_call_cache_store(cc, ev, generation, nm, nmlen, row);
	}
	ev = cc->data;
	Assert(ev->rowtype == HeapTupleHeaderGetTypeId(row));
	bg_eval_set_row(ev, row);
	return ev;
}
