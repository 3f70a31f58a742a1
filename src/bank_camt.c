/*
 * bank_camt.c -- camt.053 and camt.054 read from the stream of elements and
 * text of bank_xml.c (libxml2's SAX2 push parser), so a 100 MB file needs
 * the memory of one statement.  The version is the document's namespace
 * (urn:iso:std:iso:20022:tech:xsd:camt.05[34].001.NN); what differs between
 * versions (Dbtr/Nm or Dbtr/Pty/Nm, Sts or Sts/Cd, Amt under TxDtls or under
 * AmtDtls/TxAmt) is read in every form.
 *
 * The open elements are kept as arrays by depth and their path as one
 * string with an offset per depth: a field's path relative to its Ntry or
 * TxDtls is the path's tail.  Nesting deeper than MAX_DEPTH and element
 * texts longer than DUNNING_BANK_MAX_TEXT are refused; what bank_xml.c
 * refuses is in its header.
 */
#include "postgres.h"

#include "bank_camt.h"
#include "bank_xml.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "quote.h"
#include "utils/memutils.h"

#define MAX_DEPTH 40
#define NS_PREFIX "urn:iso:std:iso:20022:tech:xsd:camt.05"

/* What an element is the innermost of. */
typedef enum Anchor
{
	IN_NONE, IN_STMT, IN_BAL, IN_NTRY, IN_TX
} Anchor;

/* An element path written out for BankPlace, and the names it was written from. */
#define N_PLACE_PATHS 4
typedef struct PlacePath
{
	int			depth;
	const char *names[MAX_DEPTH];
	const char *path;			/* NULL: none yet */
} PlacePath;

typedef struct Camt
{
	const char *want;
	const char *format;
	char		version[8];
	const char *stmt_tag;		/* Stmt, Ntfctn */
	int			depth;
	int			base;			/* the depth of Document (> 0 in an envelope) */
	bool		any_element;
	const char *names[MAX_DEPTH];
	char	   *ccy[MAX_DEPTH];		/* Ccy attribute of an Amt */
	Anchor		anchor[MAX_DEPTH];
	int			inner[MAX_DEPTH];	/* the depth of the innermost anchor at or above, -1 */
	int			lines[MAX_DEPTH];	/* the line each element starts on */
	StringInfoData full;		/* "/Document/.../Name" of the open elements */
	int			off[MAX_DEPTH];	/* full's length before each element's "/Name" */
	StringInfoData text;
	int			last_line;		/* the line the last element started on */
	MemoryContext stmt_cxt;
	BankStatement *st;
	BankEntry  *en;
	BankTxn    *tx;
	int			n_stmt;
	int			n_ntry;
	/* a balance being read */
	char	   *bal_code;
	char	   *bal_amount;
	bool		bal_debit;
	DateADT		bal_on;
	bool		has_bal_on;
	/* the parties of a transaction, chosen at its end */
	char	   *dbtr_name;
	char	   *dbtr_iban;
	char	   *cdtr_name;
	char	   *cdtr_iban;
	char	   *ultimate;
	char	   *addtl;			/* AddtlTxInf: the remittance when RmtInf gives none */
	StringInfoData remit;
	StringInfoData code;
	/* the element paths of the places taken (place_of) in this statement */
	PlacePath	places[N_PLACE_PATHS];
	int			next_place;
	BankEmit	emit;
	void	   *arg;
} Camt;

/* The line the innermost open element starts on, else the last one's. */
static int
line_at(Camt *c)
{
	return c->depth > 0 ? c->lines[c->depth - 1] : c->last_line;
}

/* "/Document/.../Name (line n)": where the reader stands (palloc'd). */
static const char *
here(Camt *c)
{
	BankPlace	p = {c->full.data, c->n_stmt, c->n_stmt > 0 ? c->n_ntry : 0, line_at(c), true};

	return dunning_bank_place(&p);
}

/*
 * Where the reader stands, kept for an error after the element is read
 * (BankPlace): its path is written once while the same elements stand open,
 * as every Ntry of a statement has one path (libxml2 gives the names from
 * its dictionary, one pointer per name).
 */
static BankPlace
place_of(Camt *c)
{
	BankPlace	p = {0};
	PlacePath  *pp = NULL;

	for (int k = 0; k < N_PLACE_PATHS && pp == NULL; k++)
		if (c->places[k].path && c->places[k].depth == c->depth &&
			memcmp(c->places[k].names, c->names, c->depth * sizeof(c->names[0])) == 0)
			pp = &c->places[k];
	if (pp == NULL)
	{
		pp = &c->places[c->next_place++ % N_PLACE_PATHS];
		pp->path = MemoryContextStrdup(c->stmt_cxt, c->full.data);
		pp->depth = c->depth;
		memcpy(pp->names, c->names, c->depth * sizeof(c->names[0]));
	}
	p.text = pp->path;
	p.stmt = c->n_stmt;
	p.entry = c->n_stmt > 0 ? c->n_ntry : 0;
	p.line = line_at(c);
	p.numbered = true;
	return p;
}

/* The element's text as an amount; refused where the reader stands. */
static char *
amount_at(Camt *c)
{
	char	   *a = dunning_bank_amount(c->text.data);

	if (a == NULL)
		dunning_bank_refuse(here(c), psprintf("\"%s\" is not an amount",
											  dunning_clip(c->text.data, c->text.len, DUNNING_QUOTE_MAX)));
	return a;
}

/* The element's text as a date (YYYY-MM-DD, or a DtTm); refused where the reader stands. */
static DateADT
date_at(Camt *c)
{
	DateADT		d;

	if (!dunning_bank_iso_date(c->text.data, &d))
		dunning_bank_refuse(here(c), psprintf("\"%s\" is not a date (YYYY-MM-DD)",
											  dunning_clip(c->text.data, c->text.len, DUNNING_QUOTE_MAX)));
	return d;
}

/* s as a currency code; refused where the reader stands. */
static char *
currency_at(Camt *c, char *s)
{
	if (dunning_bank_currency(s) == NULL)
		dunning_bank_refuse(here(c), psprintf("\"%s\" is not a currency code",
											  s ? dunning_clip(s, strlen(s), DUNNING_QUOTE_MAX) : ""));
	return s;
}

/*
 * The element path from the innermost anchor above the current element to
 * it ("RltdPties/Dbtr/Nm" in a TxDtls): the end of full.
 */
static const char *
rel_path(Camt *c)
{
	int			k = c->inner[c->depth - 1];

	return k < 0 ? c->full.data : c->full.data + c->off[k + 1] + 1;
}

/* The innermost anchor around the current element (the element itself included). */
static Anchor
innermost(Camt *c)
{
	int			k = c->depth > 0 ? c->inner[c->depth - 1] : -1;

	return k < 0 ? IN_NONE : c->anchor[k];
}

/* Refused: not a camt document this reader knows (detail says what was found). */
static void
refuse_not_camt(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("bank file refused: not a camt.053 or camt.054 document of a known version"),
			 errdetail_internal("%s", detail),
			 errhint("Versions camt.053.001.01 to .13 and camt.054.001.01 to .13 are read.")));
}

/* The document element (named Document): its namespace says the message and its version. */
static void
check_document(Camt *c, const char *name, const char *ns)
{
	size_t		n = strlen(NS_PREFIX);
	char		kind;

	if (ns == NULL || strncmp(ns, NS_PREFIX, n) != 0 ||
		(ns[n] != '3' && ns[n] != '4') || strncmp(ns + n + 1, ".001.", 5) != 0 ||
		!isdigit((unsigned char) ns[n + 6]) || !isdigit((unsigned char) ns[n + 7]) || ns[n + 8] != '\0' ||
		atoi(ns + n + 6) < 1 || atoi(ns + n + 6) > 13)
		refuse_not_camt(psprintf("The document element is %s in namespace \"%s\".",
								 dunning_clip(name, strlen(name), 60),
								 ns ? dunning_clip(ns, strlen(ns), DUNNING_QUOTE_MAX) : ""));
	kind = ns[n];
	c->format = kind == '3' ? "camt.053" : "camt.054";
	c->stmt_tag = kind == '3' ? "Stmt" : "Ntfctn";
	strlcpy(c->version, ns + n + 2, sizeof(c->version));
	if (c->want && strcmp(c->want, c->format) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bank file refused: it is a %s document, not %s", c->format, c->want)));
}

/* A new element (bank_xml.h): push it, and open what it starts. */
static void
on_start(void *arg, const char *name, const char *ns, int n_attrs, const unsigned char **attrs, int line)
{
	Camt	   *c = (Camt *) arg;
	Anchor		in = innermost(c);
	Anchor		a = IN_NONE;

	if (c->depth >= MAX_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("bank file refused at %s: elements nested deeper than %d", here(c), MAX_DEPTH)));
	c->any_element = true;
	if (c->format == NULL && strcmp(name, "Document") == 0 && c->depth <= 3)
	{
		/*
		 * The document element, at the root or in a business-message
		 * envelope (<message><AppHdr/><Document>, BizMsgEnvlp): a root of
		 * another name is read as an envelope, whose other elements are
		 * left aside; no Document in it is refused at the end.
		 */
		check_document(c, name, ns);
		c->base = c->depth;
	}
	if (c->format == NULL)
		;						/* an envelope's own elements */
	else if (c->depth == c->base + 2 && strcmp(name, c->stmt_tag) == 0)
	{
		MemoryContextReset(c->stmt_cxt);
		memset(c->places, 0, sizeof(c->places));
		c->st = MemoryContextAllocZero(c->stmt_cxt, sizeof(BankStatement));
		c->st->format = c->format;
		c->st->version = pstrdup(c->version);
		c->n_stmt++;
		c->n_ntry = 0;
		a = IN_STMT;
	}
	else if (in == IN_STMT && c->depth == c->base + 3 && strcmp(name, "Bal") == 0)
	{
		c->bal_code = c->bal_amount = NULL;
		c->bal_debit = c->has_bal_on = false;
		a = IN_BAL;
	}
	else if (in == IN_STMT && c->depth == c->base + 3 && strcmp(name, "Ntry") == 0)
	{
		c->en = MemoryContextAllocZero(c->stmt_cxt, sizeof(BankEntry));
		c->en->booked = true;
		c->n_ntry++;
		a = IN_NTRY;
	}
	else if (in == IN_NTRY && strcmp(name, "TxDtls") == 0)
	{
		c->tx = MemoryContextAllocZero(c->stmt_cxt, sizeof(BankTxn));
		c->dbtr_name = c->dbtr_iban = c->cdtr_name = c->cdtr_iban = c->ultimate = c->addtl = NULL;
		resetStringInfo(&c->remit);
		a = IN_TX;
	}
	c->names[c->depth] = name;
	c->anchor[c->depth] = a;
	c->inner[c->depth] = a != IN_NONE ? c->depth : (c->depth > 0 ? c->inner[c->depth - 1] : -1);
	c->lines[c->depth] = c->last_line = line;
	c->off[c->depth] = c->full.len;
	appendStringInfoChar(&c->full, '/');
	appendStringInfoString(&c->full, name);
	c->ccy[c->depth] = NULL;
	c->depth++;
	resetStringInfo(&c->text);
	if (strcmp(name, "Amt") == 0)
	{
		MemoryContext old = MemoryContextSwitchTo(c->stmt_cxt);
		char	   *ccy = dunning_bank_xml_attribute(n_attrs, attrs, "Ccy");

		if (ccy)
			c->ccy[c->depth - 1] = currency_at(c, ccy);
		MemoryContextSwitchTo(old);
	}
}

/* The text of the element that ends, cleaned; NULL when empty. */
static char *
value(Camt *c)
{
	return dunning_bank_clean(c->text.data);
}

/* The statement's own elements. */
static void
end_stmt_field(Camt *c, const char *p)
{
	BankStatement *st = c->st;

	if (strcmp(p, "Id") == 0)
		st->statement_ref = value(c);
	else if (strcmp(p, "ElctrncSeqNb") == 0)
		st->sequence_no = value(c);
	else if (strcmp(p, "LglSeqNb") == 0 && st->sequence_no == NULL)
		st->sequence_no = value(c);
	else if (strcmp(p, "FrToDt/FrDtTm") == 0)
	{
		st->from_on = date_at(c);
		st->has_from_on = true;
	}
	else if (strcmp(p, "FrToDt/ToDtTm") == 0)
	{
		st->to_on = date_at(c);
		st->has_to_on = true;
	}
	else if (strcmp(p, "Acct/Id/IBAN") == 0)
		st->account_iban = value(c);
	else if (strcmp(p, "Acct/Id/Othr/Id") == 0)
		st->account_id = value(c);
	else if (strcmp(p, "Acct/Ccy") == 0)
		st->currency = currency_at(c, value(c));
}

/* A balance's elements. */
static void
end_bal_field(Camt *c, const char *p)
{
	if (strcmp(p, "Tp/CdOrPrtry/Cd") == 0 || strcmp(p, "Tp/Cd") == 0)
		c->bal_code = value(c);
	else if (strcmp(p, "Amt") == 0)
	{
		c->bal_amount = amount_at(c);
		if (c->st->currency == NULL && c->ccy[c->depth - 1])
			c->st->currency = c->ccy[c->depth - 1];
	}
	else if (strcmp(p, "CdtDbtInd") == 0)
		c->bal_debit = c->text.len > 0 && strstr(c->text.data, "DBIT") != NULL;
	else if (strcmp(p, "Dt/Dt") == 0 || strcmp(p, "Dt/DtTm") == 0)
	{
		c->bal_on = date_at(c);
		c->has_bal_on = true;
	}
}

/* The end of a balance: the opening (OPBD, else PRCD) or the closing (CLBD) one. */
static void
end_bal(Camt *c)
{
	BankStatement *st = c->st;
	char	   *signed_amount;

	if (c->bal_code == NULL || c->bal_amount == NULL)
		return;
	signed_amount = c->bal_debit ? psprintf("-%s", c->bal_amount) : c->bal_amount;
	if (strcmp(c->bal_code, "OPBD") == 0 || (strcmp(c->bal_code, "PRCD") == 0 && st->opening == NULL))
	{
		st->opening = signed_amount;
		st->opening_on = c->bal_on;
		st->has_opening_on = c->has_bal_on;
	}
	else if (strcmp(c->bal_code, "CLBD") == 0)
	{
		st->closing = signed_amount;
		st->closing_on = c->bal_on;
		st->has_closing_on = c->has_bal_on;
	}
}

/* An entry's own elements. */
static void
end_ntry_field(Camt *c, const char *p)
{
	BankEntry  *en = c->en;

	if (strcmp(p, "Amt") == 0)
	{
		en->amount = amount_at(c);
		en->currency = c->ccy[c->depth - 1];
	}
	else if (strcmp(p, "CdtDbtInd") == 0)
		en->credit = strcmp(c->text.data, "CRDT") == 0;
	else if (strcmp(p, "RvslInd") == 0)
		en->reversal = strcmp(c->text.data, "true") == 0 || strcmp(c->text.data, "1") == 0;
	else if ((strcmp(p, "Sts") == 0 && c->text.len > 0) || strcmp(p, "Sts/Cd") == 0)
		en->booked = strcmp(c->text.data, "BOOK") == 0;
	else if (strcmp(p, "BookgDt/Dt") == 0 || strcmp(p, "BookgDt/DtTm") == 0)
	{
		en->booked_on = date_at(c);
		en->has_booked_on = true;
	}
	else if (strcmp(p, "ValDt/Dt") == 0 || strcmp(p, "ValDt/DtTm") == 0)
	{
		en->value_on = date_at(c);
		en->has_value_on = true;
	}
	else if (strcmp(p, "AcctSvcrRef") == 0)
		en->bank_ref = value(c);
	else if (strcmp(p, "BkTxCd/Domn/Cd") == 0 || strcmp(p, "BkTxCd/Domn/Fmly/Cd") == 0 ||
			 strcmp(p, "BkTxCd/Domn/Fmly/SubFmlyCd") == 0 || strcmp(p, "BkTxCd/Prtry/Cd") == 0)
		dunning_bank_append(&c->code, "-", c->text.data, "BkTxCd");
	else if (strcmp(p, "AddtlNtryInf") == 0)
		en->info = value(c);
}

/* A transaction's parties and remittance. */
static bool
end_tx_party(Camt *c, const char *p)
{
	if (strcmp(p, "RltdPties/Dbtr/Nm") == 0 || strcmp(p, "RltdPties/Dbtr/Pty/Nm") == 0)
		c->dbtr_name = value(c);
	else if (strcmp(p, "RltdPties/Cdtr/Nm") == 0 || strcmp(p, "RltdPties/Cdtr/Pty/Nm") == 0)
		c->cdtr_name = value(c);
	else if (strcmp(p, "RltdPties/UltmtDbtr/Nm") == 0 || strcmp(p, "RltdPties/UltmtDbtr/Pty/Nm") == 0)
		c->ultimate = value(c);
	else if (strcmp(p, "RltdPties/DbtrAcct/Id/IBAN") == 0)
		c->dbtr_iban = value(c);
	else if (strcmp(p, "RltdPties/CdtrAcct/Id/IBAN") == 0)
		c->cdtr_iban = value(c);
	else if (strcmp(p, "RmtInf/Ustrd") == 0 || strcmp(p, "RmtInf/Strd/RfrdDocInf/Nb") == 0 ||
			 strcmp(p, "RmtInf/Strd/AddtlRmtInf") == 0)
		dunning_bank_append(&c->remit, " ", c->text.data, "a remittance text (RmtInf)");
	else if (strcmp(p, "RmtInf/Strd/CdtrRefInf/Ref") == 0)
	{
		/* of several documents paid, the first's (the invoice before the credit notes netted) */
		if (c->tx->structured_ref == NULL)
			c->tx->structured_ref = value(c);
	}
	else
		return false;
	return true;
}

/* A transaction's own elements. */
static void
end_tx_field(Camt *c, const char *p)
{
	BankTxn    *tx = c->tx;

	if (end_tx_party(c, p))
		return;
	if (strcmp(p, "Refs/EndToEndId") == 0)
	{
		tx->end_to_end_id = value(c);
		if (dunning_bank_not_provided(tx->end_to_end_id))
			tx->end_to_end_id = NULL;
	}
	else if (strcmp(p, "Refs/AcctSvcrRef") == 0 || (strcmp(p, "Refs/TxId") == 0 && tx->txn_ref == NULL))
		tx->txn_ref = value(c);
	else if (strcmp(p, "Amt") == 0 || (strcmp(p, "AmtDtls/TxAmt/Amt") == 0 && tx->amount == NULL))
	{
		tx->amount = amount_at(c);
		tx->currency = c->ccy[c->depth - 1];
	}
	else if (strcmp(p, "CdtDbtInd") == 0)
	{
		tx->credit = strcmp(c->text.data, "CRDT") == 0;
		tx->has_sign = true;
	}
	else if (strcmp(p, "RtrInf/Rsn/Cd") == 0 || (strcmp(p, "RtrInf/Rsn/Prtry") == 0 && tx->return_reason == NULL))
		tx->return_reason = value(c);
	else if (strncmp(p, "RtrInf", 6) == 0)
		tx->returned = true;
	else if (strcmp(p, "AddtlTxInf") == 0 && c->addtl == NULL)
		c->addtl = value(c);
}

/* The end of a transaction: its counterparty is the debtor of a credit, the creditor of a debit. */
static void
end_tx(Camt *c)
{
	BankTxn    *tx = c->tx;
	bool		credit = tx->has_sign ? tx->credit : c->en->credit;

	tx->name = credit ? (c->dbtr_name ? c->dbtr_name : c->ultimate) : c->cdtr_name;
	tx->iban = credit ? c->dbtr_iban : c->cdtr_iban;
	/* the other side, should the entry's sign be the one that counts (end_ntry) */
	tx->other_name = credit ? c->cdtr_name : (c->dbtr_name ? c->dbtr_name : c->ultimate);
	tx->other_iban = credit ? c->cdtr_iban : c->dbtr_iban;
	tx->remittance = c->remit.len > 0 ? dunning_bank_clean(c->remit.data) : c->addtl;
	if (tx->return_reason)
		tx->returned = true;
	tx->where = place_of(c);
	c->en->txns = lappend(c->en->txns, tx);
	c->tx = NULL;
}

/* The end of an entry: checked, and kept when booked. */
static void
end_ntry(Camt *c)
{
	BankEntry  *en = c->en;

	en->where = place_of(c);
	if (!en->booked)
	{
		/* pending or information only (Sts PDNG, INFO): not read further */
		resetStringInfo(&c->code);
		c->en = NULL;
		return;
	}
	if (en->amount == NULL)
		dunning_bank_refuse(dunning_bank_place(&en->where), "the entry has no amount (Amt)");
	if (!en->has_booked_on && !en->has_value_on)
		dunning_bank_refuse(dunning_bank_place(&en->where), "the entry has no booking date (BookgDt)");
	if (!en->has_booked_on)
		en->booked_on = en->value_on;
	if (c->code.len > 0)
		en->bank_code = pstrdup(c->code.data);
	resetStringInfo(&c->code);
	if (en->txns == NIL)
	{
		BankTxn    *tx = palloc0(sizeof(BankTxn));

		tx->remittance = en->info;
		tx->where = en->where;
		en->txns = list_make1(tx);
	}
	if (list_length(en->txns) == 1)
	{
		/*
		 * A lone transaction has the entry's amount and sign (bank_import.c):
		 * details that say the other sign name the parties from that side.
		 * A return or reversal keeps the original payment's parties: its
		 * payer is the counterparty (bank.sql return_payment matches on it).
		 */
		BankTxn    *tx = linitial(en->txns);
		bool		side = tx->has_sign ? tx->credit : en->credit;	/* the side end_tx named */
		bool		undoing = tx->returned || en->reversal;	/* end_tx: a reason makes it returned */

		/*
		 * A return or reversal names the original payment's party: the one
		 * of the sign opposite to the entry's (a returned credit's payer).
		 */
		if ((undoing ? side == en->credit : side != en->credit) && (tx->other_name || tx->other_iban))
		{
			tx->name = tx->other_name;
			tx->iban = tx->other_iban;
		}
	}
	c->st->entries = lappend(c->st->entries, en);
	c->en = NULL;
}

/* The end of a statement: checked and handed over. */
static void
end_stmt(Camt *c)
{
	BankStatement *st = c->st;

	st->where = place_of(c);
	c->emit(st, c->arg);
	c->st = NULL;
}

/* An element ends: what it held goes where it belongs. */
static void
on_end(void *arg)
{
	Camt	   *c = (Camt *) arg;
	MemoryContext old = MemoryContextSwitchTo(c->stmt_cxt);
	Anchor		a = c->anchor[c->depth - 1];
	Anchor		in = innermost(c);

	if (a == IN_TX)
		end_tx(c);
	else if (a == IN_NTRY)
		end_ntry(c);
	else if (a == IN_BAL)
		end_bal(c);
	else if (a == IN_STMT)
		end_stmt(c);
	else if (in == IN_TX)
		end_tx_field(c, rel_path(c));
	else if (in == IN_NTRY)
		end_ntry_field(c, rel_path(c));
	else if (in == IN_BAL)
		end_bal_field(c, rel_path(c));
	else if (in == IN_STMT)
		end_stmt_field(c, rel_path(c));
	MemoryContextSwitchTo(old);
	c->depth--;
	c->full.len = c->off[c->depth];
	c->full.data[c->full.len] = '\0';
	resetStringInfo(&c->text);
}

/* A text node of the element open (UTF-8), in the server's encoding, bounded. */
static void
on_text(void *arg, const char *t, int len)
{
	Camt	   *c = (Camt *) arg;
	char	   *s;

	if (c->depth == 0)
		return;
	if (c->text.len + len > DUNNING_BANK_MAX_TEXT)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("bank file refused at %s: element text longer than %d bytes", here(c),
						DUNNING_BANK_MAX_TEXT)));
	s = pg_any_to_server(t, len, PG_UTF8);
	if (s != t)
	{
		appendStringInfoString(&c->text, s);
		pfree(s);
	}
	else
		appendBinaryStringInfo(&c->text, t, len);
}

/* where() of bank_xml.h. */
static const char *
where(void *arg)
{
	return here((Camt *) arg);
}

static const BankXmlReader camt_reader = {on_start, on_end, on_text, where};

/* See bank_camt.h. */
void
dunning_camt_read(const char *data, int len, const char *want, const char *encoding, BankEmit emit, void *arg)
{
	Camt	   *c = palloc0(sizeof(Camt));

	c->want = want;
	c->emit = emit;
	c->arg = arg;
	initStringInfo(&c->text);
	initStringInfo(&c->full);
	initStringInfo(&c->remit);
	initStringInfo(&c->code);
	c->stmt_cxt = AllocSetContextCreate(CurrentMemoryContext, "camt statement", ALLOCSET_DEFAULT_SIZES);
	dunning_bank_xml_read(data, len, encoding, &camt_reader, c);
	if (c->format == NULL && c->any_element)
		refuse_not_camt("No element Document in a camt namespace was found.");
	if (c->format == NULL)
		dunning_bank_refuse("the start", "the file is empty");
	if (c->n_stmt == 0)
		dunning_bank_refuse("the end of the document", "it holds no statement (Stmt) or notification (Ntfctn)");
	MemoryContextDelete(c->stmt_cxt);
}
