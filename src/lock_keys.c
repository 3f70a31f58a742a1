/*
 * lock_keys.c: the advisory-lock keys of the extension, in one table.
 *
 * Each job that must run one at a time per database (advisory locks are
 * per database) takes pg_advisory_xact_lock(key): a second session waits,
 * then sees the first's work.  The keys are 'dunning' in ASCII in the high
 * seven bytes and the job's number in the low one, so that they meet no
 * other extension's.  C takes them with dunning_lock_key(), SQL with
 * dunning_internal.lock_key(job).  One key is not a job's but a guard's,
 * taken in both modes (run_references, below).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "lock_keys.h"

#define DUNNING_LOCK_BASE INT64CONST(0x64756e6e696e6700)

static const struct
{
	const char *job;
	int			number;
}			lock_jobs[] =
{
	{"auto_letter", 1},			/* dunning.auto_letter() */
	{"run", 2},					/* dunning.run() */
	{"import_statement", 3},	/* dunning.import_statement() */
	{"refresh_segments", 4},	/* dunning.refresh_segments() */
	/*
	 * run()'s writing without per-row foreign-key checks holds it exclusive;
	 * a delete or key change of customer or invoice, shared (runner.sql)
	 */
	{"run_references", 5},
};

int64
dunning_lock_key(const char *job)
{
	for (int i = 0; i < lengthof(lock_jobs); i++)
		if (strcmp(job, lock_jobs[i].job) == 0)
			return DUNNING_LOCK_BASE + lock_jobs[i].number;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("no advisory lock is defined for job \"%s\"", job)));
	pg_unreachable();
}

PG_FUNCTION_INFO_V1(lock_key);

/* lock_key(job text) RETURNS bigint */
Datum
lock_key(PG_FUNCTION_ARGS)
{
	char	   *job = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_INT64(dunning_lock_key(job));
}
