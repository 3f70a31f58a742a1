/*
 * srf.h -- the result of a C set-returning function, checked against the
 * SQL that declares it.
 */
#ifndef DUNNING_SRF_H
#define DUNNING_SRF_H

#include "postgres.h"
#include "fmgr.h"
#include "funcapi.h"

/*
 * Starts the materialized result of the call (a tuplestore of the declared
 * row type) and returns it; refuses (55000) a declared row of another
 * number of columns than natts, the library's: SQL objects of another build
 * than the library must never get rows built past their columns.
 */
extern ReturnSetInfo *dunning_init_srf(FunctionCallInfo fcinfo, int natts);

#endif							/* DUNNING_SRF_H */
