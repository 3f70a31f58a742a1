/*
 * jsonid.h: the "id" of an HTTP provider's JSON answer.
 */
#ifndef DUNNING_SENDER_JSONID_H
#define DUNNING_SENDER_JSONID_H

#include <stddef.h>

/*
 * When s is a JSON object with a top-level member "id" whose value is a
 * string or a number, copies it (strings unescaped) into out and returns 1;
 * else returns 0 (also for anything that is not JSON).
 */
extern int	dunning_json_id(const char *s, char *out, size_t outsize);

#endif
