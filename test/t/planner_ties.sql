-- Look-ups that a tie of costs could send to the wrong index (used by
-- test/t/planner_ties.sh on a fresh install and test/t/upgrade.sh after
-- each update).  An index L whose first column c is a later key column of
-- another index R (R's first column not c): when the statistics say the
-- table is empty while it has pages, "c = $1" costs the same by L and by R,
-- and the planner keeps the index it considered first, the newest one; R
-- would then be read whole for each look-up.  So L must be newer than R.
-- One row per pair in the wrong order; none expected.
SELECT l.indexrelid::regclass AS lookup_index, r.indexrelid::regclass AS rival
  FROM pg_index l
  JOIN pg_index r ON r.indrelid = l.indrelid AND r.indexrelid <> l.indexrelid
  JOIN pg_class t ON t.oid = l.indrelid
 WHERE t.relnamespace IN ('dunning'::regnamespace, 'dunning_internal'::regnamespace)
   AND l.indpred IS NULL AND r.indpred IS NULL AND l.indkey[0] <> 0
   AND r.indkey[0] <> l.indkey[0]
   AND EXISTS (SELECT FROM generate_series(1, r.indnkeyatts - 1) k WHERE r.indkey[k] = l.indkey[0])
   AND l.indexrelid::oid < r.indexrelid::oid
 ORDER BY 1, 2;
