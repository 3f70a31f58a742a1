-- @schema

-----------------------------------------------------------------------------
-- Business days: holidays per country and subdivision
-----------------------------------------------------------------------------
-- dunning.holiday holds the days off: the shipped ones (seeded, 2020-2035,
-- generated from dunning.holiday_rule and dunning.holiday_one_off when the
-- extension is installed or updated) and the users' (dumped).  A calendar is
-- a country's rows (subdivision '') plus, for a subdivision, its own rows.
-- The key starts with (country, day): every look-up names both.
CREATE TABLE dunning.holiday (
    country      char(2) NOT NULL,
    day          date NOT NULL,
    name         text,
    subdivision  text NOT NULL DEFAULT '',
    seeded       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (country, day, subdivision),
    CONSTRAINT holiday_country_iso3166 CHECK (country ~ '^[A-Z]{2}$'),
    CONSTRAINT holiday_subdivision_in_country
        CHECK (subdivision = '' OR (subdivision ~ '^[A-Z]{2}-[A-Z0-9]{1,3}(-[A-Z0-9]{1,12})?$'
                                    AND pg_catalog.left(subdivision, 2) = country))
);

-- The rules the shipped days are generated from: one row per holiday of a
-- calendar, on a fixed date, at an offset from Easter Sunday, or on the nth
-- weekday on or after (nth > 0) / on or before (nth < 0) a date.
CREATE TABLE dunning.holiday_rule (
    country        char(2) NOT NULL,
    subdivision    text NOT NULL DEFAULT '',
    name           text NOT NULL,
    month          integer,
    day            integer,
    easter_offset  integer,
    weekday        integer,
    nth            integer,
    observed       text NOT NULL DEFAULT 'none',
    from_year      integer,
    to_year        integer,
    every_years    integer,
    source         text NOT NULL,
    seeded         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (country, subdivision, name),
    CONSTRAINT holiday_rule_country_iso3166 CHECK (country ~ '^[A-Z]{2}$'),
    CONSTRAINT holiday_rule_subdivision_in_country
        CHECK (subdivision = '' OR (subdivision ~ '^[A-Z]{2}-[A-Z0-9]{1,3}(-[A-Z0-9]{1,12})?$'
                                    AND pg_catalog.left(subdivision, 2) = country)),
    CONSTRAINT holiday_rule_one_kind
        CHECK ((easter_offset IS NOT NULL AND month IS NULL AND day IS NULL AND weekday IS NULL)
               OR (easter_offset IS NULL AND month BETWEEN 1 AND 12
                   AND day BETWEEN 1 AND CASE WHEN month = 2 THEN 28 WHEN month IN (4, 6, 9, 11) THEN 30 ELSE 31 END)),
    CONSTRAINT holiday_rule_easter_offset_range CHECK (easter_offset BETWEEN -100 AND 100),
    CONSTRAINT holiday_rule_weekday_nth
        CHECK ((weekday IS NULL) = (nth IS NULL) AND weekday BETWEEN 1 AND 7 AND nth BETWEEN -5 AND 5 AND nth <> 0),
    CONSTRAINT holiday_rule_observed_known
        CHECK (observed IN ('none', 'next_free_weekday', 'nearest_weekday', 'sunday_to_saturday')),
    CONSTRAINT holiday_rule_years CHECK (from_year <= to_year AND every_years > 0),
    CONSTRAINT holiday_rule_name_not_blank CHECK (pg_catalog.btrim(name) <> '')
);

-- Days that no rule gives: a holiday of one year only, or (cancels) a rule's
-- day that did not happen that year because the holiday was moved.
CREATE TABLE dunning.holiday_one_off (
    country      char(2) NOT NULL,
    subdivision  text NOT NULL DEFAULT '',
    day          date NOT NULL,
    name         text NOT NULL,
    cancels      boolean NOT NULL DEFAULT false,
    source       text NOT NULL,
    seeded       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (country, subdivision, day),
    CONSTRAINT holiday_one_off_country_iso3166 CHECK (country ~ '^[A-Z]{2}$'),
    CONSTRAINT holiday_one_off_subdivision_in_country
        CHECK (subdivision = '' OR (subdivision ~ '^[A-Z]{2}-[A-Z0-9]{1,3}(-[A-Z0-9]{1,12})?$'
                                    AND pg_catalog.left(subdivision, 2) = country)),
    CONSTRAINT holiday_one_off_name_not_blank CHECK (pg_catalog.btrim(name) <> '')
);
-- @code
COMMENT ON TABLE dunning.holiday IS
    'public holidays per country and subdivision: no action is created on them; shipped rows (seeded) for 2020-2035 come from holiday_rule and holiday_one_off';
COMMENT ON COLUMN dunning.holiday.country IS 'ISO 3166-1 alpha-2 country (customer.country)';
COMMENT ON COLUMN dunning.holiday.day IS 'the day off';
COMMENT ON COLUMN dunning.holiday.name IS 'name of the holiday';
COMMENT ON COLUMN dunning.holiday.subdivision IS
    'ISO 3166-2 subdivision (DE-BY, GB-SCT, FR-57; optionally a local variant such as DE-BY-EV) whose calendar adds this day; '''' = the whole country';
COMMENT ON COLUMN dunning.holiday.seeded IS 'true for a day shipped with the extension (read only, not dumped)';
COMMENT ON TABLE dunning.holiday_rule IS
    'rules that generate holidays (dunning.extend_holidays; the shipped ones generate the seeded days): fixed date, Easter offset or nth weekday, with weekend substitution';
COMMENT ON COLUMN dunning.holiday_rule.country IS 'ISO 3166-1 alpha-2 country';
COMMENT ON COLUMN dunning.holiday_rule.subdivision IS 'calendar the rule belongs to ('''' = the whole country)';
COMMENT ON COLUMN dunning.holiday_rule.name IS 'name of the holiday (unique per calendar)';
COMMENT ON COLUMN dunning.holiday_rule.month IS 'month of a fixed date, or of the anchor of a weekday rule';
COMMENT ON COLUMN dunning.holiday_rule.day IS 'day of month of a fixed date, or of the anchor of a weekday rule';
COMMENT ON COLUMN dunning.holiday_rule.easter_offset IS 'days from (Western) Easter Sunday: -2 Good Friday, 1 Easter Monday, 39 Ascension, 50 Whit Monday, 60 Corpus Christi';
COMMENT ON COLUMN dunning.holiday_rule.weekday IS 'ISO weekday (1 = Monday) of a weekday rule';
COMMENT ON COLUMN dunning.holiday_rule.nth IS 'the nth such weekday on or after the anchor (1..5), or on or before it (-1..-5: -1 with 31 May = last Monday of May)';
COMMENT ON COLUMN dunning.holiday_rule.observed IS
    'weekend rule: none; next_free_weekday (GB: a Saturday or Sunday holiday adds the next weekday that is not already a holiday); nearest_weekday (US: Saturday adds the Friday before, Sunday the Monday after); sunday_to_saturday (NL: a Sunday holiday moves to the Saturday before)';
COMMENT ON COLUMN dunning.holiday_rule.from_year IS 'first year the rule applies (NULL: always)';
COMMENT ON COLUMN dunning.holiday_rule.to_year IS 'last year the rule applies (NULL: still in force)';
COMMENT ON COLUMN dunning.holiday_rule.every_years IS 'the rule applies only in years divisible by this (NL Liberation Day: 5)';
COMMENT ON COLUMN dunning.holiday_rule.source IS 'the law or page the rule comes from';
COMMENT ON COLUMN dunning.holiday_rule.seeded IS 'true for a rule shipped with the extension (read only, not dumped)';
COMMENT ON TABLE dunning.holiday_one_off IS
    'holidays no rule gives (a jubilee, a state funeral) and rule days cancelled because the holiday moved that year';
COMMENT ON COLUMN dunning.holiday_one_off.country IS 'ISO 3166-1 alpha-2 country';
COMMENT ON COLUMN dunning.holiday_one_off.subdivision IS 'calendar of the day ('''' = the whole country)';
COMMENT ON COLUMN dunning.holiday_one_off.day IS 'the day';
COMMENT ON COLUMN dunning.holiday_one_off.name IS 'what it is';
COMMENT ON COLUMN dunning.holiday_one_off.cancels IS 'true: the day a rule gives is not a holiday that year (the holiday was moved)';
COMMENT ON COLUMN dunning.holiday_one_off.source IS 'the proclamation, law or page it comes from';
COMMENT ON COLUMN dunning.holiday_one_off.seeded IS 'true for a row shipped with the extension (read only, not dumped)';

-----------------------------------------------------------------------------
-- Shipped rows are read only
-----------------------------------------------------------------------------
-- Shipped rows (seeded) of the calendar and charges tables can be neither
-- changed nor removed, and no user row can claim to be one (it would be left
-- out of pg_dump).  Only the extension's own scripts write them: as a
-- superuser, with dunning.seeding on.  TG_ARGV[0] is the hint.
CREATE OR REPLACE FUNCTION dunning_internal.shipped_row_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF pg_catalog.current_setting('dunning.seeding', true) = 'on'
       AND (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER) THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF (TG_OP <> 'INSERT' AND OLD.seeded) OR (TG_OP <> 'DELETE' AND NEW.seeded) THEN
        RAISE EXCEPTION 'rows shipped with dunning (seeded) are read only: % of %', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege', HINT = TG_ARGV[0];
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.shipped_row_guard() IS
    'trigger: seeded rows cannot be inserted, changed or removed except by the extension''s scripts (internal)';
CREATE OR REPLACE TRIGGER holiday_seeded_read_only BEFORE INSERT OR UPDATE OR DELETE ON dunning.holiday
    FOR EACH ROW EXECUTE FUNCTION dunning_internal.shipped_row_guard(
        'Add your own days (seeded = false); a shipped day cannot be removed: give the customers concerned another subdivision.');
CREATE OR REPLACE TRIGGER holiday_rule_seeded_read_only BEFORE INSERT OR UPDATE OR DELETE ON dunning.holiday_rule
    FOR EACH ROW EXECUTE FUNCTION dunning_internal.shipped_row_guard(
        'Add rules of your own (seeded = false) and generate their days with dunning.extend_holidays().');
CREATE OR REPLACE TRIGGER holiday_one_off_seeded_read_only BEFORE INSERT OR UPDATE OR DELETE ON dunning.holiday_one_off
    FOR EACH ROW EXECUTE FUNCTION dunning_internal.shipped_row_guard(
        'Add one-off days of your own (seeded = false) and generate them with dunning.extend_holidays().');

-----------------------------------------------------------------------------
-- Computing holidays
-----------------------------------------------------------------------------
-- Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm
-- of Meeus, Jones and Butcher).
CREATE OR REPLACE FUNCTION dunning.easter_sunday(year integer) RETURNS date
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    a integer := year % 19;
    b integer := year / 100;
    c integer := year % 100;
    h integer := (19 * a + b - b / 4 - (b - (b + 8) / 25 + 1) / 3 + 15) % 30;
    l integer := (32 + 2 * (b % 4) + 2 * (c / 4) - h - c % 4) % 7;
    m integer := (a + 11 * h + 22 * l) / 451;
BEGIN
    IF year < 1583 OR year > 9999 THEN
        RETURN NULL;
    END IF;
    RETURN pg_catalog.make_date(year, (h + l - 7 * m + 114) / 31, (h + l - 7 * m + 114) % 31 + 1);
END
$fn$;
COMMENT ON FUNCTION dunning.easter_sunday(integer) IS
    'Western (Gregorian) Easter Sunday of a year (1583-9999; NULL outside)';

-- The day a rule gives in a year, before any weekend rule.
CREATE OR REPLACE FUNCTION dunning_internal.holiday_rule_day(year integer, month integer, day integer,
                                                      easter_offset integer, weekday integer, nth integer)
RETURNS date
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    a date;
BEGIN
    IF easter_offset IS NOT NULL THEN
        RETURN dunning.easter_sunday(year) + easter_offset;
    END IF;
    a := pg_catalog.make_date(year, month, day);
    IF weekday IS NULL THEN
        RETURN a;
    ELSIF nth > 0 THEN
        RETURN a + (weekday - pg_catalog.date_part('isodow', a)::integer + 7) % 7 + 7 * (nth - 1);
    END IF;
    RETURN a - (pg_catalog.date_part('isodow', a)::integer - weekday + 7) % 7 - 7 * (-nth - 1);
END
$fn$;
COMMENT ON FUNCTION dunning_internal.holiday_rule_day(integer, integer, integer, integer, integer, integer) IS
    'the day a holiday rule gives in a year, before weekend rules (internal)';

-- One calendar's holidays of one year: the country's rules and one-offs
-- plus the subdivision's (none for ''), moved days moved, cancelled days
-- dropped, then the weekend rules in date order (a substitute day is the
-- next weekday not yet taken, so GB's Christmas on Saturday gives Monday 27
-- and Boxing Day on Sunday Tuesday 28).  Saturdays and Sundays are the
-- weekend of these laws, whatever setting.weekend_days says.
CREATE OR REPLACE FUNCTION dunning_internal.holiday_calendar_year(country char(2), subdivision text, year integer,
                                                           shipped_only boolean)
RETURNS TABLE (day date, name text)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
    days date[];
    names text[];
    rules text[];
    d date;
BEGIN
    SELECT pg_catalog.array_agg(x.d ORDER BY x.d, x.name), pg_catalog.array_agg(x.name ORDER BY x.d, x.name),
           pg_catalog.array_agg(x.observed ORDER BY x.d, x.name)
      INTO days, names, rules
      FROM (SELECT CASE WHEN r.observed = 'sunday_to_saturday' AND pg_catalog.date_part('isodow', r.d) = 7
                        THEN r.d - 1 ELSE r.d END AS d, r.name, r.observed
              FROM (SELECT dunning_internal.holiday_rule_day(year, hr.month, hr.day, hr.easter_offset,
                                                              hr.weekday, hr.nth) AS d, hr.name, hr.observed
                      FROM dunning.holiday_rule hr
                     WHERE hr.country = country AND hr.subdivision IN ('', subdivision)
                       AND (hr.seeded OR NOT shipped_only)
                       AND year >= COALESCE(hr.from_year, year) AND year <= COALESCE(hr.to_year, year)
                       AND year % COALESCE(hr.every_years, 1) = 0) r
             WHERE NOT EXISTS (SELECT FROM dunning.holiday_one_off o
                                WHERE o.cancels AND o.country = country AND o.subdivision IN ('', subdivision)
                                  AND (o.seeded OR NOT shipped_only)
                                  AND o.day = CASE WHEN r.observed = 'sunday_to_saturday'
                                                    AND pg_catalog.date_part('isodow', r.d) = 7
                                                   THEN r.d - 1 ELSE r.d END)
            UNION ALL
            SELECT o.day, o.name, 'none'
              FROM dunning.holiday_one_off o
             WHERE NOT o.cancels AND o.country = country AND o.subdivision IN ('', subdivision)
               AND (o.seeded OR NOT shipped_only)
               AND o.day >= pg_catalog.make_date(year, 1, 1) AND o.day <= pg_catalog.make_date(year, 12, 31)) x;
    FOR i IN 1 .. COALESCE(pg_catalog.array_length(days, 1), 0) LOOP
        IF rules[i] = 'next_free_weekday' AND pg_catalog.date_part('isodow', days[i]) >= 6 THEN
            d := days[i] + 1;
            WHILE pg_catalog.date_part('isodow', d) >= 6 OR d = ANY (days) LOOP
                d := d + 1;
            END LOOP;
            days := days || d;
            names := names || (names[i] || ' (substitute day)');
        ELSIF rules[i] = 'nearest_weekday' AND pg_catalog.date_part('isodow', days[i]) >= 6 THEN
            days := days || (days[i] + CASE WHEN pg_catalog.date_part('isodow', days[i]) = 6 THEN -1 ELSE 1 END);
            names := names || (names[i] || ' (observed)');
        END IF;
    END LOOP;
    RETURN QUERY SELECT DISTINCT ON (u.day) u.day, u.name FROM unnest(days, names) AS u (day, name)
                  ORDER BY u.day, u.name;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.holiday_calendar_year(char, text, integer, boolean) IS
    'the holidays of one calendar (country plus subdivision) in one year, from the rules and one-offs (internal)';

-- Every calendar of every country with rules, from_year to to_year: the
-- national rows, and for each subdivision the days its calendar adds.
CREATE OR REPLACE FUNCTION dunning_internal.holiday_days(from_year integer, to_year integer, shipped_only boolean)
RETURNS TABLE (country char(2), subdivision text, day date, name text)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    c char(2);
    s text;
    national date[];
BEGIN
    IF from_year IS NULL OR to_year IS NULL OR from_year < 1900 OR to_year > 2200 OR to_year < from_year
       OR to_year - from_year > 100 THEN
        RAISE EXCEPTION 'holidays can be generated for at most 101 years between 1900 and 2200, not % to %',
                from_year, to_year
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR c IN SELECT DISTINCT r.country FROM dunning.holiday_rule r WHERE r.seeded OR NOT shipped_only
             UNION SELECT o.country FROM dunning.holiday_one_off o WHERE o.seeded OR NOT shipped_only
             ORDER BY 1 LOOP
        FOR y IN from_year .. to_year LOOP
            national := ARRAY(SELECT h.day FROM dunning_internal.holiday_calendar_year(c, '', y, shipped_only) h);
            RETURN QUERY SELECT c, ''::text, h.day, h.name
                           FROM dunning_internal.holiday_calendar_year(c, '', y, shipped_only) h;
            FOR s IN SELECT r.subdivision FROM dunning.holiday_rule r
                      WHERE r.country = c AND r.subdivision <> '' AND (r.seeded OR NOT shipped_only)
                     UNION SELECT o.subdivision FROM dunning.holiday_one_off o
                      WHERE o.country = c AND o.subdivision <> '' AND (o.seeded OR NOT shipped_only)
                     ORDER BY 1 LOOP
                RETURN QUERY SELECT c, s, h.day, h.name
                               FROM dunning_internal.holiday_calendar_year(c, s, y, shipped_only) h
                              WHERE h.day <> ALL (national);
            END LOOP;
        END LOOP;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.holiday_days(integer, integer, boolean) IS
    'the holidays every rule gives from from_year to to_year, per country and subdivision (internal)';

-- SECURITY DEFINER: admins generate days with the internal generator; the
-- rows are theirs (seeded false), existing days are left alone.
CREATE OR REPLACE FUNCTION dunning.extend_holidays(to_year integer, from_year integer DEFAULT 2020) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    n integer;
BEGIN
    INSERT INTO dunning.holiday (country, day, name, subdivision, seeded)
    SELECT h.country, h.day, h.name, h.subdivision, false FROM dunning_internal.holiday_days(from_year, to_year, false) h
        ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION dunning.extend_holidays(integer, integer) IS
    'adds the holidays that every rule (shipped or yours) and one-off gives from from_year to to_year and that are not there yet, as your rows (dumped); returns how many; idempotent';

CREATE OR REPLACE FUNCTION dunning.is_holiday(day date, country char(2), subdivision text DEFAULT NULL) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT EXISTS (SELECT FROM dunning.holiday h
                    WHERE h.country = is_holiday.country AND h.day = is_holiday.day
                      AND h.subdivision IN ('', COALESCE(is_holiday.subdivision, '')))
     WHERE
      -- an infinite day: 22023 (doc/errors.md; date_trunc refuses a unit naming the fault)
      pg_catalog.date_trunc(CASE WHEN (pg_catalog.isfinite(is_holiday.day) OR is_holiday.day IS NULL)
                                 THEN 'day' ELSE 'day must be finite' END, TIMESTAMP '2000-01-01') IS NOT NULL;
END;
COMMENT ON FUNCTION dunning.is_holiday(date, char, text) IS
    'true when day is a holiday of the country, or of the subdivision''s calendar (its own days added to the country''s)';

CREATE OR REPLACE FUNCTION dunning.is_business_day(day date, country char(2) DEFAULT NULL, subdivision text DEFAULT NULL)
RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT NOT (pg_catalog.date_part('isodow', day)::integer = ANY (s.weekend_days))
           AND NOT EXISTS (SELECT FROM dunning.holiday h
                            WHERE h.country = is_business_day.country AND h.day = is_business_day.day
                              AND h.subdivision IN ('', COALESCE(is_business_day.subdivision, '')))
      FROM dunning.settings s
     WHERE
      -- an infinite day: 22023 (doc/errors.md; date_trunc refuses a unit naming the fault)
      pg_catalog.date_trunc(CASE WHEN (pg_catalog.isfinite(is_business_day.day) OR is_business_day.day IS NULL)
                                 THEN 'day' ELSE 'day must be finite' END, TIMESTAMP '2000-01-01') IS NOT NULL;
END;
COMMENT ON FUNCTION dunning.is_business_day(date, char, text) IS
    'true when day is neither a weekend day (setting weekend_days) nor a holiday of country (plus those of subdivision, when given)';

CREATE OR REPLACE FUNCTION dunning.holidays(country char(2), from_date date, to_date date, subdivision text DEFAULT NULL)
RETURNS TABLE (day date, name text, subdivision text)
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT h.day, h.name, h.subdivision FROM dunning.holiday h
     WHERE h.country = holidays.country AND h.day BETWEEN holidays.from_date AND holidays.to_date
       AND h.subdivision IN ('', COALESCE(holidays.subdivision, ''))
       AND
       -- an infinite day: 22023 (doc/errors.md; date_trunc refuses a unit naming the fault)
       pg_catalog.date_trunc(CASE WHEN (pg_catalog.isfinite(holidays.from_date) OR holidays.from_date IS NULL)
                                       AND (pg_catalog.isfinite(holidays.to_date) OR holidays.to_date IS NULL)
                                  THEN 'day' ELSE 'from_date and to_date must be finite' END, TIMESTAMP '2000-01-01') IS NOT NULL
     ORDER BY h.day, h.subdivision;
END;
COMMENT ON FUNCTION dunning.holidays(char, date, date, text) IS
    'the holidays of a country (plus those of subdivision, when given) between from_date and to_date, with the calendar each comes from';

-----------------------------------------------------------------------------
-- The shipped calendars: FR (+ Alsace-Moselle), DE (+ the 16 Länder), GB
-- (4 nations), BE, NL, ES (national), IT, US (federal).  Research and test
-- vectors: doc/calendar sources in doc/dunning.md; rows are written again by
-- every install and update (dunning_internal.sync_shipped_calendar), so a
-- release corrects them by changing these lists.
-----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION dunning_internal.shipped_holiday_rules()
RETURNS TABLE (country char(2), subdivision text, name text, month integer, day integer, easter_offset integer,
               weekday integer, nth integer, observed text, from_year integer, to_year integer,
               every_years integer, source text)
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $fn$
WITH src (k, source) AS (VALUES
    ('fr', 'Code du travail L3133-1 (11 jours fériés, no weekend substitution); rules of python-holidays france.py, which cites service-public.fr F2405; same dates in date-holidays 3.37.0 for 2020-2035'),
    ('fr_am', 'Code du travail L3134-13 (local law of Alsace-Moselle, from the ordinance of 16 Aug 1892): france3-regions.francetvinfo.fr, nosdeputes.fr question 3529. Good Friday is legally a holiday only in communes with a Protestant temple or mixed church; applied to the whole departement as in practice. FR-6AE (Collectivite europeenne d''Alsace) is an alias of FR-67 and FR-68'),
    ('de', 'Feiertagsgesetze of the 16 Laender (every Land has these nine days; no weekend substitution); 3 Oct: Einigungsvertrag art. 2(2); python-holidays germany.py and date-holidays 3.37.0 agree for 2020-2035'),
    ('de_land', 'Feiertagsgesetz of the Land, as linked in python-holidays germany.py; python-holidays and date-holidays 3.37.0 agree for 2020-2035'),
    ('de_ref2018', 'Feiertagsgesetz of the Land: Reformationstag a holiday from 2018 (python-holidays and date-holidays 3.37.0)'),
    ('de_by_mh', 'BayFTG art. 1(1) no. 2 and 1(3): a holiday in municipalities with more Catholic than Protestant residents, 1,708 of 2,056 from 2025 (statistik-bayern.eu press release 217/2025; per municipality: statistik.bayern.de). DE-BY includes it (a due date then never moves a day too early); DE-BY-EV is the calendar of the other municipalities'),
    ('de_by_ev', 'Bavaria without Assumption (15 Aug): the calendar of the Protestant-majority municipalities (statistik-bayern.eu press release 217/2025); otherwise the DE-BY rules'),
    ('de_kath', 'Corpus Christi is a holiday only in certain Catholic municipalities of the Land (SN: Sorbian area; TH: Eichsfeld); calendar variant with it (python-holidays category catholic); otherwise the Land''s rules'),
    ('de_be_ft', 'Berliner Feiertagsgesetz, Abgeordnetenhaus vote of 24 Jan 2019 (berlin.de, euronews): Internationaler Frauentag from 2019'),
    ('de_mv_ft', 'Feiertagsgesetz Mecklenburg-Vorpommern, Landtag vote of June 2022 (spiegel.de, merkur.de): Internationaler Frauentag from 2023'),
    ('de_th_wkt', 'Thueringer Feiertagsgesetz amended 2019, in force the day after publication (jenaer-nachrichten.de, swr, welt): Weltkindertag from 2019'),
    ('de_sn_bbt', 'Saechsisches Sonn- und Feiertagsgesetz: Buss- und Bettag (the Wednesday before 23 November) since 1995 (python-holidays and date-holidays 3.37.0)'),
    ('gb', 'Banking and Financial Dealings Act 1971 and royal proclamations; rules of gov.uk/bank-holidays as cited in python-holidays united_kingdom.py (a Saturday or Sunday holiday gives the next free weekday); python-holidays and date-holidays 3.37.0 agree for 2020-2035'),
    ('gb_sct_sa', 'St Andrew''s Day Bank Holiday (Scotland) Act 2007: 30 November, the next Monday when a Saturday or Sunday (python-holidays and date-holidays 3.37.0)'),
    ('be', 'Loi du 4 janvier 1974 relative aux jours feries and AR du 18 avril 1974 (employment.belgium.be): 10 legal holidays; no public substitute day (art. 6: each employer gives a replacement day); 26 Dec is not a legal holiday'),
    ('nl', 'Algemene termijnenwet art. 3 (wvhl.nl) and collective labour agreements; python-holidays netherlands.py and date-holidays 3.37.0 agree for 2020-2035'),
    ('nl_kd', 'Koningsdag 27 April, Saturday 26 April when the 27th is a Sunday (python-holidays rule SUN_TO_PREV_SAT; mymemory/wikipedia excerpt); before 2014 Koninginnedag, 30 April (same rule since 1980: python-holidays, UNCONFIRMED against a primary source)'),
    ('nl_bd', 'Bevrijdingsdag: the Algemene termijnenwet art. 3(1) lists 5 May every year (wvhl.nl), but most collective agreements give it off only every 5 years (nl.wikipedia Algemene termijnenwet; python-holidays): in the NL calendar in years divisible by 5, in NL-ATW every year'),
    ('nl_atw', 'Algemene termijnenwet art. 3 (wvhl.nl): Good Friday and 5 May count as holidays for statutory deadlines; NL-ATW is that calendar (not a business calendar). UNCONFIRMED: the extra days equated by royal decree every three years (e.g. 27 May 2022) are not included'),
    ('es', 'Real Decreto 2001/1983 art. 45 and Estatuto de los Trabajadores art. 37.2: the national days no autonomous community replaces (Resolucion de la Direccion General de Trabajo in the BOE each October; 2026: Resolucion de 17 de octubre de 2025, elderecho.com); an approximation: regional and local days are not included'),
    ('it', 'Legge 260/1949, Legge 54/1977, DPR 792/1985, Legge 336/2000 (as cited in python-holidays italy.py); no weekend substitution'),
    ('it_sf', 'Legge 8 ottobre 2025 n. 151 (Gazzetta Ufficiale 2025-10-10 n. 236, as cited in python-holidays italy.py): San Francesco d''Assisi a national holiday from 2026'),
    ('us', '5 U.S.C. 6103 (okwb.uscourts.gov, ca6.uscourts.gov): federal holidays; a Saturday holiday is observed on the Friday before, a Sunday one on the Monday after (OPM wording quoted by the courts)'),
    ('us_jt', '5 U.S.C. 6103 as amended on 17 June 2021: Juneteenth, first observed Friday 18 June 2021 (federaltimes.com)')
), r (country, subdivisions, name, month, day, easter_offset, weekday, nth, observed, from_year, to_year, every_years, k) AS (VALUES
    -- France
    ('FR', ARRAY[''], 'Jour de l''an', 1, 1, NULL::integer, NULL::integer, NULL::integer, 'none', NULL::integer, NULL::integer, NULL::integer, 'fr'),
    ('FR', ARRAY[''], 'Lundi de Pâques', NULL, NULL, 1, NULL, NULL, 'none', NULL, NULL, NULL, 'fr'),
    ('FR', ARRAY[''], 'Fête du Travail', 5, 1, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'fr'),
    ('FR', ARRAY[''], 'Victoire 1945', 5, 8, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'fr'),
    ('FR', ARRAY[''], 'Ascension', NULL, NULL, 39, NULL, NULL, 'none', NULL, NULL, NULL, 'fr'),
    ('FR', ARRAY[''], 'Lundi de Pentecôte', NULL, NULL, 50, NULL, NULL, 'none', NULL, NULL, NULL, 'fr'),
    ('FR', ARRAY[''], 'Fête nationale', 7, 14, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'fr'),
    ('FR', ARRAY[''], 'Assomption', 8, 15, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'fr'),
    ('FR', ARRAY[''], 'Toussaint', 11, 1, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'fr'),
    ('FR', ARRAY[''], 'Armistice 1918', 11, 11, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'fr'),
    ('FR', ARRAY[''], 'Noël', 12, 25, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'fr'),
    ('FR', ARRAY['FR-57', 'FR-67', 'FR-68', 'FR-6AE'], 'Vendredi saint', NULL, NULL, -2, NULL, NULL, 'none', NULL, NULL, NULL, 'fr_am'),
    ('FR', ARRAY['FR-57', 'FR-67', 'FR-68', 'FR-6AE'], 'Saint-Étienne', 12, 26, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'fr_am'),
    -- Germany
    ('DE', ARRAY[''], 'Neujahr', 1, 1, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'de'),
    ('DE', ARRAY[''], 'Karfreitag', NULL, NULL, -2, NULL, NULL, 'none', NULL, NULL, NULL, 'de'),
    ('DE', ARRAY[''], 'Ostermontag', NULL, NULL, 1, NULL, NULL, 'none', NULL, NULL, NULL, 'de'),
    ('DE', ARRAY[''], 'Tag der Arbeit', 5, 1, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'de'),
    ('DE', ARRAY[''], 'Christi Himmelfahrt', NULL, NULL, 39, NULL, NULL, 'none', NULL, NULL, NULL, 'de'),
    ('DE', ARRAY[''], 'Pfingstmontag', NULL, NULL, 50, NULL, NULL, 'none', NULL, NULL, NULL, 'de'),
    ('DE', ARRAY[''], 'Tag der Deutschen Einheit', 10, 3, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'de'),
    ('DE', ARRAY[''], '1. Weihnachtstag', 12, 25, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'de'),
    ('DE', ARRAY[''], '2. Weihnachtstag', 12, 26, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'de'),
    ('DE', ARRAY['DE-BW', 'DE-BY', 'DE-BY-EV', 'DE-ST'], 'Heilige Drei Könige', 1, 6, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'de_land'),
    ('DE', ARRAY['DE-BW', 'DE-BY', 'DE-BY-EV', 'DE-HE', 'DE-NW', 'DE-RP', 'DE-SL'], 'Fronleichnam', NULL, NULL, 60, NULL, NULL, 'none', NULL, NULL, NULL, 'de_land'),
    ('DE', ARRAY['DE-SN-KATH', 'DE-TH-KATH'], 'Fronleichnam', NULL, NULL, 60, NULL, NULL, 'none', NULL, NULL, NULL, 'de_kath'),
    ('DE', ARRAY['DE-BW', 'DE-BY', 'DE-BY-EV', 'DE-NW', 'DE-RP', 'DE-SL'], 'Allerheiligen', 11, 1, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'de_land'),
    ('DE', ARRAY['DE-BY'], 'Mariä Himmelfahrt', 8, 15, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'de_by_mh'),
    ('DE', ARRAY['DE-SL'], 'Mariä Himmelfahrt', 8, 15, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'de_land'),
    ('DE', ARRAY['DE-BB', 'DE-MV', 'DE-SN', 'DE-SN-KATH', 'DE-ST', 'DE-TH', 'DE-TH-KATH'], 'Reformationstag', 10, 31, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'de_land'),
    ('DE', ARRAY['DE-HB', 'DE-HH', 'DE-NI', 'DE-SH'], 'Reformationstag', 10, 31, NULL, NULL, NULL, 'none', 2018, NULL, NULL, 'de_ref2018'),
    ('DE', ARRAY['DE-BE'], 'Internationaler Frauentag', 3, 8, NULL, NULL, NULL, 'none', 2019, NULL, NULL, 'de_be_ft'),
    ('DE', ARRAY['DE-MV'], 'Internationaler Frauentag', 3, 8, NULL, NULL, NULL, 'none', 2023, NULL, NULL, 'de_mv_ft'),
    ('DE', ARRAY['DE-TH', 'DE-TH-KATH'], 'Weltkindertag', 9, 20, NULL, NULL, NULL, 'none', 2019, NULL, NULL, 'de_th_wkt'),
    ('DE', ARRAY['DE-SN', 'DE-SN-KATH'], 'Buß- und Bettag', 11, 16, NULL, 3, 1, 'none', 1995, NULL, NULL, 'de_sn_bbt'),
    -- United Kingdom: days of all four nations, then each nation's
    ('GB', ARRAY[''], 'New Year''s Day', 1, 1, NULL, NULL, NULL, 'next_free_weekday', NULL, NULL, NULL, 'gb'),
    ('GB', ARRAY[''], 'Good Friday', NULL, NULL, -2, NULL, NULL, 'none', NULL, NULL, NULL, 'gb'),
    ('GB', ARRAY[''], 'Early May bank holiday', 5, 1, NULL, 1, 1, 'none', NULL, NULL, NULL, 'gb'),
    ('GB', ARRAY[''], 'Spring bank holiday', 5, 31, NULL, 1, -1, 'none', NULL, NULL, NULL, 'gb'),
    ('GB', ARRAY[''], 'Christmas Day', 12, 25, NULL, NULL, NULL, 'next_free_weekday', NULL, NULL, NULL, 'gb'),
    ('GB', ARRAY[''], 'Boxing Day', 12, 26, NULL, NULL, NULL, 'next_free_weekday', NULL, NULL, NULL, 'gb'),
    ('GB', ARRAY['GB-ENG', 'GB-WLS', 'GB-NIR'], 'Easter Monday', NULL, NULL, 1, NULL, NULL, 'none', NULL, NULL, NULL, 'gb'),
    ('GB', ARRAY['GB-ENG', 'GB-WLS', 'GB-NIR'], 'Summer bank holiday', 8, 31, NULL, 1, -1, 'none', NULL, NULL, NULL, 'gb'),
    ('GB', ARRAY['GB-NIR'], 'St Patrick''s Day', 3, 17, NULL, NULL, NULL, 'next_free_weekday', NULL, NULL, NULL, 'gb'),
    ('GB', ARRAY['GB-NIR'], 'Battle of the Boyne', 7, 12, NULL, NULL, NULL, 'next_free_weekday', NULL, NULL, NULL, 'gb'),
    ('GB', ARRAY['GB-SCT'], '2nd January', 1, 2, NULL, NULL, NULL, 'next_free_weekday', NULL, NULL, NULL, 'gb'),
    ('GB', ARRAY['GB-SCT'], 'Summer bank holiday', 8, 1, NULL, 1, 1, 'none', NULL, NULL, NULL, 'gb'),
    ('GB', ARRAY['GB-SCT'], 'St Andrew''s Day', 11, 30, NULL, NULL, NULL, 'next_free_weekday', 2007, NULL, NULL, 'gb_sct_sa'),
    -- Belgium
    ('BE', ARRAY[''], 'Nouvel An / Nieuwjaar', 1, 1, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'be'),
    ('BE', ARRAY[''], 'Lundi de Pâques / Paasmaandag', NULL, NULL, 1, NULL, NULL, 'none', NULL, NULL, NULL, 'be'),
    ('BE', ARRAY[''], 'Fête du Travail / Dag van de Arbeid', 5, 1, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'be'),
    ('BE', ARRAY[''], 'Ascension / Hemelvaart', NULL, NULL, 39, NULL, NULL, 'none', NULL, NULL, NULL, 'be'),
    ('BE', ARRAY[''], 'Lundi de Pentecôte / Pinkstermaandag', NULL, NULL, 50, NULL, NULL, 'none', NULL, NULL, NULL, 'be'),
    ('BE', ARRAY[''], 'Fête nationale / Nationale feestdag', 7, 21, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'be'),
    ('BE', ARRAY[''], 'Assomption / O.L.V. Hemelvaart', 8, 15, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'be'),
    ('BE', ARRAY[''], 'Toussaint / Allerheiligen', 11, 1, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'be'),
    ('BE', ARRAY[''], 'Armistice / Wapenstilstand', 11, 11, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'be'),
    ('BE', ARRAY[''], 'Noël / Kerstmis', 12, 25, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'be'),
    -- Netherlands
    ('NL', ARRAY[''], 'Nieuwjaarsdag', 1, 1, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'nl'),
    ('NL', ARRAY[''], 'Tweede Paasdag', NULL, NULL, 1, NULL, NULL, 'none', NULL, NULL, NULL, 'nl'),
    ('NL', ARRAY[''], 'Koningsdag', 4, 27, NULL, NULL, NULL, 'sunday_to_saturday', 2014, NULL, NULL, 'nl_kd'),
    ('NL', ARRAY[''], 'Koninginnedag', 4, 30, NULL, NULL, NULL, 'sunday_to_saturday', 1980, 2013, NULL, 'nl_kd'),
    ('NL', ARRAY[''], 'Bevrijdingsdag', 5, 5, NULL, NULL, NULL, 'none', NULL, NULL, 5, 'nl_bd'),
    ('NL', ARRAY[''], 'Hemelvaartsdag', NULL, NULL, 39, NULL, NULL, 'none', NULL, NULL, NULL, 'nl'),
    ('NL', ARRAY[''], 'Tweede Pinksterdag', NULL, NULL, 50, NULL, NULL, 'none', NULL, NULL, NULL, 'nl'),
    ('NL', ARRAY[''], 'Eerste Kerstdag', 12, 25, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'nl'),
    ('NL', ARRAY[''], 'Tweede Kerstdag', 12, 26, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'nl'),
    ('NL', ARRAY['NL-ATW'], 'Goede Vrijdag', NULL, NULL, -2, NULL, NULL, 'none', NULL, NULL, NULL, 'nl_atw'),
    ('NL', ARRAY['NL-ATW'], 'Bevrijdingsdag', 5, 5, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'nl_bd'),
    -- Spain (national days only)
    ('ES', ARRAY[''], 'Año Nuevo', 1, 1, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'es'),
    ('ES', ARRAY[''], 'Epifanía del Señor', 1, 6, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'es'),
    ('ES', ARRAY[''], 'Viernes Santo', NULL, NULL, -2, NULL, NULL, 'none', NULL, NULL, NULL, 'es'),
    ('ES', ARRAY[''], 'Fiesta del Trabajo', 5, 1, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'es'),
    ('ES', ARRAY[''], 'Asunción de la Virgen', 8, 15, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'es'),
    ('ES', ARRAY[''], 'Fiesta Nacional de España', 10, 12, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'es'),
    ('ES', ARRAY[''], 'Todos los Santos', 11, 1, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'es'),
    ('ES', ARRAY[''], 'Día de la Constitución Española', 12, 6, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'es'),
    ('ES', ARRAY[''], 'Inmaculada Concepción', 12, 8, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'es'),
    ('ES', ARRAY[''], 'Natividad del Señor', 12, 25, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'es'),
    -- Italy
    ('IT', ARRAY[''], 'Capodanno', 1, 1, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'it'),
    ('IT', ARRAY[''], 'Epifania del Signore', 1, 6, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'it'),
    ('IT', ARRAY[''], 'Lunedì dell''Angelo', NULL, NULL, 1, NULL, NULL, 'none', NULL, NULL, NULL, 'it'),
    ('IT', ARRAY[''], 'Festa della Liberazione', 4, 25, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'it'),
    ('IT', ARRAY[''], 'Festa del Lavoro', 5, 1, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'it'),
    ('IT', ARRAY[''], 'Festa della Repubblica', 6, 2, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'it'),
    ('IT', ARRAY[''], 'Assunzione della Vergine', 8, 15, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'it'),
    ('IT', ARRAY[''], 'San Francesco d''Assisi', 10, 4, NULL, NULL, NULL, 'none', 2026, NULL, NULL, 'it_sf'),
    ('IT', ARRAY[''], 'Ognissanti', 11, 1, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'it'),
    ('IT', ARRAY[''], 'Immacolata Concezione', 12, 8, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'it'),
    ('IT', ARRAY[''], 'Natale', 12, 25, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'it'),
    ('IT', ARRAY[''], 'Santo Stefano', 12, 26, NULL, NULL, NULL, 'none', NULL, NULL, NULL, 'it'),
    -- United States (federal)
    ('US', ARRAY[''], 'New Year''s Day', 1, 1, NULL, NULL, NULL, 'nearest_weekday', NULL, NULL, NULL, 'us'),
    ('US', ARRAY[''], 'Birthday of Martin Luther King, Jr.', 1, 1, NULL, 1, 3, 'none', NULL, NULL, NULL, 'us'),
    ('US', ARRAY[''], 'Washington''s Birthday', 2, 1, NULL, 1, 3, 'none', NULL, NULL, NULL, 'us'),
    ('US', ARRAY[''], 'Memorial Day', 5, 31, NULL, 1, -1, 'none', NULL, NULL, NULL, 'us'),
    ('US', ARRAY[''], 'Juneteenth National Independence Day', 6, 19, NULL, NULL, NULL, 'nearest_weekday', 2021, NULL, NULL, 'us_jt'),
    ('US', ARRAY[''], 'Independence Day', 7, 4, NULL, NULL, NULL, 'nearest_weekday', NULL, NULL, NULL, 'us'),
    ('US', ARRAY[''], 'Labor Day', 9, 1, NULL, 1, 1, 'none', NULL, NULL, NULL, 'us'),
    ('US', ARRAY[''], 'Columbus Day', 10, 1, NULL, 1, 2, 'none', NULL, NULL, NULL, 'us'),
    ('US', ARRAY[''], 'Veterans Day', 11, 11, NULL, NULL, NULL, 'nearest_weekday', NULL, NULL, NULL, 'us'),
    ('US', ARRAY[''], 'Thanksgiving Day', 11, 1, NULL, 4, 4, 'none', NULL, NULL, NULL, 'us'),
    ('US', ARRAY[''], 'Christmas Day', 12, 25, NULL, NULL, NULL, 'nearest_weekday', NULL, NULL, NULL, 'us')
)
SELECT r.country::char(2), s.subdivision, r.name, r.month, r.day, r.easter_offset, r.weekday, r.nth, r.observed,
       r.from_year, r.to_year, r.every_years, src.source
  FROM r JOIN src ON src.k = r.k CROSS JOIN LATERAL unnest(r.subdivisions) AS s (subdivision);
$fn$;
COMMENT ON FUNCTION dunning_internal.shipped_holiday_rules() IS
    'the holiday rules shipped with this version, with their sources (internal: synced into dunning.holiday_rule)';

CREATE OR REPLACE FUNCTION dunning_internal.shipped_holiday_one_offs()
RETURNS TABLE (country char(2), subdivision text, day date, name text, cancels boolean, source text)
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $fn$
VALUES
    ('DE'::char(2), '', '2017-10-31'::date, 'Reformationstag (500 Jahre Reformation)', false,
     'A one-off nationwide holiday in 2017 by the laws of every Land (python-holidays and date-holidays 3.37.0)'),
    ('DE', 'DE-BE', '2020-05-08', '75. Jahrestag der Befreiung vom Nationalsozialismus', false,
     'Berliner Feiertagsgesetz as amended in 2019 (berlin.de, euronews, esslinger-zeitung)'),
    ('DE', 'DE-BE', '2025-05-08', '80. Jahrestag der Befreiung vom Nationalsozialismus', false,
     'Berlin one-off holiday (morgenpost.de); python-holidays and date-holidays 3.37.0 have it'),
    ('DE', 'DE-BE', '2028-06-17', '75. Jahrestag des Volksaufstandes vom 17. Juni 1953', false,
     'Berlin one-off holiday as decided (berlin-live.de); python-holidays and date-holidays 3.37.0 have it; a Saturday'),
    ('GB', '', '2020-05-04', 'Early May bank holiday (moved to 8 May for VE Day)', true,
     'Royal proclamation moving the Early May bank holiday of 2020 to Friday 8 May (python-holidays and date-holidays 3.37.0)'),
    ('GB', '', '2020-05-08', 'Early May bank holiday (VE Day)', false,
     'Royal proclamation moving the Early May bank holiday of 2020 to Friday 8 May (python-holidays and date-holidays 3.37.0)'),
    ('GB', '', '2022-05-30', 'Spring bank holiday (moved to 2 June for the Platinum Jubilee)', true,
     'Royal proclamation moving the Spring bank holiday of 2022 to Thursday 2 June (python-holidays and date-holidays 3.37.0)'),
    ('GB', '', '2022-06-02', 'Spring bank holiday', false,
     'Royal proclamation moving the Spring bank holiday of 2022 to Thursday 2 June (python-holidays and date-holidays 3.37.0)'),
    ('GB', '', '2022-06-03', 'Platinum Jubilee bank holiday', false,
     'Royal proclamation under the Banking and Financial Dealings Act 1971 s.1(3) (python-holidays and date-holidays 3.37.0)'),
    ('GB', '', '2022-09-19', 'State Funeral of Queen Elizabeth II', false,
     'Royal proclamation under the Banking and Financial Dealings Act 1971 s.1(3) (python-holidays and date-holidays 3.37.0)'),
    ('GB', '', '2023-05-08', 'Coronation of King Charles III', false,
     'Royal proclamation under the Banking and Financial Dealings Act 1971 s.1(3) (python-holidays and date-holidays 3.37.0)'),
    ('GB', 'GB-SCT', '2026-06-15', 'World Cup bank holiday', false,
     'Royal proclamation under the Banking and Financial Dealings Act 1971 s.1(3), approved 4/5 Feb 2026 (wired-gov.net Scottish Government release, shropshirestar.com, independent.co.uk); python-holidays has it, date-holidays 3.37.0 does not')
$fn$;
COMMENT ON FUNCTION dunning_internal.shipped_holiday_one_offs() IS
    'the one-off holidays (and cancelled rule days) shipped with this version, with their sources (internal: synced into dunning.holiday_one_off)';

-- Makes the seeded rows of holiday_rule, holiday_one_off and holiday (the
-- days of 2020-2035 the shipped rules give) exactly what this version
-- ships: run by CREATE EXTENSION and by every update.  A user row with the
-- key of a shipped one stays the user's.
CREATE OR REPLACE FUNCTION dunning_internal.sync_shipped_calendar() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM pg_catalog.set_config('dunning.seeding', 'on', true);
    DELETE FROM dunning.holiday_rule t
     WHERE t.seeded AND NOT EXISTS (SELECT FROM dunning_internal.shipped_holiday_rules() s
                                     WHERE (s.country, s.subdivision, s.name) = (t.country, t.subdivision, t.name));
    INSERT INTO dunning.holiday_rule AS t (country, subdivision, name, month, day, easter_offset, weekday, nth, observed,
                                          from_year, to_year, every_years, source, seeded)
    SELECT s.*, true FROM dunning_internal.shipped_holiday_rules() s
        ON CONFLICT (country, subdivision, name) DO UPDATE
       SET month = excluded.month, day = excluded.day, easter_offset = excluded.easter_offset,
           weekday = excluded.weekday, nth = excluded.nth, observed = excluded.observed,
           from_year = excluded.from_year, to_year = excluded.to_year, every_years = excluded.every_years,
           source = excluded.source
     WHERE t.seeded;
    DELETE FROM dunning.holiday_one_off t
     WHERE t.seeded AND NOT EXISTS (SELECT FROM dunning_internal.shipped_holiday_one_offs() s
                                     WHERE (s.country, s.subdivision, s.day) = (t.country, t.subdivision, t.day));
    INSERT INTO dunning.holiday_one_off AS t (country, subdivision, day, name, cancels, source, seeded)
    SELECT s.*, true FROM dunning_internal.shipped_holiday_one_offs() s
        ON CONFLICT (country, subdivision, day) DO UPDATE
       SET name = excluded.name, cancels = excluded.cancels, source = excluded.source
     WHERE t.seeded;
    -- the days computed once for both writes, in one statement (no
    -- temporary table: on a Citus coordinator, whose CREATE EXTENSION is
    -- prepared on the workers too, a transaction that used one cannot be)
    WITH shipped AS MATERIALIZED (
        SELECT * FROM dunning_internal.holiday_days(2020, 2035, true)
    ), gone AS (
        DELETE FROM dunning.holiday t
         WHERE t.seeded AND NOT EXISTS (SELECT 1 FROM shipped s
                                         WHERE (s.country, s.day, s.subdivision) = (t.country, t.day, t.subdivision))
    )
    INSERT INTO dunning.holiday AS t (country, day, name, subdivision, seeded)
    SELECT s.country, s.day, s.name, s.subdivision, true FROM shipped s
        ON CONFLICT (country, day, subdivision) DO UPDATE SET name = excluded.name
     WHERE t.seeded AND t.name IS DISTINCT FROM excluded.name;
    PERFORM pg_catalog.set_config('dunning.seeding', 'off', true);
END
$fn$;
COMMENT ON FUNCTION dunning_internal.sync_shipped_calendar() IS
    'makes the seeded holiday rules, one-offs and days (2020-2035) those this version ships (internal: run by install and update)';
SELECT dunning_internal.sync_shipped_calendar();

-- pg_dump keeps the users' rows; the shipped ones come back with CREATE EXTENSION.
SELECT pg_catalog.pg_extension_config_dump('dunning.holiday', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('dunning.holiday_rule', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('dunning.holiday_one_off', 'WHERE NOT seeded');

-- Privileges of the objects above (PUBLIC has none: security.sql).
GRANT SELECT ON dunning.holiday,
    dunning.holiday_rule,
    dunning.holiday_one_off
    TO dunning_analyst;
GRANT INSERT, UPDATE, DELETE ON dunning.holiday,
    dunning.holiday_rule,
    dunning.holiday_one_off
    TO dunning_admin;
GRANT EXECUTE ON FUNCTION dunning.is_business_day(date, char, text),
    dunning.is_holiday(date, char, text),
    dunning.holidays(char, date, date, text),
    dunning.easter_sunday(integer)
    TO dunning_analyst;
GRANT EXECUTE ON FUNCTION dunning.extend_holidays(integer, integer)
    TO dunning_admin;
