-- bg_internal._engagement_changes (src/engagement_changes.c): every score of
-- a refresh computed in one pass, the people's keys read as their table's
-- owner (here a key is the reading role's name), and only the rows to
-- write returned: changed person scores, the keys of people no longer
-- bound, changed group scores, the numbers read; a NULL or repeated
-- people key; only bg's owner may call it; its errors.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
DROP ROLE IF EXISTS regress_ec_owner;
DROP ROLE IF EXISTS regress_ec_probe;
RESET client_min_messages;
CREATE EXTENSION bg;
CREATE ROLE regress_ec_owner;
CREATE ROLE regress_ec_probe;
CREATE SCHEMA regress_engagement_changes;
GRANT USAGE, CREATE ON SCHEMA regress_engagement_changes TO regress_ec_owner;
GRANT USAGE ON SCHEMA regress_engagement_changes TO regress_ec_probe;
SET search_path = regress_engagement_changes, public;
SET TimeZone = 'UTC';

-- try(query): the shared helpers
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

SELECT bg.create_weighting_model('m');
SELECT bg.set_activity_weight('m', 'email', 'vital');
SELECT bg.set_activity_weight('m', 'web', 'minor');
SELECT bg.activate_weighting_model('m');

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL REFERENCES account, job_title text);
CREATE TABLE activity (person_id text, activity_type text, occurred_at timestamptz);
INSERT INTO account VALUES (1, 'Acme');
INSERT INTO person VALUES (1, 1, 'boss'), (2, 1, 'boss'), (3, 1, 'clerk');
ALTER TABLE person OWNER TO regress_ec_owner;
-- 1: 2 emails (2); 2: 1 email and 1 web (1.4); 9 and 01: not bound;
-- regress_ec_owner: 1 web (0.4)
INSERT INTO activity VALUES ('1', 'email', '2026-11-28 10:00+00'), ('1', 'email', '2026-11-27 10:00+00'),
                            ('2', 'email', '2026-11-28 10:00+00'), ('2', 'web', '2026-11-28 10:00+00'),
                            ('9', 'email', '2026-11-28 10:00+00'), ('01', 'email', '2026-11-28 10:00+00'),
                            ('regress_ec_owner', 'web', '2026-11-28 10:00+00');

CREATE FUNCTION changes(people_query text) RETURNS TABLE (kind text, id bigint, k text, raw float8, score float8)
LANGUAGE sql AS $$
    SELECT * FROM bg_internal._engagement_changes('activity',
        'SELECT a.person_id, a.activity_type, a.occurred_at FROM regress_engagement_changes.activity a', NULL,
        'person', people_query, '2026-11-29 12:00+00')
     ORDER BY kind, id, k;
$$;

-- nothing stored: every bound person; the people table read as its owner
SELECT * FROM changes('SELECT p.id::text FROM regress_engagement_changes.person p
                       UNION ALL SELECT current_user::text');
-- stored: 1 unchanged, 2 changed, 7 no longer bound
INSERT INTO bg_internal.person_engagement VALUES ('1', 2, 100, now()), ('2', 1, 50, now()), ('7', 0, 0, now());
SELECT * FROM changes('SELECT p.id::text FROM regress_engagement_changes.person p');
-- a NULL key (the refresh's write refuses it) and a key twice (counted, returned once)
SELECT * FROM changes('SELECT NULL::text UNION ALL SELECT ''3'' UNION ALL SELECT ''3''');
-- integer keys (read as bigint): the same, the stored keys and the
-- activities' text keys parsed (01 is nobody's)
SELECT * FROM changes('SELECT p.id::int8 FROM regress_engagement_changes.person p');
SELECT * FROM bg_internal._engagement_changes('activity',
    'SELECT a.person_id, a.activity_type, a.occurred_at FROM regress_engagement_changes.activity a
      WHERE a.person_id OPERATOR(pg_catalog.<>) ''regress_ec_owner''', NULL,
    'person', 'SELECT p.id::int8 FROM regress_engagement_changes.person p UNION ALL SELECT -9223372036854775808',
    '2026-11-29 12:00+00') ORDER BY kind, id, k;
DELETE FROM bg_internal.person_engagement;

-- groups: Boss (vital) 1 and 2, Clerk (trivial) 3 (0), so
-- G = (2 + 1.4) × 100 / (100 + 20) = 2.8333…
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');
SELECT bg.create_role('Boss');
SELECT bg.create_role('Clerk');
SELECT bg.create_template('t');
SELECT bg.add_role('t', 'Boss', 'job_title = ''boss''', weight => 'vital');
SELECT bg.add_role('t', 'Clerk', 'job_title = ''clerk''', weight => 'trivial');
SELECT bg.publish_template('t');
SELECT bg.create_solution_interest('S', 't');
SELECT bg.create_account_list('all');
SELECT bg.add_accounts('all', ARRAY[1]);
SELECT bg.create_buying_groups('S', 'all');
SELECT * FROM changes('SELECT p.id::text FROM regress_engagement_changes.person p') WHERE kind IN ('group', 'groups');
-- a stored group score the same is not returned
UPDATE bg_internal.buying_group SET engagement_raw = 2.8333333333333335, engagement_score = 100.00000000000001;
SELECT * FROM changes('SELECT p.id::text FROM regress_engagement_changes.person p') WHERE kind IN ('group', 'groups');

-- only the owner of bg_internal may call it
SELECT has_function_privilege('public',
    'bg_internal._engagement_changes(regclass, text, text[], regclass, text, timestamptz)', 'EXECUTE')
    AS public_may_execute;
GRANT USAGE ON SCHEMA bg_internal TO regress_ec_probe;
GRANT EXECUTE ON FUNCTION bg_internal._engagement_changes(regclass, text, text[], regclass, text, timestamptz)
    TO regress_ec_probe;
SET ROLE regress_ec_probe;
SELECT try($$SELECT * FROM bg_internal._engagement_changes('regress_engagement_changes.activity', 'SELECT 1', NULL,
                                                           'regress_engagement_changes.person', 'SELECT 1', now())$$);
RESET ROLE;
REVOKE EXECUTE ON FUNCTION bg_internal._engagement_changes(regclass, text, text[], regclass, text, timestamptz)
    FROM regress_ec_probe;
REVOKE USAGE ON SCHEMA bg_internal FROM regress_ec_probe;

-- errors
SELECT try($$SELECT * FROM bg_internal._engagement_changes('activity', 'SELECT 1', NULL, NULL, 'SELECT 1', now())$$);
SELECT try($$SELECT * FROM bg_internal._engagement_changes('activity', 'SELECT 1', NULL, 'person', 'SELECT 1', NULL)$$);
SELECT try($$SELECT * FROM bg_internal._engagement_changes('activity', 'SELECT 1', NULL, 'person', 'SELECT 1', 'infinity')$$);
SELECT try($$SELECT * FROM changes('SELECT 1')$$);
SELECT try($$SELECT * FROM changes('SELECT ''1'', ''2''')$$);
SELECT try($$SELECT * FROM bg_internal._engagement_changes('activity', 'SELECT 1', NULL, 'person', 'SELECT ''1''', now())$$);
SELECT try($$SELECT * FROM bg_internal._engagement_changes('activity', 'SELECT NULL::text, NULL::text, NULL::timestamptz',
                                                           NULL, 0::oid::regclass, 'SELECT ''1''', now())$$);
-- a member whose role is not in its group's template
ALTER TABLE bg_internal.member DISABLE TRIGGER USER;
UPDATE bg_internal.member SET role_id = (SELECT r.id FROM bg_internal.role r WHERE r.name = 'Other');
ALTER TABLE bg_internal.member ENABLE TRIGGER USER;
SELECT try($$SELECT * FROM changes('SELECT p.id::text FROM regress_engagement_changes.person p')$$);

SET client_min_messages = warning;
DROP SCHEMA regress_engagement_changes CASCADE;
DROP EXTENSION bg CASCADE;
DROP OWNED BY regress_ec_owner, regress_ec_probe;
DROP ROLE regress_ec_owner;
DROP ROLE regress_ec_probe;
