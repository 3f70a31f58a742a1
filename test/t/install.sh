#!/usr/bin/env bash
# Installation: the extension goes into several databases of one cluster
# (its roles are cluster-wide and created only once), and hostile objects
# planted in public before CREATE EXTENSION are never called by it.
. "$(dirname "$0")/lib.bash"
A=dunning_install_a; B=dunning_install_b
fresh_db $A
ok $? "CREATE EXTENSION in a first database"
fresh_db $B
ok $? "CREATE EXTENSION in a second database of the same cluster"
is "$(q $B "SELECT count(*) FROM pg_roles WHERE rolname IN ('dunning_admin', 'dunning_collector', 'dunning_analyst')")" \
   "3" "the three roles exist once"
is "$(q $B "SELECT pg_has_role('dunning_admin', 'dunning_analyst', 'MEMBER')")" "t" "admin inherits analyst through collector"
q $A "DROP EXTENSION dunning" >/dev/null
ok $? "DROP EXTENSION in the first database"
q $B "INSERT INTO dunning.customer (name) VALUES ('still here') RETURNING 1" >/dev/null
ok $? "the second database keeps working"
q $A "CREATE EXTENSION dunning" >/dev/null
ok $? "CREATE EXTENSION again after DROP (roles left in place are reused)"

# Hostile objects first, on the search path ahead of pg_catalog where a
# function call would let them be.
drop_db $A
psql -X -q -d postgres -c "CREATE DATABASE $A" >/dev/null
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $A <<'SQL'
CREATE TABLE public.captured (what text);
CREATE FUNCTION public.btrim(text) RETURNS text LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO public.captured VALUES ('btrim'); RETURN 'x'; END$$;
CREATE FUNCTION public.round(numeric, integer) RETURNS numeric LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO public.captured VALUES ('round'); RETURN $1; END$$;
CREATE FUNCTION public.abs(numeric) RETURNS numeric LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO public.captured VALUES ('abs'); RETURN $1; END$$;
CREATE FUNCTION public.sign(numeric) RETURNS numeric LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO public.captured VALUES ('sign'); RETURN 1; END$$;
CREATE FUNCTION public.format(text, VARIADIC text[]) RETURNS text LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO public.captured VALUES ('format'); RETURN 'SELECT 1'; END$$;
CREATE FUNCTION public.least(numeric, numeric) RETURNS numeric LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO public.captured VALUES ('least'); RETURN $1; END$$;
CREATE FUNCTION public.text_eq_evil(text, text) RETURNS boolean LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO public.captured VALUES ('='); RETURN $1 = $2; END$$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.text_eq_evil);
ALTER DATABASE dunning_install_a SET search_path = public, pg_catalog;
SQL
ok $? "hostile functions and operator planted in public"
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $A <<'SQL'
CREATE EXTENSION dunning;
INSERT INTO dunning.customer (customer_id, name) VALUES (1, 'Acme SA');
INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount)
VALUES (1, 1, 'H-1', '2026-01-01', '2026-01-31', 100.00), (2, 1, 'H-CN', '2026-01-01', '2026-01-01', -10.00);
INSERT INTO dunning.payment (payment_id, received_on, amount) VALUES (1, '2026-02-01', 50.00);
INSERT INTO dunning.dispute (invoice_id, reason) VALUES (1, 'price');
SELECT dunning.allocate(1, 1), dunning.allocate_credit_note(2, 1);
SELECT dunning.unallocate(1);
SELECT dunning.rebuild_totals();
SELECT count(*) FROM dunning.open_item;
SELECT count(*) FROM dunning.customer_balance;
SQL
ok $? "install, load, letter, unletter and read the views with the hostile search_path"
is "$(q $A "SELECT COALESCE(string_agg(DISTINCT what, ','), 'none') FROM public.captured")" "none" \
   "no hostile object was ever called"
drop_db $A; drop_db $B
done_testing
