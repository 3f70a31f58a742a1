/*
 * ratelimit.c: pacing per channel.  Each message takes the next slot of
 * its channel, slots being 1/N seconds apart; a slot left unused is not
 * saved up (no bursts after an idle spell beyond the first message).
 */
#include "ratelimit.h"

#include <pthread.h>
#include <time.h>

static double interval_s[N_CHANNELS];
static double next_slot[N_CHANNELS];
static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

void
dunning_rate_setup(const Config *cfg)
{
	int			ch;

	for (ch = 0; ch < N_CHANNELS; ch++)
		interval_s[ch] = cfg->rate[ch] > 0 ? 1.0 / cfg->rate[ch] : 0;
}

int
dunning_rate_wait(Channel ch)
{
	double		slot;
	double		now;

	if (interval_s[ch] <= 0)
		return dunning_stop ? -1 : 0;
	pthread_mutex_lock(&rate_lock);
	now = now_s();
	slot = next_slot[ch] > now ? next_slot[ch] : now;
	next_slot[ch] = slot + interval_s[ch];
	pthread_mutex_unlock(&rate_lock);
	if (slot > now && dunning_sleep((long) ((slot - now) * 1000.0 + 0.5), -1) < 0)
		return -1;
	return dunning_stop ? -1 : 0;
}
