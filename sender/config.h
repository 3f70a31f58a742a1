/*
 * config.h: settings of dunning-sender from the command line, the table
 * dunning.sender_setting (the command line wins) and, for secrets, files or
 * the environment only.
 */
#ifndef DUNNING_SENDER_CONFIG_H
#define DUNNING_SENDER_CONFIG_H

#include "sender.h"

/*
 * Parses argv into cfg.  Returns -1 when the program should exit with
 * *exit_code (help, version, usage errors), else 0.
 */
extern int	dunning_config_parse_args(Config *cfg, int argc, char **argv, int *exit_code);

/* Applies one row of dunning.sender_setting unless its option was given. */
extern int	dunning_config_apply_setting(Config *cfg, const char *name, const char *value);

/* Checks the whole and loads credentials; -1 (message logged) when unusable. */
extern int	dunning_config_finish(Config *cfg);

#endif
