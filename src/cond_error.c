/*
 * cond_error.c — where a condition error is: the DETAIL every error about a
 * condition's text carries.
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "cond.h"

/*
 * Adds to the error being reported the DETAIL "At character N of condition
 * "...".", preceded by cause when given: an inner message (say, a type's
 * input error) or what was expected, written as a sentence of its own
 * (capitalized, with a full stop).  Used inside ereport(), like errdetail().
 */
int
bg_errdetail_condition(const char *cause, int location, const char *source)
{
	StringInfoData buf;

	if (cause == NULL)
		return errdetail("At character %d of condition \"%s\".", location, source);
	initStringInfo(&buf);
	appendStringInfoString(&buf, cause);
	while (buf.len > 0 && buf.data[buf.len - 1] == '.')
		buf.data[--buf.len] = '\0';
	if (buf.data[0] >= 'a' && buf.data[0] <= 'z')
		buf.data[0] += 'A' - 'a';
	return errdetail("%s. At character %d of condition \"%s\".",
					 buf.data, location, source);
}
