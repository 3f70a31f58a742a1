/*
 * srf.c -- the result of a C set-returning function, checked against the
 * SQL that declares it (srf.h).
 */
#include "postgres.h"

#include "compat.h"
#include "srf.h"
#include "utils/lsyscache.h"

/* See srf.h. */
ReturnSetInfo *
dunning_init_srf(FunctionCallInfo fcinfo, int natts)
{
	ReturnSetInfo *rsinfo;

	DUNNING_INIT_SRF(fcinfo);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	if (rsinfo->setDesc->natts != natts)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s returns %d columns, but its installed SQL declaration has %d",
						get_func_name(fcinfo->flinfo->fn_oid), natts, rsinfo->setDesc->natts),
				 errhint("The extension's SQL objects are not those of the installed library: ALTER EXTENSION dunning UPDATE, or install the matching library.")));
	return rsinfo;
}
