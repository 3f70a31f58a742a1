/*
 * textmatch.h -- helpers shared by the matching building blocks
 * (reference.c, textmatch.c).  Private to the extension.
 */
#ifndef DUNNING_TEXTMATCH_H
#define DUNNING_TEXTMATCH_H

/*
 * Is s[0..n-1] (letters and digits only, any case) an IBAN by shape and
 * mod 97, whatever its country's registered length?  Used to drop account
 * numbers from the candidate tokens of remittance text.
 */
extern bool dunning_iban_like(const char *s, int n);

/*
 * A materialized set-returning function of a scalar type (SETOF text): the
 * tuple descriptor comes from the executor's expected one.  Belongs in
 * compat.h next to DUNNING_INIT_SRF; defined here only until it is there.
 */
#ifndef DUNNING_INIT_SRF_SCALAR
#if PG_VERSION_NUM >= 150000
#define DUNNING_INIT_SRF_SCALAR(fcinfo) \
	InitMaterializedSRF((fcinfo), MAT_SRF_USE_EXPECTED_DESC)
#else
#define DUNNING_INIT_SRF_SCALAR(fcinfo) \
	SetSingleFuncCall((fcinfo), SRF_SINGLE_USE_EXPECTED)
#endif
#endif

#endif							/* DUNNING_TEXTMATCH_H */
