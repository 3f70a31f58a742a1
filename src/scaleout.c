/*
 * scaleout.c -- the C code's view of a ledger distributed by Citus (see
 * scaleout.h).
 */
#include "postgres.h"

#include "scaleout.h"

#include "access/xact.h"
#include "catalog/pg_namespace.h"
#include "executor/spi.h"
#include "storage/proc.h"
#include "utils/lsyscache.h"

/* The answer of dunning_ledger_distributed() and the transaction it is for. */
static bool distributed;
static LocalTransactionId distributed_known_in = InvalidLocalTransactionId;

/* A one-value boolean query; false when it returns no row or NULL. */
static bool
spi_bool(const char *sql)
{
	bool		isnull;
	Datum		d;

	if (SPI_execute(sql, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "dunning: statement failed: %s", sql);
	if (SPI_processed == 0)
		return false;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return !isnull && DatumGetBool(d);
}

/* See scaleout.h. */
bool
dunning_ledger_distributed(void)
{
	if (distributed_known_in != MyProc->lxid)
	{
		/* pg_dist_partition exists only where Citus is installed: a look-up */
		distributed = OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE));
		if (distributed)
		{
			/* (a connection of its own: SPI connections nest) */
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "dunning: SPI_connect failed");
			distributed = spi_bool("SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition d"
								   " WHERE d.logicalrelid = 'dunning.payment'::pg_catalog.regclass)");
			SPI_finish();
		}
		distributed_known_in = MyProc->lxid;
	}
	return distributed;
}

/* See scaleout.h. */
const char *
dunning_payments_from(void)
{
	if (!dunning_ledger_distributed())
		return "dunning.payment p";
	return "(SELECT * FROM dunning.payment"
		" UNION ALL SELECT r.* FROM dunning.payment_suspense s,"
		" LATERAL pg_catalog.jsonb_populate_record(NULL::dunning.payment, s.payment) r) p";
}
