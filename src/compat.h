/*
 * compat.h -- the one place where PostgreSQL version differences live.
 *
 * dunning is built and tested against PostgreSQL 15 (what CI runs).  Every
 * construct whose spelling differs between server versions goes through a
 * macro here, so porting to another major version means editing this file
 * and nothing else.
 */
#ifndef DUNNING_COMPAT_H
#define DUNNING_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 130000
#error "dunning needs PostgreSQL 13 or later"
#endif

#include "funcapi.h"

/*
 * Set-returning functions in materialize mode.  PostgreSQL 15 renamed
 * SetSingleFuncCall() (14.x back-patch) to InitMaterializedSRF().
 */
#if PG_VERSION_NUM >= 150000
#define DUNNING_INIT_SRF(fcinfo) InitMaterializedSRF((fcinfo), 0)
/* RETURNS SETOF scalar: the tuple descriptor comes from the call's expected type */
#define DUNNING_INIT_SRF_SCALAR(fcinfo) \
	InitMaterializedSRF((fcinfo), MAT_SRF_USE_EXPECTED_DESC)
#else
/* 14.5 and later minor releases carry the older name; 13 needs a port. */
#define DUNNING_INIT_SRF(fcinfo) SetSingleFuncCall((fcinfo), 0)
#define DUNNING_INIT_SRF_SCALAR(fcinfo) \
	SetSingleFuncCall((fcinfo), SRF_SINGLE_USE_EXPECTED)
#endif

/*
 * The parse-analysis hook's arguments: PostgreSQL 14 added the query
 * jumbling state.
 */
#include "parser/analyze.h"
#if PG_VERSION_NUM >= 140000
#define DUNNING_POST_PARSE_ANALYZE_ARGS ParseState *pstate, Query *query, JumbleState *jstate
#define DUNNING_POST_PARSE_ANALYZE_CALL pstate, query, jstate
#else
#define DUNNING_POST_PARSE_ANALYZE_ARGS ParseState *pstate, Query *query
#define DUNNING_POST_PARSE_ANALYZE_CALL pstate, query
#endif

/*
 * A query's range-table entry pointed at another relation: PostgreSQL 16
 * moved the permission checks into RTEPermissionInfo, which names the
 * relation too.
 */
#if PG_VERSION_NUM >= 160000
#include "parser/parse_relation.h"
#define DUNNING_RETARGET_RTE(query, rte, new_relid) \
	((rte)->relid = (new_relid), \
	 getRTEPermissionInfo((query)->rteperminfos, (rte))->relid = (new_relid))
#else
#define DUNNING_RETARGET_RTE(query, rte, new_relid) ((rte)->relid = (new_relid))
#endif

/*
 * An int8 as a numeric: int64_to_numeric() since PostgreSQL 14; before, the
 * int8_numeric cast function.
 */
#if PG_VERSION_NUM >= 140000
#include "utils/numeric.h"
#define DUNNING_INT64_NUMERIC(v) int64_to_numeric(v)
#else
#include "utils/fmgrprotos.h"
#define DUNNING_INT64_NUMERIC(v) DatumGetNumeric(DirectFunctionCall1(int8_numeric, Int64GetDatum(v)))
#endif

#endif							/* DUNNING_COMPAT_H */
