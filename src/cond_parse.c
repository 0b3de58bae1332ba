/*
 * cond_parse.c — recursive-descent parser and canonical printer of the
 * condition language (docs/design.md §4), and the walker that lists the
 * columns a condition reads.
 *
 *	condition := or_expr
 *	or_expr   := and_expr { OR and_expr }
 *	and_expr  := unary { AND unary }
 *	unary     := NOT unary | '(' condition ')' | predicate | TRUE | FALSE
 *
 * AND and OR nodes are n-ary and flattened, so that printing a parsed
 * condition and parsing the print again gives the same tree (the canonical
 * text is a fixed point).
 */
#include "postgres.h"

#include "miscadmin.h"

#include "alloc_limit.h"
#include "cond.h"

typedef struct Parser
{
	BgTokens   *toks;
	int			pos;
	int			depth;			/* NOT and parentheses around the token */
	int			nregexes;		/* MATCHES patterns so far */
} Parser;

/* Words that cannot be used as unquoted column names. */
static const char *const keywords[] = {
	"and", "any", "between", "contains", "empty", "ends", "false", "in", "is",
	"matches", "not", "or", "starts", "true", "with", NULL
};

static bool
is_keyword(const char *word)
{
	for (int i = 0; keywords[i]; i++)
		if (strcmp(word, keywords[i]) == 0)
			return true;
	return false;
}

static BgToken *
peek(Parser *ps)
{
	return &ps->toks->tok[ps->pos];
}

static BgToken *
advance(Parser *ps)
{
	BgToken    *t = peek(ps);

	if (t->kind != BG_TOK_EOF)
		ps->pos++;
	return t;
}

static bool
tok_is_kw(const BgToken *t, const char *kw)
{
	return t->kind == BG_TOK_IDENT && strcmp(t->text, kw) == 0;
}

static bool
accept_kw(Parser *ps, const char *kw)
{
	if (tok_is_kw(peek(ps), kw))
	{
		advance(ps);
		return true;
	}
	return false;
}

static const char *
tok_describe(const BgToken *t)
{
	switch (t->kind)
	{
		case BG_TOK_EOF:
			return "end of condition";
		case BG_TOK_STRING:
			return psprintf("'%s'", t->text);
		case BG_TOK_QIDENT:
			return psprintf("\"%s\"", t->text);
		case BG_TOK_IDENT:
		case BG_TOK_NUMBER:
			return psprintf("\"%s\"", t->text);
		case BG_TOK_LPAREN:
			return "\"(\"";
		case BG_TOK_RPAREN:
			return "\")\"";
		case BG_TOK_COMMA:
			return "\",\"";
		case BG_TOK_EQ:
			return "\"=\"";
		case BG_TOK_NE:
			return "\"<>\"";
		case BG_TOK_LT:
			return "\"<\"";
		case BG_TOK_LE:
			return "\"<=\"";
		case BG_TOK_GT:
			return "\">\"";
		case BG_TOK_GE:
			return "\">=\"";
	}
	return "?";
}

static void pg_attribute_noreturn()
syntax_error_at(Parser *ps, const char *expected, bool column_expected)
{
	BgToken    *t = peek(ps);

	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("syntax error in condition at %s", tok_describe(t)),
			 bg_errdetail_condition(psprintf("Expected %s", expected),
									t->location, ps->toks->source),
			 (column_expected && t->kind == BG_TOK_IDENT && is_keyword(t->text)) ?
			 errhint("\"%s\" is a keyword; write a column of that name in double quotes.",
					 t->text) : 0));
}

static void pg_attribute_noreturn()
syntax_error(Parser *ps, const char *expected)
{
	syntax_error_at(ps, expected, false);
}

static void
expect(Parser *ps, BgTokKind kind, const char *what)
{
	if (peek(ps)->kind != kind)
		syntax_error(ps, what);
	advance(ps);
}

static void
expect_kw(Parser *ps, const char *kw)
{
	if (!accept_kw(ps, kw))
		syntax_error(ps, psprintf("\"%s\"", kw));
}

static BgNode *parse_or(Parser *ps);

static BgNode *
make_node(BgNodeKind kind, int location)
{
	BgNode	   *n = palloc0(sizeof(BgNode));

	n->kind = kind;
	n->location = location;
	return n;
}

static void
parse_literal(Parser *ps, BgLiteral *lit)
{
	BgToken    *t = peek(ps);

	lit->location = t->location;
	lit->text = t->text;
	if (t->kind == BG_TOK_STRING)
		lit->kind = BG_LIT_STRING;
	else if (t->kind == BG_TOK_NUMBER)
		lit->kind = BG_LIT_NUMBER;
	else if (tok_is_kw(t, "true") || tok_is_kw(t, "false"))
	{
		lit->kind = BG_LIT_BOOL;
		lit->boolval = tok_is_kw(t, "true");
	}
	else
		syntax_error(ps, "a literal (a 'string', a number, true or false)");
	advance(ps);
}

/* '(' literal { ',' literal } ')' into pred->values. */
static void
parse_literal_list(Parser *ps, BgPred *pred)
{
	int			cap = 0;

	expect(ps, BG_TOK_LPAREN, "\"(\"");
	pred->values = NULL;
	pred->nvalues = 0;
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		pred->values = bg_grow_array(pred->values, &cap, (Size) pred->nvalues + 1,
									 sizeof(BgLiteral), CurrentMemoryContext,
									 "list of values in a condition");
		parse_literal(ps, &pred->values[pred->nvalues++]);
		if (peek(ps)->kind == BG_TOK_COMMA)
		{
			advance(ps);
			continue;
		}
		break;
	}
	expect(ps, BG_TOK_RPAREN, "\",\" or \")\"");
}

/* values := literal | ANY '(' literal { ',' literal } ')' */
static void
parse_values(Parser *ps, BgPred *pred)
{
	if (accept_kw(ps, "any"))
	{
		pred->any = true;
		parse_literal_list(ps, pred);
		return;
	}
	pred->nvalues = 1;
	pred->values = palloc(sizeof(BgLiteral));
	parse_literal(ps, &pred->values[0]);
}

static void
parse_single(Parser *ps, BgPred *pred)
{
	pred->nvalues = 1;
	pred->values = palloc(sizeof(BgLiteral));
	parse_literal(ps, &pred->values[0]);
}

/* After NOT: the negatable word operators. */
static void
parse_word_op(Parser *ps, BgPred *pred)
{
	if (accept_kw(ps, "contains"))
		pred->op = BG_OP_CONTAINS;
	else if (accept_kw(ps, "starts"))
	{
		expect_kw(ps, "with");
		pred->op = BG_OP_STARTS;
	}
	else if (accept_kw(ps, "ends"))
	{
		expect_kw(ps, "with");
		pred->op = BG_OP_ENDS;
	}
	else if (accept_kw(ps, "matches"))
	{
		pred->op = BG_OP_MATCHES;
		parse_values(ps, pred);
		ps->nregexes += pred->nvalues;
		if (ps->nregexes > BG_COND_MAX_REGEXES)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("condition has too many regular expressions"),
					 bg_errdetail_condition(psprintf("The limit is %d MATCHES patterns in a condition",
													 BG_COND_MAX_REGEXES),
											pred->op_location, ps->toks->source)));
		return;
	}
	else if (accept_kw(ps, "between"))
	{
		pred->op = BG_OP_BETWEEN;
		pred->nvalues = 2;
		pred->values = palloc(sizeof(BgLiteral) * 2);
		parse_literal(ps, &pred->values[0]);
		expect_kw(ps, "and");
		parse_literal(ps, &pred->values[1]);
		return;
	}
	else if (accept_kw(ps, "in"))
	{
		pred->op = BG_OP_IN;
		parse_literal_list(ps, pred);
		return;
	}
	else
		syntax_error(ps, "an operator (contains, starts with, ends with, matches, between or in)");
	parse_values(ps, pred);
}

static BgNode *
parse_predicate(Parser *ps)
{
	BgToken    *col = advance(ps);
	BgToken    *t = peek(ps);
	BgPred	   *pred = palloc0(sizeof(BgPred));
	BgNode	   *node = make_node(BG_NODE_PRED, col->location);

	node->pred = pred;
	pred->column = col->text;
	pred->col_location = col->location;
	pred->op_location = t->location;

	if (t->kind == BG_TOK_EOF || t->kind == BG_TOK_RPAREN ||
		tok_is_kw(t, "and") || tok_is_kw(t, "or"))
	{
		pred->op = BG_OP_BOOLCOL;
		return node;
	}
	switch (t->kind)
	{
		case BG_TOK_EQ:
		case BG_TOK_NE:
			advance(ps);
			pred->op = BG_OP_EQ;
			pred->negated = (t->kind == BG_TOK_NE);
			parse_values(ps, pred);
			return node;
		case BG_TOK_LT:
		case BG_TOK_LE:
		case BG_TOK_GT:
		case BG_TOK_GE:
			advance(ps);
			pred->op = t->kind == BG_TOK_LT ? BG_OP_LT :
				t->kind == BG_TOK_LE ? BG_OP_LE :
				t->kind == BG_TOK_GT ? BG_OP_GT : BG_OP_GE;
			parse_single(ps, pred);
			return node;
		default:
			break;
	}
	if (accept_kw(ps, "is"))
	{
		pred->negated = accept_kw(ps, "not");
		if (accept_kw(ps, "empty"))
			pred->op = BG_OP_EMPTY;
		else if (accept_kw(ps, "true"))
			pred->op = BG_OP_TRUE;
		else if (accept_kw(ps, "false"))
			pred->op = BG_OP_FALSE;
		else
		{
			pred->op = BG_OP_IS;
			parse_values(ps, pred);
		}
		return node;
	}
	if (accept_kw(ps, "not"))
		pred->negated = true;
	else if (!(t->kind == BG_TOK_IDENT && is_keyword(t->text)))
		syntax_error(ps, psprintf("an operator after column \"%s\"", pred->column));
	parse_word_op(ps, pred);
	return node;
}

/* Enters a NOT or a parenthesis at token t, within the nesting limit. */
static void
enter_nested(Parser *ps, const BgToken *t)
{
	if (++ps->depth > BG_COND_MAX_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_STATEMENT_TOO_COMPLEX),
				 errmsg("condition is nested too deeply"),
				 bg_errdetail_condition(psprintf("The limit is %d levels of NOT and parentheses",
												 BG_COND_MAX_DEPTH),
										t->location, ps->toks->source)));
}

static BgNode *
parse_unary(Parser *ps)
{
	BgToken    *t = peek(ps);

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	if (tok_is_kw(t, "not"))
	{
		BgNode	   *n = make_node(BG_NODE_NOT, t->location);

		enter_nested(ps, t);
		advance(ps);
		n->nargs = 1;
		n->args = palloc(sizeof(BgNode *));
		n->args[0] = parse_unary(ps);
		ps->depth--;
		return n;
	}
	if (t->kind == BG_TOK_LPAREN)
	{
		BgNode	   *n;

		enter_nested(ps, t);
		advance(ps);
		n = parse_or(ps);
		expect(ps, BG_TOK_RPAREN, "\")\"");
		ps->depth--;
		return n;
	}
	if (tok_is_kw(t, "true") || tok_is_kw(t, "false"))
	{
		BgNode	   *n = make_node(BG_NODE_CONST, t->location);

		n->constval = tok_is_kw(t, "true");
		advance(ps);
		return n;
	}
	if (t->kind == BG_TOK_QIDENT || (t->kind == BG_TOK_IDENT && !is_keyword(t->text)))
		return parse_predicate(ps);
	syntax_error_at(ps, "a column name, NOT, TRUE, FALSE or \"(\"", true);
}

/* Appends child to an n-ary node of kind, splicing in a child of the same kind. */
static void
append_flat(BgNode *parent, BgNode *child, int *cap)
{
	if (child->kind == parent->kind)
	{
		for (int i = 0; i < child->nargs; i++)
			append_flat(parent, child->args[i], cap);
		return;
	}
	parent->args = bg_grow_array(parent->args, cap, (Size) parent->nargs + 1,
								 sizeof(BgNode *), CurrentMemoryContext, "condition");
	parent->args[parent->nargs++] = child;
}

static BgNode *
parse_nary(Parser *ps, BgNodeKind kind, const char *kw)
{
	BgNode	   *first = (kind == BG_NODE_OR) ?
		parse_nary(ps, BG_NODE_AND, "and") : parse_unary(ps);
	BgNode	   *n;
	int			cap = 0;

	if (!tok_is_kw(peek(ps), kw))
		return first;
	n = make_node(kind, first->location);
	n->args = NULL;
	append_flat(n, first, &cap);
	while (accept_kw(ps, kw))
	{
		BgNode	   *next = (kind == BG_NODE_OR) ?
			parse_nary(ps, BG_NODE_AND, "and") : parse_unary(ps);

		append_flat(n, next, &cap);
	}
	return n;
}

static BgNode *
parse_or(Parser *ps)
{
	check_stack_depth();
	return parse_nary(ps, BG_NODE_OR, "or");
}

BgNode *
bg_parse(const char *source)
{
	Parser		ps;
	BgNode	   *node;
	Size		len = strlen(source);

	if (len > BG_COND_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("condition is too long"),
				 errdetail("The condition has %zu bytes; the limit is %d bytes.",
						   len, BG_COND_MAX_BYTES)));
	ps.toks = bg_lex(source);
	ps.pos = 0;
	ps.depth = 0;
	ps.nregexes = 0;
	if (peek(&ps)->kind == BG_TOK_EOF)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("condition is empty"),
				 errhint("Write a condition such as job_title contains 'director', or pass NULL for none.")));
	node = parse_or(&ps);
	if (peek(&ps)->kind != BG_TOK_EOF)
		syntax_error(&ps, "AND, OR or the end of the condition");
	return node;
}

/* ---- canonical printing ---- */

static void
print_ident(StringInfo buf, const char *id)
{
	bool		plain = (id[0] >= 'a' && id[0] <= 'z') || id[0] == '_';

	for (const char *p = id; plain && *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '$'))
			plain = false;
	if (plain && !is_keyword(id))
	{
		appendStringInfoString(buf, id);
		return;
	}
	appendStringInfoChar(buf, '"');
	for (const char *p = id; *p; p++)
	{
		if (*p == '"')
			appendStringInfoChar(buf, '"');
		appendStringInfoChar(buf, *p);
	}
	appendStringInfoChar(buf, '"');
}

static void
print_literal(StringInfo buf, const BgLiteral *lit)
{
	switch (lit->kind)
	{
		case BG_LIT_STRING:
			appendStringInfoChar(buf, '\'');
			for (const char *p = lit->text; *p; p++)
			{
				if (*p == '\'')
					appendStringInfoChar(buf, '\'');
				appendStringInfoChar(buf, *p);
			}
			appendStringInfoChar(buf, '\'');
			break;
		case BG_LIT_NUMBER:
			appendStringInfoString(buf, lit->text);
			break;
		case BG_LIT_BOOL:
			appendStringInfoString(buf, lit->boolval ? "true" : "false");
			break;
	}
}

static void
print_list(StringInfo buf, const BgPred *pred)
{
	appendStringInfoChar(buf, '(');
	for (int i = 0; i < pred->nvalues; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, ", ");
		print_literal(buf, &pred->values[i]);
	}
	appendStringInfoChar(buf, ')');
}

static void
print_values(StringInfo buf, const BgPred *pred)
{
	if (pred->any)
	{
		appendStringInfoString(buf, "any ");
		print_list(buf, pred);
	}
	else
		print_literal(buf, &pred->values[0]);
}

void
bg_print_pred(StringInfo buf, const BgPred *pred)
{
	const char *neg = pred->negated ? "not " : "";

	print_ident(buf, pred->column);
	switch (pred->op)
	{
		case BG_OP_BOOLCOL:
			return;
		case BG_OP_IS:
			appendStringInfo(buf, " is %s", neg);
			print_values(buf, pred);
			return;
		case BG_OP_EQ:
			appendStringInfoString(buf, pred->negated ? " <> " : " = ");
			print_values(buf, pred);
			return;
		case BG_OP_CONTAINS:
			appendStringInfo(buf, " %scontains ", neg);
			print_values(buf, pred);
			return;
		case BG_OP_STARTS:
			appendStringInfo(buf, " %sstarts with ", neg);
			print_values(buf, pred);
			return;
		case BG_OP_ENDS:
			appendStringInfo(buf, " %sends with ", neg);
			print_values(buf, pred);
			return;
		case BG_OP_MATCHES:
			appendStringInfo(buf, " %smatches ", neg);
			print_values(buf, pred);
			return;
		case BG_OP_LT:
		case BG_OP_LE:
		case BG_OP_GT:
		case BG_OP_GE:
			appendStringInfoString(buf, pred->op == BG_OP_LT ? " < " :
								   pred->op == BG_OP_LE ? " <= " :
								   pred->op == BG_OP_GT ? " > " : " >= ");
			print_literal(buf, &pred->values[0]);
			return;
		case BG_OP_BETWEEN:
			appendStringInfo(buf, " %sbetween ", neg);
			print_literal(buf, &pred->values[0]);
			appendStringInfoString(buf, " and ");
			print_literal(buf, &pred->values[1]);
			return;
		case BG_OP_IN:
			appendStringInfo(buf, " %sin ", neg);
			print_list(buf, pred);
			return;
		case BG_OP_EMPTY:
			appendStringInfo(buf, " is %sempty", neg);
			return;
		case BG_OP_TRUE:
			appendStringInfo(buf, " is %strue", neg);
			return;
		case BG_OP_FALSE:
			appendStringInfo(buf, " is %sfalse", neg);
			return;
	}
}

void
bg_print_node(StringInfo buf, const BgNode *node)
{
	check_stack_depth();
	switch (node->kind)
	{
		case BG_NODE_CONST:
			appendStringInfoString(buf, node->constval ? "true" : "false");
			return;
		case BG_NODE_PRED:
			bg_print_pred(buf, node->pred);
			return;
		case BG_NODE_NOT:
			{
				const BgNode *arg = node->args[0];
				bool		paren = (arg->kind == BG_NODE_AND || arg->kind == BG_NODE_OR);

				appendStringInfoString(buf, paren ? "not (" : "not ");
				bg_print_node(buf, arg);
				if (paren)
					appendStringInfoChar(buf, ')');
				return;
			}
		case BG_NODE_AND:
		case BG_NODE_OR:
			for (int i = 0; i < node->nargs; i++)
			{
				const BgNode *arg = node->args[i];
				bool		paren = (node->kind == BG_NODE_AND && arg->kind == BG_NODE_OR);

				if (i > 0)
					appendStringInfoString(buf, node->kind == BG_NODE_AND ? " and " : " or ");
				if (paren)
					appendStringInfoChar(buf, '(');
				bg_print_node(buf, arg);
				if (paren)
					appendStringInfoChar(buf, ')');
			}
			return;
	}
}

char *
bg_canonical(const BgNode *node)
{
	StringInfoData buf;

	initStringInfo(&buf);
	bg_print_node(&buf, node);
	return buf.data;
}

/* ---- walking ---- */

/*
 * Appends the column names node reads (the trees' own strings, not copies)
 * to names, in the order they are written: every occurrence, or when
 * distinct only those not in names yet.
 */
List *
bg_node_columns(const BgNode *node, List *names, bool distinct)
{
	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	if (node->kind == BG_NODE_PRED)
	{
		ListCell   *lc;

		if (distinct)
			foreach(lc, names)
				if (strcmp(lfirst(lc), node->pred->column) == 0)
					return names;
		return lappend(names, node->pred->column);
	}
	for (int i = 0; i < node->nargs; i++)
		names = bg_node_columns(node->args[i], names, distinct);
	return names;
}

/*
 * Appends to values the string literals that node looks for in column, in
 * the order they are written and each once: those of the positive text
 * tests (is, =, contains, starts with, ends with, in, and their any (...)
 * forms) that are not negated, counting every enclosing NOT.  A regular
 * expression (matches) or an excluded value is not something to look for.
 * What a contact vendor's search over job titles needs (docs/design.md §9).
 */
List *
bg_node_literals(const BgNode *node, const char *column, bool negated, List *values)
{
	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	if (node->kind == BG_NODE_NOT)
		return bg_node_literals(node->args[0], column, !negated, values);
	if (node->kind == BG_NODE_PRED)
	{
		const BgPred *pred = node->pred;

		if (negated || pred->negated || strcmp(pred->column, column) != 0)
			return values;
		if (pred->op != BG_OP_IS && pred->op != BG_OP_EQ && pred->op != BG_OP_CONTAINS &&
			pred->op != BG_OP_STARTS && pred->op != BG_OP_ENDS && pred->op != BG_OP_IN)
			return values;
		for (int i = 0; i < pred->nvalues; i++)
		{
			ListCell   *lc;
			bool		seen = false;

			CHECK_FOR_INTERRUPTS();
			if (pred->values[i].kind != BG_LIT_STRING)
				continue;
			foreach(lc, values)
				if (strcmp(lfirst(lc), pred->values[i].text) == 0)
				{
					seen = true;
					break;
				}
			if (!seen)
				values = lappend(values, pred->values[i].text);
		}
		return values;
	}
	for (int i = 0; i < node->nargs; i++)
		values = bg_node_literals(node->args[i], column, negated, values);
	return values;
}
