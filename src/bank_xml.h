/*
 * bank_xml.h -- a bank file's XML read as a stream of elements and their
 * text (libxml2's SAX2 push parser), for the camt reader: never a tree,
 * never a fetch, never an error thrown through libxml2.
 */
#ifndef DUNNING_BANK_XML_H
#define DUNNING_BANK_XML_H

#include "postgres.h"

/*
 * What the reader is told, with its arg.  start: an element (its local name
 * and namespace, libxml2's: the name from its dictionary, one pointer per
 * name; its attributes, five pointers each: name, prefix, URI, value, the
 * value's end; the line it starts on).  text: a text node of the element
 * open (character data between two marks, dropped when only blanks, as a
 * tree would hold it; a CDATA section as it is), UTF-8, at most
 * DUNNING_BANK_MAX_TEXT + 1 bytes unless a CDATA section is longer.
 * where: the place of a refusal, as the reader knows it.  Any of them may
 * throw: the parse stops and the error is thrown once libxml2 has returned.
 */
typedef struct BankXmlReader
{
	void		(*start) (void *arg, const char *name, const char *ns, int n_attrs,
						  const unsigned char **attrs, int line);
	void		(*end) (void *arg);
	void		(*text) (void *arg, const char *text, int len);
	const char *(*where) (void *arg);
} BankXmlReader;

/*
 * Reads len bytes of data (encoding: NULL for the document's own, else
 * libxml2's name of the one that overrides it).  Malformed XML, a DOCTYPE
 * or an entity reference is refused (22P02) at where().
 */
extern void dunning_bank_xml_read(const char *data, int len, const char *encoding, const BankXmlReader *reader,
								  void *arg);

/* The value of the unprefixed attribute name among start's attributes (palloc'd), or NULL. */
extern char *dunning_bank_xml_attribute(int n_attrs, const unsigned char **attrs, const char *name);

#endif							/* DUNNING_BANK_XML_H */
