/*
 * http.h: the JSON POST transport of dunning-sender (SMS and webhook
 * channels), over one reused libcurl handle per worker.
 */
#ifndef DUNNING_SENDER_HTTP_H
#define DUNNING_SENDER_HTTP_H

#include "buf.h"
#include "sender.h"
#include <curl/curl.h>

typedef struct Http
{
	CURL	   *curl;
	const char *url;
	const char *token;
	int			timeout;
	Buf			response;
	char		errbuf[CURL_ERROR_SIZE];
} Http;

extern int	dunning_http_open(Http *h, const Config *cfg, Transport tr);
extern void dunning_http_send(Http *h, const Action *a, Outcome *o);
extern void dunning_http_close(Http *h);

#endif
