-- The stored scores invariant (docs/design.md §6): after any sequence of membership
-- changes, every buying group's member_count, role_counts, completeness,
-- role_completeness and missing_roles equal the docs/design.md §5 aggregates over its
-- current members.  A seeded random sequence of several hundred operations
-- (manual actions, people changes in live mode, syncs, new groups, direct
-- writes to bg_internal.member) runs over 300 accounts and 3000 people; operations
-- that legitimately fail are counted by SQLSTATE (never XX000).  After a
-- final sync the rule members of the update_existing interests are exactly
-- what the conditions give.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_managed_invariant;
SET search_path = regress_managed_invariant, public;
-- one deterministic stream of random numbers
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.4242);

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL, parent_id integer, region text);
CREATE TABLE person (
    id          integer PRIMARY KEY,
    account_id  integer NOT NULL,
    name        text,
    job_title   text,
    seniority   integer,
    note        text
);
CREATE INDEX ON person (account_id);
CREATE INDEX ON account (parent_id);

CREATE FUNCTION r_int(lo integer, hi integer) RETURNS integer
LANGUAGE sql AS $$ SELECT lo + floor(random() * (hi - lo + 1))::integer $$;
CREATE FUNCTION titles() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['Chief Information Officer', 'VP Engineering', 'Director of IT', 'IT Manager',
                 'Security Engineer', 'Data Analyst', 'Intern', '', NULL, 'Sales',
                 'Network Engineer', 'Chief of Staff', 'Office manager', 'Director EMEA']
$$;
CREATE FUNCTION r_title() RETURNS text
LANGUAGE sql AS $$ SELECT (titles())[r_int(1, 14)] $$;

-- a shallow tree: accounts 1..30 are roots, 31..120 under them, 121..300
-- under those; a parent's id is always below its child's (no cycle)
INSERT INTO account
SELECT i, 'account ' || i,
       CASE WHEN i <= 30 THEN NULL WHEN i <= 120 THEN r_int(1, 30) ELSE r_int(31, 120) END,
       (ARRAY['EU', 'US', 'APAC'])[1 + i % 3]
FROM generate_series(1, 300) i;
INSERT INTO person
SELECT i, r_int(1, 300), 'person ' || i, r_title(), r_int(0, 9), NULL
FROM generate_series(1, 3000) i;
SELECT count(*) AS accounts, count(parent_id) AS subaccounts FROM account;
SELECT count(*) AS people, count(DISTINCT account_id) AS accounts_with_people FROM person;

SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account', parent => 'parent_id');

SELECT bg.create_template('sec');
SELECT bg.add_role('sec', 'Decision Maker', 'job_title starts with any (''chief'', ''vp'')');
SELECT bg.add_role('sec', 'Influencer', 'job_title contains any (''director'', ''manager'')', members_required => 2);
SELECT bg.add_role('sec', 'Practitioner', 'job_title contains any (''engineer'', ''analyst'')', members_required => 3);
SELECT bg.add_role('sec', 'Champion');
SELECT bg.add_role('sec', 'Other', 'seniority >= 8', required => false);
SELECT bg.publish_template('sec');
SELECT bg.create_template('small');
SELECT bg.add_role('small', 'Decision Maker', 'job_title starts with ''chief''');
SELECT bg.add_role('small', 'Influencer', 'job_title contains ''director''', members_required => 2);
SELECT bg.publish_template('small');

-- A: synced; B: subtrees, never synced; C: subtrees, synced
SELECT bg.create_solution_interest('A', 'sec', update_existing => true);
SELECT bg.create_solution_interest('B', 'small', include_subaccounts => true);
SELECT bg.create_solution_interest('C', 'sec', update_existing => true, include_subaccounts => true);
SELECT bg.create_account_list('main');
SELECT bg.add_accounts('main', ARRAY(SELECT generate_series(1, 240)));
SELECT bg.create_account_list('later');
SELECT bg.create_buying_groups(si, 'main') > 0 AS created FROM unnest(ARRAY['A', 'B', 'C']) si;
SELECT solution_interest, status, groups_created, members_added > 0 AS has_members FROM bg.jobs ORDER BY id;
SELECT bg.watch_people();

-- score_mismatches(): how many groups have stored scores that differ from the
-- docs/design.md §5 aggregates over their current members: the shared helpers
\set score_mismatches
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

-- The log of operations: kind and SQLSTATE (NULL: it worked).
CREATE TABLE op_log (n serial, op text, sqlstate text, message text, ms double precision);

CREATE FUNCTION random_group() RETURNS bigint
LANGUAGE sql AS $$
    SELECT id FROM bg_internal.buying_group ORDER BY id
    OFFSET r_int(0, (SELECT count(*)::integer - 1 FROM bg_internal.buying_group)) LIMIT 1;
$$;
-- a random existing person (volatile values are computed once, never per row)
CREATE FUNCTION any_person(hi integer DEFAULT 3100) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    x integer := r_int(1, hi);
BEGIN
    RETURN coalesce((SELECT min(id) FROM person WHERE id >= x), 1);
END $$;
-- a person of the group's account (when it has one), else any person
CREATE FUNCTION random_person(g bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    acct integer := (SELECT account_key::integer FROM bg_internal.buying_group WHERE id = g);
    n integer := (SELECT count(*) FROM person WHERE account_id = acct);
    x integer := r_int(1, 10);
    m integer := (SELECT max(id) FROM person);
BEGIN
    IF n > 0 AND x <= 8 THEN
        x := r_int(0, n - 1);
        RETURN (SELECT id FROM person WHERE account_id = acct ORDER BY id OFFSET x LIMIT 1);
    END IF;
    RETURN any_person(m);
END $$;
-- a member (current or removed) of the group, else a random person
CREATE FUNCTION random_member(g bigint) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    n integer := (SELECT count(*) FROM bg_internal.member WHERE group_id = g);
BEGIN
    IF n = 0 THEN
        RETURN random_person(g)::text;
    END IF;
    n := r_int(0, n - 1);
    RETURN (SELECT person_key FROM bg_internal.member WHERE group_id = g ORDER BY person_key OFFSET n LIMIT 1);
END $$;
CREATE FUNCTION random_role() RETURNS text
LANGUAGE sql AS $$
    SELECT (ARRAY['Decision Maker', 'Influencer', 'Practitioner', 'Champion', 'Other',
                  'Decision Maker', 'Influencer', 'Practitioner', 'Executive Steering Committee'])[r_int(1, 9)]
$$;
CREATE FUNCTION role_id(role text) RETURNS integer
LANGUAGE sql AS $$ SELECT r.id FROM bg_internal.role r WHERE r.name = $1 $$;

CREATE FUNCTION random_ops(count integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    op text;
    g bigint;
    g2 bigint;
    p integer;
    k text;
    x integer;
    st text;
    msg text;
    t0 timestamptz;
BEGIN
    FOR i IN 1..count LOOP
        x := r_int(1, 100);
        op := CASE WHEN x <= 10 THEN 'assign_member'
                   WHEN x <= 15 THEN 'assign_members'
                   WHEN x <= 22 THEN 'set_member_role'
                   WHEN x <= 28 THEN 'remove_member'
                   WHEN x <= 31 THEN 'remove_members'
                   WHEN x <= 39 THEN 'person_insert'
                   WHEN x <= 51 THEN 'person_update_title'
                   WHEN x <= 56 THEN 'person_move'
                   WHEN x <= 59 THEN 'person_update_other'
                   WHEN x <= 64 THEN 'person_delete'
                   WHEN x <= 69 THEN 'people_update_many'
                   WHEN x <= 71 THEN 'sync'
                   WHEN x <= 73 THEN 'new_groups'
                   WHEN x <= 77 THEN 'member_insert'
                   WHEN x <= 82 THEN 'member_update'
                   WHEN x <= 85 THEN 'member_delete'
                   WHEN x <= 87 THEN 'member_move'
                   WHEN x <= 89 THEN 'account_reparent'
                   WHEN x <= 90 THEN 'watch_toggle'
                   WHEN x <= 91 THEN 'group_delete'
                   ELSE 'bad_call' END;
        st := NULL;
        msg := NULL;
        t0 := clock_timestamp();
        BEGIN
            CASE op
            WHEN 'assign_member' THEN
                g := random_group();
                PERFORM bg.assign_member(g, random_person(g), random_role());
            WHEN 'assign_members' THEN
                g := random_group();
                PERFORM bg.assign_members(g, ARRAY(SELECT random_person(g) FROM generate_series(1, r_int(1, 4))),
                                          random_role());
            WHEN 'set_member_role' THEN
                g := random_group();
                PERFORM bg.set_member_role(g, random_member(g), random_role());
            WHEN 'remove_member' THEN
                g := random_group();
                PERFORM bg.remove_member(g, random_member(g));
            WHEN 'remove_members' THEN
                g := random_group();
                PERFORM bg.remove_members(g, ARRAY(SELECT random_member(g) FROM generate_series(1, r_int(1, 3))));
            WHEN 'person_insert' THEN
                INSERT INTO person
                SELECT m + j, r_int(1, (SELECT max(id) FROM account)), 'new ' || (m + j), r_title(), r_int(0, 9), NULL
                  FROM (SELECT max(id) AS m FROM person) s, generate_series(1, r_int(1, 3)) j;
            WHEN 'person_update_title' THEN
                p := any_person();
                UPDATE person SET job_title = r_title() WHERE id = p;
            WHEN 'person_move' THEN
                p := any_person();
                UPDATE person SET account_id = r_int(1, (SELECT max(id) FROM account)) WHERE id = p;
            WHEN 'person_update_other' THEN
                x := r_int(1, 3000);
                UPDATE person SET note = 'note ' || i, name = upper(name) WHERE id BETWEEN x AND x + 20;
            WHEN 'person_delete' THEN
                p := any_person();
                DELETE FROM person WHERE id = p;
            WHEN 'people_update_many' THEN
                -- a multi-row statement: titles and seniority from a hash, some moves
                x := r_int(1, 1000000);
                UPDATE person
                   SET job_title = (titles())[1 + abs(hashint4(id + x)) % 14],
                       seniority = abs(hashint4(id - x)) % 10,
                       account_id = CASE WHEN hashint4(id + 3 * x) % 7 = 0 THEN 1 + abs(hashint4(id + 2 * x)) % 300
                                         ELSE account_id END
                 WHERE id % 97 = x % 97;
            WHEN 'sync' THEN
                -- sync(), A, B (55000) or C
                PERFORM bg.sync((ARRAY[NULL, 'A', 'B', 'C'])[r_int(1, 4)]);
            WHEN 'new_groups' THEN
                -- a new account (parent among the first two levels) or one of 241..300
                IF r_int(1, 2) = 1 THEN
                    INSERT INTO account
                    SELECT m + 1, 'account ' || (m + 1), r_int(1, 120), 'EU' FROM (SELECT max(id) AS m FROM account) s;
                    INSERT INTO person
                    SELECT m + j, (SELECT max(id) FROM account), 'new ' || (m + j), r_title(), r_int(0, 9), NULL
                      FROM (SELECT max(id) AS m FROM person) s, generate_series(1, r_int(0, 6)) j;
                    PERFORM bg.add_accounts('later', ARRAY[(SELECT max(id) FROM account)]);
                ELSE
                    PERFORM bg.add_accounts('later', ARRAY[r_int(241, 300)]);
                END IF;
                PERFORM bg.create_buying_groups((ARRAY['A', 'B', 'C'])[r_int(1, 3)], 'later');
            WHEN 'member_insert' THEN
                g := random_group();
                INSERT INTO bg_internal.member (group_id, person_key, role_id, source)
                VALUES (g, random_person(g)::text, role_id(random_role()),
                        (ARRAY['import', 'ai', 'manual', 'rule'])[r_int(1, 4)]);
            WHEN 'member_update' THEN
                g := random_group();
                k := random_member(g);
                x := r_int(1, 3);
                IF x = 1 THEN
                    UPDATE bg_internal.member SET is_removed = NOT is_removed,
                                         removed_at = CASE WHEN is_removed THEN NULL ELSE now() END
                     WHERE group_id = g AND person_key = k;
                ELSIF x = 2 THEN
                    UPDATE bg_internal.member SET role_id = role_id(random_role()) WHERE group_id = g AND person_key = k;
                ELSE
                    -- several rows of the group at once
                    x := r_int(0, 9);
                    UPDATE bg_internal.member SET is_removed = NOT is_removed WHERE group_id = g AND person_key LIKE '%' || x;
                END IF;
            WHEN 'member_delete' THEN
                g := random_group();
                k := random_member(g);
                x := r_int(1, 9);
                IF r_int(1, 2) = 1 THEN
                    DELETE FROM bg_internal.member WHERE group_id = g AND person_key = k;
                ELSE
                    DELETE FROM bg_internal.member WHERE group_id = g AND person_key LIKE x || '%';
                END IF;
            WHEN 'member_move' THEN
                g := random_group();
                g2 := random_group();
                k := random_member(g);
                UPDATE bg_internal.member SET group_id = g2 WHERE group_id = g AND person_key = k;
            WHEN 'account_reparent' THEN
                -- keep parent ids below their children: no cycle
                x := r_int(31, 300);
                UPDATE account SET parent_id = CASE WHEN x <= 120 THEN r_int(0, 30) ELSE r_int(1, 120) END WHERE id = x;
                UPDATE account SET parent_id = NULL WHERE parent_id = 0;
            WHEN 'watch_toggle' THEN
                PERFORM bg.watch_people((SELECT NOT watched FROM bg_internal.binding WHERE kind = 'people'));
            WHEN 'group_delete' THEN
                g := random_group();
                DELETE FROM bg_internal.buying_group WHERE id = g;
            WHEN 'bad_call' THEN
                x := r_int(1, 5);
                g := random_group();
                IF x = 1 THEN
                    PERFORM bg.assign_member(g, 999999, 'Champion');                 -- 23503
                ELSIF x = 2 THEN
                    PERFORM bg.assign_member(g, NULL::integer, 'Champion');          -- 22004
                ELSIF x = 3 THEN
                    PERFORM bg.assign_member(g, random_person(g), 'Nope');           -- 42704
                ELSIF x = 4 THEN
                    PERFORM bg.assign_member(g, 'abc'::text, 'Champion');            -- 22P02
                ELSE
                    PERFORM bg.remove_members(-g, ARRAY[1]);                         -- 42704
                END IF;
            END CASE;
        EXCEPTION WHEN OTHERS THEN
            st := SQLSTATE;
            msg := SQLERRM;
        END;
        INSERT INTO op_log (op, sqlstate, message, ms)
        VALUES (op, st, msg, 1000 * extract(epoch FROM clock_timestamp() - t0));
    END LOOP;
END $$;

-- ---------------------------------------------------------------------------
-- Four rounds, checked after each
-- ---------------------------------------------------------------------------
SELECT score_mismatches() AS mismatches_at_start;
SELECT random_ops(150);
SELECT score_mismatches() AS mismatches_after_150;
SELECT random_ops(150);
SELECT score_mismatches() AS mismatches_after_300;
-- inside one transaction too
BEGIN;
SELECT random_ops(150);
SELECT score_mismatches() AS mismatches_after_450;
COMMIT;
SELECT random_ops(150);
SELECT score_mismatches() AS mismatches_after_600;

-- every kind of operation ran, and most worked
SELECT count(*) AS operations, count(DISTINCT op) AS kinds, count(*) FILTER (WHERE sqlstate IS NULL) AS worked
FROM op_log;
-- the failures, by SQLSTATE: only expected kinds of errors (22004 NULL,
-- 22023 person outside the account, 22P02 bad key, 23503 unknown person,
-- 23505 duplicate member row, 42704 unknown role/group/member, 55000 sync of B)
SELECT sqlstate, count(*) AS failures, string_agg(DISTINCT op, ', ' ORDER BY op) AS ops
FROM op_log WHERE sqlstate IS NOT NULL GROUP BY sqlstate ORDER BY sqlstate;
SELECT count(*) AS internal_errors FROM op_log WHERE sqlstate = 'XX000' OR sqlstate LIKE '57%' OR sqlstate LIKE '58%';

-- ---------------------------------------------------------------------------
-- After a final sync the rule members of A and C are what the conditions give
-- ---------------------------------------------------------------------------
SELECT bg.watch_people();
SELECT bg.sync() IS NOT NULL AS synced;
SELECT bg.sync() - 'groups' AS nothing_left;
-- desired rule memberships, computed here with their own walk of the tree
CREATE TABLE desired AS
WITH RECURSIVE walk (gid, si, acct) AS (
    SELECT g.id, s.name, g.account_key::integer
      FROM bg_internal.buying_group g JOIN bg_internal.solution_interest s ON s.id = g.solution_interest_id
     WHERE s.update_existing
    UNION ALL
    SELECT w.gid, w.si, c.id FROM walk w JOIN account c ON c.parent_id = w.acct WHERE w.si = 'C')
SELECT w.gid, w.si, p.id::text AS person_key, bg.role_for('sec', p) AS role
FROM walk w JOIN person p ON p.account_id = w.acct
WHERE bg.role_for('sec', p) IS NOT NULL;
SELECT si, count(*) > 1000 AS many FROM desired GROUP BY si ORDER BY si;
-- matching people without any member row (of any source)
SELECT count(*) AS missing FROM desired d
WHERE NOT EXISTS (SELECT FROM bg_internal.member m WHERE m.group_id = d.gid AND m.person_key = d.person_key);
-- rule members that should not be current, or have another role
SELECT count(*) AS wrong_rule_members
FROM bg.members m JOIN bg_internal.solution_interest s ON s.name = m.solution_interest
LEFT JOIN desired d ON d.gid = m.buying_group AND d.person_key = m.person_key
WHERE s.update_existing AND m.source = 'rule' AND NOT m.is_removed
  AND m.role IS DISTINCT FROM d.role;
-- removed rule members that match
SELECT count(*) AS removed_but_matching
FROM bg.members m JOIN desired d ON d.gid = m.buying_group AND d.person_key = m.person_key
WHERE m.source = 'rule' AND m.is_removed;
SELECT score_mismatches() AS mismatches_at_end;
-- the check itself sees the smallest difference
BEGIN;
UPDATE bg_internal.buying_group SET completeness = completeness + 1e-12 WHERE id = (SELECT min(id) FROM bg_internal.buying_group);
UPDATE bg_internal.buying_group SET missing_roles = missing_roles[2:] WHERE id = (SELECT max(id) FROM bg_internal.buying_group);
SELECT score_mismatches() AS two_corrupted_groups;
ROLLBACK;

-- a summary: groups and members by interest and source
SELECT solution_interest, count(*) AS groups, count(*) FILTER (WHERE member_count > 0) AS with_members,
       count(*) FILTER (WHERE missing_roles = '{}') AS complete
FROM bg.buying_groups GROUP BY solution_interest ORDER BY solution_interest;
SELECT solution_interest, source, count(*) FILTER (WHERE NOT is_removed) AS current,
       count(*) FILTER (WHERE is_removed) AS removed
FROM bg.members GROUP BY solution_interest, source ORDER BY solution_interest, source;
SELECT status, count(*) AS jobs FROM bg.jobs GROUP BY status ORDER BY status;

SET client_min_messages = warning;
DROP SCHEMA regress_managed_invariant CASCADE;
RESET client_min_messages;
RESET search_path;
RESET max_parallel_workers_per_gather;
