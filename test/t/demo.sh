#!/usr/bin/env bash
# The README's demo, end to end, on a small sample ledger: `scripts/demo
# --keep` (the same body as the plain demo, in a cluster of its own that the
# test can still read after the script ends), then `scripts/demo --stop`.
# Asserts what the demo promises to print (the lettering summary, today's
# reminders delivered, one received e-mail, one customer's timeline) and
# that the outbox the sender left matches what the sinks received.  Uses the
# dunning installed for the pg_config on the PATH (DEMO_SKIP_BUILD=1).
. "$(dirname "$0")/lib.bash"
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
[ "$(id -u)" = 0 ] && chmod 755 "$tmp"
export DEMO_DIR=$tmp/demo DEMO_SKIP_BUILD=1
# a free port: the kept cluster listens on a Unix socket only, so a port is
# free when no socket file of that number is in its directory; pick one far
# from the suite's own clusters
export DEMO_PORT=$(( 56000 + $$ % 1000 ))
trap 'scripts/demo --stop >/dev/null 2>&1; rm -rf "$tmp"' EXIT

scripts/demo --keep 300 7 > "$tmp/out" 2> "$tmp/err"
ok $? "scripts/demo --keep 300 7 exits 0"
sed 's/^/# /' "$tmp/err" | tail -5

grep -q '^== generating a sample ledger: 300 customers, seed 7' "$tmp/out"
ok $? "the demo generated the sample ledger it was asked for"
grep -q "^== Today's reminders into the outbox: dunning.run()" "$tmp/out"
ok $? "the demo ran dunning.run()"
deliveries=$(sed -n 's/^ *\([0-9][0-9]*\) deliveries logged in .*/\1/p' "$tmp/out")
ok $([ "${deliveries:-0}" -gt 0 ]; echo $?) "dunning-sender logged deliveries (${deliveries:-none})"
received=$(sed -n 's/.*the SMTP sink received \([0-9][0-9]*\) e-mails.*/\1/p' "$tmp/out")
ok $([ "${received:-0}" -gt 0 ]; echo $?) "the SMTP sink received e-mails (${received:-none})"

# one e-mail printed as received: headers, then a body
sed -n '/^== One e-mail as the SMTP server received it/,/^== The next six weeks/p' "$tmp/out" > "$tmp/mail"
grep -qE '^Subject: .+' "$tmp/mail" && grep -qE '^From: .*receivables@acme.example' "$tmp/mail"
ok $? "one received e-mail is printed with its Subject and the configured From"
grep -q '^To: ' "$tmp/mail"
ok $? "the printed e-mail names its recipient"

sed -n '/^== The next six weeks/,$p' "$tmp/out" > "$tmp/timeline"
steps=$(grep -cE 'reminder|notice|legal|call' "$tmp/timeline")
ok $([ "$steps" -ge 2 ]; echo $?) "one customer's timeline lists at least two ladder steps ($steps lines)"

# the cluster is still there: what the outbox says agrees with the sinks
demo_q() { psql -X -qAt -h "$DEMO_DIR" -p "$DEMO_PORT" -U postgres -d dunning_demo -c "$1"; }
sent=$(demo_q "SELECT count(*) FROM dunning.action WHERE channel = 'email' AND status = 'sent'")
is "$sent" "$received" "every e-mail the outbox marks sent reached the SMTP sink, and no other"
is "$(demo_q "SELECT count(*) FROM dunning.action WHERE status IN ('queued', 'claimed')")" "0" \
   "nothing is left queued or claimed after dunning-sender --once"
is "$(demo_q "SELECT count(*) FROM dunning.customer")" "300" "the kept cluster holds the 300 customers"

scripts/demo --stop > /dev/null 2>&1
ok $? "scripts/demo --stop"
ok $([ ! -e "$DEMO_DIR" ]; echo $?) "--stop removes the demo's directory"
done_testing
