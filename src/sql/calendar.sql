-- @schema

-----------------------------------------------------------------------------
-- Business days
-----------------------------------------------------------------------------
CREATE TABLE dunning.holiday (
    country  char(2) NOT NULL,
    day      date NOT NULL,
    name     text,
    PRIMARY KEY (country, day),
    CONSTRAINT holiday_country_iso3166 CHECK (country ~ '^[A-Z]{2}$')
);
-- @code
COMMENT ON TABLE dunning.holiday IS 'public holidays per country: no action is created on them for customers of that country';
COMMENT ON COLUMN dunning.holiday.country IS 'ISO 3166-1 alpha-2 country (customer.country)';
COMMENT ON COLUMN dunning.holiday.day IS 'the day off';
COMMENT ON COLUMN dunning.holiday.name IS 'name of the holiday';
CREATE OR REPLACE FUNCTION dunning.is_business_day(day date, country char(2) DEFAULT NULL) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT NOT (pg_catalog.date_part('isodow', day)::integer = ANY (s.weekend_days))
           AND NOT EXISTS (SELECT FROM dunning.holiday h WHERE h.country = is_business_day.country AND h.day = is_business_day.day)
      FROM dunning.settings s;
END;
COMMENT ON FUNCTION dunning.is_business_day(date, char) IS
    'true when day is neither a weekend day (setting weekend_days) nor a holiday of country';
SELECT pg_catalog.pg_extension_config_dump('dunning.holiday', '');

-- Privileges of the objects above (PUBLIC has none: security.sql).
GRANT SELECT ON dunning.holiday
    TO dunning_analyst;
GRANT INSERT, UPDATE, DELETE ON dunning.holiday
    TO dunning_admin;
GRANT EXECUTE ON FUNCTION dunning.is_business_day(date, char)
    TO dunning_analyst;
