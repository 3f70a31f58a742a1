\echo Use "ALTER EXTENSION dunning UPDATE TO '0.3.0'" to load this file. \quit

-----------------------------------------------------------------------------
-- dunning 0.2.0 -> 0.3.0, hand part (see src/sql/README.md): what the schema
-- regions of the topic files have in 0.3.0 and 0.2.0 did not (new schemas,
-- tables, columns, indexes; data moved into them), and the drops of objects
-- that cannot be replaced in place.  The code regions of every topic file
-- (functions, views, triggers, comments, grants) follow at the marker.
-----------------------------------------------------------------------------
CREATE SCHEMA dunning_internal;
COMMENT ON SCHEMA dunning_internal IS 'internals of the dunning extension: not an interface, may change in any release';

-- outbox: the sender's work queue (leases), provider message ids, the
-- settings of dunning-sender; claim_actions and mark_sent gain arguments
ALTER TABLE dunning.action
    ADD COLUMN provider_message_id text,
    ADD COLUMN claimed_by text,
    ADD COLUMN lease_until timestamptz,
    ADD COLUMN claim_pid integer;
DROP INDEX dunning.action_pending_idx;
CREATE INDEX action_due_idx ON dunning.action (channel, action_id)
    WHERE status = 'queued' OR (status = 'failed' AND next_attempt_at IS NOT NULL);
CREATE INDEX action_provider_message_idx ON dunning.action (provider_message_id)
    WHERE provider_message_id IS NOT NULL;
CREATE TABLE dunning.sender_setting (
    name   text PRIMARY KEY,
    value  text NOT NULL,
    CONSTRAINT sender_setting_name_known CHECK (name IN (
        'smtp-url', 'smtp-from', 'smtp-credentials-file', 'smtp-ca-file', 'sms-url', 'sms-token-file',
        'webhook-url', 'webhook-token-file', 'channels', 'test-to', 'test-sms-to', 'rate', 'concurrency',
        'batch', 'lease', 'timeout', 'poll', 'message-id-domain', 'log-format')),
    CONSTRAINT sender_setting_no_credentials CHECK (value !~ '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*@')
);
DROP FUNCTION dunning.claim_actions(text, integer);
DROP FUNCTION dunning.mark_sent(bigint, timestamptz);

-- @code regions
