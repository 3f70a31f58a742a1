/*
 * bank_xml.c -- a bank file's XML read as a stream (bank_xml.h) with
 * libxml2's SAX2 push parser, fed 64 kB at a time: memory holds the open
 * elements and one text node, never the document's tree.
 *
 * Hostile documents: the parser never fetches anything (XML_PARSE_NONET),
 * loads no DTD and substitutes no entity; a DOCTYPE (so any entity
 * declaration) or an entity reference is refused from the callback libxml2
 * makes for it; a blank run of text is not kept past the text limit.
 * libxml2's own errors are collected by a structured handler and reported
 * after the parser returns.  An error of the reader's (or ours) inside a
 * callback is caught there, stops the parser, and is thrown again once
 * xmlParseChunk has returned: nothing is ever thrown through libxml2.
 */
#include "postgres.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>

#include "bank_model.h"
#include "bank_xml.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"

#define CHUNK (64 * 1024)

typedef struct Stream
{
	xmlParserCtxtPtr ctxt;
	const BankXmlReader *reader;
	void	   *arg;
	ErrorData  *error;			/* thrown in a callback */
	StringInfoData run;			/* character data since the last mark */
	bool		run_blank;
	char		xml_error[256];	/* libxml2's first error, its first line */
	int			xml_line;
} Stream;

/* libxml2's error handler: keeps the first error; reported by check_parse. */
static void
on_xml_error(void *arg, xmlErrorPtr err)
{
	Stream	   *s = (Stream *) arg;
	int			n;

	if (s->xml_error[0] != '\0' || err == NULL || err->level < XML_ERR_ERROR)
		return;
	strlcpy(s->xml_error, err->message ? err->message : "error", sizeof(s->xml_error));
	/* its first line, without a character cut short (it may quote the document) */
	n = strcspn(s->xml_error, "\n");
	s->xml_error[pg_encoding_verifymbstr(GetDatabaseEncoding(), s->xml_error, n)] = '\0';
	s->xml_line = err->line;
}

/* The character data since the last mark, as one text node: handed over unless blank. */
static void
flush_run(Stream *s)
{
	if (s->run.len > 0 && !s->run_blank)
		s->reader->text(s->arg, s->run.data, s->run.len);
	resetStringInfo(&s->run);
	s->run_blank = true;
}

/* Character data into the run, kept up to one byte past the text limit (the reader refuses more). */
static void
add_chars(Stream *s, const xmlChar *t, int len)
{
	for (int i = 0; i < len && s->run_blank; i++)
		s->run_blank = t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r';
	if (s->run.len <= DUNNING_BANK_MAX_TEXT)
		appendBinaryStringInfo(&s->run, (const char *) t, Min(len, DUNNING_BANK_MAX_TEXT + 1 - s->run.len));
}

/* What libxml2 calls back with, for on_event. */
typedef enum EventKind
{
	EV_START,					/* an element starts: name, ns, attributes */
	EV_END,						/* an element ends */
	EV_CHARS,					/* character data: text, len */
	EV_CDATA,					/* a CDATA section: text, len */
	EV_MARK,					/* a comment or processing instruction */
	EV_DTD						/* a DOCTYPE or an entity reference */
} EventKind;

typedef struct Event
{
	EventKind	kind;
	const char *name;
	const char *ns;
	int			n_attrs;
	const xmlChar **attrs;
	const xmlChar *text;
	int			len;
} Event;

/* One event of the parser. */
static void
on_event(Stream *s, const Event *ev)
{
	switch (ev->kind)
	{
		case EV_START:
			flush_run(s);
			s->reader->start(s->arg, ev->name, ev->ns, ev->n_attrs, ev->attrs, xmlSAX2GetLineNumber(s->ctxt));
			break;
		case EV_END:
			flush_run(s);
			s->reader->end(s->arg);
			break;
		case EV_CHARS:
			add_chars(s, ev->text, ev->len);
			break;
		case EV_CDATA:
			flush_run(s);
			s->reader->text(s->arg, (const char *) ev->text, ev->len);
			break;
		case EV_MARK:
			flush_run(s);
			break;
		case EV_DTD:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("bank file refused at %s: a DOCTYPE or an entity is not allowed in a bank file",
							s->reader->where(s->arg))));
			break;
	}
}

/*
 * An event inside libxml2: an error is caught here, kept, and the parser
 * stopped (check_parse throws it again once libxml2 has returned); none is
 * handled after one.
 */
static void
guarded(void *arg, const Event *ev)
{
	Stream	   *s = (Stream *) arg;
	MemoryContext cxt = CurrentMemoryContext;

	if (s->error)
		return;
	PG_TRY();
	{
		on_event(s, ev);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		s->error = CopyErrorData();
		FlushErrorState();
		xmlStopParser(s->ctxt);
	}
	PG_END_TRY();
}

/* The callbacks (user data: the Stream). */
static void
sax_start(void *arg, const xmlChar *name, const xmlChar *prefix, const xmlChar *ns, int n_ns,
		  const xmlChar **nss, int n_attrs, int n_defaulted, const xmlChar **attrs)
{
	Event		ev = {EV_START, (const char *) name, (const char *) ns, n_attrs, attrs};

	guarded(arg, &ev);
}

static void
sax_end(void *arg, const xmlChar *name, const xmlChar *prefix, const xmlChar *ns)
{
	Event		ev = {EV_END};

	guarded(arg, &ev);
}

static void
sax_characters(void *arg, const xmlChar *t, int len)
{
	Event		ev = {EV_CHARS, .text = t, .len = len};

	guarded(arg, &ev);
}

static void
sax_cdata(void *arg, const xmlChar *t, int len)
{
	Event		ev = {EV_CDATA, .text = t, .len = len};

	guarded(arg, &ev);
}

static void
sax_comment(void *arg, const xmlChar *t)
{
	Event		ev = {EV_MARK};

	guarded(arg, &ev);
}

static void
sax_pi(void *arg, const xmlChar *target, const xmlChar *data)
{
	sax_comment(arg, data);
}

static void
sax_doctype(void *arg, const xmlChar *name, const xmlChar *external_id, const xmlChar *system_id)
{
	Event		ev = {EV_DTD};

	guarded(arg, &ev);
}

static void
sax_reference(void *arg, const xmlChar *name)
{
	sax_doctype(arg, name, NULL, NULL);
}

/*
 * After the parser returns: an error of a callback thrown again, or
 * libxml2's refused where the reader stands.
 */
static void
check_parse(Stream *s)
{
	if (s->error)
		ReThrowError(s->error);
	if (s->xml_error[0] != '\0' || !s->ctxt->wellFormed)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("bank file refused at %s: malformed XML: %s", s->reader->where(s->arg),
						s->xml_error[0] ? s->xml_error : "unreadable"),
				 errdetail("libxml2 stopped at line %d.",
						   s->xml_error[0] ? s->xml_line : xmlSAX2GetLineNumber(s->ctxt)),
				 errhint("Nothing of the file was imported; a truncated or corrupted file must be fetched again.")));
}

/* The callbacks libxml2 makes (the parser copies them); no DTD, no entity, SAX2. */
static xmlSAXHandler stream_callbacks = {
	.internalSubset = sax_doctype,
	.externalSubset = sax_doctype,
	.reference = sax_reference,
	.startElementNs = sax_start,
	.endElementNs = sax_end,
	.characters = sax_characters,
	.ignorableWhitespace = sax_characters,
	.cdataBlock = sax_cdata,
	.comment = sax_comment,
	.processingInstruction = sax_pi,
	.serror = on_xml_error,
	.initialized = XML_SAX2_MAGIC,
};

/* See bank_xml.h. */
void
dunning_bank_xml_read(const char *data, int len, const char *encoding, const BankXmlReader *reader, void *arg)
{
	Stream	   *s = palloc0(sizeof(Stream));

	s->reader = reader;
	s->arg = arg;
	initStringInfo(&s->run);
	s->run_blank = true;
	/*
	 * The first four bytes start the parser, which detects a byte order mark
	 * (and skips it) before an encoding given overrides the document's, as
	 * xmlTextReader starts it.
	 */
	s->ctxt = xmlCreatePushParserCtxt(&stream_callbacks, s, data, Min(len, 4), NULL);
	if (s->ctxt == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("could not start the XML parser")));
	PG_TRY();
	{
		xmlCtxtUseOptions(s->ctxt, XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES);
		if (encoding)
		{
			xmlCharEncodingHandlerPtr to = xmlFindCharEncodingHandler(encoding);

			if (to)
				xmlSwitchToEncoding(s->ctxt, to);
		}
		for (int done = Min(len, 4); done < len; done += CHUNK)
		{
			xmlParseChunk(s->ctxt, data + done, Min(CHUNK, len - done), 0);
			check_parse(s);
			CHECK_FOR_INTERRUPTS();
		}
		xmlParseChunk(s->ctxt, NULL, 0, 1);
		check_parse(s);
	}
	PG_FINALLY();
	{
		xmlFreeParserCtxt(s->ctxt);
	}
	PG_END_TRY();
}

/* See bank_xml.h. */
char *
dunning_bank_xml_attribute(int n_attrs, const unsigned char **attrs, const char *name)
{
	for (int i = 0; i < n_attrs; i++)
		if (attrs[5 * i + 1] == NULL && strcmp((const char *) attrs[5 * i], name) == 0)
			return pnstrdup((const char *) attrs[5 * i + 3], attrs[5 * i + 4] - attrs[5 * i + 3]);
	return NULL;
}
