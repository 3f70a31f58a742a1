/*
 * sms.h -- one SMS (sms.c).
 */
#ifndef DUNNING_SMS_H
#define DUNNING_SMS_H

#include "postgres.h"
#include "lib/stringinfo.h"

/* SMS lengths: one GSM 03.38 message (septets), or one UCS-2 message. */
#define DUNNING_SMS_GSM_CHARS	160
#define DUNNING_SMS_UCS2_CHARS	70

/*
 * Makes s one SMS: runs of blanks become one blank, and a text longer than
 * one message is cut (at a blank when one is near) and ends with "...".
 */
extern void dunning_fit_sms(StringInfo s);

#endif							/* DUNNING_SMS_H */
