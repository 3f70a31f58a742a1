-- pgTAP: what a customer can receive.  Every shipped template, in every
-- shipped language, rendered in every mode (html: e-mail and confirmations;
-- text: letters, calls, tasks, legal; sms), from a full document and from a
-- sparse one (no payment link, no charges, nothing remaining, no customer
-- number), shows no empty link, no negative day count, no mark left and no
-- empty value; the runner's own messages too.  The checks are run on bad
-- templates first, to show they catch what they look for.
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(33);

-- What is wrong with a rendered text (NULL: nothing).  link: the payment link
-- the document had ('' without one).
CREATE FUNCTION pg_temp.problems(rendered text, link text) RETURNS text[] LANGUAGE sql AS $$
    SELECT array_remove(ARRAY[
        CASE WHEN rendered ~ '\{\{|\}\}' THEN 'a mark left' END,
        CASE WHEN rendered ~* 'href=""|<a[^>]*>\s*</a>' THEN 'an empty link' END,
        CASE WHEN link = '' AND rendered ~* 'pay online|pay:|en ligne|online bezahlen|https?://' THEN 'a link label without a link' END,
        CASE WHEN link <> '' AND rendered ~* 'pay online|en ligne|online bezahlen' AND position(link IN rendered) = 0
             THEN 'a link label, the link missing' END,
        -- a day count below zero: "-3 days", "<td>-3</td>", "| -3 |"
        CASE WHEN rendered ~ '(^|[\s>(|])-[0-9]+(\s*(days?|jours?|Tagen?)|\s*<|\s*\||\s*$)' THEN 'a negative day count' END,
        -- an empty value before punctuation: "Total: ." "charges: ," "()"
        CASE WHEN rendered ~ ('(:|&nbsp;:|' || U&'\00A0' || ':)\s*[.,;)]|\(\s*\)|:\s*$') THEN 'an empty value' END
    ], NULL)
$$;

SELECT ok(pg_temp.problems('<p>Pay online: <a href="">{{pay_link}}</a></p>', '') @> ARRAY['a mark left', 'an empty link'],
          'the check sees a mark left and an empty link');
SELECT ok(pg_temp.problems('Pay online: ', '') @> ARRAY['a link label without a link', 'an empty value'],
          'the check sees a label whose link is missing (0.2.0''s "Pay online: " with nothing)');
SELECT ok(pg_temp.problems('<tr><td>A-104</td><td>2026-03-20</td><td>-4</td></tr>', '') = ARRAY['a negative day count']
          AND pg_temp.problems('A-104 | 2026-03-20 | -4 | 300.00 EUR', '') = ARRAY['a negative day count'],
          'the check sees a negative day count in a table (0.2.0''s coming-due rows)');
SELECT ok(pg_temp.problems('Total: . Charges: ()', '') = ARRAY['an empty value'], 'the check sees empty values');
SELECT is(pg_temp.problems('<p>Total: EUR 5.00 (interest EUR 1.00).</p><p>Pay online: <a href="https://x/p">https://x/p</a></p>',
                           'https://x/p'), '{}'::text[], 'a good text passes');

-- Two documents as the runner builds them: full and sparse.
CREATE TEMP TABLE doc (variant text, payload jsonb, link text);
INSERT INTO doc VALUES
  ('full', jsonb_build_object(
      'customer_id', 7, 'customer_name', 'Dupont & <Fils>', 'customer_ref', 'C-7', 'step', 'reminder 1',
      'action_date', '2026-03-16', 'invoice_count', 2, 'max_days_overdue', 45, 'oldest_due_on', '2026-01-30',
      'promise_date', '2026-03-30', 'instalment_no', 1, 'instalment_due_on', '2026-03-12', 'instalment_amount', 100000,
      'instalment_currency', 'JPY',
      'totals', '{"EUR": 10000.00, "JPY": 500000}'::jsonb, 'coming_totals', '{"EUR": 99.99}'::jsonb,
      'charges', '{"EUR": {"interest": 154.11, "compensation": 40.00, "fee": 5.00}, "JPY": {"interest": 0, "compensation": null, "fee": null}}'::jsonb,
      'totals_with_charges', '{"EUR": 10199.11, "JPY": 500000}'::jsonb,
      'remaining', '{"EUR": 99.99}'::jsonb,
      'invoices', '[{"number": "F-1", "due_on": "2026-01-30", "days_overdue": 45, "open_amount": 10000.00, "currency": "EUR"},
                    {"number": "F-2", "due_on": "2026-01-30", "days_overdue": 45, "open_amount": 500000, "currency": "JPY"},
                    {"number": "F-3", "due_on": "2026-03-19", "days_overdue": -3, "open_amount": 99.99, "currency": "EUR"},
                    {"number": "F-4", "due_on": "2026-03-16", "days_overdue": 0, "open_amount": 5, "currency": "EUR"}]'::jsonb),
   'https://pay.example.com/p?t=abc.def'),
  ('sparse', jsonb_build_object(
      'customer_id', 8, 'customer_name', 'Weber', 'customer_ref', NULL, 'step', 'pre-due reminder',
      'action_date', '2026-03-16', 'invoice_count', 1, 'max_days_overdue', NULL, 'oldest_due_on', '2026-03-19',
      'promise_date', NULL, 'instalment_no', NULL, 'instalment_due_on', NULL, 'instalment_amount', NULL,
      'totals', '{"JPY": 80000}'::jsonb, 'coming_totals', NULL,
      'charges', '{"JPY": {"interest": null, "compensation": null, "fee": null}}'::jsonb,
      'totals_with_charges', NULL, 'remaining', NULL,
      'invoices', '[{"number": "S-1", "due_on": "2026-03-19", "days_overdue": -3, "open_amount": 80000, "currency": "JPY"}]'::jsonb),
   '');

-- Every shipped template x language x mode x document.
CREATE TEMP TABLE rendered AS
SELECT t.template_key, t.language, m.mode, d.variant, d.link,
       dunning_internal.render_action(t.subject, d.payload, x.extra, 'text') AS subject,
       dunning_internal.render_action(t.body, d.payload, x.extra, m.mode) AS body
  FROM dunning.template t
 CROSS JOIN (VALUES ('html'), ('text'), ('sms')) m (mode)
 CROSS JOIN doc d
 CROSS JOIN LATERAL (SELECT jsonb_build_object('language', t.language, 'collector', 'alice', 'pay_link', d.link,
                                               'table_header', to_jsonb(t.table_header)) AS extra) x
 WHERE t.seeded;

SELECT is((SELECT count(DISTINCT template_key) FROM rendered), 10::bigint,
          'ten shipped template keys (pre_due, reminder_1, reminder_2, call, formal_notice, legal, sms_reminder, payment_confirmation, instalment_reminder, thanks)');
SELECT is_empty($$SELECT k, l FROM unnest(ARRAY['pre_due', 'reminder_1', 'reminder_2', 'call', 'formal_notice', 'legal',
                                                'sms_reminder', 'payment_confirmation', 'instalment_reminder', 'thanks']) k,
                                   unnest(ARRAY['en', 'fr', 'de']) l
                    EXCEPT SELECT template_key, language FROM dunning.template WHERE seeded$$,
    'every shipped key in en, fr and de');
SELECT is((SELECT count(*) FROM rendered), 180::bigint, '180 renderings: 10 keys x 3 languages x 3 modes x 2 documents');
SELECT is_empty($$SELECT template_key, language FROM dunning.template
                   WHERE NOT dunning.template_is_valid(subject) OR NOT dunning.template_is_valid(body)$$,
    'every template uses known placeholders and closed sections only');
SELECT is_empty($$SELECT template_key, language, mode, variant, pg_temp.problems(body, link)
                    FROM rendered WHERE cardinality(pg_temp.problems(body, link)) > 0$$,
    'no body shows an empty link, a negative day count, a mark or an empty value');
SELECT is_empty($$SELECT template_key, language, mode, variant, pg_temp.problems(subject, link)
                    FROM rendered WHERE cardinality(pg_temp.problems(subject, link)) > 0$$,
    'no subject does either');
SELECT is_empty($$SELECT template_key, language, mode, variant FROM rendered
                   WHERE link <> '' AND mode <> 'sms' AND template_key NOT IN ('call', 'legal', 'thanks', 'payment_confirmation', 'sms_reminder')
                     AND position(link IN body) = 0$$,
    'every message to a customer but the SMS and the thanks carries the payment link when there is one');
SELECT is_empty($$SELECT template_key, language, mode, variant FROM rendered
                   WHERE mode = 'text' AND body ~ '<[a-z/]'$$,
    'no markup left in texts (letters get the HTML templates as text)');
SELECT is_empty($$SELECT template_key, language, variant, length(body) FROM rendered
                   WHERE mode = 'sms' AND template_key = 'sms_reminder' AND (length(body) > 160 OR body LIKE '%...')$$,
    'the SMS reminders fit one message uncut (GSM alphabet, 160 characters) in each language');
-- The amounts: the currency's minor units, the language's marks.
SELECT is_empty($$SELECT template_key, language, mode FROM rendered
                   WHERE variant = 'full' AND template_key IN ('reminder_1', 'formal_notice') AND mode <> 'sms'
                     AND position(CASE language WHEN 'en' THEN U&'EUR\00A010,000.00' WHEN 'fr' THEN U&'10\202F000,00\00A0EUR'
                                                ELSE U&'10.000,00\00A0EUR' END IN body) = 0$$,
    'EUR 10,000.00 / 10 000,00 EUR / 10.000,00 EUR: two decimals, the language''s separators');
SELECT is_empty($$SELECT template_key, language, mode FROM rendered
                   WHERE variant = 'full' AND template_key IN ('reminder_1', 'formal_notice') AND mode <> 'sms'
                     AND (position(CASE language WHEN 'en' THEN U&'JPY\00A0500,000' WHEN 'fr' THEN U&'500\202F000\00A0JPY'
                                                 ELSE U&'500.000\00A0JPY' END IN body) = 0 OR body ~ '500[,.  ]?000[.,]0')$$,
    'JPY 500,000: no decimals');
SELECT is_empty($$SELECT template_key, language, mode FROM rendered
                   WHERE variant = 'full' AND template_key = 'formal_notice' AND mode <> 'sms'
                     AND position(CASE language WHEN 'en' THEN U&'EUR\00A0199.11' WHEN 'fr' THEN U&'199,11\00A0EUR'
                                                ELSE U&'199,11\00A0EUR' END IN body) = 0$$,
    'the formal notice shows the EUR charges (154.11 + 40.00 + 5.00 = 199.11), per currency');
-- Pre-due: "falls due", never overdue.
SELECT is_empty($$SELECT language, mode, variant FROM rendered
                   WHERE template_key = 'pre_due' AND body ~* 'overdue|retard|échu|überfällig'$$,
    'the pre-due reminder never speaks of overdue items');
SELECT is_empty($$SELECT language, mode, variant FROM rendered
                   WHERE template_key IN ('pre_due', 'reminder_1') AND mode <> 'sms'
                     AND position(CASE language WHEN 'en' THEN 'due in 3 days' WHEN 'fr' THEN 'échéance dans 3 jours'
                                                ELSE 'fällig in 3 Tagen' END IN body) = 0$$,
    'an item coming due says "due in 3 days" in the language');

-- The runner, as shipped (no payment link configured): a notice folding in
-- an item coming due, a pre-due reminder, in three languages, e-mail and letter.
INSERT INTO dunning.customer (customer_id, name, email, postal_address, country, language, timezone) VALUES
  (91, 'Alpha Ltd', 'a@alpha.example', NULL, 'GB', 'en', 'UTC'), (92, 'Bêta SARL', NULL, '1 rue X, Paris', 'FR', 'fr', 'UTC'),
  (93, 'Gamma GmbH', 'g@gamma.example', NULL, 'DE', 'de', 'UTC'),
  (94, 'Delta Ltd', 'd@delta.example', NULL, 'GB', 'en', 'UTC'), (95, 'Epsilon SA', 'e@eps.example', NULL, 'FR', 'fr', 'UTC'),
  (96, 'Zeta AG', 'z@zeta.example', NULL, 'DE', 'de', 'UTC');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency)
SELECT c * 10 + k, c, 'T-' || c || '-' || k, d - 30, d, a, cur
  FROM generate_series(91, 93) c,
       (VALUES (1, '2026-03-06'::date, 1234.50, 'EUR'), (2, '2026-03-08', 150000, 'JPY'), (3, '2026-03-19', 99.99, 'EUR')) v (k, d, a, cur)
UNION ALL
SELECT c * 10 + k, c, 'T-' || c || '-' || k, d - 30, d, a, cur
  FROM generate_series(94, 96) c,
       (VALUES (1, '2026-03-19'::date, 2500.00, 'EUR'), (2, '2026-03-20', 80000, 'JPY')) v (k, d, a, cur);
SELECT is(dunning.run('2026-03-16 09:30+00'), 6, 'six actions: three notices, three pre-due reminders');
SELECT is_empty($$SELECT customer_id, channel, pg_temp.problems(body, '') FROM dunning.action
                   WHERE customer_id BETWEEN 91 AND 96
                     AND cardinality(pg_temp.problems(body, '') || pg_temp.problems(subject, '')) > 0$$,
    'no action shows an empty link (none configured), a negative day count or an empty value');
SELECT is((SELECT string_agg(channel, ',' ORDER BY customer_id) FROM dunning.action WHERE customer_id BETWEEN 91 AND 96),
          'email,letter,email,email,email,email', 'e-mail and letter (a letter gets the HTML template as text)');
SELECT is_empty($$SELECT customer_id FROM dunning.action WHERE customer_id BETWEEN 91 AND 96
                   AND (jsonb_typeof(payload->'totals'->'EUR') <> 'number' OR jsonb_typeof(payload->'totals'->'JPY') <> 'number')$$,
    'the payload''s totals stay numbers');

-- The payload's items and totals come from
-- dunning_internal.summarize_action_items (C): the same values as the SQL
-- it replaced (jsonb_agg(jsonb_build_object(...)) over the items sorted by
-- due date and number, sums per action and currency), text and value, for
-- every kind of value an item can hold.
CREATE TEMP TABLE item_rows (customer_id bigint, invoice_id bigint, number text, due_on date, days_overdue integer,
                             open_amount numeric, currency char(3), interest numeric, compensation numeric,
                             confirmation boolean, paid_on date, in_total boolean, charged boolean, fee numeric);
INSERT INTO item_rows VALUES
    (1, 9007199254740993, 'F-1 "quoted" \ é ✓', '2026-03-01', 15, 1234.50, 'EUR', 1.2345678901234567890, 40, false, NULL, true, true, 5.00),
    (1, 2, '', '2026-02-01', 43, 0.001, 'EUR', NULL, NULL, false, NULL, true, true, 5),
    (1, 3, 'F-3', 'infinity', -2147483648, -99999999999999999999.99, 'JPY', 0, 0.00, false, NULL, false, true, NULL),
    (1, 8, 'F-8', '2026-03-01', 15, 10, 'JPY', 3, NULL, false, NULL, true, false, NULL),
    (1, 9, 'F-09', '2026-03-01', -3, 7.5, 'EUR', NULL, NULL, false, NULL, false, true, 5.00),
    (2, 4, 'C-1', '2026-01-31', 0, 100, 'GBP', NULL, 70, true, '2026-03-15', true, false, NULL),
    (2, 5, 'C-2', '-infinity', 2147483647, 1e-20, 'GBP', 12.5, NULL, true, NULL, true, false, NULL),
    (3, -6, NULL, NULL, NULL, NULL, 'USD', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (3, 7, 'F-7', '0044-03-15 BC', 1, 123456789012345678901234567890.123456789, 'USD', 1e3, 5e-1, false, '2026-01-01', true, NULL, 2),
    (4, 10, 'P-1', '2026-04-01', -5, 300, 'CHF', NULL, NULL, false, NULL, false, false, NULL),
    (4, 11, 'P-2', '2026-04-02', -6, 200.5, 'CHF', NULL, NULL, false, NULL, false, false, NULL),
    (5, 12, 'I-1', '2026-01-01', 60, 80, 'SEK', NULL, NULL, false, NULL, true, NULL, NULL),
    (5, 13, 'I-2', '2026-01-02', 59, 20, 'DKK', NULL, NULL, false, NULL, true, NULL, NULL);
-- the SQL formulation the runner had (runner.sql, phase 2: its, cur, tot)
CREATE TEMP VIEW sql_summary AS
WITH cur AS (
    SELECT c.customer_id, c.currency,
           sum(c.open_amount) FILTER (WHERE c.in_total) AS cur_total,
           sum(c.open_amount) FILTER (WHERE NOT c.in_total) AS cur_coming,
           sum(COALESCE(c.interest, 0)) AS cur_interest, sum(COALESCE(c.compensation, 0)) AS cur_compensation,
           bool_or(c.charged) AS charged, max(c.fee) AS fee
      FROM item_rows c GROUP BY c.customer_id, c.currency
), tot AS (
    SELECT u.customer_id,
           string_agg(u.currency || ' ' || u.cur_total::text, ' + ' ORDER BY u.currency)
               FILTER (WHERE u.cur_total IS NOT NULL) AS token_amount,
           jsonb_object_agg(u.currency, u.cur_total) FILTER (WHERE u.cur_total IS NOT NULL) AS totals,
           jsonb_object_agg(u.currency, jsonb_build_object(
               'interest', CASE WHEN u.charged THEN u.cur_interest END,
               'compensation', CASE WHEN u.charged THEN u.cur_compensation END,
               'fee', u.fee)) FILTER (WHERE u.cur_total IS NOT NULL) AS charges,
           CASE WHEN bool_or(u.charged OR u.fee IS NOT NULL) THEN jsonb_object_agg(u.currency,
               u.cur_total + CASE WHEN u.charged THEN u.cur_interest + u.cur_compensation ELSE 0 END
               + COALESCE(u.fee, 0)) FILTER (WHERE u.cur_total IS NOT NULL)
           END AS totals_with_charges,
           jsonb_object_agg(u.currency, u.cur_coming) FILTER (WHERE u.cur_coming IS NOT NULL) AS coming_totals
      FROM cur u GROUP BY u.customer_id
), its AS (
    SELECT k.customer_id, count(*) FILTER (WHERE k.in_total) AS invoice_count,
           array_agg(k.invoice_id ORDER BY k.due_on, k.number) AS invoice_ids,
           max(k.days_overdue) FILTER (WHERE k.days_overdue > 0) AS max_days_overdue,
           min(k.due_on) AS oldest_due_on, max(k.currency)::text AS last_currency,
           jsonb_agg(CASE WHEN confirmation THEN jsonb_build_object(
               'invoice_id', invoice_id, 'number', number, 'due_on', due_on, 'days_overdue', days_overdue,
               'open_amount', open_amount, 'currency', currency, 'interest', interest, 'compensation', compensation,
               'settled_amount', open_amount, 'paid_on', paid_on)
            ELSE jsonb_build_object(
               'invoice_id', invoice_id, 'number', number, 'due_on', due_on, 'days_overdue', days_overdue,
               'open_amount', open_amount, 'currency', currency, 'interest', interest, 'compensation', compensation) END
            ORDER BY due_on, number) AS invoices
      FROM item_rows k GROUP BY k.customer_id
)
SELECT x.customer_id, x.invoice_count, x.invoice_ids, x.max_days_overdue, x.oldest_due_on, x.last_currency,
       x.invoices, t.token_amount, t.totals, t.charges, t.totals_with_charges, t.coming_totals
  FROM its x JOIN tot t USING (customer_id);
CREATE TEMP VIEW c_summary AS
SELECT customer_id, (s).* FROM (
    SELECT customer_id, dunning_internal.summarize_action_items(invoice_id, number, due_on, days_overdue,
               open_amount, currency, interest, compensation, confirmation, paid_on, in_total, charged, fee) AS s
      FROM item_rows GROUP BY customer_id) y;
SELECT results_eq(
    $$SELECT customer_id, invoice_count, invoice_ids, max_days_overdue, oldest_due_on, last_currency, invoices::text,
             token_amount, totals::text, charges::text, totals_with_charges::text, coming_totals::text
        FROM c_summary ORDER BY customer_id$$,
    $$SELECT customer_id, invoice_count, invoice_ids, max_days_overdue, oldest_due_on, last_currency, invoices::text,
             token_amount, totals::text, charges::text, totals_with_charges::text, coming_totals::text
        FROM sql_summary ORDER BY customer_id$$,
    'summarize_action_items writes what the SQL formulation wrote, as text: items, ids, counts, totals, charges');
SELECT results_eq(
    $$SELECT customer_id, invoices, totals, charges, totals_with_charges, coming_totals FROM c_summary ORDER BY customer_id$$,
    $$SELECT customer_id, invoices, totals, charges, totals_with_charges, coming_totals FROM sql_summary ORDER BY customer_id$$,
    '... and as jsonb values');
-- what the cases above hold, so that the comparisons compare something
SELECT is((SELECT array_agg(customer_id ORDER BY customer_id) FILTER (WHERE totals_with_charges IS NULL) FROM c_summary),
          ARRAY[2, 4, 5]::bigint[], '... no totals with charges where nothing is charged and no fee (2, 5) or nothing is in the totals (4)');
SELECT is((SELECT (coming_totals->>'CHF', totals, token_amount)::text FROM c_summary WHERE customer_id = 4),
          '(500.5,,)', '... items coming due alone: coming totals, no totals, no token amount');
SELECT is((SELECT token_amount FROM c_summary WHERE customer_id = 1),
          'EUR 1234.501 + JPY 10', '... the token amount lists the currencies in order');
SELECT is((SELECT invoice_ids FROM c_summary WHERE customer_id = 1),
          ARRAY[2, 9, 9007199254740993, 8, 3]::bigint[], '... the items oldest first, then by number');
SELECT is((SELECT (totals_with_charges->>'EUR', totals_with_charges->>'JPY', charges->'JPY'->>'compensation')::text
             FROM c_summary WHERE customer_id = 1),
          '(1280.7355678901234567890,13.00,0.00)',
          '... totals with charges add interest, compensation and fee; charges sum them per currency');
SELECT is((SELECT (token_amount, charges->'SEK'->>'interest', last_currency)::text FROM c_summary WHERE customer_id = 5),
          '("DKK 20 + SEK 80",,SEK)', '... not known to be charged: no interest shown; the last currency');
SELECT is((SELECT dunning_internal.summarize_action_items(invoice_id, number, due_on, days_overdue, open_amount, currency,
                                                         interest, compensation, confirmation, paid_on, in_total,
                                                         charged, fee)::text
             FROM item_rows WHERE false), NULL, '... and no items: NULL');
-- a hashed aggregation keeps every action's state at once: the same result
SET LOCAL enable_sort = off;
SELECT results_eq(
    $$SELECT customer_id, invoices::text, totals::text FROM (
          SELECT customer_id, (dunning_internal.summarize_action_items(invoice_id, number, due_on, days_overdue,
                     open_amount, currency, interest, compensation, confirmation, paid_on, in_total, charged, fee)).*
            FROM item_rows GROUP BY customer_id) y ORDER BY 1$$,
    $$SELECT customer_id, invoices::text, totals::text FROM sql_summary ORDER BY 1$$,
    '... hashed or sorted');
RESET enable_sort;

SELECT * FROM finish();
ROLLBACK;
