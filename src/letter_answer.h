/*
 * letter_answer.h -- candidate answers of the matcher (letter_answer.c):
 * how a payment is spent on a set of open items, with what confidence and
 * for what reason.
 */
#ifndef DUNNING_LETTER_ANSWER_H
#define DUNNING_LETTER_ANSWER_H

#include "letter_signals.h"

#define MAX_ANSWERS		12		/* candidate answers kept per payment */

/* Methods, as stored in letter.method / proposal.method. */
typedef enum Method
{
	M_REFERENCE,
	M_NUMBER,
	M_AMOUNT,
	M_COMBINATION
} Method;

/* The SQL name of each method. */
extern const char *const dunning_method_names[];

typedef struct Answer
{
	int32		customer;		/* customer index */
	int			n;
	int32		item[MAX_ANSWER_ITEMS];
	int64		settle[MAX_ANSWER_ITEMS];	/* units settled on each item */
	int64		write_off;		/* part of the last invoice written off */
	int64		used;			/* units of the payment used */
	float4		confidence;
	Method		method;
	char		reason[480];
} Answer;

/* One payment being matched, and the answers found so far. */
typedef struct MatchCtx
{
	const Store *st;
	const Payment *p;
	const Signals *sig;
	const Tolerances *tol;
	Answer		ans[MAX_ANSWERS];
	int			n;
} MatchCtx;

/* Confidences of an answer by how the payment fits its items. */
typedef struct Bases
{
	float4		exact;			/* the payment equals the net open amount */
	float4		fee;			/* short by at most the fee tolerance */
	float4		partial;		/* short by more */
	float4		over;			/* more than the net open amount */
} Bases;

/* Can the payment settle the item: still open, in the payment's currency? */
static inline bool
dunning_item_usable(const MatchCtx *cx, const OpenItem *it)
{
	return it->open > 0 && it->currency == cx->p->currency;
}

/*
 * The answer "the payment settles the items g[0..ng-1] of customer c",
 * scored from bases by how it fits, adjusted for the payer and the dates,
 * explained from evidence; added to cx unless rejected before or weaker
 * than an equal one.  g is reordered.
 */
extern void dunning_answer_for_items(MatchCtx *cx, int32 c, int32 *g, int ng, Method method,
									 Bases bases, const char *evidence);

/* Appends "; " and a formatted phrase to the answer's reason, room permitting. */
extern void dunning_reason_append(Answer *a, const char *fmt,...) pg_attribute_printf(2, 3);

#endif							/* DUNNING_LETTER_ANSWER_H */
