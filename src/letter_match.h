/*
 * letter_match.h -- the matcher (letter_match.c): every candidate answer
 * for one payment, best first.
 */
#ifndef DUNNING_LETTER_MATCH_H
#define DUNNING_LETTER_MATCH_H

#include "letter_answer.h"

/*
 * Fills cx->ans[0..cx->n-1] with the answers for cx->p, best first; two
 * answers about equally good are both capped at 0.80 (do not guess).
 * cx->st, cx->p, cx->sig and cx->tol must be set.
 */
extern void dunning_match_payment(MatchCtx *cx);

#endif							/* DUNNING_LETTER_MATCH_H */
