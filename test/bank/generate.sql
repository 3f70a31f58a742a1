-- Generates camt.053 / camt.054 documents for dunning's tests, bench and demo
-- (doc/bank.md): one booked entry per amount (negative: a debit), each with
-- one TxDtls, written the way the given version names things (Dbtr/Nm before
-- .08, Dbtr/Pty/Nm from .08; Sts or Sts/Cd; AmtDtls/TxAmt in .01-.02,
-- TxDtls/Amt after).  Defines pg_temp.camt_document(); \i it in a session.
CREATE OR REPLACE FUNCTION pg_temp.xml_text(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
    SELECT replace(replace(replace(s, '&', '&amp;'), '<', '&lt;'), '>', '&gt;');
$fn$;
CREATE OR REPLACE FUNCTION pg_temp.camt_document(kind text, version integer, stmt_ref text, day date,
                                                 opening numeric, names text[], ibans text[], amounts numeric[],
                                                 remits text[], account text DEFAULT 'BE71096123456769',
                                                 seq integer DEFAULT 1)
RETURNS text LANGUAGE sql AS $fn$
    SELECT concat(
        '<?xml version="1.0" encoding="UTF-8"?>', E'\n',
        format('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.%s.001.%s">', kind, lpad(version::text, 2, '0')),
        CASE kind WHEN '053' THEN '<BkToCstmrStmt>' ELSE '<BkToCstmrDbtCdtNtfctn>' END,
        '<GrpHdr><MsgId>GEN-', stmt_ref, '</MsgId><CreDtTm>', day, 'T20:00:00</CreDtTm></GrpHdr>',
        CASE kind WHEN '053' THEN '<Stmt>' ELSE '<Ntfctn>' END,
        '<Id>', stmt_ref, '</Id><ElctrncSeqNb>', seq, '</ElctrncSeqNb>',
        '<Acct><Id><IBAN>', account, '</IBAN></Id><Ccy>EUR</Ccy></Acct>',
        CASE WHEN kind = '053' THEN concat(
            '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">', abs(opening), '</Amt><CdtDbtInd>',
            CASE WHEN opening < 0 THEN 'DBIT' ELSE 'CRDT' END, '</CdtDbtInd><Dt><Dt>', day - 1, '</Dt></Dt></Bal>',
            '<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">',
            abs(opening + COALESCE((SELECT sum(a) FROM unnest(amounts) a), 0)), '</Amt><CdtDbtInd>',
            CASE WHEN opening + COALESCE((SELECT sum(a) FROM unnest(amounts) a), 0) < 0 THEN 'DBIT' ELSE 'CRDT' END,
            '</CdtDbtInd><Dt><Dt>', day, '</Dt></Dt></Bal>') END,
        (SELECT string_agg(concat(
            '<Ntry><Amt Ccy="EUR">', abs(u.am), '</Amt><CdtDbtInd>',
            CASE WHEN u.am < 0 THEN 'DBIT' ELSE 'CRDT' END, '</CdtDbtInd>',
            CASE WHEN version >= 8 THEN '<Sts><Cd>BOOK</Cd></Sts>' ELSE '<Sts>BOOK</Sts>' END,
            '<BookgDt><Dt>', day, '</Dt></BookgDt><ValDt><Dt>', day, '</Dt></ValDt>',
            '<AcctSvcrRef>', stmt_ref, '-', u.i, '</AcctSvcrRef><NtryDtls><TxDtls>',
            '<Refs><EndToEndId>E2E-', stmt_ref, '-', u.i, '</EndToEndId></Refs>',
            CASE WHEN version <= 2 THEN concat('<AmtDtls><TxAmt><Amt Ccy="EUR">', abs(u.am), '</Amt></TxAmt></AmtDtls>')
                 ELSE concat('<Amt Ccy="EUR">', abs(u.am), '</Amt>') END,
            '<RltdPties>',
            CASE WHEN u.am < 0 THEN '<Cdtr>' ELSE '<Dbtr>' END,
            CASE WHEN version >= 8 THEN '<Pty>' END, '<Nm>', pg_temp.xml_text(u.nm), '</Nm>', CASE WHEN version >= 8 THEN '</Pty>' END,
            CASE WHEN u.am < 0 THEN '</Cdtr><CdtrAcct>' ELSE '</Dbtr><DbtrAcct>' END,
            '<Id><IBAN>', u.ib, '</IBAN></Id>',
            CASE WHEN u.am < 0 THEN '</CdtrAcct>' ELSE '</DbtrAcct>' END, '</RltdPties>',
            '<RmtInf><Ustrd>', pg_temp.xml_text(u.rm), '</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>'), E'\n' ORDER BY u.i)
           FROM unnest(names, ibans, amounts, remits) WITH ORDINALITY AS u(nm, ib, am, rm, i)),
        CASE kind WHEN '053' THEN '</Stmt></BkToCstmrStmt>' ELSE '</Ntfctn></BkToCstmrDbtCdtNtfctn>' END,
        '</Document>', E'\n');
$fn$;
