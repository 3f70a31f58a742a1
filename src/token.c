/*
 * token.c -- the signing primitives of payment links: HMAC-SHA256 with the
 * server's own implementation, signed payment tokens, strong random bytes
 * and a constant-time comparison for verifying them.
 *
 * A payment link carries a token that names what may be paid (customer,
 * invoices, amount, expiry) and proves that dunning issued it: the claims
 * and their HMAC under a key only the database holds, both base64url
 * encoded.  dunning.verify_pay_token() checks them in SQL.
 *
 * SQL interface (src/sql/tokens.sql):
 *   dunning_internal.hmac_sha256(data bytea, key bytea) -> bytea
 *   dunning_internal.random_bytes(n integer) -> bytea
 *   dunning_internal.timing_safe_equal(a bytea, b bytea) -> boolean
 *   dunning_internal.pay_token_with_key(customer_id, invoice_ids, amount, expires_at, key) -> text
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/base64.h"
#include "common/hmac.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "lib/qunique.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

/*
 * HMAC-SHA256 of data with key into out (PG_SHA256_DIGEST_LENGTH bytes), with
 * the server's own implementation (common/hmac.h).
 */
static void
compute_hmac_sha256(const uint8 *data, size_t data_len, const uint8 *key, size_t key_len, uint8 *out)
{
	pg_hmac_ctx *ctx;

	if (key_len < 16)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("signing key too short: %d bytes", (int) key_len),
				 errhint("Use a key of at least 16 random bytes.")));
	ctx = pg_hmac_create(PG_SHA256);
	if (ctx == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	if (pg_hmac_init(ctx, key, key_len) < 0 ||
		pg_hmac_update(ctx, data, data_len) < 0 ||
		pg_hmac_final(ctx, out, PG_SHA256_DIGEST_LENGTH) < 0)
	{
		const char *err = pg_hmac_error(ctx);

		pg_hmac_free(ctx);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute HMAC-SHA256: %s", err)));
	}
	pg_hmac_free(ctx);
}

PG_FUNCTION_INFO_V1(hmac_sha256);
Datum
hmac_sha256(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	bytea	   *key = PG_GETARG_BYTEA_PP(1);
	bytea	   *result = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);

	compute_hmac_sha256((uint8 *) VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data),
						(uint8 *) VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key),
						(uint8 *) VARDATA(result));
	SET_VARSIZE(result, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	PG_RETURN_BYTEA_P(result);
}

/* base64url without padding (RFC 4648 section 5), as dunning_internal.base64url */
static void
append_base64url(StringInfo out, const uint8 *data, size_t len)
{
	int			cap = pg_b64_enc_len((int) len);
	char	   *buf = palloc(cap + 1);
	int			n = pg_b64_encode((const char *) data, (int) len, buf, cap);

	if (n < 0)
		elog(ERROR, "base64 encoding failed");
	/* RFC 4648 section 5: - and _ for + and /, no padding */
	while (n > 0 && buf[n - 1] == '=')
		n--;
	for (int i = 0; i < n; i++)
		appendStringInfoChar(out, buf[i] == '+' ? '-' : buf[i] == '/' ? '_' : buf[i]);
	pfree(buf);
}

/* Order of C strings, for sorting the invoice ids of a claim. */
static int
cstring_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * The invoice ids of a claim: the distinct non-NULL ids of the array in
 * text order, comma-separated, so that the same set always signs the same.
 */
static void
append_invoice_ids(StringInfo claims, ArrayType *ids)
{
	Datum	   *values;
	bool	   *nulls;
	int			n;
	int			k = 0;
	char	  **texts;

	deconstruct_array(ids, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &values, &nulls, &n);
	texts = palloc(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
		if (!nulls[i])
			texts[k++] = psprintf(INT64_FORMAT, DatumGetInt64(values[i]));
	qsort(texts, k, sizeof(char *), cstring_cmp);
	k = (int) qunique(texts, k, sizeof(char *), cstring_cmp);
	for (int i = 0; i < k; i++)
	{
		if (i > 0)
			appendStringInfoChar(claims, ',');
		appendStringInfoString(claims, texts[i]);
	}
}

/* The expiry of a claim in whole Unix seconds, floored. */
static void
append_expiry(StringInfo claims, TimestampTz expires)
{
	int64		frac = expires % USECS_PER_SEC;

	if (TIMESTAMP_NOT_FINITE(expires))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a payment token needs a finite expiry")));
	/* floor to a whole second first: timestamptz_to_time_t truncates toward zero */
	if (frac < 0)
		frac += USECS_PER_SEC;
	appendStringInfo(claims, INT64_FORMAT, (int64) timestamptz_to_time_t(expires - frac));
}

/*
 * Payment token = base64url(claims) "." base64url(HMAC-SHA256(claims, key)),
 * claims = "customer_id|invoice ids|amount|expiry" in UTF-8: the distinct
 * invoice ids in text order, comma-separated; the expiry in whole Unix
 * seconds.  NULL when the customer, the expiry or the key is NULL; a NULL
 * amount or id list is empty.  Verified by dunning.verify_pay_token().
 */
PG_FUNCTION_INFO_V1(pay_token_with_key);
Datum
pay_token_with_key(PG_FUNCTION_ARGS)
{
	StringInfoData claims;
	StringInfoData out;
	uint8		mac[PG_SHA256_DIGEST_LENGTH];
	bytea	   *key;
	char	   *utf8;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		PG_RETURN_NULL();
	initStringInfo(&claims);
	appendStringInfo(&claims, INT64_FORMAT "|", PG_GETARG_INT64(0));
	if (!PG_ARGISNULL(1))
		append_invoice_ids(&claims, PG_GETARG_ARRAYTYPE_P(1));
	appendStringInfoChar(&claims, '|');
	if (!PG_ARGISNULL(2))
	{
		text	   *amount = PG_GETARG_TEXT_PP(2);

		appendBinaryStringInfo(&claims, VARDATA_ANY(amount), VARSIZE_ANY_EXHDR(amount));
	}
	appendStringInfoChar(&claims, '|');
	append_expiry(&claims, PG_GETARG_TIMESTAMPTZ(3));

	utf8 = pg_server_to_any(claims.data, claims.len, PG_UTF8);
	key = PG_GETARG_BYTEA_PP(4);
	compute_hmac_sha256((uint8 *) utf8, strlen(utf8), (uint8 *) VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key), mac);

	initStringInfo(&out);
	append_base64url(&out, (uint8 *) utf8, strlen(utf8));
	appendStringInfoChar(&out, '.');
	append_base64url(&out, mac, PG_SHA256_DIGEST_LENGTH);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out.data, out.len));
}

/* n bytes from the operating system's strong random source. */
PG_FUNCTION_INFO_V1(random_bytes);
Datum
random_bytes(PG_FUNCTION_ARGS)
{
	int32		n = PG_GETARG_INT32(0);
	bytea	   *result;

	if (n < 1 || n > 1024)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("random_bytes length must be between 1 and 1024, got %d", n)));
	result = palloc(VARHDRSZ + n);
	if (!pg_strong_random(VARDATA(result), n))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random bytes")));
	SET_VARSIZE(result, VARHDRSZ + n);
	PG_RETURN_BYTEA_P(result);
}

/*
 * Equality of two byte strings in a time that depends only on their
 * lengths: MAC comparison must not tell an attacker how many leading bytes
 * of a forged signature were right.
 */
PG_FUNCTION_INFO_V1(timing_safe_equal);
Datum
timing_safe_equal(PG_FUNCTION_ARGS)
{
	bytea	   *a = PG_GETARG_BYTEA_PP(0);
	bytea	   *b = PG_GETARG_BYTEA_PP(1);
	size_t		la = VARSIZE_ANY_EXHDR(a);
	size_t		lb = VARSIZE_ANY_EXHDR(b);
	const unsigned char *pa = (const unsigned char *) VARDATA_ANY(a);
	const unsigned char *pb = (const unsigned char *) VARDATA_ANY(b);
	unsigned char diff = 0;

	if (la != lb)
		PG_RETURN_BOOL(false);
	for (size_t i = 0; i < la; i++)
		diff |= pa[i] ^ pb[i];
	PG_RETURN_BOOL(diff == 0);
}
