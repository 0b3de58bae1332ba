# bg — PGXS build. The version comes from bg.control alone.
EXTENSION = bg
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" bg.control)
MODULE_big = bg
OBJS := $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# Extension scripts are the committed sql/bg--*.sql; every other sql/*.sql is
# a pg_regress test, run in name order.
DATA := $(sort $(wildcard sql/bg--*.sql))
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

# Fails when META.json or the scripts disagree with bg.control.  A version is
# installed from its own script or, as contrib does, from the first release's
# script and the update scripts after it.
versioncheck:
	@test -f sql/bg--$(EXTVERSION).sql || ls sql/bg--*--$(EXTVERSION).sql >/dev/null 2>&1 || { echo "no script installs or updates to $(EXTVERSION)"; exit 1; }
	@grep -q '"version": *"$(EXTVERSION)"' META.json || { echo "META.json does not say version $(EXTVERSION)"; exit 1; }

.PHONY: prove versioncheck
