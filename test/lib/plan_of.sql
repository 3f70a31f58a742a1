-- pg_temp.plan_of(query): the query's plan as EXPLAIN (COSTS OFF) prints
-- it, one text, for the pgTAP tests that check what a plan holds (\i from
-- the repository's root, as pg_prove runs them).
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    r text;
    s text := '';
BEGIN
    FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
        s := s || r || E'\n';
    END LOOP;
    RETURN s;
END
$fn$;
