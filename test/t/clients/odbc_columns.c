/*
 * What a BI tool reads through ODBC's SQLColumns about the numeric columns
 * of schema dunning (test/t/bi_clients.sh): one line per numeric column,
 * "table.column|COLUMN_SIZE|DECIMAL_DIGITS".
 *   odbc_columns 'Driver={PostgreSQL Unicode};Server=...;Port=...;Database=...;UID=...'
 */
#include <stdio.h>
#include <stdlib.h>
#include <sql.h>
#include <sqlext.h>

static void
fail(const char *what, SQLSMALLINT kind, SQLHANDLE h)
{
	SQLCHAR		state[6], msg[512];
	SQLINTEGER	native;
	SQLSMALLINT len;

	if (SQLGetDiagRec(kind, h, 1, state, &native, msg, sizeof msg, &len) == SQL_SUCCESS)
		fprintf(stderr, "%s: %s %s\n", what, state, msg);
	else
		fprintf(stderr, "%s failed\n", what);
	exit(1);
}

int
main(int argc, char **argv)
{
	SQLHENV		env;
	SQLHDBC		dbc;
	SQLHSTMT	st;
	SQLCHAR		table[256], column[256];
	SQLSMALLINT type, digits;
	SQLINTEGER	size;
	SQLLEN		ind_size, ind_digits, ind_t, ind_c, ind_type;

	if (argc != 2)
	{
		fprintf(stderr, "usage: odbc_columns CONNECTION_STRING\n");
		return 2;
	}
	SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
	SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER) SQL_OV_ODBC3, 0);
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	if (!SQL_SUCCEEDED(SQLDriverConnect(dbc, NULL, (SQLCHAR *) argv[1], SQL_NTS, NULL, 0, NULL,
										SQL_DRIVER_NOPROMPT)))
		fail("SQLDriverConnect", SQL_HANDLE_DBC, dbc);
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	if (!SQL_SUCCEEDED(SQLColumns(st, NULL, 0, (SQLCHAR *) "dunning", SQL_NTS, (SQLCHAR *) "%", SQL_NTS,
								  (SQLCHAR *) "%", SQL_NTS)))
		fail("SQLColumns", SQL_HANDLE_STMT, st);
	SQLBindCol(st, 3, SQL_C_CHAR, table, sizeof table, &ind_t);
	SQLBindCol(st, 4, SQL_C_CHAR, column, sizeof column, &ind_c);
	SQLBindCol(st, 5, SQL_C_SSHORT, &type, 0, &ind_type);
	SQLBindCol(st, 7, SQL_C_SLONG, &size, 0, &ind_size);
	SQLBindCol(st, 9, SQL_C_SSHORT, &digits, 0, &ind_digits);
	while (SQL_SUCCEEDED(SQLFetch(st)))
	{
		if (type != SQL_NUMERIC && type != SQL_DECIMAL)
			continue;
		printf("%s.%s|%d|%d\n", (char *) table, (char *) column,
			   ind_size == SQL_NULL_DATA ? -1 : (int) size,
			   ind_digits == SQL_NULL_DATA ? -1 : (int) digits);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	return 0;
}
