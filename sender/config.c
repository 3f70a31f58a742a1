/*
 * config.c: options.  Every option that is not a secret can also be a row
 * of dunning.sender_setting, named as the long option; the command line
 * wins.  Passwords and tokens are read from files or the environment only,
 * so they never show in `ps` or in a table analysts read, and a URL carrying
 * credentials is refused wherever it comes from.
 */
#include "config.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum
{
	OPT_SMTP_URL = 256, OPT_SMTP_FROM, OPT_SMTP_CREDENTIALS_FILE, OPT_SMTP_CA_FILE, OPT_SMS_URL,
	OPT_SMS_TOKEN_FILE, OPT_WEBHOOK_URL, OPT_WEBHOOK_TOKEN_FILE, OPT_CHANNELS, OPT_TEST_TO,
	OPT_TEST_SMS_TO, OPT_RATE, OPT_CONCURRENCY, OPT_BATCH, OPT_LEASE, OPT_TIMEOUT, OPT_POLL,
	OPT_MESSAGE_ID_DOMAIN, OPT_LOG_FORMAT, OPT_WORKER_NAME, OPT_ONCE, OPT_END
};

/* The options a settings row may name (all but the per-run ones). */
static const struct option long_options[] = {
	{"smtp-url", required_argument, NULL, OPT_SMTP_URL},
	{"smtp-from", required_argument, NULL, OPT_SMTP_FROM},
	{"smtp-credentials-file", required_argument, NULL, OPT_SMTP_CREDENTIALS_FILE},
	{"smtp-ca-file", required_argument, NULL, OPT_SMTP_CA_FILE},
	{"sms-url", required_argument, NULL, OPT_SMS_URL},
	{"sms-token-file", required_argument, NULL, OPT_SMS_TOKEN_FILE},
	{"webhook-url", required_argument, NULL, OPT_WEBHOOK_URL},
	{"webhook-token-file", required_argument, NULL, OPT_WEBHOOK_TOKEN_FILE},
	{"channels", required_argument, NULL, OPT_CHANNELS},
	{"test-to", required_argument, NULL, OPT_TEST_TO},
	{"test-sms-to", required_argument, NULL, OPT_TEST_SMS_TO},
	{"rate", required_argument, NULL, OPT_RATE},
	{"concurrency", required_argument, NULL, OPT_CONCURRENCY},
	{"batch", required_argument, NULL, OPT_BATCH},
	{"lease", required_argument, NULL, OPT_LEASE},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"poll", required_argument, NULL, OPT_POLL},
	{"message-id-domain", required_argument, NULL, OPT_MESSAGE_ID_DOMAIN},
	{"log-format", required_argument, NULL, OPT_LOG_FORMAT},
#define N_TABLE_OPTIONS 19
	{"worker-name", required_argument, NULL, OPT_WORKER_NAME},
	{"once", no_argument, NULL, OPT_ONCE},
	{"dbname", required_argument, NULL, 'd'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0}
};

static bool given[OPT_END];

#define DOMAIN_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"

static const char usage_text[] =
"dunning-sender delivers the reminders that dunning.run() queues in the outbox\n"
"(dunning.action): e-mail by SMTP, SMS and the other channels as JSON POSTs.\n"
"Each action is claimed with a lease, delivered, and marked sent (with the\n"
"provider's message id) or failed in the database right after the provider\n"
"answered.  See doc/sender.md.\n"
"\n"
"Usage: dunning-sender [--dbname CONNINFO] [--once] [OPTIONS]\n"
"\n"
"Running:\n"
"  -d, --dbname CONNINFO       database (libpq conninfo or URI; default: PG* environment)\n"
"      --once                  deliver every action due now, then exit; without it, run as\n"
"                              a daemon woken by LISTEN/NOTIFY and by retries falling due,\n"
"                              until SIGTERM or SIGINT (the batch in hand is finished)\n"
"      --channels LIST         channels to deliver, comma-separated (email, thanks, sms,\n"
"                              letter, legal, call, task; default: every channel whose\n"
"                              transport is configured)\n"
"      --concurrency N         workers per transport, each with its own database and\n"
"                              network connection (default 1, at most 16)\n"
"      --batch N               actions claimed at once (default 50)\n"
"      --lease SECONDS         how long claimed actions stay reserved (default 300)\n"
"      --timeout SECONDS       network timeout per message (default 30)\n"
"      --poll SECONDS          daemon: longest sleep without a notification (default 60)\n"
"      --rate CHANNEL=N        at most N messages per second on CHANNEL (repeatable, or\n"
"                              comma-separated: --rate email=20,sms=2)\n"
"      --worker-name NAME      recorded in action.claimed_by (default dunning-sender@HOST:PID)\n"
"\n"
"E-mail (channels email and thanks):\n"
"      --smtp-url URL          smtp://HOST:PORT (STARTTLS when the server offers it) or\n"
"                              smtps://HOST:PORT; never with a user or password in it\n"
"      --smtp-from ADDRESS     From header and envelope sender: addr or 'Name <addr>'\n"
"                              (default dunning@HOST, with a warning)\n"
"      --smtp-credentials-file FILE\n"
"                              lines user=NAME and password=SECRET; else the environment\n"
"                              variables DUNNING_SMTP_USER and DUNNING_SMTP_PASSWORD\n"
"      --smtp-ca-file FILE     CA certificates to check the server's certificate with\n"
"      --message-id-domain D   right part of Message-IDs (default: the From domain)\n"
"\n"
"SMS and webhooks (JSON POST of action_id, channel, recipient, subject, body, ...):\n"
"      --sms-url URL           channel sms\n"
"      --sms-token-file FILE   bearer token (else DUNNING_SMS_TOKEN)\n"
"      --webhook-url URL       channels letter, legal, call and task\n"
"      --webhook-token-file FILE  bearer token (else DUNNING_WEBHOOK_TOKEN)\n"
"\n"
"Test mode (actions are consumed: use a copy of the database):\n"
"      --test-to ADDRESS       every e-mail goes to ADDRESS (header X-Dunning-Original-To)\n"
"      --test-sms-to NUMBER    every SMS goes to NUMBER; JSON posts carry \"test\": true\n"
"\n"
"Logs (stderr, one line per action: action_id, channel, outcome, provider_id, latency_ms):\n"
"      --log-format FORMAT     logfmt (default) or json\n"
"  -v, --verbose               also debug lines\n"
"  -h, --help                  this text\n"
"  -V, --version               the version\n"
"\n"
"Every option but --dbname, --once, --worker-name and --verbose can also be a row of\n"
"dunning.sender_setting (name = the option without dashes, e.g. smtp-url); the command\n"
"line wins.  Secrets never: they come from the files or variables above.\n"
"\n"
"Exit status: 0 done (--once) or stopped by a signal; 1 the database could not be\n"
"reached or failed; 2 bad options or settings.\n";

static bool
has_credentials(const char *url)
{
	const char *p = strstr(url, "://");
	size_t		authority;

	if (p == NULL)
		return false;
	p += 3;
	authority = strcspn(p, "/?#");
	return memchr(p, '@', authority) != NULL;
}

static int
check_url(const char *opt, const char *url, const char *scheme1, const char *scheme2)
{
	if (strncmp(url, scheme1, strlen(scheme1)) != 0 && strncmp(url, scheme2, strlen(scheme2)) != 0)
	{
		char		msg[100];

		snprintf(msg, sizeof(msg), "the URL must start with %s or %s", scheme1, scheme2);
		dunning_log(DLOG_ERROR, "config", "option", opt, "value", url, "msg", msg, NULL);
		return -1;
	}
	if (has_credentials(url) || strpbrk(url, " \t\r\n") != NULL)
	{
		dunning_log(DLOG_ERROR, "config", "option", opt,
					"msg", "no credentials (or spaces) in URLs: use a credentials file or the environment", NULL);
		return -1;
	}
	return 0;
}

/* An address without spaces, brackets or line breaks, one @. */
static bool
plain_address(const char *a)
{
	const char *at = strchr(a, '@');

	return at != NULL && at != a && at[1] != '\0' && strchr(at + 1, '@') == NULL &&
		strpbrk(a, " \t\r\n<>()[]\\,;:\"") == NULL && strlen(a) < 255;
}

/* "addr" or "Name <addr>": keeps the address for the envelope. */
static int
parse_from(Config *cfg, const char *from)
{
	const char *lt = strrchr(from, '<');
	size_t		n;

	if (strpbrk(from, "\r\n") != NULL)
		return -1;
	if (lt == NULL)
	{
		if (!plain_address(from))
			return -1;
		snprintf(cfg->smtp_from_addr, sizeof(cfg->smtp_from_addr), "%s", from);
		return 0;
	}
	n = strlen(lt + 1);
	if (n < 2 || lt[n] != '>' || n - 1 >= sizeof(cfg->smtp_from_addr))
		return -1;
	memcpy(cfg->smtp_from_addr, lt + 1, n - 1);
	cfg->smtp_from_addr[n - 1] = '\0';
	return plain_address(cfg->smtp_from_addr) ? 0 : -1;
}

static int
parse_int(const char *opt, const char *v, int lo, int hi, int *out)
{
	char	   *end;
	long		n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
	{
		char		range[64];

		snprintf(range, sizeof(range), "%d..%d", lo, hi);
		dunning_log(DLOG_ERROR, "config", "option", opt, "value", v, "msg", "not a whole number in range",
					"range", range, NULL);
		return -1;
	}
	*out = (int) n;
	return 0;
}

/* CHANNEL=N[,CHANNEL=N...] */
static int
parse_rates(Config *cfg, const char *v)
{
	char	   *copy = strdup(v);
	char	   *save = NULL;
	char	   *item;
	int			rc = 0;

	for (item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save))
	{
		char	   *eq = strchr(item, '=');
		char	   *end;
		double		n;
		int			ch;

		if (eq == NULL)
		{
			rc = -1;
			break;
		}
		*eq = '\0';
		ch = dunning_channel_by_name(item);
		n = strtod(eq + 1, &end);
		if (ch < 0 || end == eq + 1 || *end != '\0' || !(n > 0 && n <= 100000))
		{
			rc = -1;
			break;
		}
		cfg->rate[ch] = n;
	}
	free(copy);
	if (rc != 0)
		dunning_log(DLOG_ERROR, "config", "option", "rate", "value", v,
					"msg", "expected CHANNEL=N (messages per second, N > 0)", NULL);
	return rc;
}

static int
parse_channels(Config *cfg, const char *v)
{
	char	   *copy = strdup(v);
	char	   *save = NULL;
	char	   *item;
	int			rc = 0;

	cfg->channels = 0;
	for (item = strtok_r(copy, ", ", &save); item != NULL; item = strtok_r(NULL, ", ", &save))
	{
		int			ch = dunning_channel_by_name(item);

		if (ch < 0)
		{
			dunning_log(DLOG_ERROR, "config", "option", "channels", "value", item, "msg", "unknown channel", NULL);
			rc = -1;
			break;
		}
		cfg->channels |= 1u << ch;
	}
	free(copy);
	return rc;
}

static int
set_string(char **field, const char *v)
{
	free(*field);
	*field = strdup(v);
	return 0;
}

static int
set_address(const char *opt, char **field, const char *v, bool phone)
{
	bool		ok;

	if (phone)
		ok = strspn(v, "+0123456789 ().-") == strlen(v) && strlen(v) >= 2 && strlen(v) < 32;
	else
		ok = plain_address(v);
	if (!ok)
	{
		dunning_log(DLOG_ERROR, "config", "option", opt, "value", v,
					"msg", phone ? "not a phone number" : "not an e-mail address", NULL);
		return -1;
	}
	return set_string(field, v);
}

/* Validates and stores one option value (from argv or the settings table). */
static int
config_set(Config *cfg, int opt, const char *v)
{
	switch (opt)
	{
		case OPT_SMTP_URL:
			return check_url("smtp-url", v, "smtp://", "smtps://") ? -1 : set_string(&cfg->smtp_url, v);
		case OPT_SMTP_FROM:
			if (parse_from(cfg, v) != 0)
			{
				dunning_log(DLOG_ERROR, "config", "option", "smtp-from", "value", v,
							"msg", "expected addr@domain or 'Name <addr@domain>'", NULL);
				return -1;
			}
			return set_string(&cfg->smtp_from, v);
		case OPT_SMTP_CREDENTIALS_FILE:
			return set_string(&cfg->smtp_credentials_file, v);
		case OPT_SMTP_CA_FILE:
			return set_string(&cfg->smtp_ca_file, v);
		case OPT_SMS_URL:
			return check_url("sms-url", v, "http://", "https://") ? -1 : set_string(&cfg->sms_url, v);
		case OPT_SMS_TOKEN_FILE:
			return set_string(&cfg->sms_token_file, v);
		case OPT_WEBHOOK_URL:
			return check_url("webhook-url", v, "http://", "https://") ? -1 : set_string(&cfg->webhook_url, v);
		case OPT_WEBHOOK_TOKEN_FILE:
			return set_string(&cfg->webhook_token_file, v);
		case OPT_CHANNELS:
			return parse_channels(cfg, v);
		case OPT_TEST_TO:
			return set_address("test-to", &cfg->test_to, v, false);
		case OPT_TEST_SMS_TO:
			return set_address("test-sms-to", &cfg->test_sms_to, v, true);
		case OPT_RATE:
			return parse_rates(cfg, v);
		case OPT_CONCURRENCY:
			return parse_int("concurrency", v, 1, 16, &cfg->concurrency);
		case OPT_BATCH:
			return parse_int("batch", v, 1, 1000, &cfg->batch);
		case OPT_LEASE:
			return parse_int("lease", v, 10, 86400, &cfg->lease);
		case OPT_TIMEOUT:
			return parse_int("timeout", v, 1, 600, &cfg->timeout);
		case OPT_POLL:
			return parse_int("poll", v, 1, 3600, &cfg->poll);
		default:
			break;
	}
	return -2;
}

/* The options config_set does not cover. */
static int
config_set_more(Config *cfg, int opt, const char *v)
{
	switch (opt)
	{
		case OPT_MESSAGE_ID_DOMAIN:
			if (strspn(v, DOMAIN_CHARS) != strlen(v) || *v == '\0')
			{
				dunning_log(DLOG_ERROR, "config", "option", "message-id-domain", "value", v, "msg", "not a domain", NULL);
				return -1;
			}
			return set_string(&cfg->message_id_domain, v);
		case OPT_LOG_FORMAT:
			if (strcmp(v, "json") != 0 && strcmp(v, "logfmt") != 0)
			{
				dunning_log(DLOG_ERROR, "config", "option", "log-format", "value", v, "msg", "logfmt or json", NULL);
				return -1;
			}
			cfg->log_json = strcmp(v, "json") == 0;
			dunning_log_setup(cfg->log_json, cfg->verbose);
			return 0;
		case OPT_WORKER_NAME:
			if (strpbrk(v, "\r\n") != NULL)
				return -1;
			return set_string(&cfg->worker_name, v);
		default:
			break;
	}
	return -1;
}

static int
config_apply(Config *cfg, int opt, const char *v)
{
	int			rc = config_set(cfg, opt, v);

	return rc == -2 ? config_set_more(cfg, opt, v) : rc;
}

static void
config_defaults(Config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->concurrency = 1;
	cfg->batch = 50;
	cfg->lease = 300;
	cfg->timeout = 30;
	cfg->poll = 60;
}

int
dunning_config_parse_args(Config *cfg, int argc, char **argv, int *exit_code)
{
	int			c;

	config_defaults(cfg);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:vhV", long_options, NULL)) != -1)
	{
		switch (c)
		{
			case 'h':
				fputs(usage_text, stdout);
				*exit_code = 0;
				return -1;
			case 'V':
				puts("dunning-sender " DUNNING_SENDER_VERSION);
				*exit_code = 0;
				return -1;
			case 'd':
				cfg->dbname = optarg;
				break;
			case 'v':
				cfg->verbose = true;
				dunning_log_setup(cfg->log_json, true);
				break;
			case OPT_ONCE:
				cfg->once = true;
				break;
			case '?':
			case ':':
				fprintf(stderr, "dunning-sender: %s option %s\nTry \"dunning-sender --help\".\n",
						c == ':' ? "missing argument to" : "unknown", argv[optind - 1]);
				*exit_code = EXIT_USAGE;
				return -1;
			default:
				given[c] = true;
				if (config_apply(cfg, c, optarg) != 0)
				{
					*exit_code = EXIT_USAGE;
					return -1;
				}
		}
	}
	if (optind < argc)
	{
		fprintf(stderr, "dunning-sender: unexpected argument \"%s\"\nTry \"dunning-sender --help\".\n", argv[optind]);
		*exit_code = EXIT_USAGE;
		return -1;
	}
	return 0;
}

int
dunning_config_apply_setting(Config *cfg, const char *name, const char *value)
{
	int			i;

	for (i = 0; i < N_TABLE_OPTIONS; i++)
		if (strcmp(long_options[i].name, name) == 0)
		{
			if (given[long_options[i].val])
				return 0;
			return config_apply(cfg, long_options[i].val, value);
		}
	dunning_log(DLOG_WARN, "config", "setting", name, "msg", "unknown setting ignored", NULL);
	return 0;
}

/* Reads "key=value" lines of a secrets file; warns when others may read it. */
static int
read_secret_file(const char *path, const char *key1, char **val1, const char *key2, char **val2)
{
	FILE	   *f = fopen(path, "r");
	char		line[1024];
	struct stat st;

	if (f == NULL)
	{
		dunning_log(DLOG_ERROR, "config", "file", path, "msg", "cannot open", "error", strerror(errno), NULL);
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077) != 0)
		dunning_log(DLOG_WARN, "config", "file", path, "msg", "secrets file readable by group or others (chmod 600)", NULL);
	while (fgets(line, sizeof(line), f) != NULL)
	{
		char	   *eq = strchr(line, '=');

		line[strcspn(line, "\r\n")] = '\0';
		if (eq == NULL || line[0] == '#')
			continue;
		*eq = '\0';
		if (strcmp(line, key1) == 0)
			set_string(val1, eq + 1);
		else if (key2 != NULL && strcmp(line, key2) == 0)
			set_string(val2, eq + 1);
	}
	fclose(f);
	return 0;
}

static int
load_secrets(Config *cfg)
{
	const char *e;

	if (cfg->smtp_credentials_file != NULL)
	{
		if (read_secret_file(cfg->smtp_credentials_file, "user", &cfg->smtp_user, "password", &cfg->smtp_password) != 0)
			return -1;
	}
	else if ((e = getenv("DUNNING_SMTP_USER")) != NULL && *e != '\0')
	{
		set_string(&cfg->smtp_user, e);
		set_string(&cfg->smtp_password, getenv("DUNNING_SMTP_PASSWORD") ? getenv("DUNNING_SMTP_PASSWORD") : "");
	}
	if (cfg->sms_token_file != NULL)
	{
		if (read_secret_file(cfg->sms_token_file, "token", &cfg->sms_token, NULL, NULL) != 0)
			return -1;
	}
	else if ((e = getenv("DUNNING_SMS_TOKEN")) != NULL && *e != '\0')
		set_string(&cfg->sms_token, e);
	if (cfg->webhook_token_file != NULL)
	{
		if (read_secret_file(cfg->webhook_token_file, "token", &cfg->webhook_token, NULL, NULL) != 0)
			return -1;
	}
	else if ((e = getenv("DUNNING_WEBHOOK_TOKEN")) != NULL && *e != '\0')
		set_string(&cfg->webhook_token, e);
	return 0;
}

/* Channels handled: those asked for (each needs its transport) or all configured. */
static int
finish_channels(Config *cfg)
{
	const char *urls[N_TRANSPORTS] = {cfg->smtp_url, cfg->sms_url, cfg->webhook_url};
	unsigned	configured = 0;
	int			ch;

	for (ch = 0; ch < N_CHANNELS; ch++)
		if (urls[dunning_channel_transport(ch)] != NULL)
			configured |= 1u << ch;
	if (!given[OPT_CHANNELS] && cfg->channels == 0)
		cfg->channels = configured;
	for (ch = 0; ch < N_CHANNELS; ch++)
		if ((cfg->channels & (1u << ch)) && !(configured & (1u << ch)))
		{
			dunning_log(DLOG_ERROR, "config", "channel", dunning_channel_names[ch],
						"msg", "no transport configured for this channel (--smtp-url, --sms-url or --webhook-url)", NULL);
			return -1;
		}
	if (cfg->channels == 0)
	{
		dunning_log(DLOG_ERROR, "config",
					"msg", "nothing to deliver: give --smtp-url, --sms-url or --webhook-url (or set them in dunning.sender_setting)", NULL);
		return -1;
	}
	if ((cfg->channels & ((1u << CH_EMAIL) | (1u << CH_THANKS))) && cfg->smtp_from == NULL)
	{
		char		host[200] = "localhost";
		char		from[256];

		if (gethostname(host, sizeof(host) - 1) != 0 || *host == '\0' || strspn(host, DOMAIN_CHARS) != strlen(host))
			strcpy(host, "localhost");
		snprintf(from, sizeof(from), "dunning@%s", host);
		dunning_log(DLOG_WARN, "config", "msg", "no --smtp-from: e-mails go from this host's address", "from", from, NULL);
		if (config_apply(cfg, OPT_SMTP_FROM, from) != 0)
			return -1;
	}
	return 0;
}

/* A secret with a line break would end up in a protocol line. */
static bool
secrets_clean(const Config *cfg)
{
	const char *secrets[] = {cfg->smtp_user, cfg->smtp_password, cfg->sms_token, cfg->webhook_token};
	size_t		i;

	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (secrets[i] != NULL && strpbrk(secrets[i], "\r\n") != NULL)
		{
			dunning_log(DLOG_ERROR, "config", "msg", "a credential or token holds a line break", NULL);
			return false;
		}
	return true;
}

int
dunning_config_finish(Config *cfg)
{
	char		host[256];

	if (finish_channels(cfg) != 0 || load_secrets(cfg) != 0 || !secrets_clean(cfg))
		return -1;
	if (cfg->lease < cfg->timeout + 10)
	{
		dunning_log(DLOG_ERROR, "config", "msg", "--lease must exceed --timeout by at least 10 seconds", NULL);
		return -1;
	}
	if (cfg->message_id_domain == NULL)
	{
		const char *d = cfg->smtp_from != NULL ? strchr(cfg->smtp_from_addr, '@') + 1 : "";

		if (*d == '\0' || strspn(d, DOMAIN_CHARS) != strlen(d))
			d = "dunning.invalid";
		set_string(&cfg->message_id_domain, d);
	}
	if (cfg->worker_name == NULL)
	{
		char		name[400];

		if (gethostname(host, sizeof(host)) != 0)
			strcpy(host, "localhost");
		host[sizeof(host) - 1] = '\0';
		snprintf(name, sizeof(name), "dunning-sender@%s:%d", host, (int) getpid());
		set_string(&cfg->worker_name, name);
	}
	return 0;
}
