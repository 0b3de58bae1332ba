# bg — PGXS build. The version comes from bg.control alone.
EXTENSION = bg
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" bg.control)
MODULE_big = bg
OBJS := $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# The current definition of every SQL object lives in one feature file under
# sql/bg/; make concatenates them, in this order, into the install script of
# the current version (built, never committed).  sql/bg--0.1.0.sql is the
# frozen first release and sql/bg--A--B.sql the update scripts: each holds
# only what its release changed.
SQL_SOURCES = $(addprefix sql/bg/,tables.sql conditions.sql citus.sql aggregates.sql helpers.sql \
	bindings.sql roles.sql templates.sql lists.sql interests.sql rule_members.sql \
	scores.sql events.sql jobs.sql members.sql sync.sql live_mode.sql stages.sql views.sql event_delivery.sql \
	history.sql stage_moves.sql engagement.sql engagement_scores.sql engagement_views.sql exports.sql enrichment.sql imports.sql role_models.sql suggestions.sql \
	ddl_guard.sql access.sql)
DATA_built = sql/bg--$(EXTVERSION).sql
DATA := $(filter-out $(DATA_built),$(sort $(wildcard sql/bg--*.sql)))
# every other sql/*.sql is a pg_regress test, run in name order
REGRESS := $(sort $(basename $(notdir $(filter-out $(wildcard sql/bg--*.sql),$(wildcard sql/*.sql)))))
REGRESS_OPTS = --inputdir=.
ISOLATION := $(sort $(basename $(notdir $(wildcard specs/*.spec))))
ISOLATION_OPTS =

PG_CONFIG ?= pg_config
# The server headers as system headers: strict warning flags (CI builds with
# PG_CFLAGS="-Wextra -Werror") then apply to bg's own code only.
PG_CPPFLAGS = -I$(srcdir)/src -isystem $(shell $(PG_CONFIG) --includedir-server) \
	$(shell pkg-config --cflags icu-uc 2>/dev/null)
SHLIB_LINK = $(shell pkg-config --libs icu-uc 2>/dev/null || echo -licuuc)

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: any header change rebuilds every object
# (a changed struct layout must not meet objects compiled against the old one)
$(OBJS): $(wildcard src/*.h)

$(DATA_built): $(SQL_SOURCES) bg.control
	{ printf '%s\n' '-- bg $(EXTVERSION), built by make from the feature files in sql/bg/: edit those.' \
	      '\echo Use "CREATE EXTENSION bg" to load this file. \quit'; \
	  for f in $(SQL_SOURCES); do printf '\n-- %s\n\n' "$$f"; cat "$$f"; done; } > $@

# pg_regress runs in this database (set after PGXS, which sets its own)
CONTRIB_TESTDB = bg_regress

# pgTAP files, run by pg_prove against a database that has pgtap, bg and the
# helpers of test/helpers/tap.sql (schema tap, loaded once).  test/helpers/
# holds included files, not tests.  One file: make prove PROVE_TESTS=test/x.sql
PROVE_DB ?= bg_tap
PROVE_TESTS ?= $(sort $(wildcard test/*.sql))
prove:
	dropdb --if-exists $(PROVE_DB)
	createdb $(PROVE_DB)
	psql -X -q -v ON_ERROR_STOP=1 -d $(PROVE_DB) -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION bg' \
		-f test/helpers/tap.sql
	pg_prove -v -d $(PROVE_DB) $(PROVE_TESTS)
	dropdb $(PROVE_DB)

# Fails when META.json disagrees with bg.control, when a built install script
# is committed, when no update script leads to the current version, or when
# LICENSE is not the license META.json names.
versioncheck:
	@grep -q '"version": *"$(EXTVERSION)"' META.json || { echo "META.json does not say version $(EXTVERSION)"; exit 1; }
	@grep -q '"file": *"$(DATA_built)"' META.json || { echo "META.json does not name $(DATA_built)"; exit 1; }
	@! git ls-files --error-unmatch $(DATA_built) >/dev/null 2>&1 || { echo "$(DATA_built) is built by make; do not commit it"; exit 1; }
	@ls sql/bg--*--$(EXTVERSION).sql >/dev/null 2>&1 || { echo "no update script leads to $(EXTVERSION)"; exit 1; }
	@grep -q '"license": *"postgresql"' META.json && grep -q '^PostgreSQL License' LICENSE || { echo "META.json and LICENSE do not both name the PostgreSQL License"; exit 1; }

.PHONY: prove versioncheck
