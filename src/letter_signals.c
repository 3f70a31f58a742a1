/*
 * letter_signals.c -- what one payment says (see letter_signals.h).
 *
 * Every signal a remittance carries is read before any answer is weighed:
 * the structured references of its reference field and text (check digits
 * verified), the candidate invoice-number tokens of its text, and the payer:
 * given with the payment, known by the IBAN it paid from (lettered
 * history), by its customer number quoted in the text, or by a name close
 * enough to one customer's and clearly closer than to any other's.
 */
#include "postgres.h"

#include "letter_signals.h"

#include "company_name.h"
#include "executor/spi.h"
#include "iban.h"

#define NAME_CANDIDATES 300		/* customers scored for one payer name */

const char	dunning_payments_select[] =
"SELECT p.payment_id, (p.amount * 10000)::int8, p.currency::text, p.received_on, p.customer_id,"
" p.payer_name, p.payer_iban, p.remittance_info, p.reference, ((p.amount - p.allocated_amount) * 10000)::int8"
" FROM ";

/* See letter_signals.h. */
void
dunning_read_payment(HeapTuple tup, TupleDesc desc, Payment *p, bool remaining)
{
	bool		isnull;
	char	   *c;

	p->id = dunning_spi_int8(tup, desc, 1, 0);
	p->amount = dunning_spi_int8(tup, desc, remaining ? 10 : 2, 0);
	c = dunning_spi_text(tup, desc, 3);
	strlcpy(p->currency_code, c, sizeof(p->currency_code));
	p->currency = dunning_pack_currency(p->currency_code);
	p->received = DatumGetDateADT(SPI_getbinval(tup, desc, 4, &isnull));
	p->customer_id = dunning_spi_int8(tup, desc, 5, 0);
	p->payer_name = dunning_spi_text(tup, desc, 6);
	p->payer_iban = dunning_spi_text(tup, desc, 7);
	p->remittance = dunning_spi_text(tup, desc, 8);
	p->reference = dunning_spi_text(tup, desc, 9);
}

/* The references of one text, each once across the payment's texts. */
static void
add_refs(Signals *sig, const char *s)
{
	DunningRef	found[MAX_REFS];
	int			n;

	if (s == NULL)
		return;
	n = dunning_extract_refs(s, Min((int) strlen(s), TEXT_CAP), found, MAX_REFS);
	for (int i = 0; i < n && sig->n_refs < MAX_REFS; i++)
	{
		bool		dup = false;

		for (int j = 0; j < sig->n_refs; j++)
			dup |= strcmp(sig->refs[j].norm, found[i].norm) == 0;
		if (!dup)
			sig->refs[sig->n_refs++] = found[i];
	}
}

/* The tokens of one text, each once across the payment's texts. */
static void
add_tokens(Signals *sig, const char *s)
{
	DunningToken found[MAX_TOKENS];
	int			n;

	if (s == NULL)
		return;
	n = dunning_remittance_tokens(s, Min((int) strlen(s), TEXT_CAP), found, MAX_TOKENS);
	for (int i = 0; i < n && sig->n_tokens < MAX_TOKENS; i++)
	{
		bool		dup = false;

		if (found[i].len == 0)
			continue;
		for (int j = 0; j < sig->n_tokens; j++)
			dup |= (sig->tokens[j].len == found[i].len &&
					memcmp(sig->tokens[j].norm, found[i].norm, found[i].len) == 0);
		if (!dup)
			sig->tokens[sig->n_tokens++] = found[i];
	}
}

/* See letter_signals.h. */
void
dunning_text_signals(const Payment *p, Signals *sig)
{
	memset(sig, 0, sizeof(Signals));
	sig->payer = -1;
	sig->payer_alt = -1;
	add_refs(sig, p->reference);
	add_refs(sig, p->remittance);
	add_tokens(sig, p->remittance);
	add_tokens(sig, p->reference);
	sig->text = p->remittance ? p->remittance : "";
	sig->text_len = Min((int) strlen(sig->text), TEXT_CAP);
}

/*
 * The customers whose name shares a word with the payer name, at most
 * NAME_CANDIDATES, in the order of the payer name's words and, per word,
 * of the customers.  A word too common names nobody.
 */
static int
name_candidates(const Store *st, const char *payer_name, int32 *cand)
{
	char		norm[512];
	int			len = dunning_normalize_name(payer_name, Min((int) strlen(payer_name), 1024), norm, sizeof(norm));
	int			start[DUNNING_NAME_WORDS_MAX],
				wlen[DUNNING_NAME_WORDS_MAX];
	int			n_w = dunning_name_words(norm, len, start, wlen);
	int			n_cand = 0;

	for (int w = 0; w < n_w; w++)
	{
		const WordEntry *e;

		if (dunning_store_common_word(st, norm + start[w], wlen[w]))
			continue;
		e = dunning_store_word(st, norm + start[w], wlen[w]);
		if (e == NULL || e->count > COMMON_WORD)
			continue;
		for (int k = e->first; k >= 0 && n_cand < NAME_CANDIDATES; k = st->postings[k].next)
		{
			bool		dup = false;

			for (int j = 0; j < n_cand && !dup; j++)
				dup = cand[j] == st->postings[k].customer;
			if (!dup)
				cand[n_cand++] = st->postings[k].customer;
		}
	}
	return n_cand;
}

/*
 * The payer by name: the candidate whose name is most like the payer
 * name, when at least 0.80 alike and 0.10 ahead of the next.
 */
static void
payer_by_name(const Store *st, const char *payer_name, Signals *sig)
{
	int32		cand[NAME_CANDIDATES];
	int			n_cand = name_candidates(st, payer_name, cand);
	float4		best = 0.0f,
				second = 0.0f;
	int32		best_c = -1,
				second_c = -1;

	for (int j = 0; j < n_cand; j++)
	{
		const Customer *c = &st->customers[cand[j]];
		float4		s = dunning_name_similarity(payer_name, Min((int) strlen(payer_name), 1024),
												c->name, strlen(c->name));

		if (s > best)
		{
			second = best;
			second_c = best_c;
			best = s;
			best_c = cand[j];
		}
		else if (s > second)
		{
			second = s;
			second_c = cand[j];
		}
	}
	if (best_c >= 0 && best >= 0.80f && best - second >= 0.10f)
	{
		sig->payer = best_c;
		sig->payer_how = PAYER_NAME;
		sig->payer_score = best;
		sig->payer_alt = second_c;
	}
}

/* The payer by the IBAN it paid from, when only one customer paid from it. */
static void
payer_by_iban(const Store *st, const char *payer_iban, Signals *sig)
{
	char		norm[DUNNING_IBAN_MAX + 1];
	int32		c;

	if (!dunning_iban_normalize(payer_iban, Min((int) strlen(payer_iban), 64), norm))
		return;
	c = dunning_store_iban_customer(st, norm);
	if (c >= 0)
	{
		sig->payer = c;
		sig->payer_how = PAYER_IBAN;
	}
}

/* The payer by its customer number quoted in the text: one customer, no other. */
static void
payer_by_number(const Store *st, Signals *sig)
{
	int32		found = -1;

	for (int t = 0; t < sig->n_tokens; t++)
	{
		int32		c = dunning_store_ext_ref_customer(st, sig->tokens[t].norm, sig->tokens[t].len);

		if (c == -2)
			continue;
		if (c == -1 || (found >= 0 && found != c))
		{
			found = -1;
			break;
		}
		found = c;
	}
	if (found >= 0)
	{
		sig->payer = found;
		sig->payer_how = PAYER_REF;
	}
}

/* See letter_signals.h. */
void
dunning_find_payer(const Store *st, const Payment *p, Signals *sig)
{
	if (p->customer_id != 0)
	{
		sig->payer = dunning_store_customer(st, p->customer_id);
		sig->payer_how = sig->payer >= 0 ? PAYER_GIVEN : PAYER_NONE;
	}
	if (sig->payer < 0 && p->payer_iban != NULL)
		payer_by_iban(st, p->payer_iban, sig);
	if (sig->payer < 0)
		payer_by_number(st, sig);
	if (sig->payer < 0 && p->payer_name != NULL && st->n_postings > 0)
		payer_by_name(st, p->payer_name, sig);
}
