/*
 * import_keys.c — bg_internal._number_key: the canonical key text of a
 * file's value for a key column of the integer or numeric family
 * (docs/design.md §9, §14), as bg_internal._key_literal_sql wrote it in
 * SQL: a value that is, spaces trimmed, an optional sign and up to 30
 * digits (integer), or digits with at most one point (numeric), is the
 * text of its numeric value (numeric: without trailing zeros); any other
 * value is no key (NULL).  The SQL took about 2 µs a value in string
 * functions; an import computes it for every distinct value of its file.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

/*
 * bg_internal._number_key(value text, is_integer boolean) RETURNS text:
 * NULL unless value, trimmed of spaces, is [+-]?[0-9]{1,30} (integer) or
 * [+-]? followed by at most 30 digits and at most one point, with a digit
 * (numeric); else numeric's text of it (numeric: trim_scale).
 */
PG_FUNCTION_INFO_V1(bg_number_key);
Datum
bg_number_key(PG_FUNCTION_ARGS)
{
	text	   *v = PG_GETARG_TEXT_PP(0);
	bool		is_integer = PG_GETARG_BOOL(1);
	const char *s = VARDATA_ANY(v);
	int			len = VARSIZE_ANY_EXHDR(v);
	int			start = 0;
	int			end = len;
	int			digits = 0;
	int			points = 0;
	char		buf[32];
	Datum		num;

	while (start < end && s[start] == ' ')
		start++;
	while (end > start && s[end - 1] == ' ')
		end--;
	if (end - start < 1 || end - start > 31)
		PG_RETURN_NULL();
	memcpy(buf, s + start, end - start);
	buf[end - start] = '\0';
	for (int i = (buf[0] == '+' || buf[0] == '-') ? 1 : 0; buf[i] != '\0'; i++)
	{
		if (buf[i] >= '0' && buf[i] <= '9')
			digits++;
		else if (buf[i] == '.' && !is_integer && points == 0)
			points++;
		else
			PG_RETURN_NULL();
	}
	/* a digit; at most 30 characters after the sign */
	if (digits == 0 || digits + points > 30)
		PG_RETURN_NULL();
	num = DirectFunctionCall3(numeric_in, CStringGetDatum(buf), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	if (!is_integer)
		num = DirectFunctionCall1(numeric_trim_scale, num);
	PG_RETURN_TEXT_P(cstring_to_text(DatumGetCString(DirectFunctionCall1(numeric_out, num))));
}
