/*
 * role_model.h — predicted roles (docs/design.md §10): the tokens of a
 * person (job title words and word pairs, chosen columns), the vocabulary
 * table that numbers them, and the trained models cached per backend.
 */
#ifndef BG_ROLE_MODEL_H
#define BG_ROLE_MODEL_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

#include "casefold.h"

/* At most this many distinct tokens in a model (error 54000 beyond). */
#define BG_MAX_VOCABULARY 1000000

/* At most this many classes: bg's twenty roles and "no role". */
#define BG_MAX_CLASSES 21

/* Feature kinds, one letter per extra column. */
#define BG_FEATURE_TEXT 't'
#define BG_FEATURE_BOOL 'b'
#define BG_FEATURE_NUMBER 'n'

/*
 * Distinct strings (tokens; the labeled keys while training) numbered 0,
 * 1, ... in order of first appearance: the strings in one pool, an
 * open-addressing table of their ids.
 */
typedef struct BgVocab
{
	MemoryContext cxt;
	char	   *pool;
	int			poollen;
	int			poolcap;
	int		   *offs;			/* per token: offset in pool */
	int		   *lens;
	uint32	   *hashes;
	int			n;
	int			cap;
	int			max;			/* at most this many (0: no cap but memory) */
	int		   *slots;			/* token id, or -1 */
	uint32		mask;
} BgVocab;

extern void bg_vocab_init(BgVocab *v, MemoryContext cxt);
extern int	bg_vocab_find(const BgVocab *v, const char *s, int len);
extern int	bg_vocab_add(BgVocab *v, const char *s, int len);

/*
 * A person's tokens, written into a reusable list: the scratch buffers live
 * as long as the list, so tokenising a row allocates nothing once they have
 * grown.
 */
typedef struct BgTokenizer
{
	MemoryContext cxt;
	BgFoldBuf	fold;
	StringInfoData tok;			/* the token being built */
	StringInfoData all;			/* every token of the row, NUL-separated */
	int		   *starts;			/* per token: offset in all */
	int		   *lens;
	int			ntokens;
	int			cap;
} BgTokenizer;

extern void bg_tokenizer_init(BgTokenizer *tk, MemoryContext cxt);
extern void bg_tokenizer_reset(BgTokenizer *tk);
extern void bg_tokens_title(BgTokenizer *tk, const char *s, int len);
extern void bg_tokens_feature(BgTokenizer *tk, const char *name, char kind, const char *s, int len);

/* A trained model, as predictions use it (role_model_cache.c). */
typedef struct BgRoleModel
{
	char	   *name;
	char	   *title_column;
	int			nfeatures;
	char	  **features;
	char	   *kinds;
	int			nclasses;
	char	  **classes;		/* role names; NULL: no role (the last) */
	bool	   *active;			/* classes with at least one label */
	double	   *logprior;		/* log P(class) */
	BgVocab		vocab;
	double	   *logp;			/* log P(token | class), vocabulary × classes */
} BgRoleModel;

extern BgRoleModel *bg_role_model_get(const char *name);
extern List *bg_role_model_columns(const char *name);

#endif							/* BG_ROLE_MODEL_H */
