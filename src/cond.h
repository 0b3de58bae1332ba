/*
 * cond.h — the condition language of docs/design.md §4: tokens, syntax tree,
 * and the entry points of the lexer, parser, printer, walker and checker.
 */
#ifndef BG_COND_H
#define BG_COND_H

#include "postgres.h"
#include "access/tupdesc.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

/*
 * Limits of a condition (docs/design.md §4.6), checked by the parser, so
 * when a condition is saved: whatever is saved can be evaluated.
 */
#define BG_COND_MAX_BYTES (1024 * 1024)	/* length of the text */
#define BG_COND_MAX_DEPTH 100	/* nested NOT and parentheses */
#define BG_COND_MAX_REGEXES 100 /* MATCHES patterns */

/* ---- lexer (cond_lex.c) ---- */

typedef enum BgTokKind
{
	BG_TOK_EOF,
	BG_TOK_IDENT,				/* unquoted word: keyword or column */
	BG_TOK_QIDENT,				/* "quoted identifier" */
	BG_TOK_STRING,				/* 'string' */
	BG_TOK_NUMBER,
	BG_TOK_LPAREN,
	BG_TOK_RPAREN,
	BG_TOK_COMMA,
	BG_TOK_EQ,					/* = */
	BG_TOK_NE,					/* <> or != */
	BG_TOK_LT,
	BG_TOK_LE,
	BG_TOK_GT,
	BG_TOK_GE
} BgTokKind;

typedef struct BgToken
{
	BgTokKind	kind;
	char	   *text;			/* identifier (case-folded if unquoted),
								 * string value, or number as written */
	int			location;		/* 1-based character position */
} BgToken;

typedef struct BgTokens
{
	const char *source;			/* the condition text, for error reports */
	int			count;
	BgToken    *tok;			/* count entries, the last is EOF */
} BgTokens;

extern BgTokens *bg_lex(const char *source);

/* ---- syntax tree (cond_parse.c) ---- */

typedef enum BgLitKind
{
	BG_LIT_STRING,
	BG_LIT_NUMBER,
	BG_LIT_BOOL
} BgLitKind;

typedef struct BgLiteral
{
	BgLitKind	kind;
	char	   *text;			/* string value, or number as written */
	bool		boolval;
	int			location;
} BgLiteral;

/*
 * Predicate operators.  Each has a positive form; `negated` turns it into its
 * exact complement (IS NOT, <>, NOT CONTAINS, NOT IN, IS NOT EMPTY, ...).
 */
typedef enum BgOp
{
	BG_OP_IS,					/* text equality spelled IS */
	BG_OP_EQ,					/* = (text or value equality) */
	BG_OP_CONTAINS,
	BG_OP_STARTS,
	BG_OP_ENDS,
	BG_OP_MATCHES,
	BG_OP_LT,
	BG_OP_LE,
	BG_OP_GT,
	BG_OP_GE,
	BG_OP_BETWEEN,
	BG_OP_IN,
	BG_OP_EMPTY,
	BG_OP_TRUE,					/* IS TRUE */
	BG_OP_FALSE,				/* IS FALSE */
	BG_OP_BOOLCOL				/* a bare boolean column */
} BgOp;

typedef struct BgPred
{
	char	   *column;
	int			col_location;
	BgOp		op;
	bool		negated;
	bool		any;			/* values written as ANY (...) */
	int			nvalues;
	BgLiteral  *values;
	int			op_location;
} BgPred;

typedef enum BgNodeKind
{
	BG_NODE_AND,
	BG_NODE_OR,
	BG_NODE_NOT,
	BG_NODE_CONST,
	BG_NODE_PRED
} BgNodeKind;

typedef struct BgNode
{
	BgNodeKind	kind;
	int			location;
	int			nargs;			/* AND, OR: two or more; NOT: one */
	struct BgNode **args;
	bool		constval;		/* CONST */
	BgPred	   *pred;			/* PRED */
} BgNode;

extern BgNode *bg_parse(const char *source);
extern void bg_print_node(StringInfo buf, const BgNode *node);
extern void bg_print_pred(StringInfo buf, const BgPred *pred);
extern char *bg_canonical(const BgNode *node);
extern List *bg_node_columns(const BgNode *node, List *names, bool distinct);
extern List *bg_node_literals(const BgNode *node, const char *column, bool negated, List *values);

/* ---- checker (cond_check.c) ---- */

/* How a column's values are compared. */
typedef enum BgTypeClass
{
	BG_TC_TEXT,					/* varlena text-like: text, varchar, bpchar, citext */
	BG_TC_NAME,
	BG_TC_OTHER_TEXT,			/* enums etc.: compared through the output function */
	BG_TC_INT,					/* int2, int4, int8 */
	BG_TC_FLOAT,				/* float4, float8 */
	BG_TC_NUMERIC,
	BG_TC_DATE,
	BG_TC_TIMESTAMP,
	BG_TC_TIMESTAMPTZ,
	BG_TC_BOOL
} BgTypeClass;

typedef struct BgColumnRef
{
	AttrNumber	attnum;
	Oid			typid;			/* the attribute's type */
	BgTypeClass tclass;
} BgColumnRef;

extern bool bg_type_class(Oid typid, BgTypeClass *tclass);
extern BgColumnRef bg_resolve_column(const BgPred *pred, TupleDesc desc, Oid relid,
									 const char *source);
extern void bg_check_node(const BgNode *node, TupleDesc desc, Oid relid,
						  const char *source);
extern void bg_check_pred(const BgPred *pred, BgColumnRef col, const char *source);
extern Datum bg_literal_datum(const BgLiteral *lit, BgTypeClass tclass,
							  const char *source);

/* ---- errors (cond_error.c) ---- */

extern int	bg_errdetail_condition(const char *cause, int location, const char *source);

/* Raise a condition error: errmsg, with the position and the text in errdetail. */
#define bg_cond_error(code, location, source, ...) \
	ereport(ERROR, (errcode(code), errmsg(__VA_ARGS__), \
					bg_errdetail_condition(NULL, (location), (source))))

#endif							/* BG_COND_H */
