#!/usr/bin/env bash
# The SQL source layout of src/sql/README.md holds: every object of the
# installed extension is defined exactly once in the topic files; every topic
# file is in the install order and opens with a region marker; code regions
# (re-run by every update) hold only statements that can run again.
. "$(dirname "$0")/lib.bash"
top=$(cd "$(dirname "$0")/../.." && pwd)
DB=dunning_sql_layout
fresh_db $DB

# Definitions in the topic files, one line "kind name" per CREATE.
defined=$(cd "$top/src/sql" && cat $(sed -e 's/#.*//' -e '/^ *$/d' topics | sed 's/$/.sql/') | perl -ne '
    print "function $2\n" if /^CREATE OR REPLACE (FUNCTION|AGGREGATE|PROCEDURE) (\w+\.\w+)\(/;
    print "table $1\n"    if /^CREATE TABLE (\w+\.\w+) /;
    print "view $2\n"     if /^CREATE (OR REPLACE VIEW|MATERIALIZED VIEW IF NOT EXISTS) (\w+\.\w+)/;
    print "type $1\n"     if /^CREATE TYPE (\w+\.\w+) *\(/ || /^CREATE TYPE (\w+\.\w+) AS/;
    print "index $3\n"    if /^CREATE (UNIQUE )?INDEX (IF NOT EXISTS )?(\w+)/;
    print "trigger $1 on $2\n" if /^CREATE OR REPLACE TRIGGER (\w+) .* ON (\w+\.\w+)/;
    print "schema $1\n"   if /^CREATE SCHEMA (\w+)/;' | sort)
# Members of the installed extension, same form.
installed=$(q $DB "
    SELECT kind || ' ' || name FROM (
        SELECT 'function' AS kind, n.nspname || '.' || p.proname AS name
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
          JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'dunning'
        UNION ALL
        SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'view' END,
               n.nspname || '.' || c.relname
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
          JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'dunning'
         WHERE c.relkind IN ('r', 'v', 'm')
        UNION ALL
        SELECT 'type', n.nspname || '.' || t.typname
          FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
          JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
          JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'dunning'
        UNION ALL
        SELECT 'schema', n.nspname
          FROM pg_namespace n
          JOIN pg_depend d ON d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e'
          JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'dunning'
        UNION ALL
        SELECT 'index', ic.relname
          FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
          JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = i.indrelid AND d.deptype = 'e'
          JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'dunning'
         WHERE NOT EXISTS (SELECT FROM pg_constraint co WHERE co.conindid = i.indexrelid)
        UNION ALL
        SELECT 'trigger', t.tgname || ' on ' || n.nspname || '.' || c.relname
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
          JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'dunning'
         WHERE NOT t.tgisinternal) x
    ORDER BY 1" | LC_ALL=C sort)
defined=$(echo "$defined" | LC_ALL=C sort)
# Multisets: a function name appears once per overload on both sides.
twice=$(comm -23 <(echo "$defined") <(echo "$installed"))
is "$twice" "" "no object is defined twice in src/sql (nor defined and not installed)"
missing=$(comm -13 <(echo "$defined") <(echo "$installed"))
is "$missing" "" "every object of the extension has its definition in src/sql"

listed=$(sed -e 's/#.*//' -e '/^ *$/d' "$top/src/sql/topics" | sort)
present=$(cd "$top/src/sql" && ls *.sql | sed 's/\.sql$//' | sort)
is "$listed" "$present" "src/sql/topics lists exactly the topic files"
unmarked=$(cd "$top/src/sql" && for f in *.sql; do head -1 "$f" | grep -qE '^-- @(code|schema)$' || echo "$f"; done)
is "$unmarked" "" "every topic file opens with a region marker"
# In code regions a statement at the start of a line is re-runnable.
bad=$(cd "$top" && sh scripts/sql-scripts code | grep -E '^(CREATE|ALTER|DROP|INSERT|UPDATE|DELETE|TRUNCATE|DO)\b' \
      | grep -vE '^CREATE (OR REPLACE (FUNCTION|VIEW|AGGREGATE|TRIGGER|PROCEDURE)|MATERIALIZED VIEW IF NOT EXISTS|(UNIQUE )?INDEX IF NOT EXISTS)' \
      | grep -vE '^ALTER VIEW [a-z_.]+ ALTER COLUMN [a-z_]+ *(SET DEFAULT|$)' \
      | grep -vE '^ALTER TABLE [a-z_.]+ ENABLE ALWAYS TRIGGER [a-z_]+;$')
is "$bad" "" "code regions hold only statements that can run again"
drop_db $DB
done_testing
