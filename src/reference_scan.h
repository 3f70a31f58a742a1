/*
 * reference_scan.h -- structured references found in free text
 * (reference_scan.c), for the lettering engine.
 */
#ifndef DUNNING_REFERENCE_SCAN_H
#define DUNNING_REFERENCE_SCAN_H

#include "reference.h"

/* One reference found: its normalised form and scheme. */
typedef struct DunningRef
{
	char		norm[DUNNING_REF_MAX + 1];	/* normalised, NUL-terminated */
	RefScheme	scheme;
} DunningRef;

/*
 * The structured references of s[0..n-1] (check digits verified), left to
 * right, at most max of them; returns how many.
 */
extern int	dunning_extract_refs(const char *s, int n, DunningRef *out, int max);

#endif							/* DUNNING_REFERENCE_SCAN_H */
