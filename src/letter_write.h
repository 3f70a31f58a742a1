/*
 * letter_write.h -- writing a batch of lettering decisions and proposals
 * (letter_write.c).
 */
#ifndef DUNNING_LETTER_WRITE_H
#define DUNNING_LETTER_WRITE_H

#include "letter_answer.h"
#include "portability/instr_time.h"

/* A payment lettered: its best answer. */
typedef struct Decision
{
	int64		payment_id;
	char		currency[4];
	Answer		a;
} Decision;

/* One answer proposed to a human for a payment left unsure. */
typedef struct ProposalRow
{
	int64		payment_id;
	char		currency[4];
	int			rank;
	Answer		a;
} ProposalRow;

/* What one batch of payments decided. */
typedef struct Batch
{
	Decision   *dec;
	int			n_dec;
	ProposalRow *prop;
	int			n_prop;
	int64	   *examined;		/* payment ids whose pending proposals are replaced */
	int			n_examined;
} Batch;

/* What a run did, and where its time went (for the DEBUG1 report). */
typedef struct Totals
{
	int64		examined;
	int64		lettered;
	int64		proposed;
	int128		amount_units;	/* sums of many payments: 128 bits */
	int64		write_offs;
	int128		write_off_units;
	instr_time	match;
	instr_time	lock;
	instr_time	letters;
	instr_time	allocations;
	instr_time	proposals;
} Totals;

/*
 * Writes a batch: locks the rows it touches and drops the decisions that no
 * longer fit, then letters, allocations and write-offs of the decisions,
 * then replaces the examined payments' pending proposals by the batch's.
 */
extern void dunning_write_batch(Store *st, Batch *b, Totals *tot);

#endif							/* DUNNING_LETTER_WRITE_H */
