/*
 * ratelimit.h: at most N messages per second per channel, shared by every
 * worker of the process.
 */
#ifndef DUNNING_SENDER_RATELIMIT_H
#define DUNNING_SENDER_RATELIMIT_H

#include "sender.h"

extern void dunning_rate_setup(const Config *cfg);

/* Waits for the channel's next slot; -1 when a stop was requested meanwhile. */
extern int	dunning_rate_wait(Channel ch);

#endif
