/*
 * sender.h: what the parts of dunning-sender share: channels and their
 * transports, the settings in force, an action to deliver and the outcome
 * of one delivery.
 */
#ifndef DUNNING_SENDER_H
#define DUNNING_SENDER_H

#include <signal.h>
#include <stdbool.h>

#define DUNNING_SENDER_VERSION "0.3.0"

/* Exit codes (--help lists them). */
#define EXIT_RUNTIME 1			/* database unreachable or failing */
#define EXIT_USAGE 2			/* bad options or settings */

typedef enum Channel
{
	CH_EMAIL,
	CH_THANKS,
	CH_SMS,
	CH_LETTER,
	CH_LEGAL,
	CH_CALL,
	CH_TASK,
	N_CHANNELS
} Channel;

typedef enum Transport
{
	TR_SMTP,
	TR_SMS,
	TR_WEBHOOK,
	N_TRANSPORTS
} Transport;

extern const char *const dunning_channel_names[N_CHANNELS];
extern const char *const dunning_transport_names[N_TRANSPORTS];
extern Transport dunning_channel_transport(Channel ch);
extern int	dunning_channel_by_name(const char *name);

typedef struct Config
{
	const char *dbname;			/* libpq conninfo; NULL: the PG* environment */
	bool		once;
	bool		verbose;
	bool		log_json;
	unsigned	channels;		/* bit (1 << Channel) for each channel handled */
	char	   *smtp_url;
	char	   *smtp_from;		/* From header as given */
	char		smtp_from_addr[256];	/* its address (envelope sender) */
	char	   *smtp_credentials_file;
	char	   *smtp_ca_file;
	char	   *smtp_user;
	char	   *smtp_password;
	char	   *sms_url;
	char	   *sms_token_file;
	char	   *sms_token;
	char	   *webhook_url;
	char	   *webhook_token_file;
	char	   *webhook_token;
	char	   *test_to;		/* test mode: every e-mail to this address */
	char	   *test_sms_to;	/* test mode: every SMS to this number */
	double		rate[N_CHANNELS];	/* messages per second; 0: no limit */
	int			concurrency;	/* workers per transport */
	int			batch;			/* actions per claim */
	int			lease;			/* seconds */
	int			timeout;		/* seconds per message */
	int			poll;			/* daemon: longest sleep, seconds */
	char	   *message_id_domain;
	char	   *worker_name;
	char	   *notify_channel; /* from dunning.settings */
} Config;

/* One claimed action. */
typedef struct Action
{
	long long	id;
	Channel		channel;
	int			attempts;		/* failed attempts before this one */
	char	   *recipient;		/* where it goes (test mode applied) */
	char	   *original_recipient; /* the action's own */
	char	   *subject;
	char	   *body;
	char	   *message_id;
	char	   *request_json;	/* HTTP channels: the JSON body to POST */
} Action;

typedef enum OutcomeKind
{
	OUTCOME_SENT,
	OUTCOME_RETRY,				/* transient: try again later */
	OUTCOME_PERMANENT			/* never retried */
} OutcomeKind;

typedef struct Outcome
{
	OutcomeKind kind;
	char		provider_id[512];	/* empty: none */
	char		reason[600];	/* for last_error, when not sent */
	char		reply[300];		/* the server's last answer, for the log */
} Outcome;

/* Set by SIGTERM/SIGINT; dunning_stop_fd becomes readable at the same time. */
extern volatile sig_atomic_t dunning_stop;
extern int	dunning_stop_fd;

/*
 * Sleeps up to ms milliseconds, returning early (-1) when a stop is
 * requested.  With fd >= 0, also returns (1) when fd is readable.
 */
extern int	dunning_sleep(long ms, int fd);

/* Installs the SIGTERM/SIGINT handlers (and ignores SIGPIPE); -1 on error. */
extern int	dunning_setup_signals(void);

#endif
