/*
 * http.c: delivering an action as a JSON POST.  The body is built by the
 * database with the claim (action_id, channel, recipient, subject, body,
 * payload, message_id, ...); the Message-ID also goes as Idempotency-Key so
 * that a provider can drop a re-delivery.  2xx: sent, the provider id being
 * the "id" of the JSON answer; 408, 429, 5xx, timeouts and network errors:
 * transient; any other 4xx: permanent.
 */
#include "http.h"
#include "jsonid.h"

#include <stdio.h>
#include <string.h>

#define MAX_RESPONSE 65536

static size_t
on_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	Http	   *h = userdata;
	size_t		n = size * nmemb;

	if (h->response.len < MAX_RESPONSE)
		dunning_buf_add(&h->response, ptr, n < MAX_RESPONSE - h->response.len ? n : MAX_RESPONSE - h->response.len);
	return n;
}

int
dunning_http_open(Http *h, const Config *cfg, Transport tr)
{
	long		connect_timeout = cfg->timeout < 10 ? cfg->timeout : 10;

	memset(h, 0, sizeof(*h));
	h->url = tr == TR_SMS ? cfg->sms_url : cfg->webhook_url;
	h->token = tr == TR_SMS ? cfg->sms_token : cfg->webhook_token;
	h->timeout = cfg->timeout;
	dunning_buf_init(&h->response);
	h->curl = curl_easy_init();
	if (h->curl == NULL)
		return -1;
	curl_easy_setopt(h->curl, CURLOPT_URL, h->url);
	curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, connect_timeout);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, (long) cfg->timeout);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "dunning-sender/" DUNNING_SENDER_VERSION);
	return 0;
}

/* The start of the answer, on one line, for last_error. */
static void
answer_excerpt(const Http *h, char *out, size_t size)
{
	size_t		i;

	snprintf(out, size < 201 ? size : 201, "%s", h->response.data);
	for (i = 0; out[i]; i++)
		if ((unsigned char) out[i] < 0x20)
			out[i] = ' ';
}

static void
classify(Http *h, const Action *a, CURLcode rc, Outcome *o)
{
	long		status = 0;
	char		excerpt[201];

	(void) a;
	if (rc == CURLE_OPERATION_TIMEDOUT)
	{
		o->kind = OUTCOME_RETRY;
		snprintf(o->reason, sizeof(o->reason), "HTTP timeout after %d s", h->timeout);
		return;
	}
	if (rc != CURLE_OK)
	{
		o->kind = OUTCOME_RETRY;
		snprintf(o->reason, sizeof(o->reason), "HTTP %s: %s", curl_easy_strerror(rc), h->errbuf);
		return;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	answer_excerpt(h, excerpt, sizeof(excerpt));
	snprintf(o->reply, sizeof(o->reply), "%ld %s", status, excerpt);
	if (status >= 200 && status < 300)
	{
		o->kind = OUTCOME_SENT;
		if (!dunning_json_id(h->response.data, o->provider_id, sizeof(o->provider_id)))
			o->provider_id[0] = '\0';
		return;
	}
	o->kind = (status >= 400 && status < 500 && status != 408 && status != 429) ? OUTCOME_PERMANENT : OUTCOME_RETRY;
	snprintf(o->reason, sizeof(o->reason), "HTTP %ld: %s", status, excerpt);
}

void
dunning_http_send(Http *h, const Action *a, Outcome *o)
{
	struct curl_slist *headers = NULL;
	char		line[700];
	CURLcode	rc;

	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, "Accept: application/json");
	headers = curl_slist_append(headers, "Expect:");
	snprintf(line, sizeof(line), "Idempotency-Key: %s", a->message_id);
	headers = curl_slist_append(headers, line);
	if (h->token != NULL)
	{
		snprintf(line, sizeof(line), "Authorization: Bearer %s", h->token);
		headers = curl_slist_append(headers, line);
	}
	dunning_buf_reset(&h->response);
	h->errbuf[0] = '\0';
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, a->request_json);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) strlen(a->request_json));
	rc = curl_easy_perform(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	classify(h, a, rc, o);
}

void
dunning_http_close(Http *h)
{
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	h->curl = NULL;
	dunning_buf_free(&h->response);
}
