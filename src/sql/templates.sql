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
CREATE OR REPLACE FUNCTION dunning_internal.render_action(template text, data jsonb, extra jsonb, mode text) RETURNS text
    AS 'MODULE_PATHNAME', 'render_action'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dunning_internal.render_action(text, jsonb, jsonb, text) IS
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
COMMENT ON COLUMN dunning.template.body IS 'body: HTML (values are escaped; letters, calls, tasks and SMS get it as plain text) or plain text; {{#name}}...{{/name}} sections show only when name has a value';
COMMENT ON COLUMN dunning.template.table_header IS 'titles of the four columns of {{invoice_table}} in this language; NULL: English';
COMMENT ON COLUMN dunning.template.seeded IS 'true for a template shipped with the extension (read only, not dumped)';
CREATE OR REPLACE TRIGGER template_seeded_read_only BEFORE UPDATE OR DELETE ON dunning.template
    FOR EACH ROW WHEN (OLD.seeded) EXECUTE FUNCTION dunning_internal.seeded_read_only();
-- @code
-- The shipped templates (seeded: read only, not dumped), English, French and
-- German.  Created again by every update, so a release that rewords one
-- reaches existing installs; a user's own row with the same key and language
-- (not seeded) is kept.
CREATE OR REPLACE FUNCTION dunning_internal.seed_templates() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM pg_catalog.set_config('dunning.seeding', 'on', true);
    INSERT INTO dunning.template AS t (template_key, language, subject, body, table_header, seeded) VALUES
-- pre_due: pre-due reminder (e-mail; letter): items coming due, never "overdue"
('pre_due', 'en', $t$Payment due soon: {{total}}$t$,
 $t$<p>Dear {{customer_name}},</p>
<p>This is a courtesy reminder that the following invoices fall due shortly, the first on {{oldest_due_on}}:</p>
{{invoice_table}}
<p>Amount falling due: {{total}}.</p>
{{#pay_link}}<p>You can pay online: <a href="{{pay_link}}">{{pay_link}}</a></p>
{{/pay_link}}<p>If you have already arranged payment, please disregard this message. Thank you for your business.</p>
<p>Kind regards,<br>Accounts Receivable</p>$t$,
 ARRAY['Invoice', 'Due date', 'Status', 'Amount'], true),
('pre_due', 'fr', $t$Échéance prochaine&nbsp;: {{total}}$t$,
 $t$<p>{{customer_name}}{{#customer_ref}} – n° client {{customer_ref}}{{/customer_ref}}</p>
<p>Madame, Monsieur,</p>
<p>Nous nous permettons de vous rappeler que les factures ci-dessous arrivent prochainement à échéance, la première le {{oldest_due_on}}&nbsp;:</p>
{{invoice_table}}
<p>Montant à régler&nbsp;: {{total}}.</p>
{{#pay_link}}<p>Vous pouvez régler en ligne&nbsp;: <a href="{{pay_link}}">{{pay_link}}</a></p>
{{/pay_link}}<p>Si votre règlement est déjà programmé, nous vous prions de ne pas tenir compte de ce message. Nous vous remercions de votre confiance.</p>
<p>Cordialement,<br>Le service Recouvrement</p>$t$,
 ARRAY['Facture', 'Échéance', 'Statut', 'Montant'], true),
('pre_due', 'de', $t$Bald fällig: {{total}}$t$,
 $t$<p>{{customer_name}}{{#customer_ref}}, Kundennummer {{customer_ref}}{{/customer_ref}}</p>
<p>Sehr geehrte Damen und Herren,</p>
<p>wir möchten Sie freundlich daran erinnern, dass die folgenden Rechnungen in Kürze fällig werden, die erste am {{oldest_due_on}}:</p>
{{invoice_table}}
<p>Fälliger Betrag: {{total}}.</p>
{{#pay_link}}<p>Sie können bequem online bezahlen: <a href="{{pay_link}}">{{pay_link}}</a></p>
{{/pay_link}}<p>Falls Sie die Zahlung bereits veranlasst haben, betrachten Sie diese Nachricht bitte als gegenstandslos. Vielen Dank für Ihr Vertrauen.</p>
<p>Mit freundlichen Grüßen<br>Ihre Buchhaltung</p>$t$,
 ARRAY['Rechnung', 'Fällig am', 'Status', 'Betrag'], true),
-- reminder_1: first rung (e-mail; letter): overdue items, plus those coming due it folds in
('reminder_1', 'en', $t$Payment reminder: {{total}} overdue$t$,
 $t$<p>Dear {{customer_name}},</p>
<p>According to our records, the following invoices have not been paid yet{{#coming_due_total}} (those falling due shortly are listed too){{/coming_due_total}}:</p>
{{invoice_table}}
<p>Amount overdue: {{total}}.{{#coming_due_total}} Falling due shortly: {{coming_due_total}}.{{/coming_due_total}}</p>
<p>This may simply have been overlooked. We would be grateful if you could pay the overdue amount within the next few days.</p>
{{#pay_link}}<p>You can pay online: <a href="{{pay_link}}">{{pay_link}}</a></p>
{{/pay_link}}<p>If you have already paid, please disregard this reminder.</p>
<p>Kind regards,<br>Accounts Receivable</p>$t$,
 ARRAY['Invoice', 'Due date', 'Days overdue', 'Open amount'], true),
('reminder_1', 'fr', $t$Rappel de paiement&nbsp;: {{total}} à régler$t$,
 $t$<p>{{customer_name}}{{#customer_ref}} – n° client {{customer_ref}}{{/customer_ref}}</p>
<p>Madame, Monsieur,</p>
<p>Sauf erreur ou omission de notre part, les factures suivantes restent impayées à ce jour{{#coming_due_total}} (nous y joignons celles qui arrivent prochainement à échéance){{/coming_due_total}}&nbsp;:</p>
{{invoice_table}}
<p>Montant échu&nbsp;: {{total}}.{{#coming_due_total}} À échoir prochainement&nbsp;: {{coming_due_total}}.{{/coming_due_total}}</p>
<p>Il s'agit probablement d'un oubli. Nous vous remercions de bien vouloir procéder au règlement dans les meilleurs délais.</p>
{{#pay_link}}<p>Vous pouvez régler en ligne&nbsp;: <a href="{{pay_link}}">{{pay_link}}</a></p>
{{/pay_link}}<p>Si votre règlement nous est parvenu entre-temps, nous vous prions de ne pas tenir compte de ce rappel.</p>
<p>Cordialement,<br>Le service Recouvrement</p>$t$,
 ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('reminder_1', 'de', $t$Zahlungserinnerung: {{total}} offen$t$,
 $t$<p>{{customer_name}}{{#customer_ref}}, Kundennummer {{customer_ref}}{{/customer_ref}}</p>
<p>Sehr geehrte Damen und Herren,</p>
<p>bei der Durchsicht unserer Buchhaltung haben wir festgestellt, dass die folgenden Rechnungen noch offen sind{{#coming_due_total}} (in Kürze fällige Rechnungen sind mit aufgeführt){{/coming_due_total}}:</p>
{{invoice_table}}
<p>Überfälliger Betrag: {{total}}.{{#coming_due_total}} In Kürze fällig: {{coming_due_total}}.{{/coming_due_total}}</p>
<p>Sicher handelt es sich um ein Versehen. Bitte überweisen Sie den überfälligen Betrag in den nächsten Tagen.</p>
{{#pay_link}}<p>Sie können auch online bezahlen: <a href="{{pay_link}}">{{pay_link}}</a></p>
{{/pay_link}}<p>Sollten Sie die Zahlung bereits veranlasst haben, betrachten Sie dieses Schreiben bitte als gegenstandslos.</p>
<p>Mit freundlichen Grüßen<br>Ihre Buchhaltung</p>$t$,
 ARRAY['Rechnung', 'Fällig am', 'Tage überfällig', 'Offener Betrag'], true),
-- reminder_2: second rung (e-mail; letter)
('reminder_2', 'en', $t$Second reminder: {{total}} overdue$t$,
 $t$<p>Dear {{customer_name}},</p>
<p>Despite our reminder, the following invoices are still unpaid{{#max_days_overdue}} (the oldest is {{max_days_overdue}} days overdue){{/max_days_overdue}}:</p>
{{invoice_table}}
<p>Amount overdue: {{total}}.{{#coming_due_total}} Falling due shortly: {{coming_due_total}}.{{/coming_due_total}}</p>
<p>Please pay the overdue amount without further delay. If anything about these invoices is in question, please contact us so that we can resolve it.</p>
{{#pay_link}}<p>Pay online: <a href="{{pay_link}}">{{pay_link}}</a></p>
{{/pay_link}}<p>Kind regards,<br>Accounts Receivable</p>$t$,
 ARRAY['Invoice', 'Due date', 'Days overdue', 'Open amount'], true),
('reminder_2', 'fr', $t$Deuxième rappel&nbsp;: {{total}} à régler$t$,
 $t$<p>{{customer_name}}{{#customer_ref}} – n° client {{customer_ref}}{{/customer_ref}}</p>
<p>Madame, Monsieur,</p>
<p>Malgré notre précédent rappel, les factures suivantes restent impayées{{#max_days_overdue}} (la plus ancienne est échue depuis {{max_days_overdue}} jours){{/max_days_overdue}}&nbsp;:</p>
{{invoice_table}}
<p>Montant échu&nbsp;: {{total}}.{{#coming_due_total}} À échoir prochainement&nbsp;: {{coming_due_total}}.{{/coming_due_total}}</p>
<p>Nous vous demandons de régler ce montant sans délai. Si ces factures appellent une réclamation de votre part, merci de nous contacter afin que nous puissions la traiter.</p>
{{#pay_link}}<p>Régler en ligne&nbsp;: <a href="{{pay_link}}">{{pay_link}}</a></p>
{{/pay_link}}<p>Cordialement,<br>Le service Recouvrement</p>$t$,
 ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('reminder_2', 'de', $t$Mahnung: {{total}} überfällig$t$,
 $t$<p>{{customer_name}}{{#customer_ref}}, Kundennummer {{customer_ref}}{{/customer_ref}}</p>
<p>Sehr geehrte Damen und Herren,</p>
<p>trotz unserer Zahlungserinnerung sind die folgenden Rechnungen weiterhin offen{{#max_days_overdue}} (die älteste ist seit {{max_days_overdue}} Tagen überfällig){{/max_days_overdue}}:</p>
{{invoice_table}}
<p>Überfälliger Betrag: {{total}}.{{#coming_due_total}} In Kürze fällig: {{coming_due_total}}.{{/coming_due_total}}</p>
<p>Wir bitten Sie, den überfälligen Betrag umgehend zu begleichen. Sollten Sie Einwände gegen diese Rechnungen haben, setzen Sie sich bitte mit uns in Verbindung.</p>
{{#pay_link}}<p>Online bezahlen: <a href="{{pay_link}}">{{pay_link}}</a></p>
{{/pay_link}}<p>Mit freundlichen Grüßen<br>Ihre Buchhaltung</p>$t$,
 ARRAY['Rechnung', 'Fällig am', 'Tage überfällig', 'Offener Betrag'], true),
-- call: collector call (a call or task for the collector)
('call', 'en', $t$Call {{customer_name}}: {{total}} overdue$t$,
 $t$<p>Call {{customer_name}}{{#customer_ref}} ({{customer_ref}}){{/customer_ref}} about its overdue invoices ({{invoice_count}}, {{total}}{{#max_days_overdue}}; the oldest is {{max_days_overdue}} days overdue{{/max_days_overdue}}).</p>
{{invoice_table}}
{{#promise_date}}<p>Open promise to pay: {{promise_date}}.</p>
{{/promise_date}}<p>Agree a payment date and record it as a promise to pay, or record the dispute.</p>$t$,
 ARRAY['Invoice', 'Due date', 'Days overdue', 'Open amount'], true),
('call', 'fr', $t$Appeler {{customer_name}}&nbsp;: {{total}} échu$t$,
 $t$<p>Appeler {{customer_name}}{{#customer_ref}} ({{customer_ref}}){{/customer_ref}} au sujet de ses factures échues ({{invoice_count}}, {{total}}{{#max_days_overdue}}, la plus ancienne échue depuis {{max_days_overdue}} jours{{/max_days_overdue}}).</p>
{{invoice_table}}
{{#promise_date}}<p>Promesse de paiement en cours&nbsp;: {{promise_date}}.</p>
{{/promise_date}}<p>Convenir d'une date de paiement et l'enregistrer comme promesse de paiement, ou enregistrer le litige.</p>$t$,
 ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('call', 'de', $t${{customer_name}} anrufen: {{total}} überfällig$t$,
 $t$<p>{{customer_name}}{{#customer_ref}} ({{customer_ref}}){{/customer_ref}} wegen der überfälligen Rechnungen anrufen ({{invoice_count}}, {{total}}{{#max_days_overdue}}; die älteste ist seit {{max_days_overdue}} Tagen überfällig{{/max_days_overdue}}).</p>
{{invoice_table}}
{{#promise_date}}<p>Offenes Zahlungsversprechen: {{promise_date}}.</p>
{{/promise_date}}<p>Einen Zahlungstermin vereinbaren und als Zahlungsversprechen erfassen, oder die Reklamation erfassen.</p>$t$,
 ARRAY['Rechnung', 'Fällig am', 'Tage überfällig', 'Offener Betrag'], true),
-- formal_notice: formal notice (letter; e-mail): fr mise en demeure, de letzte Mahnung mit Fristsetzung
('formal_notice', 'en', $t$Final demand before legal action: {{total}}$t$,
 $t$<p><strong>Final demand before legal action</strong></p>
<p>Dear {{customer_name}},</p>
<p>Despite our previous reminders, the following invoices remain unpaid:</p>
{{invoice_table}}
<p>Amount overdue: {{total}}.</p>
{{#charges}}<p>Late-payment charges to date: {{charges}}.<br>Total now due: {{total_with_charges}}.</p>
{{/charges}}<p>We require payment of the amount due within 8 days of receipt of this letter. If payment is not received by then, we will start legal proceedings to recover the debt without further notice.</p>
{{#pay_link}}<p>You can pay online: <a href="{{pay_link}}">{{pay_link}}</a></p>
{{/pay_link}}<p>If you have paid in the meantime, please disregard this letter.</p>
<p>Yours faithfully,<br>Accounts Receivable</p>$t$,
 ARRAY['Invoice', 'Due date', 'Days overdue', 'Open amount'], true),
('formal_notice', 'fr', $t$Mise en demeure de payer&nbsp;: {{total}}$t$,
 $t$<p>{{customer_name}}{{#customer_ref}} – n° client {{customer_ref}}{{/customer_ref}}</p>
<p><strong>Objet&nbsp;: mise en demeure de payer</strong></p>
<p>Madame, Monsieur,</p>
<p>Malgré nos relances, les factures suivantes demeurent impayées&nbsp;:</p>
{{invoice_table}}
<p>Montant principal échu&nbsp;: {{total}}.</p>
{{#charges}}<p>Pénalités de retard et indemnités à ce jour&nbsp;: {{charges}}.<br>Total exigible&nbsp;: {{total_with_charges}}.</p>
{{/charges}}<p>Par la présente, nous vous mettons en demeure de nous régler la somme due dans un délai de huit jours à compter de la réception de ce courrier. À défaut, nous engagerons une procédure judiciaire de recouvrement sans autre avis.</p>
{{#pay_link}}<p>Vous pouvez régler en ligne&nbsp;: <a href="{{pay_link}}">{{pay_link}}</a></p>
{{/pay_link}}<p>Si votre règlement nous est parvenu entre-temps, nous vous prions de ne pas tenir compte de ce courrier.</p>
<p>Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.</p>
<p>Le service Recouvrement</p>$t$,
 ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('formal_notice', 'de', $t$Letzte Mahnung: {{total}}$t$,
 $t$<p>{{customer_name}}{{#customer_ref}}, Kundennummer {{customer_ref}}{{/customer_ref}}</p>
<p><strong>Letzte Mahnung mit Fristsetzung</strong></p>
<p>Sehr geehrte Damen und Herren,</p>
<p>trotz unserer Mahnungen sind die folgenden Rechnungen weiterhin unbezahlt:</p>
{{invoice_table}}
<p>Überfälliger Betrag: {{total}}.</p>
{{#charges}}<p>Bisher angefallene Verzugskosten: {{charges}}.<br>Jetzt fälliger Gesamtbetrag: {{total_with_charges}}.</p>
{{/charges}}<p>Wir fordern Sie hiermit letztmalig auf, den fälligen Betrag innerhalb von 8 Tagen nach Zugang dieses Schreibens zu begleichen. Geht die Zahlung nicht fristgerecht ein, werden wir ohne weitere Ankündigung gerichtliche Schritte einleiten.</p>
{{#pay_link}}<p>Sie können auch online bezahlen: <a href="{{pay_link}}">{{pay_link}}</a></p>
{{/pay_link}}<p>Sollten Sie die Zahlung inzwischen geleistet haben, betrachten Sie dieses Schreiben bitte als gegenstandslos.</p>
<p>Mit freundlichen Grüßen<br>Ihre Buchhaltung</p>$t$,
 ARRAY['Rechnung', 'Fällig am', 'Tage überfällig', 'Offener Betrag'], true),
-- legal: legal escalation (the hand-over, for the collector)
('legal', 'en', $t$Legal collection: {{customer_name}}, {{total}}$t$,
 $t$<p>Hand the account of {{customer_name}}{{#customer_ref}} ({{customer_ref}}){{/customer_ref}} over to legal collection.</p>
<p>Amount overdue: {{total}}.{{#charges}} Charges: {{charges}}. Total claimed: {{total_with_charges}}.{{/charges}}</p>
{{invoice_table}}
<p>Automated reminders stop until the legal case is closed.</p>$t$,
 ARRAY['Invoice', 'Due date', 'Days overdue', 'Open amount'], true),
('legal', 'fr', $t$Contentieux&nbsp;: {{customer_name}}, {{total}}$t$,
 $t$<p>Transmettre le dossier de {{customer_name}}{{#customer_ref}} ({{customer_ref}}){{/customer_ref}} au contentieux.</p>
<p>Montant principal échu&nbsp;: {{total}}.{{#charges}} Pénalités&nbsp;: {{charges}}. Total réclamé&nbsp;: {{total_with_charges}}.{{/charges}}</p>
{{invoice_table}}
<p>Les relances automatiques sont suspendues jusqu'à la clôture du dossier contentieux.</p>$t$,
 ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('legal', 'de', $t$Rechtliche Schritte: {{customer_name}}, {{total}}$t$,
 $t$<p>Die Forderungen gegen {{customer_name}}{{#customer_ref}} ({{customer_ref}}){{/customer_ref}} an das Inkasso bzw. die Rechtsabteilung übergeben.</p>
<p>Überfälliger Betrag: {{total}}.{{#charges}} Verzugskosten: {{charges}}. Gesamtforderung: {{total_with_charges}}.{{/charges}}</p>
{{invoice_table}}
<p>Automatische Mahnungen ruhen, bis der Rechtsfall abgeschlossen ist.</p>$t$,
 ARRAY['Rechnung', 'Fällig am', 'Tage überfällig', 'Offener Betrag'], true),
-- sms_reminder: SMS: one message, no payment link (a signed link alone fills an SMS)
('sms_reminder', 'en', $t$$t$,
 $t${{customer_name}}: reminder, {{total}} overdue (invoices {{invoice_table}}). Please pay without delay.$t$,
 NULL, true),
('sms_reminder', 'fr', $t$$t$,
 $t${{customer_name}}&nbsp;: rappel, montant échu {{total}} (factures {{invoice_table}}). Merci de régler sans délai.$t$,
 NULL, true),
('sms_reminder', 'de', $t$$t$,
 $t${{customer_name}}: Erinnerung, {{total}} überfällig (Rechnungen {{invoice_table}}). Bitte zahlen Sie umgehend.$t$,
 NULL, true),
-- thanks: legacy thanks step (0.2.0 scenarios)
('thanks', 'en', $t$Thank you for your payment$t$,
 $t$<p>Dear {{customer_name}},</p>
<p>Thank you for your payment.</p>
<p>Kind regards,<br>Accounts Receivable</p>$t$,
 NULL, true),
('thanks', 'fr', $t$Merci pour votre règlement$t$,
 $t$<p>{{customer_name}}{{#customer_ref}} – n° client {{customer_ref}}{{/customer_ref}}</p>
<p>Madame, Monsieur,</p>
<p>Nous vous remercions de votre règlement.</p>
<p>Cordialement,<br>Le service Recouvrement</p>$t$,
 NULL, true),
('thanks', 'de', $t$Vielen Dank für Ihre Zahlung$t$,
 $t$<p>{{customer_name}}{{#customer_ref}}, Kundennummer {{customer_ref}}{{/customer_ref}}</p>
<p>Sehr geehrte Damen und Herren,</p>
<p>vielen Dank für Ihre Zahlung.</p>
<p>Mit freundlichen Grüßen<br>Ihre Buchhaltung</p>$t$,
 NULL, true),
-- payment_confirmation: payment confirmation (channel thanks): settled items, what remains open
('payment_confirmation', 'en', $t$Payment received: thank you$t$,
 $t$<p>Dear {{customer_name}},</p>
<p>Thank you for your payment. It has settled the following invoices:</p>
{{invoice_table}}
<p>Total settled: {{total}}.</p>
{{#remaining}}<p>Still open on your account (including invoices not yet due): {{remaining}}.</p>
{{/remaining}}{{^remaining}}<p>Your account is now fully settled.</p>
{{/remaining}}<p>Kind regards,<br>Accounts Receivable</p>$t$,
 ARRAY['Invoice', 'Due date', 'Paid on', 'Amount settled'], true),
('payment_confirmation', 'fr', $t$Paiement reçu&nbsp;: merci$t$,
 $t$<p>{{customer_name}}{{#customer_ref}} – n° client {{customer_ref}}{{/customer_ref}}</p>
<p>Madame, Monsieur,</p>
<p>Nous vous remercions de votre règlement, qui solde les factures suivantes&nbsp;:</p>
{{invoice_table}}
<p>Total réglé&nbsp;: {{total}}.</p>
{{#remaining}}<p>Reste dû sur votre compte (y compris les factures non encore échues)&nbsp;: {{remaining}}.</p>
{{/remaining}}{{^remaining}}<p>Votre compte est désormais soldé.</p>
{{/remaining}}<p>Cordialement,<br>Le service Recouvrement</p>$t$,
 ARRAY['Facture', 'Échéance', 'Réglée le', 'Montant réglé'], true),
('payment_confirmation', 'de', $t$Zahlungseingang: vielen Dank$t$,
 $t$<p>{{customer_name}}{{#customer_ref}}, Kundennummer {{customer_ref}}{{/customer_ref}}</p>
<p>Sehr geehrte Damen und Herren,</p>
<p>vielen Dank für Ihre Zahlung. Damit sind die folgenden Rechnungen beglichen:</p>
{{invoice_table}}
<p>Beglichen insgesamt: {{total}}.</p>
{{#remaining}}<p>Auf Ihrem Konto noch offen (einschließlich noch nicht fälliger Rechnungen): {{remaining}}.</p>
{{/remaining}}{{^remaining}}<p>Ihr Konto ist damit vollständig ausgeglichen.</p>
{{/remaining}}<p>Mit freundlichen Grüßen<br>Ihre Buchhaltung</p>$t$,
 ARRAY['Rechnung', 'Fällig am', 'Bezahlt am', 'Beglichener Betrag'], true),
-- instalment_reminder: missed instalment of a payment plan
('instalment_reminder', 'en', $t$Payment plan: instalment of {{instalment_amount}} due on {{instalment_due_on}}$t$,
 $t$<p>Dear {{customer_name}},</p>
<p>The instalment of {{instalment_amount}} due on {{instalment_due_on}} under the payment plan we agreed has not reached us.</p>
<p>Please pay it now so that the plan can continue. If it is not received within a few days, the plan will end and our usual reminders will resume for the remaining amount.</p>
<p>Still open under the plan: {{total}}, on these invoices:</p>
{{invoice_table}}
{{#pay_link}}<p>Pay online: <a href="{{pay_link}}">{{pay_link}}</a></p>
{{/pay_link}}<p>If you have paid in the meantime, please disregard this message.</p>
<p>Kind regards,<br>Accounts Receivable</p>$t$,
 ARRAY['Invoice', 'Due date', 'Days overdue', 'Open amount'], true),
('instalment_reminder', 'fr', $t$Échéancier&nbsp;: échéance de {{instalment_amount}} du {{instalment_due_on}} impayée$t$,
 $t$<p>{{customer_name}}{{#customer_ref}} – n° client {{customer_ref}}{{/customer_ref}}</p>
<p>Madame, Monsieur,</p>
<p>L'échéance de {{instalment_amount}} prévue le {{instalment_due_on}} dans le cadre de l'échéancier convenu ne nous est pas parvenue.</p>
<p>Nous vous remercions de la régler dès à présent afin de maintenir l'échéancier. À défaut de règlement sous quelques jours, l'échéancier prendra fin et nos relances reprendront pour le solde.</p>
<p>Reste dû au titre de l'échéancier&nbsp;: {{total}}, sur les factures suivantes&nbsp;:</p>
{{invoice_table}}
{{#pay_link}}<p>Régler en ligne&nbsp;: <a href="{{pay_link}}">{{pay_link}}</a></p>
{{/pay_link}}<p>Si votre règlement nous est parvenu entre-temps, nous vous prions de ne pas tenir compte de ce message.</p>
<p>Cordialement,<br>Le service Recouvrement</p>$t$,
 ARRAY['Facture', 'Échéance', 'Jours de retard', 'Montant dû'], true),
('instalment_reminder', 'de', $t$Ratenzahlung: Rate über {{instalment_amount}} vom {{instalment_due_on}} offen$t$,
 $t$<p>{{customer_name}}{{#customer_ref}}, Kundennummer {{customer_ref}}{{/customer_ref}}</p>
<p>Sehr geehrte Damen und Herren,</p>
<p>die am {{instalment_due_on}} fällige Rate über {{instalment_amount}} aus der vereinbarten Ratenzahlung ist bei uns nicht eingegangen.</p>
<p>Bitte überweisen Sie die Rate umgehend, damit die Ratenvereinbarung bestehen bleibt. Geht die Zahlung nicht innerhalb weniger Tage ein, endet die Vereinbarung und wir mahnen den Restbetrag wieder wie üblich an.</p>
<p>Im Rahmen der Ratenzahlung noch offen: {{total}}, für folgende Rechnungen:</p>
{{invoice_table}}
{{#pay_link}}<p>Online bezahlen: <a href="{{pay_link}}">{{pay_link}}</a></p>
{{/pay_link}}<p>Sollten Sie inzwischen gezahlt haben, betrachten Sie dieses Schreiben bitte als gegenstandslos.</p>
<p>Mit freundlichen Grüßen<br>Ihre Buchhaltung</p>$t$,
 ARRAY['Rechnung', 'Fällig am', 'Tage überfällig', 'Offener Betrag'], true)
    ON CONFLICT (template_key, language) DO UPDATE
       SET subject = EXCLUDED.subject, body = EXCLUDED.body, table_header = EXCLUDED.table_header
     WHERE t.seeded;
    PERFORM pg_catalog.set_config('dunning.seeding', 'off', true);
END
$fn$;
COMMENT ON FUNCTION dunning_internal.seed_templates() IS
    'writes the shipped templates (install and every update; internal)';
SELECT dunning_internal.seed_templates();
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
