/*
 * worker.h: one delivery worker: a thread with its own database connection
 * and its own transport connection, serving the channels of one transport.
 */
#ifndef DUNNING_SENDER_WORKER_H
#define DUNNING_SENDER_WORKER_H

#include "http.h"
#include "sender.h"
#include "smtp.h"

#include <libpq-fe.h>
#include <pthread.h>

/* At most this many delivered actions wait for their mark. */
#define MARK_BATCH 50

typedef struct Worker
{
	const Config *cfg;
	Transport	transport;
	unsigned	channels;		/* the channels it claims */
	char		label[32];		/* e.g. smtp-1, in the logs */
	PGconn	   *conn;
	bool		mark_pending;	/* marks sent, their answer not read yet */
	int			marks_queued;	/* delivered, to mark when that answer is in */
	long long	mark_ids[MARK_BATCH];
	char	   *mark_provider_ids[MARK_BATCH];
	Smtp		smtp;
	Http		http;
	int			exit_code;
	pthread_t	thread;
} Worker;

/* The thread: claims and delivers until done (--once) or stopped. */
extern void *dunning_worker_main(void *arg);

#endif
