-- One row per member object of the dunning extension with everything that
-- defines it: function bodies, aggregate support functions, table columns in
-- order, constraints, indexes, triggers, view definitions, comments,
-- privileges (as sets: the order of grants does not matter) and pg_dump
-- configuration.  Two installs whose fingerprints are
-- equal are the same extension.  Used by test/t/upgrade.sh.
CREATE TEMP VIEW ext_fingerprint AS
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'dunning'),
members AS (
    SELECT d.classid, d.objid FROM pg_depend d, ext
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
)
SELECT pg_describe_object(m.classid, m.objid, 0) AS object,
       CASE m.classid
       WHEN 'pg_proc'::regclass THEN (
           SELECT CASE WHEN p.prokind = 'a'
                       THEN (SELECT row(a.aggkind, a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn,
                                        a.aggdeserialfn, a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn,
                                        a.aggtranstype::regtype, a.aggmtranstype::regtype, a.agginitval,
                                        a.aggminitval, a.aggfinalextra, a.aggmfinalextra, a.aggfinalmodify,
                                        p.proparallel)::text
                               FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
                       ELSE pg_get_functiondef(p.oid) END
                  || ' acl=' || COALESCE((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(p.proacl) x), '-')
             FROM pg_proc p WHERE p.oid = m.objid)
       WHEN 'pg_class'::regclass THEN (
           SELECT c.relkind::text || ' acl=' || COALESCE((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(c.relacl) x), '-')
                  || ' cols=' || COALESCE((SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                                      || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                                      || COALESCE(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '')
                                      || COALESCE(' identity ' || NULLIF(a.attidentity::text, ''), '')
                                      || COALESCE(' comment ' || col_description(c.oid, a.attnum), '')
                                      || COALESCE(' acl ' || (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(a.attacl) x), ''), ', ' ORDER BY a.attnum)
                                 FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
                  || ' constraints=' || COALESCE((SELECT string_agg(co.conname || ' ' || pg_get_constraintdef(co.oid), ', ' ORDER BY co.conname)
                                       FROM pg_constraint co WHERE co.conrelid = c.oid), '')
                  || ' indexes=' || COALESCE((SELECT string_agg(pg_get_indexdef(i.indexrelid), ', ' ORDER BY pg_get_indexdef(i.indexrelid))
                                   FROM pg_index i WHERE i.indrelid = c.oid), '')
                  || ' triggers=' || COALESCE((SELECT string_agg(pg_get_triggerdef(t.oid), ', ' ORDER BY t.tgname)
                                    FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal), '')
                  || ' view=' || COALESCE(pg_get_viewdef(c.oid) , '-')
             FROM pg_class c WHERE c.oid = m.objid)
       WHEN 'pg_type'::regclass THEN (
           SELECT t.typtype::text || ' ' || t.typinput::text || ' ' || t.typoutput::text || ' ' || t.typlen
                  || ' ' || COALESCE((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                                        FROM pg_enum e WHERE e.enumtypid = t.oid), '')
             FROM pg_type t WHERE t.oid = m.objid)
       ELSE ''
       END AS definition,
       obj_description(m.objid, (SELECT relname FROM pg_class WHERE oid = m.classid)) AS comment
  FROM members m
UNION ALL
SELECT 'pg_dump config ' || cfg::regclass::text, COALESCE(cond, ''), NULL
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(cfg, cond)
 WHERE e.extname = 'dunning';
