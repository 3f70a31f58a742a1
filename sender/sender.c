/*
 * sender.c: what the parts of dunning-sender share (sender.h): the channels
 * and their transports, and the stop that SIGTERM and SIGINT request (a
 * flag and a self-pipe, so that a worker asleep or polling wakes at once).
 */
#include "sender.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

const char *const dunning_channel_names[N_CHANNELS] = {"email", "thanks", "sms", "letter", "legal", "call", "task"};
const char *const dunning_transport_names[N_TRANSPORTS] = {"smtp", "sms", "webhook"};

volatile sig_atomic_t dunning_stop = 0;
int			dunning_stop_fd = -1;
static int	stop_pipe[2] = {-1, -1};

Transport
dunning_channel_transport(Channel ch)
{
	if (ch == CH_EMAIL || ch == CH_THANKS)
		return TR_SMTP;
	return ch == CH_SMS ? TR_SMS : TR_WEBHOOK;
}

int
dunning_channel_by_name(const char *name)
{
	int			ch;

	for (ch = 0; ch < N_CHANNELS; ch++)
		if (strcmp(name, dunning_channel_names[ch]) == 0)
			return ch;
	return -1;
}

static void
on_stop_signal(int sig)
{
	int			saved = errno;
	ssize_t		ignored;

	(void) sig;
	dunning_stop = 1;
	ignored = write(stop_pipe[1], "x", 1);
	(void) ignored;
	errno = saved;
}

int
dunning_sleep(long ms, int fd)
{
	struct pollfd fds[2];
	int			n = 1;

	if (dunning_stop)
		return -1;
	fds[0].fd = dunning_stop_fd;
	fds[0].events = POLLIN;
	if (fd >= 0)
	{
		fds[1].fd = fd;
		fds[1].events = POLLIN;
		n = 2;
	}
	if (poll(fds, (nfds_t) n, (int) (ms > 3600000 ? 3600000 : ms)) <= 0)
		return dunning_stop ? -1 : 0;
	if (dunning_stop)
		return -1;
	return (n == 2 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) ? 1 : 0;
}

int
dunning_setup_signals(void)
{
	struct sigaction sa;

	if (pipe(stop_pipe) != 0)
		return -1;
	fcntl(stop_pipe[1], F_SETFL, O_NONBLOCK);
	dunning_stop_fd = stop_pipe[0];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}
