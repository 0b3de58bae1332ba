/*
 * template_cache.h — roles templates loaded from bg's catalog, parsed once
 * and cached per backend until the catalog changes.
 */
#ifndef BG_TEMPLATE_CACHE_H
#define BG_TEMPLATE_CACHE_H

#include "postgres.h"

#include "cond.h"

typedef struct BgTemplateRole
{
	char	   *role;
	int			priority;
	char	   *condition;		/* canonical text, or NULL: filled by hand only */
	BgNode	   *tree;			/* parsed condition, or NULL */
	bool		required;
	int			members_required;
} BgTemplateRole;

typedef struct BgTemplate
{
	int32		id;				/* bg_internal.template.id; 0: not of the
								 * catalog (a shipped template, a condition) */
	char	   *name;
	int			nroles;
	BgTemplateRole *roles;		/* in priority order */
	void	   *scores_memo;	/* agg_final.c's stored scores by counts, or
								 * NULL; in the template's context */
} BgTemplate;

/* Bumped whenever bg's catalog changes (by any backend, once committed). */
extern uint64 bg_catalog_generation;

extern void bg_template_cache_init(void);
extern void bg_catalog_check(void);
extern bool bg_cache_stale(MemoryContext cxt, uint64 *generation);
extern BgTemplate *bg_template_get(const char *name);
extern BgTemplate *bg_template_lookup(const char *name);
extern BgTemplate *bg_template_get_by_id(int32 id);
extern List *bg_catalog_columns(void);
extern uint64 bg_catalog_query(const char *query, int nargs, Oid *argtypes, Datum *args,
							   const char *what);
extern Oid	bg_template_role_relid(void);

#endif							/* BG_TEMPLATE_CACHE_H */
