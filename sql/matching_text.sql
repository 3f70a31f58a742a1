-- Invoice numbers, remittance tokens and payer names (src/textmatch.c).
\set VERBOSITY terse
CREATE EXTENSION dunning;

-- Normal form of invoice numbers: upper case, separators dropped, O/I/L
-- between digits read as digits, leading zeros of each digit group dropped.
SELECT t AS input, dunning.normalize_invoice_number(t) AS normalized
  FROM unnest(ARRAY['inv-2023-00123', 'INV 2023 123', 'INV202300123', 'F/00042', 'fa_2023.001',
                    '#0000', '00', '1O23', '1o 23', '2O23-OO123', '1I5', '1L5', '1OX5',
                    '12O', 'O12', 'INVOICE 1O5', 'LOL12', 'A0B', '', ' -/._# ',
                    'Fä 12', '№ 0042', 'ＩＮＶ１２']) AS t;

-- Similarity: 1 - OSA distance / longer normalised length.
SELECT a, b, dunning.invoice_number_similarity(a, b) AS similarity
  FROM (VALUES ('INV-2023-00123', 'inv 2023 123'),     -- equal once normalised
               ('1234567890', '1234567890'),
               ('1234567890', '1234567891'),           -- substitution: 0.9
               ('1234567890', '1234567809'),           -- transposition: 0.9
               ('1234567890', '123456789'),            -- deletion: 0.9
               ('1234567890', '12345678900'),          -- insertion: 10/11
               ('1234567890', '2143658709'),           -- five transpositions: 0.5
               ('INV-1', 'CN-1'), ('ABC', 'XYZ'), ('', ''), ('', 'A'), ('--', '12')) AS v(a, b);
-- Only the first 64 normalised characters count.
SELECT dunning.invoice_number_similarity(repeat('7', 64) || 'A', repeat('7', 64) || 'B') AS clipped,
       dunning.invoice_number_similarity(repeat('7', 100000), repeat('7', 99999)) AS long_equal;

-- Tokens of remittance texts: field tags, dates, amounts with decimals and
-- IBANs dropped; split numbers joined; only tokens with a digit.
SELECT * FROM dunning.remittance_tokens(
    '/EREF/NOTPROVIDED/REMI/USTD//INV 2023 00123/ paid with INV-2023-00124 on 15.01.2023');
SELECT * FROM dunning.remittance_tokens(
    'SVWZ+RE 12345 KREF+4711 EREF+A/2023/77 MREF+M-99 dd 2023-01-15 EUR 1.234,56 and 99,90');
SELECT * FROM dunning.remittance_tokens(
    '?20Rechnung 998877?21Kd 4711?22IBAN: DE89370400440532013000 GB29 NWBK 6016 1331 9268 19');
SELECT * FROM dunning.remittance_tokens('Facture FA 2023 0042 et FA-2023-0043, ref 2023 1 12');
SELECT count(*) AS none FROM dunning.remittance_tokens('');
SELECT count(*) AS none FROM dunning.remittance_tokens('payment for services thank you');
SELECT count(*) AS none FROM dunning.remittance_tokens('ÄÖÜ ☃ 😀 «»');
SELECT count(*) AS capped FROM dunning.remittance_tokens(repeat('INV 123 ', 1000));
SELECT count(*) AS too_long FROM dunning.remittance_tokens(repeat('A1', 100));

-- Best match of an invoice number in a text (what the matcher calls).
SELECT txt, inv, dunning.best_invoice_number_match(txt, inv) AS best
  FROM (VALUES ('SVWZ+RE 12345 dd 15.01.2023', '12345'),
               ('RE12345', '12345'),                    -- label glued to the number
               ('payment INV 2023 00123 thanks', 'INV-2023-00123'),
               ('payment INV 2023 00123 thanks', 'INV-2023-00124'),
               ('invoices 2023 00123 and 2023 00124', 'INV-2023-00124'), -- prefix missing: 0.95
               ('2023 00124', 'CN-2023-00124'),
               ('inv 123 456', '123456'),               -- a number cut in two
               ('INV-2O23-OO123', 'INV-2023-00123'),    -- OCR letters
               ('EUR 123,45 on 01.02.2023', '12345'),   -- amounts and dates are not tokens
               ('nothing here', '12345'),
               ('', '12345'),
               ('INV-1', '')) AS v(txt, inv);

-- Company names: folded, legal forms out, words sorted.
SELECT t AS input, dunning.normalize_company_name(t) AS normalized
  FROM unnest(ARRAY['ACME S.A.', 'Société Générale SA', 'Müller GmbH & Co. KG',
                    'B.V. Groothandel Jansen', 'The Coca-Cola Company', 'Ørsted A/S',
                    'ÆRØ Straße Łódź', 'O''Neil & Sons Ltd.', 'AB', 'SA NV', '',
                    '☃ snowman Ltd', 'ACME SA/NV', 'Café 3M Oy']) AS t;

-- Similarity of names: order, legal forms, case, accents, punctuation,
-- typos and bank truncation.
SELECT a, b, dunning.company_name_similarity(a, b) AS similarity
  FROM (VALUES ('ACME SA', 'Acme'),
               ('Trading Acme', 'ACME TRADING NV'),
               ('ACME INTERNATIONAL TRADING COMPA', 'Acme International Trading Company SA'),
               ('ACME INTERNATIONAL', 'Acme International Trading'),
               ('ACME', 'Acme International Trading'),
               ('Mueller GmbH', 'Müller AG'),
               ('Société Générale', 'SOCIETE GENERALE SA'),
               ('Jansen en Zonen BV', 'JANSEN & ZONEN'),
               ('Globex Corporation', 'Initech LLC'),
               ('Acme Trading', 'Acme Consulting'),
               ('', 'Acme'), ('SA', 'SA'), ('😀', '😀')) AS v(a, b);

-- The matcher's payer keys: name words (each once, 2 characters or more) and
-- customer numbers (NULL under 4 characters).
SELECT dunning.company_name_words('  Omnico omnico  Zyxwv Trading S.A. & Co') AS words,
       dunning.company_name_words('AB') AS legal_form_only, dunning.company_name_words('X & Y') AS none;
SELECT dunning.customer_ref_key('cust-000417') AS key, dunning.customer_ref_key('A-1') AS too_short,
       dunning.customer_ref_key('') AS empty;

DROP EXTENSION dunning;
