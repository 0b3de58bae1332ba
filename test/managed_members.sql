-- Manual member actions (docs/design.md §6): assign_member, assign_members,
-- set_member_role, remove_member, remove_members; stored scores after each
-- action; people and account keys of type integer, bigint, text and uuid.
BEGIN;
SELECT plan(136);

CREATE SCHEMA crm;
CREATE TABLE crm.account (id integer PRIMARY KEY, name text);
INSERT INTO crm.account VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech');
CREATE TABLE crm.person (id integer PRIMARY KEY, account_id integer, job_title text, seniority integer);
INSERT INTO crm.person VALUES
    (101, 1, 'CEO', 5),         -- Decision Maker
    (102, 1, 'CISO', 4),        -- Influencer
    (103, 1, 'Engineer', 1),
    (104, 1, 'Analyst', 2),
    (105, 1, 'Intern', 1),
    (201, 2, 'CTO', 5),         -- Decision Maker
    (202, 2, 'Clerk', 1),
    (301, 3, 'Janitor', 1);     -- account 3 has no group

SELECT bg.create_template('Security');
SELECT bg.add_role('Security', 'Decision Maker', 'job_title is any (''CEO'', ''CTO'', ''CFO'')');
SELECT bg.add_role('Security', 'Influencer', 'seniority >= 3', members_required => 2);
SELECT bg.add_role('Security', 'Practitioner');                         -- required, filled by hand
SELECT bg.add_role('Security', 'Champion', required => false);
SELECT bg.publish_template('Security');
SELECT bg.bind_accounts('crm.account');
SELECT bg.bind_people('crm.person');
SELECT bg.create_solution_interest('Suite', 'Security');
SELECT bg.create_account_list('Both');
SELECT FROM bg.add_accounts('Both', ARRAY[1, 2]);
SELECT FROM bg.create_buying_groups('Suite', 'Both');
CREATE TEMP TABLE g AS
    SELECT bg.buying_group_id('Suite', 1) AS g1, bg.buying_group_id('Suite', 2) AS g2;

-- The members of a group as 'person:role:source', removed ones marked with a '-'.
CREATE FUNCTION pg_temp.members(grp bigint) RETURNS text[] LANGUAGE sql AS $$
    SELECT coalesce(array_agg(CASE WHEN is_removed THEN '-' ELSE '' END || person_key || ':' || role || ':' || source
                              ORDER BY person_key), '{}')
      FROM bg.members WHERE buying_group = grp;
$$;
CREATE FUNCTION pg_temp.scores(grp bigint) RETURNS text LANGUAGE sql AS $$
    SELECT format('%s members, %s%%, missing %s', member_count, round(completeness::numeric, 2), missing_roles)
      FROM bg.buying_groups WHERE id = grp;
$$;
CREATE FUNCTION pg_temp.removed_ok(grp bigint) RETURNS boolean LANGUAGE sql AS $$
    SELECT bool_and((removed_at IS NOT NULL) = is_removed) FROM bg.members WHERE buying_group = grp;
$$;

SELECT is(pg_temp.members(g1), ARRAY['101:Decision Maker:rule', '102:Influencer:rule'], 'group 1 after the run')
  FROM g;
SELECT is(pg_temp.scores(g1), '2 members, 50.00%, missing {Influencer,Practitioner}', 'its scores') FROM g;

-- ---------------------------------------------------------------------------
-- assign_member
-- ---------------------------------------------------------------------------
SELECT lives_ok(format($$SELECT bg.assign_member(%s, 103, 'Practitioner')$$, g1), 'assign_member adds a person')
  FROM g;
SELECT is(pg_temp.members(g1), ARRAY['101:Decision Maker:rule', '102:Influencer:rule', '103:Practitioner:manual'],
    'the new member is manual, with the role') FROM g;
SELECT is(pg_temp.scores(g1), '3 members, 83.33%, missing {Influencer}', 'the scores follow') FROM g;
SELECT is_empty('SELECT * FROM tap.mismatched_groups()', 'stored scores equal the aggregates');
SELECT lives_ok(format($$SELECT bg.assign_member(%s, 104::bigint, 'Influencer')$$, g1),
    'a bigint key for an integer key column') FROM g;
SELECT is(pg_temp.scores(g1), '4 members, 100.00%, missing {}', 'the group is complete') FROM g;
SELECT lives_ok(format($$SELECT bg.assign_member(%s, 102, 'Influencer')$$, g1),
    'assigning a rule member its own role') FROM g;
SELECT is((SELECT source FROM bg.members m, g WHERE buying_group = g1 AND person_key = '102'), 'manual',
    'makes it a manual member');
SELECT lives_ok(format($$SELECT bg.assign_member(%s, '0101'::text, 'Champion')$$, g1),
    'assigning a rule member another role, with a text key') FROM g;
SELECT is(pg_temp.members(g1), ARRAY['101:Champion:manual', '102:Influencer:manual', '103:Practitioner:manual',
                                     '104:Influencer:manual'], 'the role changes and the member becomes manual') FROM g;
SELECT is(pg_temp.scores(g1), '4 members, 66.67%, missing {"Decision Maker"}', 'the scores follow the role change')
  FROM g;
SELECT lives_ok(format($$SELECT bg.assign_member(%s, p, 'Decision Maker') FROM crm.person p WHERE p.id = 105$$, g1),
    'assign_member takes a row of the people table') FROM g;
SELECT is((SELECT role || ':' || source FROM bg.members, g WHERE buying_group = g1 AND person_key = '105'),
    'Decision Maker:manual', 'the row''s key is used');
SELECT is_empty('SELECT * FROM tap.mismatched_groups()', 'stored scores equal the aggregates');

-- ---------------------------------------------------------------------------
-- remove_member, and assign_member of a removed member
-- ---------------------------------------------------------------------------
SELECT lives_ok(format($$SELECT bg.remove_member(%s, 103)$$, g1), 'remove_member') FROM g;
SELECT results_eq(
    $$SELECT role, source, is_removed, removed_at FROM bg.members, g WHERE buying_group = g1 AND person_key = '103'$$,
    $$VALUES ('Practitioner', 'manual', true, now())$$, 'the member is kept as removed, with removed_at');
SELECT is(pg_temp.scores(g1), '4 members, 66.67%, missing {Practitioner}', 'a removed member does not count') FROM g;
SELECT lives_ok(format($$SELECT bg.remove_member(%s, p) FROM crm.person p WHERE p.id = 102$$, g1),
    'remove_member takes a row') FROM g;
SELECT is(pg_temp.scores(g1), '3 members, 50.00%, missing {Influencer,Practitioner}', 'the scores follow') FROM g;
SELECT lives_ok(format($$SELECT bg.remove_member(%s, 103)$$, g1), 'removing a removed member again is harmless')
  FROM g;
SELECT is((SELECT is_removed FROM bg.members, g WHERE buying_group = g1 AND person_key = '103'), true,
    'it stays removed');
SELECT throws_ok(format($$SELECT bg.set_member_role(%s, 103, 'Champion')$$, g1), '42704',
    'person 103 is not a member of buying group "Suite for Acme"', 'a removed member''s role cannot be set') FROM g;
SELECT lives_ok(format($$SELECT bg.assign_member(%s, 103, 'Practitioner')$$, g1), 'assign_member of a removed member')
  FROM g;
SELECT results_eq(
    $$SELECT role, source, is_removed, removed_at FROM bg.members, g WHERE buying_group = g1 AND person_key = '103'$$,
    $$VALUES ('Practitioner', 'manual', false, NULL::timestamptz)$$, 'brings it back');
SELECT is(pg_temp.scores(g1), '4 members, 83.33%, missing {Influencer}', 'and it counts again') FROM g;
SELECT ok(pg_temp.removed_ok(g1), 'removed_at is set exactly for the removed members') FROM g;
SELECT is_empty('SELECT * FROM tap.mismatched_groups()', 'stored scores equal the aggregates');

-- ---------------------------------------------------------------------------
-- set_member_role
-- ---------------------------------------------------------------------------
SELECT lives_ok(format($$SELECT bg.set_member_role(%s, 201, 'Influencer')$$, g2), 'set_member_role of a rule member')
  FROM g;
SELECT is(pg_temp.members(g2), ARRAY['201:Influencer:manual'], 'the role changes and it becomes manual') FROM g;
SELECT is(pg_temp.scores(g2), '1 members, 16.67%, missing {"Decision Maker",Influencer,Practitioner}',
    'the scores follow') FROM g;
SELECT lives_ok(format($$SELECT bg.set_member_role(%s, p, 'Champion') FROM crm.person p WHERE p.id = 104$$, g1),
    'set_member_role takes a row') FROM g;
SELECT is((SELECT role FROM bg.members, g WHERE buying_group = g1 AND person_key = '104'), 'Champion', 'its role changed');
SELECT is_empty('SELECT * FROM tap.mismatched_groups()', 'stored scores equal the aggregates');

-- ---------------------------------------------------------------------------
-- assign_members and remove_members: bulk, in one call
-- ---------------------------------------------------------------------------
SELECT lives_ok(format($$SELECT bg.assign_members(%s, ARRAY[202, 201, 202], 'Practitioner')$$, g2),
    'assign_members, a duplicate included') FROM g;
SELECT is(pg_temp.members(g2), ARRAY['201:Practitioner:manual', '202:Practitioner:manual'],
    'every person gets the role') FROM g;
SELECT is(pg_temp.scores(g2), '2 members, 33.33%, missing {"Decision Maker",Influencer}', 'the scores follow') FROM g;
SELECT lives_ok(format($$SELECT bg.assign_members(%s, (SELECT array_agg(p) FROM crm.person p WHERE p.account_id = 2),
                                                   'Decision Maker')$$, g2), 'assign_members takes rows') FROM g;
SELECT is(pg_temp.members(g2), ARRAY['201:Decision Maker:manual', '202:Decision Maker:manual'], 'of the people table')
  FROM g;
SELECT lives_ok(format($$SELECT bg.assign_members(%s, '{}'::int[], 'Champion')$$, g2), 'an empty array is a no-op')
  FROM g;
SELECT lives_ok(format($$SELECT bg.remove_members(%s, ARRAY['201', '202'])$$, g2), 'remove_members, text keys') FROM g;
SELECT is(pg_temp.members(g2), ARRAY['-201:Decision Maker:manual', '-202:Decision Maker:manual'], 'both are removed')
  FROM g;
SELECT is(pg_temp.scores(g2), '0 members, 0.00%, missing {"Decision Maker",Influencer,Practitioner}',
    'a group without current members has completeness 0') FROM g;
SELECT lives_ok(format($$SELECT bg.assign_members(%s, ARRAY[201, 202], 'Influencer')$$, g2),
    'assign_members brings removed members back') FROM g;
SELECT is(pg_temp.members(g2), ARRAY['201:Influencer:manual', '202:Influencer:manual'], 'with the new role') FROM g;
SELECT lives_ok(format($$SELECT bg.remove_members(%s, (SELECT array_agg(p) FROM crm.person p WHERE p.id IN (101, 105)))$$,
                       g1), 'remove_members takes rows') FROM g;
SELECT is(pg_temp.scores(g1), '2 members, 33.33%, missing {"Decision Maker",Influencer}', 'the scores follow') FROM g;
SELECT ok(pg_temp.removed_ok(g1) AND pg_temp.removed_ok(g2), 'removed_at is set exactly for the removed members')
  FROM g;
SELECT is_empty('SELECT * FROM tap.mismatched_groups()', 'stored scores equal the aggregates');

-- ---------------------------------------------------------------------------
-- Errors
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE members_before AS SELECT * FROM bg_internal.member;
CREATE TEMP TABLE groups_before AS SELECT * FROM bg_internal.buying_group;
SELECT throws_ok(format('SELECT %s', call), '42704', 'buying group 999999 does not exist',
                 substring(call from 'bg\.\w+') || ' of an unknown group is 42704')
  FROM unnest(ARRAY[$$bg.assign_member(999999, 101, 'Champion')$$,
                    $$bg.assign_members(999999, ARRAY[101], 'Champion')$$,
                    $$bg.set_member_role(999999, 101, 'Champion')$$,
                    $$bg.remove_member(999999, 101)$$,
                    $$bg.remove_members(999999, ARRAY[101])$$]) call;
SELECT throws_ok(format('SELECT %s', call), '22004', 'buying group must not be null',
                 substring(call from 'bg\.\w+') || ' of a NULL group is 22004')
  FROM unnest(ARRAY[$$bg.assign_member(NULL, 101, 'Champion')$$,
                    $$bg.assign_members(NULL, ARRAY[101], 'Champion')$$,
                    $$bg.set_member_role(NULL, 101, 'Champion')$$,
                    $$bg.remove_member(NULL, 101)$$,
                    $$bg.remove_members(NULL, ARRAY[101])$$]) call;
SELECT throws_ok(format(call, g1), '22004', 'role must not be null', substring(call from 'bg\.\w+') || ' with a NULL role')
  FROM g, unnest(ARRAY[$$SELECT bg.assign_member(%s, 101, NULL)$$,
                       $$SELECT bg.assign_members(%s, ARRAY[101], NULL)$$,
                       $$SELECT bg.set_member_role(%s, 103, NULL)$$]) call;
SELECT throws_ok(format(call, g1), '42704', 'role "Other" is not in roles template "Security"',
                 substring(call from 'bg\.\w+') || ' with a role not in the template')
  FROM g, unnest(ARRAY[$$SELECT bg.assign_member(%s, 101, 'Other')$$,
                       $$SELECT bg.assign_members(%s, ARRAY[101], 'Other')$$,
                       $$SELECT bg.set_member_role(%s, 103, 'Other')$$]) call;
SELECT throws_ok(format($$SELECT bg.assign_member(%s, 101, 'Nope')$$, g1), '42704', 'role "Nope" is not in roles template "Security"',
    'an unknown role is 42704, not in the (live) template') FROM g;
SELECT throws_ok(format($$SELECT bg.assign_member(%s, 101, 'champion')$$, g1), '42704', NULL,
    'role names are exact') FROM g;
SELECT throws_ok(format(call, g1), '22004', 'person must not be null', substring(call from 'bg\.\w+') || ' of a NULL person')
  FROM g, unnest(ARRAY[$$SELECT bg.assign_member(%s, NULL::integer, 'Champion')$$,
                       $$SELECT bg.set_member_role(%s, NULL::text, 'Champion')$$,
                       $$SELECT bg.remove_member(%s, NULL::bigint)$$]) call;
SELECT throws_ok(format(call, g1), '22004', 'people must not be null', substring(call from 'bg\.\w+') || ' of a NULL array')
  FROM g, unnest(ARRAY[$$SELECT bg.assign_members(%s, NULL::int[], 'Champion')$$,
                       $$SELECT bg.remove_members(%s, NULL::int[])$$]) call;
SELECT throws_ok(format(call, g1), '22004', 'people must not contain nulls',
                 substring(call from 'bg\.\w+') || ' with a NULL among the people')
  FROM g, unnest(ARRAY[$$SELECT bg.assign_members(%s, ARRAY[103, NULL], 'Champion')$$,
                       $$SELECT bg.remove_members(%s, ARRAY[103, NULL])$$]) call;
SELECT throws_ok(format($$SELECT bg.assign_member(%s, 999, 'Champion')$$, g1), '23503',
    'person 999 not found in crm.person', 'a person not in the people table is 23503') FROM g;
SELECT throws_ok(format($$SELECT bg.assign_members(%s, ARRAY[103, 999, 104, 998], 'Champion')$$, g1), '23503',
    'person 998, 999 not found in crm.person', 'assign_members: unknown people among good ones') FROM g;
SELECT throws_ok(format($$SELECT bg.assign_member(%s, 201, 'Champion')$$, g1), '22023',
    'person 201 is not in account 1 of buying group "Suite for Acme"', 'a person of another account is 22023') FROM g;
SELECT throws_ok(format($$SELECT bg.assign_members(%s, ARRAY[103, 301, 104], 'Champion')$$, g1), '22023', NULL,
    'assign_members: a person of another account among good ones') FROM g;
SELECT throws_ok(format($$SELECT bg.assign_member(%s, 'abc'::text, 'Champion')$$, g1), '22P02', NULL,
    'an uncastable person key is 22P02') FROM g;
SELECT throws_ok(format($$SELECT bg.set_member_role(%s, 201, 'Champion')$$, g1), '42704',
    'person 201 is not a member of buying group "Suite for Acme"', 'set_member_role of a non-member is 42704') FROM g;
SELECT throws_ok(format($$SELECT bg.set_member_role(%s, 999, 'Champion')$$, g1), '42704', NULL,
    'set_member_role of an unknown person is 42704') FROM g;
SELECT throws_ok(format($$SELECT bg.remove_member(%s, 101)$$, g2), '42704',
    'person 101 is not a member of buying group "Suite for Globex"', 'remove_member of a non-member is 42704') FROM g;
SELECT throws_ok(format($$SELECT bg.remove_members(%s, ARRAY[103, 104, 201])$$, g1), '42704', NULL,
    'remove_members: a non-member among members') FROM g;
SELECT results_eq('SELECT * FROM bg_internal.member ORDER BY group_id, person_key',
                  'SELECT * FROM members_before ORDER BY group_id, person_key', 'the refused calls wrote no member');
SELECT results_eq('SELECT * FROM bg_internal.buying_group ORDER BY id', 'SELECT * FROM groups_before ORDER BY id',
    'and changed no group');

-- ---------------------------------------------------------------------------
-- Keys of every type: integer, bigint, text, uuid
-- ---------------------------------------------------------------------------
-- a: accounts A, B; p: people A1 (CEO), A2 (CISO), A3 (Engineer) of A and B1
-- (CTO) of B, as canonical text; alt: A3 spelled otherwise; unknown: a key
-- of no person; bad: an uncastable value (NULL: none).
CREATE FUNCTION pg_temp.key_scenario(s text, typ text, a text[], p text[], alt text, unknown text, bad text)
    RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
    ga bigint;
    gb bigint;
    jid bigint;
    n integer;
BEGIN
    EXECUTE format('CREATE SCHEMA %I', s);
    EXECUTE format('CREATE TABLE %I.account (id %s PRIMARY KEY, name text)', s, typ);
    EXECUTE format('CREATE TABLE %I.person (id %s PRIMARY KEY, account_id %s, job_title text, seniority integer)',
                   s, typ, typ);
    EXECUTE format('INSERT INTO %I.account VALUES (%L, ''Acme''), (%L, ''Globex'')', s, a[1], a[2]);
    EXECUTE format('INSERT INTO %I.person VALUES (%L, %L, ''CEO'', 5), (%L, %L, ''CISO'', 4),
                    (%L, %L, ''Engineer'', 1), (%L, %L, ''CTO'', 5)', s, p[1], a[1], p[2], a[1], p[3], a[1], p[4], a[2]);
    PERFORM bg.bind_accounts(format('%I.account', s)::regclass);
    PERFORM bg.bind_people(format('%I.person', s)::regclass);
    PERFORM bg.create_solution_interest(s, 'Security');
    PERFORM bg.create_account_list(s);
    EXECUTE format('SELECT bg.add_accounts(%L, ARRAY[%L, %L]::%s[])', s, a[1], a[2], typ) INTO n;
    RETURN NEXT is(n, 2, s || ': add_accounts takes keys of the type');

    jid := bg.create_buying_groups(s, s);
    RETURN NEXT results_eq(format('SELECT status, groups_created, members_added FROM bg.jobs WHERE id = %s', jid),
        $$VALUES ('done', 2::bigint, 3::bigint)$$, s || ': create_buying_groups creates the groups and rule members');
    RETURN NEXT results_eq(
        format('SELECT g.name, g.account_key FROM bg.buying_groups g JOIN %I.account x ON x.id = g.account_key::%s
                 WHERE g.solution_interest = %L ORDER BY x.name', s, typ, s),
        format('VALUES (%L, %L), (%L, %L)', s || ' for Acme', a[1], s || ' for Globex', a[2]),
        s || ': groups join back to their accounts by account_key');
    EXECUTE format('SELECT bg.buying_group_id(%L, %L::%s)', s, a[1], typ) INTO ga;
    EXECUTE format('SELECT bg.buying_group_id(%L, x) FROM %I.account x WHERE x.id = %L', s, s, a[2]) INTO gb;
    RETURN NEXT ok(ga IS NOT NULL AND gb IS NOT NULL AND ga <> gb
                   AND (SELECT account_key FROM bg.buying_groups WHERE id = gb) = a[2],
                   s || ': buying_group_id takes a key or a row');
    RETURN NEXT results_eq(
        format('SELECT x.job_title, m.role, m.source FROM bg.members m JOIN %I.person x ON x.id = m.person_key::%s
                 WHERE m.solution_interest = %L ORDER BY x.job_title', s, typ, s),
        $$VALUES ('CEO', 'Decision Maker', 'rule'), ('CISO', 'Influencer', 'rule'), ('CTO', 'Decision Maker', 'rule')$$,
        s || ': rule members join back to their people by person_key');

    EXECUTE format('SELECT bg.assign_member(%s, %L::%s, ''Practitioner'')', ga, p[3], typ);
    EXECUTE format('SELECT bg.set_member_role(%s, x, ''Champion'') FROM %I.person x WHERE x.id = %L', ga, s, p[2]);
    EXECUTE format('SELECT bg.remove_member(%s, %L::text)', ga, alt);
    RETURN NEXT results_eq(
        format('SELECT x.job_title, m.role, m.source, m.is_removed FROM bg.members m
                  JOIN %I.person x ON x.id = m.person_key::%s
                 WHERE m.buying_group = %s ORDER BY x.job_title', s, typ, ga),
        $$VALUES ('CEO', 'Decision Maker', 'rule', false), ('CISO', 'Champion', 'manual', false),
                 ('Engineer', 'Practitioner', 'manual', true)$$,
        s || ': assign_member (key), set_member_role (row) and remove_member (text key) act on the right people');
    EXECUTE format('SELECT bg.assign_members(%s, (SELECT array_agg(x) FROM %I.person x WHERE x.account_id = %L),
                                              ''Influencer'')', ga, s, a[1]);
    EXECUTE format('SELECT bg.remove_members(%s, ARRAY[%L, %L]::%s[])', ga, p[1], p[2], typ);
    RETURN NEXT results_eq(
        format('SELECT x.job_title, m.role, m.is_removed FROM bg.members m JOIN %I.person x ON x.id = m.person_key::%s
                 WHERE m.buying_group = %s ORDER BY x.job_title', s, typ, ga),
        $$VALUES ('CEO', 'Influencer', true), ('CISO', 'Influencer', true), ('Engineer', 'Influencer', false)$$,
        s || ': assign_members (rows) and remove_members (keys) act on the right people');
    RETURN NEXT is(
        (SELECT array_agg(person_key ORDER BY person_key) FROM bg.members WHERE solution_interest = s),
        (SELECT array_agg(k ORDER BY k) FROM unnest(p) AS k),
        s || ': person keys are stored as canonical text');
    RETURN NEXT throws_ok(format('SELECT bg.assign_member(%s, %L::%s, ''Champion'')', ga, p[4], typ), '22023', NULL,
        s || ': a person of another account is refused');
    RETURN NEXT throws_ok(format('SELECT bg.assign_member(%s, %L::%s, ''Champion'')', ga, unknown, typ), '23503', NULL,
        s || ': an unknown person is refused');
    IF bad IS NOT NULL THEN
        RETURN NEXT throws_ok(format('SELECT bg.assign_members(%s, ARRAY[%L, %L], ''Champion'')', ga, p[3], bad),
            '22P02', NULL, s || ': an uncastable key is refused');
    END IF;
    RETURN NEXT is_empty('SELECT * FROM tap.mismatched_groups()', s || ': stored scores equal the aggregates');
END $f$;

SELECT * FROM pg_temp.key_scenario('k_int', 'integer', ARRAY['1', '2'], ARRAY['11', '12', '13', '21'],
                                   ' +13', '99', 'abc');
SELECT * FROM pg_temp.key_scenario('k_bigint', 'bigint', ARRAY['10000000001', '10000000002'],
                                   ARRAY['20000000011', '20000000012', '20000000013', '20000000021'],
                                   '020000000013', '99', '1.5e');
SELECT * FROM pg_temp.key_scenario('k_text', 'text', ARRAY['acme', 'globex'], ARRAY['alice', 'bob', 'carol', 'dave'],
                                   'carol', 'Carol', NULL);
SELECT * FROM pg_temp.key_scenario('k_uuid', 'uuid',
    ARRAY['a0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000002'],
    ARRAY['b0000000-0000-0000-0000-000000000011', 'b0000000-0000-0000-0000-000000000012',
          'b0000000-0000-0000-0000-000000000013', 'b0000000-0000-0000-0000-000000000021'],
    '{B0000000000000000000000000000013}', 'b0000000-0000-0000-0000-000000000099', 'not-a-uuid');

-- bg_internal.member has no foreign keys: its trigger refuses rows outside bg's rules
SELECT throws_ok(format($$INSERT INTO bg_internal.member (group_id, person_key, role_id, source) VALUES (%s, '1', 1, 'import')$$,
                        (SELECT max(id) + 100 FROM bg_internal.buying_group)),
                 '23503', NULL, 'a direct member row of a group that does not exist is refused');
SELECT throws_ok(format($$INSERT INTO bg_internal.member (group_id, person_key, role_id, source)
                          SELECT %s, '1', r.id, 'import' FROM bg_internal.role r WHERE r.name = 'Other'$$, (SELECT g1 FROM g)),
                 '42704', NULL, 'a direct member row with a role outside the template is refused');
SELECT throws_ok(format($$UPDATE bg_internal.member SET role_id = (SELECT r.id FROM bg_internal.role r WHERE r.name = 'Other')
                          WHERE group_id = %s$$, (SELECT g1 FROM g)),
                 '42704', NULL, 'changing a member to a role outside the template is refused');

SELECT * FROM finish();
ROLLBACK;
