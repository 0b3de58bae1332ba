/*
 * cond_check.c — resolves the columns of a parsed condition against a row
 * type and checks that every operator and literal fits the column's type
 * (docs/design.md §3: conditions are checked when saved, never a surprise
 * later), and bg.check_condition, which does so from SQL.
 */
#include "postgres.h"

#include <limits.h>

#include "access/relation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "regex/regex.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/varlena.h"

#include "cond.h"
#include "cond_regex.h"

bool
bg_type_class(Oid typid, BgTypeClass *tclass)
{
	Oid			base = getBaseType(typid);
	char		category;
	bool		preferred;

	switch (base)
	{
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			*tclass = BG_TC_TEXT;
			return true;
		case NAMEOID:
			*tclass = BG_TC_NAME;
			return true;
		case INT2OID:
		case INT4OID:
		case INT8OID:
			*tclass = BG_TC_INT;
			return true;
		case FLOAT4OID:
		case FLOAT8OID:
			*tclass = BG_TC_FLOAT;
			return true;
		case NUMERICOID:
			*tclass = BG_TC_NUMERIC;
			return true;
		case DATEOID:
			*tclass = BG_TC_DATE;
			return true;
		case TIMESTAMPOID:
			*tclass = BG_TC_TIMESTAMP;
			return true;
		case TIMESTAMPTZOID:
			*tclass = BG_TC_TIMESTAMPTZ;
			return true;
		case BOOLOID:
			*tclass = BG_TC_BOOL;
			return true;
		default:
			break;
	}
	get_type_category_preferred(base, &category, &preferred);
	if (category == TYPCATEGORY_STRING && get_typlen(base) == -1)
	{
		/* citext and other text-like varlenas share text's representation */
		*tclass = BG_TC_TEXT;
		return true;
	}
	if (category == TYPCATEGORY_STRING || category == TYPCATEGORY_ENUM)
	{
		*tclass = BG_TC_OTHER_TEXT;
		return true;
	}
	return false;
}

static bool
tc_is_text(BgTypeClass tc)
{
	return tc == BG_TC_TEXT || tc == BG_TC_NAME || tc == BG_TC_OTHER_TEXT;
}

static bool
tc_is_number(BgTypeClass tc)
{
	return tc == BG_TC_INT || tc == BG_TC_FLOAT || tc == BG_TC_NUMERIC;
}

static bool
tc_is_date(BgTypeClass tc)
{
	return tc == BG_TC_DATE || tc == BG_TC_TIMESTAMP || tc == BG_TC_TIMESTAMPTZ;
}

/* The hint for an unknown column: the closest names, or all of them. */
static char *
closest_columns(const char *name, TupleDesc desc)
{
	StringInfoData buf;
	int			best[3] = {INT_MAX, INT_MAX, INT_MAX};
	int			bestatt[3] = {-1, -1, -1};
	int			nlen = strlen(name);
	int			shown = 0;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		const char *an;
		int			d;

		if (att->attisdropped)
			continue;
		an = NameStr(att->attname);
		d = varstr_levenshtein(name, nlen, an, strlen(an), 1, 1, 1, false);
		for (int k = 0; k < 3; k++)
		{
			if (d < best[k])
			{
				for (int m = 2; m > k; m--)
				{
					best[m] = best[m - 1];
					bestatt[m] = bestatt[m - 1];
				}
				best[k] = d;
				bestatt[k] = i;
				break;
			}
		}
	}
	initStringInfo(&buf);
	for (int k = 0; k < 3; k++)
	{
		/* keep suggestions that differ in at most about half of the name */
		if (bestatt[k] < 0 || best[k] > Max(nlen / 2, 2))
			break;
		appendStringInfo(&buf, "%s\"%s\"", shown ? ", " : "",
						 NameStr(TupleDescAttr(desc, bestatt[k])->attname));
		shown++;
	}
	if (shown > 0)
		return psprintf("Perhaps you meant %s.", buf.data);
	/* nothing close: name the columns there are, when they are few */
	resetStringInfo(&buf);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		if (++shown > 20)
			return NULL;
		appendStringInfo(&buf, "%s\"%s\"", shown > 1 ? ", " : "", NameStr(att->attname));
	}
	return shown ? psprintf("The columns are %s.", buf.data) : NULL;
}

BgColumnRef
bg_resolve_column(const BgPred *pred, TupleDesc desc, const char *what,
				  const char *source)
{
	BgColumnRef ref;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || strcmp(NameStr(att->attname), pred->column) != 0)
			continue;
		ref.attnum = att->attnum;
		ref.typid = att->atttypid;
		if (!bg_type_class(att->atttypid, &ref.tclass))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of %s has type %s, which conditions cannot compare",
							pred->column, what, format_type_be(att->atttypid)),
					 errdetail("At character %d of condition \"%s\".",
							   pred->col_location, source),
					 errhint("Conditions compare text, number, date, timestamp and boolean columns.")));
		return ref;
	}
	{
		char	   *close = closest_columns(pred->column, desc);

		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" does not exist in %s", pred->column, what),
				 errdetail("At character %d of condition \"%s\".",
						   pred->col_location, source),
				 close ? errhint("%s", close) : 0));
	}
	pg_unreachable();
}

/* ---- literal conversion ---- */

static bool
digits(const char **p, int n)
{
	for (int i = 0; i < n; i++, (*p)++)
		if (**p < '0' || **p > '9')
			return false;
	return true;
}

/*
 * docs/design.md §4: dates and timestamps are written in ISO form, so a
 * condition means the same under every DateStyle: YYYY-MM-DD, and for
 * timestamps an optional time ([ T]HH:MM[:SS[.fraction]]) and zone (Z or
 * +HH[:MM]).
 */
static bool
is_iso_datetime(const char *s, bool allow_time)
{
	const char *p = s;

	if (!digits(&p, 4) || *p++ != '-' || !digits(&p, 2) || *p++ != '-' || !digits(&p, 2))
		return false;
	if (*p == '\0')
		return true;
	if (!allow_time || (*p != ' ' && *p != 'T'))
		return false;
	p++;
	if (!digits(&p, 2) || *p++ != ':' || !digits(&p, 2))
		return false;
	if (*p == ':')
	{
		p++;
		if (!digits(&p, 2))
			return false;
		if (*p == '.')
		{
			p++;
			if (*p < '0' || *p > '9')
				return false;
			while (*p >= '0' && *p <= '9')
				p++;
		}
	}
	if (*p == 'Z')
		p++;
	else if (*p == '+' || *p == '-')
	{
		p++;
		if (!digits(&p, 2))
			return false;
		if (*p == ':')
			p++;
		if (*p >= '0' && *p <= '9' && !digits(&p, 2))
			return false;
	}
	return *p == '\0';
}

static Datum
call_input(const BgLiteral *lit, BgTypeClass tclass)
{
	switch (tclass)
	{
		case BG_TC_FLOAT:
			/* float columns compare with the literal as a double */
			return DirectFunctionCall1(float8in, CStringGetDatum(lit->text));
		case BG_TC_INT:
		case BG_TC_NUMERIC:
			return DirectFunctionCall3(numeric_in, CStringGetDatum(lit->text),
									   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
		case BG_TC_DATE:
			return DirectFunctionCall1(date_in, CStringGetDatum(lit->text));
		case BG_TC_TIMESTAMP:
			return DirectFunctionCall3(timestamp_in, CStringGetDatum(lit->text),
									   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
		case BG_TC_TIMESTAMPTZ:
			return DirectFunctionCall3(timestamptz_in, CStringGetDatum(lit->text),
									   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
		default:
			elog(ERROR, "unexpected type class %d for a literal", (int) tclass);
	}
	return (Datum) 0;
}

/*
 * Converts a literal to a datum of the column's base type (numbers, dates,
 * timestamps).  The type's input error keeps its SQLSTATE and is re-raised
 * naming the literal and its position.  Catching it without a
 * subtransaction is safe: the input functions of these built-in types
 * acquire no resources.
 */
Datum
bg_literal_datum(const BgLiteral *lit, BgTypeClass tclass, const char *source)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile Datum d = (Datum) 0;
	ErrorData  *volatile edata = NULL;

	if ((tclass == BG_TC_DATE || tclass == BG_TC_TIMESTAMP || tclass == BG_TC_TIMESTAMPTZ) &&
		!is_iso_datetime(lit->text, tclass != BG_TC_DATE))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_DATETIME_FORMAT),
				 errmsg("invalid %s literal '%s' in condition",
						tclass == BG_TC_DATE ? "date" : "timestamp", lit->text),
				 errdetail("At character %d of condition \"%s\".", lit->location, source),
				 errhint(tclass == BG_TC_DATE ? "Write dates in ISO form, such as '2026-01-31'." :
						 "Write timestamps in ISO form, such as '2026-01-31' or '2026-01-31 09:30:00+00'.")));
	PG_TRY();
	{
		d = call_input(lit, tclass);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
	}
	PG_END_TRY();
	if (edata)
		ereport(ERROR,
				(errcode(edata->sqlerrcode),
				 errmsg("invalid literal '%s' in condition: %s", lit->text, edata->message),
				 errdetail("At character %d of condition \"%s\".", lit->location, source)));
	return d;
}

static const char *
tc_describe(BgTypeClass tc)
{
	if (tc_is_text(tc))
		return "text";
	if (tc_is_number(tc))
		return "a number";
	if (tc_is_date(tc))
		return "a date or timestamp";
	return "boolean";
}

static void pg_attribute_noreturn()
type_error(int location, const char *source, const char *msg,
		   const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("%s", msg),
			 errdetail("At character %d of condition \"%s\".", location, source),
			 hint ? errhint("%s", hint) : 0));
}

static const char *
op_name(const BgPred *pred)
{
	BgPred		p = *pred;

	/* the operator as the canonical printer spells it, without its operands */
	switch (p.op)
	{
		case BG_OP_IS:
			return p.negated ? "is not" : "is";
		case BG_OP_EQ:
			return p.negated ? "<>" : "=";
		case BG_OP_CONTAINS:
			return p.negated ? "not contains" : "contains";
		case BG_OP_STARTS:
			return p.negated ? "not starts with" : "starts with";
		case BG_OP_ENDS:
			return p.negated ? "not ends with" : "ends with";
		case BG_OP_MATCHES:
			return p.negated ? "not matches" : "matches";
		case BG_OP_LT:
			return "<";
		case BG_OP_LE:
			return "<=";
		case BG_OP_GT:
			return ">";
		case BG_OP_GE:
			return ">=";
		case BG_OP_BETWEEN:
			return p.negated ? "not between" : "between";
		case BG_OP_IN:
			return p.negated ? "not in" : "in";
		case BG_OP_EMPTY:
			return p.negated ? "is not empty" : "is empty";
		case BG_OP_TRUE:
			return p.negated ? "is not true" : "is true";
		case BG_OP_FALSE:
			return p.negated ? "is not false" : "is false";
		case BG_OP_BOOLCOL:
			return "a bare column";
	}
	return "?";
}

/* Checks that every literal of pred suits a column of class tc. */
static void
check_literals(const BgPred *pred, BgColumnRef col, const char *source)
{
	for (int i = 0; i < pred->nvalues; i++)
	{
		const BgLiteral *lit = &pred->values[i];

		if (tc_is_text(col.tclass))
		{
			if (lit->kind != BG_LIT_STRING)
				type_error(lit->location, source,
						   psprintf("column \"%s\" is text but is compared with %s %s",
									pred->column,
									lit->kind == BG_LIT_NUMBER ? "the number" : "the boolean",
									lit->kind == BG_LIT_NUMBER ? lit->text :
									(lit->boolval ? "true" : "false")),
						   psprintf("Quote the value: '%s'.",
									lit->kind == BG_LIT_NUMBER ? lit->text :
									(lit->boolval ? "true" : "false")));
			if (pred->op == BG_OP_MATCHES)
				bg_regex_free(bg_regex_compile(lit->text, lit->location, source));
		}
		else if (tc_is_number(col.tclass))
		{
			if (lit->kind != BG_LIT_NUMBER)
				type_error(lit->location, source,
						   psprintf("column \"%s\" is a number but is compared with %s",
									pred->column,
									lit->kind == BG_LIT_STRING ? "a string" : "a boolean"),
						   "Write the number without quotes.");
			(void) bg_literal_datum(lit, col.tclass, source);
		}
		else if (tc_is_date(col.tclass))
		{
			if (lit->kind != BG_LIT_STRING)
				type_error(lit->location, source,
						   psprintf("column \"%s\" is a date or timestamp but is compared with %s",
									pred->column,
									lit->kind == BG_LIT_NUMBER ? "a number" : "a boolean"),
						   "Write dates in ISO form and quoted, such as '2026-01-31'.");
			(void) bg_literal_datum(lit, col.tclass, source);
		}
		else if (lit->kind != BG_LIT_BOOL)
			type_error(lit->location, source,
					   psprintf("column \"%s\" is boolean but is compared with %s",
								pred->column,
								lit->kind == BG_LIT_NUMBER ? "a number" : "a string"),
					   "Compare it with true or false, or write the column alone.");
	}
}

void
bg_check_pred(const BgPred *pred, BgColumnRef col, const char *source)
{
	BgTypeClass tc = col.tclass;
	bool		ok;
	const char *hint = NULL;

	switch (pred->op)
	{
		case BG_OP_IS:
		case BG_OP_CONTAINS:
		case BG_OP_STARTS:
		case BG_OP_ENDS:
		case BG_OP_MATCHES:
			ok = tc_is_text(tc);
			hint = tc_is_number(tc) || tc_is_date(tc) ?
				"Compare numbers and dates with =, <>, <, <=, >, >=, between or in." :
				"Test a boolean column with IS TRUE, IS FALSE or the column alone.";
			break;
		case BG_OP_LT:
		case BG_OP_LE:
		case BG_OP_GT:
		case BG_OP_GE:
		case BG_OP_BETWEEN:
			ok = tc_is_number(tc) || tc_is_date(tc);
			hint = tc_is_text(tc) ?
				"Compare text with is, =, contains, starts with, ends with, matches or in." :
				"Test a boolean column with IS TRUE, IS FALSE or the column alone.";
			break;
		case BG_OP_TRUE:
		case BG_OP_FALSE:
		case BG_OP_BOOLCOL:
			ok = (tc == BG_TC_BOOL);
			hint = "Only boolean columns can be tested alone or with IS TRUE and IS FALSE.";
			break;
		case BG_OP_EQ:
		case BG_OP_IN:
		case BG_OP_EMPTY:
		default:
			ok = true;
			break;
	}
	if (!ok)
		type_error(pred->op == BG_OP_BOOLCOL ? pred->col_location : pred->op_location,
				   source,
				   psprintf("operator %s does not apply to column \"%s\" of type %s",
							op_name(pred), pred->column, format_type_be(col.typid)),
				   psprintf("Column \"%s\" is %s. %s", pred->column, tc_describe(tc), hint));
	check_literals(pred, col, source);
}

void
bg_check_node(const BgNode *node, TupleDesc desc, const char *what, const char *source)
{
	check_stack_depth();
	switch (node->kind)
	{
		case BG_NODE_CONST:
			return;
		case BG_NODE_PRED:
			bg_check_pred(node->pred, bg_resolve_column(node->pred, desc, what, source),
						  source);
			return;
		case BG_NODE_NOT:
		case BG_NODE_AND:
		case BG_NODE_OR:
			for (int i = 0; i < node->nargs; i++)
				bg_check_node(node->args[i], desc, what, source);
			return;
	}
}

/* The bound people table, or InvalidOid. */
static Oid
bound_people(void)
{
	Oid			relid = InvalidOid;
	int			rc;

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	rc = SPI_execute("SELECT relid::pg_catalog.oid FROM bg.binding "
					 "WHERE kind OPERATOR(pg_catalog.=) 'people'", true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading bg.binding failed: %s", SPI_result_code_string(rc));
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			relid = DatumGetObjectId(d);
	}
	SPI_finish();
	return relid;
}

/*
 * bg.check_condition(condition text, against regclass DEFAULT NULL)
 * RETURNS text: the canonical text of the condition, after checking it
 * against the given table, or the bound people table when none is given
 * (syntax only when nothing is bound).
 */
PG_FUNCTION_INFO_V1(bg_check_condition);
Datum
bg_check_condition(PG_FUNCTION_ARGS)
{
	char	   *source;
	BgNode	   *node;
	Oid			relid;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	source = text_to_cstring(PG_GETARG_TEXT_PP(0));
	node = bg_parse(source);
	relid = PG_ARGISNULL(1) ? bound_people() : PG_GETARG_OID(1);
	if (OidIsValid(relid))
	{
		Relation	rel = try_relation_open(relid, AccessShareLock);
		char	   *what;

		if (rel == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("the table to check the condition against (OID %u) does not exist", relid),
					 PG_ARGISNULL(1) ?
					 errhint("The people table bound with bg.bind_people was dropped; bind the new one.") : 0));
		what = psprintf("table %s",
									quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
															   RelationGetRelationName(rel)));

		bg_check_node(node, RelationGetDescr(rel), what, source);
		relation_close(rel, AccessShareLock);
	}
	PG_RETURN_TEXT_P(cstring_to_text(bg_canonical(node)));
}
