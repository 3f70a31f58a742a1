#!/usr/bin/env bash
# The C tree reads as its capabilities, and stays so: no C file above 900
# lines, no C function above 80 lines (the extension in src/ and the
# sender in sender/), each header named after the .c that
# provides what it declares, no include circle between units, and every
# extern symbol either SQL-callable (PG_FUNCTION_INFO_V1, named as in SQL),
# the module's _PG_init, or prefixed dunning_.  Reads the sources only (pgindent layout: a
# function's name at column 0, its body between "{" and "}" at column 0).
cd "$(dirname "$0")/../.."
source test/t/lib.bash

MAX_FILE_LINES=900
MAX_FUNCTION_LINES=80
# Headers of static inline functions and macros only: nothing to link, so no provider.
HEADER_ONLY="compat.h ascii.h"

# "file:line name length linkage" of every function definition, linkage
# static or extern (from the type line above the name).
functions() {
    awk '
    FNR == 1 { start = 0; body = 0; prev = "" }
    !body && /^[A-Za-z_][A-Za-z0-9_]*\(/ {
        name = $0; sub(/\(.*/, "", name); start = FNR; linkage = (prev ~ /static/) ? "static" : "extern" }
    !body && (/^[A-Za-z_][A-Za-z0-9_]*\(.*;[ \t]*$/ || /^$/) { start = 0 }
    !body && start && /^\{/ { body = 1 }
    body && /^\}/ { print FILENAME ":" start " " name " " (FNR - start + 1) " " linkage; body = 0; start = 0 }
    { prev = $0 }
    ' src/*.c sender/*.c
}

# --- sizes
long_files=$(wc -l src/*.c sender/*.c | awk -v max=$MAX_FILE_LINES '$2 != "total" && $1 > max { print $2 " (" $1 " lines)" }')
is "$long_files" "" "no C file above $MAX_FILE_LINES lines"

n_functions=$(functions | wc -l)
ok $([ "$n_functions" -gt 100 ]; echo $?) "the function scanner finds the functions ($n_functions)"
long_functions=$(functions | awk -v max=$MAX_FUNCTION_LINES '$3 > max')
is "$long_functions" "" "no C function above $MAX_FUNCTION_LINES lines"

# --- headers and their providers
bad_headers=""
for h in src/*.h sender/*.h; do
    base=$(basename "$h" .h); dir=$(dirname "$h")
    case " $HEADER_ONLY " in
    *" $base.h "*)
        grep -qE '^extern' "$h" && bad_headers+=" $base.h (header-only, yet declares extern symbols)"
        continue ;;
    esac
    if [ ! -f "$dir/$base.c" ]; then
        bad_headers+=" $base.h (no $dir/$base.c)"
        continue
    fi
    # every extern function or variable it declares is defined in its namesake .c
    for sym in $(grep -E '^extern' "$h" | sed -E 's/^extern[^(;[]*[^A-Za-z0-9_(;[]([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*[(;[].*/\1/'); do
        grep -qE "^$sym\(|^[A-Za-z].*[[:space:]*]$sym(\[[^]]*\])?[[:space:]]*=" "$dir/$base.c" ||
            bad_headers+=" $base.h ($sym not defined in $base.c)"
    done
    # simplehash tables it declares are defined in its namesake .c
    for prefix in $(awk '/#define[ \t]+SH_PREFIX/ { p = $3 } /#define[ \t]+SH_DECLARE/ { print p }' "$h"); do
        awk -v p="$prefix" '/#define[ \t]+SH_PREFIX/ { cur = $3 } /#define[ \t]+SH_DEFINE/ && cur == p { found = 1 } END { exit !found }' "$dir/$base.c" ||
            bad_headers+=" $base.h (hash table $prefix not defined in $base.c)"
    done
done
is "$bad_headers" "" "each header is named after the .c that provides what it declares"

# --- no circle between units (a unit: X.c and X.h; X uses Y when X.c or X.h includes Y.h)
edges=$(for f in src/*.c src/*.h; do
    x=$(basename "${f%.*}")
    echo "$x $x"
    for y in $(sed -nE 's/^#include "([A-Za-z0-9_]+)\.h".*/\1/p' "$f"); do
        [ -f "src/$y.h" ] && [ "$y" != "$x" ] && echo "$x $y"
    done
done)
order=$(echo "$edges" | tsort 2>&1 >/dev/null)
is "$order" "" "no include circle between units"

# --- one prefix for extern symbols
bad_symbols=""
for c in src/*.c; do
    sql=" $(sed -nE 's/^PG_FUNCTION_INFO_V1\(([A-Za-z0-9_]+)\).*/\1/p' "$c" | tr '\n' ' ') "
    # functions: defined without "static"
    for sym in $(functions | awk -v f="$c" 'index($1, f ":") == 1 && $4 == "extern" { print $2 }'); do
        case "$sym" in dunning_*|_PG_init) continue ;; esac   # (_PG_init: the server's name)
        case "$sql" in *" $sym "*) continue ;; esac
        bad_symbols+=" $(basename "$c"):$sym"
    done
    # variables: file-scope definitions that are not static
    for sym in $(grep -E '^[A-Za-z][^(]*[[:space:]*][A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?[[:space:]]*=' "$c" | grep -vE '^static|^#' |
                 sed -E 's/^[^=]*[[:space:]*]([A-Za-z_][A-Za-z0-9_]*)(\[[^]]*\])?[[:space:]]*=.*/\1/'); do
        case "$sym" in dunning_*) continue ;; esac
        bad_symbols+=" $(basename "$c"):$sym"
    done
done
is "$bad_symbols" "" "every extern symbol is SQL-callable or prefixed dunning_"

done_testing
