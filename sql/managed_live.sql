-- Live mode (docs/design.md §6): bg.watch_people() puts statement triggers on the
-- bound people table, so that inserts, deletes and updates of the columns the
-- conditions read re-evaluate the memberships of the changed people (solution
-- interests with update_existing) in the same statement.  Updates of other
-- columns write nothing; manual members are never touched; watch_people(false)
-- removes the triggers; re-binding the people moves them.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_managed_live;
SET search_path = regress_managed_live, public;

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
    job_title   text,
    department  text
);
INSERT INTO account VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech'), (4, 'Hooli');
INSERT INTO person VALUES
    (11, 1, 'Ann', 'Chief Security Officer', 'IT'),
    (12, 1, 'Bob', 'Director of IT', 'IT'),
    (21, 2, 'Eve', 'VP Engineering', 'Ops'),
    (22, 2, 'Fay', 'Receptionist', 'Ops');
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');

\i :abs_srcdir/test/helpers/fixtures_sec.sql
-- a template whose condition reads department, used only without update_existing
SELECT bg.create_template('ops');
SELECT bg.add_role('ops', 'Practitioner', 'department = ''Ops''');
SELECT bg.publish_template('ops');

SELECT bg.create_solution_interest('Live', 'sec', update_existing => true);
SELECT bg.create_solution_interest('Static', 'sec');
SELECT bg.create_solution_interest('Ops', 'ops');
-- Hooli (4) is in no list: it has no group
SELECT bg.create_account_list('abc');
SELECT bg.add_accounts('abc', ARRAY[1, 2, 3]);
SELECT bg.create_buying_groups(si, 'abc') > 0 AS created FROM unnest(ARRAY['Live', 'Static', 'Ops']) si;

\i :abs_srcdir/test/helpers/fixtures_members.sql
\i :abs_srcdir/test/helpers/fixtures_groups.sql
-- Row versions of the groups and members of each solution interest: a
-- write of a row, even of the same values, changes its (ctid, xmin).
CREATE TABLE snapshot (si text, what text, key text, row_ctid tid, row_xmin text);
CREATE VIEW row_versions AS
    SELECT s.name AS si, 'group' AS what, g.id::text AS key, g.ctid AS row_ctid, g.xmin::text AS row_xmin
      FROM bg_internal.buying_group g JOIN bg_internal.solution_interest s ON s.id = g.solution_interest_id
    UNION ALL
    SELECT s.name, 'member', m.group_id || '/' || m.person_key, m.ctid, m.xmin::text
      FROM bg_internal.member m JOIN bg_internal.buying_group g ON g.id = m.group_id
      JOIN bg_internal.solution_interest s ON s.id = g.solution_interest_id;
CREATE FUNCTION take_snapshot() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM snapshot;
    INSERT INTO snapshot SELECT * FROM row_versions;
$$;
-- Rows written since the snapshot, per solution interest.
CREATE FUNCTION rows_written(OUT si text, OUT groups bigint, OUT members bigint) RETURNS SETOF record
LANGUAGE sql AS $$
    SELECT s.name, count(*) FILTER (WHERE d.what = 'group'), count(*) FILTER (WHERE d.what = 'member')
      FROM bg_internal.solution_interest s
      LEFT JOIN (SELECT coalesce(n.si, o.si) AS si, coalesce(n.what, o.what) AS what
                   FROM row_versions n FULL JOIN snapshot o USING (si, what, key)
                  WHERE (n.row_ctid, n.row_xmin) IS DISTINCT FROM (o.row_ctid, o.row_xmin)) d ON d.si = s.name
     GROUP BY s.name ORDER BY s.name;
$$;
CREATE FUNCTION watch_triggers()
RETURNS TABLE (tbl regclass, tgname name, enabled "char")
LANGUAGE sql AS $$
    SELECT t.tgrelid::regclass, t.tgname, t.tgenabled FROM pg_trigger t
     WHERE t.tgname LIKE 'bg\_watch\_%' AND t.tgrelid::regclass::text LIKE 'person%'
     ORDER BY 1::text, 2;
$$;

SELECT * FROM members('Live');

-- ---------------------------------------------------------------------------
-- Turning live mode on
-- ---------------------------------------------------------------------------
SELECT try($$SELECT bg.watch_people(NULL)$$);
SELECT * FROM watch_triggers();
SELECT bg.watch_people();
SELECT bg.watch_people(true);     -- again: still one set of triggers
SELECT * FROM watch_triggers();

-- ---------------------------------------------------------------------------
-- INSERT: a matching person joins in the same statement
-- ---------------------------------------------------------------------------
SELECT take_snapshot();
INSERT INTO person VALUES (13, 1, 'Cid', 'Director of Security', 'IT');
-- Acme: Influencer 2/2 now, complete but for Practitioner
SELECT * FROM members('Live') WHERE account = '1';
SELECT * FROM groups('Live');
-- Static and Ops (no update_existing) were not touched
SELECT * FROM rows_written();
-- the change is visible to the rest of the transaction right after the statement
BEGIN;
INSERT INTO person VALUES (14, 1, 'Dan', 'Network Engineer', 'IT');
SELECT * FROM groups('Live') WHERE account = '1';
ROLLBACK;
SELECT * FROM groups('Live') WHERE account = '1';
-- a person matching no role, and one of an account without a group: nothing written
SELECT take_snapshot();
INSERT INTO person VALUES (15, 1, 'Eli', 'Intern', 'IT');
INSERT INTO person VALUES (41, 4, 'Hugo', 'Chief Hooli Officer', 'IT');
SELECT * FROM rows_written();
SELECT score_mismatches();

-- ---------------------------------------------------------------------------
-- UPDATE of a condition column: role change, removal, coming back
-- ---------------------------------------------------------------------------
UPDATE person SET job_title = 'Chief Financial Officer' WHERE id = 12;   -- Bob: Influencer -> DM
UPDATE person SET job_title = 'Receptionist' WHERE id = 21;              -- Eve: DM -> none
UPDATE person SET job_title = 'Security Engineer' WHERE id = 22;         -- Fay: none -> Practitioner
SELECT * FROM members('Live');
SELECT * FROM groups('Live');
UPDATE person SET job_title = 'VP Engineering' WHERE id = 21;            -- Eve comes back
SELECT * FROM members('Live') WHERE person = '21';
SELECT score_mismatches();

-- ---------------------------------------------------------------------------
-- UPDATE of other columns, or to the same value: no member or group row written
-- ---------------------------------------------------------------------------
SELECT take_snapshot();
UPDATE person SET name = upper(name);
UPDATE person SET job_title = job_title;
UPDATE person SET job_title = job_title || '' WHERE id = 11;
-- department is read only by the template of Ops, which is not updated
UPDATE person SET department = 'Ops' WHERE id = 11;
SELECT * FROM rows_written();
SELECT * FROM members('Ops');

-- ---------------------------------------------------------------------------
-- UPDATE moving a person: leaves the old account's group, joins the new one
-- ---------------------------------------------------------------------------
SELECT take_snapshot();
UPDATE person SET account_id = 3 WHERE id = 22;     -- Fay: Globex -> Initech
SELECT * FROM members('Live') WHERE person = '22';
SELECT * FROM rows_written();
-- moving to an account without a group: she just leaves
UPDATE person SET account_id = 4 WHERE id = 22;
SELECT * FROM members('Live') WHERE person = '22';
UPDATE person SET account_id = 2 WHERE id = 22;     -- and back to Globex
SELECT * FROM members('Live') WHERE person = '22';
-- a changed key is two people: the old one leaves, the new one joins
UPDATE person SET id = 23 WHERE id = 22;
SELECT * FROM members('Live') WHERE person IN ('22', '23');
SELECT score_mismatches();

-- ---------------------------------------------------------------------------
-- Manual members and DELETE
-- ---------------------------------------------------------------------------
SELECT bg.assign_member(bg.buying_group_id('Live', 1), 15, 'Practitioner');   -- Eli, no rule role
SELECT bg.set_member_role(bg.buying_group_id('Live', 1), 11, 'Influencer');   -- Ann, manual now
-- manual members stay whatever their people do
UPDATE person SET job_title = 'Sales' WHERE id IN (11, 15);
SELECT * FROM members('Live') WHERE account = '1';
-- DELETE: rule memberships are removed, manual ones untouched
DELETE FROM person WHERE id IN (11, 12);
SELECT * FROM members('Live') WHERE account = '1';
SELECT * FROM groups('Live');
-- Static still has its members of creation
SELECT * FROM members('Static');
SELECT score_mismatches();

-- ---------------------------------------------------------------------------
-- Multi-row statements
-- ---------------------------------------------------------------------------
INSERT INTO person VALUES
    (31, 3, 'Ida', 'Chief Information Officer', 'IT'),
    (32, 3, 'Jon', 'Director, Networks', 'IT'),
    (33, 3, 'Kim', 'Director of Ops', 'Ops'),
    (34, 3, 'Lea', 'Data Engineer', 'IT'),
    (24, 2, 'Max', 'Director EMEA', 'Ops');
SELECT * FROM groups('Live');
-- one statement: a role change (Ida), a removal (Jon), a move (Max to
-- Initech), an unrelated change (Kim) and a would-be Decision Maker (Eli,
-- a manual member: untouched)
SELECT take_snapshot();
UPDATE person SET job_title = CASE id WHEN 31 THEN 'Director of IT' WHEN 32 THEN 'Sales'
                                      WHEN 15 THEN 'Chief of Staff' ELSE job_title END,
                  account_id = CASE id WHEN 24 THEN 3 ELSE account_id END,
                  name = CASE id WHEN 33 THEN 'Kimberly' ELSE name END
WHERE id IN (31, 32, 24, 33, 15);
-- rows written: Ida, Jon, Max's old and new rows; groups Globex and Initech
SELECT * FROM rows_written();
SELECT * FROM members('Live') WHERE account IN ('2', '3');
SELECT * FROM groups('Live');
-- multi-row DELETE
DELETE FROM person WHERE account_id = 3 AND id <> 34;
SELECT * FROM members('Live') WHERE account = '3';
SELECT score_mismatches();
-- an upsert: the INSERT and UPDATE triggers both see their rows
INSERT INTO person VALUES (34, 3, 'Lea', 'VP Data', 'IT'), (35, 3, 'Ned', 'Director Lab', 'IT')
ON CONFLICT (id) DO UPDATE SET job_title = excluded.job_title;
SELECT * FROM members('Live') WHERE account = '3';
SELECT score_mismatches();

-- ---------------------------------------------------------------------------
-- TRUNCATE: every rule member is removed; manual ones stay
-- ---------------------------------------------------------------------------
TRUNCATE person;
SELECT * FROM members('Live') WHERE NOT is_removed;
SELECT * FROM groups('Live');
SELECT count(*) AS static_members FROM bg.members WHERE solution_interest = 'Static' AND NOT is_removed;
SELECT score_mismatches();
INSERT INTO person VALUES
    (11, 1, 'Ann', 'Chief Security Officer', 'IT'),
    (12, 1, 'Bob', 'Director of IT', 'IT'),
    (21, 2, 'Eve', 'VP Engineering', 'Ops');
-- Ann is a manual Influencer (untouched); Bob and Eve come back
SELECT * FROM members('Live') WHERE NOT is_removed;

-- ---------------------------------------------------------------------------
-- Turning live mode off
-- ---------------------------------------------------------------------------
SELECT bg.watch_people(false);
SELECT * FROM watch_triggers();
SELECT bg.watch_people(false);     -- again: nothing to remove
SELECT take_snapshot();
INSERT INTO person VALUES (36, 3, 'Oto', 'Chief Lab Officer', 'IT');
UPDATE person SET job_title = 'Sales' WHERE id = 12;
DELETE FROM person WHERE id = 21;
SELECT * FROM rows_written();
-- sync catches up
SELECT bg.sync();
SELECT * FROM members('Live') WHERE person IN ('12', '21', '36');
SELECT score_mismatches();

-- ---------------------------------------------------------------------------
-- Re-binding the people moves the triggers
-- ---------------------------------------------------------------------------
SELECT bg.watch_people();
-- a partitioned people table
CREATE TABLE person2 (
    id          integer NOT NULL,
    account_id  integer NOT NULL,
    name        text,
    job_title   text,
    department  text,
    PRIMARY KEY (account_id, id)
) PARTITION BY LIST (account_id);
CREATE TABLE person2_a PARTITION OF person2 FOR VALUES IN (1, 2);
CREATE TABLE person2_b PARTITION OF person2 DEFAULT;
INSERT INTO person2 SELECT * FROM person;
SELECT bg.bind_people('person2');
SELECT * FROM watch_triggers();
SELECT take_snapshot();
-- the old table is no longer watched
INSERT INTO person VALUES (37, 3, 'Pia', 'Chief Pia Officer', 'IT');
SELECT * FROM rows_written();
-- the new one is, across partitions
INSERT INTO person2 VALUES (37, 3, 'Pia', 'Chief Pia Officer', 'IT'), (38, 1, 'Rex', 'Director R', 'IT');
UPDATE person2 SET account_id = 2 WHERE id = 38;     -- a move between partitions
SELECT * FROM members('Live') WHERE person IN ('37', '38');
SELECT score_mismatches();
-- a view cannot be watched: binding one while watching is refused and
-- leaves everything as it was
CREATE VIEW person_view AS SELECT * FROM person2;
SELECT try($$SELECT bg.bind_people('person_view')$$);
SELECT people.relid::regclass, watched FROM bg_internal.binding people WHERE kind = 'people';
SELECT * FROM watch_triggers();
-- not watching: a view can be bound, and watching it is refused
SELECT bg.watch_people(false);
SELECT bg.bind_people('person_view');
SELECT try($$SELECT bg.watch_people()$$);
SELECT people.relid::regclass, watched FROM bg_internal.binding people WHERE kind = 'people';
SELECT * FROM watch_triggers();
SELECT score_mismatches();

SET client_min_messages = warning;
DROP SCHEMA regress_managed_live CASCADE;
RESET client_min_messages;
RESET search_path;
