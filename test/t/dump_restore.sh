#!/usr/bin/env bash
# pg_dump of a loaded database restores into a fresh one with identical data,
# and numbering goes on where it was.
. "$(dirname "$0")/lib.bash"
SRC=dunning_dump_src; DST=dunning_dump_dst; DST2=dunning_dump_dst2
fresh_db $SRC
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $SRC <<'SQL'
INSERT INTO dunning.customer (name, country, language, credit_limit)
SELECT 'Customer ' || g, 'BE', 'fr', 1000 * g FROM generate_series(1, 20) g;
INSERT INTO dunning.invoice (customer_id, invoice_number, issued_on, due_on, amount, currency, reference)
SELECT 1 + g % 20, 'INV-' || g, DATE '2026-01-01' + g % 200, DATE '2026-02-01' + g % 200,
       CASE WHEN g % 25 = 0 THEN -(g % 90 + 1.5) ELSE g * 1.25 + 10 END,
       CASE WHEN g % 10 = 0 THEN 'USD' ELSE 'EUR' END, 'RF' || g
  FROM generate_series(1, 500) g;
INSERT INTO dunning.payment (received_on, amount, currency, payer_name, remittance_info)
SELECT DATE '2026-03-01' + g % 100, g * 1.25 + 10, CASE WHEN g % 10 = 0 THEN 'USD' ELSE 'EUR' END,
       'CUSTOMER ' || (1 + g % 20), 'INV-' || g
  FROM generate_series(1, 300) g;
SELECT count(dunning.allocate(g, g)) FROM generate_series(1, 300) g WHERE g % 25 <> 0;
SELECT count(dunning.allocate_credit_note(c.invoice_id, i.invoice_id, 1))
  FROM dunning.invoice c JOIN LATERAL (
        SELECT invoice_id FROM dunning.invoice i
         WHERE i.customer_id = c.customer_id AND i.currency = c.currency AND i.amount > 1
           AND i.settled_amount < i.amount ORDER BY invoice_id LIMIT 1) i ON true
 WHERE c.amount < 0;
INSERT INTO dunning.dispute (invoice_id, reason) SELECT g, 'price' FROM generate_series(400, 420) g;
-- rules and calendars: the users' rows next to the shipped ones
UPDATE dunning.customer SET country = 'DE', subdivision = 'DE-BY', kind = 'b2c' WHERE customer_id = 1;
INSERT INTO dunning.holiday (country, day, name, subdivision) VALUES ('FR', '2026-03-16', 'company day', ''), ('DE', '2026-08-08', 'Friedensfest', 'DE-BY-AUGSBURG');
SELECT dunning.extend_holidays(2036);
INSERT INTO dunning.series_rate (series, valid_from, rate, source) VALUES ('ECB_MRO', '2026-09-16', 2.60, 'correction'), ('ECB_MRO', '2026-11-04', 2.90, 'new');
INSERT INTO dunning.rate_series (series, currency, description) VALUES ('FED_PRIME', 'USD', 'prime rate');
INSERT INTO dunning.series_rate (series, valid_from, rate) VALUES ('FED_PRIME', '2026-01-01', 7.5);
INSERT INTO dunning.late_payment_rule (jurisdiction, customer_kind, rate_series, margin, source) VALUES ('US', 'b2b', 'FED_PRIME', 2, 'contracts');
INSERT INTO dunning.materiality_rule (currency, customer_kind, amount) VALUES ('EUR', 'b2b', 20);
SQL
ok $? "source database loaded"

# Plain-format dump restored with psql, custom format with pg_restore.
pg_dump -d $SRC > /tmp/$SRC.sql 2>/tmp/$SRC.err
ok $? "pg_dump succeeds"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DST" -c "CREATE DATABASE $DST" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $DST -f /tmp/$SRC.sql >/dev/null 2>/tmp/$DST.err
ok $? "plain dump restores without error"
pg_dump -Fc -d $SRC -f /tmp/$SRC.dump && psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DST2" -c "CREATE DATABASE $DST2" >/dev/null
pg_restore --exit-on-error -d $DST2 /tmp/$SRC.dump 2>/tmp/$DST2.err
ok $? "custom-format dump restores with pg_restore"

fingerprint() {  # one md5 per table, over every column, in key order
    q "$1" "SELECT string_agg(t || ':' || n || ':' || h, ' ' ORDER BY t) FROM (
        SELECT 'customer' t, count(*) n, md5(string_agg(c::text, '|' ORDER BY customer_id)) h FROM dunning.customer c
        UNION ALL SELECT 'invoice', count(*), md5(string_agg(i::text, '|' ORDER BY invoice_id)) FROM dunning.invoice i
        UNION ALL SELECT 'payment', count(*), md5(string_agg(p::text, '|' ORDER BY payment_id)) FROM dunning.payment p
        UNION ALL SELECT 'allocation', count(*), md5(string_agg(a::text, '|' ORDER BY allocation_id)) FROM dunning.allocation a
        UNION ALL SELECT 'dispute', count(*), md5(string_agg(d::text, '|' ORDER BY dispute_id)) FROM dunning.dispute d
        UNION ALL SELECT 'open_item', count(*), md5(string_agg(o::text, '|' ORDER BY invoice_id)) FROM dunning.open_item o) x"
}
want=$(fingerprint $SRC)
is "$(fingerprint $DST)" "$want" "plain restore: every table and open_item identical"
is "$(fingerprint $DST2)" "$want" "pg_restore: every table and open_item identical"
is "$(q $DST 'SELECT dunning.rebuild_totals()')" "0" "restored running totals agree with the allocations"
is "$(q $DST 'SELECT count(*) FROM dunning.allocation')" "$(q $SRC 'SELECT count(*) FROM dunning.allocation')" \
   "allocations restored once"
# Numbering goes on where it was: new rows do not collide with restored ids.
for t in customer:customer_id invoice:invoice_id payment:payment_id allocation:allocation_id dispute:dispute_id; do
    tbl=${t%%:*}; col=${t##*:}
    is "$(q $DST "SELECT pg_catalog.nextval(pg_get_serial_sequence('dunning.$tbl', '$col')) > (SELECT max($col) FROM dunning.$tbl)")" "t" \
       "identity of $tbl continues after restore"
done
is "$(q $DST "SELECT count(*) FROM pg_extension WHERE extname = 'dunning'")" "1" "extension recreated by the restore"
rules() {  # rules and calendars, shipped and the users'
    q "$1" "SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
        SELECT h::text x FROM dunning.holiday h UNION ALL SELECT r::text FROM dunning.series_rate r
        UNION ALL SELECT s::text FROM dunning.rate_series s UNION ALL SELECT m::text FROM dunning.currency_rate_series m
        UNION ALL SELECT l::text FROM dunning.late_payment_rule l UNION ALL SELECT c::text FROM dunning.compensation_rule c
        UNION ALL SELECT m::text FROM dunning.materiality_rule m UNION ALL SELECT r::text FROM dunning.holiday_rule r
        UNION ALL SELECT o::text FROM dunning.holiday_one_off o) t"
}
is "$(rules $DST)" "$(rules $SRC)" "plain restore: holidays, rates and rules identical (shipped rows not doubled)"
is "$(rules $DST2)" "$(rules $SRC)" "pg_restore: holidays, rates and rules identical"
is "$(q $DST "SELECT dunning.rate_on('ECB_MRO', '2026-10-01') || ' ' || dunning.materiality('EUR', 'b2b') || ' '
              || (dunning.statutory_rate('US', 'b2b', '2026-03-01')).total")" "2.60 20 9.5" "the users' rows still take precedence"
is "$(grep -c "company day" /tmp/$SRC.sql) $(grep -c "^FR	2026-07-14	" /tmp/$SRC.sql) $(grep -c "^FR	2036-07-14	" /tmp/$SRC.sql)" "1 0 1" \
   "the dump has the users' holidays, not the shipped ones"

drop_db $SRC; drop_db $DST; drop_db $DST2
rm -f /tmp/$SRC.sql /tmp/$SRC.dump /tmp/$SRC.err /tmp/$DST.err /tmp/$DST2.err
done_testing
