-- Precision and recall of a lettering against the generator's truth.
-- Expects bench_eval.work(payment_id): the payments unlettered before the
-- run, and :'pred' naming a table or view (payment_id, invoice_id, amount)
-- of what the run allocated from those payments, and :'label'.
-- Everything is grouped per payment once (hash joins, no correlated
-- subqueries), so it stays linear at 300,000 payments.
-- Resolves pg_catalog and dunning objects only (doc/security.md): nothing
-- another role planted in public is called when a superuser runs it.
SET search_path = pg_catalog, pg_temp;
CREATE TEMP TABLE quality_pair AS
SELECT p.payment_id, p.invoice_id, sum(p.amount) AS amount
  FROM :pred p JOIN bench_eval.work w USING (payment_id)
 GROUP BY 1, 2;

CREATE TEMP TABLE quality_payment AS
SELECT w.payment_id, k.kind, t.want, g.got
  FROM bench_eval.work w
  JOIN dunning_sample.payment_kind k USING (payment_id)
  LEFT JOIN (SELECT t.payment_id, array_agg(t.invoice_id || ':' || t.amount ORDER BY t.invoice_id) AS want
               FROM dunning_sample.payment_truth t JOIN bench_eval.work USING (payment_id)
              GROUP BY 1) t USING (payment_id)
  LEFT JOIN (SELECT payment_id, array_agg(invoice_id || ':' || amount ORDER BY invoice_id) AS got
               FROM quality_pair GROUP BY 1) g USING (payment_id);

WITH pair_ok AS (
    SELECT count(t.payment_id) AS right_pairs, count(*) AS pairs
      FROM quality_pair p
      LEFT JOIN dunning_sample.payment_truth t USING (payment_id, invoice_id))
SELECT :'label' AS matcher,
       count(*) AS payments,
       count(*) FILTER (WHERE want IS NOT NULL) AS matchable,
       (SELECT pairs FROM pair_ok) AS pairs_allocated,
       round(100.0 * (SELECT right_pairs FROM pair_ok) / NULLIF((SELECT pairs FROM pair_ok), 0), 2) AS precision_pct,
       round(100.0 * count(*) FILTER (WHERE want IS NOT NULL AND want = got)
             / NULLIF(count(*) FILTER (WHERE want IS NOT NULL), 0), 2) AS recall_pct,
       round(100.0 * count(*) FILTER (WHERE want IS NULL AND got IS NOT NULL)
             / NULLIF(count(*) FILTER (WHERE want IS NULL), 0), 2) AS unrelated_lettered_pct
  FROM quality_payment;

-- Recall per kind of payment.
SELECT :'label' AS matcher, kind, count(*) AS payments,
       count(*) FILTER (WHERE want = got) AS right,
       count(*) FILTER (WHERE got IS NOT NULL AND want IS DISTINCT FROM got) AS wrong,
       round(100.0 * count(*) FILTER (WHERE want = got) / count(*), 1) AS recall_pct
  FROM quality_payment
 GROUP BY kind ORDER BY kind;

DROP TABLE quality_pair, quality_payment;
