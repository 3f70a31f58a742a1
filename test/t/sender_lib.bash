# Helpers of the dunning-sender tests (sourced after lib.bash): the program,
# the local sinks (test/sink/), outbox fixtures.
top=$(cd "$(dirname "$0")/../.." && pwd)
SENDER=$("${PG_CONFIG:-pg_config}" --bindir)/dunning-sender
PY=/usr/bin/python3             # Debian's, with python3-aiosmtpd
work=$(mktemp -d)
chmod 755 "$work"

start_sink() {  # start_sink smtp|http NAME ARGS...: a sink in $work/NAME; its port in $work/NAME/port
    local kind=$1 name=$2 d=$work/$2 i
    shift 2
    mkdir -p "$d"
    $PY "$top/test/sink/${kind}_sink.py" --dir "$d" --port-file "$d/port" "$@" > "$d/log" 2>&1 &
    echo $! > "$d/pid"
    for i in $(seq 100); do [ -s "$d/port" ] && return 0; sleep 0.1; done
    echo "# sink $name did not start: $(cat "$d/log")"; return 1
}
port() { cat "$work/$1/port"; }
stop_sink() { local p; p=$(cat "$work/$1/pid" 2>/dev/null) && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; true; }
received() { [ -f "$work/$1/index.jsonl" ] && wc -l < "$work/$1/index.jsonl" || echo 0; }
posted() { [ -f "$work/$1/requests.jsonl" ] && wc -l < "$work/$1/requests.jsonl" || echo 0; }
wait_until() {  # wait_until SECONDS COMMAND...: true once COMMAND succeeds
    local end=$(( $(date +%s) + $1 )); shift
    while ! "$@"; do [ "$(date +%s)" -ge "$end" ] && return 1; sleep 0.1; done
}
sender_cleanup() {
    local d
    for d in "$work"/*/; do [ -f "$d/pid" ] && stop_sink "$(basename "$d")"; done
    rm -rf "$work"
}

# actions DB FIRST COUNT CHANNEL RECIPIENT-SQL [SUBJECT-SQL [BODY-SQL]]: queued actions
# FIRST.. of customer 1 (step_id = action_id), g being the action id in the SQL expressions.
actions() {
    q "$1" "INSERT INTO dunning.action (action_id, customer_id, scenario_id, step_id, step_name, offset_days, action_date,
                                        channel, recipient, language, subject, body, payload, as_of)
            SELECT g, 1, 1, g, 'reminder_1', 7, DATE '2020-01-01' + g::integer, '$4', $5, 'en', ${6:-"'Payment reminder ' || g"},
                   ${7:-"'<p>Dear Acme,</p><p>Invoice F-' || g || ' is overdue.</p>'"}, '{\"invoices\": []}', now()
              FROM generate_series($2, $2 + $3 - 1) g" > /dev/null
}
sender_db() {   # sender_db DB: a fresh database with customer 1 and a hook that records its calls
    fresh_db "$1" && psql -X -q -v ON_ERROR_STOP=1 -d "$1" > /dev/null <<'SQL'
INSERT INTO dunning.customer (customer_id, name, email, timezone) VALUES (1, 'Acme', 'ap@acme.test', 'UTC');
CREATE TABLE public.hook_calls (action_id bigint);
CREATE OR REPLACE FUNCTION dunning_internal.on_action_failed(action_id bigint) RETURNS void
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$ INSERT INTO public.hook_calls VALUES (action_id) $$;
SQL
}
