# dunning: PGXS build.  The version has one source: default_version in dunning.control.
EXTENSION   = dunning
EXTVERSION  = $(shell sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" $(EXTENSION).control)

MODULE_big  = dunning
OBJS        = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# SQL scripts (install and every update step) are built by scripts/sql-scripts
# from the topic files src/sql/*.sql and src/updates/: see src/sql/README.md.
SQL_SCRIPTS := $(shell sh scripts/sql-scripts list)
DATA_built  = $(SQL_SCRIPTS)

# pg_regress: sql/*.sql against expected/*.out, in name order.
REGRESS      = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --outputdir=. --dbname=contrib_regression

PG_CPPFLAGS = -Isrc $(shell pkg-config --cflags libxml-2.0)
# libxml2 reads the camt bank statements (src/bank_xml.c, for src/bank_camt.c).
SHLIB_LINK  = $(shell pkg-config --libs libxml-2.0)
# PostgreSQL's own headers do not build under -Wextra's unused-parameter and
# sign-compare checks; everything else is on.  CI adds WERROR=-Werror.
WERROR     ?=
PG_CFLAGS   = -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
              -Wno-missing-field-initializers -Wmissing-prototypes $(WERROR)

# Objects depend on the headers they include (.deps/*.Po, written by gcc):
# PGXS tracks them only when the server was configured with
# --enable-depend, which Debian's is not; a struct changed in a header
# would otherwise leave stale objects until make clean.
override autodepend = yes

PG_CONFIG  ?= pg_config
PGXS       := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(SQL_SCRIPTS) &: $(wildcard src/sql/*.sql src/updates/*.sql) src/sql/topics src/updates/released.sha256 \
                  $(EXTENSION).control scripts/sql-scripts
	sh scripts/sql-scripts build

# The delivery program dunning-sender (sender/, doc/sender.md): a PGXS
# PROGRAM in a Makefile of its own, built and installed (into
# `pg_config --bindir`) by a sub-make, as pg_repack builds its client.
.PHONY: sender install-sender clean-sender
all: sender
sender:
	$(MAKE) -C sender
install: install-sender
install-sender: sender
	$(MAKE) -C sender install
clean: clean-sender
clean-sender:
	$(MAKE) -C sender clean

# PGXN distribution (https://pgxn.org/spec/): the committed tree (git archive
# of HEAD: commit first) plus the built install and update scripts, which
# META.json's provides names, in dunning-<version>.zip.
DISTNAME  = $(EXTENSION)-$(EXTVERSION)
DIST_ZIP ?= $(DISTNAME).zip
.PHONY: dist
dist: $(SQL_SCRIPTS)
	git archive --format=zip --prefix=$(DISTNAME)/ $(addprefix --add-file=,$(SQL_SCRIPTS)) -o $(DIST_ZIP) HEAD

.PHONY: prove bench demo
# pgTAP suite and shell TAP tests against the server named by the PG* variables.
prove:
	pg_prove --ext .sql -r test/sql
	prove --ext .sh test/t

bench:
	bash bench/run
