#!/usr/bin/env bash
# The PGXN distribution: META.json agrees with the control file and names a
# file the archive holds; `make dist` (git archive of HEAD plus the built
# SQL scripts) gives dunning-<version>.zip with the sources and no build
# output.  Skipped outside a git work tree (e.g. when run from the archive).
. "$(dirname "$0")/lib.bash"
cd "$(dirname "$0")/../.."
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "1..0 # SKIP not a git work tree"; exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
version=$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" dunning.control)

python3 - "$version" <<'PY' > "$tmp/meta" 2>&1
import json, sys
m = json.load(open('META.json'))
v = sys.argv[1]
p = m['provides']['dunning']
print('version', m['version'] == v and p['version'] == v)
print('file', p['file'])
print('status', m['release_status'] in ('stable', 'testing', 'unstable'))
print('spec', m['meta-spec']['version'])
r = m.get('resources', {})
print('resources', bool(r) and all(isinstance(u, str) and u.startswith('https://') for k, u in r.items() if k == 'homepage'))
PY
ok $? "META.json is valid JSON"
is "$(sed -n 's/^version //p' "$tmp/meta")" "True" "META.json's versions are the control file's default_version ($version)"
is "$(sed -n 's/^status //p' "$tmp/meta")" "True" "META.json's release_status is one of stable, testing, unstable"
is "$(sed -n 's/^spec //p' "$tmp/meta")" "1.0.0" "META.json follows the PGXN meta spec 1.0.0"
is "$(sed -n 's/^resources //p' "$tmp/meta")" "True" "META.json names its resources (a homepage URL)"
file=$(sed -n 's/^file //p' "$tmp/meta")
is "$file" "dunning--$version.sql" "provides names the install script"

make -s dist DIST_ZIP="$tmp/dist.zip" >/dev/null 2>"$tmp/err"
ok $? "make dist"
sed 's/^/# /' "$tmp/err" | head -5
python3 -c "import zipfile, sys; print('\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))" "$tmp/dist.zip" \
    > "$tmp/list" 2>/dev/null
ok $? "the archive is a zip file"
p="dunning-$version/"
missing=
for f in META.json Makefile dunning.control README.md src/sql/topics scripts/sql-scripts "$file"; do
    grep -qx "$p$f" "$tmp/list" || missing="$missing $f"
done
is "$missing" "" "the archive holds META.json, the build, the topic files and $file under $p"
is "$(grep -v "^$p" "$tmp/list" | head -3)" "" "everything is under $p"
is "$(grep -E '\.(o|so|bc|zip)$|/results/|regression\.(diffs|out)$' "$tmp/list" | head -3)" "" "no build or test output"
done_testing
