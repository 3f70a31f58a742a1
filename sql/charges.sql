-- Late-payment charges as shipped data: reference rate series, statutory
-- rules per jurisdiction and customer kind, fixed compensation, materiality;
-- worked examples (doc/charges.md).  Every date is fixed.
\set VERBOSITY terse
SET datestyle = ISO, YMD;
CREATE EXTENSION dunning;

-----------------------------------------------------------------------------
-- What is shipped
-----------------------------------------------------------------------------
SELECT s.series, s.currency, s.period, count(r.*) AS values_shipped, min(r.valid_from) AS first, max(r.valid_from) AS last
  FROM dunning.rate_series s LEFT JOIN dunning.series_rate r ON r.series = s.series
 GROUP BY s.series, s.currency, s.period ORDER BY s.series;
SELECT jurisdiction, customer_kind AS kind, rate_series, fixing, fixing_day, fixed_for_debt AS per_debt, margin,
       round_up_to, compounding
  FROM dunning.late_payment_rule ORDER BY jurisdiction, customer_kind;
SELECT currency, customer_kind AS kind, debt_from, amount FROM dunning.compensation_rule ORDER BY 1, 2, 3;
SELECT currency, amount FROM dunning.materiality_rule WHERE customer_kind = 'b2b'
   AND currency IN ('EUR', 'GBP', 'USD', 'CHF', 'JPY', 'KWD', 'SEK', 'HUF') ORDER BY currency;
-- values whose publisher's page was not read say so in their source
SELECT series, valid_from, rate, left(source, 40) AS source FROM dunning.series_rate
 WHERE source ~ 'SECONDARY|UNCONFIRMED' ORDER BY series, valid_from;

-----------------------------------------------------------------------------
-- Statutory rates (late_payment_rules.md's test vectors)
-----------------------------------------------------------------------------
SELECT v.jurisdiction, v.kind, v.on_date, r.*
  FROM (VALUES ('EU', 'b2b', DATE '2026-03-01'), ('EU', 'b2b', '2026-08-01'),          -- 10.15, 10.40
               ('FR', 'b2b', '2026-03-01'), ('FR', 'b2b', '2026-08-01'), ('FR', 'b2b', '2024-08-01'),  -- 12.15, 12.40, 14.25
               ('DE', 'b2b', '2026-03-01'), ('DE', 'b2c', '2026-03-01'),          -- 10.27, 6.27
               ('DE', 'b2b', '2026-08-01'), ('DE', 'b2c', '2026-08-01'),          -- 10.52, 6.52
               ('DE', 'b2b', '2024-03-01'), ('DE', 'b2c', '2024-03-01'),          -- 12.62, 8.62
               ('GB', 'b2b', '2026-03-01'), ('GB', 'b2b', '2026-08-01'),          -- 11.75
               ('BE', 'b2b', '2024-08-01'), ('BE', 'b2b', '2025-03-01'), ('BE', 'b2b', '2026-03-01'),  -- 12.5, 11.5, 10.5
               ('BE', 'b2b', '2026-08-01'),                                       -- 2.40 + 8 -> 10.5
               ('NL', 'b2b', '2024-03-01'), ('NL', 'b2b', '2024-08-01'),          -- 12.50, 12.25
               ('ES', 'b2b', '2020-03-01'), ('IT', 'b2b', '2026-03-01'),          -- 8.00, 10.15
               ('IT', 'b2c', '2026-03-01'), ('FR', 'b2c', '2026-03-01'), ('BE', 'b2c', '2026-03-01')
       ) AS v (jurisdiction, kind, on_date)
 CROSS JOIN LATERAL dunning.statutory_rate(v.jurisdiction, v.kind, v.on_date) r;
-- GB: the rate of the half-year interest started to run in holds for the
-- debt's whole life (SI 2002/1675 art. 4): a debt overdue from 2025-03-01
-- keeps Bank Rate 4.75 of 31 Dec 2024 after the cuts.
SELECT * FROM dunning.statutory_rate('GB', 'b2b', '2026-08-01', running_since => '2025-03-01');
-- No rule, no statutory interest, no published value: an error, never a zero.
SELECT * FROM dunning.statutory_rate('US', 'b2b', '2026-03-01');
SELECT * FROM dunning.statutory_rate('GB', 'b2c', '2026-03-01');
SELECT * FROM dunning.statutory_rate('DE', 'b2b', '2027-02-01');
SELECT * FROM dunning.statutory_rate('EU', 'b2b', '2010-02-01');
SELECT * FROM dunning.statutory_rate('EU', 'consumer', '2026-02-01');

-----------------------------------------------------------------------------
-- Worked example 1 (domain.md): ECB 4.5 % + 8 = 12.5 %; 10,000.00 paid 45
-- days late -> 10,000 x 0.125 x 45 / 365 = 154.11, plus 40.00 compensation.
-- Due Monday 2024-01-15, paid Thursday 2024-02-29: the first half of 2024
-- takes the ECB rate of its most recent operation before 1 January (4.50,
-- in force since 2023-09-20).
-----------------------------------------------------------------------------
INSERT INTO dunning.customer (customer_id, name, country, kind) VALUES
  (1, 'Acme SA', 'BE', 'b2b'), (2, 'Initech Ltd', 'GB', 'b2b'), (3, 'Stark GmbH', 'DE', 'b2b'),
  (4, 'Umbrella BV', 'NL', 'b2b'), (5, 'Jane Doe', 'GB', 'b2c');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency) VALUES
  (1, 1, 'EU-1', '2023-12-15', '2024-01-15', 10000.00, 'EUR'),
  (2, 2, 'GB-1', '2025-01-29', '2025-02-28', 5000.00, 'GBP'),
  (3, 3, 'DE-1', '2026-05-15', '2026-06-15', 10000.00, 'EUR'),
  (4, 4, 'NL-1', '2023-12-01', '2023-12-31', 10000.00, 'EUR'),
  (5, 2, 'GB-2', '2025-01-29', '2025-02-28', 12000.00, 'GBP'),
  (6, 5, 'GB-3', '2025-01-29', '2025-02-28', 100.00, 'GBP');
SELECT dunning.invoice_statutory_interest(1, '2024-02-29', 'EU') AS interest_154_11,
       dunning.fixed_compensation('EUR', 'b2b', 10000.00) AS compensation_40,
       (dunning.statutory_rate('EU', 'b2b', '2024-02-29')).total AS rate_12_5,
       -- the 0.2.0 function over the currency's series (EUR: ECB_MRO) agrees
       dunning.late_interest(10000.00, 'EUR', '2024-01-15', '2024-02-29', 8) AS late_interest_154_11;
-- The creditor's jurisdiction is a setting (NULL: EU); in France the margin is 10.
INSERT INTO dunning.setting (jurisdiction) VALUES ('FR');
SELECT (SELECT jurisdiction FROM dunning.settings) AS jurisdiction,
       dunning.invoice_statutory_interest(1, '2024-02-29') AS fr_14_5_percent_178_77;
UPDATE dunning.setting SET jurisdiction = NULL;

-----------------------------------------------------------------------------
-- Worked example 2 (UK, Late Payment Act): GBP 5,000.00 due 2025-02-28,
-- interest from 2025-03-01 at Bank Rate of 31 Dec 2024 (4.75) + 8 = 12.75 %
-- for the debt's life: 100 days -> 5,000 x 0.1275 x 100 / 365 = 174.66; the
-- band 1,000-9,999.99 gives GBP 70.  A year later the rate is still 12.75 %.
-----------------------------------------------------------------------------
SELECT dunning.invoice_statutory_interest(2, '2025-06-08', 'GB') AS interest_174_66,
       dunning.fixed_compensation('GBP', 'b2b', 5000.00) AS compensation_70,
       dunning.invoice_statutory_interest(2, '2026-06-08', 'GB') AS a_year_later_812_16;
SELECT debt, dunning.fixed_compensation('GBP', 'b2b', debt) AS compensation
  FROM unnest(ARRAY[0.01, 999.99, 1000.00, 9999.99, 10000.00, 12000.00]) AS debt;
-- a consumer: no statutory interest, no fixed sum (NULL), not an error
SELECT dunning.fixed_compensation('GBP', 'b2c', 100.00) AS consumer_compensation;
SELECT dunning.invoice_statutory_interest(6, '2025-06-08', 'GB');

-----------------------------------------------------------------------------
-- Worked example 3 (DE, across a half-year): EUR 10,000.00 B2B due
-- 2026-06-15: 15 days of June at 1.27 + 9 = 10.27 % (42.21) and 15 days of
-- July at 1.52 + 9 = 10.52 % (43.23): 85.44.
-----------------------------------------------------------------------------
SELECT dunning.invoice_statutory_interest(3, '2026-06-30', 'DE') AS june_42_21,
       dunning.invoice_statutory_interest(3, '2026-07-15', 'DE') AS total_85_44;

-----------------------------------------------------------------------------
-- Worked example 4 (NL, compounded yearly): EUR 10,000.00 due 2023-12-31,
-- to 2025-06-30.  First year: 182 days at 12.50 % + 184 at 12.25 % =
-- 623.29 + 617.53 = 1,240.82, added to the debt; then 181 days at 11.15 % on
-- 11,240.82 = 621.52: 1,862.34.  Simple interest (ES, same rates) 1,793.74.
-----------------------------------------------------------------------------
SELECT dunning.invoice_statutory_interest(4, '2025-06-30', 'NL') AS nl_compounded,
       dunning.invoice_statutory_interest(4, '2025-06-30', 'ES') AS es_simple;

-----------------------------------------------------------------------------
-- Which day fixes the half-year's rate: FR and IT take the rate in force on
-- 1 January / 1 July, the Directive, BE, ES, NL the last operation before.
-- They differ only when a change takes effect on that very day: a
-- hypothetical one on Monday 2030-07-01.
-----------------------------------------------------------------------------
INSERT INTO dunning.series_rate (series, valid_from, rate, source)
VALUES ('ECB_MRO', '2030-07-01', 3.00, 'hypothetical, for this test');
SELECT j, (dunning.statutory_rate(j, 'b2b', '2030-08-01')).* FROM unnest(ARRAY['EU', 'ES', 'FR', 'IT']) j;
DELETE FROM dunning.series_rate WHERE valid_from = '2030-07-01';

-----------------------------------------------------------------------------
-- Materiality: the rule of the currency and kind, else the setting when an
-- admin set it, else an error the runner reports per customer.
-----------------------------------------------------------------------------
SELECT dunning.materiality('EUR', 'b2b') AS eur, dunning.materiality('JPY', 'b2c') AS jpy,
       dunning.materiality('KWD', 'b2b') AS kwd;
SELECT dunning.materiality('XOF', 'b2b');
UPDATE dunning.setting SET materiality_amount = 3000;
SELECT dunning.materiality('XOF', 'b2b') AS xof_from_setting, dunning.materiality('EUR', 'b2b') AS eur_rule_first;
SELECT dunning.fixed_compensation('USD', 'b2b', 100.00);

-----------------------------------------------------------------------------
-- When the ECB decides (29 October 2026; takes effect Wednesday 4 November):
-- an admin adds the value; the shipped rows stay as they are.  (Rolled
-- back: the rate below is made up.)
-----------------------------------------------------------------------------
BEGIN;
INSERT INTO dunning.series_rate (series, valid_from, rate, source)
VALUES ('ECB_MRO', '2026-11-04', 2.90, 'ECB press release of 29 October 2026 (example value)');
SELECT dunning.rate_on('ECB_MRO', '2026-11-03') AS before, dunning.rate_on('ECB_MRO', '2026-11-04') AS after,
       (dunning.statutory_rate('EU', 'b2b', '2027-02-01')).total AS eu_h1_2027;
ROLLBACK;

DROP EXTENSION dunning;
