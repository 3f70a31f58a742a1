-- Structured payment references and IBANs (src/reference.c).
-- Test vectors: /work/shared/domain.md, "Structured payment references".
\set VERBOSITY terse
CREATE EXTENSION dunning;

-- Every valid vector of domain.md, in its own scheme and with no scheme.
SELECT v.scheme, v.ref,
       dunning.reference_valid(v.ref, v.scheme) AS valid_in_scheme,
       dunning.reference_valid(v.ref) AS valid_any,
       dunning.reference_normalize(v.ref, v.scheme) AS normalized,
       dunning.reference_format(v.ref, v.scheme) AS printed
  FROM (VALUES ('rf', 'RF18 5390 0754 7034'), ('rf', 'RF18539007547034'),
               ('rf', 'RF03SW3EZRUFBK'), ('rf', 'RF8512345672'), ('rf', 'RF80234096783'),
               ('be_ogm', '+++010/8068/17183+++'), ('be_ogm', '+++000/0000/00101+++'),
               ('be_ogm', '+++000/0000/09797+++'),
               ('no_kid10', '2345676'), ('no_kid10', '12344'), ('no_kid10', '0044555258'),
               ('no_kid11', '12345678903'), ('no_kid11', '310'), ('no_kid11', '40-'),
               ('fi', '12345672'), ('fi', '234096783'), ('fi', '1232'),
               ('ch_qrr', '210000000003139471430009017'),
               ('ch_qrr', '000000000000000000001878583'),
               ('ch_qrr', '361303000000000000000004142')) AS v(scheme, ref);

-- The invalid vector of domain.md, and each valid vector with its last
-- check character changed: invalid in its scheme.
SELECT v.scheme, v.ref, dunning.reference_valid(v.ref, v.scheme) AS valid_in_scheme,
       dunning.reference_normalize(v.ref, v.scheme) AS normalized
  FROM (VALUES ('rf', 'RF17539007547034'), ('rf', 'RF18539007547035'), ('rf', 'RF04SW3EZRUFBK'),
               ('be_ogm', '+++010/8068/17184+++'), ('be_ogm', '+++000/0000/00100+++'),
               ('be_ogm', '+++000/0000/09796+++'),
               ('no_kid10', '2345677'), ('no_kid10', '12345'), ('no_kid10', '0044555259'),
               ('no_kid11', '12345678904'), ('no_kid11', '311'), ('no_kid11', '400'),
               ('fi', '12345673'), ('fi', '234096784'), ('fi', '1233'),
               ('ch_qrr', '210000000003139471430009018'),
               ('ch_qrr', '000000000000000000001878584'),
               ('ch_qrr', '361303000000000000000004143')) AS v(scheme, ref);

-- Scheme attribution, in priority order rf, ch_qrr, be_ogm, fi, no_kid10,
-- no_kid11 (12344 is valid as fi and as no_kid10: fi wins).
SELECT r, dunning.reference_scheme(r) AS scheme
  FROM unnest(ARRAY['RF18539007547034', '+++010/8068/17183+++', '010806817183',
                    '210000000003139471430009017', '12344', '2345676', '310', '40-',
                    'RF17539007547034', '', 'hello', '12']) AS r;

-- Accepted spellings: spaces anywhere, lower case rf, OGM decoration *** or
-- none, OGM separators; rejected: unbalanced decoration, letters in digits.
SELECT r, dunning.reference_valid(r) AS valid, dunning.reference_normalize(r) AS normalized
  FROM unnest(ARRAY['rf18 5390 0754 7034', ' RF18539007547034 ', E'RF18\t5390\n0754 7034',
                    '***010/8068/17183***', '010/8068/17183', '010 8068 17183',
                    '+++010.8068.17183+++', '+++010806817183+++',
                    '+++010/8068/17183***', '+++010//8068/17183+++', '/010/8068/17183',
                    '21 00000 00003 13947 14300 09017', '1234 5672',
                    'RF18-5390-0754-7034', 'RF00539007547034', 'RF1853900754703A1234567890123',
                    'R F18539007547034', 'O10806817183', 'ＲＦ18539007547034']) AS r;

-- A scheme that does not accept the reference; scheme names are case-blind.
SELECT dunning.reference_valid('RF18539007547034', 'be_ogm') AS rf_as_ogm,
       dunning.reference_valid('+++010/8068/17183+++', 'fi') AS ogm_as_fi,
       dunning.reference_valid('12345678903', 'no_kid11') AS kid11,
       dunning.reference_valid('12345678903', 'NO_KID11') AS kid11_upper;

-- NULLs: a NULL reference gives NULL, a NULL scheme means any scheme.
SELECT dunning.reference_valid(NULL) IS NULL AS valid_null,
       dunning.reference_valid('1232', NULL) AS valid_any,
       dunning.reference_normalize(NULL, 'rf') IS NULL AS normalize_null,
       dunning.reference_format(NULL) IS NULL AS format_null,
       dunning.reference_scheme(NULL) IS NULL AS scheme_null,
       dunning.reference_create(NULL, 'rf') IS NULL AS create_null;

-- Creation: the domain.md vectors from their bases, padding, round trips.
SELECT b, s, dunning.reference_create(b, s) AS created,
       dunning.reference_valid(dunning.reference_create(b, s), s) AS round_trip,
       dunning.reference_format(dunning.reference_create(b, s), s) AS printed
  FROM (VALUES ('539007547034', 'rf'), ('SW3EZRUFBK', 'rf'), ('sw3e zruf bk', 'rf'),
               ('12345672', 'rf'), ('A', 'rf'), ('ZZZZZZZZZZZZZZZZZZZZZ', 'rf'),
               ('0108068171', 'be_ogm'), ('1', 'be_ogm'), ('97', 'be_ogm'), ('0', 'be_ogm'),
               ('234567', 'no_kid10'), ('1234', 'no_kid10'), ('004455525', 'no_kid10'),
               ('1234567890', 'no_kid11'), ('31', 'no_kid11'), ('4', 'no_kid11'),
               ('1234567', 'fi'), ('23409678', 'fi'), ('123', 'fi'),
               ('21000000000313947143000901', 'ch_qrr'), ('187858', 'ch_qrr'),
               ('36130300000000000000000414', 'ch_qrr')) AS v(b, s);

-- Bad bases and unknown schemes are errors (22023 invalid_parameter_value).
SELECT dunning.reference_create('', 'rf');
SELECT dunning.reference_create('ABCDEFGHIJKLMNOPQRSTUV', 'rf');
SELECT dunning.reference_create('INV-2023', 'rf');
SELECT dunning.reference_create('12345678901', 'be_ogm');
SELECT dunning.reference_create('12a', 'be_ogm');
SELECT dunning.reference_create('1234567890123456789012345', 'no_kid10');
SELECT dunning.reference_create('12', 'fi');
SELECT dunning.reference_create('123456789012345678901234567', 'ch_qrr');
SELECT dunning.reference_create('12', 'iso');
SELECT dunning.reference_create(repeat('x', 100), 'rf');
SELECT dunning.reference_valid('12', 'kid');
SELECT dunning.reference_normalize('12', '');
SELECT dunning.reference_format('12', 'qr');
-- The hint and the detail, once in full.
\set VERBOSITY default
SELECT dunning.reference_create('12a', 'fi');
SELECT dunning.reference_create('12', 'iso');
\set VERBOSITY terse

-- Finding references in free text: RF with spaces, OGM with and without
-- decoration, QRR printed and bare, a mod 11 KID with '-', a Finnish
-- reference; dates, amounts and IBANs are not references.
SELECT * FROM dunning.extract_references(
    'Pay ref rf18 5390 0754 7034 for INV-2023-001 on 2023-01-15, EUR 1.234,56; '
    '+++010/8068/17183+++ ***000/0000/09797*** 000000000101 '
    'QR 21 00000 00003 13947 14300 09017 and 361303000000000000000004142 '
    'KID 123451- 12345678903 fi 1 23456 78907 IBAN BE68 5390 0754 7034 BE68539007547034');
-- Positions count characters, not bytes.
SELECT * FROM dunning.extract_references('Réf. «RF18539007547034» — façture 12345672');
-- An RF glued to other text is not taken; an invalid one is skipped.
SELECT * FROM dunning.extract_references('XRF18539007547034 RF18539007547034X RF17539007547034 RF18 5390 0754 7034 EUR');
-- A short word after a printed RF may keep the check valid by chance: both
-- readings are reported at the same position.
SELECT * FROM dunning.extract_references('paid RF81 1000 0090 EUR 100');
-- Nothing to find.
SELECT count(*) FROM dunning.extract_references('');
SELECT count(*) FROM dunning.extract_references('no references here, just 123 and 2023-01-15');
SELECT count(*) FROM dunning.extract_references(repeat('9', 100000));

-- IBAN: spaces and lower case accepted; country length and mod 97 checked.
SELECT i, dunning.iban_valid(i) AS valid, dunning.iban_normalize(i) AS normalized
  FROM unnest(ARRAY['BE68 5390 0754 7034', 'be68539007547034', 'DE89 3704 0044 0532 0130 00',
                    'GB29 NWBK 6016 1331 9268 19', 'FR14 2004 1010 0505 0001 3M02 606',
                    'CH93 0076 2011 6238 5295 7', 'NO93 8601 1117 947',
                    'BE68 5390 0754 7035', 'BE68 5390 0754 703', 'XX68 5390 0754 7034',
                    'DE89 3704 0044 0532 0130 0', 'BE00539007547034', '', 'IBAN BE68539007547034',
                    'BE68-5390-0754-7034']) AS i;

DROP EXTENSION dunning;
