/*
 * db.h: dunning-sender's side of the outbox API (src/sql/outbox.sql), over
 * libpq.  Every call is its own transaction (autocommit): a claim commits
 * its lease, a mark commits right after the provider's answer.
 */
#ifndef DUNNING_SENDER_DB_H
#define DUNNING_SENDER_DB_H

#include "sender.h"
#include <libpq-fe.h>

/* Results: 0 done; DB_LOST the connection is gone; DB_ERROR an SQL error (logged). */
#define DB_LOST (-1)
#define DB_ERROR (-2)

extern PGconn *dunning_db_connect(const Config *cfg, const char *who);
extern int	dunning_db_read_settings(PGconn *conn, Config *cfg);
extern int	dunning_db_prepare(PGconn *conn, const Config *cfg);

/* Claims up to cfg->batch actions of ch; *out (malloc'ed, *n rows) to free with dunning_db_free_actions. */
extern int	dunning_db_claim(PGconn *conn, const Config *cfg, Channel ch, Action **out, int *n);
extern void dunning_db_free_actions(Action *a, int n);

/*
 * Marks delivered actions (dunning.mark_sent_many) without waiting for the
 * answer, so that the commit runs while the next messages go out.
 * dunning_db_collect reads the answer (logging the actions that could not
 * be marked); without wait it returns 1 at once while the answer is not
 * there yet.  No other call may run on the connection in between.
 */
extern int	dunning_db_mark_sent_async(PGconn *conn, const long long *ids, char *const *provider_ids, int n);
extern int	dunning_db_collect(PGconn *conn, bool wait);

/* next_at receives when the retry is due ("" when given up). */
extern int	dunning_db_mark_failed(PGconn *conn, long long id, const char *reason, bool retry,
								   char *next_at, size_t next_at_size);
extern int	dunning_db_release(PGconn *conn, const Action *a, int n);

/* Seconds until an action of the channels can be claimed (< 0: now); 1 when none is pending. */
extern int	dunning_db_next_wait(PGconn *conn, unsigned channels, double *seconds);

extern int	dunning_db_listen(PGconn *conn, const char *channel);

/* Reads pending notifications; true when one may concern the channels. */
extern bool dunning_db_take_notifies(PGconn *conn, unsigned channels);

#endif
