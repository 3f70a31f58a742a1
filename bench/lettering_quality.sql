-- Precision and recall of a lettering against the generator's truth.
-- Expects bench_eval.work(payment_id): the payments unlettered before the
-- run, and :'pred' naming a table or view (payment_id, invoice_id, amount)
-- of what the run allocated from those payments, and :'label'.
WITH work AS (SELECT w.payment_id, k.kind FROM bench_eval.work w
                JOIN dunning_sample.payment_kind k USING (payment_id)),
truth AS (SELECT t.payment_id, t.invoice_id, t.amount FROM dunning_sample.payment_truth t
            JOIN work USING (payment_id)),
pred AS (SELECT p.payment_id, p.invoice_id, sum(p.amount) AS amount FROM :pred p
           JOIN work USING (payment_id) GROUP BY 1, 2),
pair_ok AS (SELECT count(*) FILTER (WHERE t.payment_id IS NOT NULL) AS right_pairs, count(*) AS pairs
              FROM pred p LEFT JOIN truth t USING (payment_id, invoice_id)),
per_payment AS (
    SELECT w.payment_id, w.kind,
           (SELECT array_agg(invoice_id || ':' || amount ORDER BY invoice_id) FROM truth t WHERE t.payment_id = w.payment_id) AS want,
           (SELECT array_agg(invoice_id || ':' || amount ORDER BY invoice_id) FROM pred p WHERE p.payment_id = w.payment_id) AS got
      FROM work w)
SELECT :'label' AS matcher,
       (SELECT count(*) FROM work) AS payments,
       (SELECT count(*) FROM per_payment WHERE want IS NOT NULL) AS matchable,
       (SELECT pairs FROM pair_ok) AS pairs_allocated,
       round(100.0 * (SELECT right_pairs FROM pair_ok) / NULLIF((SELECT pairs FROM pair_ok), 0), 2) AS precision_pct,
       round(100.0 * (SELECT count(*) FROM per_payment WHERE want IS NOT NULL AND want = got)
             / NULLIF((SELECT count(*) FROM per_payment WHERE want IS NOT NULL), 0), 2) AS recall_pct,
       round(100.0 * (SELECT count(*) FROM per_payment WHERE want IS NULL AND got IS NOT NULL)
             / NULLIF((SELECT count(*) FROM per_payment WHERE want IS NULL), 0), 2) AS unrelated_lettered_pct;

-- Recall per kind of payment.
SELECT :'label' AS matcher, kind, count(*) AS payments,
       count(*) FILTER (WHERE want = got) AS right,
       count(*) FILTER (WHERE got IS NOT NULL AND want IS DISTINCT FROM got) AS wrong,
       round(100.0 * count(*) FILTER (WHERE want = got) / count(*), 1) AS recall_pct
  FROM (SELECT w.payment_id, k.kind,
               (SELECT array_agg(t.invoice_id || ':' || t.amount ORDER BY t.invoice_id)
                  FROM dunning_sample.payment_truth t WHERE t.payment_id = w.payment_id) AS want,
               (SELECT array_agg(p.invoice_id || ':' || p.amount ORDER BY p.invoice_id)
                  FROM (SELECT payment_id, invoice_id, sum(amount) amount FROM :pred GROUP BY 1, 2) p
                 WHERE p.payment_id = w.payment_id) AS got
          FROM bench_eval.work w JOIN dunning_sample.payment_kind k USING (payment_id)) x
 GROUP BY kind ORDER BY kind;
