-- Access levels (docs/design.md §11): every function, aggregate and view of
-- schema bg called as a role of each level (and as a role with none) is
-- either allowed or refused with 42501, as its level says; bg.grant_access,
-- bg.revoke_access and bg.access; nothing granted to PUBLIC, nothing of
-- bg_internal granted to anyone.
BEGIN;
SELECT plan((SELECT 4 * count(*)::integer FROM pg_proc WHERE pronamespace = 'bg'::regnamespace)
            + (SELECT 4 * count(*)::integer FROM pg_class WHERE relnamespace = 'bg'::regnamespace AND relkind = 'v')
            + 29);

CREATE ROLE tap_reader;
CREATE ROLE tap_writer;
CREATE ROLE tap_admin;
CREATE ROLE tap_nobody;
CREATE ROLE tap_app IN ROLE tap_writer;          -- a login role of an application, by membership

-- What a call of the object gives when made as role: 'ok' when it ran (its
-- effects are undone), or the SQLSTATE it raised.
CREATE FUNCTION tap.call_as(role text, query text) RETURNS text
    LANGUAGE plpgsql AS $$
DECLARE
    st text;
    msg text;
BEGIN
    EXECUTE format('SET ROLE %I', role);
    BEGIN
        EXECUTE query;
        RAISE EXCEPTION 'tap: call done';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    END;
    RESET ROLE;
    RETURN CASE WHEN msg = 'tap: call done' THEN 'ok' ELSE st END;
END $$;

-- A call of every function and aggregate of bg with NULL arguments, of a
-- concrete type for polymorphic ones; the level that may make it (NULL: no
-- level, only superusers and the owner).
CREATE TEMPORARY VIEW api_calls AS
SELECT p.oid::regprocedure AS sig,
       format('SELECT %s(%s)', p.oid::regproc,
              coalesce((SELECT string_agg(format('NULL::%s',
                                                 CASE t WHEN 'anyelement'::regtype THEN 'text'
                                                        WHEN 'anyarray'::regtype THEN 'text[]'
                                                        ELSE format_type(t, NULL) END), ', ' ORDER BY o)
                          FROM unnest(p.proargtypes::regtype[]) WITH ORDINALITY AS a(t, o)), '')) AS query,
       (SELECT l.rank FROM bg_internal.level_privileges l WHERE l.objid = p.oid) AS rank
  FROM pg_proc p WHERE p.pronamespace = 'bg'::regnamespace;

SELECT is((SELECT array_agg(sig::text ORDER BY sig::text) FROM api_calls WHERE rank IS NULL),
          ARRAY['bg.grant_access(regrole,text)', 'bg.revoke_access(regrole)'],
          'every function of bg belongs to a level, but grant_access and revoke_access');

SELECT bg.grant_access('tap_reader', 'reader');
SELECT bg.grant_access('tap_writer', 'writer');
SELECT bg.grant_access('tap_admin', 'admin');

SELECT is(tap.call_as(r.role, c.query) = '42501', NOT coalesce(r.rank >= c.rank, false),
          format('%s as %s: %s', c.sig, r.role,
                 CASE WHEN coalesce(r.rank >= c.rank, false) THEN 'allowed' ELSE 'refused (42501)' END))
  FROM api_calls c,
       (VALUES ('tap_nobody', 0), ('tap_reader', 1), ('tap_writer', 2), ('tap_admin', 3)) r(role, rank)
 ORDER BY c.sig::text, r.rank;

SELECT is(tap.call_as(r.role, format('SELECT FROM %s LIMIT 0', c.oid::regclass)) = '42501', r.rank < v.need,
          format('view %s as %s: %s', c.oid::regclass, r.role,
                 CASE WHEN r.rank >= v.need THEN 'allowed' ELSE 'refused (42501)' END))
  FROM pg_class c
 CROSS JOIN LATERAL (SELECT CASE WHEN c.relname = 'access' THEN 3 ELSE 1 END AS need) v,
       (VALUES ('tap_nobody', 0), ('tap_reader', 1), ('tap_writer', 2), ('tap_admin', 3)) r(role, rank)
 WHERE c.relnamespace = 'bg'::regnamespace AND c.relkind = 'v'
 ORDER BY c.relname, r.rank;

-- levels through membership: an application's login role in a writer role
SELECT is(tap.call_as('tap_app', 'SELECT bg.sync()'), 'ok', 'a member of a writer role may sync');
SELECT is(tap.call_as('tap_app', 'SELECT bg.create_role(''X'')'), '42501', 'but not create roles');

SELECT results_eq('SELECT role::text, level FROM bg.access ORDER BY 1',
    $$VALUES ('tap_admin', 'admin'), ('tap_reader', 'reader'), ('tap_writer', 'writer')$$,
    'bg.access lists each role granted a level, with its level');

-- a level replaces the previous one; a privilege taken by hand leaves a lower level, or none
SELECT bg.grant_access('tap_admin', 'reader');
SELECT is(tap.call_as('tap_admin', 'SELECT bg.sync()'), '42501', 'an admin set back to reader may no longer sync');
SELECT is(tap.call_as('tap_admin', 'SELECT bg.role_for(''X'', NULL::text)') = '42501', false,
          'but still evaluates');
REVOKE EXECUTE ON FUNCTION bg.sync(text) FROM tap_writer;
SELECT results_eq('SELECT role::text, level FROM bg.access ORDER BY 1',
    $$VALUES ('tap_admin', 'reader'), ('tap_reader', 'reader'), ('tap_writer', 'reader')$$,
    'a writer missing one privilege of its level shows the highest level it holds whole');
REVOKE USAGE ON SCHEMA bg FROM tap_reader;
SELECT is((SELECT level FROM bg.access WHERE role = 'tap_reader'), NULL,
          'a role missing a reader privilege has no level');
SELECT bg.grant_access('tap_writer', 'writer');
SELECT is((SELECT level FROM bg.access WHERE role = 'tap_writer'), 'writer',
          'bg.grant_access completes it');
SELECT bg.revoke_access('tap_writer');
SELECT is((SELECT count(*)::integer FROM bg.access WHERE role = 'tap_writer'), 0,
          'bg.revoke_access takes every privilege away');
SELECT is(tap.call_as('tap_app', 'SELECT bg.sync()'), '42501', 'and from its members');
SELECT is(tap.call_as('tap_writer', 'SELECT FROM bg.roles'), '42501', 'views included');

-- errors
SELECT throws_ok($$SELECT bg.grant_access(NULL, 'reader')$$, '22004', 'role must not be null',
                 'grant_access: NULL role is 22004');
SELECT throws_ok($$SELECT bg.revoke_access(NULL)$$, '22004', 'role must not be null',
                 'revoke_access: NULL role is 22004');
SELECT throws_ok($$SELECT bg.grant_access('tap_reader', NULL)$$, '22004', 'level must not be null',
                 'grant_access: NULL level is 22004');
SELECT throws_ok($$SELECT bg.grant_access('tap_reader', 'owner')$$, '22023', 'unknown access level "owner"',
                 'grant_access: an unknown level is 22023');
SELECT throws_ok($$SELECT bg.grant_access('tap_nope', 'reader')$$, '42704', NULL,
                 'grant_access: an unknown role is 42704');
SELECT throws_ok(format('SELECT bg.grant_access(%L, ''reader'')',
                        (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'bg_internal')),
                 '22023', NULL, 'grant_access: the extension''s owner is 22023');
SELECT is(tap.call_as('tap_admin', 'SELECT bg.grant_access(''tap_admin'', ''admin'')'), '42501',
          'no level may grant levels (an admin cannot make itself more)');
SELECT is(tap.call_as('tap_admin', 'SELECT bg.revoke_access(''tap_reader'')'), '42501',
          'nor take them');

-- nothing to PUBLIC, nothing of bg_internal to anyone
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text)
             FROM pg_proc p
            WHERE p.pronamespace IN ('bg'::regnamespace, 'bg_internal'::regnamespace)
              AND has_function_privilege('tap_nobody', p.oid, 'EXECUTE')),
          ARRAY['bg_internal._activity_months(text[])', 'bg_internal._sees_account_names()', 'bg_internal._sees_all(text)',
                'bg_internal._visible(text,text)'],
          'no function of bg or bg_internal is executable by PUBLIC but the four that bg''s views call as their reader');
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text) FROM pg_proc p
            WHERE p.pronamespace IN ('bg'::regnamespace, 'bg_internal'::regnamespace) AND p.proacl IS NULL),
          ARRAY['bg_internal._activity_months(text[])', 'bg_internal._sees_account_names()', 'bg_internal._sees_all(text)',
                'bg_internal._visible(text,text)'],
          'and those four keep PostgreSQL''s default privileges');
SELECT is((SELECT array_agg(c.oid::regclass::text ORDER BY c.oid::regclass::text) FROM pg_class c, aclexplode(c.relacl) e
            WHERE c.relnamespace IN ('bg'::regnamespace, 'bg_internal'::regnamespace) AND e.grantee = 0),
          NULL, 'no view, table or sequence of bg is granted to PUBLIC');
SELECT is((SELECT array_agg(DISTINCT x.obj ORDER BY x.obj)
             FROM (SELECT p.oid::regprocedure::text AS obj, e.grantee FROM pg_proc p, aclexplode(p.proacl) e
                    WHERE p.pronamespace = 'bg_internal'::regnamespace
                   UNION ALL
                   SELECT c.oid::regclass::text, e.grantee FROM pg_class c, aclexplode(c.relacl) e
                    WHERE c.relnamespace = 'bg_internal'::regnamespace
                   UNION ALL
                   SELECT n.nspname::text, e.grantee FROM pg_namespace n, aclexplode(n.nspacl) e
                    WHERE n.nspname = 'bg_internal') x
            WHERE x.grantee <> (SELECT nspowner FROM pg_namespace WHERE nspname = 'bg_internal')),
          NULL, 'nothing of bg_internal is granted to any role but its owner, whatever the levels granted');
SELECT is(tap.call_as('tap_reader', 'SELECT FROM bg_internal.member LIMIT 0'), '42501',
          'a reader cannot read bg''s tables');
SELECT is(tap.call_as('tap_admin', 'SELECT FROM bg_internal.member LIMIT 0'), '42501',
          'nor can an admin');
SELECT is(tap.call_as('tap_admin', 'SELECT bg_internal._scores_stored(true)'), '42501',
          'nor call its internal functions (the mark that skips a rescore)');

-- a role whose name needs quoting
CREATE ROLE "tap Odd ""Role""";
SELECT bg.grant_access('"tap Odd ""Role"""', 'reader');
SELECT is((SELECT level FROM bg.access WHERE role = 'tap Odd "Role"'), 'reader',
          'a role whose name needs quoting gets its level');
SELECT is(tap.call_as('tap Odd "Role"', 'SELECT FROM bg.roles'), 'ok', 'and uses it');

SELECT * FROM finish();
ROLLBACK;
