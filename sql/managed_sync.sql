-- bg.sync (docs/design.md §6): re-evaluating the rule members of the buying groups of
-- update_existing solution interests.  New matches join, rule members that no
-- longer match are kept as removed, changed roles follow the conditions,
-- removed rule members that match again come back; manual and imported
-- members are never touched; a sync with nothing to change writes nothing;
-- the stored scores always equal the docs/design.md §5 aggregates over the current members.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_managed_sync;
SET search_path = regress_managed_sync, public;

-- try(query), score_mismatches(): the shared helpers
\set try_query
\set score_mismatches
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (
    id          integer PRIMARY KEY,
    account_id  integer NOT NULL REFERENCES account,
    name        text,
    job_title   text
);
INSERT INTO account VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech');
INSERT INTO person VALUES
    (11, 1, 'Ann', 'Chief Security Officer'),   -- Decision Maker
    (12, 1, 'Bob', 'Director of IT'),           -- Influencer
    (13, 1, 'Cid', 'Security Engineer'),        -- Practitioner
    (14, 1, 'Dee', 'Receptionist'),             -- no role
    (21, 2, 'Eve', 'VP Engineering'),           -- Decision Maker (priority 1 wins)
    (22, 2, 'Fay', 'Director of Security'),     -- Influencer
    (23, 2, 'Gus', 'Director, Networks'),       -- Influencer
    (24, 2, 'Hal', 'Analyst');                  -- no role
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');

\i :abs_srcdir/test/helpers/fixtures_sec.sql

SELECT bg.create_solution_interest('Security', 'sec', update_existing => true);
SELECT bg.create_solution_interest('Frozen', 'sec');      -- not synced
SELECT bg.create_account_list('all');
SELECT bg.add_accounts('all', ARRAY[1, 2, 3]);

\i :abs_srcdir/test/helpers/fixtures_members.sql
-- The stored scores of a solution interest's groups.
CREATE FUNCTION groups(si text)
RETURNS TABLE (account text, member_count integer, completeness numeric, missing_roles text[], role_counts jsonb)
LANGUAGE sql AS $$
    SELECT g.account_key, g.member_count, round(g.completeness::numeric, 2), g.missing_roles, g.role_counts
      FROM bg.buying_groups g WHERE g.solution_interest = si
     ORDER BY g.account_key::int;
$$;
-- Physical versions (ctid, xmin) of every group and member row: any write,
-- even one that stores the same values, gives a row a new version.
CREATE TABLE snapshot (what text, key text, row_ctid tid, row_xmin text);
CREATE FUNCTION take_snapshot() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM snapshot;
    INSERT INTO snapshot SELECT 'group', g.id::text, g.ctid, g.xmin::text FROM bg_internal.buying_group g;
    INSERT INTO snapshot SELECT 'member', m.group_id || '/' || m.person_key, m.ctid, m.xmin::text FROM bg_internal.member m;
$$;
-- How many rows were written (inserted, updated or deleted) since the snapshot.
CREATE FUNCTION rows_written(OUT groups bigint, OUT members bigint)
LANGUAGE sql AS $$
    WITH now AS (
        SELECT 'group' AS what, g.id::text AS key, g.ctid, g.xmin::text AS xmin FROM bg_internal.buying_group g
        UNION ALL
        SELECT 'member', m.group_id || '/' || m.person_key, m.ctid, m.xmin::text FROM bg_internal.member m),
    diff AS (
        SELECT coalesce(n.what, s.what) AS what FROM now n FULL JOIN snapshot s USING (what, key)
         WHERE (n.ctid, n.xmin) IS DISTINCT FROM (s.row_ctid, s.row_xmin))
    SELECT count(*) FILTER (WHERE what = 'group'), count(*) FILTER (WHERE what = 'member') FROM diff;
$$;
CREATE FUNCTION gid(si text, account integer) RETURNS bigint
LANGUAGE sql AS $$ SELECT bg.buying_group_id(si, account) $$;

-- ---------------------------------------------------------------------------
-- Creation: rule members by the template's conditions
-- ---------------------------------------------------------------------------
SELECT bg.create_buying_groups('Security', 'all') > 0 AS created;
SELECT bg.create_buying_groups('Frozen', 'all') > 0 AS created;
SELECT solution_interest, account_list, status, groups_created, members_added, error_code
FROM bg.jobs ORDER BY id;
SELECT * FROM members('Security');
-- Acme: DM 1/1, Influencer 1/2, Practitioner 1/1; Globex: DM 1, Influencer 2/2,
-- no Practitioner; Initech: nobody (0, every required role missing)
SELECT * FROM groups('Security');
SELECT score_mismatches();

-- nothing changed: zero counts, not one row written
SELECT take_snapshot();
SELECT bg.sync();
SELECT * FROM rows_written();
SELECT bg.sync('Security');
SELECT * FROM rows_written();

-- ---------------------------------------------------------------------------
-- Manual and imported members
-- ---------------------------------------------------------------------------
-- Dee has no rule role: a manual Practitioner
SELECT bg.assign_member(gid('Security', 1), 14, 'Practitioner');
-- Bob (rule Influencer) becomes a manual Decision Maker
SELECT bg.set_member_role(gid('Security', 1), 12, 'Decision Maker');
-- Cid (rule Practitioner) is removed by hand
SELECT bg.remove_member(gid('Security', 1), 13);
-- Hal comes from an imported file as a Practitioner
INSERT INTO bg_internal.member (group_id, person_key, role_id, source)
SELECT gid('Security', 2), '24', r.id, 'import' FROM bg_internal.role r WHERE r.name = 'Practitioner';
SELECT * FROM members('Security');
-- Acme: DM 2 (Ann, Bob), Influencer 0/2, Practitioner 1 (Dee); Globex complete
SELECT * FROM groups('Security');
SELECT score_mismatches();

-- the manual decisions are what the conditions would not give, yet a sync
-- leaves them alone
SELECT take_snapshot();
SELECT bg.sync();
SELECT * FROM rows_written();

-- ---------------------------------------------------------------------------
-- People change; sync follows
-- ---------------------------------------------------------------------------
INSERT INTO person VALUES (31, 3, 'Ida', 'Security Engineer');    -- new match
UPDATE person SET job_title = 'Sales' WHERE id = 23;              -- Gus: no longer matches
UPDATE person SET job_title = 'VP Security' WHERE id = 22;        -- Fay: Influencer -> Decision Maker
UPDATE person SET job_title = 'Director of Ops' WHERE id = 13;    -- Cid: would match, removed by hand
UPDATE person SET job_title = 'Chief of Staff' WHERE id = 14;     -- Dee: would be a DM, manual
UPDATE person SET job_title = 'Chief Analyst' WHERE id = 24;      -- Hal: would be a DM, imported
UPDATE person SET name = 'Eva' WHERE id = 21;                     -- no condition column
SELECT take_snapshot();
-- the interest without update_existing is refused by name and skipped by sync()
SELECT try($$SELECT bg.sync('Frozen')$$);
SELECT try($$SELECT bg.sync('nope')$$);
SELECT * FROM rows_written();
-- added: Ida; removed: Gus; changed: Fay
SELECT bg.sync(NULL);
-- Ida's row is new, Gus's and Fay's are updated; their 2 groups (Globex, Initech) rescored
SELECT * FROM rows_written();
SELECT * FROM members('Security');
-- Gus left as removed: still source rule, removed_at set
SELECT source, is_removed, removed_at IS NOT NULL AS has_removed_at, removed_at >= added_at AS after_added
FROM bg.members WHERE solution_interest = 'Security' AND person_key = '23';
-- Globex: DM 2 (Eve, Fay), Influencer 0/2, Practitioner 1 (Hal, imported);
-- Initech: Practitioner 1
SELECT * FROM groups('Security');
SELECT score_mismatches();
-- Frozen's groups were not re-evaluated: still the members of its creation
SELECT * FROM members('Frozen');
SELECT * FROM groups('Frozen');

-- a second sync has nothing to do
SELECT take_snapshot();
SELECT bg.sync();
SELECT * FROM rows_written();

-- ---------------------------------------------------------------------------
-- A removed rule member that matches again comes back; a deleted person leaves
-- ---------------------------------------------------------------------------
UPDATE person SET job_title = 'Director, Networks' WHERE id = 23;  -- Gus matches again
DELETE FROM person WHERE id = 11;                                  -- Ann is gone
SELECT take_snapshot();
-- added: Gus (back); removed: Ann
SELECT bg.sync('Security');
-- their 2 rows and their 2 groups (Acme, Globex)
SELECT * FROM rows_written();
SELECT * FROM members('Security') WHERE person IN ('11', '23');
SELECT * FROM groups('Security');
SELECT score_mismatches();

-- a rule member's role follows his condition again (changed)
UPDATE person SET job_title = 'Security Engineer' WHERE id = 23;
SELECT bg.sync();
SELECT * FROM members('Security') WHERE person = '23';
SELECT score_mismatches();

-- a person whose condition flips twice between syncs is not written at all
UPDATE person SET job_title = 'Sales' WHERE id = 31;
UPDATE person SET job_title = 'Security Engineer' WHERE id = 31;
SELECT take_snapshot();
SELECT bg.sync();
SELECT * FROM rows_written();

-- ---------------------------------------------------------------------------
-- Manual actions after a sync stay manual; a manual member re-added by hand
-- ---------------------------------------------------------------------------
-- Cid, removed by hand, is assigned again by hand: a current manual member
SELECT bg.assign_member(gid('Security', 1), 13, 'Influencer');
-- Gus (rule) is removed by hand: the next sync does not bring him back
SELECT bg.remove_member(gid('Security', 2), 23);
-- Ida (rule) gets a manual role; her condition still gives Practitioner
SELECT bg.set_member_role(gid('Security', 3), 31, 'Influencer');
SELECT take_snapshot();
SELECT bg.sync();
SELECT * FROM rows_written();
SELECT * FROM members('Security');
SELECT * FROM groups('Security');
SELECT score_mismatches();

-- errors of the manual actions write nothing
SELECT try($$SELECT bg.set_member_role(gid('Security', 2), 23, 'Influencer')$$);  -- removed: not a member
SELECT try($$SELECT bg.assign_member(gid('Security', 2), 12, 'Influencer')$$);    -- Bob is in Acme
SELECT try($$SELECT bg.assign_member(gid('Security', 2), 99, 'Influencer')$$);    -- no such person
SELECT try($$SELECT bg.assign_member(gid('Security', 2), 21, 'Champion')$$);      -- not in the template
SELECT try($$SELECT bg.remove_member(gid('Security', 3), 21)$$);                  -- never a member
SELECT * FROM rows_written();

-- ---------------------------------------------------------------------------
-- An update_existing interest without groups, and sync's arguments
-- ---------------------------------------------------------------------------
SELECT bg.create_solution_interest('Later', 'sec', update_existing => true);
SELECT bg.sync('Later');
SELECT try($$SELECT bg.sync('')$$);
-- the sum over every update_existing interest (Security and Later)
SELECT bg.sync() = bg.sync('Security') AS same_as_security;
SELECT * FROM rows_written();

SET client_min_messages = warning;
DROP SCHEMA regress_managed_sync CASCADE;
RESET client_min_messages;
RESET search_path;
