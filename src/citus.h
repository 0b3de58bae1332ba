/*
 * citus.h — bg on a Citus cluster (docs/design.md §12): which relations
 * Citus manages, roles templates shipped inside the query text to the
 * workers, and the coordinator's rewrite of the scoring calls over them.
 */
#ifndef BG_CITUS_H
#define BG_CITUS_H

#include "postgres.h"

#include "nodes/params.h"
#include "nodes/parsenodes.h"

#include "template_cache.h"

/* The start of a shipped template's text; no template name starts so. */
#define BG_SHIPPED_PREFIX " bg-template/1 "

extern bool bg_citus_table(Oid relid);
extern bool bg_citus_query(Query *parse);
extern bool bg_citus_rewrite(Query *parse, ParamListInfo params);
extern char *bg_template_ship(const BgTemplate *t);
extern BgTemplate *bg_template_unship(const char *text);

#endif							/* BG_CITUS_H */
