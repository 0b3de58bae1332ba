/*
 * key_types.c — the types of the bound tables' columns as bg's generated
 * SQL needs them (docs/design.md §14): a column's type, the built-in type
 * under a domain, that type as SQL text, and the family of a key type.
 *
 * They were SQL functions; every managed statement is built with a score of
 * calls to them, and an SQL function with its own search_path is planned
 * again on every call (≈ 0.1 ms each: 2 ms of every live-mode firing).  In C
 * they are syscache lookups.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

/* The built-in type under a domain (domains over domains included), or the type. */
static Oid
base_type(Oid typ)
{
	if (!SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(typ)))
		return InvalidOid;
	return getBaseType(typ);
}

/* The type of column col of rel (a user column, not dropped), or InvalidOid. */
static Oid
column_type(Oid rel, const char *col)
{
	AttrNumber	attnum = get_attnum(rel, col);

	if (attnum <= 0)			/* missing, dropped, or a system column */
		return InvalidOid;
	return get_atttype(rel, attnum);
}

/* bg_internal._column_type(rel regclass, col name) RETURNS regtype */
PG_FUNCTION_INFO_V1(bg_column_type);
Datum
bg_column_type(PG_FUNCTION_ARGS)
{
	Oid			typ = column_type(PG_GETARG_OID(0), NameStr(*PG_GETARG_NAME(1)));

	if (!OidIsValid(typ))
		PG_RETURN_NULL();
	PG_RETURN_OID(typ);
}

/* bg_internal._base_type(typ regtype) RETURNS regtype */
PG_FUNCTION_INFO_V1(bg_base_type);
Datum
bg_base_type(PG_FUNCTION_ARGS)
{
	Oid			typ = base_type(PG_GETARG_OID(0));

	if (!OidIsValid(typ))
		PG_RETURN_NULL();
	PG_RETURN_OID(typ);
}

/*
 * bg_internal._coltype(rel regclass, col name) RETURNS text: the base type
 * of a column as SQL text, without a length limit; bpchar for character(n)
 * (format_type gives "character", which is char(1)).
 */
PG_FUNCTION_INFO_V1(bg_coltype);
Datum
bg_coltype(PG_FUNCTION_ARGS)
{
	Oid			typ = column_type(PG_GETARG_OID(0), NameStr(*PG_GETARG_NAME(1)));

	if (OidIsValid(typ))
		typ = base_type(typ);
	if (!OidIsValid(typ))
		PG_RETURN_NULL();
	if (typ == BPCHAROID)
		PG_RETURN_TEXT_P(cstring_to_text("pg_catalog.bpchar"));
	PG_RETURN_TEXT_P(cstring_to_text(format_type_extended(typ, -1, FORMAT_TYPE_ALLOW_INVALID)));
}

/*
 * bg_internal._key_family(typ regtype) RETURNS text: the family of a type
 * that can hold keys (a domain counts as its base type), or NULL.
 */
PG_FUNCTION_INFO_V1(bg_key_family);
Datum
bg_key_family(PG_FUNCTION_ARGS)
{
	const char *family;

	switch (base_type(PG_GETARG_OID(0)))
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
			family = "integer";
			break;
		case TEXTOID:
		case VARCHAROID:
			family = "text";
			break;
		case NUMERICOID:
			family = "numeric";
			break;
		case BPCHAROID:
			family = "char";
			break;
		case UUIDOID:
			family = "uuid";
			break;
		default:
			PG_RETURN_NULL();
	}
	PG_RETURN_TEXT_P(cstring_to_text(family));
}
