/*
 * worker.c: the delivery loop.
 *
 * Claim a batch (the claim commits a lease), then for each action: wait for
 * the channel's rate, deliver, and record the outcome at once, each mark in
 * its own transaction, so that a crash loses at most the message on the
 * wire (delivered again later with the same Message-ID).  A worker stops
 * sending from a batch when a stop is requested or its lease is running
 * out, and gives the rest back.  Between batches a daemon sleeps until a
 * NOTIFY, the next retry or lease end (dunning.next_send_at), or --poll.
 */
#include "worker.h"
#include "db.h"
#include "log.h"
#include "ratelimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
log_outcome(const Worker *w, const Action *a, const Outcome *o, double latency, const char *next_at)
{
	static const char *const outcome_names[] = {"sent", "retry", "failed"};
	char		id[24], ms[24], attempt[16];

	snprintf(id, sizeof(id), "%lld", a->id);
	snprintf(ms, sizeof(ms), "%.1f", latency * 1000.0);
	snprintf(attempt, sizeof(attempt), "%d", a->attempts + 1);
	dunning_log(o->kind == OUTCOME_SENT ? DLOG_INFO : DLOG_WARN, "delivery",
				"action_id", id, "channel", dunning_channel_names[a->channel],
				"outcome", outcome_names[o->kind],
				"provider_id", o->provider_id[0] ? o->provider_id : NULL,
				"latency_ms", ms, "attempt", attempt, "to", a->recipient,
				"original_to", strcmp(a->recipient ? a->recipient : "", a->original_recipient ? a->original_recipient : "") ? a->original_recipient : NULL,
				"reply", o->reply[0] ? o->reply : NULL,
				"reason", o->kind != OUTCOME_SENT ? o->reason : NULL,
				"next_attempt_at", next_at && next_at[0] ? next_at : NULL,
				"worker", w->label, NULL);
}

/*
 * Marks of delivered actions.  A mark goes to the database as soon as no
 * other is under way; the actions delivered while a commit runs are marked
 * together when it returns.  With commits faster than deliveries (the usual
 * case) each action is marked alone, right after its delivery; when
 * commits are slow (a busy disk), delivery does not wait for them, and a
 * crash can cost at most the actions delivered during one commit (sent
 * again later, with the same Message-ID).
 */
static int
send_marks(Worker *w)
{
	int			rc,
				i;

	if (w->mark_pending || w->marks_queued == 0)
		return 0;
	rc = dunning_db_mark_sent_async(w->conn, w->mark_ids, w->mark_provider_ids, w->marks_queued);
	for (i = 0; i < w->marks_queued; i++)
		free(w->mark_provider_ids[i]);
	w->marks_queued = 0;
	w->mark_pending = rc == 0;
	return rc;
}

/* Reads the answer to the marks under way if it is there (or waits), then sends the next ones. */
static int
pump_marks(Worker *w, bool wait)
{
	if (w->mark_pending)
	{
		int			rc = dunning_db_collect(w->conn, wait);

		if (rc == 1)
			return 0;
		w->mark_pending = false;
		if (rc == DB_LOST)
			return rc;
	}
	return send_marks(w);
}

/* Every delivered action marked and answered; < 0 when the connection failed. */
static int
settle(Worker *w)
{
	while (w->mark_pending || w->marks_queued > 0)
	{
		int			rc = pump_marks(w, true);

		if (rc == DB_LOST)
			return rc;
	}
	return 0;
}

static int
queue_mark(Worker *w, long long id, const char *provider_id)
{
	if (w->marks_queued == MARK_BATCH && settle(w) == DB_LOST)
		return DB_LOST;
	w->mark_ids[w->marks_queued] = id;
	w->mark_provider_ids[w->marks_queued++] = strdup(provider_id);
	return pump_marks(w, false);
}

/*
 * Delivers one action and records the outcome: a success through the marks
 * above, a failure at once and synchronously (its next attempt goes to the
 * log).  DB_LOST stops the batch.
 */
static int
deliver_one(Worker *w, const Action *a)
{
	Outcome		o;
	char		next_at[64] = "";
	double		t0 = mono_s();
	int			rc;

	memset(&o, 0, sizeof(o));
	if (a->recipient == NULL || strpbrk(a->recipient, "\r\n") != NULL || a->message_id == NULL)
	{
		/* claim_actions fails these already; never on the wire in any case */
		o.kind = OUTCOME_PERMANENT;
		snprintf(o.reason, sizeof(o.reason), "recipient missing or with a line break: never sent");
	}
	else if (w->transport == TR_SMTP)
		dunning_smtp_send(&w->smtp, a, &o);
	else
		dunning_http_send(&w->http, a, &o);
	if (o.kind == OUTCOME_SENT)
		rc = queue_mark(w, a->id, o.provider_id);
	else if ((rc = settle(w)) == 0)
		rc = dunning_db_mark_failed(w->conn, a->id, o.reason, o.kind == OUTCOME_RETRY, next_at, sizeof(next_at));
	log_outcome(w, a, &o, mono_s() - t0, next_at);
	return rc == DB_LOST ? DB_LOST : 0;
}

static int
deliver_batch(Worker *w, Action *acts, int n)
{
	double		lease_end = mono_s() + w->cfg->lease;
	int			i;

	for (i = 0; i < n; i++)
	{
		bool		give_back = dunning_stop || lease_end - mono_s() < w->cfg->timeout + 10;

		if (!give_back && dunning_rate_wait(acts[i].channel) < 0)
			give_back = true;
		if (give_back)
		{
			char		count[16];

			snprintf(count, sizeof(count), "%d", n - i);
			dunning_log(DLOG_INFO, "release", "worker", w->label, "actions", count,
						"why", dunning_stop ? "stopping" : "lease running out", NULL);
			if (settle(w) == DB_LOST)
				return DB_LOST;
			return dunning_db_release(w->conn, acts + i, n - i);
		}
		if (deliver_one(w, &acts[i]) == DB_LOST)
			return DB_LOST;
	}
	return settle(w) == DB_LOST ? DB_LOST : 0;
}

/* Claims and delivers until no channel has anything due; < 0 on a database failure. */
static int
drain(Worker *w)
{
	for (;;)
	{
		int			round = 0;
		int			ch;

		for (ch = 0; ch < N_CHANNELS && !dunning_stop; ch++)
		{
			Action	   *acts;
			int			n;
			int			rc;

			if (!(w->channels & (1u << ch)))
				continue;
			rc = dunning_db_claim(w->conn, w->cfg, (Channel) ch, &acts, &n);
			if (rc < 0)
				return rc;
			rc = deliver_batch(w, acts, n);
			dunning_db_free_actions(acts, n);
			if (rc < 0)
				return rc;
			round += n;
		}
		if (round == 0 || dunning_stop)
			return 0;
	}
}

/*
 * Daemon: sleeps until an action may be due (next retry, end of a lease,
 * at most --poll), a NOTIFY for our channels, or a stop.
 */
static int
wait_for_work(Worker *w)
{
	double		secs = 0;
	double		until;
	int			rc;

	/* notifications read along with earlier results wait in libpq */
	if (dunning_db_take_notifies(w->conn, w->channels))
		return 0;
	rc = dunning_db_next_wait(w->conn, w->channels, &secs);
	if (rc < 0)
		return rc;
	/* due now but nothing claimable (rows locked elsewhere): a short pause */
	if (rc == 1 || secs > w->cfg->poll)
		secs = w->cfg->poll;
	else if (secs < 1)
		secs = 1;
	until = mono_s() + secs;
	while (!dunning_stop)
	{
		double		left = until - mono_s();

		if (left <= 0)
			return 0;
		if (dunning_sleep((long) (left * 1000.0) + 1, PQsocket(w->conn)) == 1)
		{
			bool		ours = dunning_db_take_notifies(w->conn, w->channels);

			if (PQstatus(w->conn) != CONNECTION_OK)
				return DB_LOST;
			if (ours)
				return 0;
		}
	}
	return 0;
}

static int
worker_connect(Worker *w)
{
	int			tries;

	for (tries = 0; !dunning_stop; tries++)
	{
		w->conn = dunning_db_connect(w->cfg, w->label);
		if (w->conn != NULL && dunning_db_prepare(w->conn, w->cfg) == 0 &&
			(w->cfg->once || dunning_db_listen(w->conn, w->cfg->notify_channel) == 0))
			return 0;
		if (w->conn != NULL)
			PQfinish(w->conn);
		w->conn = NULL;
		if (w->cfg->once && tries >= 3)
			return -1;
		dunning_sleep(1000L << (tries < 5 ? tries : 5), -1);
	}
	return -1;
}

static int
open_transport(Worker *w)
{
	if (w->transport == TR_SMTP)
		return dunning_smtp_open(&w->smtp, w->cfg);
	return dunning_http_open(&w->http, w->cfg, w->transport);
}

void *
dunning_worker_main(void *arg)
{
	Worker	   *w = arg;

	if (open_transport(w) != 0)
	{
		w->exit_code = EXIT_RUNTIME;
		return NULL;
	}
	while (!dunning_stop)
	{
		int			rc;

		if (w->conn == NULL && worker_connect(w) != 0)
		{
			w->exit_code = dunning_stop ? 0 : EXIT_RUNTIME;
			break;
		}
		rc = drain(w);
		if (rc == 0 && !w->cfg->once)
			rc = wait_for_work(w);
		if (rc == DB_LOST || (rc == DB_ERROR && !w->cfg->once))
		{
			PQfinish(w->conn);
			w->conn = NULL;
			dunning_sleep(1000, -1);
			continue;
		}
		if (rc == DB_ERROR)
			w->exit_code = EXIT_RUNTIME;
		if (w->cfg->once)
			break;
	}
	if (w->conn != NULL)
		PQfinish(w->conn);
	if (w->transport == TR_SMTP)
		dunning_smtp_close(&w->smtp);
	else
		dunning_http_close(&w->http);
	return NULL;
}
