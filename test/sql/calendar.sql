-- pgTAP: holiday calendars (research: holidays_notes.md, section 9 test
-- vectors, checked there against python-holidays and date-holidays), the
-- generator, business days, customer subdivisions, shipped rows read only.
BEGIN;
CREATE EXTENSION IF NOT EXISTS dunning;
SELECT plan(302);

-- Vectors before 2020 need the rules' earlier years: generated as user rows.
SELECT cmp_ok(dunning.extend_holidays(2019, 2016), '>', 0, 'extend_holidays adds 2016-2019');
SELECT is(dunning.extend_holidays(2019, 2016), 0, 'extend_holidays is idempotent');

CREATE TEMP TABLE vector (calendar text, day date, holiday boolean);
INSERT INTO vector VALUES
    -- not in the notes, from the rule (the Wednesday before 23 November):
    -- the upper end of its range and the Wednesday a week before it
    ('DE-SN', '2023-11-22', true), ('DE-SN', '2023-11-15', false),
    ('FR', '2024-04-01', true),
    ('FR', '2025-05-29', true),
    ('FR', '2026-05-25', true),
    ('FR', '2026-05-08', true),
    ('FR', '2026-07-14', true),
    ('FR', '2026-04-03', false),
    ('FR', '2025-12-26', false),
    ('FR-57', '2026-04-03', true),
    ('FR-57', '2025-12-26', true),
    ('FR-57', '2024-03-29', true),
    ('FR-67', '2026-04-03', true),
    ('FR-67', '2025-12-26', true),
    ('FR-67', '2024-03-29', true),
    ('FR-68', '2026-04-03', true),
    ('FR-68', '2025-12-26', true),
    ('FR-68', '2024-03-29', true),
    ('FR-6AE', '2026-04-03', true),
    ('FR-6AE', '2025-12-26', true),
    ('FR-6AE', '2024-03-29', true),
    ('DE', '2024-04-01', true),
    ('DE', '2026-10-03', true),
    ('DE', '2026-05-14', true),
    ('DE', '2026-05-25', true),
    ('DE', '2017-10-31', true),
    ('DE-BW', '2024-04-01', true),
    ('DE-BW', '2026-10-03', true),
    ('DE-BW', '2026-05-14', true),
    ('DE-BW', '2026-05-25', true),
    ('DE-BW', '2017-10-31', true),
    ('DE-BY', '2024-04-01', true),
    ('DE-BY', '2026-10-03', true),
    ('DE-BY', '2026-05-14', true),
    ('DE-BY', '2026-05-25', true),
    ('DE-BY', '2017-10-31', true),
    ('DE-BE', '2024-04-01', true),
    ('DE-BE', '2026-10-03', true),
    ('DE-BE', '2026-05-14', true),
    ('DE-BE', '2026-05-25', true),
    ('DE-BE', '2017-10-31', true),
    ('DE-BB', '2024-04-01', true),
    ('DE-BB', '2026-10-03', true),
    ('DE-BB', '2026-05-14', true),
    ('DE-BB', '2026-05-25', true),
    ('DE-BB', '2017-10-31', true),
    ('DE-HB', '2024-04-01', true),
    ('DE-HB', '2026-10-03', true),
    ('DE-HB', '2026-05-14', true),
    ('DE-HB', '2026-05-25', true),
    ('DE-HB', '2017-10-31', true),
    ('DE-HH', '2024-04-01', true),
    ('DE-HH', '2026-10-03', true),
    ('DE-HH', '2026-05-14', true),
    ('DE-HH', '2026-05-25', true),
    ('DE-HH', '2017-10-31', true),
    ('DE-HE', '2024-04-01', true),
    ('DE-HE', '2026-10-03', true),
    ('DE-HE', '2026-05-14', true),
    ('DE-HE', '2026-05-25', true),
    ('DE-HE', '2017-10-31', true),
    ('DE-MV', '2024-04-01', true),
    ('DE-MV', '2026-10-03', true),
    ('DE-MV', '2026-05-14', true),
    ('DE-MV', '2026-05-25', true),
    ('DE-MV', '2017-10-31', true),
    ('DE-NI', '2024-04-01', true),
    ('DE-NI', '2026-10-03', true),
    ('DE-NI', '2026-05-14', true),
    ('DE-NI', '2026-05-25', true),
    ('DE-NI', '2017-10-31', true),
    ('DE-NW', '2024-04-01', true),
    ('DE-NW', '2026-10-03', true),
    ('DE-NW', '2026-05-14', true),
    ('DE-NW', '2026-05-25', true),
    ('DE-NW', '2017-10-31', true),
    ('DE-RP', '2024-04-01', true),
    ('DE-RP', '2026-10-03', true),
    ('DE-RP', '2026-05-14', true),
    ('DE-RP', '2026-05-25', true),
    ('DE-RP', '2017-10-31', true),
    ('DE-SL', '2024-04-01', true),
    ('DE-SL', '2026-10-03', true),
    ('DE-SL', '2026-05-14', true),
    ('DE-SL', '2026-05-25', true),
    ('DE-SL', '2017-10-31', true),
    ('DE-SN', '2024-04-01', true),
    ('DE-SN', '2026-10-03', true),
    ('DE-SN', '2026-05-14', true),
    ('DE-SN', '2026-05-25', true),
    ('DE-SN', '2017-10-31', true),
    ('DE-ST', '2024-04-01', true),
    ('DE-ST', '2026-10-03', true),
    ('DE-ST', '2026-05-14', true),
    ('DE-ST', '2026-05-25', true),
    ('DE-ST', '2017-10-31', true),
    ('DE-SH', '2024-04-01', true),
    ('DE-SH', '2026-10-03', true),
    ('DE-SH', '2026-05-14', true),
    ('DE-SH', '2026-05-25', true),
    ('DE-SH', '2017-10-31', true),
    ('DE-TH', '2024-04-01', true),
    ('DE-TH', '2026-10-03', true),
    ('DE-TH', '2026-05-14', true),
    ('DE-TH', '2026-05-25', true),
    ('DE-TH', '2017-10-31', true),
    ('DE', '2026-06-04', false),
    ('DE-BW', '2026-01-06', true),
    ('DE-BW', '2026-06-04', true),
    ('DE-BW', '2026-11-01', true),
    ('DE-BY', '2026-01-06', true),
    ('DE-BY', '2026-06-04', true),
    ('DE-BY', '2025-11-01', true),
    ('DE-BY', '2025-08-15', true),
    ('DE-BY', '2025-11-19', false),
    ('DE-BY-EV', '2026-01-06', true),
    ('DE-BY-EV', '2026-06-04', true),
    ('DE-BY-EV', '2025-11-01', true),
    ('DE-BY-EV', '2025-08-15', false),
    ('DE-BY-EV', '2025-11-19', false),
    ('DE-BE', '2024-03-08', true),
    ('DE-BE', '2020-05-08', true),
    ('DE-BE', '2025-05-08', true),
    ('DE-BE', '2028-06-17', true),
    ('DE-BE', '2026-05-08', false),
    ('DE-BE', '2018-03-08', false),
    ('DE-BB', '2026-10-31', true),
    ('DE-BB', '2024-04-01', true),
    ('DE-BB', '2026-06-04', false),
    ('DE-HB', '2026-10-31', true),
    ('DE-HB', '2016-10-31', false),
    ('DE-HH', '2026-10-31', true),
    ('DE-HH', '2019-10-31', true),
    ('DE-HH', '2026-06-04', false),
    ('DE-HE', '2026-06-04', true),
    ('DE-HE', '2024-04-01', true),
    ('DE-HE', '2025-11-01', false),
    ('DE-MV', '2023-03-08', true),
    ('DE-MV', '2026-10-31', true),
    ('DE-MV', '2022-03-08', false),
    ('DE-NI', '2026-10-31', true),
    ('DE-NI', '2018-10-31', true),
    ('DE-NI', '2026-01-06', false),
    ('DE-NW', '2026-06-04', true),
    ('DE-NW', '2025-11-01', true),
    ('DE-NW', '2026-10-31', false),
    ('DE-RP', '2026-06-04', true),
    ('DE-RP', '2025-11-01', true),
    ('DE-RP', '2026-01-06', false),
    ('DE-SL', '2025-08-15', true),
    ('DE-SL', '2026-06-04', true),
    ('DE-SL', '2025-11-01', true),
    ('DE-SN', '2024-11-20', true),
    ('DE-SN', '2025-11-19', true),
    ('DE-SN', '2026-11-18', true),
    ('DE-SN', '2029-11-21', true),
    ('DE-SN', '2033-11-16', true),
    ('DE-SN', '2026-06-04', false),
    ('DE-SN-KATH', '2026-06-04', true),
    ('DE-SN-KATH', '2026-11-18', true),
    ('DE-ST', '2026-01-06', true),
    ('DE-ST', '2026-10-31', true),
    ('DE-ST', '2026-06-04', false),
    ('DE-SH', '2026-10-31', true),
    ('DE-SH', '2018-10-31', true),
    ('DE-SH', '2026-06-04', false),
    ('DE-TH', '2019-09-20', true),
    ('DE-TH', '2024-09-20', true),
    ('DE-TH', '2026-10-31', true),
    ('DE-TH', '2026-09-21', false),
    ('DE-TH', '2026-06-04', false),
    ('DE-TH-KATH', '2026-06-04', true),
    ('DE-TH-KATH', '2026-09-20', true),
    ('GB-ENG', '2020-05-08', true),
    ('GB-ENG', '2022-06-02', true),
    ('GB-ENG', '2022-06-03', true),
    ('GB-ENG', '2022-09-19', true),
    ('GB-ENG', '2023-05-08', true),
    ('GB-ENG', '2022-12-27', true),
    ('GB-ENG', '2027-12-27', true),
    ('GB-ENG', '2027-12-28', true),
    ('GB-ENG', '2028-01-03', true),
    ('GB-ENG', '2026-08-31', true),
    ('GB-ENG', '2020-05-04', false),
    ('GB-ENG', '2022-05-30', false),
    ('GB-ENG', '2026-06-15', false),
    ('GB-WLS', '2024-04-01', true),
    ('GB-WLS', '2025-08-25', true),
    ('GB-WLS', '2023-01-02', true),
    ('GB-SCT', '2026-06-15', true),
    ('GB-SCT', '2025-12-01', true),
    ('GB-SCT', '2024-12-02', true),
    ('GB-SCT', '2025-08-04', true),
    ('GB-SCT', '2025-01-02', true),
    ('GB-SCT', '2028-01-03', true),
    ('GB-SCT', '2028-01-04', true),
    ('GB-SCT', '2025-08-25', false),
    ('GB-SCT', '2024-04-01', false),
    ('GB-NIR', '2024-03-18', true),
    ('GB-NIR', '2026-03-17', true),
    ('GB-NIR', '2025-07-14', true),
    ('GB-NIR', '2026-07-13', true),
    ('BE', '2026-07-21', true),
    ('BE', '2025-11-11', true),
    ('BE', '2026-04-06', true),
    ('BE', '2025-08-15', true),
    ('BE', '2025-12-26', false),
    ('BE', '2026-04-03', false),
    ('NL', '2025-04-26', true),
    ('NL', '2031-04-26', true),
    ('NL', '2026-04-27', true),
    ('NL', '2026-05-14', true),
    ('NL', '2025-12-26', true),
    ('NL', '2025-05-05', true),
    ('NL', '2030-05-05', true),
    ('NL', '2026-05-05', false),
    ('NL-ATW', '2026-05-05', true),
    ('NL-ATW', '2026-04-03', true),
    ('ES', '2026-04-03', true),
    ('ES', '2026-10-12', true),
    ('ES', '2025-12-08', true),
    ('ES', '2026-01-06', true),
    ('ES', '2026-04-06', false),
    ('IT', '2027-10-04', true),
    ('IT', '2026-06-02', true),
    ('IT', '2025-04-25', true),
    ('IT', '2026-12-26', true),
    ('IT', '2026-04-06', true),
    ('IT', '2025-10-04', false),
    ('IT', '2026-11-02', false),
    ('US', '2021-06-18', true),
    ('US', '2022-06-20', true),
    ('US', '2027-06-18', true),
    ('US', '2021-12-31', true),
    ('US', '2027-12-31', true),
    ('US', '2026-07-03', true),
    ('US', '2027-12-24', true),
    ('US', '2026-01-19', true),
    ('US', '2026-02-16', true),
    ('US', '2026-05-25', true),
    ('US', '2026-09-07', true),
    ('US', '2026-10-12', true),
    ('US', '2026-11-11', true),
    ('US', '2026-11-26', true),
    ('US', '2023-11-10', true),
    ('US', '2020-06-19', false);
-- Every vector: H must be a holiday of the calendar, W must not (a calendar
-- is a country, or a country plus a subdivision).
SELECT is(dunning.is_holiday(v.day, left(v.calendar, 2), NULLIF(v.calendar, left(v.calendar, 2))), v.holiday,
          v.calendar || ' ' || v.day || CASE WHEN v.holiday THEN ' is a holiday' ELSE ' is a working day' END)
  FROM vector v ORDER BY v.calendar, v.day;

-- Full 2026 lists of the notes (Monday to Friday: what business days see).
CREATE TEMP TABLE list2026 (calendar text, days text);
INSERT INTO list2026 VALUES
    ('FR', '01-01 04-06 05-01 05-08 05-14 05-25 07-14 08-15 11-01 11-11 12-25'),
    ('FR-57', '01-01 04-03 04-06 05-01 05-08 05-14 05-25 07-14 08-15 11-01 11-11 12-25 12-26'),
    ('FR-6AE', '01-01 04-03 04-06 05-01 05-08 05-14 05-25 07-14 08-15 11-01 11-11 12-25 12-26'),
    ('DE', '01-01 04-03 04-06 05-01 05-14 05-25 10-03 12-25 12-26'),
    ('GB-ENG', '01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28'),
    ('GB-WLS', '01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28'),
    ('GB-SCT', '01-01 01-02 04-03 05-04 05-25 06-15 08-03 11-30 12-25 12-28'),
    ('GB-NIR', '01-01 03-17 04-03 04-06 05-04 05-25 07-13 08-31 12-25 12-28'),
    ('BE', '01-01 04-06 05-01 05-14 05-25 07-21 08-15 11-01 11-11 12-25'),
    ('NL', '01-01 04-06 04-27 05-14 05-25 12-25 12-26'),
    ('ES', '01-01 01-06 04-03 05-01 08-15 10-12 11-01 12-08 12-25'),
    ('IT', '01-01 01-06 04-06 04-25 05-01 06-02 08-15 10-04 11-01 12-08 12-25 12-26'),
    ('US', '01-01 01-19 02-16 05-25 06-19 07-03 09-07 10-12 11-11 11-26 12-25');
SELECT is((SELECT string_agg(to_char(h.day, 'MM-DD'), ' ' ORDER BY h.day)
             FROM dunning.holidays(left(l.calendar, 2), '2026-01-01', '2026-12-31', NULLIF(l.calendar, left(l.calendar, 2))) h
            WHERE extract(isodow FROM h.day) < 6),
          (SELECT string_agg(d, ' ' ORDER BY d) FROM unnest(string_to_array(l.days, ' ')) d
            WHERE extract(isodow FROM ('2026-' || d)::date) < 6),
          l.calendar || ': the weekday holidays of 2026')
  FROM list2026 l ORDER BY l.calendar;

-- Easter Sunday 2020-2035 (the notes' table).
SELECT is(string_agg(to_char(dunning.easter_sunday(y), 'MM-DD'), ' ' ORDER BY y),
          '04-12 04-04 04-17 04-09 03-31 04-20 04-05 03-28 04-16 04-01 04-21 04-13 03-28 04-17 04-09 03-25',
          'easter_sunday 2020-2035')
  FROM generate_series(2020, 2035) y;
SELECT is(dunning.easter_sunday(1500), NULL, 'easter_sunday: NULL before the Gregorian calendar');
-- Substitutes name the holiday they replace.
SELECT is((SELECT name FROM dunning.holiday WHERE country = 'GB' AND subdivision = '' AND day = '2027-12-28'),
          'Boxing Day (substitute day)', 'GB: Boxing Day on Sunday 2027 gives Tuesday 28');
SELECT is((SELECT name FROM dunning.holiday WHERE country = 'US' AND day = '2021-12-31'),
          'New Year''s Day (observed)', 'US: New Year 2022 on a Saturday is observed on Friday 2021-12-31');
SELECT is((SELECT count(*) FROM dunning.holiday WHERE country = 'NL' AND day = '2025-04-27'), 0::bigint,
          'NL: King''s Day moves (not added) to Saturday when 27 April is a Sunday');

-- Shipped range and its rows.
SELECT is((SELECT min(extract(year FROM day)) || '-' || max(extract(year FROM day)) FROM dunning.holiday WHERE seeded),
          '2020-2035', 'shipped holidays cover 2020-2035');
SELECT is((SELECT array_agg(DISTINCT country ORDER BY country) FROM dunning.holiday WHERE seeded),
          ARRAY['BE', 'DE', 'ES', 'FR', 'GB', 'IT', 'NL', 'US']::bpchar[], 'shipped countries');
SELECT is((SELECT count(DISTINCT subdivision) FROM dunning.holiday WHERE country = 'DE' AND subdivision ~ '^DE-[A-Z]{2}$'),
          16::bigint, 'every German Land has days of its own');
SELECT is_empty($$SELECT * FROM dunning.holiday_rule WHERE seeded AND (source IS NULL OR length(source) < 20)$$,
                'every shipped rule cites its source');
SELECT is_empty($$SELECT h.country, h.day, h.subdivision FROM dunning.holiday h
                   JOIN dunning.holiday n ON n.country = h.country AND n.day = h.day AND n.subdivision = ''
                  WHERE h.subdivision <> '' AND h.seeded$$,
                'a subdivision''s rows add to the country''s, never repeat them');
-- Syncing again (what every update does) changes nothing.
CREATE TEMP TABLE before_sync AS SELECT * FROM dunning.holiday WHERE seeded;
SELECT dunning_internal.sync_shipped_calendar();
SELECT bag_eq($$SELECT * FROM dunning.holiday WHERE seeded$$, $$SELECT * FROM before_sync$$,
              'syncing the shipped calendar twice changes nothing');

-- Business days: national plus the subdivision's holidays; the 2-argument
-- form keeps working.
SELECT ok(NOT dunning.is_business_day('2026-01-06', 'DE', 'DE-BY') AND dunning.is_business_day('2026-01-06', 'DE')
          AND dunning.is_business_day('2026-01-06', 'DE', 'DE-NW'),
          'is_business_day: Epiphany 2026 is off in Bavaria only');
SELECT ok(NOT dunning.is_business_day('2026-12-28', 'GB') AND dunning.is_business_day('2026-04-06', 'GB', 'GB-SCT')
          AND NOT dunning.is_business_day('2026-04-06', 'GB', 'GB-ENG'),
          'is_business_day: Boxing Day substitute everywhere in GB, Easter Monday not in Scotland');
SELECT ok(NOT dunning.is_business_day('2026-03-28') AND dunning.is_business_day('2026-03-30'),
          'is_business_day without a country: weekends only');
SELECT ok(dunning.is_business_day('2026-01-06', 'DE', NULL), 'is_business_day with a NULL subdivision: the country''s days');

-- Generating more years: idempotent, the user's rows (dumped), existing days kept.
SELECT cmp_ok(dunning.extend_holidays(2037, 2036), '>', 100, 'extend_holidays adds 2036-2037');
SELECT is(dunning.extend_holidays(2037), 0, 'extend_holidays again: nothing new');
SELECT is((SELECT count(*) FROM dunning.holiday WHERE day >= '2036-01-01' AND seeded), 0::bigint,
          'generated years are the user''s rows, not seeded');
SELECT ok(dunning.is_holiday('2037-12-28', 'GB', 'GB-ENG'), 'generated 2037: Boxing Day substitute (26th a Saturday)');
SELECT throws_ok($$SELECT dunning.extend_holidays(2300)$$, '22023', NULL, 'extend_holidays: years out of range');
-- A rule of one's own (another country) generates with its weekend rule.
INSERT INTO dunning.holiday_rule (country, name, month, day, observed, source)
VALUES ('AT', 'Nationalfeiertag', 10, 26, 'none', 'Feiertagsruhegesetz 1957');
SELECT is(dunning.extend_holidays(2027, 2026), 2, 'extend_holidays: a user rule gives its days');
SELECT ok(NOT dunning.is_business_day('2026-10-26', 'AT'), 'the new rule''s day is off');

-- Customers: subdivision (ISO 3166-2 of their country), kind.
SELECT lives_ok($$INSERT INTO dunning.customer (customer_id, name, country, subdivision, kind)
                  VALUES (9001, 'Bavaria GmbH', 'DE', 'DE-BY', 'b2b'), (9002, 'Jane Doe', 'GB', 'GB-SCT', 'b2c'),
                         (9003, 'Alsace SARL', 'FR', 'FR-6AE', DEFAULT)$$, 'customers with subdivisions and kinds');
SELECT is((SELECT kind FROM dunning.customer WHERE customer_id = 9003), 'b2b', 'customer.kind defaults to b2b');
SELECT throws_ok($$INSERT INTO dunning.customer (name, country, subdivision) VALUES ('x', 'DE', 'FR-57')$$,
                 '23514', NULL, 'a subdivision of another country is refused');
SELECT throws_ok($$INSERT INTO dunning.customer (name, country, subdivision) VALUES ('x', 'DE', 'Bayern')$$,
                 '23514', NULL, 'a subdivision that is not ISO 3166-2 is refused');
SELECT throws_ok($$INSERT INTO dunning.customer (name, subdivision) VALUES ('x', 'DE-BY')$$,
                 '23514', NULL, 'a subdivision without a country is refused');
SELECT throws_ok($$INSERT INTO dunning.customer (name, kind) VALUES ('x', 'b2x')$$,
                 '23514', NULL, 'an unknown customer kind is refused');

-- Shipped rows are read only; the users' are theirs.
SELECT throws_ok($$UPDATE dunning.holiday SET name = 'x' WHERE country = 'FR' AND day = '2026-07-14'$$,
                 '42501', NULL, 'a shipped holiday cannot be changed');
SELECT throws_ok($$DELETE FROM dunning.holiday WHERE country = 'FR' AND day = '2026-07-14'$$,
                 '42501', NULL, 'a shipped holiday cannot be removed');
SELECT throws_ok($$INSERT INTO dunning.holiday (country, day, name, seeded) VALUES ('FR', '2026-07-15', 'x', true)$$,
                 '42501', NULL, 'a user row cannot claim to be shipped');
SELECT throws_ok($$UPDATE dunning.holiday_rule SET month = 8 WHERE country = 'FR' AND name = 'Fête nationale'$$,
                 '42501', NULL, 'a shipped rule cannot be changed');
SET LOCAL ROLE dunning_admin;
SELECT throws_ok($$SET LOCAL dunning.seeding = on; DELETE FROM dunning.holiday WHERE country = 'FR' AND day = '2026-07-14'$$,
                 '42501', NULL, 'the seeding switch alone does not open shipped rows to an admin');
RESET ROLE;
SELECT lives_ok($$INSERT INTO dunning.holiday (country, day, name, subdivision) VALUES ('FR', '2026-07-15', 'company day', 'FR-57');
                  DELETE FROM dunning.holiday WHERE country = 'FR' AND day = '2026-07-15'$$,
                'a user''s holiday can be added and removed');
SELECT throws_ok($$INSERT INTO dunning.holiday (country, day, subdivision) VALUES ('FR', '2026-07-15', 'DE-BY')$$,
                 '23514', NULL, 'a holiday''s subdivision belongs to its country');
SELECT is((SELECT string_agg(cfg::regclass::text || ':' || cond, ' ' ORDER BY cfg::regclass::text)
             FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u (cfg, cond)
            WHERE e.extname = 'dunning' AND cfg::regclass::text LIKE 'dunning.holiday%'),
          'dunning.holiday:WHERE NOT seeded dunning.holiday_one_off:WHERE NOT seeded dunning.holiday_rule:WHERE NOT seeded',
          'pg_dump keeps the users'' holidays, rules and one-offs only');

-- Privileges: analysts read; admins write (their rows) and generate.
SET LOCAL ROLE dunning_analyst;
SELECT ok(dunning.is_business_day('2026-07-14', 'FR') IS false AND dunning.is_holiday('2026-08-15', 'DE', 'DE-SL')
          AND (SELECT count(*) FROM dunning.holidays('US', '2026-01-01', '2026-12-31')) > 0,
          'an analyst reads calendars');
SELECT throws_ok($$INSERT INTO dunning.holiday (country, day) VALUES ('FR', '2026-07-16')$$, '42501', NULL,
                 'an analyst cannot add holidays');
SELECT throws_ok($$SELECT dunning.extend_holidays(2038)$$, '42501', NULL, 'an analyst cannot generate holidays');
RESET ROLE;
SET LOCAL ROLE dunning_admin;
SELECT cmp_ok(dunning.extend_holidays(2038), '>', 0, 'an admin generates holidays');
SELECT lives_ok($$INSERT INTO dunning.holiday_one_off (country, subdivision, day, name, source)
                  VALUES ('DE', 'DE-BE', '2038-05-08', 'test', 'test')$$, 'an admin adds a one-off');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
