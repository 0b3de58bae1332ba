-- bg is safe under any search_path (STYLE "SQL scripts", docs/design.md §8): hostile
-- objects planted in public before CREATE EXTENSION bg, with the names of
-- pg_catalog functions, operators and of bg's own tables, are never used by
-- the extension script, the catalog functions, the evaluation functions,
-- the managed functions (SECURITY DEFINER: they run as bg's owner) called by
-- a writer, the access functions, or live mode's triggers.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
RESET client_min_messages;

-- ---------------------------------------------------------------------------
-- Hostile objects: every one raises 'hijacked' when called
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.lower(text) RETURNS text
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: lower(text)'; END$$;
CREATE FUNCTION public.upper(text) RETURNS text
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: upper(text)'; END$$;
CREATE FUNCTION public.btrim(text) RETURNS text
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: btrim(text)'; END$$;
CREATE FUNCTION public.btrim(text, text) RETURNS text
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: btrim(text, text)'; END$$;
CREATE FUNCTION public.now() RETURNS timestamptz
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: now()'; END$$;
-- more specific than pg_catalog.format(text, VARIADIC "any"): wins wherever public is searched
CREATE FUNCTION public.format(text) RETURNS text
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: format(text)'; END$$;
CREATE FUNCTION public.format(text, text) RETURNS text
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: format(text, text)'; END$$;
CREATE FUNCTION public.format(text, text, text) RETURNS text
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: format(text, text, text)'; END$$;
CREATE FUNCTION public.format(text, name) RETURNS text
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: format(text, name)'; END$$;
CREATE FUNCTION public.quote_ident(text) RETURNS text
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: quote_ident(text)'; END$$;
CREATE FUNCTION public.to_regclass(text) RETURNS regclass
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: to_regclass(text)'; END$$;
CREATE FUNCTION public.nextval(regclass) RETURNS bigint
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: nextval(regclass)'; END$$;
CREATE FUNCTION public.pg_extension_config_dump(regclass, text) RETURNS void
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: pg_extension_config_dump'; END$$;
CREATE FUNCTION public.hijacked_sfunc(text, text, text) RETURNS text
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: string_agg(text, text)'; END$$;
CREATE AGGREGATE public.string_agg(text, text) (sfunc = public.hijacked_sfunc, stype = text);
CREATE FUNCTION public.hijacked_count_sfunc(bigint, text) RETURNS bigint
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: count(text)'; END$$;
CREATE AGGREGATE public.count(text) (sfunc = public.hijacked_count_sfunc, stype = bigint);

-- operators, for same-type and mixed text/integer/name pairs
CREATE FUNCTION public.hijacked_op(text, text) RETURNS boolean
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: operator on (text, text)'; END$$;
CREATE FUNCTION public.hijacked_op(integer, integer) RETURNS boolean
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: operator on (integer, integer)'; END$$;
CREATE FUNCTION public.hijacked_op(text, integer) RETURNS boolean
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: operator on (text, integer)'; END$$;
CREATE FUNCTION public.hijacked_op(integer, text) RETURNS boolean
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: operator on (integer, text)'; END$$;
CREATE FUNCTION public.hijacked_op(name, name) RETURNS boolean
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: operator on (name, name)'; END$$;
CREATE FUNCTION public.hijacked_op(name, text) RETURNS boolean
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: operator on (name, text)'; END$$;
CREATE FUNCTION public.hijacked_op(bigint, integer) RETURNS boolean
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked: operator on (bigint, integer)'; END$$;
CREATE OPERATOR public.= (leftarg = text, rightarg = text, function = public.hijacked_op);
CREATE OPERATOR public.<> (leftarg = text, rightarg = text, function = public.hijacked_op);
CREATE OPERATOR public.= (leftarg = integer, rightarg = integer, function = public.hijacked_op);
CREATE OPERATOR public.<> (leftarg = integer, rightarg = integer, function = public.hijacked_op);
CREATE OPERATOR public.< (leftarg = integer, rightarg = integer, function = public.hijacked_op);
CREATE OPERATOR public.> (leftarg = integer, rightarg = integer, function = public.hijacked_op);
CREATE OPERATOR public.>= (leftarg = integer, rightarg = integer, function = public.hijacked_op);
CREATE OPERATOR public.= (leftarg = text, rightarg = integer, function = public.hijacked_op);
CREATE OPERATOR public.= (leftarg = integer, rightarg = text, function = public.hijacked_op);
CREATE OPERATOR public.= (leftarg = name, rightarg = name, function = public.hijacked_op);
CREATE OPERATOR public.= (leftarg = name, rightarg = text, function = public.hijacked_op);
CREATE OPERATOR public.>= (leftarg = bigint, rightarg = integer, function = public.hijacked_op);

-- tables named like bg's catalog tables and views, holding decoys
CREATE TABLE public.role (id integer, name text, description text, is_default boolean);
INSERT INTO public.role VALUES (1, 'Decoy', 'hijacked', true);
CREATE TABLE public.template (id integer, name text, status text);
INSERT INTO public.template VALUES (1, 'T', 'live');
CREATE TABLE public.template_role (template_id integer, role_id integer, priority integer);
CREATE TABLE public.binding (kind text, relid regclass);
CREATE TABLE public.roles (name text, description text, is_default boolean);
INSERT INTO public.roles VALUES ('Decoy', 'hijacked', true);

-- the traps work: unqualified calls that search public are caught
\set VERBOSITY terse
SET search_path = public, pg_catalog;
SELECT lower('X');
SELECT 'a'::text = 'a'::text;
SET search_path = public;
SELECT format('%s', 'x'::text);
SELECT count(relname::text) FROM pg_class;
\set VERBOSITY default

-- ---------------------------------------------------------------------------
-- CREATE EXTENSION with public first
-- ---------------------------------------------------------------------------
SET search_path = public;
CREATE EXTENSION bg;
SELECT name, is_default FROM bg.roles;

-- the user's tables
CREATE TABLE public.person (
    id         integer PRIMARY KEY,
    account_id integer,
    job_title  text,
    seniority  integer,
    email_invalid boolean
);
INSERT INTO public.person VALUES
    (1, 10, 'Chief Information Security Officer', 5, false),
    (2, 10, '  Sr Director, IT  ', 4, false),
    (3, 10, 'Security Analyst', 2, false),
    (4, 10, 'ÉCOLE liaison', 1, true),
    (5, 10, NULL, NULL, NULL);
CREATE TABLE public.account (id integer PRIMARY KEY, name text, parent_id integer);

-- ---------------------------------------------------------------------------
-- Every catalog function with search_path = public, bg
-- ---------------------------------------------------------------------------
SET search_path = public, bg;
SELECT bg.bind_people('person');
SELECT bg.bind_people('person', key => 'id', account => 'account_id');
SELECT bg.bind_accounts('account', parent => 'parent_id');
SELECT kind, relid, key_column, account_column, name_column, parent_column FROM bg_internal.binding ORDER BY kind;
SELECT bg.create_role('Architect', 'Designs the solution.');
SELECT bg.create_role('Buyer');
SELECT bg.rename_role('Buyer', 'Purchaser');
SELECT bg.drop_role('Purchaser');
SELECT bg.create_template('T', 'Cybersecurity');
SELECT bg.add_role('T', 'Decision Maker', $$job_title contains 'chief' or job_title starts with 'ciso'$$, 'vital');
SELECT bg.add_role('T', 'Influencer', $$job_title starts with any ('Sr Director', 'Director') and seniority >= 3$$,
                   'important', members_required => 2);
SELECT bg.add_role('T', 'Practitioner', $$job_title matches 'analyst|engineer'$$, priority => 1);
SELECT bg.add_role('T', 'Architect', $$job_title contains 'école'$$, 'minor', false);
SELECT bg.add_role('T', 'Champion');
SELECT bg.update_role('T', 'Champion', weight => 'trivial', members_required => 3);
SELECT bg.set_condition('T', 'Champion', $$not email_invalid and seniority between 1 and 3$$);
SELECT bg.set_condition('T', 'Champion', NULL);
SELECT bg.move_role('T', 'Practitioner', 3);
SELECT bg.move_role('T', 'Practitioner', 1);
SELECT bg.remove_role('T', 'Champion');
SELECT bg.copy_template('T', 'T draft');
SELECT bg.drop_template('T draft');
SELECT bg.publish_template('T');
SELECT bg.copy_template('T', 'T v2');
SELECT * FROM bg.template_roles;
SELECT name, description, status, role_count, published_at IS NOT NULL AS published FROM bg.templates;
SELECT name, is_default FROM bg.roles;

-- evaluation
SELECT bg.check_condition($$JOB_TITLE Contains 'x' AND NOT email_invalid$$);
SELECT bg.check_condition($$seniority >= 3$$, 'person');
SELECT p.id, bg.role_for('T', p) FROM person p ORDER BY p.id;
SELECT * FROM bg.explain_role('T', (SELECT p FROM person p WHERE p.id OPERATOR(pg_catalog.=) 2));
SELECT p.account_id, bg.role_counts('T', p), round(bg.completeness('T', p)::numeric, 6) AS completeness,
       bg.role_completeness('T', p), bg.missing_roles('T', p)
  FROM person p GROUP BY p.account_id;
SELECT bg.role_counts('T', r), round(bg.completeness('T', r)::numeric, 6) AS completeness,
       bg.role_completeness('T', r), bg.missing_roles('T', r)
  FROM (SELECT bg.role_for('T', p) AS r FROM person p) x;

-- errors are the extension's own, not 'hijacked'
\set VERBOSITY terse
SELECT bg.create_role('architect');
SELECT bg.create_role('  ');
SELECT bg.drop_role('Champion');
SELECT bg.drop_role('Nobody');
SELECT bg.add_role('T', 'Other');
SELECT bg.add_role('T v2', 'Other', weight => 'huge');
SELECT bg.add_role('T v2', 'Other', 'nope = 1');
SELECT bg.add_role('T v2', 'Other', priority => 9);
SELECT bg.move_role('T v2', 'Architect', 0);
SELECT bg.drop_template('T');
SELECT bg.publish_template('Nope');
SELECT bg.bind_people('person', 'nope');
SELECT bg.bind_accounts('person');
\set VERBOSITY default

-- ---------------------------------------------------------------------------
-- The same with public searched before pg_catalog
-- ---------------------------------------------------------------------------
SET search_path = public, pg_catalog, bg;
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');
SELECT bg.create_role('Sponsor');
SELECT bg.rename_role('Sponsor', 'Exec Sponsor');
SELECT bg.create_template('U');
SELECT bg.add_role('U', 'Exec Sponsor', $$seniority >= 5$$, 'VITAL');
SELECT bg.add_role('U', 'Other', $$job_title is not empty$$, priority => 1);
SELECT bg.update_role('U', 'Other', $$job_title is not empty and not email_invalid$$, 'minor', true, 2);
SELECT bg.set_condition('U', 'Other', $$job_title is not empty$$);
SELECT bg.move_role('U', 'Exec Sponsor', 1);
SELECT bg.copy_template('U', 'U copy');
SELECT bg.remove_role('U copy', 'Other');
SELECT bg.drop_template('U copy');
SELECT bg.publish_template('U');
SELECT * FROM bg.template_roles;
SELECT bg.check_condition($$job_title ends with 'officer'$$);
SELECT p.id, bg.role_for('U', p), bg.role_for('T', p) FROM person p ORDER BY p.id;
SELECT role, matched, assigned, matched_predicates
  FROM bg.explain_role('U', (SELECT p FROM person p WHERE p.id OPERATOR(pg_catalog.=) 1));
SELECT p.account_id, bg.role_counts('U', p), round(bg.completeness('U', p)::numeric, 6) AS completeness,
       bg.role_completeness('U', p), bg.missing_roles('U', p)
  FROM person p GROUP BY p.account_id;
SELECT bg.role_counts('U', r), round(bg.completeness('U', r)::numeric, 6) AS completeness,
       bg.role_completeness('U', r), bg.missing_roles('U', r)
  FROM (SELECT bg.role_for('U', p) AS r FROM person p) x;
\set VERBOSITY terse
SELECT bg.create_role('exec sponsor');
SELECT bg.drop_role('Exec Sponsor');
SELECT bg.rename_role('Other', 'x');
SELECT bg.add_role('U', 'Champion');
SELECT bg.add_role('T v2', 'Other', members_required => 0);
SELECT bg.bind_people('person', 'id', 'nope');
\set VERBOSITY default

-- ---------------------------------------------------------------------------
-- The managed functions and the access levels, called by a writer (they run
-- as bg's owner: a hostile object they resolved would run with its rights)
-- ---------------------------------------------------------------------------
RESET search_path;
INSERT INTO public.account VALUES (10, 'Acme', NULL), (20, 'Globex', 10);
INSERT INTO public.person VALUES (6, 20, 'CISO', 5, false);
CREATE ROLE regress_sp_writer;
CREATE ROLE regress_sp_reader;
SET search_path = public, pg_catalog, bg;
SELECT bg.grant_access('regress_sp_writer', 'writer');
GRANT SELECT ON public.account, public.person TO regress_sp_writer;   -- what bg's views show it
SELECT bg.grant_access('regress_sp_reader', 'reader');
SELECT bg.revoke_access('regress_sp_reader');
SELECT bg.bind_accounts('account', parent => 'parent_id');
-- mapped columns for the exports (the trimmed, lower-cased and hashed email too)
SELECT bg.bind_people('person', email => 'job_title', job_title => 'job_title');
SELECT bg.create_solution_interest('Plain', 'U', update_existing => true);
SELECT bg.create_solution_interest('Tree', 'U', update_existing => true, include_subaccounts => true);
SELECT bg.watch_people();
SELECT * FROM bg.access;
-- a vendor file for the enrichment (the email mapping is the job title here)
CREATE TABLE public.sp_vendor (email text, seniority integer);
INSERT INTO public.sp_vendor VALUES ('  SECURITY analyst ', 3);
GRANT SELECT ON public.sp_vendor TO regress_sp_writer;
GRANT UPDATE ON public.person TO regress_sp_writer;
SET ROLE regress_sp_writer;
SET search_path = public, pg_catalog, bg;
SELECT bg.create_account_list('Static');
SELECT bg.add_accounts('Static', ARRAY[10, 20]);
SELECT bg.remove_accounts('Static', ARRAY[20]);
SELECT bg.create_account_list('Dynamic', 'dynamic', $$name starts with 'glo'$$);
SELECT bg.refresh_account_list('Dynamic');
SELECT bg.create_buying_groups('Plain', 'Static') > 0 AS created;
SELECT bg.create_buying_groups('Tree', 'Static') > 0 AS created;
SELECT bg.create_buying_groups('Plain', 'Dynamic') > 0 AS created;
SELECT bg.assign_member(bg.buying_group_id('Plain', 10), 3, 'Other');
SELECT bg.assign_members(bg.buying_group_id('Plain', 10), ARRAY[4, 5], 'Exec Sponsor');
SELECT bg.set_member_role(bg.buying_group_id('Plain', 10), 4, 'Other');
SELECT bg.remove_member(bg.buying_group_id('Plain', 10), 5);
SELECT bg.remove_members(bg.buying_group_id('Plain', 10), ARRAY[4]);
SELECT bg.sync();
SELECT bg.sync('Tree');
SELECT name, member_count, completeness, missing_roles FROM bg.buying_groups ORDER BY id;
SELECT buying_group, person_key, role, source, is_removed FROM bg.members ORDER BY 1, 2;
SELECT account_key, role, members_needed, criteria, job_titles FROM bg.acquisition_targets('Plain') ORDER BY 1, 2;
SET client_min_messages = error;     -- the exports' warning: fewer rows than LinkedIn needs
SELECT * FROM bg.linkedin_companies('Plain', max_completeness => 100);
SELECT * FROM bg.linkedin_contacts('Plain');
SELECT * FROM bg.linkedin_contacts('Plain', role => 'Other', hash_emails => true);
RESET client_min_messages;
-- the enrichment's statement runs as the writer, under its search_path
SELECT bg.enrich_people('sp_vendor', overwrite => true) AS enrich_job \gset
SELECT id, seniority FROM public.person WHERE id OPERATOR(pg_catalog.=) 3;
SELECT bg.undo_enrichment(:enrich_job) AS restored;
SELECT id, seniority FROM public.person WHERE id OPERATOR(pg_catalog.=) 3;
SELECT bg.drop_buying_groups('Tree');
SELECT bg.purge_jobs('0 seconds');
SELECT bg.drop_account_list('Dynamic');
RESET ROLE;
-- live mode, for a writer of the people table with no grant on bg
GRANT SELECT, INSERT, UPDATE, DELETE ON public.person TO regress_sp_reader;
SET ROLE regress_sp_reader;
SET search_path = public, pg_catalog, bg;
INSERT INTO public.person VALUES (7, 10, 'CTO', 5, false);
UPDATE public.person SET seniority = 1 WHERE id OPERATOR(pg_catalog.=) 7;
DELETE FROM public.person WHERE id OPERATOR(pg_catalog.=) 7;
RESET ROLE;
RESET search_path;
SELECT person_key, role, source, is_removed FROM bg.members WHERE person_key = '7';
SELECT bg.watch_people(false);
DROP OWNED BY regress_sp_writer, regress_sp_reader;
DROP ROLE regress_sp_writer, regress_sp_reader;

-- ---------------------------------------------------------------------------
-- Clean up: the hostile objects, the tables, and a fresh bg
-- ---------------------------------------------------------------------------
RESET search_path;
DROP EXTENSION bg;
DROP TABLE public.person, public.account;
DROP TABLE public.role, public.template, public.template_role, public.binding, public.roles;
DROP OPERATOR public.= (text, text), public.<> (text, text),
              public.= (integer, integer), public.<> (integer, integer), public.< (integer, integer),
              public.> (integer, integer), public.>= (integer, integer),
              public.= (text, integer), public.= (integer, text),
              public.= (name, name), public.= (name, text), public.>= (bigint, integer);
DROP FUNCTION public.hijacked_op(text, text), public.hijacked_op(integer, integer),
              public.hijacked_op(text, integer), public.hijacked_op(integer, text),
              public.hijacked_op(name, name), public.hijacked_op(name, text),
              public.hijacked_op(bigint, integer);
DROP AGGREGATE public.string_agg(text, text), public.count(text);
DROP FUNCTION public.hijacked_sfunc(text, text, text), public.hijacked_count_sfunc(bigint, text);
DROP FUNCTION public.lower(text), public.upper(text), public.btrim(text), public.btrim(text, text),
              public.now(), public.format(text), public.format(text, text), public.format(text, text, text),
              public.format(text, name), public.quote_ident(text), public.to_regclass(text),
              public.nextval(regclass), public.pg_extension_config_dump(regclass, text);
CREATE EXTENSION bg;
