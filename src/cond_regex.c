/*
 * cond_regex.c — MATCHES, on PostgreSQL's regex engine with the flags of ~*
 * (advanced syntax, case-insensitive).  In PostgreSQL 15 the engine keeps its
 * compiled state in malloc'd memory, so each compiled pattern is freed by a
 * reset callback of the memory context that owns it.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "nodes/value.h"
#include "nodes/pg_list.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "alloc_limit.h"
#include "cond.h"
#include "cond_regex.h"

/*
 * The engine gives up with REG_CANCEL when the statement is cancelled or
 * times out (or the backend is told to end).  That is not a fault of the
 * pattern: serve the interrupt, so that the error is 57014 (or the backend
 * ends), as PostgreSQL's own regex functions do.  Should interrupts be held
 * off, it is still a cancellation.
 */
static void
regex_cancelled(int rc)
{
	CHECK_FOR_INTERRUPTS();
	if (rc == REG_CANCEL)
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("canceling statement due to user request")));
}

/*
 * The collation MATCHES folds case with: ICU's root locale when the server
 * has it, so that non-ASCII letters match case-insensitively whatever the
 * database's locale; else the database's default.
 */
static Oid
regex_collation(void)
{
	Oid			coll = get_collation_oid(list_make2(makeString("pg_catalog"),
												   makeString("und-x-icu")), true);

	return OidIsValid(coll) ? coll : DEFAULT_COLLATION_OID;
}

regex_t *
bg_regex_compile(const char *pattern, int location, const char *source)
{
	regex_t    *re = palloc(sizeof(regex_t));
	int			len = strlen(pattern);
	pg_wchar   *wpat = palloc(bg_alloc_size((Size) len + 1, sizeof(pg_wchar),
											"regular expression"));
	int			wlen = pg_mb2wchar_with_len(pattern, wpat, len);
	int			rc;

	rc = pg_regcomp(re, wpat, wlen, REG_ADVANCED | REG_ICASE, regex_collation());
	pfree(wpat);
	if (rc != REG_OKAY)
	{
		char		msg[256];

		regex_cancelled(rc);
		pg_regerror(rc, re, msg, sizeof(msg));
		pfree(re);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("invalid regular expression '%s' in condition", pattern),
				 bg_errdetail_condition(msg, location, source)));
	}
	return re;
}

void
bg_regex_free(regex_t *re)
{
	pg_regfree(re);
	pfree(re);
}

static void
regex_reset_callback(void *arg)
{
	pg_regfree((regex_t *) arg);
}

/* Frees re's engine state when cxt is reset or deleted (re lives in cxt). */
void
bg_regex_free_on_reset(regex_t *re, MemoryContext cxt)
{
	MemoryContextCallback *cb = MemoryContextAlloc(cxt, sizeof(MemoryContextCallback));

	cb->func = regex_reset_callback;
	cb->arg = re;
	MemoryContextRegisterResetCallback(cxt, cb);
}

/*
 * s[0..len) as wide characters in *scratch, a reusable buffer in cxt (grown
 * as needed); returns their number.  A value searched by several patterns
 * is converted once.
 */
int
bg_regex_widen(const char *s, int len, pg_wchar **scratch, int *scratch_cap,
			   MemoryContext cxt)
{
	if (*scratch_cap < len + 1)
	{
		Size		bytes = bg_alloc_size(Max((Size) len + 1, 64), sizeof(pg_wchar),
										  "text value searched by a regular expression");

		if (*scratch)
			pfree(*scratch);
		*scratch = NULL;
		*scratch_cap = 0;
		*scratch = MemoryContextAlloc(cxt, bytes);
		*scratch_cap = bytes / sizeof(pg_wchar);
	}
	return pg_mb2wchar_with_len(s, *scratch, len);
}

/* Searches the wide characters w[0..wlen) (bg_regex_widen) for re. */
bool
bg_regex_match_wide(regex_t *re, pg_wchar *w, int wlen)
{
	int			rc = pg_regexec(re, w, wlen, 0, NULL, 0, NULL, 0);

	if (rc == REG_NOMATCH)
		return false;
	if (rc != REG_OKAY)
	{
		char		msg[256];

		regex_cancelled(rc);
		pg_regerror(rc, re, msg, sizeof(msg));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("regular expression failed"),
				 errdetail("The regular expression engine reported: %s.", msg)));
	}
	return true;
}
