/*
 * role_model_fit.c — bg_internal._fit_role_model: one pass over the labeled
 * people, read as their table's owner (read_as_owner.c), counting the tokens
 * of each class of a multinomial naive Bayes model, and the k-fold
 * cross-validation of that model (docs/design.md §10).
 *
 * The people never leave the read: a receiver tokenises each row once, finds
 * its labels (a person may carry several: one example each) and adds its
 * tokens to the counts of their classes.  Each example's class, fold (a hash
 * of its key modulo k) and token ids are kept, so that cross-validation
 * needs no second read: for each fold its examples' counts are taken out,
 * its examples predicted by the rest, and the counts put back.
 *
 * Memory, all in one context of the call: the vocabulary (at most
 * BG_MAX_VOCABULARY tokens), its counts per class, and the examples' token
 * ids; every growing array goes through alloc_limit.h.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "alloc_limit.h"
#include "read_as_owner.h"
#include "role_model.h"

#define LOG_LUT 65536

typedef struct BgFit
{
	DestReceiver pub;
	MemoryContext cxt;
	MemoryContext rowcxt;		/* reset after every row */
	int			nclasses;
	int			nfeatures;
	char	  **features;
	const char *kinds;
	int			folds;
	BgVocab		keys;			/* the labeled keys, numbered */
	int		   *key_first;		/* per key: its first label */
	int		   *label_class;	/* per label */
	int		   *label_next;		/* the next label of the same key, or -1 */
	BgTokenizer tk;
	int		   *ids;			/* the row's token ids */
	int			idscap;
	BgVocab		vocab;
	int32	   *counts;			/* vocabulary × classes */
	int			countscap;
	int64		docs[BG_MAX_CLASSES];
	int64		tokens[BG_MAX_CLASSES];
	/* the examples */
	int			nex;
	int			excap;
	int16	   *ex_class;
	int16	   *ex_fold;
	int		   *ex_start;		/* nex + 1 offsets into ex_ids */
	int			startcap;
	int		   *ex_ids;
	int			nids;
	int			idcap;
} BgFit;

static void
fit_startup(DestReceiver *self, int operation pg_attribute_unused(), TupleDesc typeinfo)
{
	BgFit	   *f = (BgFit *) self;

	if (typeinfo->natts != 2 + f->nfeatures)
		elog(ERROR, "the labeled people query returns %d columns, not %d", typeinfo->natts, 2 + f->nfeatures);
	for (int i = 0; i < typeinfo->natts; i++)
		if (TupleDescAttr(typeinfo, i)->atttypid != TEXTOID)
			elog(ERROR, "column %d of the labeled people query is not text", i + 1);
}

/* The token id of the tokenizer's token i, numbered when new. */
static void
row_ids(BgFit *f)
{
	if (f->tk.ntokens > f->idscap)
		f->ids = bg_grow_array(f->ids, &f->idscap, f->tk.ntokens, sizeof(int), f->cxt, "person tokens");
	for (int i = 0; i < f->tk.ntokens; i++)
	{
		int			t = bg_vocab_add(&f->vocab, f->tk.all.data + f->tk.starts[i], f->tk.lens[i]);

		if ((Size) (t + 1) * f->nclasses > (Size) f->countscap)
		{
			int			old = f->countscap;

			f->counts = bg_grow_array(f->counts, &f->countscap, (Size) (t + 1) * f->nclasses,
									  sizeof(int32), f->cxt, "role model counts");
			memset(f->counts + old, 0, sizeof(int32) * (Size) (f->countscap - old));
		}
		f->ids[i] = t;
	}
}

/* One example: class c, the row's tokens. */
static void
add_example(BgFit *f, int c, uint32 hash)
{
	int			n = f->tk.ntokens;

	f->docs[c]++;
	f->tokens[c] += n;
	for (int i = 0; i < n; i++)
	{
		int32	   *cnt = &f->counts[(Size) f->ids[i] * f->nclasses + c];

		if (*cnt == PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many occurrences of one token in the labels")));
		(*cnt)++;
	}
	if (f->nex == PG_INT32_MAX - 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many labels")));
	if (f->nex + 1 > f->excap)
	{
		int			cap = f->excap;

		f->ex_class = bg_grow_array(f->ex_class, &cap, f->nex + 1, sizeof(int16), f->cxt, "role model labels");
		cap = f->excap;
		f->ex_fold = bg_grow_array(f->ex_fold, &cap, f->nex + 1, sizeof(int16), f->cxt, "role model labels");
		f->excap = cap;
	}
	if (f->nex + 2 > f->startcap)
		f->ex_start = bg_grow_array(f->ex_start, &f->startcap, f->nex + 2, sizeof(int), f->cxt,
									"role model labels");
	if ((Size) f->nids + n > (Size) PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many tokens in the labels")));
	if (f->nids + n > f->idcap)
		f->ex_ids = bg_grow_array(f->ex_ids, &f->idcap, (Size) f->nids + n, sizeof(int), f->cxt,
								  "role model labels");
	memcpy(f->ex_ids + f->nids, f->ids, sizeof(int) * n);
	f->ex_class[f->nex] = c;
	f->ex_fold[f->nex] = f->folds > 0 ? hash % f->folds : 0;
	f->ex_start[f->nex] = f->nids;
	f->nids += n;
	f->nex++;
	f->ex_start[f->nex] = f->nids;
}

static bool
fit_receive(TupleTableSlot *slot, DestReceiver *self)
{
	BgFit	   *f = (BgFit *) self;
	MemoryContext old;
	bool		isnull;
	Datum		d;
	text	   *k;
	int			key;

	CHECK_FOR_INTERRUPTS();
	d = slot_getattr(slot, 1, &isnull);
	if (isnull)
		return true;
	old = MemoryContextSwitchTo(f->rowcxt);
	k = DatumGetTextPP(d);
	key = bg_vocab_find(&f->keys, VARDATA_ANY(k), VARSIZE_ANY_EXHDR(k));
	if (key >= 0)
	{
		bg_tokenizer_reset(&f->tk);
		d = slot_getattr(slot, 2, &isnull);
		if (!isnull)
		{
			text	   *t = DatumGetTextPP(d);

			bg_tokens_title(&f->tk, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
		}
		for (int i = 0; i < f->nfeatures; i++)
		{
			d = slot_getattr(slot, 3 + i, &isnull);
			if (!isnull)
			{
				text	   *t = DatumGetTextPP(d);

				bg_tokens_feature(&f->tk, f->features[i], f->kinds[i], VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
			}
		}
		MemoryContextSwitchTo(f->cxt);
		row_ids(f);
		for (int l = f->key_first[key]; l >= 0; l = f->label_next[l])
			add_example(f, f->label_class[l], f->keys.hashes[key]);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(f->rowcxt);
	return true;
}

static void
fit_shutdown(DestReceiver *self pg_attribute_unused())
{
}

static void
fit_destroy(DestReceiver *self pg_attribute_unused())
{
}

/* log(k) for small k from a table, else computed. */
static inline double
logk(const double *lut, int64 k)
{
	return k < LOG_LUT ? lut[k] : log((double) k);
}

/*
 * Takes the examples of fold k out of f's counts (sign -1) or puts them
 * back (sign 1); total[t] follows the counts of token t over all classes.
 * Returns how many tokens entered (+) or left (-) the vocabulary.
 */
static int
move_fold(BgFit *f, int32 *total, int k, int sign)
{
	int			C = f->nclasses;
	int			moved = 0;

	for (int e = 0; e < f->nex; e++)
	{
		int			c = f->ex_class[e];

		CHECK_FOR_INTERRUPTS();
		if (f->ex_fold[e] != k)
			continue;
		f->docs[c] += sign;
		f->tokens[c] += sign * (f->ex_start[e + 1] - f->ex_start[e]);
		for (int i = f->ex_start[e]; i < f->ex_start[e + 1]; i++)
		{
			int			t = f->ex_ids[i];

			f->counts[(Size) t * C + c] += sign;
			if (sign < 0 && --total[t] == 0)
				moved--;
			else if (sign > 0 && total[t]++ == 0)
				moved++;
		}
	}
	return moved;
}

/*
 * k-fold cross-validation: the confusion matrix (true × predicted), or NULL
 * with *problem set when a fold has no example or its complement fewer than
 * two classes.
 */
static int32 *
cross_validate(BgFit *f, char **problem)
{
	int			C = f->nclasses;
	int			V = f->vocab.n;
	int32	   *confusion = palloc0(sizeof(int32) * C * C);
	int32	   *total = palloc0(bg_alloc_size(V + 1, sizeof(int32), "role model counts"));
	double	   *lut = palloc(sizeof(double) * LOG_LUT);
	int		   *fold_size = palloc0(sizeof(int) * f->folds);
	double		score[BG_MAX_CLASSES];
	double		denom[BG_MAX_CLASSES];
	double		lp[BG_MAX_CLASSES];

	lut[0] = -INFINITY;
	for (int i = 1; i < LOG_LUT; i++)
		lut[i] = log((double) i);
	for (int t = 0; t < V; t++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int c = 0; c < C; c++)
			total[t] += f->counts[(Size) t * C + c];
	}
	for (int e = 0; e < f->nex; e++)
		fold_size[f->ex_fold[e]]++;
	for (int k = 0; k < f->folds; k++)
		if (fold_size[k] == 0)
		{
			*problem = psprintf("Fold %d of %d has no labels.", k + 1, f->folds);
			return NULL;
		}

	for (int k = 0; k < f->folds; k++)
	{
		int			vf = V;
		int64		ntrain = 0;
		int			nactive = 0;

		/* take the fold's examples out */
		vf += move_fold(f, total, k, -1);
		for (int c = 0; c < C; c++)
		{
			ntrain += f->docs[c];
			nactive += f->docs[c] > 0;
		}
		if (nactive < 2)
		{
			/* the counts are the model's: whole again before giving up */
			(void) move_fold(f, total, k, 1);
			*problem = psprintf("Without fold %d of %d the labels have fewer than 2 classes.", k + 1, f->folds);
			return NULL;
		}
		for (int c = 0; c < C; c++)
		{
			lp[c] = f->docs[c] > 0 ? log((double) f->docs[c]) - log((double) ntrain) : -INFINITY;
			denom[c] = log((double) f->tokens[c] + vf);
		}
		/* predict them */
		for (int e = 0; e < f->nex; e++)
		{
			int			best = -1;

			CHECK_FOR_INTERRUPTS();
			if (f->ex_fold[e] != k)
				continue;
			for (int c = 0; c < C; c++)
				score[c] = lp[c];
			for (int i = f->ex_start[e]; i < f->ex_start[e + 1]; i++)
			{
				int			t = f->ex_ids[i];
				const int32 *cnt = &f->counts[(Size) t * C];

				if (total[t] == 0)
					continue;	/* not in the training part's vocabulary */
				for (int c = 0; c < C; c++)
					score[c] += logk(lut, (int64) cnt[c] + 1) - denom[c];
			}
			for (int c = 0; c < C; c++)
				if (f->docs[c] > 0 && (best < 0 || score[c] > score[best]))
					best = c;
			confusion[f->ex_class[e] * C + best]++;
		}
		/* and put them back */
		(void) move_fold(f, total, k, 1);
	}
	return confusion;
}

static Datum
int4_array(const int32 *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		d[i] = Int32GetDatum(v[i]);
	}
	return PointerGetDatum(construct_array(d, n, INT4OID, 4, true, TYPALIGN_INT));
}

/*
 * bg_internal._fit_role_model(rel regclass, query text, keys text[],
 * classes int[], nclasses int, features text[], kinds text, folds int)
 * RETURNS (examples int, class_docs int[], class_tokens bigint[],
 * vocabulary text[], counts int[], confusion int[], cv_problem text).
 *
 * query, over rel, gets the labeled keys as $1 and returns each person's key
 * (canonical text), job title and extra columns as text; keys[i] has class
 * classes[i] (0-based, nclasses - 1 being "no role").  folds 0: no
 * cross-validation.
 */
PG_FUNCTION_INFO_V1(bg_fit_role_model);
Datum
bg_fit_role_model(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	BgFit		f;
	MemoryContext cxt;
	MemoryContext old;
	ArrayType  *keys;
	ArrayType  *classes;
	Datum	   *kd;
	bool	   *kn;
	int			nk;
	Datum	   *cd;
	bool	   *cn;
	int			nc;
	Oid			owner;
	Oid			rowtype;
	char	   *query;
	Datum		values[7];
	bool		nulls[7] = {false, false, false, false, false, false, false};
	char	   *problem = NULL;
	int32	   *confusion = NULL;
	HeapTuple	result;

	bg_read_require_catalog_owner("bg_internal._fit_role_model");
	for (int i = 0; i < 8; i++)
		if (PG_ARGISNULL(i))
			elog(ERROR, "bg_internal._fit_role_model: argument %d is null", i + 1);
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "bg_internal._fit_role_model must return a row");

	memset(&f, 0, sizeof(f));
	cxt = AllocSetContextCreate(CurrentMemoryContext, "bg fit role model", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	f.cxt = cxt;
	f.rowcxt = AllocSetContextCreate(cxt, "bg fit role model row", ALLOCSET_DEFAULT_SIZES);
	f.nclasses = PG_GETARG_INT32(4);
	if (f.nclasses < 2 || f.nclasses > BG_MAX_CLASSES)
		elog(ERROR, "bg_internal._fit_role_model: %d classes", f.nclasses);
	f.folds = PG_GETARG_INT32(7);
	if (f.folds < 0 || f.folds > PG_INT16_MAX)
		elog(ERROR, "bg_internal._fit_role_model: %d folds", f.folds);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(5), TEXTOID, -1, false, TYPALIGN_INT, &kd, &kn, &nk);
	f.nfeatures = nk;
	f.features = palloc(sizeof(char *) * Max(nk, 1));
	for (int i = 0; i < nk; i++)
		f.features[i] = kn[i] ? pstrdup("") : TextDatumGetCString(kd[i]);
	f.kinds = text_to_cstring(PG_GETARG_TEXT_PP(6));
	if ((int) strlen(f.kinds) != f.nfeatures)
		elog(ERROR, "bg_internal._fit_role_model: %d kinds for %d features", (int) strlen(f.kinds), f.nfeatures);

	/* the labels: key → its classes */
	keys = PG_GETARG_ARRAYTYPE_P(2);
	classes = PG_GETARG_ARRAYTYPE_P(3);
	deconstruct_array(keys, TEXTOID, -1, false, TYPALIGN_INT, &kd, &kn, &nk);
	deconstruct_array(classes, INT4OID, 4, true, TYPALIGN_INT, &cd, &cn, &nc);
	if (nk != nc)
		elog(ERROR, "bg_internal._fit_role_model: %d keys and %d classes", nk, nc);
	bg_vocab_init(&f.keys, cxt);
	f.keys.max = 0;				/* as many as the arrays hold */
	f.key_first = palloc(bg_alloc_size(Max(nk, 1), sizeof(int), "role model labels"));
	f.label_class = palloc(bg_alloc_size(Max(nk, 1), sizeof(int), "role model labels"));
	f.label_next = palloc(bg_alloc_size(Max(nk, 1), sizeof(int), "role model labels"));
	for (int i = 0; i < nk; i++)
	{
		text	   *key;
		int			known;
		int			id;
		int			c;

		CHECK_FOR_INTERRUPTS();
		if (kn[i] || cn[i])
			elog(ERROR, "bg_internal._fit_role_model: a null label");
		c = DatumGetInt32(cd[i]);
		if (c < 0 || c >= f.nclasses)
			elog(ERROR, "bg_internal._fit_role_model: class %d", c);
		key = DatumGetTextPP(kd[i]);
		known = f.keys.n;
		id = bg_vocab_add(&f.keys, VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key));
		f.label_class[i] = c;
		f.label_next[i] = id < known ? f.key_first[id] : -1;	/* a key seen before: chained */
		f.key_first[id] = i;
	}

	bg_tokenizer_init(&f.tk, cxt);
	bg_vocab_init(&f.vocab, cxt);
	f.pub.receiveSlot = fit_receive;
	f.pub.rStartup = fit_startup;
	f.pub.rShutdown = fit_shutdown;
	f.pub.rDestroy = fit_destroy;
	f.pub.mydest = DestTuplestore;

	query = text_to_cstring(PG_GETARG_TEXT_PP(1));
	owner = bg_read_owner(PG_GETARG_OID(0), &rowtype);
	bg_read_run(PG_GETARG_OID(0), query, PointerGetDatum(keys), false, owner, &f.pub);

	if (f.folds > 0)
		confusion = cross_validate(&f, &problem);

	MemoryContextSwitchTo(old);
	values[0] = Int32GetDatum(f.nex);
	{
		Datum		d[BG_MAX_CLASSES];
		Datum		t[BG_MAX_CLASSES];

		for (int c = 0; c < f.nclasses; c++)
		{
			d[c] = Int32GetDatum((int32) f.docs[c]);
			t[c] = Int64GetDatum(f.tokens[c]);
		}
		values[1] = PointerGetDatum(construct_array(d, f.nclasses, INT4OID, 4, true, TYPALIGN_INT));
		values[2] = PointerGetDatum(construct_array(t, f.nclasses, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	}
	{
		Datum	   *v = palloc(bg_alloc_size(Max(f.vocab.n, 1), sizeof(Datum), "role model vocabulary"));

		for (int t = 0; t < f.vocab.n; t++)
		{
			if ((t & 0xffff) == 0)
				CHECK_FOR_INTERRUPTS();
			v[t] = PointerGetDatum(cstring_to_text_with_len(f.vocab.pool + f.vocab.offs[t], f.vocab.lens[t]));
		}
		values[3] = PointerGetDatum(construct_array(v, f.vocab.n, TEXTOID, -1, false, TYPALIGN_INT));
	}
	values[4] = int4_array(f.counts, f.vocab.n * f.nclasses);
	if (confusion != NULL)
		values[5] = int4_array(confusion, f.nclasses * f.nclasses);
	else
		nulls[5] = true;
	if (problem != NULL)
		values[6] = CStringGetTextDatum(problem);
	else
		nulls[6] = true;
	result = heap_form_tuple(BlessTupleDesc(desc), values, nulls);
	MemoryContextDelete(cxt);
	PG_RETURN_DATUM(HeapTupleGetDatum(result));
}
