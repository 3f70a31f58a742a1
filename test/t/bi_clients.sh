#!/usr/bin/env bash
# BI tools read the public views through JDBC and ODBC (issue #12): every
# numeric column of every view and materialized view of schema dunning
# reports the precision and scale of its declared typmod (JDBC
# DatabaseMetaData.getColumns COLUMN_SIZE / DECIMAL_DIGITS, ODBC SQLColumns
# the same), and every view and column has REMARKS (JDBC; psqlODBC returns
# none).  The clients are Debian's libpostgresql-jdbc-java (with java) and
# odbc-postgresql + unixodbc-dev (scripts/deps installs them); a client
# that is not installed is skipped, saying which package is missing.
. "$(dirname "$0")/lib.bash"
DB=dunning_bi_clients
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
host=${PGHOST:-localhost}
case "$host" in /*) host=localhost ;; esac    # the clients speak TCP only
port=${PGPORT:-5432}
user=${PGUSER:-$(id -un)}
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $1"; }

fresh_db $DB
ok $? "database $DB with the extension"
# What the catalog declares: view.column|precision|scale of every numeric
# column of a view or materialized view.
q $DB "SELECT c.relname || '.' || a.attname || '|' || ((a.atttypmod - 4) >> 16) || '|' || ((a.atttypmod - 4) & 65535)
         FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relnamespace = 'dunning'::regnamespace AND c.relkind IN ('v', 'm')
          AND a.atttypid = 'numeric'::regtype ORDER BY 1" > "$tmp/declared"
n=$(wc -l < "$tmp/declared")
ok $([ "$n" -gt 50 ]; echo $?) "$n numeric view columns declared"
is "$(grep -c '|-1|\||65535$' "$tmp/declared")" "0" "none without precision and scale in the catalog"

# JDBC
jar=/usr/share/java/postgresql.jar
if ! command -v java >/dev/null; then
    skip "java is not installed (Debian default-jre-headless)"
elif [ ! -f $jar ]; then
    skip "the PostgreSQL JDBC driver is not installed (Debian libpostgresql-jdbc-java)"
else
    url="jdbc:postgresql://$host:$port/$DB?user=$user${PGPASSWORD:+&password=$PGPASSWORD}"
    java -cp $jar "$here/clients/ViewMetadata.java" "$url" > "$tmp/jdbc" 2> "$tmp/jdbc.err"
    ok $? "JDBC DatabaseMetaData read the views ($(sed -n 's/^VIEWS //p' "$tmp/jdbc") of them)"
    [ -s "$tmp/jdbc.err" ] && sed 's/^/# /' "$tmp/jdbc.err" | head -20
    grep '|' "$tmp/jdbc" | sort > "$tmp/jdbc.numeric"
    diff "$tmp/declared" "$tmp/jdbc.numeric" > "$tmp/jdbc.diff"
    ok $? "JDBC: COLUMN_SIZE and DECIMAL_DIGITS of every numeric view column are the declared precision and scale"
    sed 's/^/# /' "$tmp/jdbc.diff" | head -20
    is "$(grep '^NOREMARKS' "$tmp/jdbc" | head -5 | tr '\n' ' ')" "" "JDBC: every view and every column has REMARKS"
fi

# ODBC
driver=$(odbcinst -q -d 2>/dev/null | grep -m1 -o 'PostgreSQL Unicode')
if [ -z "$driver" ]; then
    skip "psqlODBC is not installed (Debian odbc-postgresql)"
elif [ ! -f /usr/include/sql.h ] || ! command -v gcc >/dev/null; then
    skip "the ODBC headers are not installed (Debian unixodbc-dev)"
else
    gcc -Wall -Werror -o "$tmp/odbc_columns" "$here/clients/odbc_columns.c" -lodbc
    ok $? "ODBC client compiled"
    "$tmp/odbc_columns" "Driver={$driver};Server=$host;Port=$port;Database=$DB;UID=$user${PGPASSWORD:+;PWD=$PGPASSWORD}" \
        | sort > "$tmp/odbc"
    ok $? "ODBC SQLColumns read schema dunning ($(wc -l < "$tmp/odbc") numeric columns)"
    # Tables are listed too: every view column must be there, as declared.
    comm -23 "$tmp/declared" "$tmp/odbc" > "$tmp/odbc.missing"
    ok $([ ! -s "$tmp/odbc.missing" ]; echo $?) \
       "ODBC: COLUMN_SIZE and DECIMAL_DIGITS of every numeric view column are the declared precision and scale"
    sed 's/^/# /' "$tmp/odbc.missing" | head -20
fi

drop_db $DB
done_testing
