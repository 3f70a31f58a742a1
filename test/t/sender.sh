#!/usr/bin/env bash
# dunning-sender against real local servers: an SMTP sink (aiosmtpd) and an
# HTTP sink (test/sink/).  Options and refusals, delivery with the right
# headers and body over one reused connection, transient and permanent
# failures (451, 550, 554, dropped connections; HTTP 400, 500, 503,
# timeouts), the test-mode redirect, the rate limit, and the daemon (NOTIFY,
# a retry falling due, SIGTERM).
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/sender_lib.bash"
DB=dunning_sender
trap "${KEEP:+:} sender_cleanup; ${KEEP:+:} drop_db $DB" EXIT
sender_db $DB
ok $? "test database"

# -- Options ----------------------------------------------------------------
out=$("$SENDER" --help); rc=$?
ok $([ $rc -eq 0 ] && echo "$out" | grep -q -- '--smtp-url' && echo "$out" | grep -q -- '--once' \
     && echo "$out" | grep -q 'Exit status'; echo $?) "--help explains the options and exit codes (exit 0)"
"$SENDER" --bogus 2> /dev/null
is $? 2 "an unknown option: exit 2"
err=$("$SENDER" -d $DB --once --smtp-url 'smtp://mailer:s3cret@127.0.0.1:25' --smtp-from a@b.test 2>&1)
is $? 2 "credentials in a URL on the command line are refused (exit 2)"
ok $(echo "$err" | grep -qv s3cret; echo $?) "...and the password is not repeated in the log"
"$SENDER" -d $DB --once 2> /dev/null
is $? 2 "no transport configured: exit 2"
psql -X -q -d $DB -c "INSERT INTO dunning.sender_setting VALUES ('smtp-url', 'smtps://u:p@mail.test')" 2> /dev/null
is $? 1 "the settings table refuses a URL with credentials"
"$SENDER" -d "dbname=${DB}_missing" --once --smtp-url smtp://127.0.0.1:1 --smtp-from a@b.test 2> /dev/null
is $? 1 "an unreachable database: exit 1"

# -- E-mail: delivered once each, headers and body, one connection -----------
start_sink smtp mail
actions $DB 1 20 email "'c' || g || '@example.com'"
q $DB "UPDATE dunning.action SET subject = 'Rappel : 1 200,00 € échu — facture F-2', body = '<p>Bonjour,</p>
<table class=\"invoices\"><tr><th>Facture</th><th>Montant</th></tr><tr><td>F-2</td><td align=\"right\">1 200,00 €</td></tr></table>
<p>Payer : <a href=\"https://pay.test/p?t=a&amp;b=1\">https://pay.test/p?t=a&amp;b=1</a></p>' WHERE action_id = 2;
       UPDATE dunning.action SET body = 'Plain text, no markup.' || E'\n' || '.' || E'\n' || 'A line with a lone dot above.' WHERE action_id = 3" > /dev/null
actions $DB 21 1 thanks "'thanks@example.com'" "'Thank you'" "'<p>Thank you for your payment.</p>'"
actions $DB 22 1 email "E'victim@example.com\r\nBcc: everyone@example.com'"
actions $DB 23 1 sms "'+32 2 555 01 23'"
# settings from the table; the command line wins over the table
q $DB "INSERT INTO dunning.sender_setting VALUES ('smtp-url', 'smtp://127.0.0.1:$(port mail)'),
                                                ('smtp-from', 'Wrong <wrong@wrong.test>')" > /dev/null
"$SENDER" -d $DB --once --smtp-from 'Acme Billing <billing@acme.test>' 2> $work/log1
is $? 0 "--once with the SMTP URL from dunning.sender_setting: exit 0"
is "$(q $DB "SELECT status, count(*) FROM dunning.action GROUP BY 1 ORDER BY 1" | tr '\n' ' ')" \
   "failed|1 queued|1 sent|21 " "21 e-mails sent, the CR/LF recipient failed, the SMS (no SMS URL) left queued"
is "$(q $DB "SELECT count(*) FROM dunning.action WHERE status = 'sent'
               AND provider_message_id = dunning.message_id(action_id, 'acme.test')")" "21" \
   "provider_message_id = the Message-ID (<action.hash@from domain>)"
is "$(received mail)" "21" "the sink received 21 messages"
is "$($PY -c "import json,sys; r=[json.loads(l) for l in open('$work/mail/index.jsonl')];
print(len({x['message_id'] for x in r}), len({x['connection'] for x in r}), sorted({x['mail_from'] for x in r}))")" \
   "21 1 ['billing@acme.test']" "21 distinct Message-IDs, all over one SMTP connection, envelope from billing@acme.test"
is "$(q $DB "SELECT status || '|' || COALESCE(next_attempt_at::text, 'no retry') || '|' || last_error FROM dunning.action WHERE action_id = 22")" \
   "failed|no retry|recipient contains a line break (CR or LF): never sent" "the CR/LF recipient failed for good"
ok $(grep -q -i -e victim -e everyone "$work"/mail/*.eml "$work/mail/index.jsonl"; [ $? -eq 1 ]; echo $?) \
   "...and never reached the SMTP server"
is "$(grep -c 'event=delivery .*outcome=sent .*latency_ms=' $work/log1)" "21" "one structured log line per delivered action"
# headers and body of action 2, read back with Python's e-mail parser
want_subject=$(q $DB "SELECT subject FROM dunning.action WHERE action_id = 2")
want_mid=$(q $DB "SELECT dunning.message_id(2, 'acme.test')")
check=$($PY - "$work/mail" 2 <<'PY'
import email, email.policy, json, sys
d, action = sys.argv[1], sys.argv[2]
for line in open(d + '/index.jsonl'):
    r = json.loads(line)
    if r['action'] == action:
        raw = open('%s/%06d.eml' % (d, r['n']), 'rb').read()
m = email.message_from_bytes(raw, policy=email.policy.default)
text = m.get_body(('plain',)).get_content()
html = m.get_body(('html',)).get_content()
print(m['Message-ID']); print(m['To']); print(m['Subject']); print(m['From'])
print(m.get_content_type(), bool(m['Date']), m['Date'].datetime is not None)
print('F-2 | 1 200,00 €' in text, 'https://pay.test/p?t=a&b=1' in text, '<' not in text)
print(html.strip().startswith('<p>Bonjour,</p>'), b'=?UTF-8?B?' in raw.split(b'\r\n\r\n')[0])
PY
)
is "$(echo "$check" | sed -n 1p)" "$want_mid" "Message-ID derived from the action"
is "$(echo "$check" | sed -n 2p)" "c2@example.com" "To = the recipient"
is "$(echo "$check" | sed -n 3p)" "$want_subject" "Subject decodes to the action's (RFC 2047 in the header)"
is "$(echo "$check" | sed -n 4p)" "Acme Billing <billing@acme.test>" "From as given on the command line (not the table's)"
is "$(echo "$check" | sed -n 5p)" "multipart/alternative True True" "multipart/alternative, with a Date"
is "$(echo "$check" | sed -n 6p)" "True True True" "text part derived from the HTML: table row, link address, no markup"
is "$(echo "$check" | sed -n 7p)" "True True" "HTML part is the rendered body; the header is encoded"
body3=$($PY -c "
import email, email.policy, json
for l in open('$work/mail/index.jsonl'):
    r = json.loads(l)
    if r['action'] == '3':
        m = email.message_from_bytes(open('$work/mail/%06d.eml' % r['n'], 'rb').read(), policy=email.policy.default)
        print(m.get_content_type(), repr(m.get_content().replace('\r\n', '\n')))")
is "$body3" "text/plain 'Plain text, no markup.\\n.\\nA line with a lone dot above.\\n'" \
   "a body without markup goes as text/plain; a lone dot survives (dot-stuffing)"
"$SENDER" -d $DB --once --smtp-from billing@acme.test 2> /dev/null
is "$(received mail)" "21" "a second --once sends nothing again"
q $DB "DELETE FROM dunning.sender_setting" > /dev/null

# -- STARTTLS with AUTH from a credentials file; smtps -------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout $work/key.pem -out $work/cert.pem -days 2 -subj /CN=localhost \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2> /dev/null
start_sink smtp tls --tls-cert $work/cert.pem --tls-key $work/key.pem --auth mailer:s3cret
printf 'user=mailer\npassword=s3cret\n' > $work/cred
chmod 600 $work/cred
actions $DB 51 2 email "'t' || g || '@example.com'"
tls="--smtp-url smtp://127.0.0.1:$(port tls) --smtp-from billing@acme.test --smtp-ca-file $work/cert.pem"
"$SENDER" -d $DB --once $tls --smtp-credentials-file $work/cred 2> $work/log6
is "$(q $DB "SELECT string_agg(status, ',') FROM dunning.action WHERE action_id IN (51, 52)")" "sent,sent" "delivered to a server offering STARTTLS and AUTH"
is "$($PY -c "import json; r=[json.loads(l) for l in open('$work/tls/index.jsonl')]; print(len(r), all(x['tls'] and x['authenticated'] for x in r))")" \
   "2 True" "...over STARTTLS (certificate checked with --smtp-ca-file), authenticated from the credentials file"
start_sink smtp smtps --tls-cert $work/cert.pem --tls-key $work/key.pem --implicit-tls
actions $DB 54 1 email "'t54@example.com'"
"$SENDER" -d $DB --once --smtp-url smtps://127.0.0.1:$(port smtps) --smtp-from billing@acme.test --smtp-ca-file $work/cert.pem 2>> $work/log6
is "$(q $DB "SELECT status FROM dunning.action WHERE action_id = 54") $(received smtps)" "sent 1" "smtps:// (TLS from the first byte)"

# -- SMTP failures: 550, 554, 451 then OK, dropped connections ----------------
start_sink smtp fail --rcpt-reply nobody@=550 --transient busy@=1 --data-reply REJECTME=554 --drop-after 3
actions $DB 101 10 email "'d' || g || '@example.com'"
actions $DB 111 1 email "'nobody@example.com'"
actions $DB 112 1 email "'busy@example.com'"
actions $DB 113 1 email "'spam@example.com'" "'Offer'" "'<p>REJECTME</p>'"
smtp_fail="--smtp-url smtp://127.0.0.1:$(port fail) --smtp-from billing@acme.test"
"$SENDER" -d $DB --once $smtp_fail 2> $work/log2
is $? 0 "--once against a failing server: exit 0 (outcomes are in the outbox)"
is "$(q $DB "SELECT count(*) FROM dunning.action WHERE action_id BETWEEN 101 AND 110 AND status = 'sent'")" "10" \
   "10 e-mails sent although the server drops the connection after every 3rd message"
is "$($PY -c "import json; r=[json.loads(l) for l in open('$work/fail/index.jsonl')];
print(len(r), len({x['message_id'] for x in r}), len({x['connection'] for x in r}) > 1)")" "10 10 True" \
   "each once, over new connections"
is "$(q $DB "SELECT status || '|' || attempts || '|' || COALESCE(next_attempt_at::text, 'no retry') || '|' || last_error
               FROM dunning.action WHERE action_id = 111")" \
   "failed|1|no retry|SMTP recipient refused: 550 5.1.1 refused by the sink" "550 on RCPT: failed for good, reason kept"
is "$(q $DB "SELECT status || '|' || COALESCE(next_attempt_at::text, 'no retry') || '|' || last_error FROM dunning.action WHERE action_id = 113")" \
   "failed|no retry|SMTP message refused: 554 5.7.1 message refused by the sink" "554 after the message: failed for good"
is "$(q $DB "SELECT string_agg(action_id::text, ',' ORDER BY action_id) FROM hook_calls")" "22,111,113" \
   "the permanent-failure hook ran once for each permanent failure"
is "$(q $DB "SELECT status || '|' || attempts || '|' || (next_attempt_at > now()) || '|' || last_error FROM dunning.action WHERE action_id = 112")" \
   "failed|1|true|SMTP RCPT refused (transient): 451 4.3.0 try again later" "451: failed, retry scheduled, reason kept"
q $DB "UPDATE dunning.action SET next_attempt_at = now() - interval '1 second' WHERE action_id = 112" > /dev/null
"$SENDER" -d $DB --once $smtp_fail 2>> $work/log2
is "$(q $DB "SELECT status || ' ' || attempts FROM dunning.action WHERE action_id = 112")" "sent 1" "the retry is delivered"
is "$($PY -c "import json; print([x['message_id'] for x in map(json.loads, open('$work/fail/index.jsonl')) if x['action'] == '112'])")" \
   "['$(q $DB "SELECT dunning.message_id(112, 'acme.test')")']" "with the action's Message-ID"
is "$(q $DB "SELECT string_agg(status || attempts, ',' ORDER BY action_id) FROM dunning.action WHERE action_id IN (111, 113)")" \
   "failed1,failed1" "permanent failures are not retried"
start_sink smtp cut --abort-rcpt 2
actions $DB 121 3 email "'e' || g || '@example.com'"
"$SENDER" -d $DB --once --smtp-url smtp://127.0.0.1:$(port cut) --smtp-from billing@acme.test 2>> $work/log2
is "$(q $DB "SELECT count(*) FROM dunning.action WHERE action_id BETWEEN 121 AND 123 AND status = 'sent'") $(received cut)" "3 3" \
   "a connection cut before the message: sent again at once on a new connection, once"

# -- HTTP channels: SMS and webhook -----------------------------------------
start_sink http hook --status 400400=400 --status 500500=500 --transient 503503=1 --sleep 777777=3 \
    --status 'Bad Street=422'
actions $DB 201 1 sms "'+32 2 000 00 01'" "''" "'Acme: EUR 100.00 overdue. Pay: https://pay.test/x'"
actions $DB 202 1 sms "'+32 400400'"
actions $DB 203 1 sms "'+32 500500'"
actions $DB 204 1 sms "'+32 503503'"
actions $DB 205 1 sms "'+32 777777'"
actions $DB 206 1 letter "'Acme, Street 1, 1000 Brussels'"
actions $DB 207 1 legal "'Acme, Bad Street 2, 1000 Brussels'"
actions $DB 208 1 task "'carol'"
q $DB "UPDATE dunning.action SET status = 'sent', sent_at = now() WHERE status = 'queued' AND channel = 'email'" > /dev/null
hook="http://127.0.0.1:$(port hook)"
DUNNING_SMS_TOKEN=tok-123 "$SENDER" -d $DB --once --sms-url $hook/sms --webhook-url $hook/hook --timeout 1 --lease 60 2> $work/log3
is $? 0 "--once over HTTP: exit 0"
is "$(q $DB "SELECT status || ' ' || provider_message_id FROM dunning.action WHERE action_id = 201")" \
   "sent P$($PY -c "import json; print([x['n'] for x in map(json.loads, open('$work/hook/requests.jsonl')) if x['body']['action_id'] == 201][0])")" \
   "an SMS is sent with the provider's id (the \"id\" of its JSON answer, not a nested one)"
req=$($PY -c "
import json
r = [x for x in map(json.loads, open('$work/hook/requests.jsonl')) if x['body']['action_id'] == 201][0]
b = r['body']
print(r['path'], b['channel'], b['recipient'], b['body'], 'subject' in b, r['authorization'], r['idempotency_key'] == b['message_id'], b['attempt'])")
is "$req" "/sms sms +32 2 000 00 01 Acme: EUR 100.00 overdue. Pay: https://pay.test/x False Bearer tok-123 True 1" \
   "the POST: path, channel, recipient, body, no empty subject, bearer token from the environment, Idempotency-Key = message_id"
is "$(q $DB "SELECT string_agg(action_id || ':' || status || ':' || (next_attempt_at IS NOT NULL), ' ' ORDER BY action_id)
               FROM dunning.action WHERE action_id BETWEEN 202 AND 205")" \
   "202:failed:false 203:failed:true 204:failed:true 205:failed:true" "HTTP 400 permanent; 500, 503 and a timeout retried"
is "$(q $DB "SELECT last_error FROM dunning.action WHERE action_id = 205")" "HTTP timeout after 1 s" "the timeout is named"
is "$(q $DB "SELECT last_error FROM dunning.action WHERE action_id = 202")" 'HTTP 400: {"error": "refused by the sink"}' \
   "the provider's answer is kept in last_error"
is "$($PY -c "
import json
r = {x['body']['action_id']: x for x in map(json.loads, open('$work/hook/requests.jsonl'))}
print(r[206]['path'], r[206]['body']['channel'], r[206]['body']['subject'], r[208]['body']['recipient'], 'invoices' in r[206]['body']['payload'])")" \
   "/hook letter Payment reminder 206 carol True" "letters and tasks go to the webhook with subject and payload"
is "$(q $DB "SELECT status || ' ' || (next_attempt_at IS NULL) FROM dunning.action WHERE action_id = 207")" "failed true" \
   "webhook 422: failed for good"
q $DB "UPDATE dunning.action SET next_attempt_at = now() WHERE action_id = 204" > /dev/null
"$SENDER" -d $DB --once --sms-url $hook/sms --timeout 1 --lease 60 2>> $work/log3
is "$(q $DB "SELECT status FROM dunning.action WHERE action_id = 204")" "sent" "the SMS answered 503 once is delivered on its retry"

# -- Test mode and the rate limit -------------------------------------------
start_sink smtp qa
actions $DB 301 10 email "'real' || g || '@example.com'"
start=$(date +%s.%N)
"$SENDER" -d $DB --once --smtp-url smtp://127.0.0.1:$(port qa) --smtp-from billing@acme.test \
    --test-to qa@acme.test --rate email=20 2> $work/log4
elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
is "$($PY -c "import json; r=[json.loads(l) for l in open('$work/qa/index.jsonl')]; print(len(r), sorted({t for x in r for t in x['rcpt_tos']}))")" \
   "10 ['qa@acme.test']" "test mode: all 10 e-mails went to the test address"
ok $(grep -q '^X-Dunning-Original-To: real305@example.com' "$work"/qa/*.eml; echo $?) "...each naming its real recipient"
ok $(awk -v e="$elapsed" 'BEGIN { exit !(e >= 0.44 && e < 10) }'; echo $?) "--rate email=20: 10 e-mails took $elapsed s (>= 0.45 s)"

# -- Daemon: NOTIFY, a retry falling due, SIGTERM ----------------------------
status_is() { [ "$(q $DB "SELECT status FROM dunning.action WHERE action_id = $1")" = "$2" ]; }
start_sink smtp live --transient later@=1
q $DB "INSERT INTO dunning.setting (retry_delay) VALUES ('2 seconds')" > /dev/null
"$SENDER" -d $DB --smtp-url smtp://127.0.0.1:$(port live) --smtp-from billing@acme.test --poll 60 2> $work/log5 &
daemon=$!
sleep 1.5
t0=$(date +%s.%N)
actions $DB 401 1 email "'now@example.com'"
wait_until 5 status_is 401 sent
ok $? "daemon: a new action is delivered within 5 s of its NOTIFY ($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s)"
actions $DB 402 1 email "'later@example.com'"
wait_until 10 status_is 402 sent
ok $? "daemon: an action refused with 451 is delivered when its retry falls due (2 s later), without a NOTIFY"
is "$(q $DB "SELECT attempts FROM dunning.action WHERE action_id = 402")" "1" "...after one failed attempt"
kill -TERM $daemon
wait_until 5 sh -c "! kill -0 $daemon 2>/dev/null"
ok $? "SIGTERM stops the daemon within 5 s"
wait $daemon
is $? 0 "...with exit 0"
ok $(grep -q 'event=stop reason=signal' $work/log5; echo $?) "...logged"
grep -h 'level=error' $work/log* | head -5 | sed 's/^/# /'
done_testing
