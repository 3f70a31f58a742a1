-----------------------------------------------------------------------------
-- Dunning: privileges and pg_dump configuration.  Runs after every dunning
-- part above.
-----------------------------------------------------------------------------
REVOKE ALL ON FUNCTION
    dunning.scenario_step_check_order(), dunning.template_is_valid(text), dunning.render_template(text, jsonb, text),
    dunning.render_action(text, jsonb, jsonb, text),
    dunning.is_business_day(date, char), dunning.seeded_read_only(), dunning.copy_scenario(text, text),
    dunning.late_interest(numeric, char, date, date, numeric, text), dunning.hmac_sha256(bytea, bytea),
    dunning.accrue_interest(numeric, date, date, numeric, text, integer, date[], numeric[], date[], numeric[]),
    dunning.invoice_late_interest(bigint, date, numeric, text),
    dunning.pick_step(bigint, integer, integer, time, numeric),
    dunning.random_bytes(integer), dunning.timing_safe_equal(bytea, bytea), dunning.signing_secret(),
    dunning.base64url(bytea), dunning.base64url_decode(text),
    dunning.pay_token_with_key(bigint, bigint[], text, timestamptz, bytea),
    dunning.pay_token(bigint, bigint[], text, timestamptz), dunning.verify_pay_token(text, timestamptz),
    dunning.promise_to_pay(bigint[], numeric, date, text), dunning.refresh_promises(timestamptz),
    dunning.cancel_promise(bigint, text), dunning.open_dispute(bigint, text, numeric, text, text, date),
    dunning.resolve_dispute(bigint, text, text, date), dunning.due_actions(timestamptz),
    dunning.run(timestamptz), dunning.preview(timestamptz), dunning.cancel_paid_actions(),
    dunning.mark_sent(bigint, timestamptz), dunning.mark_failed(bigint, text, boolean),
    dunning.claim_actions(text, integer), dunning.cron_job_name(), dunning.schedule(text), dunning.unschedule()
    FROM PUBLIC;

-- Analysts: read (never the signing key), render, check.
GRANT SELECT ON dunning.setting, dunning.settings, dunning.scenario, dunning.scenario_step, dunning.template,
    dunning.segment_scenario, dunning.customer_setting, dunning.customer_scenario, dunning.holiday,
    dunning.reference_rate, dunning.promise, dunning.dispute_root_cause, dunning.action, dunning.action_item,
    dunning.collector_worklist, dunning.step_effectiveness
    TO dunning_analyst;
GRANT EXECUTE ON FUNCTION dunning.template_is_valid(text), dunning.render_template(text, jsonb, text),
    dunning.is_business_day(date, char), dunning.late_interest(numeric, char, date, date, numeric, text),
    dunning.invoice_late_interest(bigint, date, numeric, text),
    dunning.verify_pay_token(text, timestamptz), dunning.preview(timestamptz), dunning.cron_job_name()
    TO dunning_analyst;
-- Collectors: promises, disputes, snoozes, sending.
GRANT EXECUTE ON FUNCTION dunning.promise_to_pay(bigint[], numeric, date, text),
    dunning.cancel_promise(bigint, text), dunning.refresh_promises(timestamptz),
    dunning.open_dispute(bigint, text, numeric, text, text, date),
    dunning.resolve_dispute(bigint, text, text, date), dunning.cancel_paid_actions(),
    dunning.mark_sent(bigint, timestamptz), dunning.mark_failed(bigint, text, boolean),
    dunning.claim_actions(text, integer), dunning.pay_token(bigint, bigint[], text, timestamptz)
    TO dunning_collector;
GRANT INSERT, UPDATE, DELETE ON dunning.customer_setting TO dunning_collector;
-- Admins: configure, run, schedule.
GRANT INSERT, UPDATE, DELETE ON dunning.setting, dunning.scenario, dunning.scenario_step, dunning.template,
    dunning.segment_scenario, dunning.holiday, dunning.reference_rate, dunning.promise
    TO dunning_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON dunning.signing_key TO dunning_admin;
GRANT EXECUTE ON FUNCTION dunning.copy_scenario(text, text), dunning.run(timestamptz),
    dunning.schedule(text), dunning.unschedule()
    TO dunning_admin;

-- pg_dump: users' rows and the identity sequences; shipped rows stay out.
SELECT pg_catalog.pg_extension_config_dump('dunning.setting', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.scenario', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('dunning.scenario_scenario_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.scenario_step', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('dunning.scenario_step_step_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.template', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('dunning.segment_scenario', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.customer_setting', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.holiday', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.reference_rate', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.signing_key', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.promise', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.promise_promise_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.action', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.action_action_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('dunning.action_item', '');
