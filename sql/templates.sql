-- The shipped templates as customers receive them, in English, French and
-- German, for each kind of action (notice, pre-due reminder, formal notice
-- with charges, payment confirmation, instalment reminder), made by the
-- runner from invoices in EUR (2 decimals) and JPY (none) with an item
-- coming due.  Every date and as_of is fixed: nothing depends on today.
-- Amounts: en "EUR 1,234.50", fr "1 234,50 EUR" (narrow no-break space
-- U+202F between the thousands), de "1.234,50 EUR"; the code is joined to
-- the amount by a no-break space (U+00A0) outside SMS.
\set VERBOSITY terse
CREATE EXTENSION dunning;

INSERT INTO dunning.signing_key (key_id, secret) VALUES (1, decode(repeat('5a', 32), 'hex'));
INSERT INTO dunning.setting (pay_link_base) VALUES ('https://pay.example.com/p');
-- a simple reference rate, so that the formal notice's interest is easy to check
INSERT INTO dunning.reference_rate (currency, valid_from, rate, source) VALUES ('EUR', '2025-07-01', 4.5, 'test');
INSERT INTO dunning.segment_scenario (segment, scenario_id) VALUES ('charged', 2);

INSERT INTO dunning.customer (customer_id, external_ref, name, email, postal_address, country, language, timezone, segment) VALUES
  -- a notice: EUR and JPY overdue, EUR coming due (folded in)
  (1, 'C-0001', 'Northwind Traders Ltd', 'ap@northwind.example', '1 High Street, Leeds', 'GB', 'en', 'UTC', NULL),
  (2, 'C-0002', 'Dupont & Fils SARL', 'compta@dupont.example', '3 rue de la Paix, Lyon', 'FR', 'fr', 'UTC', NULL),
  (3, 'C-0003', 'Müller Maschinenbau GmbH', 'buchhaltung@mueller.example', 'Hauptstraße 5, Köln', 'DE', 'de', 'UTC', NULL),
  -- a pre-due reminder: EUR and JPY coming due
  (4, NULL, 'Contoso Ltd', 'ap@contoso.example', NULL, 'GB', 'en-GB', 'UTC', NULL),
  (5, NULL, 'Lefèvre SA', 'compta@lefevre.example', NULL, 'BE', 'fr-BE', 'UTC', NULL),
  (6, NULL, 'Schmidt KG', 'rechnung@schmidt.example', NULL, 'AT', 'de-AT', 'UTC', NULL),
  -- a formal notice with charges (a collector put them on the call rung)
  (7, 'C-0007', 'Fabrikam Plc', NULL, '9 Dock Road, Hull', 'GB', 'en', 'UTC', 'charged'),
  (8, 'C-0008', 'Martin Frères SAS', NULL, '12 quai des Chartrons, Bordeaux', 'FR', 'fr', 'UTC', 'charged'),
  (9, 'C-0009', 'Weber & Söhne OHG', NULL, 'Marktplatz 1, Bonn', 'DE', 'de', 'UTC', 'charged'),
  -- an instalment reminder (a payment plan in JPY, EUR, JPY)
  (10, NULL, 'Adatum Corp', 'ap@adatum.example', NULL, 'GB', 'en', 'UTC', NULL),
  (11, NULL, 'Bernard & Cie', 'compta@bernard.example', NULL, 'FR', 'fr', 'UTC', NULL),
  (12, NULL, 'Fischer AG', 'buchhaltung@fischer.example', NULL, 'DE', 'de', 'UTC', NULL);

INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency) VALUES
  (101, 1, 'NW-101', '2026-02-04', '2026-03-06', 1234.50, 'EUR'), (102, 1, 'NW-102', '2026-02-06', '2026-03-08', 150000, 'JPY'),
  (103, 1, 'NW-103', '2026-02-17', '2026-03-19', 99.99, 'EUR'),
  (201, 2, 'DF-201', '2026-02-04', '2026-03-06', 1234.50, 'EUR'), (202, 2, 'DF-202', '2026-02-06', '2026-03-08', 150000, 'JPY'),
  (203, 2, 'DF-203', '2026-02-17', '2026-03-19', 99.99, 'EUR'),
  (301, 3, 'MM-301', '2026-02-04', '2026-03-06', 1234.50, 'EUR'), (302, 3, 'MM-302', '2026-02-06', '2026-03-08', 150000, 'JPY'),
  (303, 3, 'MM-303', '2026-02-17', '2026-03-19', 99.99, 'EUR'),
  (401, 4, 'CT-401', '2026-02-17', '2026-03-19', 2500.00, 'EUR'), (402, 4, 'CT-402', '2026-02-18', '2026-03-20', 80000, 'JPY'),
  (501, 5, 'LF-501', '2026-02-17', '2026-03-19', 2500.00, 'EUR'), (502, 5, 'LF-502', '2026-02-18', '2026-03-20', 80000, 'JPY'),
  (601, 6, 'SK-601', '2026-02-17', '2026-03-19', 2500.00, 'EUR'), (602, 6, 'SK-602', '2026-02-18', '2026-03-20', 80000, 'JPY'),
  (701, 7, 'FB-701', '2025-12-31', '2026-01-30', 10000.00, 'EUR'), (702, 7, 'FB-702', '2025-12-31', '2026-01-30', 500000, 'JPY'),
  (703, 7, 'FB-703', '2026-02-17', '2026-03-19', 99.99, 'EUR'),
  (801, 8, 'MF-801', '2025-12-31', '2026-01-30', 10000.00, 'EUR'), (802, 8, 'MF-802', '2025-12-31', '2026-01-30', 500000, 'JPY'),
  (803, 8, 'MF-803', '2026-02-17', '2026-03-19', 99.99, 'EUR'),
  (901, 9, 'WS-901', '2025-12-31', '2026-01-30', 10000.00, 'EUR'), (902, 9, 'WS-902', '2025-12-31', '2026-01-30', 500000, 'JPY'),
  (903, 9, 'WS-903', '2026-02-17', '2026-03-19', 99.99, 'EUR'),
  (1001, 10, 'AD-1001', '2026-01-01', '2026-01-31', 300000, 'JPY'),
  (1101, 11, 'BC-1101', '2026-01-01', '2026-01-31', 3000.00, 'EUR'),
  (1201, 12, 'FI-1201', '2026-01-01', '2026-01-31', 300000, 'JPY');

SELECT dunning.set_level(c, 4, 'called in February, no payment', '2026-02-27') FROM generate_series(7, 9) c;
SELECT count(dunning.agree_payment_plan(ARRAY[i]::bigint[], ARRAY['2026-03-12', '2026-04-12', '2026-05-12']::date[],
                                        ARRAY[a, a, a], 'three instalments', 10, '2026-03-02')) AS plans
  FROM (VALUES (1001, 100000), (1101, 1000.00), (1201, 100000)) p (i, a);

-----------------------------------------------------------------------------
-- Monday 2026-03-16: notices, pre-due reminders, formal notices, instalment
-- reminders.
-----------------------------------------------------------------------------
SELECT dunning.run('2026-03-16 09:30+00') AS created;
SELECT customer_id, kind, step_name, channel, language FROM dunning.action ORDER BY customer_id;
-- The payload keeps numbers (machines read them); the renderer formats them.
SELECT customer_id, kind, payload->'totals' AS totals, payload->'coming_totals' AS coming_totals,
       jsonb_typeof(payload->'totals'->'JPY') AS jpy_type, payload->'totals_with_charges' AS with_charges
  FROM dunning.action ORDER BY customer_id;

\pset format unaligned
\pset tuples_only on
SELECT format(E'==== customer %s, %s (%s, %s)\nSubject: %s\n%s\n', a.customer_id, a.step_name, a.channel, a.language,
              a.subject, a.body)
  FROM dunning.action a ORDER BY a.customer_id;
\pset tuples_only off
\pset format aligned

-- The separators are the Unicode ones: a narrow no-break space in French
-- thousands, a no-break space between amount and code.
SELECT a.customer_id, a.language,
       position(U&'1\202F234,50\00A0EUR' IN a.body) > 0 AS fr_1_234_50,
       position(U&'1.234,50\00A0EUR' IN a.body) > 0 AS de_1_234_50,
       position(U&'EUR\00A01,234.50' IN a.body) > 0 AS en_1_234_50,
       position(U&'150\202F000\00A0JPY' IN a.body) + position(U&'150.000\00A0JPY' IN a.body)
         + position(U&'JPY\00A0150,000' IN a.body) > 0 AS jpy_without_decimals
  FROM dunning.action a WHERE a.customer_id IN (1, 2, 3) ORDER BY a.customer_id;

-----------------------------------------------------------------------------
-- Tuesday 2026-03-17: the notices' customers pay the overdue EUR and JPY
-- items (Northwind also the EUR item coming due): on Wednesday each gets a
-- confirmation of the settled items, with what remains open.
-----------------------------------------------------------------------------
SELECT count(dunning.mark_sent(a.action_id, '2026-03-16 10:00+00')) AS sent FROM dunning.action a;
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, customer_id)
SELECT i.invoice_id, '2026-03-17', i.amount, i.currency, i.customer_id
  FROM dunning.invoice i WHERE i.invoice_id IN (101, 102, 103, 201, 202, 301, 302);
SELECT count(dunning.allocate(p.payment_id, p.payment_id)) AS allocations
  FROM dunning.payment p WHERE p.received_on = '2026-03-17';
SELECT dunning.run('2026-03-18 09:30+00') AS created;
SELECT customer_id, kind, channel, payload->'totals' AS totals, payload->'remaining' AS remaining,
       payload->'invoices'->0->'settled_amount' AS first_settled
  FROM dunning.action WHERE kind = 'confirmation' ORDER BY customer_id;

\pset format unaligned
\pset tuples_only on
SELECT format(E'==== customer %s, %s (%s, %s)\nSubject: %s\n%s\n', a.customer_id, a.step_name, a.channel, a.language,
              a.subject, a.body)
  FROM dunning.action a WHERE a.kind = 'confirmation' ORDER BY a.customer_id;
\pset tuples_only off
\pset format aligned

-----------------------------------------------------------------------------
-- The same templates through the other channels: a reminder by letter
-- (its HTML as text), a formal notice by e-mail, an SMS in each language.
-----------------------------------------------------------------------------
\pset format unaligned
\pset tuples_only on
SELECT format(E'==== %s as %s\n%s\n', a.customer_id, m, dunning_internal.render_action(t.body, a.payload,
              jsonb_build_object('language', a.language, 'pay_link', a.payload->>'pay_link',
                                 'table_header', to_jsonb(t.table_header)), m))
  FROM dunning.action a
  JOIN dunning.template t ON t.template_key = CASE WHEN a.customer_id = 2 THEN 'reminder_1' ELSE 'formal_notice' END
                         AND t.language = a.language
 CROSS JOIN LATERAL (VALUES (CASE WHEN a.customer_id = 2 THEN 'text' ELSE 'html' END)) x (m)
 WHERE a.customer_id IN (2, 9) AND a.kind = 'notice'
 ORDER BY a.customer_id;
SELECT format(E'==== SMS %s (%s characters)\n%s', a.language, length(r), r)
  FROM dunning.action a
  JOIN dunning.template t ON t.template_key = 'sms_reminder' AND t.language = a.language
 CROSS JOIN LATERAL dunning_internal.render_action(t.body, a.payload, jsonb_build_object('language', a.language), 'sms') r
 WHERE a.customer_id IN (1, 2, 3) AND a.kind = 'notice'
 ORDER BY a.customer_id;
\pset tuples_only off
\pset format aligned

-----------------------------------------------------------------------------
-- The formats on their own: minor units (JPY 0, EUR 2, KWD 3, unknown code:
-- as given), rounding, negative amounts, lists, dates, days.
-----------------------------------------------------------------------------
SELECT l AS language,
       translate(dunning.render_template('{{total}} | {{instalment_amount}} | {{action_date}}',
           jsonb_build_object('language', l, 'totals', '{"EUR": 1234567.5, "JPY": 1500, "KWD": 0.1235, "XXX": 12.3456, "USD": 0}'::jsonb,
                              'instalment_amount', -1234.5, 'instalment_currency', 'EUR', 'action_date', '2026-03-05'), 'text'),
           U&'\00A0\202F', '_^') AS rendered
  FROM unnest(ARRAY['en', 'fr', 'de', 'de-CH', 'es', 'EN']) l;
-- Days overdue in words for items coming due (never a negative count).
SELECT translate(dunning.render_template('{{invoice_table}}', jsonb_build_object('language', l, 'invoices', jsonb_build_array(
           jsonb_build_object('number', 'X-1', 'due_on', '2026-03-01', 'days_overdue', 15, 'open_amount', 10, 'currency', 'JPY'),
           jsonb_build_object('number', 'X-2', 'due_on', '2026-03-16', 'days_overdue', 0, 'open_amount', 10, 'currency', 'EUR'),
           jsonb_build_object('number', 'X-3', 'due_on', '2026-03-17', 'days_overdue', -1, 'open_amount', '10.5', 'currency', 'EUR'),
           jsonb_build_object('number', 'X-4', 'due_on', '2026-03-26', 'days_overdue', -10, 'open_amount', 'n/a', 'currency', 'EUR'))),
           'text'), U&'\00A0\202F', '_^') AS rendered
  FROM unnest(ARRAY['en', 'fr', 'de']) l;
-- A caller's ready text is shown as given (0.2.0's form of {{total}}).
SELECT dunning.render_template('{{total}} / {{charges}}', '{"total": "EUR 10.00", "charges": "none"}', 'text') AS as_given;

-----------------------------------------------------------------------------
-- Sections: {{#name}}...{{/name}} shows when name has a value,
-- {{^name}}...{{/name}} when it has none; nested; values escaped inside.
-----------------------------------------------------------------------------
SELECT dunning.render_template(
         '{{#pay_link}}<a href="{{pay_link}}">pay</a>{{/pay_link}}{{^pay_link}}no link{{/pay_link}}'
         || '{{#remaining}} open: {{remaining}}{{#promise_date}}, promised {{promise_date}}{{/promise_date}}{{/remaining}}',
         d, 'html') AS rendered
  FROM (VALUES ('{"pay_link": "https://x/?a=1&b=\"2\""}'::jsonb),
               ('{"pay_link": ""}'),
               ('{"remaining": {"EUR": 5}, "promise_date": "2026-04-01"}'),
               ('{"remaining": {"EUR": 0}, "promise_date": "2026-04-01"}')) v (d);
SELECT left(t, 60) AS template, dunning.template_is_valid(t) AS valid
  FROM unnest(ARRAY['{{#pay_link}}x{{/pay_link}}', '{{^remaining}}x{{/remaining}}',
                    '{{ #pay_link }}{{#total}}x{{/total}}{{ /pay_link }}',
                    '{{#pay_link}}x', 'x{{/pay_link}}', '{{#pay_link}}{{#total}}x{{/pay_link}}{{/total}}',
                    '{{#secret}}x{{/secret}}',
                    repeat('{{#total}}', 16) || repeat('{{/total}}', 16),    -- 16 deep: the limit
                    repeat('{{#total}}', 17) || repeat('{{/total}}', 17)]) t;
-- Stored templates are checked the same way (23514).
INSERT INTO dunning.template (template_key, language, body) VALUES ('mine', 'en', '{{#pay_link}}unclosed');
-- A template writes its own markup as text for letters: paragraphs and line
-- breaks become new lines, links their text, entities characters.
SELECT dunning.render_template(E'<p>A &amp; B<br>C</p>\n<ul><li>one</li><li>two</li></ul><p><a href="{{pay_link}}">{{pay_link}}</a> 1 &lt; 2 <table></p>',
                               '{"pay_link": "https://x/?a&b"}', 'text') AS as_text;

DROP EXTENSION dunning;
