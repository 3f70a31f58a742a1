/*
 * smtp.h: the e-mail transport of dunning-sender: one libcurl easy handle
 * per worker, so that its SMTP connection is reused from one message to
 * the next.
 */
#ifndef DUNNING_SENDER_SMTP_H
#define DUNNING_SENDER_SMTP_H

#include "buf.h"
#include "sender.h"
#include <curl/curl.h>

typedef struct Smtp
{
	CURL	   *curl;
	const Config *cfg;
	Buf			msg;			/* the message being uploaded */
	size_t		pos;
	char		last_cmd[8];	/* MAIL, RCPT, DATA, BODY (the message), ... */
	int			code;			/* the server's last reply code */
	char		reply[300];		/* and its text */
	char		errbuf[CURL_ERROR_SIZE];
} Smtp;

extern int	dunning_smtp_open(Smtp *s, const Config *cfg);
extern void dunning_smtp_send(Smtp *s, const Action *a, Outcome *o);
extern void dunning_smtp_close(Smtp *s);

#endif
