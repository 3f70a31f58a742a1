/*
 * lock_keys.h: the advisory-lock keys of the extension, defined once
 * (lock_keys.c), for C and, through dunning_internal.lock_key(job), SQL.
 */
#ifndef DUNNING_LOCK_KEYS_H
#define DUNNING_LOCK_KEYS_H

#include "postgres.h"

/* The key of a job run one at a time per database; ERROR for an unknown job. */
extern int64 dunning_lock_key(const char *job);

#endif
