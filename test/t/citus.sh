#!/usr/bin/env bash
# The same extension on Citus (issue 16, doc/scale-out.md): the sample ledger
# loaded into a single node (the PG* server) and into a Citus cluster after
# dunning.distribute() gives the same answers, compared both ways (EXCEPT in
# each direction, on the sorted text of each answer).
#
# The Citus coordinator is named by DUNNING_CITUS_PGHOST / DUNNING_CITUS_PGPORT
# (and DUNNING_CITUS_PGUSER, default postgres); its workers must be added and
# have dunning installed.  Without them the test skips, saying why (CI has no
# Citus).
cd "$(dirname "$0")/../.."
source test/t/lib.bash

chost=${DUNNING_CITUS_PGHOST:-}
cport=${DUNNING_CITUS_PGPORT:-}
cuser=${DUNNING_CITUS_PGUSER:-postgres}
if [ -z "$chost" ] || [ -z "$cport" ]; then
    echo "1..0 # SKIP no Citus coordinator named (set DUNNING_CITUS_PGHOST and DUNNING_CITUS_PGPORT)"
    exit 0
fi
cq() { PGHOST=$chost PGPORT=$cport PGUSER=$cuser psql -X -qAt -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
if ! cq postgres "SELECT 1" >/dev/null 2>&1; then
    echo "1..0 # SKIP the Citus coordinator $chost:$cport is not reachable"
    exit 0
fi
if [ "$(cq postgres "SELECT count(*) FROM pg_available_extensions WHERE name IN ('citus', 'dunning')")" != "2" ]; then
    echo "1..0 # SKIP citus or dunning is not installed on the coordinator $chost:$cport"
    exit 0
fi

DB=dunning_citus
customers=${DUNNING_CITUS_CUSTOMERS:-300}
as_of=2026-11-23
load="-v customers=$customers -v seed=7 -v years=2 -v as_of=$as_of -f scripts/sample_ledger.sql"

# the single node
fresh_db $DB
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB $load
ok $? "the sample ledger loads into a single node"

# a database on the cluster: citus, the workers, dunning on every node.  The
# extension is installed on each worker first (Citus's propagation of CREATE
# EXTENSION cannot run its script: it uses temporary tables), then on the
# coordinator without propagation (doc/scale-out.md).
workers=$(cq postgres "SELECT string_agg(nodename || ':' || nodeport, ' ') FROM pg_dist_node WHERE noderole = 'primary' AND groupid <> 0")
coordinator=$(cq postgres "SELECT nodename FROM pg_dist_node WHERE groupid = 0")
wq() {      # wq HOST:PORT DB SQL...
    local w=$1 db=$2; shift 2
    PGHOST=${w%:*} PGPORT=${w#*:} PGUSER=$cuser psql -X -q -v ON_ERROR_STOP=1 -d $db -c "SET client_min_messages = warning" "$@"
}
cluster_db() {  # cluster_db DB [plain]: plain, a CREATE EXTENSION on the coordinator alone (Citus propagates it)
    cq postgres "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1
    cq postgres "CREATE DATABASE $1" >/dev/null 2>&1
    for w in $workers; do
        # Citus does not create databases on the workers (by default)
        wq $w postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null 2>&1
        wq $w $1 -c "CREATE EXTENSION citus" >/dev/null || return 1
        [ "${2:-}" = plain ] ||
            wq $w $1 -c "SET citus.enable_ddl_propagation = off" -c "CREATE EXTENSION dunning" >/dev/null || return 1
    done
    cq $1 "SET client_min_messages = warning; CREATE EXTENSION citus" >/dev/null || return 1
    cq $1 "SELECT citus_set_coordinator_host('$coordinator', $cport)" >/dev/null || return 1
    for w in $workers; do
        cq $1 "SELECT citus_add_node('${w%:*}', ${w#*:})" >/dev/null || return 1
    done
    if [ "${2:-}" = plain ]; then
        cq $1 "SET client_min_messages = warning; CREATE EXTENSION dunning" >/dev/null
    else
        cq $1 "SET client_min_messages = warning; SET citus.enable_ddl_propagation = off; CREATE EXTENSION dunning" >/dev/null
    fi
}
layout_sql="SELECT count(*) FILTER (WHERE layout = 'distributed by customer_id') || ' ' || count(*) FILTER (WHERE layout = 'reference') || ' ' || count(*) FILTER (WHERE layout = 'local') FROM dunning.distribute()"

# distribute() on an empty ledger, then the sample generator
EMPTY=${DB}_empty
cluster_db $EMPTY plain
ok $? "a cluster database with citus, $(echo $workers | wc -w) workers and dunning, by one CREATE EXTENSION on the coordinator"
is "$(for w in $workers; do wq $w $EMPTY -qAt -c "SELECT extversion FROM pg_extension WHERE extname = 'dunning'"; done | sort -u)" \
   "$(cq $EMPTY "SELECT extversion FROM pg_extension WHERE extname = 'dunning'")" "... which Citus took to the workers"
layout=$(cq $EMPTY "SET client_min_messages = warning; $layout_sql")
ok $? "dunning.distribute() on the empty ledger ($layout: distributed, reference, local)"
is "${layout##* }" "0" "no table of the extension is left local"
is "$(cq $EMPTY "SELECT COALESCE(string_agg(p.logicalrelid::text, ' '), 'none') FROM pg_dist_partition p
                 WHERE p.partmethod = 'h'
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                                     JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
                                    WHERE k.conrelid = p.logicalrelid AND k.contype = 'p' AND a.attname = 'customer_id')")" \
   "none" "every distributed table has a primary key that starts with customer_id"
is "$(cq $EMPTY "SET client_min_messages = warning; $layout_sql")" "$layout" "distribute() again changes nothing (idempotent)"
PGHOST=$chost PGPORT=$cport PGUSER=$cuser psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $EMPTY $load
ok $? "the sample ledger loads into the distributed ledger"
# the running totals the triggers keep on the shards: those of the single node
totals="SELECT 'invoice', invoice_id, settled_amount, settled_on FROM dunning.invoice
        UNION ALL SELECT 'payment', payment_id, allocated_amount, NULL FROM dunning.payment WHERE customer_id IS NOT NULL"
single=$(q $DB "$totals" | sort | md5sum)
is "$(cq $EMPTY "$totals" | sort | md5sum)" "$single" "loaded after distribute(): every invoice's and payment's running totals as on a single node"
# the settlement facts the same triggers keep on the shards (kpi_monthly)
facts="SELECT customer_id, invoice_id, kind, source_id, currency, due_on, settled_on, amount, open_change
         FROM dunning_internal.settlement_fact"
is "$(cq $EMPTY "$facts" | sort | md5sum)" "$(q $DB "$facts" | sort | md5sum)" \
   "loaded after distribute(): the settlement facts as on a single node"

# a loaded ledger, then distribute(): the comparisons run here
cluster_db $DB
PGHOST=$chost PGPORT=$cport PGUSER=$cuser psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB $load
ok $? "the sample ledger loads into the cluster's coordinator"
layout=$(cq $DB "SET client_min_messages = warning; $layout_sql")
ok $? "dunning.distribute() on the loaded ledger ($layout)"
is "$(cq $DB "SELECT count(*) FROM dunning.payment_suspense")" "$(q $DB "SELECT count(*) FROM dunning.payment WHERE customer_id IS NULL")" \
   "the unidentified cash moved to dunning.payment_suspense"
# a setting changed on Citus: through the table (Citus cannot plan an
# UPDATE through the view of a reference table, doc/scale-out.md)
is "$(cq $DB "INSERT INTO dunning.setting (max_new_episodes_per_day) VALUES (40)
              ON CONFLICT (id) DO UPDATE SET max_new_episodes_per_day = EXCLUDED.max_new_episodes_per_day"
      cq $DB "SELECT max_new_episodes_per_day FROM dunning.settings"
      cq $DB "UPDATE dunning.setting SET max_new_episodes_per_day = NULL"
      cq $DB "SELECT COALESCE(max_new_episodes_per_day, 0) || ' ' || renotice_days FROM dunning.settings")" "40
0 14" "settings set and reset through dunning.setting on Citus, read through dunning.settings"

# compare QUERY on both: same rows, both ways
same() {    # same NAME SQL
    local single cluster
    single=$(q $DB "$2" 2>&1 | sort)
    cluster=$(cq $DB "$2" 2>&1 | sort)
    if [ "$single" == "$cluster" ] && [ -n "$single" ]; then
        ok 0 "$1: the same $(echo "$single" | wc -l) rows on a single node and on Citus"
    else
        ok 1 "$1: the same rows on a single node and on Citus"
        diff <(echo "$single") <(echo "$cluster") | head -6 | sed 's/^/#   /'
    fi
}
d="DATE '$as_of'"
same open_item "SELECT invoice_id, customer_id, open_amount FROM dunning.open_item"
same customer_balance "SELECT * FROM dunning.customer_balance"
same aging "SELECT * FROM dunning.aging"
same settlement "SELECT * FROM dunning.settlement"
same settlement_fact "$facts"
stl="SELECT s.customer_id, s.invoice_id, s.kind, COALESCE(s.allocation_id, s.write_off_id), s.currency, s.due_on,
            s.settled_on, s.amount, s.open_change FROM dunning_internal.ledger_settlement s"
same facts_are_settlements "SELECT (SELECT count(*) FROM ($stl EXCEPT ALL $facts) x) || ' '
                                   || (SELECT count(*) FROM ($facts EXCEPT ALL $stl) y) || ' '
                                   || (SELECT count(*) FROM dunning_internal.settlement_fact)"
same paid_invoice "SELECT * FROM dunning.paid_invoice"
same customer_risk "SELECT * FROM dunning.customer_risk_as_of($d)"
same kpi_as_of "SELECT * FROM dunning.kpi_as_of($d)"
same aging_as_of "SELECT * FROM dunning.aging_as_of($d)"
# one customer given as an argument (on Citus the query goes to its shard)
one=$(q $DB "SELECT min(o.customer_id) FROM dunning.open_item o
              WHERE EXISTS (SELECT FROM dunning.allocation a WHERE a.customer_id = o.customer_id)")
same "customer_risk_as_of(day, $one)" "SELECT * FROM dunning.customer_risk_as_of($d, $one)"
same "aging_as_of(day, $one)" "SELECT * FROM dunning.aging_as_of($d - 60, $one)"
same "open_items_as_of(day, $one)" "SELECT * FROM dunning.open_items_as_of($d - 60, $one)"
same cash_forecast "SELECT * FROM dunning.cash_forecast"
same disputes "SELECT * FROM dunning.dispute_root_cause"
same payer_by_customer "SELECT customer_id, round(dunning.weighted_days_late(due_on, paid_on, amount), 6),
                               round(dunning.avg_days_late(due_on, paid_on), 6), dunning.paydex(due_on, paid_on, amount)
                          FROM dunning.paid_invoice GROUP BY customer_id"
same payer_global "SELECT round(dunning.weighted_days_late(due_on, paid_on, amount), 6),
                          round(dunning.avg_days_late(due_on, paid_on), 6), dunning.paydex(due_on, paid_on, amount)
                     FROM dunning.paid_invoice"
# suggest: a payment of known payer and one waiting in the suspense on Citus,
# each the first that has answers on the single node
for known in "IS NOT NULL" "IS NULL"; do
    pay=$(q $DB "SELECT min(u.payment_id) FROM dunning.unapplied_payment u
                  WHERE u.customer_id $known AND EXISTS (SELECT FROM dunning.suggest(u.payment_id, 3))")
    same "suggest (customer_id $known)" "SELECT * FROM dunning.suggest($pay, 3)"
done
same auto_letter "SELECT count(*) FROM dunning.auto_letter()"
same auto_letter_allocations "SELECT customer_id, payment_id, invoice_id, credit_note_id, amount, method FROM dunning.allocation"
inv=$(q $DB "SELECT min(o.invoice_id) FROM dunning.open_item o JOIN dunning.unapplied_payment u USING (customer_id, currency)")
pay=$(q $DB "SELECT min(u.payment_id) FROM dunning.open_item o JOIN dunning.unapplied_payment u USING (customer_id, currency) WHERE o.invoice_id = $inv")
same allocate "SELECT dunning.allocate($pay, $inv) IS NOT NULL"
same allocate_rows "SELECT customer_id, payment_id, invoice_id, amount FROM dunning.allocation WHERE payment_id = $pay"
same unallocate "SELECT dunning.unallocate((SELECT a.allocation_id FROM dunning.allocation a
                                             WHERE a.payment_id = $pay AND a.invoice_id = $inv))"
same unallocated_item "SELECT invoice_id, open_amount FROM dunning.open_item WHERE invoice_id = $inv"
# a pending proposal confirmed, another rejected (chosen by payment: the ids
# of proposals differ between the two)
for verb in confirm reject; do
    ppay=$(q $DB "SELECT min(payment_id) FROM dunning.proposal WHERE status = 'pending'")
    is "$([ -n "$ppay" ] && echo yes)" "yes" "a pending proposal to $verb"
    same "${verb}_proposal" "SELECT dunning.${verb}_proposal((SELECT proposal_id FROM dunning.proposal
                                                          WHERE payment_id = $ppay AND status = 'pending'
                                                          ORDER BY rank LIMIT 1))::text IS NOT NULL"
    same "${verb}_proposal_rows" "SELECT customer_id, payment_id, invoice_id, amount::text FROM dunning.allocation
                                   WHERE payment_id = $ppay
                                   UNION ALL SELECT customer_id, payment_id, rank, status FROM dunning.proposal
                                   WHERE payment_id = $ppay"
done
# unlettering a group whose payer lettering inferred: the payment goes back
# to an unknown payer (on Citus: back to the suspense), in a transaction that
# writes on both workers (the rejected proposal, the payer history)
inferred=$(q $DB "SELECT min(h.payment_id) FROM dunning.payer_history h WHERE h.cleared_at IS NULL")
is "$([ -n "$inferred" ] && echo yes)" "yes" "a payment whose payer lettering inferred, to unletter"
same unletter "SELECT dunning.unletter((SELECT min(a.letter_id) FROM dunning.allocation a WHERE a.payment_id = $inferred))"
same unapplied_payment "SELECT * FROM dunning.unapplied_payment"
same unidentified_cash "SELECT payment_id FROM dunning.payment WHERE customer_id IS NULL
                        UNION ALL SELECT payment_id FROM dunning.payment_suspense"
same rejected_proposal "SELECT customer_id, payment_id, invoice_ids, amounts, status FROM dunning.proposal
                         WHERE payment_id = $inferred"
# a payment plan whose first instalment is missed (the run reminds it) and
# one broken (its grace is over): the runner reads plans on Citus too
plan_invoices() {   # every open item of the Nth customer whose open items are all overdue (two or more)
    q $DB "SELECT array_agg(o.invoice_id ORDER BY o.invoice_id) FROM dunning.open_item o
            WHERE o.customer_id = (SELECT customer_id FROM dunning.open_item GROUP BY customer_id
                                    HAVING count(*) >= 2 AND bool_and(is_overdue AND NOT in_dispute AND NOT is_credit_note)
                                    ORDER BY customer_id OFFSET $1 - 1 LIMIT 1)"
}
for n in 1 2; do
    items=$(plan_invoices $n)
    grace=$(( n == 1 ? 30 : 2 ))
    same "agree_payment_plan $n" "SELECT dunning.agree_payment_plan('$items'::bigint[],
                                   ARRAY[DATE '$as_of' - 10, DATE '$as_of' + 20],
                                   ARRAY[10.00, (SELECT sum(open_amount) FROM dunning.open_item
                                                  WHERE invoice_id = ANY ('$items'::bigint[])) - 10.00],
                                   'test', $grace, DATE '$as_of' - 20) IS NOT NULL"
done
# disputes and promises as a collector records them, by invoice or id alone
# (the functions find the customer; ids of rows the two loaded apart differ,
# so each side looks its own up)
disputed=$(q $DB "SELECT min(o.invoice_id) FROM dunning.open_item o
                   WHERE o.is_overdue AND NOT o.in_dispute AND NOT o.is_credit_note")
same open_dispute "SELECT dunning.open_dispute($disputed, 'quality', owner => 'carol', opened_on => DATE '$as_of' - 3) IS NOT NULL"
rejected=$(q $DB "SELECT min(invoice_id) FROM dunning.dispute WHERE status = 'open' AND invoice_id <> $disputed")
same resolve_dispute "SELECT dunning.resolve_dispute((SELECT dispute_id FROM dunning.dispute WHERE invoice_id = $rejected AND status = 'open'),
                                                     'rejected', 'checked', DATE '$as_of' - 1);
                      SELECT status, resolved_on, notes FROM dunning.dispute WHERE invoice_id = $rejected"
same disputes_recorded "SELECT customer_id, invoice_id, reason, owner, status, opened_on, resolved_on, notes FROM dunning.dispute"
promised=$(q $DB "SELECT array_agg(o.invoice_id ORDER BY o.invoice_id) FROM dunning.open_item o
                   WHERE o.customer_id = (SELECT min(customer_id) FROM dunning.open_item
                                           WHERE is_overdue AND NOT in_dispute AND NOT is_credit_note AND currency = 'EUR')
                     AND o.is_overdue AND NOT o.in_dispute AND NOT o.is_credit_note AND o.currency = 'EUR'")
same promise_to_pay "SELECT dunning.promise_to_pay('$promised'::bigint[], 10.00, DATE '$as_of' + 7, 'on the phone') IS NOT NULL"
same cancel_promise "SELECT dunning.promise_to_pay('$promised'::bigint[], 5.00, DATE '$as_of' + 9, 'withdrawn later');
                     SELECT dunning.cancel_promise((SELECT promise_id FROM dunning.promise WHERE note = 'withdrawn later'), 'by the customer')"
same promises_recorded "SELECT customer_id, invoice_ids, amount, currency, promised_on, status, status_on IS NOT NULL, note FROM dunning.promise"
# a scenario of its own: copied, and a step added (reference tables)
same copy_scenario "SELECT dunning.copy_scenario('standard', 'standard copy') IS NOT NULL;
                    INSERT INTO dunning.scenario_step (scenario_id, step_no, name, offset_days, channel, template)
                    SELECT scenario_id, 99, 'last word', 400, 'letter', 'reminder_1' FROM dunning.scenario WHERE name = 'standard copy';
                    SELECT st.step_no, st.name, st.offset_days, st.channel FROM dunning.scenario_step st
                      JOIN dunning.scenario sc USING (scenario_id) WHERE sc.name = 'standard copy'"
same rebuild_totals "SELECT dunning.rebuild_totals()"
same preview "SELECT customer_id, step_id, action_date, channel, recipient, invoice_count, totals, md5(body)
                FROM dunning.preview('$as_of 09:00+00')"
same run "SELECT dunning.run('$as_of 09:00+00')"
same run_actions "SELECT customer_id, kind, step_id, channel, action_date, status, recipient, subject, md5(body),
                         payload->'totals' FROM dunning.action"
same run_items "SELECT a.customer_id, a.kind, i.invoice_id, i.open_amount, i.days_overdue, i.interest, i.compensation
                  FROM dunning.action_item i JOIN dunning.action a ON a.customer_id = i.customer_id AND a.action_id = i.action_id"
same run_state "SELECT customer_id, episode_started_on, level_step_id, level_offset, last_notice_on, last_contact_on,
                       evaluated_on, waits_for FROM dunning.customer_dunning"
same run_log "SELECT customer_id, changed_on, event, from_step_id, to_step_id, reason FROM dunning.level_change"
same customer_ladder "SELECT customer_id, customer_name, scenario_id, episode_started_on, level, level_step_id, level_step_name,
                             level_on, last_notice_step_name, last_notice_on, last_notice_channel, last_notice_status,
                             next_step_id, next_step_name, next_earliest_on, waits_for, held_until, legal_case_id,
                             last_contact_on, evaluated_on FROM dunning.customer_ladder"
same payment_plan_status "SELECT * FROM dunning.payment_plan_status(DATE '$as_of' + 5)"
# a customer's timeline (the action ids left out: Citus numbers them customer by customer)
busy=$(q $DB "SELECT customer_id FROM dunning.payment WHERE customer_id IN (SELECT customer_id FROM dunning.action)
               GROUP BY customer_id ORDER BY count(*) DESC, customer_id LIMIT 1")
same customer_timeline "SELECT day, event, detail, invoice_ids FROM dunning.customer_timeline($busy)"
same run_instalment "SELECT customer_id, kind, channel, payload->>'instalment_no' FROM dunning.action WHERE kind = 'instalment'"
same run_plans "SELECT customer_id, status, status_on, (SELECT array_agg(k.reminded_on ORDER BY k.instalment_no)
                                                      FROM dunning.payment_plan_instalment k
                                                     WHERE k.customer_id = p.customer_id AND k.plan_id = p.plan_id)
                  FROM dunning.payment_plan p"
same run_again "SELECT dunning.run('$as_of 10:00+00')"
# the outbox: the action ids of the two differ (Citus made them customer by
# customer), so the cluster takes the single node's actions and items, then
# claims and marks sent there as on the single node
cq $DB "DELETE FROM dunning.action_item; DELETE FROM dunning.action" >/dev/null
for t in action action_item; do
    psql -X -q -d $DB -c "COPY dunning.$t TO STDOUT" |
        PGHOST=$chost PGPORT=$cport PGUSER=$cuser psql -X -q -v ON_ERROR_STOP=1 -d $DB -c "COPY dunning.$t FROM STDIN"
done
ok $? "the single node's actions and their items copy into the distributed outbox"
same claim "SELECT customer_id, action_id, channel FROM dunning.claim_actions('email', 40, 'test')"
same mark_sent "SELECT count(*) FROM dunning.mark_sent_many(
                    ARRAY(SELECT a.action_id FROM dunning.action a WHERE a.claimed_by = 'test' AND a.status = 'queued'
                           ORDER BY a.action_id LIMIT 25), pg_catalog.array_fill(NULL::text, ARRAY[25]))"
same outbox "SELECT customer_id, action_id, status, claimed_by FROM dunning.action"
# four senders claim at once on the cluster: every claimable action once
cq $DB "CREATE TABLE claim_log (session text, action_id bigint)"
claimable=$(cq $DB "SELECT count(*) FROM dunning.action WHERE channel = 'email' AND status IN ('queued', 'failed')")
for n in 1 2 3 4; do
    PGHOST=$chost PGPORT=$cport PGUSER=$cuser psql -X -q -v ON_ERROR_STOP=1 -d $DB \
        -c "INSERT INTO claim_log SELECT 's$n', c.action_id FROM dunning.claim_actions('email', 30, 's$n') c" \
        -c "SELECT pg_sleep(3)" >/dev/null 2>/tmp/citus_claim_$n.err &
done
wait
# the four take 120 at most: each claimable action once, and none left to take
# while one of them had room (an empty outbox would prove nothing)
expect=$(( claimable < 120 ? claimable : 120 ))
is "$(cq $DB "SELECT count(*) || ' ' || count(DISTINCT action_id) || ' ' || (count(*) > 0) FROM claim_log")" \
   "$expect $expect true" \
   "four concurrent claims on Citus: $expect of the $claimable claimable actions, each claimed once"
cq $DB "DROP TABLE claim_log"
same step_effectiveness "UPDATE dunning.action SET status = 'sent', sent_at = '$as_of 12:00+00' WHERE status IN ('queued', 'failed');
                         SELECT * FROM dunning.step_effectiveness_as_of(DATE '$as_of' + 40)"
same refresh_segments "SELECT dunning.refresh_segments($d)"
same segments "SELECT customer_id, risk_segment FROM dunning.customer"

# a bank file in: three credits that pay open invoices by their numbers, one
# of a payer nobody knows (on Citus it waits in the suspense), then a file
# that returns one of the credits (MT940 RC: its letters undone)
mt940=$(q $DB "WITH o AS (SELECT i.invoice_number, o.open_amount::numeric(20,2) AS amount
                            FROM dunning.open_item o JOIN dunning.invoice i ON i.invoice_id = o.invoice_id
                           WHERE o.currency = 'EUR' AND NOT o.is_credit_note ORDER BY o.invoice_id LIMIT 3),
                     c AS (SELECT invoice_number, amount FROM o UNION ALL SELECT 'NOBODY KNOWS THIS', 77.70)
                SELECT E':20:CITUS-1\n:25:DE89370400440532013000\n:28C:00001/001\n:60F:C261124EUR0,00\n'
                       || string_agg(':61:2611241124CR' || replace(amount::text, '.', ',') || 'NTRFNONREF//BK-'
                                     || md5(invoice_number) || E'\n:86:166?20' || invoice_number || E'\n', ''
                                     ORDER BY invoice_number)
                       || ':62F:C261124EUR' || replace(sum(amount)::text, '.', ',') || E'\n-' FROM c")
same import_statement "SELECT entries, new_payments, duplicates, returned, lettered
                         FROM dunning.import_statement(\$f\$$mt940\$f\$, 'mt940')"
same import_again "SELECT entries, new_payments, duplicates FROM dunning.import_statement(\$f\$$mt940\$f\$, 'mt940')"
same imported_allocations "SELECT e.bank_ref, a.customer_id, a.invoice_id, a.amount
                             FROM dunning.bank_entry e JOIN dunning.allocation a ON a.payment_id = e.payment_id"
same imported_unidentified "SELECT e.bank_ref, e.amount FROM dunning.bank_entry e
                             WHERE e.payment_id IN (SELECT payment_id FROM dunning.payment WHERE customer_id IS NULL
                                                    UNION ALL SELECT payment_id FROM dunning.payment_suspense)"
ret=$(q $DB "SELECT E':20:CITUS-2\n:25:DE89370400440532013000\n:28C:00002/001\n:60F:C261124EUR'
                    || replace(sum(e.amount) OVER ()::text, '.', ',') || E'\n:61:2611251125RC'
                    || replace(e.amount::text, '.', ',') || 'NRTINONREF//' || e.bank_ref
                    || E'\n:86:109?20RUECKLASTSCHRIFT\n:62F:C261125EUR'
                    || replace((sum(e.amount) OVER () - e.amount)::text, '.', ',') || E'\n-'
               FROM dunning.bank_entry e WHERE e.statement_id = (SELECT max(statement_id) FROM dunning.bank_statement)
              ORDER BY e.bank_ref LIMIT 1")
same import_return "SELECT entries, new_payments, returned FROM dunning.import_statement(\$f\$$ret\$f\$, 'mt940')"
same return_entry "SELECT bank_ref, amount, return_reason, returned_payment_id IS NOT NULL, reverses_entry_id IS NOT NULL
                     FROM dunning.bank_entry WHERE amount < 0"
# the returned payment: back to an unknown payer (lettering had inferred it),
# so on Citus in the suspense
same returned_payment "SELECT p.returned_on, p.return_reason, p.customer_id, p.allocated_amount
                         FROM dunning.payment p WHERE p.returned_on IS NOT NULL
                        UNION ALL
                       SELECT (s.payment->>'returned_on')::date, s.payment->>'return_reason',
                              (s.payment->>'customer_id')::bigint, (s.payment->>'allocated_amount')::numeric
                         FROM dunning.payment_suspense s WHERE s.payment->>'returned_on' IS NOT NULL"
same returned_reopened "SELECT invoice_id, open_amount FROM dunning.open_item"
same facts_after_return "$facts"
same bank_reconciliation "SELECT account, statement_ref, format, closing_on, entries, credits, credit_amount, debits, debit_amount,
                                 lettered, lettered_amount, proposed, unapplied, unapplied_amount, returned, returned_amount
                            FROM dunning.bank_reconciliation"
# a payment's day, a credit note's issue day and an invoice's due day moved
# (as an admin would): the facts made again on the shards as on a single node
read pc pp <<< "$(q $DB "SELECT customer_id, payment_id FROM dunning.allocation WHERE payment_id IS NOT NULL
                          ORDER BY allocation_id LIMIT 1" | tr '|' ' ')"
read cc cn <<< "$(q $DB "SELECT customer_id, credit_note_id FROM dunning.allocation WHERE credit_note_id IS NOT NULL
                          ORDER BY allocation_id LIMIT 1" | tr '|' ' ')"
read ic ii <<< "$(q $DB "SELECT customer_id, invoice_id FROM dunning.allocation ORDER BY allocation_id DESC LIMIT 1" | tr '|' ' ')"
same redated "UPDATE dunning.payment SET received_on = received_on + 3 WHERE customer_id = $pc AND payment_id = $pp;
              UPDATE dunning.invoice SET issued_on = issued_on - 2 WHERE customer_id = $cc AND invoice_id = $cn;
              UPDATE dunning.invoice SET due_on = due_on + 10 WHERE customer_id = $ic AND invoice_id = $ii;
              SELECT * FROM dunning.settlement WHERE customer_id IN ($pc, $cc, $ic)"
same facts_after_redate "$facts"
same facts_are_settlements_after_redate "SELECT (SELECT count(*) FROM ($stl EXCEPT ALL $facts) x) || ' '
                                                || (SELECT count(*) FROM ($facts EXCEPT ALL $stl) y)"
# cash of unknown payer written with a plain INSERT INTO dunning.payment (the
# documented loading path; the first by an admin, the role allowed to): on
# Citus it lands in the suspense, one row with a customer beside it in
# dunning.payment
same insert_unknown_payer "SET ROLE dunning_admin;
                           INSERT INTO dunning.payment (received_on, amount, currency, payer_name, remittance_info)
                           VALUES ('2026-11-24', 12.34, 'EUR', 'NOBODY KNOWN', 'INSERTED BY HAND')
                           RETURNING received_on, amount, currency, customer_id, allocated_amount"
same insert_mixed_payers "INSERT INTO dunning.payment (received_on, amount, customer_id, payer_name)
                          VALUES ('2026-11-24', 5.00, NULL, 'NOBODY KNOWN'), ('2026-11-24', 6.00, $pc, 'KNOWN')
                          RETURNING amount, customer_id"
same insert_bulk_unknown "INSERT INTO dunning.payment (received_on, amount, payer_name)
                          SELECT DATE '2026-11-24', 1.00 + g, 'NOBODY KNOWN' FROM generate_series(1, 3) g
                          RETURNING amount, customer_id"
same insert_bound_payers "PREPARE pay(bigint) AS INSERT INTO dunning.payment (received_on, amount, customer_id, payer_name)
                              VALUES ('2026-11-24', 8.00, \$1, CASE WHEN \$1 IS NULL THEN 'NOBODY KNOWN' ELSE 'KNOWN' END)
                              RETURNING amount, customer_id;
                          EXECUTE pay(NULL); EXECUTE pay($pc)"
is "$(cq $DB "SELECT count(*) FROM dunning.payment_suspense WHERE payment->>'payer_name' = 'NOBODY KNOWN'") $(cq $DB "SELECT count(*) FROM dunning.payment WHERE payer_name = 'KNOWN'")" \
   "6 2" "on Citus the six payments of unknown payer wait in the suspense, the two known ones are in dunning.payment"
same unapplied_after_insert "SELECT payment_id IS NOT NULL, customer_id, amount FROM dunning.unapplied_payment
                              WHERE amount IN (2.00, 3.00, 4.00, 5.00, 6.00, 8.00, 12.34)"
same refresh_kpi "SELECT dunning.refresh_kpi(); SELECT to_jsonb(k) - 'refreshed_at' FROM dunning.kpi_monthly k"
# a customer's personal data erased (its payments' and bank entries' texts
# reduced row by row on Citus)
same erase_customer "SELECT dunning.erase_customer($pc, false, 'test')"
same erased_payments "SELECT received_on, amount, payer_name, payer_iban, remittance_info FROM dunning.payment WHERE customer_id = $pc"

if [ -z "${DUNNING_CITUS_KEEP:-}" ]; then
    drop_db $DB
    for d in $DB $EMPTY; do
        cq postgres "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1
        for w in $workers; do wq $w postgres -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1; done
    done
fi
done_testing
