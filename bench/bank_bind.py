#!/usr/bin/env python3
"""The import side of bench/bank.sh as a driver sends it: the file bound as a
binary bytea parameter of dunning.import_statement (libpq's PQexecParams, as
JDBC's setBytes or psycopg's bytes do), with no SQL literal to quote or lex.
libpq through ctypes: no package beyond the libpq5 psql already needs.

Usage: bank_bind.py DATABASE FILE CPU_DIR
Connects with the PG* variables; prints the wall-clock ms of the call (bank.sh
times the whole process instead, as it times psql's on the COPY side); writes
the backend's CPU ticks before and after the call to CPU_DIR/cpu0 and cpu1
(as bench/cpu.bash's marks do), "-" when the server is not on this machine.
"""
import ctypes
import ctypes.util
import os
import sys
import time

PGRES_TUPLES_OK = 2
CONNECTION_OK = 0

libpq = ctypes.CDLL(ctypes.util.find_library("pq") or "libpq.so.5")
libpq.PQconnectdb.restype = ctypes.c_void_p
libpq.PQconnectdb.argtypes = [ctypes.c_char_p]
libpq.PQstatus.argtypes = [ctypes.c_void_p]
libpq.PQerrorMessage.restype = ctypes.c_char_p
libpq.PQerrorMessage.argtypes = [ctypes.c_void_p]
libpq.PQexec.restype = ctypes.c_void_p
libpq.PQexec.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
libpq.PQexecParams.restype = ctypes.c_void_p
libpq.PQexecParams.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_uint),
                               ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_int),
                               ctypes.POINTER(ctypes.c_int), ctypes.c_int]
libpq.PQresultStatus.argtypes = [ctypes.c_void_p]
libpq.PQresultErrorMessage.restype = ctypes.c_char_p
libpq.PQresultErrorMessage.argtypes = [ctypes.c_void_p]
libpq.PQgetvalue.restype = ctypes.c_char_p
libpq.PQgetvalue.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
libpq.PQclear.argtypes = [ctypes.c_void_p]
libpq.PQfinish.argtypes = [ctypes.c_void_p]

BYTEA_OID = 17


def query(conn, sql):
    """The first value of the first row of sql; exits on an error."""
    res = libpq.PQexec(conn, sql.encode())
    if libpq.PQresultStatus(res) != PGRES_TUPLES_OK:
        sys.exit("bank_bind.py: %s" % libpq.PQresultErrorMessage(res).decode())
    value = libpq.PQgetvalue(res, 0, 0).decode()
    libpq.PQclear(res)
    return value


def cpu_ticks(pid):
    """The backend's user + system ticks, or None when it is not on this machine."""
    try:
        with open("/proc/%s/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except OSError:
        return None


def main():
    database, path, cpu_dir = sys.argv[1:4]
    conn = libpq.PQconnectdb(("dbname=%s" % database).encode())
    if libpq.PQstatus(conn) != CONNECTION_OK:
        sys.exit("bank_bind.py: %s" % libpq.PQerrorMessage(conn).decode())
    pid = query(conn, "SELECT pg_backend_pid()")
    with open(path, "rb") as f:
        content = f.read()
    values = (ctypes.c_char_p * 1)(content)
    lengths = (ctypes.c_int * 1)(len(content))
    formats = (ctypes.c_int * 1)(1)
    types = (ctypes.c_uint * 1)(BYTEA_OID)
    before = cpu_ticks(pid)
    start = time.monotonic()
    res = libpq.PQexecParams(conn, b"SELECT count(*) FROM dunning.import_statement($1, letter => false)",
                             1, types, values, lengths, formats, 0)
    wall_ms = (time.monotonic() - start) * 1000
    after = cpu_ticks(pid)
    if libpq.PQresultStatus(res) != PGRES_TUPLES_OK:
        sys.exit("bank_bind.py: %s" % libpq.PQresultErrorMessage(res).decode())
    libpq.PQclear(res)
    libpq.PQfinish(conn)
    for name, ticks in (("cpu0", before), ("cpu1", after)):
        with open(os.path.join(cpu_dir, name), "w") as f:
            f.write("-\n" if ticks is None else "%d\n" % ticks)
    print("%d" % round(wall_ms))


if __name__ == "__main__":
    main()
