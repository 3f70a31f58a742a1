-- Shared by the SQL benches (\ir best_ms.sql): best of n runs (ms, 0.1) of EXPLAIN
-- ANALYZE (TIMING OFF), so the query runs in full and nothing is sent to the
-- client; also the most parallel workers any run launched.
CREATE SCHEMA IF NOT EXISTS bench_util;
CREATE OR REPLACE FUNCTION bench_util.best_ms(q text, n int DEFAULT 3, OUT ms numeric, OUT workers int)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    plan json;
    t numeric;
BEGIN
    FOR i IN 1 .. n LOOP
        EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ' || q INTO plan;
        t := (plan -> 0 ->> 'Execution Time')::numeric;
        IF ms IS NULL OR t < ms THEN ms := round(t, 1); END IF;
        workers := greatest(workers, coalesce((regexp_match(plan::text, '"Workers Launched": (\d+)'))[1]::int, 0));
    END LOOP;
END
$$;
