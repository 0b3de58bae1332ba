-- Enrichment (docs/design.md §9) on people and account keys of type integer,
-- bigint, text and uuid: the same vendor file fills, inserts (keys from the
-- column's default) and is undone alike, with live mode on so that an
-- enriched and an inserted person get their roles in the same statement.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_complete_enrichment_keys;
SET search_path = regress_complete_enrichment_keys, public;

\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE SEQUENCE ids START 1000;
SELECT bg.create_template('T');
SELECT bg.create_role('Buyer');
SELECT bg.add_role('T', 'Buyer', $$job_title contains 'vp'$$);
SELECT bg.publish_template('T');

-- One run per key type: people and accounts keyed by typ (keys made from n),
-- the key's default given; returns what can be compared across types.
CREATE FUNCTION run(typ text, keyof text, dflt text) RETURNS TABLE (step text, result text)
LANGUAGE plpgsql AS $$
DECLARE
    j bigint;
    s text := 'S ' || typ;
    people text;
BEGIN
    -- every type its own tables (a bound table cannot be dropped)
    EXECUTE format('CREATE SCHEMA %I', 'k_' || typ);
    EXECUTE format('SET LOCAL search_path = %I, regress_complete_enrichment_keys', 'k_' || typ);
    EXECUTE format('CREATE TABLE account (id %s PRIMARY KEY, name text, domain text)', typ);
    EXECUTE format('CREATE TABLE person (id %s PRIMARY KEY DEFAULT %s, account_id %s, email text, job_title text)',
                   typ, dflt, typ);
    EXECUTE format('INSERT INTO account VALUES (%s, ''Acme'', ''acme.com''), (%s, ''Globex'', ''globex.com'')',
                   format(keyof, 1), format(keyof, 2));
    EXECUTE format('INSERT INTO person VALUES (%s, %s, ''ann@acme.com'', NULL), (%s, %s, ''bob@acme.com'', ''Engineer'')',
                   format(keyof, 11), format(keyof, 1), format(keyof, 12), format(keyof, 1));
    PERFORM bg.bind_people('person', email => 'email', job_title => 'job_title');
    PERFORM bg.bind_accounts('account', domain => 'domain');
    PERFORM bg.create_solution_interest(s, 'T', update_existing => true);
    PERFORM bg.create_account_list('L ' || typ);
    EXECUTE format('SELECT bg.add_accounts(%L, ARRAY[%s, %s])', 'L ' || typ, format(keyof, 1), format(keyof, 2));
    PERFORM bg.create_buying_groups(s, 'L ' || typ);
    PERFORM bg.watch_people();
    EXECUTE 'CREATE TABLE vendor (job_title text, email text)';
    EXECUTE 'INSERT INTO vendor VALUES (''VP Security'', ''ANN@acme.com''), (''VP Sales'', ''bob@acme.com''), (''VP IT'', ''cid@globex.com'')';
    step := 'before'; result := (SELECT string_agg(g.account_name || ' ' || g.completeness, ', ' ORDER BY g.account_name)
                                   FROM bg.buying_groups g WHERE g.solution_interest = s);
    RETURN NEXT;
    j := bg.enrich_people('vendor', insert_new => true);
    step := 'enriched'; result := (SELECT string_agg(g.account_name || ' ' || g.completeness, ', ' ORDER BY g.account_name)
                                     FROM bg.buying_groups g WHERE g.solution_interest = s);
    RETURN NEXT;
    EXECUTE $q$SELECT string_agg(p.email || ' ' || coalesce(p.job_title, '-'), ', ' ORDER BY p.email) FROM person p$q$ INTO result;
    step := 'people';
    RETURN NEXT;
    step := 'log'; result := (SELECT string_agg(c.column_name || ' ' || coalesce(c.old_value, '-') || ' ' || c.new_value
                                                 || CASE WHEN c.inserted THEN ' inserted' ELSE '' END, ', '
                                                 ORDER BY c.inserted, c.column_name, c.new_value)
                                FROM bg.enrichment_changes c WHERE c.job = j);
    RETURN NEXT;
    step := 'keys logged as stored'; result := (SELECT bool_and(c.person_key IN (SELECT m.person_key FROM bg.members m))::text
                                                  FROM bg.enrichment_changes c WHERE c.job = j);
    RETURN NEXT;
    step := 'restored'; result := bg.undo_enrichment(j)::text;
    RETURN NEXT;
    step := 'undone'; result := (SELECT string_agg(g.account_name || ' ' || g.completeness, ', ' ORDER BY g.account_name)
                                   FROM bg.buying_groups g WHERE g.solution_interest = s);
    EXECUTE $q$SELECT string_agg(p.email || ' ' || coalesce(p.job_title, '-'), ', ' ORDER BY p.email) FROM person p$q$ INTO people;
    result := result || ' / ' || people;
    RETURN NEXT;
    PERFORM bg.watch_people(false);
    PERFORM bg.drop_buying_groups(s);
    SET LOCAL search_path = regress_complete_enrichment_keys;
END $$;

SET client_min_messages = error;   -- undo's notice of the inserted person
SELECT * FROM run('integer', '%s', 'nextval(''regress_complete_enrichment_keys.ids'')');
SELECT * FROM run('bigint', '%s', 'nextval(''regress_complete_enrichment_keys.ids'')');
SELECT * FROM run('text', '''k%s''', '''k'' || nextval(''regress_complete_enrichment_keys.ids'')');
SELECT * FROM run('uuid', '(''00000000-0000-0000-0000-'' || lpad(''%s'', 12, ''0''))::uuid', 'gen_random_uuid()');
RESET client_min_messages;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA regress_complete_enrichment_keys CASCADE;
DROP EXTENSION bg CASCADE;   -- the last bound tables cannot be dropped before
DROP SCHEMA k_integer, k_bigint, k_text, k_uuid CASCADE;
