-- A mutant of a bank file for the fuzz and the reader comparison
-- (bench/bank_fuzz.sh, bench/bank_read_outcomes.sh): mutate(s) makes one
-- to four random edits (bytes flipped, ranges cut, doubled or moved, random
-- bytes or XML/MT940 tokens inserted, cut short), repeatable with setseed.
CREATE OR REPLACE FUNCTION mutate(s bytea) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
    tokens text[] := '{"<",">","</Ntry>","<Ntry>","<Amt Ccy=\"EUR\">","&amp;","&#0;","<![CDATA[","]]>","<!DOCTYPE x>","&x;",
                       ":61:",":86:",":62F:",":20:","?2","/REMI/","/","\n","\r\n","-}","{4:","9999999999999999,99","-1","\u00e9"}';
    n int := 1 + floor(random() * 4);
    len int;
    p int;
    q int;
BEGIN
    FOR k IN 1..n LOOP
        len := length(s);
        EXIT WHEN len < 2;
        p := floor(random() * len);
        q := least(len, p + 1 + floor(random() * 40)::int);
        CASE floor(random() * 7)::int
            WHEN 0 THEN s := set_byte(s, p, floor(random() * 256)::int);
            WHEN 1 THEN s := overlay(s placing ''::bytea from p + 1 for q - p);
            WHEN 2 THEN s := overlay(s placing substr(s, p + 1, q - p) from p + 1 for 0);
            WHEN 3 THEN s := overlay(s placing convert_to(tokens[1 + floor(random() * cardinality(tokens))::int], 'UTF8') from p + 1 for 0);
            WHEN 4 THEN s := substr(s, 1, p);
            WHEN 5 THEN s := overlay(s placing decode(md5(random()::text), 'hex') from p + 1 for 0);
            ELSE s := overlay(s placing substr(s, q + 1, 30) from p + 1 for 0);
        END CASE;
    END LOOP;
    RETURN s;
END $$;
