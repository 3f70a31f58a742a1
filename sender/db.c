/*
 * db.c: the outbox calls of dunning-sender.  Statements are prepared once
 * per connection; results are checked and errors logged with the server's
 * message.  A lost connection is reported as DB_LOST so that the worker
 * stops sending (it could not record what it sent) and reconnects.
 */
#include "db.h"
#include "buf.h"
#include "config.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char claim_sql[] =
"SELECT a.action_id, a.channel, a.attempts, a.recipient, COALESCE(a.subject, ''), COALESCE(a.body, ''), m.mid,"
"       CASE WHEN a.channel NOT IN ('email', 'thanks') THEN"
"         (pg_catalog.jsonb_build_object('action_id', a.action_id, 'channel', a.channel,"
"              'recipient', COALESCE($6, a.recipient), 'body', a.body, 'customer_id', a.customer_id,"
"              'language', a.language, 'step', a.step_name, 'action_date', a.action_date,"
"              'message_id', m.mid, 'attempt', a.attempts + 1, 'payload', a.payload)"
"          || CASE WHEN COALESCE(a.subject, '') <> '' THEN pg_catalog.jsonb_build_object('subject', a.subject)"
"                  ELSE '{}' END"
"          || CASE WHEN $7 THEN pg_catalog.jsonb_build_object('test', true, 'original_recipient', a.recipient)"
"                  ELSE '{}' END)::text"
"       END"
"  FROM dunning.claim_actions($1, $2, $3, pg_catalog.make_interval(secs => $4)) a"
" CROSS JOIN LATERAL (SELECT dunning.message_id(a.action_id, $5) AS mid) m"
" ORDER BY a.action_id";

static const char *const statements[][2] = {
	{"claim", claim_sql},
	{"sent", "SELECT m.action_id, m.error FROM dunning.mark_sent_many($1::bigint[], $2::text[]) m"},
	{"failed", "SELECT dunning.mark_failed($1::bigint, $2, $3::boolean)::text"},
	{"release", "SELECT dunning.release_actions($1::bigint[])"},
	{"next", "SELECT EXTRACT(epoch FROM dunning.next_send_at($1::text[]) - pg_catalog.clock_timestamp())::float8"},
};

PGconn *
dunning_db_connect(const Config *cfg, const char *who)
{
	const char *keys[] = {"dbname", "fallback_application_name", "client_encoding", NULL};
	const char *values[] = {cfg->dbname, "dunning-sender", "UTF8", NULL};
	PGconn	   *conn = PQconnectdbParams(keys, values, 1);

	if (PQstatus(conn) != CONNECTION_OK)
	{
		char		msg[512];

		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(conn));
		msg[strcspn(msg, "\n")] = '\0';
		dunning_log(DLOG_ERROR, "db_connect", "worker", who, "error", msg, NULL);
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

/* Logs a failed result; returns DB_LOST or DB_ERROR. */
static int
db_failure(PGconn *conn, PGresult *res, const char *what)
{
	char		msg[600];
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	snprintf(msg, sizeof(msg), "%s", res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
	msg[strcspn(msg, "\n")] = '\0';
	if (res)
		PQclear(res);
	if (PQstatus(conn) != CONNECTION_OK)
	{
		dunning_log(DLOG_ERROR, "db_lost", "call", what, "error", msg, NULL);
		return DB_LOST;
	}
	dunning_log(DLOG_ERROR, "db_error", "call", what, "sqlstate", state, "error", msg, NULL);
	return DB_ERROR;
}

static PGresult *
run_prepared(PGconn *conn, const char *name, int nparams, const char *const *values)
{
	return PQexecPrepared(conn, name, nparams, values, NULL, NULL, 0);
}

int
dunning_db_read_settings(PGconn *conn, Config *cfg)
{
	PGresult   *res = PQexec(conn, "SELECT s.notify_channel FROM dunning.settings s");
	int			i;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		return db_failure(conn, res, "dunning.settings");
	cfg->notify_channel = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	res = PQexec(conn, "SELECT s.name, s.value FROM dunning.sender_setting s ORDER BY s.name");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_failure(conn, res, "dunning.sender_setting");
	for (i = 0; i < PQntuples(res); i++)
		if (dunning_config_apply_setting(cfg, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1)) != 0)
		{
			PQclear(res);
			return DB_ERROR;
		}
	PQclear(res);
	return 0;
}

int
dunning_db_prepare(PGconn *conn, const Config *cfg)
{
	size_t		i;

	(void) cfg;
	for (i = 0; i < sizeof(statements) / sizeof(statements[0]); i++)
	{
		PGresult   *res = PQprepare(conn, statements[i][0], statements[i][1], 0, NULL);

		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			return db_failure(conn, res, statements[i][0]);
		PQclear(res);
	}
	return 0;
}

static char *
dup_value(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : strdup(PQgetvalue(res, row, col));
}

/* Fills one Action from a claim row; test mode redirects the recipient. */
static void
read_action(PGresult *res, int row, const Config *cfg, Action *a)
{
	a->id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
	a->channel = (Channel) dunning_channel_by_name(PQgetvalue(res, row, 1));
	a->attempts = atoi(PQgetvalue(res, row, 2));
	a->original_recipient = dup_value(res, row, 3);
	a->subject = dup_value(res, row, 4);
	a->body = dup_value(res, row, 5);
	a->message_id = dup_value(res, row, 6);
	a->request_json = dup_value(res, row, 7);
	if ((a->channel == CH_EMAIL || a->channel == CH_THANKS) && cfg->test_to != NULL)
		a->recipient = strdup(cfg->test_to);
	else if (a->channel == CH_SMS && cfg->test_sms_to != NULL)
		a->recipient = strdup(cfg->test_sms_to);
	else
		a->recipient = a->original_recipient ? strdup(a->original_recipient) : NULL;
}

int
dunning_db_claim(PGconn *conn, const Config *cfg, Channel ch, Action **out, int *n)
{
	char		batch[16], lease[16];
	bool		test = cfg->test_to != NULL || cfg->test_sms_to != NULL;
	const char *values[7];
	PGresult   *res;
	int			i;

	snprintf(batch, sizeof(batch), "%d", cfg->batch);
	snprintf(lease, sizeof(lease), "%d", cfg->lease);
	values[0] = dunning_channel_names[ch];
	values[1] = batch;
	values[2] = cfg->worker_name;
	values[3] = lease;
	values[4] = cfg->message_id_domain;
	values[5] = ch == CH_SMS ? cfg->test_sms_to : NULL;
	values[6] = test ? "true" : "false";
	*out = NULL;
	*n = 0;
	res = run_prepared(conn, "claim", 7, values);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_failure(conn, res, "claim_actions");
	*n = PQntuples(res);
	if (*n > 0)
		*out = calloc((size_t) *n, sizeof(Action));
	for (i = 0; i < *n; i++)
		read_action(res, i, cfg, &(*out)[i]);
	PQclear(res);
	return 0;
}

void
dunning_db_free_actions(Action *a, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		free(a[i].recipient);
		free(a[i].original_recipient);
		free(a[i].subject);
		free(a[i].body);
		free(a[i].message_id);
		free(a[i].request_json);
	}
	free(a);
}

/* Appends s to a text[] literal: NULL when empty, else double-quoted. */
static void
put_array_text(Buf *b, const char *s)
{
	if (s == NULL || *s == '\0')
	{
		dunning_buf_puts(b, "NULL");
		return;
	}
	dunning_buf_putc(b, '"');
	for (; *s; s++)
	{
		if (*s == '"' || *s == '\\')
			dunning_buf_putc(b, '\\');
		dunning_buf_putc(b, *s);
	}
	dunning_buf_putc(b, '"');
}

int
dunning_db_mark_sent_async(PGconn *conn, const long long *ids, char *const *provider_ids, int n)
{
	Buf			idlist, pidlist;
	const char *values[2];
	int			i, ok;

	dunning_buf_init(&idlist);
	dunning_buf_init(&pidlist);
	for (i = 0; i < n; i++)
	{
		dunning_buf_printf(&idlist, "%s%lld", i ? "," : "{", ids[i]);
		dunning_buf_puts(&pidlist, i ? "," : "{");
		put_array_text(&pidlist, provider_ids[i]);
	}
	dunning_buf_putc(&idlist, '}');
	dunning_buf_putc(&pidlist, '}');
	values[0] = idlist.data;
	values[1] = pidlist.data;
	ok = PQsendQueryPrepared(conn, "sent", 2, values, NULL, NULL, 0);
	dunning_buf_free(&idlist);
	dunning_buf_free(&pidlist);
	return ok ? 0 : db_failure(conn, NULL, "mark_sent_many");
}

int
dunning_db_collect(PGconn *conn, bool wait)
{
	PGresult   *res;
	int			rc = 0;
	int			i;

	if (!wait && (!PQconsumeInput(conn) || PQisBusy(conn)))
		return PQstatus(conn) != CONNECTION_OK ? DB_LOST : 1;
	while ((res = PQgetResult(conn)) != NULL)
	{
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			rc = db_failure(conn, res, "mark_sent_many");
			continue;
		}
		for (i = 0; i < PQntuples(res); i++)
			dunning_log(DLOG_WARN, "mark_sent", "action_id", PQgetvalue(res, i, 0), "error", PQgetvalue(res, i, 1), NULL);
		PQclear(res);
	}
	if (PQstatus(conn) != CONNECTION_OK)
		return DB_LOST;
	return rc;
}

int
dunning_db_mark_failed(PGconn *conn, long long id, const char *reason, bool retry, char *next_at, size_t next_at_size)
{
	char		ids[24];
	const char *values[3] = {ids, reason, retry ? "true" : "false"};
	PGresult   *res;

	snprintf(ids, sizeof(ids), "%lld", id);
	res = run_prepared(conn, "failed", 3, values);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_failure(conn, res, "mark_failed");
	snprintf(next_at, next_at_size, "%s", PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

int
dunning_db_release(PGconn *conn, const Action *a, int n)
{
	char	   *list = malloc((size_t) n * 22 + 3);
	size_t		len = 0;
	const char *values[1];
	PGresult   *res;
	int			i;

	list[len++] = '{';
	for (i = 0; i < n; i++)
		len += (size_t) sprintf(list + len, "%s%lld", i ? "," : "", a[i].id);
	strcpy(list + len, "}");
	values[0] = list;
	res = run_prepared(conn, "release", 1, values);
	free(list);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_failure(conn, res, "release_actions");
	PQclear(res);
	return 0;
}

static void
channel_array(unsigned channels, char *out, size_t size)
{
	size_t		len = 0;
	int			ch;

	len += (size_t) snprintf(out + len, size - len, "{");
	for (ch = 0; ch < N_CHANNELS; ch++)
		if (channels & (1u << ch))
			len += (size_t) snprintf(out + len, size - len, "%s%s", len > 1 ? "," : "", dunning_channel_names[ch]);
	snprintf(out + len, size - len, "}");
}

int
dunning_db_next_wait(PGconn *conn, unsigned channels, double *seconds)
{
	char		arr[128];
	const char *values[1] = {arr};
	PGresult   *res;
	int			rc = 0;

	channel_array(channels, arr, sizeof(arr));
	res = run_prepared(conn, "next", 1, values);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_failure(conn, res, "next_send_at");
	if (PQgetisnull(res, 0, 0))
		rc = 1;
	else
		*seconds = strtod(PQgetvalue(res, 0, 0), NULL);
	PQclear(res);
	return rc;
}

int
dunning_db_listen(PGconn *conn, const char *channel)
{
	char	   *ident = PQescapeIdentifier(conn, channel, strlen(channel));
	char		sql[200];
	PGresult   *res;

	snprintf(sql, sizeof(sql), "LISTEN %s", ident);
	PQfreemem(ident);
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return db_failure(conn, res, "LISTEN");
	PQclear(res);
	return 0;
}

/* A payload that names a channel concerns us only if it names one of ours. */
static bool
payload_concerns(const char *payload, unsigned channels)
{
	int			ch;

	if (strstr(payload, "\"channel\"") == NULL)
		return true;
	for (ch = 0; ch < N_CHANNELS; ch++)
	{
		char		quoted[32];

		snprintf(quoted, sizeof(quoted), "\"%s\"", dunning_channel_names[ch]);
		if ((channels & (1u << ch)) && strstr(payload, quoted) != NULL)
			return true;
	}
	return false;
}

bool
dunning_db_take_notifies(PGconn *conn, unsigned channels)
{
	PGnotify   *nt;
	bool		ours = false;

	PQconsumeInput(conn);
	while ((nt = PQnotifies(conn)) != NULL)
	{
		if (payload_concerns(nt->extra, channels))
			ours = true;
		PQfreemem(nt);
	}
	return ours;
}
