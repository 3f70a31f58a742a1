/*
 * main.c: dunning-sender, the delivery side of the dunning extension.
 *
 * Reads its settings (options, then dunning.sender_setting), starts
 * --concurrency workers per configured transport (SMTP for email and
 * thanks, the SMS URL for sms, the webhook for letter, legal, call and
 * task) and waits for them.  SIGTERM and SIGINT ask every worker to finish
 * the message in hand, give back the rest of its batch and stop.
 */
#include "config.h"
#include "db.h"
#include "log.h"
#include "ratelimit.h"
#include "sender.h"
#include "worker.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Settings from the database (notify channel, dunning.sender_setting). */
static int
load_database_settings(Config *cfg)
{
	PGconn	   *conn = dunning_db_connect(cfg, "main");
	int			rc;

	if (conn == NULL)
		return EXIT_RUNTIME;
	rc = dunning_db_read_settings(conn, cfg);
	PQfinish(conn);
	if (rc == DB_LOST || (rc == DB_ERROR && cfg->notify_channel == NULL))
		return EXIT_RUNTIME;
	return rc == 0 ? 0 : EXIT_USAGE;
}

static int
run_workers(const Config *cfg)
{
	Worker	   *workers = calloc(N_TRANSPORTS * (size_t) cfg->concurrency, sizeof(Worker));
	int			n = 0;
	int			code = 0;
	int			tr, i, ch;

	for (tr = 0; tr < N_TRANSPORTS; tr++)
	{
		unsigned	mine = 0;

		for (ch = 0; ch < N_CHANNELS; ch++)
			if ((cfg->channels & (1u << ch)) && dunning_channel_transport((Channel) ch) == (Transport) tr)
				mine |= 1u << ch;
		for (i = 0; mine != 0 && i < cfg->concurrency; i++, n++)
		{
			workers[n].cfg = cfg;
			workers[n].transport = (Transport) tr;
			workers[n].channels = mine;
			snprintf(workers[n].label, sizeof(workers[n].label), "%s-%d", dunning_transport_names[tr], i + 1);
			if (pthread_create(&workers[n].thread, NULL, dunning_worker_main, &workers[n]) != 0)
			{
				dunning_log(DLOG_ERROR, "start", "msg", "cannot start a worker thread", NULL);
				dunning_stop = 1;
				code = EXIT_RUNTIME;
				break;
			}
		}
	}
	for (i = 0; i < n; i++)
	{
		pthread_join(workers[i].thread, NULL);
		if (workers[i].exit_code > code)
			code = workers[i].exit_code;
	}
	free(workers);
	return code;
}

static void
log_start(const Config *cfg)
{
	char		channels[100] = "";
	int			ch;

	for (ch = 0; ch < N_CHANNELS; ch++)
		if (cfg->channels & (1u << ch))
			snprintf(channels + strlen(channels), sizeof(channels) - strlen(channels), "%s%s",
					 channels[0] ? "," : "", dunning_channel_names[ch]);
	dunning_log(DLOG_INFO, "start", "version", DUNNING_SENDER_VERSION, "mode", cfg->once ? "once" : "daemon",
				"channels", channels, "smtp_url", cfg->smtp_url, "sms_url", cfg->sms_url,
				"webhook_url", cfg->webhook_url, "test_to", cfg->test_to, "test_sms_to", cfg->test_sms_to,
				"worker", cfg->worker_name, NULL);
}

int
main(int argc, char **argv)
{
	Config		cfg;
	int			code = 0;

	if (dunning_config_parse_args(&cfg, argc, argv, &code) != 0)
		return code;
	if ((code = load_database_settings(&cfg)) != 0)
		return code;
	if (dunning_config_finish(&cfg) != 0)
		return EXIT_USAGE;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || dunning_setup_signals() != 0)
	{
		dunning_log(DLOG_ERROR, "start", "msg", "cannot initialise libcurl or signals", NULL);
		return EXIT_RUNTIME;
	}
	dunning_rate_setup(&cfg);
	log_start(&cfg);
	code = run_workers(&cfg);
	dunning_log(DLOG_INFO, "stop", "reason", dunning_stop ? "signal" : "done", NULL);
	curl_global_cleanup();
	return code;
}
