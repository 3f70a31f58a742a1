-- sample_ledger.sql: a realistic, deterministic sample receivable ledger for
-- the dunning extension, with labelled payments (the lettering test set).
--
--   psql -v ON_ERROR_STOP=1 -v customers=1000 -v seed=42 -v years=3 \
--        -v as_of=2026-11-23 -f scripts/sample_ledger.sql
--
-- Run it in a database where CREATE EXTENSION dunning was done and the ledger
-- is empty.  Every pseudo-random number is a hash of (seed, entity key,
-- purpose), never random(): the data depends only on (seed, customers, years,
-- as_of), whatever the plan (parallel or not).  See doc/sample_ledger.md.

-- Run as a superuser, the script resolves pg_catalog and dunning objects
-- only: the search path is pg_catalog (and this session's own temporary
-- schema) while it runs, so no function or operator that another role
-- planted in public can be called; everything else is schema-qualified.
SELECT pg_catalog.current_setting('search_path') AS sl_search_path \gset
SET search_path = pg_catalog, pg_temp;

\if :{?customers}
\else
\set customers 1000
\endif
\if :{?seed}
\else
\set seed 42
\endif
\if :{?years}
\else
\set years 3
\endif
\if :{?as_of}
\else
\set as_of 2026-11-23
\endif
\if :{?quiet}
\else
\set quiet false
\endif

-- Validate the variables and derive the dates.
SELECT (:customers)::int AS sl_customers,
       (:seed)::bigint AS sl_seed,
       (:years)::int AS sl_years,
       (:'as_of')::date AS sl_as_of,
       ((:'as_of')::date - make_interval(years => (:years)::int))::date + 1 AS sl_start,
       (:'as_of')::date - 45 AS sl_cutoff,
       clock_timestamp() AS sl_t0,
       (:customers)::int BETWEEN 1 AND 1000000
         AND (:years)::int BETWEEN 1 AND 10
         AND abs((:seed)::bigint) < 9000000000000000 AS sl_args_ok,
       NOT EXISTS (SELECT 1 FROM dunning.customer LIMIT 1)  -- (a select list: Citus plans it too)
         AND NOT EXISTS (SELECT 1 FROM dunning.invoice LIMIT 1)
         AND NOT EXISTS (SELECT 1 FROM dunning.payment LIMIT 1) AS sl_ledger_empty
\gset
\if :sl_args_ok
\else
DO $$BEGIN RAISE EXCEPTION 'sample_ledger: customers must be 1..1000000, years 1..10, |seed| < 9e15'; END$$;
\quit
\endif
\if :sl_ledger_empty
\else
DO $$BEGIN RAISE EXCEPTION 'sample_ledger: the ledger is not empty (dunning.customer, dunning.invoice or dunning.payment has rows); run the generator on a fresh CREATE EXTENSION dunning'; END$$;
\quit
\endif

BEGIN;
-- Big sorts and CTEs: spare the temporary files (this transaction only).
SET LOCAL work_mem = '256MB';
-- The expressions are long: JIT would spend seconds compiling them.
SET LOCAL jit = off;
SET LOCAL client_min_messages = warning;
-- created_at values are local times of a UTC day, whatever the session's zone.
SET LOCAL TimeZone = 'UTC';
DROP SCHEMA IF EXISTS dunning_sample CASCADE;
CREATE SCHEMA dunning_sample;
COMMENT ON SCHEMA dunning_sample IS
    'sample ledger generator side tables: customer payment profiles and the truth of every payment';

CREATE TABLE dunning_sample.params AS
SELECT :sl_seed::bigint AS seed, :sl_customers::int AS customers, :sl_years::int AS years,
       :'sl_as_of'::date AS as_of, :'sl_start'::date AS period_start,
       :'sl_cutoff'::date AS lettered_before;
COMMENT ON TABLE dunning_sample.params IS 'the variables of the run that generated the ledger';

-----------------------------------------------------------------------------
-- Pseudo-random numbers: hashes of (seed, key, salt).  Keys are < 2^32 (the
-- 64-bit hash folds its input to 32 bits), salts < 1000.  The SQL-standard
-- bodies (RETURN ...) take the seed from psql and are inlined by the planner.
-----------------------------------------------------------------------------
-- uniform in [0, 1)
CREATE FUNCTION dunning_sample.u(k bigint, salt int) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN ((hashint8extended(k, :sl_seed::bigint * 1000 + salt) >> 11) & 9007199254740991)::float8
       / 9007199254740992.0;
-- integer in [0, n)
CREATE FUNCTION dunning_sample.ui(k bigint, salt int, n int) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN floor(dunning_sample.u(k, salt) * n)::int;
-- standard normal (Box-Muller)
CREATE FUNCTION dunning_sample.z(k bigint, salt int) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN sqrt(-2 * ln(dunning_sample.u(k, salt) + 1e-17))
       * cos(2 * pi() * dunning_sample.u(k, salt + 500));
-- one element of an array
CREATE FUNCTION dunning_sample.pick(a text[], k bigint, salt int) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN a[1 + dunning_sample.ui(k, salt, cardinality(a))];
-- n random digits (n <= 30)
CREATE FUNCTION dunning_sample.digits(k bigint, salt int, n int) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN right(lpad(floor(dunning_sample.u(k, salt) * 1e15)::bigint::text, 15, '0')
             || lpad(floor(dunning_sample.u(k, salt + 1) * 1e15)::bigint::text, 15, '0'), n);

-----------------------------------------------------------------------------
-- Check digits (doc: /work/shared/domain.md, "Structured payment references")
-----------------------------------------------------------------------------
-- letters to digits, A=10 .. Z=35
CREATE FUNCTION dunning_sample.letters_to_digits(s text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
       replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
       replace(replace(replace(replace(replace(replace(upper(s),
       'A', '10'), 'B', '11'), 'C', '12'), 'D', '13'), 'E', '14'), 'F', '15'), 'G', '16'),
       'H', '17'), 'I', '18'), 'J', '19'), 'K', '20'), 'L', '21'), 'M', '22'), 'N', '23'),
       'O', '24'), 'P', '25'), 'Q', '26'), 'R', '27'), 'S', '28'), 'T', '29'), 'U', '30'),
       'V', '31'), 'W', '32'), 'X', '33'), 'Y', '34'), 'Z', '35');
CREATE FUNCTION dunning_sample.mod97(s text) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN (dunning_sample.letters_to_digits(s)::numeric % 97)::int;
-- ISO 11649: RF + check + base, check = 98 - (base || 'RF00') mod 97
CREATE FUNCTION dunning_sample.rf(base text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN 'RF' || lpad((98 - dunning_sample.mod97(base || 'RF00'))::text, 2, '0') || upper(base);
-- Belgian structured communication: 10-digit base + base mod 97 (0 -> 97)
CREATE FUNCTION dunning_sample.ogm(base text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN base || lpad(coalesce(nullif(base::bigint % 97, 0), 97)::text, 2, '0');
-- IBAN from country and BBAN
CREATE FUNCTION dunning_sample.iban(cc text, bban text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN cc || lpad((98 - dunning_sample.mod97(bban || cc || '00'))::text, 2, '0') || bban;
-- printed forms
CREATE FUNCTION dunning_sample.print_groups(s text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN rtrim(regexp_replace(s, '(.{4})', '\1 ', 'g'));
CREATE FUNCTION dunning_sample.print_ogm(s text, star boolean) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN CASE WHEN star THEN '***' ELSE '+++' END
       || substr(s, 1, 3) || '/' || substr(s, 4, 4) || '/' || substr(s, 8, 5)
       || CASE WHEN star THEN '***' ELSE '+++' END;
-- accents dropped, as many banks do
CREATE FUNCTION dunning_sample.deaccent(s text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN replace(replace(replace(replace(translate(s,
       'àáâäãåçèéêëìíîïñòóôöõøùúûüýÿÀÁÂÄÃÅÇÈÉÊËÌÍÎÏÑÒÓÔÖÕØÙÚÛÜÝ',
       'aaaaaaceeeeiiiinoooooouuuuyyAAAAAACEEEEIIIINOOOOOOUUUUY'),
       'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe'), 'Œ', 'OE');

-- One or two typos in an invoice number: digit substitution, transposition,
-- O for 0, I or l for 1, a separator dropped or blanked, leading zeros of a
-- digit group dropped.  Never returns the number unchanged.
CREATE FUNCTION dunning_sample.typo(n text, k bigint) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    r text := n;
    s text;
    t int;
    p int;
    c text;
BEGIN
    FOR i IN 1 .. 1 + (dunning_sample.u(k, 900) < 0.2)::int LOOP
        t := dunning_sample.ui(k, 901 + i, 6);
        p := length(r) - dunning_sample.ui(k, 905 + i, least(4, length(r) - 1));
        s := r;
        IF t = 1 AND substr(r, p - 1, 1) <> substr(r, p, 1) THEN
            s := overlay(r placing substr(r, p, 1) || substr(r, p - 1, 1) from p - 1 for 2);
        ELSIF t = 2 AND strpos(r, '0') > 0 THEN
            s := regexp_replace(r, '0([^0]*)$', 'O\1');
        ELSIF t = 3 AND strpos(r, '1') > 0 THEN
            s := regexp_replace(r, '1([^1]*)$', CASE WHEN dunning_sample.u(k, 910 + i) < 0.7 THEN 'I\1' ELSE 'l\1' END);
        ELSIF t = 4 AND r ~ '[-/. ]' THEN
            s := regexp_replace(r, '[-/. ]', CASE WHEN dunning_sample.u(k, 910 + i) < 0.6 THEN '' ELSE ' ' END);
        ELSIF t = 5 AND r ~ '[^0-9]0+[0-9]' THEN
            s := regexp_replace(r, '([^0-9])0+([0-9])', '\1\2');
        END IF;
        IF s = r THEN
            c := substr(r, p, 1);
            s := overlay(r placing CASE WHEN c ~ '[0-9]'
                         THEN ((c::int + 1 + dunning_sample.ui(k, 915 + i, 9)) % 10)::text ELSE '7' END
                         from p for 1);
        END IF;
        r := s;
    END LOOP;
    IF r = n THEN   -- two typos that undo each other
        r := n || '1';
    END IF;
    RETURN r;
END
$fn$;

-----------------------------------------------------------------------------
-- Vocabulary: locales (country x language) and word lists per language
-----------------------------------------------------------------------------
CREATE TABLE dunning_sample.locale (
    ord int PRIMARY KEY, country char(2), lang text, weight float8,
    timezones text[], forms text[], alt_forms text[], currency char(3),
    phone_prefix text, phone_digits int, tld text, team text, cities text[]
);
INSERT INTO dunning_sample.locale VALUES
 (1, 'BE', 'nl', .105, '{Europe/Brussels}', '{NV,BV,BVBA,CommV,VOF}', '{N.V.,B.V.,B.V.B.A.,Comm.V.,V.O.F.}', 'EUR', '+32', 9, 'be', 'benelux', '{Antwerpen,Gent,Brugge,Leuven,Mechelen,Hasselt,Kortrijk,Aalst,Sint-Niklaas,Genk}'),
 (2, 'BE', 'fr', .070, '{Europe/Brussels}', '{SA,SRL,SPRL,SCRL,SNC}', '{S.A.,S.R.L.,S.P.R.L.,S.C.R.L.,S.N.C.}', 'EUR', '+32', 9, 'be', 'benelux', '{Bruxelles,Liège,Namur,Charleroi,Mons,Wavre,Tournai,Nivelles,Arlon}'),
 (3, 'BE', 'de', .005, '{Europe/Brussels}', '{AG,PGmbH}', '{A.G.,P.G.m.b.H.}', 'EUR', '+32', 9, 'be', 'benelux', '{Eupen,Sankt Vith,Kelmis}'),
 (4, 'FR', 'fr', .180, '{Europe/Paris}', '{SAS,SARL,SA,EURL,SNC,SASU}', '{S.A.S.,S.A.R.L.,S.A.,E.U.R.L.,S.N.C.,S.A.S.U.}', 'EUR', '+33', 9, 'fr', 'france', '{Paris,Lyon,Marseille,Toulouse,Lille,Nantes,Strasbourg,Bordeaux,Rennes,Orléans,Besançon,Nîmes}'),
 (5, 'DE', 'de', .170, '{Europe/Berlin}', '{GmbH,AG,GmbH & Co. KG,KG,e.K.,UG (haftungsbeschränkt)}', '{Gesellschaft mbH,Aktiengesellschaft,GmbH & Co KG,K.G.,e.Kfm.,UG}', 'EUR', '+49', 10, 'de', 'dach', '{Berlin,Hamburg,München,Köln,Frankfurt am Main,Stuttgart,Düsseldorf,Leipzig,Nürnberg,Bremen,Münster}'),
 (6, 'NL', 'nl', .110, '{Europe/Amsterdam}', '{B.V.,N.V.,V.O.F.,B.V.}', '{BV,NV,VOF,Besloten Vennootschap}', 'EUR', '+31', 9, 'nl', 'benelux', '{Amsterdam,Rotterdam,Utrecht,Eindhoven,Groningen,Tilburg,Breda,Zwolle,Arnhem,Den Haag}'),
 (7, 'GB', 'en', .090, '{Europe/London}', '{Ltd,Limited,PLC,LLP}', '{Limited,Ltd.,plc,L.L.P.}', 'GBP', '+44', 10, 'co.uk', 'uk-nordics', '{London,Manchester,Birmingham,Leeds,Bristol,Glasgow,Sheffield,Nottingham,Cardiff}'),
 (8, 'ES', 'es', .070, '{Europe/Madrid,Europe/Madrid,Europe/Madrid,Atlantic/Canary}', '{S.L.,S.A.,S.L.U.,S.Coop.}', '{SL,SA,SLU,Sociedad Cooperativa}', 'EUR', '+34', 9, 'es', 'south', '{Madrid,Barcelona,Valencia,Sevilla,Zaragoza,Málaga,Bilbao,Córdoba,Alicante}'),
 (9, 'IT', 'it', .070, '{Europe/Rome}', '{S.r.l.,S.p.A.,S.n.c.,S.a.s.}', '{SRL,SPA,SNC,SAS}', 'EUR', '+39', 10, 'it', 'south', '{Milano,Roma,Torino,Bologna,Firenze,Napoli,Verona,Padova,Brescia,Bergamo}'),
 (10, 'AT', 'de', .030, '{Europe/Vienna}', '{GmbH,AG,KG,OG}', '{Ges.m.b.H.,Aktiengesellschaft,K.G.,O.G.}', 'EUR', '+43', 10, 'at', 'dach', '{Wien,Graz,Linz,Salzburg,Innsbruck,Klagenfurt}'),
 (11, 'CH', 'de', .018, '{Europe/Zurich}', '{AG,GmbH}', '{A.G.,G.m.b.H.}', 'CHF', '+41', 9, 'ch', 'dach', '{Zürich,Basel,Bern,Luzern,St. Gallen,Winterthur}'),
 (12, 'CH', 'fr', .009, '{Europe/Zurich}', '{SA,Sàrl}', '{S.A.,Sarl}', 'CHF', '+41', 9, 'ch', 'dach', '{Genève,Lausanne,Fribourg,Neuchâtel,Sion}'),
 (13, 'CH', 'it', .003, '{Europe/Zurich}', '{SA,Sagl}', '{S.A.,S.a.g.l.}', 'CHF', '+41', 9, 'ch', 'dach', '{Lugano,Bellinzona,Locarno}'),
 (14, 'LU', 'fr', .012, '{Europe/Luxembourg}', '{S.A.,S.à r.l.,SCS}', '{SA,SARL,S.C.S.}', 'EUR', '+352', 8, 'lu', 'benelux', '{Luxembourg,Esch-sur-Alzette,Differdange,Dudelange}'),
 (15, 'LU', 'de', .008, '{Europe/Luxembourg}', '{S.A.,S.à r.l.}', '{SA,Sàrl}', 'EUR', '+352', 8, 'lu', 'benelux', '{Luxembourg,Ettelbruck,Diekirch,Grevenmacher}'),
 (16, 'IE', 'en', .020, '{Europe/Dublin}', '{Ltd,DAC,Limited}', '{Limited,D.A.C.,Ltd.}', 'EUR', '+353', 9, 'ie', 'uk-nordics', '{Dublin,Cork,Galway,Limerick,Waterford}'),
 (17, 'SE', 'sv', .020, '{Europe/Stockholm}', '{AB,HB}', '{Aktiebolag,Handelsbolag}', 'SEK', '+46', 9, 'se', 'uk-nordics', '{Stockholm,Göteborg,Malmö,Uppsala,Västerås,Örebro,Linköping}'),
 (18, 'US', 'en', .010, '{America/New_York,America/Chicago,America/Los_Angeles,America/Denver}', '{Inc.,LLC,Corp.}', '{Incorporated,L.L.C.,Corporation}', 'USD', '+1', 10, 'com', 'uk-nordics', '{New York,Chicago,Boston,Atlanta,Denver,Seattle,Austin}');

CREATE TABLE dunning_sample.words (
    lang text PRIMARY KEY, surnames text[], activities text[], brand_a text[], brand_b text[],
    patterns text[], mail_boxes text[], streets text[]
);
INSERT INTO dunning_sample.words VALUES
 ('fr', '{Dubois,Lefèvre,Martin,Bernard,Moreau,Laurent,Girard,Rousseau,Fontaine,Chevalier,Lambert,Dupont,Leclercq,Mercier,Faure,Bonnet,Gauthier,Perrin,Roussel,Lemaire,Dumont,Renard,Delacroix,Beaulieu,Marchand,Garnier,Noël,Brûlé,Vasseur,Hébert,Carré,Lefèbvre,Deschamps,Lecomte,Giraud,Barbier,Meunier,Boucher,Rivière,Ménard}',
        '{Transports,Boulangerie,Menuiserie,Électricité,Plomberie,Imprimerie,Distribution,Services,Informatique,Bâtiment,Logistique,Conseil,Traiteur,Garage,Peintures,Matériaux,Équipements,Emballages,Fromagerie,Chauffage,Nettoyage,Toitures,Métallerie,Carrosserie,Froid Industriel}',
        '{Nova,Techni,Agri,Euro,Alpha,Inter,Proxi,Géo,Multi,Bio,Hexa,Séquoia,Azur,Atlan,Océa}',
        '{tech,service,pôle,flex,logis,com,ouest,sud,nord,print,bat,data,net,plast,métal}',
        '{"{A} {S}","{S} {A}","Établissements {S}","{S} et Fils","{B}","{B} {A}","{S} & {S2}"}',
        '{comptabilite,compta,factures,contact,administration,info}',
        '{"rue de la Gare","avenue Louise","rue du Moulin","boulevard de l''Industrie","chemin des Prés","rue de l''Église","place du Marché","zoning industriel"}'),
 ('nl', '{Jansen,de Vries,van den Berg,van Dijk,Bakker,Visser,Smit,Meijer,de Boer,Mulder,de Groot,Bos,Vos,Peters,Hendriks,Janssens,Peeters,Maes,Jacobs,Mertens,Willems,Claes,Goossens,Wouters,De Smet,Vermeulen,Van Damme,Desmet,Verhoeven,Van de Velde,Lemmens,Dierckx,Claessens,Hermans,De Backer,Van Acker,Stevens,Verbeke,Coppens,Smets}',
        '{Bouw,Transport,Logistiek,Installatietechniek,Schilderwerken,Drukkerij,Bakkerij,Elektro,Metaal,Groothandel,Dakwerken,Houthandel,Tuinaanleg,Schoonmaak,Automatisering,Advies,Verhuur,Koeltechniek,Staalbouw,Voeding,Verpakkingen,Grondwerken,Carrosserie,Sanitair,Interieur}',
        '{Noord,Zuid,Oost,West,Delta,Polder,Vlaams,Euro,Tech,Pro,Maas,Schelde,Kempen,Duin,Linde}',
        '{bouw,tech,log,data,plan,groep,net,form,service,trans,staal,hout,print,com,energie}',
        '{"{S} {A}","{A} {S}","{S} & {S2}","{B}","{B} {A}","{S} {A} en Zonen","Gebroeders {S}"}',
        '{administratie,boekhouding,facturen,info,crediteuren,finance}',
        '{Stationsstraat,Kerkstraat,Industrieweg,Molenstraat,Dorpsstraat,Nijverheidslaan,Steenweg,Hoogstraat}'),
 ('de', '{Müller,Schmidt,Schneider,Fischer,Weber,Meyer,Wagner,Becker,Schulz,Hoffmann,Schäfer,Koch,Bauer,Richter,Klein,Wolf,Schröder,Neumann,Schwarz,Zimmermann,Braun,Krüger,Hofmann,Hartmann,Lange,Schmitt,Werner,Krause,Köhler,Groß,Weiß,Jäger,Böhm,Vogel,Fuchs,Lehmann,Keller,Haas,Brandt,Dietrich}',
        '{Bau,Maschinenbau,Elektrotechnik,Logistik,Metallbau,Holzbau,Haustechnik,Druckerei,Spedition,Handel,Autohaus,Gebäudereinigung,Software,Anlagenbau,Lebensmittel,Bäckerei,Sanitär,Fenster und Türen,Stahlhandel,Kältetechnik,Verpackung,Werkzeugbau,Garten- und Landschaftsbau,Dachtechnik,Kunststofftechnik}',
        '{Nord,Süd,Alpen,Rhein,Tech,Euro,Pro,Inno,Stahl,Werk,Main,Elb,Donau,Hansa,Berg}',
        '{werk,tec,systeme,technik,bau,logistik,handel,data,plan,form,metall,druck,energie,service,plast}',
        '{"{S} {A}","{A} {S}","{S} & {S2}","{B}","{B} {A}","{S} {A} und Service","Gebr. {S}"}',
        '{buchhaltung,rechnungen,info,kontakt,finanzen,verwaltung}',
        '{Hauptstraße,Bahnhofstraße,Industriestraße,Gewerbepark,Am Markt,Lindenweg,Schillerstraße,Mühlenweg}'),
 ('en', '{Smith,Jones,Taylor,Brown,Williams,Wilson,Johnson,Davies,Robinson,Wright,Thompson,Evans,Walker,White,Roberts,Green,Hall,Wood,Jackson,Clarke,Patel,Hughes,Edwards,Turner,O''Brien,Murphy,Kelly,Byrne,Walsh,Ryan,Harris,Lewis,Cooper,King,Baker,Morgan,Bennett,Carter,Mitchell,Shaw}',
        '{Engineering,Logistics,Building Services,Printing,Electrical,Plumbing,Consulting,Foods,Packaging,Software,Haulage,Construction,Facilities,Supplies,Motors,Interiors,Solutions,Systems,Trading,Joinery,Roofing,Fabrications,Hydraulics,Catering,Scaffolding}',
        '{North,Crown,Albion,Thames,Summit,Apex,Bright,Oak,Iron,Blue,Red,Kings,Harbour,Fern,Silver}',
        '{field,stone,bridge,gate,wood,tech,point,line,way,works,well,ford,dale,mark,star}',
        '{"{S} {A}","{S} & {S2}","{B}","{B} {A}","{S} and Sons","{S} {A} Group","{B} {A} Services"}',
        '{accounts,ap,finance,invoices,payables,office}',
        '{"High Street","Station Road","Mill Lane","Park Road","Church Street","Victoria Road","Industrial Estate","Queens Road"}'),
 ('es', '{García,Fernández,González,Rodríguez,López,Martínez,Sánchez,Pérez,Gómez,Martín,Jiménez,Ruiz,Hernández,Díaz,Moreno,Muñoz,Álvarez,Romero,Navarro,Torres,Domínguez,Vázquez,Ramos,Gil,Serrano,Peña,Ibáñez,Castro,Ortega,Rubio,Molina,Delgado,Morales,Ortiz,Marín,Núñez,Sáez,Medina,Garrido,Cortés}',
        '{Construcciones,Transportes,Distribuciones,Instalaciones,Suministros,Talleres,Ingeniería,Servicios,Alimentación,Hostelería,Reformas,Carpintería,Electricidad,Logística,Consultoría,Gráficas,Maquinaria,Embalajes,Climatización,Ferretería,Limpiezas,Aluminios,Montajes,Recambios,Cerámicas}',
        '{Ibérica,Hispano,Levante,Sol,Mar,Norte,Euro,Tecno,Grupo,Medi,Cantábrica,Astur,Bética,Galaica,Aragón}',
        '{tec,sur,net,logic,mar,sol,data,plan,ind,com,metal,print,energía,servi,plast}',
        '{"{A} {S}","{S} e Hijos","{B}","{A} {B}","{S} y {S2}","Hermanos {S}","{A} {S} y Asociados"}',
        '{contabilidad,facturas,administracion,info,pagos,proveedores}',
        '{"Calle Mayor","Avenida de la Constitución","Polígono Industrial","Calle Real","Paseo de Gracia","Calle del Carmen","Avenida de Andalucía"}'),
 ('it', '{Rossi,Russo,Ferrari,Esposito,Bianchi,Romano,Colombo,Ricci,Marino,Greco,Bruno,Gallo,Conti,De Luca,Mancini,Costa,Giordano,Rizzo,Lombardi,Moretti,Barbieri,Fontana,Santoro,Mariani,Rinaldi,Caruso,Ferrara,Galli,Martini,Leone,Longo,Gentile,Martinelli,Vitale,Lombardo,Serra,Coppola,De Santis,D''Angelo,Marchetti}',
        '{Costruzioni,Trasporti,Impianti,Meccanica,Arredamenti,Forniture,Servizi,Tipografia,Elettronica,Alimentari,Logistica,Edilizia,Ceramiche,Tessile,Informatica,Consulenze,Carpenteria,Serramenti,Pulizie,Macchine,Imballaggi,Termoidraulica,Autotrasporti,Verniciature,Stampaggio}',
        '{Italo,Euro,Tecno,Medi,Alpi,Adria,Tirreno,Nord,Sud,Lario,Etna,Vesuvio,Arno,Piave,Po}',
        '{tec,plast,metal,service,sistemi,log,data,form,line,com,impianti,print,energia,mec,tex}',
        '{"{A} {S}","{S} {A}","F.lli {S}","{B}","{S} & {S2}","{A} {B}","{S} {A} e Figli"}',
        '{amministrazione,contabilita,fatture,info,ufficio.acquisti,pagamenti}',
        '{"Via Roma","Via Garibaldi","Via dell''Industria","Corso Italia","Via Mazzini","Viale Europa","Via Cavour","Zona Industriale"}'),
 ('sv', '{Andersson,Johansson,Karlsson,Nilsson,Eriksson,Larsson,Olsson,Persson,Svensson,Gustafsson,Pettersson,Jonsson,Jansson,Hansson,Bengtsson,Jönsson,Lindberg,Jakobsson,Magnusson,Lindström,Olofsson,Lindqvist,Lindgren,Berg,Axelsson,Bergström,Lundberg,Lind,Lundgren,Lundqvist,Mattsson,Berglund,Fredriksson,Sandberg,Henriksson,Ström,Åberg,Söderberg,Nyström,Holm}',
        '{Bygg,Transport,Elektriska,Maskin,Konsult,Data,Måleri,Logistik,Rör,Trä,Livs,Verkstad,Tryckeri,Fastighetsservice,Städ,Montage,Teknik,Handel,Entreprenad,Plåt,Kyl,Mark,Glas,Förpackning,Frakt}',
        '{Nord,Syd,Väst,Öst,Skog,Berg,Sjö,Fjäll,Ek,Björk,Stål,Järn,Sol,Vind,Älv}',
        '{tek,bygg,data,service,form,plan,log,metall,print,system,kraft,hus,frakt,verk,gruppen}',
        '{"{S} {A}","{S}s {A}","{B}","{B} {A}","{S} & {S2}","{A} i {C}","{S} {A} och Söner"}',
        '{ekonomi,faktura,info,redovisning,kontakt,order}',
        '{Storgatan,Industrivägen,Kungsgatan,Drottninggatan,Järnvägsgatan,Skolgatan,Hamngatan}');

-----------------------------------------------------------------------------
-- Customers and their payment profiles (salts 1..99, key = customer_id)
-----------------------------------------------------------------------------
CREATE UNLOGGED TABLE dunning_sample._cust AS
WITH l AS (
    SELECT l.*, w.surnames, w.activities, w.brand_a, w.brand_b, w.patterns, w.mail_boxes, w.streets,
           (sum(weight) OVER (ORDER BY ord) - weight) / sum(weight) OVER () AS lo,
           CASE WHEN ord = max(ord) OVER () THEN 2
                ELSE sum(weight) OVER (ORDER BY ord) / sum(weight) OVER () END AS hi
      FROM dunning_sample.locale l JOIN dunning_sample.words w USING (lang)
), c AS (
    SELECT g::bigint AS id, dunning_sample.u(g, 1) AS u_loc, dunning_sample.u(g, 2) AS u_prof
      FROM generate_series(1, :sl_customers) g
), c1 AS MATERIALIZED (
    SELECT c.id, l.*,
           CASE WHEN c.u_prof < .505 THEN 'prompt' WHEN c.u_prof < .755 THEN 'slow'
                WHEN c.u_prof < .895 THEN 'erratic' WHEN c.u_prof < .975 THEN 'defaulting'
                ELSE 'big' END AS profile,
           dunning_sample.pick(l.surnames, c.id, 3) AS s1,
           dunning_sample.pick(l.surnames, c.id, 4) AS s2,
           dunning_sample.pick(l.activities, c.id, 5) AS act,
           initcap(dunning_sample.pick(l.brand_a, c.id, 6) || dunning_sample.pick(l.brand_b, c.id, 7)) AS brand,
           dunning_sample.pick(l.patterns, c.id, 8) AS pattern,
           dunning_sample.ui(c.id, 9, cardinality(l.forms)) + 1 AS form_no,
           dunning_sample.pick(l.cities, c.id, 10) AS city,
           dunning_sample.u(c.id, 11) AS u_ccy, dunning_sample.u(c.id, 12) AS u_alt,
           dunning_sample.u(c.id, 13) AS u_series, dunning_sample.u(c.id, 14) AS u_ref,
           dunning_sample.u(c.id, 15) AS u_active, dunning_sample.u(c.id, 16) AS u_churn
      FROM c JOIN l ON c.u_loc >= l.lo AND c.u_loc < l.hi
), c2 AS MATERIALIZED (
    SELECT c1.*,
           replace(replace(replace(replace(replace(pattern, '{S2}', CASE WHEN s2 = s1 THEN 'Partners' ELSE s2 END),
                   '{S}', s1), '{A}', act), '{B}', brand), '{C}', city) AS core,
           forms[form_no] AS legal_form, alt_forms[form_no] AS alt_legal_form,
           CASE WHEN country = 'GB' AND u_ccy < .85 OR country = 'CH' AND u_ccy < .75
                  OR country = 'SE' AND u_ccy < .8 OR country = 'US' THEN currency
                ELSE 'EUR' END AS main_currency
      FROM c1
), c3 AS MATERIALIZED (
    SELECT c2.*,
           CASE WHEN main_currency = 'EUR' AND u_alt < .05 THEN CASE WHEN u_alt < .03 THEN 'USD' ELSE 'GBP' END
                WHEN main_currency = 'GBP' AND u_alt < .10 THEN 'EUR' END AS alt_currency,
           CASE profile
                WHEN 'prompt' THEN -3 + 6 * dunning_sample.u(id, 20)
                WHEN 'slow' THEN 10 + 35 * dunning_sample.u(id, 20)
                WHEN 'erratic' THEN 25 + 10 * dunning_sample.u(id, 20)
                WHEN 'defaulting' THEN 40 + 50 * dunning_sample.u(id, 20)
                ELSE 3 + 20 * dunning_sample.u(id, 20) END AS mean_delay,
           CASE profile
                WHEN 'prompt' THEN 2 + 2 * dunning_sample.u(id, 21)
                WHEN 'slow' THEN 5 + 8 * dunning_sample.u(id, 21)
                WHEN 'erratic' THEN 29   -- uniform over -10..90 (sd of U(-10, 90))
                WHEN 'defaulting' THEN 25
                ELSE 5 END AS sd_delay,
           CASE profile
                WHEN 'defaulting' THEN .2 + .4 * dunning_sample.u(id, 22)
                WHEN 'erratic' THEN .01 ELSE .003 END AS default_share,
           CASE WHEN profile = 'big' THEN 120 + 250 * dunning_sample.u(id, 23)
                ELSE least(80, greatest(1, exp(ln(11) + .8 * dunning_sample.z(id, 23)))) END AS invoices_per_year,
           CASE WHEN profile = 'big' THEN exp(ln(3000) + .6 * dunning_sample.z(id, 24))
                ELSE least(50000, greatest(20, exp(ln(650) + 1.0 * dunning_sample.z(id, 24)))) END AS median_amount_eur,
           CASE WHEN dunning_sample.u(id, 25) < .5 THEN 30
                WHEN dunning_sample.u(id, 25) < .7 THEN 45
                WHEN dunning_sample.u(id, 25) < .9 THEN 60 ELSE 30 END AS terms_days,
           dunning_sample.u(id, 26) < CASE WHEN lang IN ('fr', 'es', 'it') THEN .35 ELSE .12 END AS end_of_month,
           CASE WHEN lang IN ('fr', 'es', 'it') THEN CASE WHEN u_series < .6 THEN 'B' ELSE 'A' END
                WHEN lang = 'nl' OR country = 'BE' THEN CASE WHEN u_series < .5 THEN 'C' ELSE 'A' END
                ELSE CASE WHEN u_series < .85 THEN 'A' ELSE 'C' END END AS series,
           CASE WHEN country = 'BE' THEN u_ref < .7 WHEN profile = 'big' THEN u_ref < .5
                ELSE u_ref < .25 END AS structured_ref,
           profile = 'big' OR dunning_sample.u(id, 27) < .10 AS batch_payer,
           profile <> 'big' AND dunning_sample.u(id, 28) < .08 AS recurring,
           CASE WHEN u_active < .72 THEN 0 ELSE (u_active - .72) / .28 * .9 END AS active_from_frac,
           CASE WHEN u_churn < .08 THEN .3 + .6 * dunning_sample.u(id, 29) ELSE 1 END AS active_to_frac
      FROM c2
)
SELECT id AS customer_id, country, lang, profile, core, legal_form, alt_legal_form,
       core || ' ' || legal_form AS name,
       dunning_sample.pick(timezones, id, 30) AS timezone,
       CASE WHEN profile = 'big' THEN 'key_account' WHEN median_amount_eur < 300 THEN 'micro'
            WHEN dunning_sample.u(id, 31) < .04 THEN 'public' ELSE 'sme' END AS segment,
       dunning_sample.pick(mail_boxes, id, 32) || '@'
         || trim(both '-' from regexp_replace(lower(dunning_sample.deaccent(
                CASE WHEN dunning_sample.u(id, 33) < .5 THEN core ELSE s1 || '-' || act END)),
                '[^a-z0-9]+', '-', 'g')) || '.' || tld AS email,
       phone_prefix || ' ' || dunning_sample.digits(id, 34, 1)::int % 9 + 1
         || regexp_replace(dunning_sample.digits(id, 35, phone_digits - 1), '(..)(?=.)', '\1 ', 'g') AS phone,
       CASE WHEN lang = 'en' THEN (1 + dunning_sample.ui(id, 36, 180)) || ' ' || dunning_sample.pick(streets, id, 37)
                                  || ', ' || city
            ELSE dunning_sample.pick(streets, id, 37) || ' ' || (1 + dunning_sample.ui(id, 36, 180))
                 || ', ' || CASE country WHEN 'NL' THEN dunning_sample.digits(id, 38, 4) || ' '
                                             || chr(65 + dunning_sample.ui(id, 39, 26)) || chr(65 + dunning_sample.ui(id, 40, 26))
                                         WHEN 'LU' THEN 'L-' || dunning_sample.digits(id, 38, 4)
                                         WHEN 'SE' THEN regexp_replace(dunning_sample.digits(id, 38, 5), '(...)(..)', '\1 \2')
                                         WHEN 'BE' THEN (1000 + dunning_sample.ui(id, 38, 9000))::text
                                         WHEN 'AT' THEN (1000 + dunning_sample.ui(id, 38, 9000))::text
                                         WHEN 'CH' THEN (1000 + dunning_sample.ui(id, 38, 9000))::text
                                         ELSE (10000 + dunning_sample.ui(id, 38, 89999))::text END
                 || ' ' || city END
         || ', ' || country AS postal_address,
       main_currency, alt_currency, CASE WHEN alt_currency IS NOT NULL THEN .25 ELSE 0 END AS alt_share,
       round(mean_delay::numeric, 1) AS mean_delay, round(sd_delay::numeric, 1) AS sd_delay,
       round(default_share::numeric, 3) AS default_share,
       round(invoices_per_year::numeric, 1) AS invoices_per_year,
       round(median_amount_eur::numeric, 2) AS median_amount_eur,
       terms_days, end_of_month, series, structured_ref, batch_payer,
       CASE WHEN profile = 'big' THEN 'weekly' WHEN batch_payer THEN 'monthly' END AS pay_run,
       recurring, active_from_frac, active_to_frac,
       team AS collector,
       -- IBANs: one or two per customer (none for the US)
       (SELECT array_agg(dunning_sample.iban(cc, bban) ORDER BY n)
          FROM (SELECT n, country AS cc,
                       CASE country
                        WHEN 'BE' THEN dunning_sample.ogm(dunning_sample.digits(id * 4 + n, 41, 10))
                        WHEN 'FR' THEN b || br || ac || lpad((97 - (89 * b::bigint + 15 * br::bigint
                                        + 3 * ac::bigint) % 97)::text, 2, '0')
                        WHEN 'DE' THEN dunning_sample.digits(id * 4 + n, 41, 18)
                        WHEN 'AT' THEN dunning_sample.digits(id * 4 + n, 41, 16)
                        WHEN 'NL' THEN dunning_sample.pick('{ABNA,INGB,RABO,SNSB,TRIO,KNAB,BUNQ,ASNB}', id * 4 + n, 42)
                                       || dunning_sample.digits(id * 4 + n, 41, 10)
                        WHEN 'GB' THEN dunning_sample.pick('{NWBK,BARC,LOYD,HBUK,MIDL}', id * 4 + n, 42)
                                       || dunning_sample.digits(id * 4 + n, 41, 14)
                        WHEN 'IE' THEN dunning_sample.pick('{AIBK,BOFI,IPBS}', id * 4 + n, 42)
                                       || dunning_sample.digits(id * 4 + n, 41, 14)
                        WHEN 'ES' THEN dunning_sample.digits(id * 4 + n, 41, 20)
                        WHEN 'IT' THEN chr(65 + dunning_sample.ui(id * 4 + n, 42, 26))
                                       || dunning_sample.digits(id * 4 + n, 41, 22)
                        WHEN 'CH' THEN dunning_sample.digits(id * 4 + n, 41, 17)
                        WHEN 'LU' THEN dunning_sample.digits(id * 4 + n, 41, 16)
                        WHEN 'SE' THEN dunning_sample.digits(id * 4 + n, 41, 20)
                       END AS bban
                  FROM (SELECT n, dunning_sample.digits(id * 4 + n, 43, 5) AS b,
                               dunning_sample.digits(id * 4 + n, 45, 5) AS br,
                               dunning_sample.digits(id * 4 + n, 47, 11) AS ac
                          FROM generate_series(1, 1 + (dunning_sample.u(id, 44) < .3)::int) n) g) x
         WHERE bban IS NOT NULL) AS ibans
  FROM c3;

INSERT INTO dunning.customer (customer_id, external_ref, name, email, phone, postal_address, country,
                              language, timezone, segment, credit_limit, collector, on_hold, created_at)
SELECT customer_id, 'C' || lpad(customer_id::text, 6, '0'), name, email, phone, postal_address, country,
       lang, timezone, segment,
       greatest(1000, round(median_amount_eur * invoices_per_year / 4
                            * CASE main_currency WHEN 'GBP' THEN .85 WHEN 'USD' THEN 1.08
                                                 WHEN 'CHF' THEN .95 WHEN 'SEK' THEN 11.3 ELSE 1 END / 500) * 500),
       collector, dunning_sample.u(customer_id, 50) < .01,
       (:'sl_start'::date + (active_from_frac * (:'sl_as_of'::date - :'sl_start'::date))::int
        - dunning_sample.ui(customer_id, 51, 400)) + make_interval(secs => dunning_sample.ui(customer_id, 52, 86400))
  FROM dunning_sample._cust ORDER BY customer_id;
SELECT setval(pg_get_serial_sequence('dunning.customer', 'customer_id'), :sl_customers) AS sl_x \gset

CREATE TABLE dunning_sample.customer_profile AS
SELECT customer_id, profile, mean_delay, sd_delay, default_share, invoices_per_year,
       median_amount_eur, main_currency, alt_currency, alt_share, terms_days, end_of_month,
       series, structured_ref, batch_payer, pay_run, recurring,
       :'sl_start'::date + (active_from_frac * (:'sl_as_of'::date - :'sl_start'::date))::int AS active_from,
       :'sl_start'::date + (active_to_frac * (:'sl_as_of'::date - :'sl_start'::date))::int AS active_to,
       ibans, core AS name_core, legal_form, alt_legal_form
  FROM dunning_sample._cust ORDER BY customer_id;
ALTER TABLE dunning_sample.customer_profile ADD PRIMARY KEY (customer_id);
COMMENT ON TABLE dunning_sample.customer_profile IS
    'hidden payment habits of each sample customer (what a payer-scoring model should recover)';
COMMENT ON COLUMN dunning_sample.customer_profile.profile IS 'prompt, slow, erratic, defaulting or big';
COMMENT ON COLUMN dunning_sample.customer_profile.mean_delay IS 'mean days paid after the due date (erratic: uniform -10..90)';
COMMENT ON COLUMN dunning_sample.customer_profile.default_share IS 'share of invoices never paid';
COMMENT ON COLUMN dunning_sample.customer_profile.series IS 'invoice number series: A INV-YYYY-NNNNNN, B FYY/NNNNN, C YYYYNNNN';
COMMENT ON COLUMN dunning_sample.customer_profile.structured_ref IS 'invoices carry a structured reference (OGM for BE, else RF)';
COMMENT ON COLUMN dunning_sample.customer_profile.batch_payer IS 'pays several invoices in one transfer (pay runs)';
COMMENT ON COLUMN dunning_sample.customer_profile.ibans IS 'the accounts the customer pays from';

-----------------------------------------------------------------------------
-- Invoice dates: a seasonal calendar (more in Q4 and at month end, fewer in
-- August, at Christmas and at weekends) turned into 100,000 quantiles.
-----------------------------------------------------------------------------
CREATE UNLOGGED TABLE dunning_sample._cal AS
SELECT d, off, sum(w) OVER (ORDER BY d) - w AS cum_before, sum(w) OVER (ORDER BY d) AS cum,
       sum(w) OVER () AS total
  FROM (SELECT d::date AS d, d::date - :'sl_start'::date AS off,
               ('{.95,1,1.08,1,1,1.05,.9,.55,1.05,1.1,1.2,1.25}'::float8[])[extract(month FROM d)::int]
               * CASE extract(isodow FROM d) WHEN 6 THEN .04 WHEN 7 THEN .01 ELSE 1 END
               * CASE WHEN to_char(d, 'MMDD') BETWEEN '1224' AND '1231' THEN .3
                      WHEN to_char(d, 'MMDD') = '0101' THEN .05 ELSE 1 END
               * CASE WHEN d::date >= (date_trunc('month', d) + interval '1 month - 3 days')::date THEN 1.6
                      ELSE 1 END AS w
          FROM generate_series(:'sl_start'::date, :'sl_as_of'::date, interval '1 day') d) x;
CREATE UNLOGGED TABLE dunning_sample._quant AS
SELECT i, off FROM (
    SELECT off, generate_series(floor(cum_before / total * 100000)::int,
                                floor(cum / total * 100000)::int - 1) AS i
      FROM dunning_sample._cal) x
 WHERE i < 100000;
ALTER TABLE dunning_sample._quant ADD PRIMARY KEY (i);

-----------------------------------------------------------------------------
-- Invoices (salts 100..199, key = customer_id * 4096 + k) and their fate:
-- when (and whether) they are paid.
-----------------------------------------------------------------------------
CREATE UNLOGGED TABLE dunning_sample._inv1 AS
WITH c AS MATERIALIZED (
    SELECT p.customer_id, p.profile, p.recurring, p.median_amount_eur, p.main_currency,
           p.alt_currency, p.alt_share, p.terms_days, p.end_of_month,
           floor(s.cum_before / s.total * 100000)::int AS q_lo,
           least(100000, greatest(floor(s.cum_before / s.total * 100000)::int + 1,
                                  floor(e.cum / e.total * 100000)::int)) AS q_hi,
           greatest(1, least(4000, floor(p.invoices_per_year * :sl_years * (e.cum - s.cum_before) / s.total
                                         + dunning_sample.u(p.customer_id, 60))))::int AS n_inv
      FROM dunning_sample.customer_profile p
      JOIN dunning_sample._cal s ON s.d = p.active_from
      JOIN dunning_sample._cal e ON e.d = p.active_to
), k AS (
    SELECT c.*, c.customer_id * 4096 + g AS key, g AS k
      FROM c, generate_series(1, c.n_inv) g
), a AS MATERIALIZED (
    SELECT k.*, :'sl_start'::date + q.off AS issued_on,
           CASE WHEN alt_currency IS NOT NULL AND dunning_sample.u(key, 103) < alt_share
                THEN alt_currency ELSE main_currency END AS currency,
           CASE WHEN recurring AND dunning_sample.u(key, 101) < .7 THEN median_amount_eur
                ELSE greatest(5, median_amount_eur * exp(.55 * dunning_sample.z(key, 102))) END AS eur
      FROM k JOIN dunning_sample._quant q
        ON q.i = k.q_lo + floor(dunning_sample.u(k.key, 100) * (k.q_hi - k.q_lo))::int
)
SELECT customer_id, k, key, issued_on, currency,
       CASE WHEN end_of_month
            THEN (date_trunc('month', issued_on + terms_days) + interval '1 month - 1 day')::date
            ELSE issued_on + terms_days END AS due_on,
       CASE WHEN NOT recurring AND dunning_sample.u(key, 104) < .12 AND eur >= 40
            THEN round(round((eur * fx / 10)::numeric) * 10, 2)
            ELSE round((eur * fx)::numeric, 2) END AS amount
  FROM (SELECT a.*, CASE currency WHEN 'GBP' THEN .85 WHEN 'USD' THEN 1.08 WHEN 'CHF' THEN .95
                                   WHEN 'SEK' THEN 11.3 ELSE 1 END::numeric AS fx FROM a) a;

-- Ids in date order, and the payment plan.
CREATE UNLOGGED TABLE dunning_sample._inv AS
WITH n AS (
    SELECT i.*, row_number() OVER (ORDER BY issued_on, customer_id, k) AS invoice_id
      FROM dunning_sample._inv1 i
), d AS MATERIALIZED (
    SELECT n.*, p.profile, p.pay_run,
           dunning_sample.u(key, 110) < p.default_share AS never_paid,
           dunning_sample.u(key, 111) < CASE p.profile WHEN 'erratic' THEN .05 WHEN 'defaulting' THEN .06
                                                       ELSE .025 END AS disputed,
           greatest(n.issued_on - n.due_on + 1,
                    CASE WHEN p.profile = 'erratic' THEN round(-10 + 100 * dunning_sample.u(key, 112))
                         ELSE round(p.mean_delay + p.sd_delay * dunning_sample.z(key, 112)) END)::int
           AS delay
      FROM n JOIN dunning_sample.customer_profile p USING (customer_id)
), t AS (
    SELECT d.*, due_on + delay + CASE WHEN disputed THEN 20 + dunning_sample.ui(key, 113, 80) ELSE 0 END AS target
      FROM d
), r AS (
    SELECT t.*, CASE pay_run
                  WHEN 'weekly' THEN target + (12 - extract(isodow FROM target)::int) % 7
                  WHEN 'monthly' THEN CASE WHEN extract(day FROM target) <= 25
                                           THEN date_trunc('month', target)::date + 24
                                           ELSE (date_trunc('month', target) + interval '1 month')::date + 24 END
                  ELSE target END AS run_on
      FROM t
)
SELECT invoice_id, customer_id, k, key, issued_on, due_on, amount, currency, profile, pay_run,
       never_paid, disputed, delay,
       run_on + CASE extract(isodow FROM run_on) WHEN 6 THEN 2 WHEN 7 THEN 1 ELSE 0 END AS pay_on
  FROM r;
ALTER TABLE dunning_sample._inv ADD PRIMARY KEY (invoice_id);

-- Credit notes (salts 200..249): ~3% of invoices, more when disputed; dated
-- between the invoice and its payment, full (cancels) or partial.
CREATE UNLOGGED TABLE dunning_sample._cn AS
SELECT (SELECT max(invoice_id) FROM dunning_sample._inv)
         + row_number() OVER (ORDER BY cn_on, invoice_id) AS cn_id, *
  FROM (SELECT i.invoice_id, i.customer_id, i.currency,
               i.issued_on + 1 + dunning_sample.ui(i.key, 202,
                   greatest(1, least(CASE WHEN i.never_paid THEN i.issued_on + 45 ELSE i.pay_on END,
                                     :'sl_as_of'::date) - i.issued_on - 1)) AS cn_on,
               CASE WHEN dunning_sample.u(i.key, 201) < .3 THEN -i.amount
                    ELSE -least(i.amount - .01, greatest(.01,
                            round(i.amount * (.05 + .45 * dunning_sample.u(i.key, 203))::numeric, 2))) END AS amount
          FROM dunning_sample._inv i
         WHERE i.issued_on < :'sl_as_of'::date - 1
           AND dunning_sample.u(i.key, 200) < CASE WHEN i.disputed THEN .4 ELSE .025 END) x;
ALTER TABLE dunning_sample._cn ADD PRIMARY KEY (cn_id);
CREATE UNIQUE INDEX ON dunning_sample._cn (invoice_id);

-- Numbers: per series, per year, invoices and credit notes apart.
CREATE UNLOGGED TABLE dunning_sample._doc AS
WITH docs AS (
    SELECT i.invoice_id, i.customer_id, i.issued_on, i.due_on, i.amount, i.currency, false AS is_cn, i.k
      FROM dunning_sample._inv i
    UNION ALL
    SELECT c.cn_id, c.customer_id, c.cn_on, c.cn_on, c.amount, c.currency, true, NULL
      FROM dunning_sample._cn c
), n AS (
    SELECT d.*, p.series, p.structured_ref, cu.country,
           extract(year FROM d.issued_on)::int AS y,
           row_number() OVER (PARTITION BY p.series, d.is_cn, extract(year FROM d.issued_on)
                              ORDER BY d.invoice_id)::text AS s
      FROM docs d JOIN dunning_sample.customer_profile p USING (customer_id)
      JOIN dunning.customer cu USING (customer_id)
), f AS MATERIALIZED (   -- (so that rf() and ogm() get plain columns and are inlined)
    SELECT n.*,
           CASE series || is_cn::int
             WHEN 'A0' THEN 'INV-' || y || '-' || lpad(s, greatest(6, length(s)), '0')
             WHEN 'A1' THEN 'CN-' || y || '-' || lpad(s, greatest(5, length(s)), '0')
             WHEN 'B0' THEN 'F' || lpad((y % 100)::text, 2, '0') || '/' || lpad(s, greatest(5, length(s)), '0')
             WHEN 'B1' THEN 'AV' || lpad((y % 100)::text, 2, '0') || '/' || lpad(s, greatest(5, length(s)), '0')
             WHEN 'C0' THEN y || lpad(s, greatest(4, length(s)), '0')
             ELSE 'CN' || y || lpad(s, greatest(4, length(s)), '0') END AS invoice_number,
           lpad((y % 100)::text, 2, '0') || lpad((invoice_id % 100000000)::text, 8, '0') AS ogm_base,
           lpad(customer_id::text, 7, '0') || lpad(k::text, 4, '0') AS rf_base
      FROM n
), g AS MATERIALIZED (
    SELECT f.*, regexp_replace(invoice_number, '[^A-Za-z0-9]', '', 'g') AS rf_number_base FROM f
)
SELECT invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency, is_cn,
       CASE WHEN is_cn OR NOT structured_ref THEN NULL
            WHEN country = 'BE' THEN dunning_sample.ogm(ogm_base)
            WHEN customer_id % 2 = 0 THEN dunning_sample.rf(rf_number_base)
            ELSE dunning_sample.rf(rf_base) END AS reference
  FROM g;
ALTER TABLE dunning_sample._doc ADD PRIMARY KEY (invoice_id);

INSERT INTO dunning.invoice (invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency,
                             reference, created_at)
SELECT invoice_id, customer_id, invoice_number, issued_on, due_on, amount, currency, reference,
       issued_on + make_interval(secs => 25200 + dunning_sample.ui(invoice_id, 150, 39600))
  FROM dunning_sample._doc ORDER BY invoice_id;
SELECT setval(pg_get_serial_sequence('dunning.invoice', 'invoice_id'), max(invoice_id)) AS sl_x
  FROM dunning_sample._doc \gset

CREATE TABLE dunning_sample.credit_note AS
SELECT cn_id AS credit_note_id, invoice_id, amount FROM dunning_sample._cn ORDER BY cn_id;
ALTER TABLE dunning_sample.credit_note ADD PRIMARY KEY (credit_note_id);
COMMENT ON TABLE dunning_sample.credit_note IS 'the invoice each sample credit note was issued for';

-----------------------------------------------------------------------------
-- Payment plan (salts 250..399): how each invoice paid by as_of was paid.
-----------------------------------------------------------------------------
CREATE UNLOGGED TABLE dunning_sample._plan AS
WITH i AS (
    SELECT i.invoice_id, i.customer_id, i.key, i.amount, i.currency, i.issued_on, i.pay_on, i.pay_run,
           d.invoice_number, d.reference, c.cn_id, c.amount AS cn_amount, cd.invoice_number AS cn_number,
           coalesce(lead(d.invoice_number) OVER w, lag(d.invoice_number) OVER w) AS other_number,
           coalesce(lead(d.reference) OVER w, lag(d.reference) OVER w) AS other_reference,
           coalesce(lead(i.amount) OVER w, lag(i.amount) OVER w) AS other_amount
      FROM dunning_sample._inv i
      JOIN dunning_sample._doc d USING (invoice_id)
      LEFT JOIN dunning_sample._cn c USING (invoice_id)
      LEFT JOIN dunning_sample._doc cd ON cd.invoice_id = c.cn_id
     WHERE NOT i.never_paid AND i.pay_on <= :'sl_as_of'::date
       AND (c.amount IS NULL OR c.amount <> -i.amount)
    WINDOW w AS (PARTITION BY i.customer_id, i.currency ORDER BY i.invoice_id)
), s AS (   -- kind of a single-invoice payment
    SELECT i.*, dunning_sample.u(key, 250) AS uk,
           CASE WHEN cn_id IS NOT NULL THEN 'credit_net'
                WHEN pay_run IS NOT NULL AND dunning_sample.u(key, 251) < .85 THEN 'multi' END AS pre
      FROM i
), g AS (   -- batch payers: one transfer per pay run, at most 5 invoices
    SELECT s.*,
           CASE WHEN pre = 'multi'
                THEN (row_number() OVER (PARTITION BY customer_id, currency, pay_on, pre ORDER BY invoice_id) - 1) / 5
           END AS chunk
      FROM s
), h AS (
    SELECT g.*,
           CASE WHEN pre = 'multi' THEN count(*) OVER (PARTITION BY customer_id, currency, pay_on, pre, chunk) END AS n_group,
           CASE WHEN pre = 'multi' THEN min(invoice_id) OVER (PARTITION BY customer_id, currency, pay_on, pre, chunk) END AS group_min
      FROM g
)
SELECT h.invoice_id, h.customer_id, h.key, h.amount, h.currency, h.issued_on, h.pay_on,
       h.invoice_number, h.reference, h.cn_id, h.cn_amount, h.cn_number,
       h.other_number, h.other_reference,
       CASE WHEN pre = 'credit_net' THEN 'credit_net'
            WHEN pre = 'multi' AND n_group > 1 THEN 'multi'
            WHEN reference IS NOT NULL THEN
                 CASE WHEN uk < .62 THEN 'reference' WHEN uk < .74 THEN 'number' WHEN uk < .79 THEN 'typo'
                      WHEN uk < .84 THEN 'no_info' WHEN uk < .865 THEN 'partial' WHEN uk < .915 THEN 'fee'
                      WHEN uk < .935 THEN 'overpay'
                      WHEN uk < .965 AND other_amount <> amount THEN 'wrong_ref' ELSE 'number' END
            ELSE CASE WHEN uk < .48 THEN 'number' WHEN uk < .62 THEN 'typo' WHEN uk < .75 THEN 'no_info'
                      WHEN uk < .785 THEN 'partial' WHEN uk < .865 THEN 'fee' WHEN uk < .895 THEN 'overpay'
                      WHEN uk < .94 AND other_amount <> amount THEN 'wrong_ref' ELSE 'number' END
       END AS kind,
       CASE WHEN pre = 'multi' AND n_group > 1 THEN group_min * 8 + 7 ELSE invoice_id * 8 END AS payment_key
  FROM h;

-- Payment parts: one row per (payment, invoice) with the truth amount
-- (alloc) and what the payment carries for it (pay).
CREATE UNLOGGED TABLE dunning_sample._pp AS
WITH p AS (
    SELECT p.*,
           CASE WHEN kind = 'partial' THEN 2 + dunning_sample.ui(key, 260, 3) ELSE 1 END AS n_parts,
           least(round((.5 + 14.5 * dunning_sample.u(key, 261) ^ 2)::numeric, 2), round(amount * .2, 2)) AS fee,
           CASE WHEN dunning_sample.u(key, 262) < .4 THEN floor(amount / 10) * 10 + 10 - amount
                WHEN dunning_sample.u(key, 262) < .6 THEN 40.00
                ELSE round((1 + 99 * dunning_sample.u(key, 263))::numeric, 2) END AS extra
      FROM dunning_sample._plan p
), j AS (
    SELECT p.*, j AS part,
           CASE WHEN j = 1 THEN pay_on
                ELSE pay_on + 30 * (j - 1)
                     + CASE extract(isodow FROM pay_on + 30 * (j - 1)) WHEN 6 THEN 2 WHEN 7 THEN 1 ELSE 0 END
           END AS received_on,
           CASE WHEN j < n_parts THEN trunc(amount / n_parts, 2)
                ELSE amount - (n_parts - 1) * trunc(amount / n_parts, 2) END AS part_amount
      FROM p, generate_series(1, p.n_parts) j
)
SELECT payment_key + part - 1 AS payment_key, invoice_id, customer_id, currency, received_on, kind,
       part, n_parts, key, issued_on, invoice_number, reference, other_number, other_reference,
       cn_id, cn_amount, cn_number,
       CASE kind WHEN 'fee' THEN amount - fee WHEN 'credit_net' THEN amount + cn_amount
                 WHEN 'partial' THEN part_amount ELSE amount END AS alloc,
       CASE kind WHEN 'fee' THEN amount - fee WHEN 'credit_net' THEN amount + cn_amount
                 WHEN 'partial' THEN part_amount WHEN 'overpay' THEN amount + extra ELSE amount END AS pay
  FROM j
 WHERE received_on <= :'sl_as_of'::date;

-----------------------------------------------------------------------------
-- Payments (salts 400..599, key = payment_key): amounts, remittance texts in
-- bank shapes, payer names and accounts as banks report them.
-----------------------------------------------------------------------------
CREATE UNLOGGED TABLE dunning_sample._pay AS
WITH a AS (   -- one row per payment
    SELECT payment_key, min(customer_id) AS customer_id, min(currency) AS currency,
           min(received_on) AS received_on, min(kind) AS kind, sum(pay) AS amount,
           count(*) AS n_inv, min(part) AS part, min(n_parts) AS n_parts,
           min(issued_on) AS issued_on,
           min(CASE WHEN kind = 'wrong_ref' THEN other_number ELSE invoice_number END) AS number,
           min(CASE WHEN kind = 'wrong_ref' THEN other_reference ELSE reference END) AS reference,
           min(cn_number) AS cn_number,
           string_agg(invoice_number, '|' ORDER BY invoice_id) AS numbers
      FROM dunning_sample._pp GROUP BY payment_key
), u AS (     -- unrelated credits: refunds, other income; ~1.5% of payments
    SELECT 4000000000 + g AS payment_key, NULL::bigint AS customer_id,
           CASE WHEN dunning_sample.u(4000000000 + g, 600) < .9 THEN 'EUR'
                WHEN dunning_sample.u(4000000000 + g, 600) < .95 THEN 'GBP' ELSE 'USD' END AS currency,
           :'sl_start'::date + dunning_sample.ui(4000000000 + g, 601, :'sl_as_of'::date - :'sl_start'::date + 1)
             AS received_on,
           'unrelated' AS kind,
           round(exp(ln(300) + 1.3 * dunning_sample.z(4000000000 + g, 602))::numeric + .01, 2) AS amount,
           0::bigint AS n_inv, 1 AS part, 1 AS n_parts, NULL::date AS issued_on, NULL::text AS number,
           NULL::text AS reference, NULL::text AS cn_number, NULL::text AS numbers
      FROM generate_series(1, (SELECT round(count(DISTINCT payment_key) * .0152)::int FROM dunning_sample._pp)) g
), b AS (
    SELECT x.*, c.language AS lang, c.country, c.external_ref AS customer_ref, pr.ibans, pr.name_core, pr.legal_form,
           pr.alt_legal_form, c.name,
           CASE WHEN x.kind IN ('reference', 'partial', 'multi', 'no_info', 'unrelated') THEN NULL
                ELSE CASE c.language
                   WHEN 'fr' THEN CASE dunning_sample.ui(payment_key, 411, 6)
                                       WHEN 0 THEN 'Facture ' || number
                                       WHEN 1 THEN 'Fact. ' || number || ' du ' || to_char(issued_on, 'DD/MM/YYYY')
                                       WHEN 2 THEN 'Règlement facture n° ' || number
                                       WHEN 3 THEN 'VIR SEPA ' || number || ' merci'
                                       WHEN 4 THEN 'Paiement ' || number || ' Réf. client ' || c.external_ref
                                       ELSE number END
                   WHEN 'nl' THEN CASE dunning_sample.ui(payment_key, 411, 6)
                                       WHEN 0 THEN 'Factuur ' || number
                                       WHEN 1 THEN 'Betaling factuur ' || number
                                       WHEN 2 THEN 'Fact ' || number || ' dd ' || to_char(issued_on, 'DD-MM-YYYY')
                                       WHEN 3 THEN 'Factuurnr ' || number || ' klantnr ' || c.external_ref
                                       WHEN 4 THEN number
                                       ELSE 'factuur ' || number END
                   WHEN 'de' THEN CASE dunning_sample.ui(payment_key, 411, 6)
                                       WHEN 0 THEN 'Rechnung ' || number
                                       WHEN 1 THEN 'RE ' || number || ' vom ' || to_char(issued_on, 'DD.MM.YYYY')
                                       WHEN 2 THEN 'Rechnungsnr. ' || number || ' Kd-Nr. ' || c.external_ref
                                       WHEN 3 THEN 'Re.-Nr. ' || number || ' Bestellung 4500' || dunning_sample.digits(payment_key, 410, 6)
                                       WHEN 4 THEN number
                                       ELSE 'RG ' || number END
                   WHEN 'es' THEN CASE dunning_sample.ui(payment_key, 411, 5)
                                       WHEN 0 THEN 'Pago factura ' || number
                                       WHEN 1 THEN 'Fra. ' || number
                                       WHEN 2 THEN 'Factura ' || number || ' de fecha ' || to_char(issued_on, 'DD/MM/YYYY')
                                       WHEN 3 THEN 'N/Ref ' || dunning_sample.digits(payment_key, 410, 7) || ' Factura ' || number
                                       ELSE number END
                   WHEN 'it' THEN CASE dunning_sample.ui(payment_key, 411, 5)
                                       WHEN 0 THEN 'Pagamento fattura n. ' || number || ' del ' || to_char(issued_on, 'DD/MM/YYYY')
                                       WHEN 1 THEN 'Saldo fattura ' || number
                                       WHEN 2 THEN 'Bonifico FT ' || number
                                       WHEN 3 THEN 'Saldo ft. n. ' || number || ' ordine ' || dunning_sample.digits(payment_key, 410, 6)
                                       ELSE number END
                   WHEN 'sv' THEN CASE dunning_sample.ui(payment_key, 411, 4)
                                       WHEN 0 THEN 'Faktura ' || number
                                       WHEN 1 THEN 'Fakturanr ' || number
                                       WHEN 2 THEN 'Betalning ' || number
                                       ELSE 'Faktura ' || number || ' order ' || dunning_sample.digits(payment_key, 410, 6) END
                   ELSE CASE dunning_sample.ui(payment_key, 411, 6)
                             WHEN 0 THEN 'Invoice ' || number
                             WHEN 1 THEN 'INV ' || number || ' PAYMENT'
                             WHEN 2 THEN 'Payment for invoice ' || number || ' PO 4500' || dunning_sample.digits(payment_key, 410, 6)
                             WHEN 3 THEN number || ' PO' || dunning_sample.digits(payment_key, 410, 8)
                             WHEN 4 THEN 'Our ref ' || dunning_sample.digits(payment_key, 410, 6) || ' your inv ' || number
                             ELSE number END
                   END END AS t_number,
           CASE c.language WHEN 'fr' THEN '{Paiement,VIREMENT SEPA,Virement,Règlement,Reglement fournisseur}'
                       WHEN 'nl' THEN '{Betaling,Overschrijving,Betaling leverancier,Diverse facturen}'
                       WHEN 'de' THEN '{Zahlung,Überweisung,Lieferantenzahlung,Ausgleich}'
                       WHEN 'es' THEN '{Pago,Transferencia,Pago proveedor}'
                       WHEN 'it' THEN '{Pagamento,Bonifico,Saldo fornitore}'
                       WHEN 'sv' THEN '{Betalning,Leverantörsbetalning}'
                       ELSE '{Payment,Supplier payment,BACS,Transfer,FASTER PAYMENT}' END::text[] AS generic
      FROM (SELECT * FROM a UNION ALL SELECT * FROM u) x
      LEFT JOIN dunning.customer c USING (customer_id)
      LEFT JOIN dunning_sample.customer_profile pr USING (customer_id)
), t AS MATERIALIZED (     -- the customer's own words
    SELECT b.*,
           CASE kind
             WHEN 'reference' THEN
                  CASE WHEN dunning_sample.u(payment_key, 420) < .55 THEN
                            CASE WHEN dunning_sample.u(payment_key, 421) < .6 THEN NULL
                                 ELSE dunning_sample.pick(generic, payment_key, 422) END
                       WHEN reference LIKE 'RF%' THEN
                            CASE WHEN dunning_sample.u(payment_key, 423) < .7 THEN dunning_sample.print_groups(reference)
                                 ELSE reference END
                       WHEN dunning_sample.u(payment_key, 423) < .85 THEN
                            dunning_sample.print_ogm(reference, dunning_sample.u(payment_key, 424) < .15)
                       ELSE reference END
             WHEN 'typo' THEN replace(t_number, number, dunning_sample.typo(number, payment_key))
             WHEN 'wrong_ref' THEN
                  CASE WHEN reference IS NOT NULL AND dunning_sample.u(payment_key, 425) < .5
                       THEN CASE WHEN reference LIKE 'RF%' THEN dunning_sample.print_groups(reference)
                                 ELSE dunning_sample.print_ogm(reference, false) END
                       ELSE t_number END
             WHEN 'partial' THEN
                  CASE lang
                     WHEN 'fr' THEN CASE dunning_sample.ui(payment_key, 426, 3)
                                         WHEN 0 THEN 'Acompte facture ' || number
                                         WHEN 1 THEN 'Paiement partiel ' || number
                                         ELSE 'Échéance ' || part || '/' || n_parts || ' facture ' || number END
                     WHEN 'nl' THEN CASE dunning_sample.ui(payment_key, 426, 2)
                                         WHEN 0 THEN 'Deelbetaling factuur ' || number
                                         ELSE 'Afbetaling ' || part || '/' || n_parts || ' ' || number END
                     WHEN 'de' THEN CASE dunning_sample.ui(payment_key, 426, 3)
                                         WHEN 0 THEN 'Teilzahlung Rechnung ' || number
                                         WHEN 1 THEN 'Rate ' || part || ' von ' || n_parts || ' RE ' || number
                                         ELSE 'Abschlag ' || number END
                     WHEN 'es' THEN CASE dunning_sample.ui(payment_key, 426, 2)
                                         WHEN 0 THEN 'Pago parcial factura ' || number
                                         ELSE 'Plazo ' || part || '/' || n_parts || ' Fra. ' || number END
                     WHEN 'it' THEN CASE dunning_sample.ui(payment_key, 426, 2)
                                         WHEN 0 THEN 'Acconto fattura ' || number
                                         ELSE 'Rata ' || part || '/' || n_parts || ' ft. ' || number END
                     WHEN 'sv' THEN CASE dunning_sample.ui(payment_key, 426, 2)
                                         WHEN 0 THEN 'Delbetalning ' || number
                                         ELSE 'Avbetalning ' || part || '/' || n_parts || ' ' || number END
                     ELSE CASE dunning_sample.ui(payment_key, 426, 3)
                               WHEN 0 THEN 'Part payment invoice ' || number
                               WHEN 1 THEN 'Instalment ' || part || ' of ' || n_parts || ' ' || number
                               ELSE 'On account ' || number END END
             WHEN 'credit_net' THEN
                  CASE WHEN dunning_sample.u(payment_key, 427) < .4 THEN t_number
                       ELSE CASE lang
                              WHEN 'fr' THEN 'Facture ' || number || ' - avoir ' || cn_number
                              WHEN 'nl' THEN 'Factuur ' || number || ' min creditnota ' || cn_number
                              WHEN 'de' THEN 'Rechnung ' || number || ' abzgl. Gutschrift ' || cn_number
                              WHEN 'es' THEN 'Factura ' || number || ' menos abono ' || cn_number
                              WHEN 'it' THEN 'Fattura ' || number || ' meno nota di credito ' || cn_number
                              WHEN 'sv' THEN 'Faktura ' || number || ' minus kreditnota ' || cn_number
                              ELSE 'Invoice ' || number || ' less credit note ' || cn_number END END
             WHEN 'multi' THEN
                  CASE WHEN dunning_sample.u(payment_key, 428) < .6
                       THEN CASE lang WHEN 'fr' THEN 'Factures ' WHEN 'nl' THEN 'Facturen ' WHEN 'de' THEN 'Rechnungen '
                                      WHEN 'es' THEN 'Facturas ' WHEN 'it' THEN 'Fatture ' WHEN 'sv' THEN 'Fakturor '
                                      ELSE 'Invoices ' END
                            || replace(numbers, '|', dunning_sample.pick('{", "," ",/,;," + "}', payment_key, 429))
                       WHEN dunning_sample.u(payment_key, 428) < .8
                       THEN CASE lang WHEN 'de' THEN 'Zahlungsavis ' WHEN 'fr' THEN 'Avis de paiement '
                                      WHEN 'nl' THEN 'Betaaladvies ' ELSE 'Payment advice ' END
                            || to_char(received_on, 'YYYY-MM-DD') || ' ' || customer_ref
                       ELSE dunning_sample.pick(generic, payment_key, 422) END
             WHEN 'no_info' THEN
                  CASE WHEN dunning_sample.u(payment_key, 430) < .4 THEN NULL
                       ELSE dunning_sample.pick(generic, payment_key, 422) END
             WHEN 'unrelated' THEN
                  CASE dunning_sample.ui(payment_key, 432, 12)
                       WHEN 0 THEN 'Remboursement ' || dunning_sample.digits(payment_key, 431, 8)
                       WHEN 1 THEN 'Erstattung Kaution'
                       WHEN 2 THEN 'Refund order ' || dunning_sample.digits(payment_key, 431, 7)
                       WHEN 3 THEN 'Zinsen ' || to_char(received_on, 'MM/YYYY')
                       WHEN 4 THEN 'Teruggave BTW'
                       WHEN 5 THEN 'Remboursement TVA ' || to_char(received_on, 'YYYY')
                       WHEN 6 THEN 'Indemnité sinistre'
                       WHEN 7 THEN 'Versicherungsleistung Schaden ' || dunning_sample.digits(payment_key, 431, 6)
                       WHEN 8 THEN 'Payout ' || dunning_sample.digits(payment_key, 431, 10)
                       WHEN 9 THEN 'Cashback'
                       WHEN 10 THEN NULL
                       ELSE 'Dividend' END
             ELSE t_number   -- number, fee, overpay
           END AS words,
           CASE WHEN kind = 'reference' AND dunning_sample.u(payment_key, 420) < .55 THEN reference
                WHEN kind = 'wrong_ref' AND reference IS NOT NULL AND dunning_sample.u(payment_key, 425) >= .5
                     AND dunning_sample.u(payment_key, 433) < .4 THEN reference
           END AS structured
      FROM b
), f AS (     -- bank shapes around the words, payer as the bank reports it
    SELECT t.*, left(words, 140) AS ustrd,
           CASE WHEN dunning_sample.u(payment_key, 440) < .6 THEN 'NOTPROVIDED'
                ELSE dunning_sample.pick('{PAY,E2E,SEPA,TRF}', payment_key, 441)
                     || dunning_sample.digits(payment_key, 442, 10) END AS eref,
           dunning_sample.u(payment_key, 443) AS ushape,
           CASE WHEN customer_id IS NULL THEN
                     dunning_sample.pick('{"Finanzamt München","SPF Finances","HM Revenue & Customs","DGFiP SIE Paris",'
                                         '"Allianz Versicherungs-AG","AXA Belgium SA","Amazon Payments Europe S.C.A.",'
                                         '"Stripe Technology Europe Ltd","PayPal (Europe) S.a r.l. et Cie, S.C.A.",'
                                         '"Adyen N.V.","Deutsche Telekom AG","Proximus SA","Belastingdienst",'
                                         '"Agencia Tributaria","Generali Italia S.p.A.","J. Peeters","M. Dupont",'
                                         '"Schmidt, Thomas","Ethias SA","Zurich Insurance plc"}', payment_key, 444)
                ELSE
                     CASE WHEN dunning_sample.u(payment_key, 445) < .3 THEN left(x.nm, 35) ELSE x.nm END
           END AS payer
      FROM t, LATERAL (SELECT
             CASE WHEN dunning_sample.u(payment_key, 446) < .45 THEN t.name
                  WHEN dunning_sample.u(payment_key, 446) < .60 THEN upper(t.name)
                  WHEN dunning_sample.u(payment_key, 446) < .68 THEN t.name_core
                  WHEN dunning_sample.u(payment_key, 446) < .75 THEN t.name_core || ' ' || t.alt_legal_form
                  WHEN dunning_sample.u(payment_key, 446) < .80 THEN t.legal_form || ' ' || t.name_core
                  WHEN dunning_sample.u(payment_key, 446) < .88 THEN upper(dunning_sample.deaccent(t.name))
                  WHEN dunning_sample.u(payment_key, 446) < .93
                       THEN regexp_replace(t.name_core, '^(\S+) (\S+)', '\2 \1') || ' ' || t.legal_form
                  ELSE dunning_sample.deaccent(t.name_core) END AS nm) x
)
SELECT row_number() OVER (ORDER BY received_on, payment_key) AS payment_id,
       payment_key, customer_id, currency, received_on, kind, amount, n_inv, payer,
       CASE WHEN customer_id IS NULL OR ibans IS NULL OR dunning_sample.u(payment_key, 450) < .07 THEN NULL
            WHEN cardinality(ibans) > 1 AND dunning_sample.u(payment_key, 451) < .3
                 THEN CASE WHEN dunning_sample.u(payment_key, 452) < .03 THEN dunning_sample.print_groups(ibans[2]) ELSE ibans[2] END
            ELSE CASE WHEN dunning_sample.u(payment_key, 452) < .03 THEN dunning_sample.print_groups(ibans[1]) ELSE ibans[1] END
       END AS payer_iban,
       CASE WHEN ustrd IS NULL THEN NULL
            WHEN country IN ('DE', 'AT') AND ushape < .4 THEN 'SVWZ+' || ustrd || ' EREF+' || eref
            WHEN country = 'NL' AND ushape < .3 THEN '/TRTP/SEPA OVERBOEKING/REMI/' || ustrd || '/EREF/' || eref
            WHEN ushape < .25 THEN '/EREF/' || eref || '/REMI/USTD//' || ustrd || '/'
            ELSE ustrd END AS remittance_info,
       structured AS reference,
       CASE WHEN received_on < :'sl_cutoff'::date OR dunning_sample.u(payment_key, 453) < .15
            THEN customer_id END AS known_customer_id
  FROM f;
ALTER TABLE dunning_sample._pay ADD PRIMARY KEY (payment_id);
CREATE UNIQUE INDEX ON dunning_sample._pay (payment_key);

-- Cash of unknown payer: in dunning.payment on a single node; on a Citus
-- cluster after dunning.distribute() (payment.customer_id NOT NULL there), in
-- dunning.payment_suspense, whole (doc/scale-out.md).
SELECT a.attnotnull AS sl_suspense FROM pg_attribute a
 WHERE a.attrelid = 'dunning.payment'::regclass AND a.attname = 'customer_id' \gset
INSERT INTO dunning.payment (payment_id, received_on, amount, currency, payer_name, payer_iban,
                             remittance_info, reference, customer_id, external_ref, created_at)
SELECT payment_id, received_on, amount, currency, payer, payer_iban, remittance_info, reference,
       known_customer_id, to_char(received_on, 'YYMMDD') || lpad(payment_id::text, 10, '0'),
       received_on + make_interval(secs => 21600 + dunning_sample.ui(payment_key, 460, 7200))
  FROM dunning_sample._pay
 WHERE known_customer_id IS NOT NULL OR NOT :'sl_suspense'::boolean
 ORDER BY payment_id;
INSERT INTO dunning.payment_suspense (payment_id, payment)
SELECT payment_id,
       jsonb_build_object('payment_id', payment_id, 'received_on', received_on, 'amount', amount,
                          'currency', currency, 'payer_name', payer, 'payer_iban', payer_iban,
                          'remittance_info', remittance_info, 'reference', reference, 'customer_id', NULL,
                          'external_ref', to_char(received_on, 'YYMMDD') || lpad(payment_id::text, 10, '0'),
                          'created_at', received_on + make_interval(secs => 21600 + dunning_sample.ui(payment_key, 460, 7200)),
                          'allocated_amount', 0)
  FROM dunning_sample._pay
 WHERE known_customer_id IS NULL AND :'sl_suspense'::boolean
 ORDER BY payment_id;
SELECT setval(pg_get_serial_sequence('dunning.payment', 'payment_id'), max(payment_id)) AS sl_x
  FROM dunning_sample._pay \gset

CREATE TABLE dunning_sample.payment_truth AS
SELECT y.payment_id, p.invoice_id, p.alloc AS amount, p.kind,
       CASE WHEN p.kind = 'credit_net' THEN p.cn_id END AS credit_note_id
  FROM dunning_sample._pp p JOIN dunning_sample._pay y USING (payment_key)
 ORDER BY y.payment_id, p.invoice_id;
ALTER TABLE dunning_sample.payment_truth ADD PRIMARY KEY (payment_id, invoice_id);
CREATE INDEX ON dunning_sample.payment_truth (invoice_id);
COMMENT ON TABLE dunning_sample.payment_truth IS
    'what each sample payment settles: one row per (payment, invoice); unrelated payments have no row';
COMMENT ON COLUMN dunning_sample.payment_truth.amount IS 'amount of the payment that settles the invoice (the allocation)';
COMMENT ON COLUMN dunning_sample.payment_truth.kind IS
    'reference, number, typo, multi, partial, fee, credit_net, overpay, wrong_ref or no_info (what makes the payment hard)';
COMMENT ON COLUMN dunning_sample.payment_truth.credit_note_id IS
    'credit_net: the credit note netted in the payment; it settles the rest of the invoice';

CREATE TABLE dunning_sample.payment_kind AS
SELECT payment_id, kind FROM dunning_sample._pay ORDER BY payment_id;
ALTER TABLE dunning_sample.payment_kind ADD PRIMARY KEY (payment_id);
COMMENT ON TABLE dunning_sample.payment_kind IS
    'kind of every sample payment, including unrelated ones (which settle nothing)';

-----------------------------------------------------------------------------
-- History: what was received before as_of - 45 days is already lettered.
-- One bulk INSERT; the statement-level triggers check it and maintain
-- invoice.settled_amount and payment.allocated_amount.
-----------------------------------------------------------------------------
INSERT INTO dunning.allocation (customer_id, payment_id, credit_note_id, invoice_id, amount, created_at)
SELECT customer_id, payment_id, credit_note_id, invoice_id, amount, created_at
  FROM (-- payments
        SELECT y.customer_id, t.payment_id, NULL::bigint AS credit_note_id, t.invoice_id, t.amount,
               y.received_on AS on_date, y.received_on + 1 + dunning_sample.ui(t.payment_id, 470, 3)
                 + make_interval(secs => 28800 + dunning_sample.ui(t.payment_id, 471, 32400)) AS created_at
          FROM dunning_sample.payment_truth t JOIN dunning_sample._pay y USING (payment_id)
         WHERE y.received_on < :'sl_cutoff'::date
        UNION ALL
        -- credit notes netted in a lettered payment
        SELECT y.customer_id, NULL, t.credit_note_id, t.invoice_id, -c.amount, y.received_on,
               y.received_on + 1 + dunning_sample.ui(t.payment_id, 470, 3)
                 + make_interval(secs => 28800 + dunning_sample.ui(t.payment_id, 471, 32400))
          FROM dunning_sample.payment_truth t JOIN dunning_sample._pay y USING (payment_id)
          JOIN dunning_sample._cn c ON c.cn_id = t.credit_note_id
         WHERE y.received_on < :'sl_cutoff'::date
        UNION ALL
        -- credit notes cancelling a whole invoice
        SELECT c.customer_id, NULL, c.cn_id, c.invoice_id, -c.amount, c.cn_on,
               c.cn_on + 1 + make_interval(secs => 28800 + dunning_sample.ui(c.cn_id, 472, 32400))
          FROM dunning_sample._cn c JOIN dunning_sample._inv i USING (invoice_id)
         WHERE c.amount = -i.amount AND c.cn_on < :'sl_cutoff'::date) a
 ORDER BY on_date, payment_id NULLS LAST, credit_note_id, invoice_id;
SELECT setval(pg_get_serial_sequence('dunning.allocation', 'allocation_id'),
              greatest(1, (SELECT max(allocation_id) FROM dunning.allocation))) AS sl_x \gset

-- The bank fees of lettered payments were written off, as auto_letter does:
-- the fee invoice is closed, the difference recorded apart.
INSERT INTO dunning.write_off (customer_id, invoice_id, payment_id, amount, reason, created_at, written_off_on)
SELECT i.customer_id, t.invoice_id, t.payment_id, i.amount - i.settled_amount, 'bank_fee',
       y.received_on + 1 + make_interval(secs => 28800 + dunning_sample.ui(t.payment_id, 473, 32400)),
       y.received_on + 1
  FROM dunning_sample.payment_truth t
  JOIN dunning_sample._pay y USING (payment_id)
  JOIN dunning.invoice i USING (invoice_id)
 WHERE t.kind = 'fee' AND y.received_on < :'sl_cutoff'::date
   AND i.settled_amount > 0 AND i.settled_amount < i.amount
 ORDER BY t.invoice_id;

-----------------------------------------------------------------------------
-- Disputes (salts 700..749): ~3% of invoices, more for erratic and
-- defaulting customers; open while the invoice is unpaid.
-----------------------------------------------------------------------------
INSERT INTO dunning.dispute (customer_id, invoice_id, amount, reason, status, opened_on, resolved_on, created_at)
SELECT customer_id, invoice_id, amount, reason, status, opened_on,
       CASE WHEN status <> 'open' THEN resolved_on END, opened_on + make_interval(secs => 32400 + dunning_sample.ui(invoice_id, 705, 28800))
  FROM (SELECT i.customer_id, i.invoice_id, i.opened_on,
               CASE WHEN dunning_sample.u(i.key, 701) < .6 THEN NULL
                    ELSE round(i.amount * (.1 + .6 * dunning_sample.u(i.key, 702))::numeric, 2) END AS amount,
               dunning_sample.pick('{price,price,price,quality,quality,not received,not received,duplicate,quantity,damaged,wrong address,missing PO}',
                                   i.key, 703) AS reason,
               CASE WHEN c.amount IS NOT NULL AND c.cn_on <= :'sl_as_of'::date THEN 'credited'
                    WHEN i.paid THEN CASE WHEN dunning_sample.u(i.key, 704) < .7 THEN 'resolved' ELSE 'rejected' END
                    WHEN dunning_sample.u(i.key, 704) < .85 THEN 'open' ELSE 'rejected' END AS status,
               least(:'sl_as_of'::date, greatest(i.opened_on, CASE
                    WHEN c.amount IS NOT NULL THEN c.cn_on
                    WHEN i.paid THEN i.opened_on + dunning_sample.ui(i.key, 706, greatest(1, i.pay_on - i.opened_on))
                    ELSE i.opened_on + dunning_sample.ui(i.key, 706, greatest(1, :'sl_as_of'::date - i.opened_on)) END))
                 AS resolved_on
          FROM (SELECT i.*, greatest(i.issued_on + 1, i.due_on - 10 + dunning_sample.ui(i.key, 700, 30)) AS opened_on,
                       NOT i.never_paid AND i.pay_on <= :'sl_as_of'::date AS paid
                  FROM dunning_sample._inv i WHERE i.disputed) i
          LEFT JOIN dunning_sample._cn c USING (invoice_id)
         WHERE i.opened_on <= :'sl_as_of'::date) d
 ORDER BY opened_on, invoice_id;

-- Staging tables go; the side tables stay.
DROP TABLE dunning_sample._cust, dunning_sample._cal, dunning_sample._quant, dunning_sample._inv1,
           dunning_sample._inv, dunning_sample._cn, dunning_sample._doc, dunning_sample._plan,
           dunning_sample._pp, dunning_sample._pay;
COMMIT;
ANALYZE dunning.customer, dunning.invoice, dunning.payment, dunning.allocation, dunning.dispute,
        dunning_sample.customer_profile, dunning_sample.payment_truth, dunning_sample.payment_kind,
        dunning_sample.credit_note;
-- The KPI materialized views as of the ledger just loaded, so that they are
-- neither empty nor silent about when they were made (refreshed_at); a
-- release before 0.2.0 has no refresh_kpi().
SELECT pg_catalog.to_regprocedure('dunning.refresh_kpi()') IS NOT NULL AS sl_has_refresh_kpi \gset
\if :sl_has_refresh_kpi
SELECT dunning.refresh_kpi() IS NULL AS sl_x \gset
\endif

\if :quiet
\else
\echo
\echo 'sample ledger generated'
SELECT seed, customers, years, as_of, period_start, lettered_before,
       date_trunc('second', clock_timestamp() - :'sl_t0'::timestamptz) AS elapsed
  FROM dunning_sample.params;
SELECT "table", "rows" FROM (
          SELECT 1 AS o, 'customer' AS "table", count(*) AS "rows" FROM dunning.customer
UNION ALL SELECT 2, 'invoice (invoices)', count(*) FROM dunning.invoice WHERE amount > 0
UNION ALL SELECT 3, 'invoice (credit notes)', count(*) FROM dunning.invoice WHERE amount < 0
UNION ALL SELECT 4, 'invoice (open)', count(*) FROM dunning.invoice WHERE settled_amount < abs(amount)
UNION ALL SELECT 5, 'payment', count(*) FROM dunning.payment
UNION ALL SELECT 6, 'payment (unlettered)', count(*) FROM dunning.payment WHERE allocated_amount = 0
UNION ALL SELECT 7, 'allocation', count(*) FROM dunning.allocation
UNION ALL SELECT 8, 'dispute', count(*) FROM dunning.dispute
UNION ALL SELECT 9, 'dispute (open)', count(*) FROM dunning.dispute WHERE status = 'open'
UNION ALL SELECT 10, 'payment_truth', count(*) FROM dunning_sample.payment_truth) x
 ORDER BY o;
SELECT p.profile, count(DISTINCT p.customer_id) AS customers, count(i.*) AS invoices,
       round(count(i.*)::numeric / count(DISTINCT p.customer_id), 1) AS invoices_per_customer,
       count(i.*) FILTER (WHERE i.amount > 0 AND i.settled_amount < i.amount AND i.due_on < p.as_of) AS overdue
  FROM (SELECT cp.*, pa.as_of FROM dunning_sample.customer_profile cp, dunning_sample.params pa) p
  LEFT JOIN dunning.invoice i USING (customer_id)
 GROUP BY p.profile ORDER BY customers DESC;
SELECT k.kind, count(*) AS payments,
       count(*) FILTER (WHERE p.allocated_amount = 0) AS unlettered,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct,
       coalesce(sum(t.n), 0) AS truth_rows
  FROM dunning_sample.payment_kind k JOIN dunning.payment p USING (payment_id)
  LEFT JOIN (SELECT payment_id, count(*) AS n FROM dunning_sample.payment_truth GROUP BY payment_id) t USING (payment_id)
 GROUP BY k.kind ORDER BY payments DESC, kind;
SELECT currency, count(*) AS invoices, sum(amount) AS amount FROM dunning.invoice GROUP BY currency ORDER BY 2 DESC;
\endif
-- the caller's search path back
SELECT pg_catalog.set_config('search_path', :'sl_search_path', false) AS sl_x \gset
