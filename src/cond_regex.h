/*
 * cond_regex.h — MATCHES: case-insensitive POSIX regular expressions, with
 * PostgreSQL's own regex engine (the one behind ~*).
 */
#ifndef BG_COND_REGEX_H
#define BG_COND_REGEX_H

#include "postgres.h"
#include "regex/regex.h"

extern regex_t *bg_regex_compile(const char *pattern, int location, const char *source);
extern void bg_regex_free(regex_t *re);
extern void bg_regex_free_on_reset(regex_t *re, MemoryContext cxt);
extern int	bg_regex_widen(const char *s, int len, pg_wchar **scratch, int *scratch_cap,
						   MemoryContext cxt);
extern bool bg_regex_match_wide(regex_t *re, pg_wchar *w, int wlen);

#endif							/* BG_COND_REGEX_H */
