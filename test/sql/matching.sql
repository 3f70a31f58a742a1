-- Invariants of the matching building blocks (src/reference.c, src/textmatch.c).
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(40);

-- reference_create output always validates, normalises to itself and is
-- attributed a scheme, for many generated bases of every scheme.
CREATE TEMP TABLE gen_bases AS
SELECT s.scheme, b.base
  FROM (VALUES ('rf'), ('be_ogm'), ('no_kid10'), ('no_kid11'), ('fi'), ('ch_qrr')) AS s(scheme)
 CROSS JOIN LATERAL (
       SELECT CASE s.scheme
                  WHEN 'rf' THEN pg_catalog.upper(pg_catalog.substr(pg_catalog.md5(g::text), 1, 1 + g % 21))
                  WHEN 'be_ogm' THEN (g * 7919 % 10000000000)::text
                  WHEN 'ch_qrr' THEN pg_catalog.repeat((g * 104729)::text, 2)
                  WHEN 'fi' THEN (100 + g * 7907)::text
                  ELSE (g * 31)::text
              END AS base
         FROM pg_catalog.generate_series(1, 2000) AS g) AS b;
CREATE TEMP TABLE gen_refs AS
SELECT scheme, base, dunning.reference_create(base, scheme) AS ref FROM gen_bases;

SELECT is((SELECT count(*) FROM gen_refs), 12000::bigint, 'created 2000 references per scheme');
SELECT is((SELECT count(*) FROM gen_refs WHERE NOT dunning.reference_valid(ref, scheme)), 0::bigint,
          'every created reference is valid in its scheme');
SELECT is((SELECT count(*) FROM gen_refs WHERE NOT dunning.reference_valid(ref)), 0::bigint,
          'every created reference is valid with no scheme given');
SELECT is((SELECT count(*) FROM gen_refs
            WHERE dunning.reference_normalize(ref, scheme) IS DISTINCT FROM ref), 0::bigint,
          'a created reference is already in electronic form');
SELECT is((SELECT count(*) FROM gen_refs
            WHERE dunning.reference_normalize(dunning.reference_format(ref, scheme), scheme)
                  IS DISTINCT FROM ref), 0::bigint,
          'format then normalize gives the reference back');
SELECT is((SELECT count(*) FROM gen_refs WHERE dunning.reference_scheme(ref) IS NULL), 0::bigint,
          'every created reference has a scheme');
SELECT is((SELECT count(*) FROM gen_refs WHERE scheme IN ('rf', 'be_ogm', 'ch_qrr')
              AND dunning.reference_scheme(ref) <> scheme), 0::bigint,
          'rf, be_ogm and ch_qrr references are attributed to their scheme');
SELECT is((SELECT count(*) FROM gen_refs r
            WHERE r.scheme <> 'no_kid11' AND pg_catalog.length(r.ref) >= 4 AND NOT EXISTS (
                  SELECT FROM dunning.extract_references('paid ' || dunning.reference_format(r.ref, r.scheme) || ' thanks') e
                   WHERE e.reference = r.ref)), 0::bigint,
          'every created reference (but KID mod 11, under 4 digits) is found in printed text');
SELECT is((SELECT count(*) FROM gen_refs WHERE scheme = 'be_ogm'
              AND pg_catalog.length(ref) <> 12), 0::bigint, 'be_ogm references have 12 digits');
SELECT is((SELECT count(*) FROM gen_refs WHERE scheme = 'ch_qrr'
              AND pg_catalog.length(ref) <> 27), 0::bigint, 'ch_qrr references have 27 digits');

-- A changed check digit is detected.
SELECT is((SELECT count(*) FROM gen_refs
            WHERE scheme IN ('be_ogm', 'no_kid10', 'fi', 'ch_qrr')
              AND dunning.reference_valid(
                    pg_catalog.left(ref, -1) || ((pg_catalog.right(ref, 1)::int + 1) % 10)::text,
                    scheme)), 0::bigint,
          'any change of the last check digit invalidates the reference');

-- Errors carry SQLSTATE 22023 (invalid_parameter_value).
SELECT throws_ok($$SELECT dunning.reference_create('12a', 'be_ogm')$$, '22023', NULL,
                 'a non-digit OGM base is refused');
SELECT throws_ok($$SELECT dunning.reference_create('', 'rf')$$, '22023', NULL,
                 'an empty RF base is refused');
SELECT throws_ok($$SELECT dunning.reference_create('1234567890123456789012', 'rf')$$, '22023', NULL,
                 'an RF base over 21 characters is refused');
SELECT throws_ok($$SELECT dunning.reference_create('123456789012345678901234567', 'ch_qrr')$$, '22023', NULL,
                 'a QRR base over 26 digits is refused');
SELECT throws_ok($$SELECT dunning.reference_create('12', 'fi')$$, '22023', NULL,
                 'a Finnish base under 3 digits is refused');
SELECT throws_ok($$SELECT dunning.reference_create('12', 'isr')$$, '22023',
                 'unknown payment reference scheme "isr"', 'an unknown scheme is refused');
SELECT throws_ok($$SELECT dunning.reference_valid('12', 'kid')$$, '22023', NULL,
                 'reference_valid refuses an unknown scheme');

-- Similarities are symmetric and in [0, 1].
CREATE TEMP TABLE pairs AS
SELECT a.t AS a, b.t AS b
  FROM (VALUES ('INV-2023-00123'), ('inv 2023 123'), ('1234567890'), ('1234567809'), (''),
               ('Acme SA'), ('ACME INTERNATIONAL TRADING COMPA'), ('Acme International Trading Company'),
               ('Müller GmbH'), ('Mueller AG'), ('😀 ☃'), ('O''Neil & Sons'), ('SA'),
               (pg_catalog.repeat('Z9', 200))) AS a(t)
 CROSS JOIN (VALUES ('INV-2023-00123'), ('inv 2023 123'), ('1234567890'), ('1234567809'), (''),
               ('Acme SA'), ('ACME INTERNATIONAL TRADING COMPA'), ('Acme International Trading Company'),
               ('Müller GmbH'), ('Mueller AG'), ('😀 ☃'), ('O''Neil & Sons'), ('SA'),
               (pg_catalog.repeat('Z9', 200))) AS b(t);
SELECT is((SELECT count(*) FROM pairs
            WHERE dunning.invoice_number_similarity(a, b) <> dunning.invoice_number_similarity(b, a)),
          0::bigint, 'invoice_number_similarity is symmetric');
SELECT is((SELECT count(*) FROM pairs
            WHERE dunning.invoice_number_similarity(a, b) NOT BETWEEN 0 AND 1),
          0::bigint, 'invoice_number_similarity is in [0, 1]');
SELECT is((SELECT count(*) FROM pairs
            WHERE dunning.company_name_similarity(a, b) <> dunning.company_name_similarity(b, a)),
          0::bigint, 'company_name_similarity is symmetric');
SELECT is((SELECT count(*) FROM pairs
            WHERE dunning.company_name_similarity(a, b) NOT BETWEEN 0 AND 1),
          0::bigint, 'company_name_similarity is in [0, 1]');
SELECT is((SELECT count(*) FROM pairs
            WHERE dunning.best_invoice_number_match(a, b) NOT BETWEEN 0 AND 1),
          0::bigint, 'best_invoice_number_match is in [0, 1]');
SELECT is((SELECT count(*) FROM pairs
            WHERE dunning.normalize_invoice_number(a) <> ''
              AND dunning.invoice_number_similarity(a, a) <> 1),
          0::bigint, 'an invoice number is fully similar to itself');
SELECT is((SELECT count(*) FROM pairs
            WHERE dunning.normalize_company_name(a) <> ''
              AND dunning.company_name_similarity(a, a) <> 1),
          0::bigint, 'a company name is fully similar to itself');
SELECT is((SELECT count(*) FROM pairs
            WHERE dunning.normalize_invoice_number(a) = dunning.normalize_invoice_number(b)
              AND dunning.normalize_invoice_number(a) <> ''
              AND dunning.invoice_number_similarity(a, b) <> 1),
          0::bigint, 'equal normal forms have similarity 1');
SELECT cmp_ok(dunning.invoice_number_similarity('1234567890', '1234567891'), '=', 0.9::real,
              'one typo in a 10-character number gives 0.9');
SELECT cmp_ok(dunning.company_name_similarity('ACME INTERNATIONAL TRADING COMPA',
                                              'Acme International Trading Company SA'), '>=', 0.95::real,
              'a name cut by the bank scores at least 0.95');
SELECT cmp_ok(dunning.company_name_similarity('Globex', 'Initech'), '=', 0::real,
              'unrelated names score 0');

-- Normalisation is idempotent.
SELECT is((SELECT count(*) FROM pairs
            WHERE dunning.normalize_invoice_number(dunning.normalize_invoice_number(a))
                  <> dunning.normalize_invoice_number(a)), 0::bigint,
          'normalize_invoice_number is idempotent');
SELECT is((SELECT count(*) FROM pairs
            WHERE dunning.normalize_company_name(dunning.normalize_company_name(a))
                  <> dunning.normalize_company_name(a)), 0::bigint,
          'normalize_company_name is idempotent');

-- A megabyte of text: no error, bounded output.
SELECT lives_ok($$SELECT count(*) FROM dunning.extract_references(
                    pg_catalog.repeat('RF18 5390 0754 7034 +++010/8068/17183+++ 2023-01-15 ', 20000))$$,
                'extract_references copes with 1 MB of text');
SELECT is((SELECT count(*) FROM dunning.extract_references(
              pg_catalog.repeat('RF18 5390 0754 7034 +++010/8068/17183+++ 2023-01-15 ', 20000))),
          40000::bigint, 'and finds every reference in it');
SELECT lives_ok($$SELECT count(*) FROM dunning.extract_references(pg_catalog.repeat('7', 1048576))$$,
                'extract_references copes with 1 MB of digits');
SELECT is((SELECT count(*) FROM dunning.remittance_tokens(pg_catalog.repeat('INV 2023 00123 ', 70000))),
          64::bigint, 'remittance_tokens returns at most 64 tokens from 1 MB');
SELECT lives_ok($$SELECT dunning.best_invoice_number_match(pg_catalog.repeat('ü-1 ', 300000), 'INV-1')$$,
                'best_invoice_number_match copes with 1 MB of text');
SELECT lives_ok($$SELECT dunning.normalize_company_name(pg_catalog.repeat('Société ', 150000)),
                         dunning.company_name_similarity(pg_catalog.repeat('Acme ', 250000), 'Acme')$$,
                'the name functions cope with 1 MB of text');
SELECT is(dunning.normalize_invoice_number(pg_catalog.repeat('1', 1048576)),
          pg_catalog.repeat('1', 1048576), 'normalize_invoice_number keeps 1 MB of digits');
SELECT ok(NOT dunning.reference_valid(pg_catalog.repeat('1', 1048576))
          AND NOT dunning.iban_valid(pg_catalog.repeat('A', 1048576)),
          'a 1 MB reference or IBAN is simply invalid');

-- A declaration of another shape than the library's row (SQL of another
-- build): refused, never rows built past its columns
CREATE FUNCTION pg_temp.refs_of_another_build(text) RETURNS TABLE (scheme text, reference text, start_pos int, extra int)
    LANGUAGE C AS '$libdir/dunning', 'extract_references';
SELECT throws_ok($$SELECT * FROM pg_temp.refs_of_another_build('RF18539007547034')$$, '55000',
                 'refs_of_another_build returns 3 columns, but its installed SQL declaration has 4',
                 'a C set-returning function refuses a declared row of another shape');

SELECT * FROM finish();
ROLLBACK;
