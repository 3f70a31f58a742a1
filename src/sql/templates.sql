-- @code

-----------------------------------------------------------------------------
-- Templates (rendered in C, src/render.c: pure substitution, never SQL)
-----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION dunning.template_is_valid(template text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'template_is_valid'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.template_is_valid(text) IS
    'true when every {{placeholder}} of the template is one the renderer knows (see doc/dunning.md)';
CREATE OR REPLACE FUNCTION dunning.render_template(template text, data jsonb, mode text) RETURNS text
    AS 'MODULE_PATHNAME', 'render_template'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.render_template(text, jsonb, text) IS
    'renders a template by substituting {{placeholders}} with values of data, escaped for mode (text, html, sms: one message at most); never evaluates anything';
CREATE OR REPLACE FUNCTION dunning.render_action(template text, data jsonb, extra jsonb, mode text) RETURNS text
    AS 'MODULE_PATHNAME', 'render_action'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning.render_action(text, jsonb, jsonb, text) IS
    'render_template over data with the keys of extra added (extra wins), without merging the documents (internal: the runner)';
-- @schema
CREATE TABLE dunning.template (
    template_key  text NOT NULL,
    language      text NOT NULL,
    subject       text NOT NULL DEFAULT '',
    body          text NOT NULL,
    table_header  text[],
    seeded        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (template_key, language),
    CONSTRAINT template_key_format CHECK (template_key ~ '^[a-z0-9_.-]+$'),
    CONSTRAINT template_language_tag CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$'),
    CONSTRAINT template_subject_placeholders_known CHECK (dunning.template_is_valid(subject)),
    -- a subject is one header line: no CR/LF, no multi-line invoice table
    CONSTRAINT template_subject_one_line
        CHECK (subject !~ '[\r\n]' AND subject !~ '\{\{\s*invoice_table\s*\}\}' AND pg_catalog.length(subject) <= 300),
    CONSTRAINT template_body_placeholders_known CHECK (dunning.template_is_valid(body)),
    CONSTRAINT template_table_header_four CHECK (pg_catalog.cardinality(table_header) = 4)
);
-- @code
COMMENT ON TABLE dunning.template IS
    'message templates per key and language; {{placeholders}} are filled from the action''s data (doc/dunning.md lists them)';
COMMENT ON COLUMN dunning.template.template_key IS 'key that steps name';
COMMENT ON COLUMN dunning.template.language IS 'language (BCP 47); a customer gets its language, else the primary subtag, else en';
COMMENT ON COLUMN dunning.template.subject IS 'subject line (e-mail) or title';
COMMENT ON COLUMN dunning.template.body IS 'body: HTML for e-mail (values are escaped), plain text otherwise';
COMMENT ON COLUMN dunning.template.table_header IS 'titles of the four columns of {{invoice_table}} in this language; NULL: English';
COMMENT ON COLUMN dunning.template.seeded IS 'true for a template shipped with the extension (read only, not dumped)';
CREATE OR REPLACE TRIGGER template_seeded_read_only BEFORE UPDATE OR DELETE ON dunning.template
    FOR EACH ROW WHEN (OLD.seeded) EXECUTE FUNCTION dunning.seeded_read_only();
-- @schema
INSERT INTO dunning.template (template_key, language, subject, body, table_header, seeded) VALUES
('pre_due', 'en', 'Upcoming payment: {{total}}',
 '<p>Dear {{customer_name}},</p>
<p>This is a friendly reminder that the following invoices fall due soon:</p>
{{invoice_table}}
<p>Total: {{total}}.</p>
<p>You can pay online: <a href="{{pay_link}}">{{pay_link}}</a></p>
<p>Thank you for your business.</p>', NULL, true),
('pre_due', 'fr', 'Échéance prochaine : {{total}}',
 '<p>Bonjour {{customer_name}},</p>
<p>Nous vous rappelons que les factures suivantes arrivent bientôt à échéance :</p>
{{invoice_table}}
<p>Total : {{total}}.</p>
<p>Vous pouvez payer en ligne : <a href="{{pay_link}}">{{pay_link}}</a></p>
<p>Merci de votre confiance.</p>', ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('reminder_1', 'en', 'Payment reminder: {{total}} overdue',
 '<p>Dear {{customer_name}},</p>
<p>Our records show that the following invoices are overdue:</p>
{{invoice_table}}
<p>Total overdue: {{total}}. If you have already paid, please ignore this message.</p>
<p>Pay online: <a href="{{pay_link}}">{{pay_link}}</a></p>', NULL, true),
('reminder_1', 'fr', 'Rappel de paiement : {{total}} échu',
 '<p>Bonjour {{customer_name}},</p>
<p>Sauf erreur de notre part, les factures suivantes restent impayées :</p>
{{invoice_table}}
<p>Total échu : {{total}}. Si vous avez déjà payé, merci de ne pas tenir compte de ce message.</p>
<p>Payer en ligne : <a href="{{pay_link}}">{{pay_link}}</a></p>', ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('reminder_2', 'en', 'Second reminder: {{total}} overdue',
 '<p>Dear {{customer_name}},</p>
<p>Despite our first reminder, the following invoices are still unpaid ({{max_days_overdue}} days overdue at most):</p>
{{invoice_table}}
<p>Please pay {{total}} without delay: <a href="{{pay_link}}">{{pay_link}}</a></p>', NULL, true),
('reminder_2', 'fr', 'Second rappel : {{total}} échu',
 '<p>Bonjour {{customer_name}},</p>
<p>Malgré notre premier rappel, les factures suivantes restent impayées (jusqu''à {{max_days_overdue}} jours de retard) :</p>
{{invoice_table}}
<p>Merci de régler {{total}} sans délai : <a href="{{pay_link}}">{{pay_link}}</a></p>', ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('call', 'en', 'Call {{customer_name}}: {{total}} overdue',
 'Call {{customer_name}} about {{invoice_count}} overdue invoices ({{total}}, up to {{max_days_overdue}} days).
{{invoice_table}}', NULL, true),
('call', 'fr', 'Appeler {{customer_name}} : {{total}} échu',
 'Appeler {{customer_name}} au sujet de {{invoice_count}} factures échues ({{total}}, jusqu''à {{max_days_overdue}} jours).
{{invoice_table}}', ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('formal_notice', 'en', 'Formal notice: {{total}} overdue',
 'Dear {{customer_name}},

FORMAL NOTICE

The following invoices remain unpaid despite our reminders:
{{invoice_table}}
Amount due: {{total}}.
Late-payment charges: {{charges}}
Total with charges: {{total_with_charges}}

Unless payment is received within 8 days, we will take legal action without further notice.
Pay online: {{pay_link}}', NULL, true),
('formal_notice', 'fr', 'Mise en demeure : {{total}} impayé',
 'Madame, Monsieur ({{customer_name}}),

MISE EN DEMEURE

Les factures suivantes restent impayées malgré nos relances :
{{invoice_table}}
Montant dû : {{total}}.
Pénalités de retard : {{charges}}
Total avec pénalités : {{total_with_charges}}

À défaut de paiement sous 8 jours, nous engagerons une procédure judiciaire sans autre avis.
Payer en ligne : {{pay_link}}', ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('legal', 'en', 'Legal escalation: {{customer_name}}, {{total}}',
 'Hand the account of {{customer_name}} ({{customer_ref}}) to legal collection.
Amount due: {{total}}; charges: {{charges}}; total {{total_with_charges}}.
{{invoice_table}}', NULL, true),
('legal', 'fr', 'Contentieux : {{customer_name}}, {{total}}',
 'Transmettre le compte de {{customer_name}} ({{customer_ref}}) au contentieux.
Montant dû : {{total}} ; pénalités : {{charges}} ; total {{total_with_charges}}.
{{invoice_table}}', ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('sms_reminder', 'en', '', '{{customer_name}}: {{total}} overdue ({{invoice_table}}). Pay: {{pay_link}}', NULL, true),
('sms_reminder', 'fr', '', '{{customer_name}} : {{total}} impayé ({{invoice_table}}). Payer : {{pay_link}}', NULL, true),
('thanks', 'en', 'Thank you for your payment',
 '<p>Dear {{customer_name}},</p><p>Thank you: your account is up to date.</p>', NULL, true),
('thanks', 'fr', 'Merci pour votre paiement',
 '<p>Bonjour {{customer_name}},</p><p>Merci : votre compte est à jour.</p>', NULL, true);
-- @code
SELECT pg_catalog.pg_extension_config_dump('dunning.template', 'WHERE NOT seeded');

-- Privileges of the objects above (PUBLIC has none: security.sql).
GRANT SELECT ON dunning.template
    TO dunning_analyst;
GRANT INSERT, UPDATE, DELETE ON dunning.template
    TO dunning_admin;
GRANT EXECUTE ON FUNCTION dunning.template_is_valid(text),
    dunning.render_template(text, jsonb, text)
    TO dunning_analyst;
