-- @code
-- One change of the schema before its tables move: here and, when Citus has
-- workers, on their copies of the extension's tables (each worker has the
-- extension installed: Citus uses its tables as the shells of the shards).
-- Is the ledger distributed by Citus (dunning.payment in its metadata)?  The
-- writers that lock rows ask it (src/scaleout.c asks the same for C).
CREATE OR REPLACE FUNCTION dunning_internal.ledger_distributed() RETURNS boolean
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    distributed boolean := false;
BEGIN
    -- pg_dist_partition exists only where Citus is installed
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
        EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition d
                                 WHERE d.logicalrelid = ''dunning.payment''::pg_catalog.regclass)' INTO distributed;
    END IF;
    RETURN distributed;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.ledger_distributed() IS
    'true when dunning.distribute() has distributed the ledger on Citus (internal: the writers that lock rows)';

CREATE OR REPLACE FUNCTION dunning_internal.distribute_ddl(p_command text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    w record;
BEGIN
    EXECUTE p_command;
    FOR w IN EXECUTE 'SELECT nodename, nodeport, success, result FROM run_command_on_workers($1)' USING p_command LOOP
        IF NOT w.success THEN
            RAISE EXCEPTION 'dunning.distribute(): on worker %:%: %', w.nodename, w.nodeport, w.result
                USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = p_command;
        END IF;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.distribute_ddl(text) IS
    'runs one schema change of dunning.distribute() on the coordinator and on every worker (internal)';
-- Citus plans a query before PostgreSQL inlines the SQL functions in it, and
-- refuses a SQL function over its tables once inlined or planned with
-- parameters.  On a cluster, each SQL function of the extension that reads
-- one of its tables or views is therefore replaced by a PL/pgSQL twin of the
-- same signature, options and body (RETURN QUERY of the same statement), whose
-- statements Citus plans with the parameters bound.  The single node keeps the
-- SQL functions (inlinable: a customer filter reaches the index).  A function
-- whose body is not one statement is left as it is and reported.
CREATE OR REPLACE FUNCTION dunning_internal.distribute_sql_function_by_helper(fn oid)
RETURNS text
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    p pg_proc;
    helper text;
    query text;
    args text;
    columns text;
    plain_columns text;
    grantee name;
    arg record;
BEGIN
    SELECT * INTO p FROM pg_proc x WHERE x.oid = fn;
    helper := format('dunning_internal.%I', p.proname || '_on_citus');
    -- the query with its inputs by position (the extension's SQL functions
    -- name them qualified, proname.argument), run by EXECUTE ... USING: the
    -- values reach Citus's planner as constants, as a prepared statement's
    -- custom plan has them (it refuses some of these queries otherwise)
    query := regexp_replace(p.prosrc, ';\s*$', '');
    SELECT string_agg(format('$%s', a.n), ', ' ORDER BY a.n) INTO args
      FROM (SELECT x.name, row_number() OVER (ORDER BY x.o) AS n
              FROM unnest(p.proargnames, COALESCE(p.proargmodes, array_fill('i'::"char", ARRAY[cardinality(p.proargnames)])))
                   WITH ORDINALITY x (name, mode, o)
             WHERE x.mode IN ('i', 'b', 'v')) a;
    FOR arg IN SELECT x.name, row_number() OVER (ORDER BY x.o) AS n
               FROM unnest(p.proargnames, COALESCE(p.proargmodes, array_fill('i'::"char", ARRAY[cardinality(p.proargnames)])))
                    WITH ORDINALITY x (name, mode, o)
              WHERE x.mode IN ('i', 'b', 'v') LOOP
        query := regexp_replace(query, format('\m%s\.%s\M', p.proname, arg.name), '$' || arg.n, 'g');
    END LOOP;
    columns := substring(pg_get_function_result(fn) FROM '^TABLE\((.*)\)$');
    -- the helper's rows as the query makes them (no type modifiers: PL/pgSQL
    -- does not coerce), the SQL function casts them as it always did
    SELECT string_agg(format('%I %s', x.name, format_type(x.type, -1)), ', ' ORDER BY x.o) INTO plain_columns
      FROM unnest(p.proargnames, p.proallargtypes, p.proargmodes) WITH ORDINALITY x (name, type, mode, o)
     WHERE x.mode = 't';
    BEGIN
        EXECUTE format(E'CREATE OR REPLACE FUNCTION %s(%s) RETURNS SETOF record LANGUAGE plpgsql %s\n'
                       'AS $dunning_twin$\nBEGIN\nRETURN QUERY EXECUTE %L USING %s;\nEND\n$dunning_twin$',
                       helper, oidvectortypes(p.proargtypes),
                       CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END,
                       query, args);
        EXECUTE format('CREATE OR REPLACE FUNCTION %s(%s) RETURNS TABLE (%s) LANGUAGE sql %s %s AS %L',
                       fn::regproc, pg_get_function_arguments(fn), columns,
                       CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END,
                       CASE p.proparallel WHEN 's' THEN 'PARALLEL SAFE' WHEN 'r' THEN 'PARALLEL RESTRICTED' ELSE '' END,
                       format('SELECT * FROM %s(%s) AS t (%s)', helper, args, plain_columns));
    EXCEPTION WHEN syntax_error OR datatype_mismatch OR invalid_function_definition THEN
        RETURN 'sql, kept (' || SQLERRM || ')';
    END;
    IF NOT EXISTS (SELECT FROM pg_depend d
                    WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
                      AND d.objid = format('%s(%s)', helper, oidvectortypes(p.proargtypes))::regprocedure) THEN
        EXECUTE format('ALTER EXTENSION dunning ADD FUNCTION %s(%s)', helper, oidvectortypes(p.proargtypes));
    END IF;
    EXECUTE format('REVOKE ALL ON FUNCTION %s(%s) FROM PUBLIC', helper, oidvectortypes(p.proargtypes));
    -- whoever may call the function may call its helper (and look it up)
    FOR grantee IN SELECT DISTINCT r.rolname FROM aclexplode(p.proacl) a JOIN pg_roles r ON r.oid = a.grantee
                    WHERE a.privilege_type = 'EXECUTE' LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s(%s) TO %I', helper, oidvectortypes(p.proargtypes), grantee);
        EXECUTE format('GRANT USAGE ON SCHEMA dunning_internal TO %I', grantee);
    END LOOP;
    EXECUTE format('COMMENT ON FUNCTION %s(%s) IS %L', helper, oidvectortypes(p.proargtypes),
                   format('the query of %s as PL/pgSQL, which Citus can plan (made by dunning.distribute(); internal)', fn::regprocedure));
    RETURN 'sql over a plpgsql helper';
END
$fn$;
COMMENT ON FUNCTION dunning_internal.distribute_sql_function_by_helper(oid) IS
    'for dunning.distribute(): moves the query of an SQL function whose input and output columns share a name into a PL/pgSQL helper (name_on_citus) that the function then reads; returns what it did (internal)';

CREATE OR REPLACE FUNCTION dunning_internal.distribute_sql_functions()
RETURNS TABLE (function_name text, layout text)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    f record;
    relations text;
    header text;
    stmt text;
BEGIN
    SELECT string_agg(c.relname, '|') INTO relations
      FROM pg_class c WHERE c.relnamespace = 'dunning'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p');
    FOR f IN SELECT p.oid, p.oid::regprocedure::text AS name, p.proretset, p.prorettype, p.prosrc
               FROM pg_proc p
              WHERE p.pronamespace IN ('dunning'::regnamespace, 'dunning_internal'::regnamespace)
                AND p.prolang = (SELECT l.oid FROM pg_language l WHERE l.lanname = 'sql')
                AND p.prosrc ~ ('dunning\.(' || relations || ')\M')
              ORDER BY 2 LOOP
        function_name := f.name;
        header := substring(pg_get_functiondef(f.oid) FROM '^(.*)\nAS \$function\$');
        stmt := regexp_replace(f.prosrc, ';\s*$', '');
        IF header IS NULL OR header !~ '\n LANGUAGE sql\n' OR f.prorettype = 'void'::regtype
           OR (NOT f.proretset AND f.prorettype = 'record'::regtype) THEN
            layout := 'sql, kept (not a single query)';
            RETURN NEXT;
            CONTINUE;
        END IF;
        BEGIN
            EXECUTE replace(header, E'\n LANGUAGE sql\n', E'\n LANGUAGE plpgsql\n')
                    || E'\nAS $dunning_twin$\n#variable_conflict use_column\nBEGIN\n'
                    || CASE WHEN f.proretset THEN 'RETURN QUERY ' || stmt ELSE 'RETURN (' || stmt || E'\n)' END
                    || E';\nEND\n$dunning_twin$';
            layout := 'plpgsql twin';
        EXCEPTION WHEN syntax_error OR datatype_mismatch OR invalid_function_definition THEN
            layout := 'sql, kept (' || SQLERRM || ')';
        END;
        IF layout <> 'plpgsql twin' AND f.proretset AND pg_get_function_result(f.oid) ~ '^TABLE\(' THEN
            -- an input and an output column of the same name (as_of): PL/pgSQL
            -- cannot declare both, so the query goes to a PL/pgSQL helper with
            -- unnamed arguments that returns records, and the SQL function
            -- keeps its signature and reads the helper
            layout := dunning_internal.distribute_sql_function_by_helper(f.oid);
        END IF;
        RETURN NEXT;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.distribute_sql_functions() IS
    'for dunning.distribute(): replaces each SQL function of the extension that reads its tables by a PL/pgSQL twin (same signature, options and query) that Citus can plan; returns what it did per function (internal)';

-----------------------------------------------------------------------------
-- Unidentified cash inserted on Citus
-----------------------------------------------------------------------------
-- Citus refuses, while planning it, an INSERT of a row without the
-- distribution column's value.  So on a distributed ledger the module's
-- parse-analysis hook (src/payment_route.c) turns an INSERT INTO
-- dunning.payment that leaves the customer out or gives it as NULL into the
-- same INSERT into this view, whose trigger writes each row where the
-- cluster can hold it: into dunning.payment when it names a customer, into
-- dunning.payment_suspense (checked as a payment row) when it does not.
-- The view has the table's columns in the table's order (the hook checks
-- it) and the table's defaults (the identity from its trigger).  On a
-- single node nothing is turned.
CREATE OR REPLACE VIEW dunning_internal.payment_entry AS
SELECT p.payment_id, p.received_on, p.amount, p.currency, p.payer_name, p.payer_iban, p.remittance_info,
       p.reference, p.customer_id, p.external_ref, p.created_at, p.allocated_amount, p.returned_on,
       p.return_reason
  FROM dunning.payment p;
ALTER VIEW dunning_internal.payment_entry ALTER COLUMN currency SET DEFAULT 'EUR';
ALTER VIEW dunning_internal.payment_entry ALTER COLUMN created_at SET DEFAULT pg_catalog.now();
ALTER VIEW dunning_internal.payment_entry ALTER COLUMN allocated_amount SET DEFAULT 0;
COMMENT ON VIEW dunning_internal.payment_entry IS
    'on Citus, what an INSERT INTO dunning.payment leaving the customer unknown writes to: its trigger puts each row into dunning.payment or dunning.payment_suspense (internal: src/payment_route.c)';
CREATE OR REPLACE FUNCTION dunning_internal.payment_entry_route() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    -- the table's identity, taken here (the inserting role needs no right
    -- on its sequence, as for the table), and its running total at 0
    NEW.payment_id := COALESCE(NEW.payment_id, pg_catalog.nextval('dunning.payment_payment_id_seq'::pg_catalog.regclass));
    NEW.allocated_amount := 0;
    IF NEW.customer_id IS NOT NULL THEN
        INSERT INTO dunning.payment SELECT NEW.*;
    ELSE
        INSERT INTO dunning.payment_suspense (payment_id, payment)
        VALUES (NEW.payment_id, pg_catalog.to_jsonb(dunning_internal.checked_payment(ROW(NEW.*)::dunning.payment)));
    END IF;
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION dunning_internal.payment_entry_route() IS
    'writes a row inserted into dunning_internal.payment_entry into dunning.payment, or into dunning.payment_suspense when its customer is unknown (internal)';
CREATE OR REPLACE TRIGGER payment_entry_route INSTEAD OF INSERT ON dunning_internal.payment_entry
    FOR EACH ROW EXECUTE FUNCTION dunning_internal.payment_entry_route();
-- whoever may insert payments may insert them through the view
GRANT SELECT, INSERT ON dunning_internal.payment_entry TO dunning_admin;

-----------------------------------------------------------------------------
-- Scale-out on Citus (doc/scale-out.md)
-----------------------------------------------------------------------------
-- dunning.distribute(): run on the coordinator after CREATE EXTENSION, on an
-- empty or a loaded ledger.  Every table of the extension (schemas dunning
-- and dunning_internal) that has a customer_id is distributed by it,
-- colocated with dunning.customer; every
-- other table (scenarios, templates, settings, calendars, rates, bank
-- statements, the suspense of unidentified cash) becomes a reference table.
-- What a cluster cannot hold as a single node does is changed first:
--   - payments without a customer move to dunning.payment_suspense;
--   - keys unique over all customers (the customer's and the payment's
--     external references, the payment's own id, one pending proposal per
--     rank and payment) become plain indexes;
--   - foreign keys are taken off while the tables move and put back where
--     Citus can hold them (between colocated tables through customer_id, or
--     towards a reference table); the others are reported and not put back.
-- Idempotent: tables already in Citus's metadata are left as they are.
CREATE OR REPLACE FUNCTION dunning.distribute()
RETURNS TABLE (table_name text, layout text)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    r record;
    fk record;
    dunning_ns oid := 'dunning'::regnamespace;
    pending regclass[];
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension e WHERE e.extname = 'citus') THEN
        RAISE EXCEPTION 'dunning.distribute() needs Citus, which is not installed in this database'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'CREATE EXTENSION citus on the coordinator and add the workers first (doc/scale-out.md).';
    END IF;
    -- the ledger's tables, their owner and kind, and whether Citus has them
    CREATE TEMP TABLE IF NOT EXISTS dunning_distribute_rel (rel regclass PRIMARY KEY, by_customer boolean,
                                                            done boolean) ON COMMIT DROP;
    TRUNCATE dunning_distribute_rel;
    EXECUTE $q$
        INSERT INTO dunning_distribute_rel
        SELECT c.oid::regclass,
               EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'customer_id'
                          AND NOT a.attisdropped),
               EXISTS (SELECT FROM pg_dist_partition d WHERE d.logicalrelid = c.oid)
          FROM pg_class c
         WHERE c.relnamespace IN ($1, 'dunning_internal'::pg_catalog.regnamespace) AND c.relkind = 'r'
           AND NOT c.relispartition$q$ USING dunning_ns;
    SELECT array_agg(d.rel) INTO pending FROM dunning_distribute_rel d WHERE NOT d.done;

    IF pending IS NOT NULL THEN
        IF NOT (SELECT citus_is_coordinator()) THEN
            RAISE EXCEPTION 'dunning.distribute() runs on the coordinator'
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        -- the ledger's triggers fire on the shards; DDL of one transaction
        -- over tables with foreign keys to reference tables: one connection
        PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);
        PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
        PERFORM set_config('dunning.distributing', 'on', true);

        -- 1. foreign keys touching a table not yet in Citus: off, kept
        CREATE TEMP TABLE IF NOT EXISTS dunning_distribute_fk (rel regclass, ref regclass, name name, def text)
            ON COMMIT DROP;
        TRUNCATE dunning_distribute_fk;
        INSERT INTO dunning_distribute_fk
        SELECT k.conrelid::regclass, k.confrelid::regclass, k.conname, pg_get_constraintdef(k.oid)
          FROM pg_constraint k
         WHERE k.contype = 'f' AND k.connamespace = dunning_ns
           AND (k.conrelid = ANY (pending) OR k.confrelid = ANY (pending));
        FOR fk IN SELECT * FROM dunning_distribute_fk LOOP
            PERFORM dunning_internal.distribute_ddl(format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', fk.rel, fk.name));
        END LOOP;

        -- 2. unidentified cash to the suspense table
        IF 'dunning.payment'::regclass = ANY (pending) THEN
            INSERT INTO dunning.payment_suspense (payment_id, payment)
            SELECT p.payment_id, to_jsonb(p) FROM dunning.payment p WHERE p.customer_id IS NULL;
            DELETE FROM dunning.payment p WHERE p.customer_id IS NULL;
            PERFORM dunning_internal.distribute_ddl('ALTER TABLE dunning.payment ALTER COLUMN customer_id SET NOT NULL');
        END IF;

        -- 3. keys over all customers: plain indexes
        FOR r IN SELECT k.conrelid::regclass AS rel, k.conname, k.contype,
                        (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY x.o)
                           FROM unnest(k.conkey) WITH ORDINALITY x (n, o)
                           JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.n) AS cols
                   FROM pg_constraint k
                  WHERE k.connamespace = dunning_ns AND k.contype IN ('p', 'u')
                    AND k.conrelid = ANY (pending)
                    AND EXISTS (SELECT FROM dunning_distribute_rel d WHERE d.rel = k.conrelid AND d.by_customer)
                    AND k.conkey[1] <> (SELECT a.attnum FROM pg_attribute a
                                         WHERE a.attrelid = k.conrelid AND a.attname = 'customer_id')
                    AND NOT (k.conrelid = 'dunning.customer'::regclass AND k.contype = 'p') LOOP
            PERFORM dunning_internal.distribute_ddl(format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', r.rel, r.conname));
            PERFORM dunning_internal.distribute_ddl(format('CREATE INDEX IF NOT EXISTS %I ON %s (%s)', r.conname || '_idx', r.rel, r.cols));
            -- a primary key (the payment's, its id alone) is keyed by the
            -- customer then, as every other table's (customer_id is NOT NULL
            -- there: step 2)
            IF r.contype = 'p' THEN
                PERFORM dunning_internal.distribute_ddl(format('ALTER TABLE %s ADD CONSTRAINT %I PRIMARY KEY (customer_id, %s)',
                                                               r.rel, r.conname, r.cols));
            END IF;
        END LOOP;
        FOR r IN SELECT i.indexrelid::regclass AS idx, pg_get_indexdef(i.indexrelid) AS def
                   FROM pg_index i
                  WHERE i.indisunique AND i.indrelid = ANY (pending)
                    AND EXISTS (SELECT FROM dunning_distribute_rel d WHERE d.rel = i.indrelid AND d.by_customer)
                    AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid)
                    AND i.indkey[0] <> (SELECT a.attnum FROM pg_attribute a
                                         WHERE a.attrelid = i.indrelid AND a.attname = 'customer_id') LOOP
            PERFORM dunning_internal.distribute_ddl(format('DROP INDEX IF EXISTS %s', r.idx));
            PERFORM dunning_internal.distribute_ddl(replace(r.def, 'CREATE UNIQUE INDEX', 'CREATE INDEX IF NOT EXISTS'));
        END LOOP;

        -- 4. the rows are copied into the shards as they are: the ledger's
        -- triggers (running totals, guards of shipped rows) must not fire
        -- again on them; they are enabled again once the tables moved
        CREATE TEMP TABLE IF NOT EXISTS dunning_distribute_tg (rel regclass, name name, enabled "char")
            ON COMMIT DROP;
        TRUNCATE dunning_distribute_tg;
        INSERT INTO dunning_distribute_tg
        SELECT t.tgrelid::regclass, t.tgname, t.tgenabled FROM pg_trigger t
         WHERE t.tgrelid = ANY (pending) AND NOT t.tgisinternal AND t.tgenabled <> 'D';
        FOR r IN SELECT DISTINCT g.rel FROM dunning_distribute_tg g LOOP
            EXECUTE format('ALTER TABLE %s DISABLE TRIGGER USER', r.rel);
        END LOOP;

        -- reference tables, then the customer, then what is colocated with it
        FOR r IN SELECT d.rel FROM dunning_distribute_rel d WHERE NOT d.done AND NOT d.by_customer ORDER BY d.rel::text LOOP
            PERFORM create_reference_table(r.rel);
        END LOOP;
        IF 'dunning.customer'::regclass = ANY (pending) THEN
            PERFORM create_distributed_table('dunning.customer', 'customer_id');
        END IF;
        FOR r IN SELECT d.rel FROM dunning_distribute_rel d
                  WHERE NOT d.done AND d.by_customer AND d.rel <> 'dunning.customer'::regclass ORDER BY d.rel::text LOOP
            PERFORM create_distributed_table(r.rel, 'customer_id', colocate_with => 'dunning.customer');
        END LOOP;

        -- 5. the foreign keys a cluster can hold, back; the triggers on
        FOR fk IN SELECT f.*, s.by_customer AS from_dist, t.by_customer AS to_dist
                    FROM dunning_distribute_fk f
                    JOIN dunning_distribute_rel s ON s.rel = f.rel JOIN dunning_distribute_rel t ON t.rel = f.ref
                   ORDER BY f.rel::text, f.name LOOP
            -- towards a reference table, or between colocated tables by customer
            IF NOT fk.to_dist
               OR (fk.from_dist AND fk.def ~ '^FOREIGN KEY \(customer_id[,)].*REFERENCES [^(]*\(customer_id[,)]') THEN
                EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.rel, fk.name, fk.def);
            ELSE
                RAISE NOTICE 'dunning.distribute(): foreign key % of % not kept on Citus (%)', fk.name, fk.rel, fk.def;
            END IF;
        END LOOP;
        -- (as they were: in origin mode, or ALWAYS)
        FOR r IN SELECT g.rel, g.name, g.enabled FROM dunning_distribute_tg g ORDER BY 1, 2 LOOP
            EXECUTE format('ALTER TABLE %s ENABLE %s TRIGGER %I', r.rel,
                           CASE r.enabled WHEN 'A' THEN 'ALWAYS' WHEN 'R' THEN 'REPLICA' ELSE '' END, r.name);
        END LOOP;
    END IF;

    -- the ledger's triggers fire on the shards and read the colocated rows
    -- of other tables (running totals, checks): Citus runs such a read on
    -- the same node, in the same transaction, once nested execution is
    -- allowed to the trigger (on every node; again after an update).  Their
    -- statements name their customer (customer_id = one, shard_customers in
    -- allocation.sql): planned afresh each time, with that value as a
    -- constant, Citus keeps each on the shard of this node; a statement that
    -- reached other workers made a worker crash in the COMMIT PREPARED of
    -- the transaction (Citus 13.0.5).
    FOR r IN SELECT p.oid::regprocedure AS fn FROM pg_proc p
              WHERE p.pronamespace IN (dunning_ns, 'dunning_internal'::regnamespace)
                AND p.prorettype = 'trigger'::regtype
                AND NOT (COALESCE('citus.allow_nested_distributed_execution=on' = ANY (p.proconfig), false)
                         AND COALESCE('plan_cache_mode=force_custom_plan' = ANY (p.proconfig), false))
              ORDER BY 1 LOOP
        PERFORM dunning_internal.distribute_ddl(
            format('ALTER FUNCTION %s SET citus.allow_nested_distributed_execution = on', r.fn));
        PERFORM dunning_internal.distribute_ddl(
            format('ALTER FUNCTION %s SET plan_cache_mode = force_custom_plan', r.fn));
    END LOOP;

    -- an INSERT INTO dunning.payment of unidentified cash goes to the
    -- suspense (payment_entry, above): the module, whose hook turns it, is
    -- loaded by every new session of this database, and by this one now
    IF pg_catalog.current_setting('session_preload_libraries') !~ '(^|[ ,])"?dunning"?($|[ ,])' THEN
        EXECUTE pg_catalog.format('ALTER DATABASE %I SET session_preload_libraries = %L',
                                  pg_catalog.current_database(),
                                  pg_catalog.concat_ws(', ', NULLIF(pg_catalog.current_setting('session_preload_libraries'), ''),
                                                       'dunning'));
    END IF;
    PERFORM dunning.is_currency('EUR');

    -- the SQL functions over the ledger: PL/pgSQL twins (again after an
    -- ALTER EXTENSION UPDATE, which brings the SQL definitions back)
    FOR r IN SELECT * FROM dunning_internal.distribute_sql_functions() x WHERE x.layout !~ 'plpgsql' LOOP
        RAISE NOTICE 'dunning.distribute(): function % left as it is: %', r.function_name, r.layout;
    END LOOP;

    RETURN QUERY EXECUTE $q$
        SELECT d.rel::text, CASE p.partmethod WHEN 'n' THEN 'reference' WHEN 'h' THEN 'distributed by customer_id'
                                              ELSE 'local' END
          FROM dunning_distribute_rel d LEFT JOIN pg_dist_partition p ON p.logicalrelid = d.rel
         ORDER BY 2, 1$q$;
END
$fn$;
COMMENT ON FUNCTION dunning.distribute() IS
    'on a Citus coordinator: distributes the ledger by customer_id (colocated with dunning.customer) and makes every other table of the extension a reference table; moves unidentified cash to dunning.payment_suspense; idempotent; returns each table''s layout (doc/scale-out.md)';
