#!/usr/bin/env bash
# Bench of dunning-sender against the server the PG* variables name (the
# current build installed): N queued e-mails (default 20,000, reminder-sized
# HTML bodies) delivered by `dunning-sender --once` to a local SMTP sink
# (test/sink/smtp_sink.py --count-only, Debian's python3-aiosmtpd) over one
# SMTP connection, each marked sent in its own transaction.  Prints e-mails
# per second with the wall time, the connections the sink saw and the CPU
# time of the sender and of the sink, then the same with --concurrency 2.
#   bash bench/sender.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000}
DB=dunning_bench_sender
SENDER=$("${PG_CONFIG:-pg_config}" --bindir)/dunning-sender
work=$(mktemp -d)
trap 'kill $(cat $work/pid 2>/dev/null) 2>/dev/null; rm -rf "$work"' EXIT
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql -X -q -d $DB -c "CREATE EXTENSION dunning"

load() {
    psql -X -q -d $DB <<SQL
TRUNCATE dunning.action CASCADE;
-- one customer per action: one notice per customer and day
INSERT INTO dunning.customer (customer_id, name, email, timezone)
SELECT g, 'Customer ' || g, 'ap' || g || '@acme.test', 'UTC' FROM generate_series(1, $N) g
    ON CONFLICT DO NOTHING;
INSERT INTO dunning.action (action_id, customer_id, scenario_id, step_id, step_name, offset_days, action_date,
                            channel, recipient, language, subject, body, payload, as_of)
SELECT g, g, 1, g, 'reminder_1', 7, '2026-03-16', 'email', 'c' || g || '@example.com', 'en',
       'Payment reminder: EUR ' || (100 + g % 900) || '.00 overdue',
       '<p>Dear Customer ' || g || ',</p>
<p>Our records show that the following invoices are overdue:</p>
<table class="invoices">
<tr><th>Invoice</th><th>Due date</th><th>Days overdue</th><th>Amount due</th></tr>
<tr><td>F-' || g || '-1</td><td>2026-02-01</td><td>43</td><td align="right">EUR 120.00</td></tr>
<tr><td>F-' || g || '-2</td><td>2026-02-15</td><td>29</td><td align="right">EUR ' || (g % 900) || '.00</td></tr>
</table>
<p>Total overdue: EUR ' || (100 + g % 900) || '.00. If you have already paid, please ignore this message.</p>
<p>Pay online: <a href="https://pay.example.com/p?t=' || md5(g::text) || '">https://pay.example.com/p?t=' || md5(g::text) || '</a></p>',
       '{}', now()
  FROM generate_series(1, $N) g;
VACUUM ANALYZE dunning.action;
SQL
}

cpu_ticks() { awk '{ print $14 + $15 }' /proc/$1/stat; }

run() {     # run LABEL SENDER-OPTIONS...
    local label=$1; shift
    load
    mkdir -p $work/sink; rm -f $work/sink/*
    /usr/bin/python3 test/sink/smtp_sink.py --count-only --dir $work/sink --port-file $work/sink/port > $work/sink/log 2>&1 &
    echo $! > $work/pid
    while [ ! -s $work/sink/port ]; do sleep 0.1; done
    local sink_start; sink_start=$(cpu_ticks "$(cat $work/pid)")
    local t0 t1; t0=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o $work/time "$SENDER" -d $DB --once --batch 200 \
        --smtp-url "smtp://127.0.0.1:$(cat $work/sink/port)" --smtp-from billing@acme.test "$@" 2> $work/log
    t1=$(date +%s.%N)
    local sink_cpu; sink_cpu=$(( $(cpu_ticks "$(cat $work/pid)") - sink_start ))
    kill "$(cat $work/pid)"; wait "$(cat $work/pid)" 2>/dev/null || true
    local sent; sent=$(psql -X -qAt -d $DB -c "SELECT count(*) FROM dunning.action WHERE status = 'sent'")
    awk -v l="$label" -v n="$sent" -v a="$t0" -v b="$t1" -v t="$(cat $work/time)" -v s="$sink_cpu" \
        -v st="$(cat $work/sink/stats.json)" -v hz="$(getconf CLK_TCK)" 'BEGIN {
        split(t, c, " "); match(st, /"messages": [0-9]+/); m = substr(st, RSTART + 12, RLENGTH - 12)
        match(st, /"connections": [0-9]+/); k = substr(st, RSTART + 15, RLENGTH - 15)
        printf "%-28s %6d sent, sink got %6d over %d connection(s) in %6.2f s: %6.0f e-mails/s; CPU: sender %.2f s, sink %.2f s\n",
               l, n, m, k, b - a, n / (b - a), c[1] + c[2], s / hz }'
}

# The sink's own ceiling: Python's smtplib sends N prepared messages of the
# same size over one connection, without any database.
floor() {
    mkdir -p $work/sink; rm -f $work/sink/*
    /usr/bin/python3 test/sink/smtp_sink.py --count-only --dir $work/sink --port-file $work/sink/port > $work/sink/log 2>&1 &
    echo $! > $work/pid
    while [ ! -s $work/sink/port ]; do sleep 0.1; done
    /usr/bin/python3 - "$(cat $work/sink/port)" "$N" <<'PY'
import smtplib, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
body = ('Subject: Payment reminder\r\nMessage-ID: <x@acme.test>\r\n\r\n' + 'x' * 70 + '\r\n') * 1
body = body + ('y' * 76 + '\r\n') * 30
s = smtplib.SMTP('127.0.0.1', port)
t0 = time.time()
for i in range(n):
    s.sendmail('billing@acme.test', ['c%d@example.com' % i], body)
dt = time.time() - t0
s.quit()
print('%-28s %6d sent over 1 connection in %6.2f s: %6.0f e-mails/s (no database)' % ('floor: smtplib to the sink', n, dt, n / dt))
PY
    kill "$(cat $work/pid)"; wait "$(cat $work/pid)" 2>/dev/null || true
}

echo "== dunning-sender --once, $N e-mails to a local SMTP sink"
floor
run "one connection"
run "one connection (again)"
run "--concurrency 2" --concurrency 2
[ "${KEEP:-0}" = 1 ] || psql -X -q -d postgres -c "DROP DATABASE $DB"
