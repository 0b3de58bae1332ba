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
#include "owner.h"
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
static int
column_errhint(const char *name, TupleDesc desc)
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
		return errhint("Perhaps you meant %s.", buf.data);
	/* nothing close: name the columns there are, when they are few */
	resetStringInfo(&buf);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		if (++shown > 20)
			return 0;
		appendStringInfo(&buf, "%s\"%s\"", shown > 1 ? ", " : "", NameStr(att->attname));
	}
	return shown ? errhint("The columns are %s.", buf.data) : 0;
}

/* The name of table relid, qualified and quoted for a message. */
static char *
table_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/*
 * The errmsg of an unknown column, naming where it was looked for: table
 * relid when valid, else the row type of desc.
 */
static int
missing_column_errmsg(const char *column, TupleDesc desc, Oid relid)
{
	if (OidIsValid(relid))
		return errmsg("column \"%s\" does not exist in table %s",
					  column, table_name(relid));
	if (desc->tdtypeid == RECORDOID)
		return errmsg("column \"%s\" does not exist in the row", column);
	return errmsg("column \"%s\" does not exist in row type %s",
				  column, format_type_be(desc->tdtypeid));
}

/* The errmsg of a column of a type that conditions cannot compare. */
static int
column_type_errmsg(const char *column, Oid typid, TupleDesc desc, Oid relid)
{
	if (OidIsValid(relid))
		return errmsg("column \"%s\" of table %s has type %s, which conditions cannot compare",
					  column, table_name(relid), format_type_be(typid));
	if (desc->tdtypeid == RECORDOID)
		return errmsg("column \"%s\" of the row has type %s, which conditions cannot compare",
					  column, format_type_be(typid));
	return errmsg("column \"%s\" of row type %s has type %s, which conditions cannot compare",
				  column, format_type_be(desc->tdtypeid), format_type_be(typid));
}

/*
 * Resolves the column of pred in desc: the rows of table relid when valid
 * (errors name the table), else of desc's row type.
 */
BgColumnRef
bg_resolve_column(const BgPred *pred, TupleDesc desc, Oid relid, const char *source)
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
					 column_type_errmsg(pred->column, att->atttypid, desc, relid),
					 bg_errdetail_condition(NULL, pred->col_location, source),
					 errhint("Conditions compare text, number, date, timestamp and boolean columns.")));
		return ref;
	}
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 missing_column_errmsg(pred->column, desc, relid),
			 bg_errdetail_condition(NULL, pred->col_location, source),
			 column_errhint(pred->column, desc)));
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
 * naming the literal, with its message and the position in DETAIL.  Catching it without a
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
				 tclass == BG_TC_DATE ?
				 errmsg("invalid date literal '%s' in condition", lit->text) :
				 errmsg("invalid timestamp literal '%s' in condition", lit->text),
				 bg_errdetail_condition(NULL, lit->location, source),
				 tclass == BG_TC_DATE ?
				 errhint("Write dates in ISO form, such as '2026-01-31'.") :
				 errhint("Write timestamps in ISO form, such as '2026-01-31' or '2026-01-31 09:30:00+00'.")));
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
	/* only the type's verdict on the literal is re-raised; a cancel stays one */
	if (edata && ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
		ReThrowError(edata);
	if (edata)
		ereport(ERROR,
				(errcode(edata->sqlerrcode),
				 errmsg("invalid literal '%s' in condition", lit->text),
				 bg_errdetail_condition(edata->message, lit->location, source)));
	return d;
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
			break;				/* no operator: see bg_check_pred */
	}
	return "?";
}

/* The errmsg of a literal whose kind does not suit a column of class tc. */
static int
literal_errmsg(const char *column, const BgLiteral *lit, BgTypeClass tc)
{
	if (tc_is_text(tc))
		return lit->kind == BG_LIT_NUMBER ?
			errmsg("column \"%s\" is text but is compared with the number %s",
				   column, lit->text) :
			errmsg("column \"%s\" is text but is compared with the boolean %s",
				   column, lit->boolval ? "true" : "false");
	if (tc_is_number(tc))
		return lit->kind == BG_LIT_STRING ?
			errmsg("column \"%s\" is a number but is compared with a string", column) :
			errmsg("column \"%s\" is a number but is compared with a boolean", column);
	if (tc_is_date(tc))
		return lit->kind == BG_LIT_NUMBER ?
			errmsg("column \"%s\" is a date or timestamp but is compared with a number", column) :
			errmsg("column \"%s\" is a date or timestamp but is compared with a boolean", column);
	return lit->kind == BG_LIT_NUMBER ?
		errmsg("column \"%s\" is boolean but is compared with a number", column) :
		errmsg("column \"%s\" is boolean but is compared with a string", column);
}

/* How to write a literal for a column of class tc. */
static int
literal_errhint(const BgLiteral *lit, BgTypeClass tc)
{
	if (tc_is_text(tc))
		return errhint("Quote the value: '%s'.",
					   lit->kind == BG_LIT_NUMBER ? lit->text :
					   (lit->boolval ? "true" : "false"));
	if (tc_is_number(tc))
		return errhint("Write the number without quotes.");
	if (tc_is_date(tc))
		return errhint("Write dates in ISO form and quoted, such as '2026-01-31'.");
	return errhint("Compare it with true or false, or write the column alone.");
}

/* What applies to column pred->column, of class tc, when pred's operator does not. */
static int
operator_errhint(const BgPred *pred, BgTypeClass tc)
{
	const char *c = pred->column;

	if (pred->op == BG_OP_TRUE || pred->op == BG_OP_FALSE || pred->op == BG_OP_BOOLCOL)
	{
		if (tc_is_text(tc))
			return errhint("Column \"%s\" is text. Only boolean columns can be tested alone or with IS TRUE and IS FALSE.", c);
		if (tc_is_number(tc))
			return errhint("Column \"%s\" is a number. Only boolean columns can be tested alone or with IS TRUE and IS FALSE.", c);
		return errhint("Column \"%s\" is a date or timestamp. Only boolean columns can be tested alone or with IS TRUE and IS FALSE.", c);
	}
	if (tc == BG_TC_BOOL)
		return errhint("Column \"%s\" is boolean. Test a boolean column with IS TRUE, IS FALSE or the column alone.", c);
	if (tc_is_text(tc))
		return errhint("Column \"%s\" is text. Compare text with is, =, contains, starts with, ends with, matches or in.", c);
	if (tc_is_number(tc))
		return errhint("Column \"%s\" is a number. Compare numbers and dates with =, <>, <, <=, >, >=, between or in.", c);
	return errhint("Column \"%s\" is a date or timestamp. Compare numbers and dates with =, <>, <, <=, >, >=, between or in.", c);
}

/* Checks that every literal of pred suits a column of class tc. */
static void
check_literals(const BgPred *pred, BgColumnRef col, const char *source)
{
	BgLitKind	want = tc_is_number(col.tclass) ? BG_LIT_NUMBER :
		col.tclass == BG_TC_BOOL ? BG_LIT_BOOL : BG_LIT_STRING;

	for (int i = 0; i < pred->nvalues; i++)
	{
		const BgLiteral *lit = &pred->values[i];

		CHECK_FOR_INTERRUPTS();
		if (lit->kind != want)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 literal_errmsg(pred->column, lit, col.tclass),
					 bg_errdetail_condition(NULL, lit->location, source),
					 literal_errhint(lit, col.tclass)));
		if (tc_is_text(col.tclass))
		{
			if (pred->op == BG_OP_MATCHES)
				bg_regex_free(bg_regex_compile(lit->text, lit->location, source));
		}
		else if (tc_is_number(col.tclass) || tc_is_date(col.tclass))
			(void) bg_literal_datum(lit, col.tclass, source);
	}
}

void
bg_check_pred(const BgPred *pred, BgColumnRef col, const char *source)
{
	BgTypeClass tc = col.tclass;
	bool		ok;

	switch (pred->op)
	{
		case BG_OP_IS:
		case BG_OP_CONTAINS:
		case BG_OP_STARTS:
		case BG_OP_ENDS:
		case BG_OP_MATCHES:
			ok = tc_is_text(tc);
			break;
		case BG_OP_LT:
		case BG_OP_LE:
		case BG_OP_GT:
		case BG_OP_GE:
		case BG_OP_BETWEEN:
			ok = tc_is_number(tc) || tc_is_date(tc);
			break;
		case BG_OP_TRUE:
		case BG_OP_FALSE:
		case BG_OP_BOOLCOL:
			ok = (tc == BG_TC_BOOL);
			break;
		case BG_OP_EQ:
		case BG_OP_IN:
		case BG_OP_EMPTY:
		default:
			ok = true;
			break;
	}
	if (!ok && pred->op == BG_OP_BOOLCOL)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of type %s cannot stand alone in a condition",
						pred->column, format_type_be(col.typid)),
				 bg_errdetail_condition(NULL, pred->col_location, source),
				 operator_errhint(pred, tc)));
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("operator %s does not apply to column \"%s\" of type %s",
						op_name(pred), pred->column, format_type_be(col.typid)),
				 bg_errdetail_condition(NULL, pred->op_location, source),
				 operator_errhint(pred, tc)));
	check_literals(pred, col, source);
}

void
bg_check_node(const BgNode *node, TupleDesc desc, Oid relid, const char *source)
{
	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	switch (node->kind)
	{
		case BG_NODE_CONST:
			return;
		case BG_NODE_PRED:
			bg_check_pred(node->pred, bg_resolve_column(node->pred, desc, relid, source),
						  source);
			return;
		case BG_NODE_NOT:
		case BG_NODE_AND:
		case BG_NODE_OR:
			for (int i = 0; i < node->nargs; i++)
				bg_check_node(node->args[i], desc, relid, source);
			return;
	}
}

/* The bound people table, or InvalidOid. */
static Oid
bound_people(void)
{
	Oid			relid = InvalidOid;
	int			rc;
	BgSavedUser saved;

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	/* read as the owner of bg's tables: the caller may have no privilege on them */
	bg_become_owner(&saved);
	rc = SPI_execute(psprintf("SELECT relid::pg_catalog.oid FROM %s.binding "
							  "WHERE kind OPERATOR(pg_catalog.=) 'people'",
							  quote_identifier(bg_catalog_schema())), true, 1);
	bg_restore_user(&saved);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading bg's bindings failed: %s", SPI_result_code_string(rc));
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
	char	   *canonical;
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

		if (rel == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("the table to check the condition against (OID %u) does not exist", relid),
					 PG_ARGISNULL(1) ?
					 errhint("The people table bound with bg.bind_people was dropped; bind the new one.") : 0));
		bg_check_node(node, RelationGetDescr(rel), relid, source);
		relation_close(rel, AccessShareLock);
	}
	/* what is saved is the canonical text: it too must parse again */
	canonical = bg_canonical(node);
	if (strlen(canonical) > BG_COND_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("condition is too long"),
				 errdetail("Its canonical text has %zu bytes; the limit is %d bytes.",
						   strlen(canonical), BG_COND_MAX_BYTES)));
	PG_RETURN_TEXT_P(cstring_to_text(canonical));
}
