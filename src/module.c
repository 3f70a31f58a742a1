/*
 * module.c -- the single module entry of the dunning extension.
 *
 * The capabilities live in their own source files (currency.c, ...); this
 * file only carries the module magic block that the server checks on load.
 */
#include "postgres.h"
#include "fmgr.h"

PG_MODULE_MAGIC;
