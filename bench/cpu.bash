# The backend's CPU time around a statement, for the benchmarks (sourced;
# $dir is the caller's scratch directory).  Read from /proc/<pid>/stat (user
# + system ticks): less disturbed by other load than the wall clock, and
# "-" when the server is not on this machine.

# psql lines writing the backend's CPU ticks to $dir/cpuK
cpu_mark() {
    echo "SELECT pg_backend_pid() AS bpid \\gset"
    echo "\\setenv BPID :bpid"
    echo "\\! awk '{ print \$14 + \$15 }' /proc/\$BPID/stat > $dir/cpu$1 2>/dev/null || echo - > $dir/cpu$1"
}

# the CPU ms between the marks 0 and 1, or -
cpu_ms() {
    local a b
    a=$(cat "$dir/cpu0" 2>/dev/null); b=$(cat "$dir/cpu1" 2>/dev/null)
    case "$a$b" in *[!0-9]*|'') echo - ;; *) echo $(( (b - a) * 1000 / $(getconf CLK_TCK) )) ;; esac
}
