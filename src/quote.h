/*
 * quote.h -- user input quoted in error messages, cut to a readable length.
 */
#ifndef DUNNING_QUOTE_H
#define DUNNING_QUOTE_H

/* At most this many characters of an input value go into an error message. */
#define DUNNING_QUOTE_MAX 100

/*
 * The first max bytes of s (len bytes, not necessarily terminated), cut on
 * a character boundary, "..." appended when cut; palloc'd.
 */
extern char *dunning_clip(const char *s, int len, int max);

#endif							/* DUNNING_QUOTE_H */
