#!/usr/bin/env bash
# ALTER EXTENSION dunning UPDATE: from every released version (the frozen
# scripts of src/updates/, recorded in src/updates/released.sha256) to the
# current one, the updated extension is object for object the same as a
# fresh install, and data loaded under the old version survives the update.
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
tmp=$(mktemp -d)
fingerprint > $tmp/fresh
ok $([ -s $tmp/fresh ]; echo $?) "fresh install of $current fingerprinted ($(wc -l < $tmp/fresh) objects)"

# Released scripts are frozen: their recorded checksums still hold.
(cd "$top" && sha256sum --quiet -c src/updates/released.sha256)
ok $? "released SQL scripts unchanged (src/updates/released.sha256)"
# Every released version: the first one's install script, and the target of
# each frozen update script.
versions=$(cd "$top" && sed -n -e 's#.*src/updates/dunning--\([0-9.]*\)\.sql$#\1#p' \
                                -e 's#.*src/updates/dunning--[0-9.]*--\([0-9.]*\)\.sql$#\1#p' \
                                src/updates/released.sha256 | sort -V)
is "$(ls "$top"/src/updates | grep -c -- "--[0-9.]*--$current\.sql$")" "1" \
   "one update script leads to $current (src/updates/dunning--<last release>--$current.sql)"
for v in $versions; do
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
-- a second customer: a phone as people write it, a credit note netted, a dispute
INSERT INTO dunning.customer (customer_id, name, phone, country) VALUES (2, 'Globex', '02 555 01 01', 'BE');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (3, 2, 'G-3', '2026-01-01', '2026-01-31', 80.00), (4, 2, 'G-4-CN', '2026-01-05', '2026-01-05', -20.00);
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id) VALUES (2, '2026-02-01', 30.00, 2);
SELECT dunning.allocate_credit_note(4, 3), dunning.allocate(2, 3, 30.00);
INSERT INTO dunning.dispute (invoice_id, amount, reason) VALUES (3, 10.00, 'price');
SQL
    ok $? "data loaded under $v"
    if [ "$v" = "0.2.0" ]; then
        # 0.2.0's holidays and per-currency reference rates: a holiday on a
        # shipped day, a rate on a shipped ECB date, one in another currency
        psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB <<'SQL'
INSERT INTO dunning.holiday (country, day, name) VALUES ('FR', '2026-07-14', 'ours'), ('FR', '2026-03-16', 'company day');
INSERT INTO dunning.reference_rate (currency, valid_from, rate, source)
VALUES ('EUR', '2023-09-20', 4.6, 'ours'), ('EUR', '2031-01-01', 3.0, NULL), ('USD', '2026-01-01', 5.5, 'ours');
SQL
        ok $? "holidays and reference rates loaded under $v"
        # 0.2.0's lettering: a letter unlettered (history), a proposal
        psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB <<'SQL'
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (5, 2, 'G-5', '2026-01-01', '2026-01-31', 45.00), (6, 2, 'G-6', '2026-01-01', '2026-01-31', 45.00);
INSERT INTO dunning.payment (payment_id, received_on, amount, remittance_info) VALUES (3, '2026-02-02', 45.00, 'G-5'),
       (4, '2026-02-02', 45.00, NULL);
SELECT * FROM dunning.auto_letter();
SELECT dunning.unallocate(dunning.allocate(3, 5));
SQL
        ok $? "a letter unlettered and a proposal under $v"
    fi
    q $DB "ALTER EXTENSION dunning UPDATE" >/dev/null
    ok $? "ALTER EXTENSION dunning UPDATE from $v"
    is "$(q $DB "SELECT extversion FROM pg_extension WHERE extname = 'dunning'")" "$current" "$v updated to $current"
    fingerprint > $tmp/updated
    diff $tmp/fresh $tmp/updated > $tmp/diff
    ok $? "$v updated to $current is object for object a fresh install"
    [ -s $tmp/diff ] && head -40 $tmp/diff | sed 's/^/# /'
    is "$(q $DB "SELECT string_agg(invoice_id || '=' || open_amount, ',' ORDER BY invoice_id) FROM dunning.open_item WHERE customer_id = 1")" \
       "2=30.0000" "data loaded under $v survives the update"
    is "$(q $DB "SELECT (SELECT count(*) FROM dunning_internal.settlement_fact) || ' ' || (SELECT count(*) FROM dunning_internal.ledger_settlement)")" \
       "$(q $DB "SELECT n || ' ' || n FROM (SELECT count(*) AS n FROM dunning_internal.ledger_settlement) s")" \
       "the settlement facts of $v's allocations and write-offs made by the update"
    is "$(q $DB "SELECT dunning.rebuild_totals()")" "0" "running totals and settlement facts intact after the update from $v"
    # the materialized views as a refresh computes them now (they were
    # first computed before the facts they read were made)
    is "$(q $DB "SELECT (SELECT count(*) FROM (SELECT customer_id, currency, balance, unapplied_payments FROM dunning.customer_risk
                                                EXCEPT SELECT customer_id, currency, balance, unapplied_payments
                                                         FROM dunning.customer_risk_as_of(CURRENT_DATE)) x)
                  || ' ' || (SELECT count(*) FROM dunning.customer_risk)")" \
       "0 $(q $DB "SELECT count(*) FROM dunning.customer_risk_as_of(CURRENT_DATE)")" \
       "customer_risk after the update from $v: each customer's balance and unapplied cash as of today"
    is "$(q $DB "SELECT md5(string_agg((to_jsonb(k) - 'refreshed_at')::text, ',' ORDER BY (to_jsonb(k) - 'refreshed_at')::text)) FROM dunning.kpi_monthly k")" \
       "$(q $DB "SELECT dunning.refresh_kpi()" >/dev/null; q $DB "SELECT md5(string_agg((to_jsonb(k) - 'refreshed_at')::text, ',' ORDER BY (to_jsonb(k) - 'refreshed_at')::text)) FROM dunning.kpi_monthly k")" \
       "kpi_monthly after the update from $v: the figures a refresh computes"
    is "$(q $DB "SELECT count(*) >= 3 AND bool_and(a.customer_id = i.customer_id)
                  FROM dunning.allocation a JOIN dunning.invoice i USING (invoice_id)")" "t" \
       "every allocation of $v got its customer"
    is "$(q $DB "SELECT customer_id || ' ' || amount FROM dunning.dispute")" "2 10.00" "the dispute of $v got its customer"
    is "$(q $DB "SELECT phone FROM dunning.customer WHERE customer_id = 2")" "+3225550101" "phones stored in E.164"
    is "$(psql -X -qAt -d $DB -f "$top/test/t/planner_ties.sql" | tr '\n' ' ')" "" \
       "after the update from $v every look-up index is newer than the keys that hold its column later"
    is "$(q $DB "SELECT count(*) FROM pg_constraint WHERE connamespace = 'dunning'::regnamespace AND NOT convalidated")" "0" \
       "every bound validated (no violator)"
    if [ "$v" = "0.2.0" ]; then
        is "$(q $DB "SELECT count(*) FROM dunning.letter_history h JOIN dunning.invoice i USING (invoice_id)
                      WHERE h.customer_id = i.customer_id")" "$(q $DB "SELECT count(*) FROM dunning.letter_history")" \
           "the lettering history of $v got its customers"
        ok $([ "$(q $DB "SELECT count(*) FROM dunning.letter_history")" -gt 0 ]; echo $?) "(there is history)"
    fi
    if [ "$v" = "0.2.0" ]; then
        is "$(q $DB "SELECT string_agg(day || ' ' || name || ' ' || seeded, ', ' ORDER BY day) FROM dunning.holiday
                      WHERE country = 'FR' AND day IN ('2026-03-16', '2026-07-14')")" \
           "2026-03-16 company day false, 2026-07-14 ours false" "0.2.0's holidays stay the user's"
        is "$(q $DB "SELECT string_agg(currency || ' ' || valid_from || ' ' || rate || ' ' || series || ' ' || seeded, ', '
                             ORDER BY currency, valid_from) FROM dunning.reference_rate WHERE NOT seeded")" \
           "EUR 2023-09-20 4.600000 ECB_MRO false, EUR 2031-01-01 3.000000 ECB_MRO false, USD 2026-01-01 5.500000 USD false" \
           "0.2.0's reference rates are the user's rows of the currency's series"
        is "$(q $DB "SELECT dunning.rate_on('ECB_MRO', '2023-10-01') || ' ' || (SELECT count(*) > 2000 FROM dunning.holiday WHERE seeded)")" \
           "4.6 true" "the user's rate replaces the shipped one of its date; the shipped holidays are there"
    fi
done
# Rows of 0.2.0 that violate the new bounds: the update reports them and
# leaves the bound NOT VALID (new rows are checked); duplicate invoice
# numbers (up to case and punctuation) stop it, named.
drop_db $DB
psql -X -q -d postgres -c "CREATE DATABASE $DB" >/dev/null
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB <<'SQL'
CREATE EXTENSION dunning VERSION '0.2.0';
INSERT INTO dunning.customer (customer_id, name, email) VALUES (1, 'Acme SA', 'not an address'), (2, E'Two\nLines', NULL);
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (1, 1, 'V-1', '2026-01-01', 'infinity', 100.00), (2, 1, 'V-2', '2026-01-01', '2026-01-31', 1e15);
SQL
warnings=$(psql -X -q -v ON_ERROR_STOP=1 -d $DB -c "SET client_min_messages = warning" -c "ALTER EXTENSION dunning UPDATE" 2>&1)
ok $? "the update from 0.2.0 goes through with violators"
ok $(echo "$warnings" | grep -q "rows of dunning.invoice violate invoice_due_on_in_range (invoice_id 1)"; echo $?) \
   "it names them: $(echo "$warnings" | grep -c WARNING) warnings"
is "$(q $DB "SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint WHERE connamespace = 'dunning'::regnamespace AND NOT convalidated")" \
   "customer_email_plausible,customer_name_one_line,invoice_amount_in_range,invoice_due_on_in_range" "those bounds stay NOT VALID"
psql -X -q -d $DB -c "INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount) VALUES (1, 'V-3', '2026-01-01', 'infinity', 1)" >/dev/null 2>&1
ok $([ $? -ne 0 ]; echo $?) "a new row is checked against them"
q $DB "UPDATE dunning.invoice SET due_on = '2026-01-31', amount = 100 WHERE invoice_id IN (1, 2);
       ALTER TABLE dunning.invoice VALIDATE CONSTRAINT invoice_due_on_in_range, VALIDATE CONSTRAINT invoice_amount_in_range" >/dev/null
ok $? "corrected, they validate"
drop_db $DB
psql -X -q -d postgres -c "CREATE DATABASE $DB" >/dev/null
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB <<'SQL'
CREATE EXTENSION dunning VERSION '0.2.0';
INSERT INTO dunning.customer (customer_id, name) VALUES (1, 'Acme SA');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (1, 1, 'HX-0001', '2026-01-01', '2026-01-31', 100.00), (2, 1, 'hx 0001', '2026-01-01', '2026-01-31', 5.00);
SQL
err=$(psql -X -q -v ON_ERROR_STOP=1 -d $DB -c "ALTER EXTENSION dunning UPDATE" 2>&1)
ok $(echo "$err" | grep -q "customer 1: HX-0001, hx 0001"; echo $?) "duplicate invoice numbers stop the update, named"
is "$(q $DB "SELECT extversion FROM pg_extension WHERE extname = 'dunning'")" "0.2.0" "... and leave 0.2.0 in place"

# The ladder carried over from 0.2.0's outbox: customers its notices left
# at a rung stay there (at legal: a legal case, no automated reminder); a
# customer whose listed items were paid is in no episode.
drop_db $DB
psql -X -q -d postgres -c "CREATE DATABASE $DB" >/dev/null
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB <<'SQL'
CREATE EXTENSION dunning VERSION '0.2.0';
INSERT INTO dunning.customer (customer_id, name, email, timezone)
VALUES (1, 'Long Overdue', 'ap@long.test', 'UTC'), (2, 'Recent', 'ap@recent.test', 'UTC'), (3, 'Paid Since', 'ap@paid.test', 'UTC');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (1, 1, 'L-1', '2025-11-01', '2025-12-01', 900.00), (2, 2, 'R-1', '2026-02-01', '2026-03-06', 200.00),
       (3, 3, 'P-1', '2026-02-01', '2026-03-06', 300.00);
SELECT dunning.run('2026-03-16 15:00+00');
SELECT dunning.mark_sent(action_id, '2026-03-16 16:00+00') FROM dunning.action;
INSERT INTO dunning.payment (payment_id, received_on, amount, customer_id) VALUES (1, '2026-03-17', 300.00, 3);
SELECT dunning.allocate(1, 3);
SQL
is "$(q $DB "SELECT string_agg(customer_id || ':' || step_name, ' ' ORDER BY customer_id) FROM dunning.action")" \
   "1:legal escalation 2:reminder 1 3:reminder 1" "0.2.0 sent a legal escalation and two first reminders"
warnings=$(psql -X -q -v ON_ERROR_STOP=1 -d $DB -c "ALTER EXTENSION dunning UPDATE" 2>&1)
ok $? "updated from 0.2.0 with its outbox"
ok $(echo "$warnings" | grep -q "1 customers carried over from 0.2.0 at legal"; echo $?) "the update warns of the legal cases it opened"
is "$(q $DB "SELECT string_agg(customer_id || ':' || COALESCE(level_step_name, '-') || ':' || COALESCE(waits_for, '-'), ' ' ORDER BY customer_id)
              FROM dunning.customer_ladder")" \
   "1:legal escalation:legal case 2:reminder 1:- 3:-:-" \
   "levels carried over: at legal with its case, at reminder 1, none for the customer that paid"
q $DB "SELECT dunning.run('2026-03-18 15:00+00')" >/dev/null
is "$(q $DB "SELECT string_agg(customer_id || ':' || kind, ' ' ORDER BY customer_id) FROM dunning.action WHERE action_date = '2026-03-18'")" \
   "3:confirmation" \
   "the first run of $current: no reminder 1 again, nothing after the legal escalation; the reminded customer that paid is thanked"
q $DB "SELECT dunning.run('2026-03-30 15:00+00')" >/dev/null
is "$(q $DB "SELECT string_agg(customer_id || ':' || step_name, ' ' ORDER BY customer_id) FROM dunning.action WHERE action_date = '2026-03-30'")" \
   "2:reminder 2" "the customer at reminder 1 climbs to reminder 2 at its spacing; the one at legal hears nothing"
is "$(q $DB "SELECT string_agg(event, ',' ORDER BY change_id) FROM dunning.level_change WHERE customer_id = 1")" \
   "episode_start,climb,legal_open" "the carried level is logged"

is "$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$top/META.json" | sort -u)" "$current" \
   "META.json names the control file's version"
drop_db $DB
rm -rf "$tmp"
done_testing
