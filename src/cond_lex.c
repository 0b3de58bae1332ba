/*
 * cond_lex.c — the lexer of the condition language (docs/design.md §4).
 *
 * Words are returned as identifiers; the parser decides which are keywords,
 * so that keywords stay case-insensitive and column names need quoting only
 * when they collide with one.  Unquoted identifiers are folded to lower case
 * as PostgreSQL folds them; quoted ones are kept as written.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "parser/scansup.h"

#include "alloc_limit.h"
#include "cond.h"

static bool
is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool
is_ident_cont(unsigned char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Reads a quoted token (string or identifier) whose quote char is q. */
static char *
lex_quoted(const char *source, const char **pp, char q, int location)
{
	const char *p = *pp + 1;
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (*p == '\0' && q == '\'')
			bg_cond_error(ERRCODE_SYNTAX_ERROR, location, source,
						  "unterminated quoted string in condition");
		if (*p == '\0')
			bg_cond_error(ERRCODE_SYNTAX_ERROR, location, source,
						  "unterminated quoted identifier in condition");
		if (*p == q)
		{
			if (p[1] == q)
			{
				appendStringInfoChar(&buf, q);
				p += 2;
				continue;
			}
			p++;
			break;
		}
		appendStringInfoChar(&buf, *p);
		p++;
	}
	*pp = p;
	return buf.data;
}

BgTokens *
bg_lex(const char *source)
{
	BgTokens   *toks = palloc0(sizeof(BgTokens));
	int			cap = 0;
	const char *p = source;
	const char *counted = source;	/* positions are counted up to here */
	int			chars = 0;			/* characters before counted */

	toks->source = source;
	toks->tok = NULL;

	for (;;)
	{
		BgToken    *t;
		const char *start;

		CHECK_FOR_INTERRUPTS();
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')
			p++;
		toks->tok = bg_grow_array(toks->tok, &cap, (Size) toks->count + 1, sizeof(BgToken),
								  CurrentMemoryContext, "condition");
		t = &toks->tok[toks->count++];
		start = p;
		/* count characters incrementally: long conditions stay linear */
		chars += pg_mbstrlen_with_len(counted, p - counted);
		counted = p;
		t->location = chars + 1;
		t->text = NULL;

		if (*p == '\0')
		{
			t->kind = BG_TOK_EOF;
			break;
		}
		if (is_ident_start((unsigned char) *p))
		{
			while (is_ident_cont((unsigned char) *p))
				p++;
			t->kind = BG_TOK_IDENT;
			t->text = downcase_identifier(start, p - start, false, false);
			continue;
		}
		if (is_digit((unsigned char) *p) ||
			((*p == '-' || *p == '.') && (is_digit((unsigned char) p[1]) ||
										  (p[1] == '.' && is_digit((unsigned char) p[2])))))
		{
			bool		seen_dot = false;

			if (*p == '-')
				p++;
			while (is_digit((unsigned char) *p) || (*p == '.' && !seen_dot))
			{
				if (*p == '.')
					seen_dot = true;
				p++;
			}
			if ((*p == 'e' || *p == 'E') &&
				(is_digit((unsigned char) p[1]) ||
				 ((p[1] == '+' || p[1] == '-') && is_digit((unsigned char) p[2]))))
			{
				p += 2;
				while (is_digit((unsigned char) *p))
					p++;
			}
			if (is_ident_start((unsigned char) *p))
				bg_cond_error(ERRCODE_SYNTAX_ERROR, t->location, source,
							  "trailing junk after number \"%.*s\" in condition",
							  (int) (p - start + 1), start);
			t->kind = BG_TOK_NUMBER;
			t->text = pnstrdup(start, p - start);
			continue;
		}
		switch (*p)
		{
			case '\'':
				t->kind = BG_TOK_STRING;
				t->text = lex_quoted(source, &p, '\'', t->location);
				continue;
			case '"':
				t->kind = BG_TOK_QIDENT;
				t->text = lex_quoted(source, &p, '"', t->location);
				if (t->text[0] == '\0')
					bg_cond_error(ERRCODE_SYNTAX_ERROR, t->location, source,
								  "zero-length quoted identifier in condition");
				continue;
			case '(':
				t->kind = BG_TOK_LPAREN;
				p++;
				continue;
			case ')':
				t->kind = BG_TOK_RPAREN;
				p++;
				continue;
			case ',':
				t->kind = BG_TOK_COMMA;
				p++;
				continue;
			case '=':
				t->kind = BG_TOK_EQ;
				p++;
				continue;
			case '!':
				if (p[1] == '=')
				{
					t->kind = BG_TOK_NE;
					p += 2;
					continue;
				}
				break;
			case '<':
				if (p[1] == '>')
				{
					t->kind = BG_TOK_NE;
					p += 2;
				}
				else if (p[1] == '=')
				{
					t->kind = BG_TOK_LE;
					p += 2;
				}
				else
				{
					t->kind = BG_TOK_LT;
					p++;
				}
				continue;
			case '>':
				if (p[1] == '=')
				{
					t->kind = BG_TOK_GE;
					p += 2;
				}
				else
				{
					t->kind = BG_TOK_GT;
					p++;
				}
				continue;
			default:
				break;
		}
		bg_cond_error(ERRCODE_SYNTAX_ERROR, t->location, source,
					  "unexpected character \"%.*s\" in condition",
					  pg_mblen(p), p);
	}
	return toks;
}
