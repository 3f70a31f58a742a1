#!/usr/bin/env bash
# What the installed build's bank reader makes of a fixed set of documents,
# one line each ("id name: OK rows md5-of-all-rows" or "id name: ERR
# SQLSTATE message"), to compare two builds of the reader document by
# document (doc/bank.md, "fourth session"): run it with one build
# installed, then with the other, and diff the two outputs.  The documents:
# the files of test/bank/, hand variants of the camt.053 .02 file (byte
# order marks, UTF-16, namespace prefixes, comments, processing
# instructions, CDATA and entities inside texts, blank and padded names,
# compact, CRLF), each XML file also with three encodings given, camt.053
# and .054 generated in every version (compact and pretty-printed), and
# MUTANTS (6,000) mutants of them, the same for the same SEED.
# Usage: bench/bank_read_outcomes.sh OUTPUT   (against the PG* server)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: bench/bank_read_outcomes.sh OUTPUT}
db=${OUTCOMES_DB:-dunning_bank_outcomes}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" <<'PY'
import codecs, re, sys
out = sys.argv[1] + '/'
src = open('test/bank/camt053_v02.xml', 'rb').read().decode('utf-8')
def w(name, data):
    open(out + name, 'wb').write(data.encode('utf-8') if isinstance(data, str) else data)
w('bom.xml', codecs.BOM_UTF8 + src.encode())
u16 = src.replace('encoding="UTF-8"', 'encoding="UTF-16"')
w('utf16le.xml', codecs.BOM_UTF16_LE + u16.encode('utf-16-le'))
w('utf16be.xml', codecs.BOM_UTF16_BE + u16.encode('utf-16-be'))
decl = src.index('?>') + 2
rest = re.sub(r'<(?![!?/])', '<ns:', src[decl:]).replace('</', '</ns:').replace(' xmlns="', ' xmlns:ns="')
w('prefixed.xml', src[:decl] + rest)
w('mixed_ustrd.xml', src.replace('<Ustrd>', '<Ustrd>  Pay<!-- note --> ment&amp;co &#xe9; <?pi x?> ', 1))
w('cdata_nm.xml', re.sub(r'<Nm>([^<]*)</Nm>', lambda g: '<Nm>  <![CDATA[' + g.group(1)[:3] + ']]>' + g.group(1)[3:] + '  </Nm>', src, count=2))
w('blank_nm.xml', re.sub(r'<Nm>([^<]*)</Nm>', '<Nm>   \n  </Nm>', src, count=1))
w('sts_ws.xml', src.replace('<Sts>BOOK</Sts>', '<Sts>\n   BOOK\n </Sts>'))
w('compact.xml', re.sub(r'>\s+<', '><', src))
w('crlf.xml', src.replace('\n', '\r\n'))
PY
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION dunning"
{
    echo '\i test/bank/generate.sql'
    echo 'CREATE TABLE docs (id serial PRIMARY KEY, name text, content bytea, enc text);'
    for f in test/bank/*.xml test/bank/*.sta "$dir"/*.xml; do
        echo "INSERT INTO docs (name, content) VALUES ('$(basename "$f")', decode('$(base64 -w0 "$f")', 'base64'));"
    done
    cat <<SQL
INSERT INTO docs (name, content, enc)
SELECT name || ' as ' || e, content, e FROM docs, (VALUES ('ISO-8859-1'), ('UTF-8'), ('windows-1252')) x(e)
 WHERE name LIKE '%.xml' ORDER BY docs.id, e;
INSERT INTO docs (name, content)
SELECT 'generated ' || k || ' ' || v || CASE WHEN pretty THEN ' pretty' ELSE '' END,
       convert_to(CASE WHEN pretty THEN regexp_replace(d, '><', E'>\n  <', 'g') ELSE d END, 'UTF8')
  FROM (VALUES ('053'), ('054')) k(k), generate_series(1, 13) v(v), (VALUES (true), (false)) p(pretty),
       LATERAL (SELECT pg_temp.camt_document(k, v, 'DF-' || k || '-' || v, DATE '2026-06-01', 10,
           '{Hooli AG,Pied & Piper,Initech}', '{CH9300762011623852957,GB82WEST12345698765432,BE68539007547034}',
           '{10.00,-3.50,700.25}', '{INV-1,x <y>,RF18539007547034}') AS d) g
 ORDER BY k, v, pretty;
\\i test/bank/mutate.sql
SELECT setseed(${SEED:-0.4242});
CREATE TABLE originals AS SELECT row_number() OVER (ORDER BY id) AS k, name, content FROM docs WHERE name NOT LIKE '%.sta%';
INSERT INTO docs (name, content)
SELECT 'mutant ' || i || ' of ' || o.name, mutate(o.content)
  FROM generate_series(1, ${MUTANTS:-6000}) i
  JOIN originals o ON o.k = 1 + (i * 7919) % (SELECT count(*) FROM originals)
 ORDER BY i;
CREATE FUNCTION outcome(c bytea, e text) RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE r text;
BEGIN
    SELECT 'OK ' || count(*) || ' ' || md5(string_agg(x::text, '|' ORDER BY x.stmt_no, x.entry_no NULLS FIRST, x.txn_no)) INTO r
      FROM dunning_internal.read_bank_file(c, NULL, e) x;
    RETURN r;
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERR ' || SQLSTATE || ' ' || SQLERRM;
END \$\$;
SQL
} | psql -X -q -v ON_ERROR_STOP=1 -d "$db" > /dev/null
psql -X -qAt -d "$db" -c "SELECT id || ' ' || name || ': ' || replace(outcome(content, enc), E'\n', ' ') FROM docs ORDER BY id" > "$out"
echo "$(wc -l < "$out") documents: $(grep -c ': OK ' "$out") read, $(grep -c ': ERR ' "$out") refused -> $out"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db"
