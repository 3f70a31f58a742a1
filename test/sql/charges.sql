-- pgTAP: reference rate series, statutory rules, compensation, materiality
-- (research: late_payment_rules.md; worked examples pinned in sql/charges.sql).
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(78);

-- The interface the runner calls.
SELECT has_function('dunning', 'statutory_rate', ARRAY['text', 'text', 'date', 'date'], 'statutory_rate(jurisdiction, kind, on_date, running_since)');
SELECT has_function('dunning', 'fixed_compensation', ARRAY['character', 'text', 'numeric'], 'fixed_compensation(currency, kind, debt)');
SELECT has_function('dunning', 'materiality', ARRAY['character', 'text'], 'materiality(currency, kind)');
SELECT has_function('dunning', 'statutory_rate_schedule', ARRAY['text', 'text', 'date', 'date', 'date'], 'statutory_rate_schedule(jurisdiction, kind, from, to, running_since)');
SELECT has_function('dunning', 'invoice_statutory_interest', ARRAY['bigint', 'date', 'text', 'text'], 'invoice_statutory_interest(invoice_id, to_date, jurisdiction, basis)');
SELECT col_default_is('dunning', 'customer', 'kind', 'b2b', 'customer.kind defaults to b2b');

-- Shipped data: cited, unconfirmed values marked.
SELECT is_empty($$SELECT * FROM dunning.series_rate WHERE seeded AND length(source) < 20$$, 'every shipped rate cites its source');
SELECT is_empty($$SELECT * FROM dunning.late_payment_rule WHERE seeded AND length(source) < 10$$, 'every shipped rule cites its law');
SELECT is_empty($$SELECT * FROM dunning.series_rate WHERE seeded AND valid_from > '2026-06-01'
                   AND series IN ('ECB_MRO', 'DE_BASIS') AND source !~ '^SECONDARY'$$,
                'the 2026 ECB and Bundesbank values not read on their publishers'' pages are marked SECONDARY');
SELECT is((SELECT count(*) FROM dunning.series_rate WHERE series = 'BOE_BASE' AND source ~ '^UNCONFIRMED day'), 8::bigint,
          'Bank Rate changes whose day is not in the cited text are marked UNCONFIRMED');
SELECT is((SELECT array_agg(DISTINCT jurisdiction ORDER BY jurisdiction) FROM dunning.late_payment_rule),
          ARRAY['BE', 'DE', 'ES', 'EU', 'FR', 'GB', 'IT', 'NL'], 'rules for the Directive and seven countries, none for the US');
-- The Basiszinssatz moves with the ECB rate of the last operation before
-- 1 January / 1 July (BGB §247): every shipped half-year agrees.
SELECT is_empty($$
    SELECT d.valid_from, d.rate, p.rate, dunning.rate_on('ECB_MRO', d.valid_from - 1), dunning.rate_on('ECB_MRO', p.valid_from - 1)
      FROM dunning.series_rate d
      JOIN dunning.series_rate p ON p.series = 'DE_BASIS' AND p.valid_from = (d.valid_from - interval '6 months')::date
     WHERE d.series = 'DE_BASIS'
       AND d.rate - p.rate <> dunning.rate_on('ECB_MRO', d.valid_from - 1) - dunning.rate_on('ECB_MRO', p.valid_from - 1)$$,
    'DE_BASIS follows BGB §247 from ECB_MRO for every half-year since 2015-07');
SELECT is((SELECT count(*) FROM dunning.series_rate WHERE series = 'DE_BASIS'), 24::bigint, 'DE_BASIS: one value per half-year 2015-2026');

-- Statutory rates (vectors of late_payment_rules.md).
SELECT is((dunning.statutory_rate(j, k, d)).total, t, j || ' ' || k || ' ' || d || ': ' || t || ' %')
  FROM (VALUES ('EU', 'b2b', DATE '2026-03-01', 10.15), ('EU', 'b2b', '2026-08-01', 10.40),
               ('FR', 'b2b', '2026-03-01', 12.15), ('FR', 'b2b', '2026-08-01', 12.40), ('FR', 'b2b', '2024-08-01', 14.25),
               ('DE', 'b2b', '2026-03-01', 10.27), ('DE', 'b2c', '2026-03-01', 6.27), ('DE', 'b2b', '2026-08-01', 10.52),
               ('DE', 'b2b', '2024-03-01', 12.62), ('DE', 'b2c', '2024-03-01', 8.62),
               ('GB', 'b2b', '2026-03-01', 11.75), ('BE', 'b2b', '2024-08-01', 12.5), ('BE', 'b2b', '2025-03-01', 11.5),
               ('BE', 'b2b', '2026-03-01', 10.5), ('NL', 'b2b', '2024-03-01', 12.50), ('NL', 'b2b', '2024-08-01', 12.25),
               ('ES', 'b2b', '2020-03-01', 8.00)) AS v (j, k, d, t);
SELECT is((dunning.statutory_rate('GB', 'b2b', '2026-08-01', '2025-03-01')).total, 12.75,
          'GB: the rate of the half-year the debt fell overdue in holds for its life');
SELECT is((dunning.statutory_rate(NULL, 'b2b', '2026-03-01')).total, 10.15, 'no jurisdiction set: the Directive (EU)');
SELECT throws_ok($$SELECT dunning.statutory_rate('US', 'b2b', '2026-03-01')$$, 'P0002', NULL, 'US: no rule, an error');
SELECT throws_ok($$SELECT dunning.statutory_rate('GB', 'b2c', '2026-03-01')$$, 'P0002', NULL, 'GB consumers: no statutory interest, an error');
SELECT throws_ok($$SELECT dunning.statutory_rate('DE', 'b2b', '2027-01-01')$$, 'P0002', NULL,
                 'DE 2027: the Basiszinssatz is not published yet, an error (not the old value)');
SELECT throws_ok($$SELECT dunning.statutory_rate('NL', 'b2c', '2025-03-01')$$, 'P0002', NULL,
                 'NL consumers 2025: no known legal rate, an error');
SELECT throws_ok($$SELECT dunning.statutory_rate('EU', 'b2b', '2010-01-01')$$, 'P0002', NULL, 'before the first ECB value: an error');
SELECT throws_ok($$SELECT dunning.statutory_rate('EU', 'B2B', '2026-01-01')$$, '22023', NULL, 'an unknown customer kind');
SELECT throws_ok($$SELECT dunning.rate_on('NOPE', '2026-01-01')$$, '42704', NULL, 'an unknown series');

-- Fixed compensation and materiality.
SELECT is(dunning.fixed_compensation('GBP', 'b2b', d), a, 'GBP b2b ' || d || ': ' || a)
  FROM (VALUES (999.99, 40::numeric), (1000.00, 70), (9999.99, 70), (10000.00, 100)) AS v (d, a);
SELECT is(dunning.fixed_compensation('EUR', 'b2b', 1.00), 40::numeric, 'EUR b2b: 40');
SELECT is(dunning.fixed_compensation('EUR', 'b2c', 1000.00), NULL, 'EUR b2c: none (NULL)');
SELECT throws_ok($$SELECT dunning.fixed_compensation('USD', 'b2b', 100)$$, 'P0002', NULL, 'USD: no rule, an error');
SELECT is_empty($$SELECT currency FROM dunning.materiality_rule
                   WHERE amount <> round(amount, dunning.currency_minor_unit(currency))$$,
                'materiality thresholds are in the currencies'' minor units');
SELECT is(dunning.materiality('JPY', 'b2b'), 500::numeric, 'JPY 500');
SELECT throws_ok($$SELECT dunning.materiality('XOF', 'b2b')$$, 'P0002', NULL, 'a currency without a threshold: an error');
INSERT INTO dunning.setting (materiality_amount) VALUES (2500);
SELECT is(dunning.materiality('XOF', 'b2b'), 2500::numeric, '... or the setting, when an admin set it');
-- A user row replaces the shipped one with the same key.
INSERT INTO dunning.materiality_rule (currency, customer_kind, amount, source) VALUES ('EUR', 'b2b', 20, 'our policy');
SELECT is(dunning.materiality('EUR', 'b2b'), 20::numeric, 'a house threshold replaces the shipped one');
INSERT INTO dunning.series_rate (series, valid_from, rate, source) VALUES ('ECB_MRO', '2026-09-16', 2.60, 'correction');
SELECT is(dunning.rate_on('ECB_MRO', '2026-10-01'), 2.60, 'a user value replaces the shipped value of the same date');
SELECT is((SELECT count(*) FROM dunning.reference_rate WHERE currency = 'EUR' AND valid_from = '2026-09-16'), 1::bigint,
          'reference_rate shows one value per date');
DELETE FROM dunning.series_rate WHERE NOT seeded;
SELECT is(dunning.rate_on('ECB_MRO', '2026-10-01'), 2.65, 'removing it brings the shipped value back');

-- The 0.2.0 interface: reference_rate per currency, writable.
INSERT INTO dunning.reference_rate (currency, valid_from, rate, source) VALUES ('USD', '2026-01-01', 4.0, 'ours');
SELECT is((SELECT series FROM dunning.currency_rate_series WHERE currency = 'USD'), 'USD',
          'a rate for a currency without a series creates one named after it');
SELECT is(dunning.late_interest(1000.00, 'USD', '2026-01-31', '2026-03-02', 8), 9.86, 'late_interest over it');
UPDATE dunning.reference_rate SET rate = 5.0 WHERE currency = 'USD';
SELECT is(dunning.rate_on('USD', '2026-06-01'), 5.0, 'updated through the view');
DELETE FROM dunning.reference_rate WHERE currency = 'USD';
SELECT is((SELECT count(*) FROM dunning.series_rate WHERE series = 'USD'), 0::bigint, 'deleted through the view');
SELECT is(dunning.late_interest(10000.00, 'EUR', '2024-01-15', '2024-02-29', 8), 154.11,
          'late_interest on the shipped ECB series: 154.11 (domain.md)');

-- Shipped rows are read only, stay out of pg_dump.
SELECT throws_ok($$UPDATE dunning.series_rate SET rate = 9 WHERE series = 'ECB_MRO' AND valid_from = '2023-09-20'$$,
                 '42501', NULL, 'a shipped rate cannot be changed');
SELECT throws_ok($$DELETE FROM dunning.late_payment_rule WHERE jurisdiction = 'FR'$$, '42501', NULL, 'a shipped rule cannot be removed');
SELECT throws_ok($$UPDATE dunning.compensation_rule SET amount = 50 WHERE currency = 'EUR'$$, '42501', NULL,
                 'a shipped compensation cannot be changed');
SELECT throws_ok($$INSERT INTO dunning.materiality_rule (currency, customer_kind, amount, seeded) VALUES ('XOF', 'b2b', 1, true)$$,
                 '42501', NULL, 'a user row cannot claim to be shipped');
SELECT throws_ok($$UPDATE dunning.reference_rate SET rate = 9 WHERE currency = 'EUR' AND valid_from = '2023-09-20'$$,
                 '42501', NULL, 'nor through the reference_rate view');
SELECT is((SELECT string_agg(cfg::regclass::text || ':' || cond, ' ' ORDER BY cfg::regclass::text)
             FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u (cfg, cond)
            WHERE e.extname = 'dunning'
              AND cfg::regclass::text IN ('dunning.rate_series', 'dunning.series_rate', 'dunning.currency_rate_series',
                                          'dunning.late_payment_rule', 'dunning.compensation_rule', 'dunning.materiality_rule')),
          'dunning.compensation_rule:WHERE NOT seeded dunning.currency_rate_series:WHERE NOT seeded '
          'dunning.late_payment_rule:WHERE NOT seeded dunning.materiality_rule:WHERE NOT seeded '
          'dunning.rate_series:WHERE NOT seeded dunning.series_rate:WHERE NOT seeded',
          'pg_dump keeps the users'' rows only');
-- Syncing again (what every update does) changes nothing.
CREATE TEMP TABLE before_sync AS SELECT * FROM dunning.series_rate;
SELECT dunning_internal.sync_shipped_charges();
SELECT bag_eq($$SELECT * FROM dunning.series_rate$$, $$SELECT * FROM before_sync$$, 'syncing the shipped charges twice changes nothing');

-- Invoice interest: prorated by payments like invoice_late_interest.
INSERT INTO dunning.customer (customer_id, name, country, kind) VALUES (1, 'Acme', 'FR', 'b2b'), (2, 'Jane', 'FR', 'b2c');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount) VALUES
  (1, 1, 'I-1', '2023-12-01', '2024-01-15', 10000.00), (2, 1, 'I-2', '2023-12-01', '2024-01-15', -100.00),
  (3, 2, 'I-3', '2025-12-01', '2026-01-15', 1000.00);
INSERT INTO dunning.payment (payment_id, received_on, amount) VALUES (1, '2024-02-01', 4000.00);
SELECT dunning.allocate(1, 1);
SELECT is(dunning.invoice_statutory_interest(1, '2024-02-29', 'EU'), dunning.invoice_late_interest(1, '2024-02-29', 8),
          'a partial payment reduces the base from its day on, as in invoice_late_interest');
SELECT is(dunning.invoice_statutory_interest(1, '2024-01-15', 'EU'), 0.00, 'nothing on the due date');
-- The runner's way: the schedule once, accrue_interest (C) per item.
SELECT is((SELECT row(rate_from, totals)::text FROM dunning.statutory_rate_schedule('EU', 'b2b', '2024-01-16', '2024-12-31')),
          '("{2024-01-16,2024-07-01}","{12.50,12.25}")', 'statutory_rate_schedule: one total per half-year');
SELECT is((SELECT dunning.accrue_interest(10000.00, '2024-01-15', '2024-12-31', 0, 'ACT/365', 2, s.rate_from, s.totals,
                                          ARRAY['2024-02-01']::date[], ARRAY[4000.00])
             FROM dunning.statutory_rate_schedule('EU', 'b2b', '2023-01-01', '2025-12-31') s),
          dunning.invoice_statutory_interest(1, '2024-12-31', 'EU'),
          'a schedule over a longer span gives the same interest as invoice_statutory_interest');
SELECT throws_ok($$SELECT dunning.invoice_statutory_interest(2, '2024-02-29')$$, '22023', NULL, 'a credit note bears no interest');
SELECT throws_ok($$SELECT dunning.invoice_statutory_interest(99, '2024-02-29')$$, '42704', NULL, 'an unknown invoice');
SELECT is(dunning.invoice_statutory_interest(3, '2026-02-14', 'FR'), round(1000 * 0.0262 * 30 / 365, 2),
          'a consumer: the rule of its kind (FR legal rate 2.62 %)');

-- Privileges: analysts read and compute, admins add their rows.
SET LOCAL ROLE dunning_analyst;
SELECT lives_ok($$SELECT dunning.statutory_rate('FR', 'b2b', '2026-03-01'), dunning.fixed_compensation('EUR', 'b2b', 1),
                         dunning.materiality('EUR', 'b2b'), dunning.invoice_statutory_interest(1, '2024-03-01', 'EU'),
                         (SELECT count(*) FROM dunning.rate_history), (SELECT count(*) FROM dunning.late_payment_rule)$$,
                'an analyst reads the rules and computes');
SELECT throws_ok($$INSERT INTO dunning.series_rate (series, valid_from, rate) VALUES ('ECB_MRO', '2027-01-06', 3)$$,
                 '42501', NULL, 'an analyst cannot add a rate');
RESET ROLE;
SET LOCAL ROLE dunning_admin;
SELECT lives_ok($$INSERT INTO dunning.series_rate (series, valid_from, rate, source) VALUES ('ECB_MRO', '2026-11-04', 2.90, 'test');
                  INSERT INTO dunning.rate_series (series, currency, description) VALUES ('FED_PRIME', 'USD', 'test');
                  INSERT INTO dunning.late_payment_rule (jurisdiction, customer_kind, rate_series, margin, source)
                  VALUES ('US', 'b2b', 'FED_PRIME', 2, 'our contracts')$$,
                'an admin adds rates, series and rules');
SELECT throws_ok($$SELECT dunning.statutory_rate('US', 'b2b', '2026-03-01')$$, 'P0002', NULL, 'a series without values: an error');
INSERT INTO dunning.series_rate (series, valid_from, rate, source) VALUES ('FED_PRIME', '2026-01-01', 7.5, 'test');
SELECT is((dunning.statutory_rate('US', 'b2b', '2026-03-01')).total, 9.5, 'a rule of one''s own');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
