#!/usr/bin/env bash
# ALTER EXTENSION dunning UPDATE: from every released version (the frozen
# folders src/sql/<version>/ older than default_version) to the current one, the updated
# extension is object for object the same as a fresh install, and data
# loaded under the old version survives the update.
. "$(dirname "$0")/lib.bash"
top=$(cd "$(dirname "$0")/../.." && pwd)
DB=dunning_upgrade
current=$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$top/dunning.control")
fp="$(dirname "$0")/upgrade_fingerprint.sql"

fingerprint() {  # fingerprint of the extension as installed in $DB
    psql -X -qAt -v ON_ERROR_STOP=1 -d $DB -f "$fp" \
        -c "SELECT object || ' :: ' || COALESCE(definition, '') || ' :: ' || COALESCE(comment, '') FROM ext_fingerprint ORDER BY 1"
}

fresh_db $DB
fingerprint > /tmp/$DB.fresh
ok $([ -s /tmp/$DB.fresh ]; echo $?) "fresh install of $current fingerprinted ($(wc -l < /tmp/$DB.fresh) objects)"

versions=$(ls -1 "$top"/src/sql | grep -E '^[0-9]+(\.[0-9]+)*$' | sort -V)
# Released folders are frozen: their recorded checksums still hold.
(cd "$top" && sha256sum --quiet -c src/sql/released.sha256)
ok $? "released SQL parts unchanged (src/sql/released.sha256)"
released=$(cd "$top" && sed -n 's#.*src/sql/\([^/]*\)/.*#\1#p' src/sql/released.sha256 | sort -u | tr '\n' ' ')
is "$released" "$(echo "$versions" | grep -vx "$current" | tr '\n' ' ')" "every version before $current is recorded as released"
for v in $versions; do
    [ "$v" = "$current" ] && continue
    drop_db $DB
    psql -X -q -d postgres -c "CREATE DATABASE $DB" >/dev/null
    q $DB "CREATE EXTENSION dunning VERSION '$v'" >/dev/null
    ok $? "CREATE EXTENSION dunning VERSION '$v'"
    psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB <<'SQL'
INSERT INTO dunning.customer (customer_id, name) VALUES (1, 'Acme SA');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (1, 1, 'U-1', '2026-01-01', '2026-01-31', 100.00), (2, 1, 'U-2', '2026-01-01', '2026-01-31', 50.00);
INSERT INTO dunning.payment (payment_id, received_on, amount) VALUES (1, '2026-02-01', 120.00);
SELECT dunning.allocate(1, 1), dunning.allocate(1, 2);
SQL
    ok $? "data loaded under $v"
    q $DB "ALTER EXTENSION dunning UPDATE" >/dev/null
    ok $? "ALTER EXTENSION dunning UPDATE from $v"
    is "$(q $DB "SELECT extversion FROM pg_extension WHERE extname = 'dunning'")" "$current" "$v updated to $current"
    fingerprint > /tmp/$DB.updated
    diff /tmp/$DB.fresh /tmp/$DB.updated > /tmp/$DB.diff
    ok $? "$v updated to $current is object for object a fresh install"
    [ -s /tmp/$DB.diff ] && head -40 /tmp/$DB.diff | sed 's/^/# /'
    is "$(q $DB "SELECT string_agg(invoice_id || '=' || open_amount, ',' ORDER BY invoice_id) FROM dunning.open_item")" \
       "2=30.00" "data loaded under $v survives the update"
    is "$(q $DB "SELECT dunning.rebuild_totals()")" "0" "running totals intact after the update from $v"
done
is "$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$top/META.json" | sort -u)" "$current" \
   "META.json names the control file's version"
drop_db $DB
rm -f /tmp/$DB.fresh /tmp/$DB.updated /tmp/$DB.diff
done_testing
