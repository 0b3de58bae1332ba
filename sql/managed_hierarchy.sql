-- Account hierarchy (docs/design.md §6): a solution interest with include_subaccounts
-- counts the people of the account's whole subtree (accounts bound with a
-- parent column).  Manual members may come from the subtree, not from
-- elsewhere; a cycle in the parent links is an error (22000), never a hang;
-- without include_subaccounts the hierarchy is ignored.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_managed_hierarchy;
SET search_path = regress_managed_hierarchy, public;
-- a hanging walk would fail here instead of stalling the suite
SET statement_timeout = '20s';

-- try(query), score_mismatches(): the shared helpers
\set try_query
\set score_mismatches
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL, parent_id integer);
CREATE TABLE person (
    id          integer PRIMARY KEY,
    account_id  integer NOT NULL REFERENCES account,
    job_title   text
);
-- Root ── EU ── France        Other ── Other Sub
--      └─ US
INSERT INTO account VALUES
    (1, 'Root', NULL), (2, 'EU', 1), (3, 'US', 1), (4, 'France', 2),
    (5, 'Other', NULL), (6, 'Other Sub', 5);
INSERT INTO person VALUES
    (101, 1, 'Chief Executive'),        -- Decision Maker
    (201, 2, 'Director EMEA'),          -- Influencer
    (301, 3, 'VP Sales'),               -- Decision Maker
    (401, 4, 'Security Engineer'),      -- Practitioner
    (402, 4, 'Director, Paris'),        -- Influencer
    (403, 4, 'Intern'),                 -- no role
    (501, 5, 'Security Engineer'),      -- Practitioner
    (601, 6, 'Director of IT');         -- Influencer
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account', parent => 'parent_id');

\i :abs_srcdir/test/helpers/fixtures_sec.sql

SELECT bg.create_solution_interest('Tree', 'sec', update_existing => true, include_subaccounts => true);
SELECT bg.create_solution_interest('Flat', 'sec', update_existing => true);
SELECT name, update_existing, include_subaccounts FROM bg.solution_interests ORDER BY name;
SELECT bg.create_account_list('all');
SELECT bg.add_accounts('all', ARRAY[1, 2, 3, 4, 5, 6]);

-- The current members of a solution interest's groups, one row per group.
CREATE FUNCTION members(si text)
RETURNS TABLE (account text, members text)
LANGUAGE sql AS $$
    SELECT g.account_key,
           string_agg(m.person_key || ':' || m.role || ':' || m.source, ', ' ORDER BY m.person_key)
      FROM bg.buying_groups g
      LEFT JOIN bg.members m ON m.buying_group = g.id AND NOT m.is_removed
     WHERE g.solution_interest = si
     GROUP BY g.account_key ORDER BY g.account_key::int;
$$;
\i :abs_srcdir/test/helpers/fixtures_groups.sql
CREATE FUNCTION gid(si text, account integer) RETURNS bigint
LANGUAGE sql AS $$ SELECT bg.buying_group_id(si, account) $$;
CREATE FUNCTION jobs()
RETURNS TABLE (solution_interest text, account_list text, status text, groups_created bigint,
               members_added bigint, error_code text)
LANGUAGE sql AS $$
    SELECT solution_interest, account_list, status, groups_created, members_added, error_code
      FROM bg.jobs ORDER BY id;
$$;

-- ---------------------------------------------------------------------------
-- A group counts the people of its account's whole subtree
-- ---------------------------------------------------------------------------
SELECT bg.create_buying_groups('Tree', 'all') > 0 AS created;
SELECT bg.create_buying_groups('Flat', 'all') > 0 AS created;
-- Tree: 14 members = Root 5 + EU 3 + US 1 + France 2 + Other 2 + Other Sub 1;
-- Flat: 7, the people with a role
SELECT * FROM jobs();
-- Root: everybody of Root, EU, US, France (three levels); EU: EU and France;
-- France and US: their own; Other: Other and Other Sub
SELECT * FROM members('Tree');
SELECT * FROM groups('Tree');
-- without include_subaccounts: each account's own people only
SELECT * FROM members('Flat');
SELECT * FROM groups('Flat');
SELECT score_mismatches();

-- nothing to change
SELECT bg.sync();

-- ---------------------------------------------------------------------------
-- Manual members: from the subtree only
-- ---------------------------------------------------------------------------
-- the intern of France, two levels down, into Root's group
SELECT try($$SELECT bg.assign_member(gid('Tree', 1), 403, 'Practitioner')$$);
-- and into France's own group
SELECT try($$SELECT bg.assign_member(gid('Tree', 4), 403, 'Influencer')$$);
-- US is a sibling of EU, not below it
SELECT try($$SELECT bg.assign_member(gid('Tree', 2), 301, 'Decision Maker')$$);
-- Root is above EU, not below it
SELECT try($$SELECT bg.assign_member(gid('Tree', 2), 101, 'Decision Maker')$$);
-- another tree
SELECT try($$SELECT bg.assign_members(gid('Tree', 1), ARRAY[403, 601], 'Influencer')$$);
-- Flat ignores the hierarchy: France is not Root
SELECT try($$SELECT bg.assign_member(gid('Flat', 1), 403, 'Practitioner')$$);
SELECT try($$SELECT bg.assign_member(gid('Flat', 4), 403, 'Practitioner')$$);
SELECT * FROM members('Tree') WHERE account IN ('1', '4');
SELECT * FROM members('Flat') WHERE account IN ('1', '4');
SELECT score_mismatches();

-- ---------------------------------------------------------------------------
-- Sync follows the hierarchy: France moves from EU to US
-- ---------------------------------------------------------------------------
UPDATE account SET parent_id = 3 WHERE id = 4;
-- EU loses 401 and 402, US gains them; Root keeps everybody
SELECT bg.sync('Tree');
SELECT * FROM members('Tree');
SELECT * FROM groups('Tree');
-- the hierarchy does not matter to Flat
SELECT bg.sync('Flat');
SELECT score_mismatches();
-- France becomes a root of its own: Root and US lose its people, but the
-- intern stays in Root's group (manual)
UPDATE account SET parent_id = NULL WHERE id = 4;
SELECT bg.sync('Tree');
SELECT * FROM members('Tree') WHERE account IN ('1', '3');
UPDATE account SET parent_id = 2 WHERE id = 4;
SELECT bg.sync('Tree');
SELECT * FROM members('Tree') WHERE account IN ('1', '2');
SELECT score_mismatches();

-- ---------------------------------------------------------------------------
-- A cycle in the parent links: 22000, never a hang
-- ---------------------------------------------------------------------------
\set VERBOSITY terse
INSERT INTO account VALUES (7, 'Loop A', NULL), (8, 'Loop B', 7), (9, 'Selfie', 9);
UPDATE account SET parent_id = 8 WHERE id = 7;     -- 7 -> 8 -> 7
INSERT INTO person VALUES (701, 7, 'Chief Loop'), (801, 8, 'Security Engineer'), (901, 9, 'VP Self');
SELECT bg.create_account_list('loop');
SELECT bg.add_accounts('loop', ARRAY[7, 8]);
SELECT bg.create_account_list('self');
SELECT bg.add_accounts('self', ARRAY[9]);
-- the jobs fail: by default with their error, and nothing is kept, not even
-- the job; with record_failure (scheduled runs) with a warning and a failed job
SELECT try($$SELECT bg.create_buying_groups('Tree', 'loop')::text$$);
SELECT count(*) AS jobs_kept FROM bg.jobs WHERE account_list IN ('loop', 'self');
-- (the warning carries the run's SQLSTATE, and the cause in DETAIL)
\set VERBOSITY sqlstate
SELECT bg.create_buying_groups('Tree', 'loop', record_failure => true) > 0 AS job;
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT bg.create_buying_groups('Tree', 'self', record_failure => true) > 0 AS job;
\set SHOW_CONTEXT errors
\set VERBOSITY terse
SELECT solution_interest, account_list, status, error_code, error FROM bg.jobs
WHERE status = 'failed' ORDER BY id;
SELECT gid('Tree', 7) AS loop_a, gid('Tree', 8) AS loop_b, gid('Tree', 9) AS selfie;
SELECT count(*) AS tree_groups FROM bg.buying_groups WHERE solution_interest = 'Tree';
-- Flat ignores the parent links: its groups are made
SELECT bg.create_buying_groups('Flat', 'loop') > 0 AS job;
SELECT bg.create_buying_groups('Flat', 'self') > 0 AS job;
SELECT * FROM jobs() WHERE account_list IN ('loop', 'self');
SELECT * FROM members('Flat') WHERE account::int >= 7;
-- the groups of the accounts outside the loops are not affected, nor are
-- manual assignments there
SELECT bg.sync('Tree');
SELECT try($$SELECT bg.assign_member(gid('Tree', 1), 101, 'Influencer')$$);

-- Tree groups exist for 7, 8 and 9 while there is no cycle, then the links close
UPDATE account SET parent_id = NULL WHERE id IN (7, 9);
SELECT bg.create_buying_groups('Tree', 'loop') > 0 AS job;
SELECT bg.create_buying_groups('Tree', 'self') > 0 AS job;
SELECT * FROM members('Tree') WHERE account::int >= 7;
UPDATE account SET parent_id = 8 WHERE id = 7;
SELECT try($$SELECT bg.sync('Tree')::text$$);
SELECT try($$SELECT bg.sync()::text$$);
SELECT try($$SELECT bg.assign_member(gid('Tree', 7), 801, 'Influencer')$$);
SELECT try($$SELECT bg.assign_member(gid('Tree', 8), 701, 'Influencer')$$);
SELECT try($$SELECT bg.assign_members(gid('Tree', 8), ARRAY[801], 'Influencer')$$);
-- Flat is not affected
SELECT try($$SELECT bg.sync('Flat')::text$$);
SELECT try($$SELECT bg.assign_member(gid('Flat', 7), 701, 'Influencer')$$);
-- the self-parent
UPDATE account SET parent_id = NULL WHERE id = 7;
UPDATE account SET parent_id = 9 WHERE id = 9;
SELECT try($$SELECT bg.sync('Tree')::text$$);
SELECT try($$SELECT bg.assign_member(gid('Tree', 9), 901, 'Influencer')$$);
-- live mode re-evaluates an inserted person: the walk up meets the cycle
SELECT bg.watch_people();
SELECT try($$INSERT INTO person VALUES (902, 9, 'Security Engineer') RETURNING id$$);
SELECT count(*) AS person_902 FROM person WHERE id = 902;
-- people of accounts outside the cycle are fine
INSERT INTO person VALUES (404, 4, 'CISO Paris');
INSERT INTO person VALUES (405, 4, 'Chief Paris Officer');
SELECT * FROM members('Tree') WHERE account IN ('1', '2', '4');
SELECT bg.watch_people(false);
-- the self-parent link breaks: everything works again
UPDATE account SET parent_id = NULL WHERE id = 9;
SELECT bg.sync();
SELECT * FROM members('Tree') WHERE account::int >= 7;
SELECT score_mismatches();
\set VERBOSITY default

-- ---------------------------------------------------------------------------
-- include_subaccounts needs a parent column
-- ---------------------------------------------------------------------------
SELECT bg.bind_accounts('account');
SELECT try($$SELECT bg.create_solution_interest('Tree 2', 'sec', include_subaccounts => true)$$);
SELECT try($$SELECT bg.sync('Tree')::text$$);
SELECT try($$SELECT bg.create_buying_groups('Tree', 'all')::text$$);
SELECT try($$SELECT bg.assign_member(gid('Tree', 1), 401, 'Influencer')$$);
-- Flat still works
SELECT bg.sync('Flat');
SELECT bg.bind_accounts('account', parent => 'parent_id');
SELECT bg.sync();
SELECT score_mismatches();

RESET statement_timeout;
SET client_min_messages = warning;
DROP SCHEMA regress_managed_hierarchy CASCADE;
RESET client_min_messages;
RESET search_path;
