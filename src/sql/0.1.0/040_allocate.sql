-----------------------------------------------------------------------------
-- Manual lettering
-----------------------------------------------------------------------------
-- Lock order, followed by every writer of allocations: the payment first,
-- then invoice rows (credit note and invoice) in ascending id order.  The
-- amount is computed from the locked rows, so it is never stale.
CREATE FUNCTION dunning.allocate_internal(
    p_payment_id bigint, p_credit_note_id bigint, p_invoice_id bigint, p_amount numeric)
RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    inv dunning.invoice;
    src_available numeric;
    src_name text;
    src_currency char(3);
    src_customer bigint;
    inv_currency char(3);
    inv_customer bigint;
    inv_available numeric;
    amt numeric;
    new_id bigint;
    digits integer;
BEGIN
    IF p_invoice_id IS NULL OR num_nonnulls(p_payment_id, p_credit_note_id) <> 1 THEN
        RAISE EXCEPTION 'allocation needs an invoice and exactly one of a payment or a credit note'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_amount IS NOT NULL AND NOT (p_amount > 0 AND p_amount < 'Infinity') THEN
        RAISE EXCEPTION 'allocation amount must be positive and finite, got %', p_amount
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    IF p_payment_id IS NOT NULL THEN
        SELECT p.amount - p.allocated_amount, p.currency, p.customer_id
          INTO src_available, src_currency, src_customer
          FROM dunning.payment p WHERE p.payment_id = p_payment_id FOR NO KEY UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'payment % does not exist', p_payment_id USING ERRCODE = 'foreign_key_violation';
        END IF;
        src_name := 'payment ' || p_payment_id;
    END IF;
    -- Invoice rows in id order (a credit note is an invoice row too).
    FOR inv IN
        SELECT * FROM dunning.invoice i
         WHERE i.invoice_id IN (p_invoice_id, p_credit_note_id)
         ORDER BY i.invoice_id FOR NO KEY UPDATE
    LOOP
        IF inv.invoice_id = p_credit_note_id THEN
            IF inv.amount > 0 THEN
                RAISE EXCEPTION 'invoice % is not a credit note', p_credit_note_id
                    USING ERRCODE = 'check_violation',
                          HINT = 'A credit note is an invoice row with a negative amount.';
            END IF;
            src_available := -inv.amount - inv.settled_amount;
            src_currency := inv.currency;
            src_customer := inv.customer_id;
            src_name := 'credit note ' || p_credit_note_id;
        ELSE
            IF inv.amount < 0 THEN
                RAISE EXCEPTION 'invoice % is a credit note and cannot be settled', p_invoice_id
                    USING ERRCODE = 'check_violation',
                          HINT = 'Letter the credit note against an invoice with dunning.allocate_credit_note().';
            END IF;
            inv_available := inv.amount - inv.settled_amount;
            inv_currency := inv.currency;
            inv_customer := inv.customer_id;
            digits := dunning.currency_minor_unit(inv.currency);
        END IF;
    END LOOP;
    IF inv_available IS NULL THEN
        RAISE EXCEPTION 'invoice % does not exist', p_invoice_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF src_available IS NULL THEN
        RAISE EXCEPTION 'credit note % does not exist', p_credit_note_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF src_currency <> inv_currency THEN
        RAISE EXCEPTION '% is in % but invoice % is in %', src_name, src_currency, p_invoice_id, inv_currency
            USING ERRCODE = 'check_violation';
    END IF;
    IF src_customer <> inv_customer THEN
        RAISE EXCEPTION '% is from customer % but invoice % belongs to customer %',
                src_name, src_customer, p_invoice_id, inv_customer
            USING ERRCODE = 'check_violation',
                  HINT = 'Letter items of one customer; for a payment, correct payment.customer_id or set it to NULL.';
    END IF;

    amt := COALESCE(p_amount, least(src_available, inv_available));
    IF amt <> round(amt, digits) THEN
        RAISE EXCEPTION 'allocation amount % has more decimals than % allows', amt, src_currency
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF amt <= 0 THEN
        RAISE EXCEPTION 'nothing to allocate: % has % unallocated and invoice % has % open',
                src_name, src_available, p_invoice_id, inv_available
            USING ERRCODE = 'check_violation';
    END IF;
    IF amt > src_available THEN
        RAISE EXCEPTION 'allocation of % exceeds the % unallocated on %', amt, src_available, src_name
            USING ERRCODE = 'check_violation',
                  HINT = 'Pass a smaller amount, or NULL to allocate as much as both sides allow.';
    END IF;
    IF amt > inv_available THEN
        RAISE EXCEPTION 'allocation of % exceeds the % open on invoice %', amt, inv_available, p_invoice_id
            USING ERRCODE = 'check_violation',
                  HINT = 'Pass a smaller amount, or NULL to allocate as much as both sides allow.';
    END IF;

    INSERT INTO dunning.allocation (payment_id, credit_note_id, invoice_id, amount)
    VALUES (p_payment_id, p_credit_note_id, p_invoice_id, amt)
    RETURNING allocation_id INTO new_id;
    RETURN new_id;
END
$fn$;

CREATE FUNCTION dunning.allocate(payment_id bigint, invoice_id bigint, amount numeric DEFAULT NULL)
RETURNS bigint
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    RETURN dunning.allocate_internal(payment_id, NULL, invoice_id, amount);
COMMENT ON FUNCTION dunning.allocate(bigint, bigint, numeric) IS
    'letters amount of a payment to an invoice (NULL amount: as much as both allow); returns the allocation id; never over-allocates, also under concurrency';

CREATE FUNCTION dunning.allocate_credit_note(credit_note_id bigint, invoice_id bigint, amount numeric DEFAULT NULL)
RETURNS bigint
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    RETURN dunning.allocate_internal(NULL, credit_note_id, invoice_id, amount);
COMMENT ON FUNCTION dunning.allocate_credit_note(bigint, bigint, numeric) IS
    'letters amount of a credit note (negative invoice) to an invoice of the same customer and currency; returns the allocation id';

CREATE FUNCTION dunning.unallocate(allocation_id bigint) RETURNS numeric
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    removed numeric;
    a dunning.allocation;
BEGIN
    SELECT * INTO a FROM dunning.allocation x WHERE x.allocation_id = unallocate.allocation_id;
    IF FOUND THEN
        -- Take the locks in the writers' order before the delete trigger
        -- updates the totals: payment, then invoice rows by id.
        PERFORM FROM dunning.payment p WHERE p.payment_id = a.payment_id FOR NO KEY UPDATE;
        PERFORM FROM dunning.invoice i WHERE i.invoice_id IN (a.invoice_id, a.credit_note_id)
          ORDER BY i.invoice_id FOR NO KEY UPDATE;
        DELETE FROM dunning.allocation x WHERE x.allocation_id = unallocate.allocation_id
        RETURNING x.amount INTO removed;
    END IF;
    IF removed IS NULL THEN
        RAISE EXCEPTION 'allocation % does not exist', unallocate.allocation_id
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN removed;
END
$fn$;
COMMENT ON FUNCTION dunning.unallocate(bigint) IS
    'removes an allocation and reopens what it settled; returns the amount released';
