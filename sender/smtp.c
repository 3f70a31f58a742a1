/*
 * smtp.c: delivering an e-mail with libcurl.
 *
 * The easy handle keeps its connection between transfers, so a worker talks
 * to the server over one connection (EHLO, STARTTLS and AUTH once) and each
 * message costs MAIL, RCPT, DATA and the upload; libcurl does the
 * dot-stuffing.  The server's replies and our commands are followed through
 * the debug callback, which tells which command a failure answered:
 *   - 5xx to RCPT (but 552, RFC 5321 4.5.3.1.10) or to the message: permanent;
 *   - any other reply, a lost connection or a timeout: transient.
 * When a reused connection turns out dead before the message was sent, the
 * transfer is tried once more on a new connection.
 */
#include "smtp.h"
#include "log.h"
#include "mime.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static size_t
on_read(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	Smtp	   *s = userdata;
	size_t		n = s->msg.len - s->pos;

	if (n > size * nmemb)
		n = size * nmemb;
	memcpy(ptr, s->msg.data + s->pos, n);
	s->pos += n;
	return n;
}

/* Keeps the last reply line and the command it answers, up to the first refusal. */
static int
on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *userdata)
{
	Smtp	   *s = userdata;

	(void) h;
	/* the first refusal is the verdict: what follows (QUIT) does not count */
	if (s->code >= 400)
		return 0;
	if (type == CURLINFO_HEADER_IN && size >= 3 && isdigit((unsigned char) data[0]))
	{
		size_t		n = size < sizeof(s->reply) - 1 ? size : sizeof(s->reply) - 1;
		size_t		i;

		memcpy(s->reply, data, n);
		s->reply[n] = '\0';
		s->reply[strcspn(s->reply, "\r\n")] = '\0';
		for (i = 0; s->reply[i]; i++)
			if ((unsigned char) s->reply[i] < 0x20)
				s->reply[i] = ' ';
		s->code = (data[0] - '0') * 100 + (data[1] - '0') * 10 + (data[2] - '0');
	}
	else if (type == CURLINFO_HEADER_OUT && size > 0)
	{
		size_t		n = strcspn(data, " :\r\n");

		if (data[0] == '.')
			strcpy(s->last_cmd, "BODY");
		else
		{
			if (n > sizeof(s->last_cmd) - 1)
				n = sizeof(s->last_cmd) - 1;
			memcpy(s->last_cmd, data, n);
			s->last_cmd[n] = '\0';
		}
	}
	else if (type == CURLINFO_DATA_OUT)
		strcpy(s->last_cmd, "BODY");
	return 0;
}

int
dunning_smtp_open(Smtp *s, const Config *cfg)
{
	char		from[300];
	long		connect_timeout = cfg->timeout < 10 ? cfg->timeout : 10;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	dunning_buf_init(&s->msg);
	s->curl = curl_easy_init();
	if (s->curl == NULL)
		return -1;
	snprintf(from, sizeof(from), "<%s>", cfg->smtp_from_addr);
	curl_easy_setopt(s->curl, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(s->curl, CURLOPT_USE_SSL, (long) CURLUSESSL_TRY);
	if (cfg->smtp_user != NULL)
	{
		curl_easy_setopt(s->curl, CURLOPT_USERNAME, cfg->smtp_user);
		curl_easy_setopt(s->curl, CURLOPT_PASSWORD, cfg->smtp_password ? cfg->smtp_password : "");
	}
	if (cfg->smtp_ca_file != NULL)
		curl_easy_setopt(s->curl, CURLOPT_CAINFO, cfg->smtp_ca_file);
	curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(s->curl, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(s->curl, CURLOPT_READDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(s->curl, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(s->curl, CURLOPT_DEBUGDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, connect_timeout);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, (long) cfg->timeout);
	return 0;
}

static CURLcode
perform(Smtp *s, const char *recipient)
{
	struct curl_slist *rcpt = curl_slist_append(NULL, recipient);
	CURLcode	rc;

	s->pos = 0;
	s->code = 0;
	s->reply[0] = '\0';
	s->last_cmd[0] = '\0';
	s->errbuf[0] = '\0';
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) s->msg.len);
	rc = curl_easy_perform(s->curl);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpt);
	return rc;
}

/* A connection that died under us, with no verdict on this message yet. */
static bool
dead_connection(const Smtp *s, CURLcode rc)
{
	return (rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING ||
			rc == CURLE_WEIRD_SERVER_REPLY) &&
		s->code < 400 && strcmp(s->last_cmd, "BODY") != 0;
}

static void
classify(const Smtp *s, const Action *a, CURLcode rc, Outcome *o)
{
	if (rc == CURLE_OK)
	{
		o->kind = OUTCOME_SENT;
		snprintf(o->provider_id, sizeof(o->provider_id), "%s", a->message_id);
		snprintf(o->reply, sizeof(o->reply), "%s", s->reply);
		return;
	}
	snprintf(o->reply, sizeof(o->reply), "%s", s->reply);
	if (s->code >= 500 && ((strcmp(s->last_cmd, "RCPT") == 0 && s->code != 552) || strcmp(s->last_cmd, "BODY") == 0))
	{
		o->kind = OUTCOME_PERMANENT;
		snprintf(o->reason, sizeof(o->reason), "SMTP %s: %s", strcmp(s->last_cmd, "RCPT") == 0 ? "recipient refused" : "message refused", s->reply);
	}
	else if (s->code >= 400)
	{
		o->kind = OUTCOME_RETRY;
		snprintf(o->reason, sizeof(o->reason), "SMTP %s refused (transient): %s", s->last_cmd, s->reply);
	}
	else
	{
		o->kind = OUTCOME_RETRY;
		snprintf(o->reason, sizeof(o->reason), "SMTP %s: %s", curl_easy_strerror(rc),
				 s->errbuf[0] ? s->errbuf : "no detail");
	}
}

void
dunning_smtp_send(Smtp *s, const Action *a, Outcome *o)
{
	Mail		m = {s->cfg->smtp_from, a->recipient, NULL, a->subject, a->body, a->message_id, a->id};
	CURLcode	rc;

	if (s->cfg->test_to != NULL)
		m.original_to = a->original_recipient;
	dunning_buf_reset(&s->msg);
	dunning_mime_compose(&m, time(NULL), &s->msg);
	rc = perform(s, a->recipient);
	if (rc != CURLE_OK && dead_connection(s, rc))
	{
		dunning_log(DLOG_DEBUG, "smtp_reconnect", "error", s->errbuf, NULL);
		curl_easy_setopt(s->curl, CURLOPT_FRESH_CONNECT, 1L);
		rc = perform(s, a->recipient);
		curl_easy_setopt(s->curl, CURLOPT_FRESH_CONNECT, 0L);
	}
	classify(s, a, rc, o);
}

void
dunning_smtp_close(Smtp *s)
{
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl);
	s->curl = NULL;
	dunning_buf_free(&s->msg);
}
