-- bg.sync's diff computed in memory (src/sync_diff.c): bg_internal._sync_diff
-- and bg_internal._sync_changed give exactly what the full join they
-- replaced gave (ref_diff below: bg_internal._sync's statement before),
-- over random people, titles, moves and deletions, manual, imported,
-- predicted and removed members, renamed and deleted accounts, with and
-- without subaccounts, for all groups and for some, in one batch and in
-- many (work_mem), over integer, bigint, numeric and text keys; and their
-- errors.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_managed_sync_memory;
SET search_path = regress_managed_sync_memory, public;

-- try(query), score_mismatches(): the shared helpers
\set try_query
\set score_mismatches
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

SELECT setseed(0.25);
CREATE TABLE account (id integer PRIMARY KEY, name text, parent_id integer);
INSERT INTO account
SELECT g, 'Account ' || g, CASE WHEN g > 30 THEN 1 + floor(random() * (g - 1))::int END
  FROM generate_series(1, 300) g;
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL, job_title text);
CREATE TABLE titles (t text[]);
INSERT INTO titles VALUES (ARRAY['Chief Officer', 'VP Sales', 'Director of IT', 'Security Engineer', 'Intern',
                                 NULL, '  ', 'Engineering Director', 'vp engineering']);
INSERT INTO person
SELECT g, 1 + floor(random() * 300)::int, t[1 + floor(random() * 9)::int]
  FROM generate_series(1, 2400) g, titles;
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account', parent => 'parent_id');

\i :abs_srcdir/test/helpers/fixtures_sec.sql

SELECT bg.create_solution_interest('Flat', 'sec', update_existing => true);
SELECT bg.create_solution_interest('Tree', 'sec', update_existing => true, include_subaccounts => true);
SELECT bg.create_account_list('most');
SELECT bg.add_accounts('most', array_agg(id)) > 0 AS added FROM account WHERE id % 10 <> 3;
SELECT bg.create_buying_groups('Flat', 'most') > 0 AS created;
SELECT bg.create_buying_groups('Tree', 'most') > 0 AS created;

-- The groups' query that bg_internal._sync starts from.
CREATE FUNCTION roots() RETURNS text
LANGUAGE sql AS $$
    SELECT format('SELECT g.id AS root, g.account_key AS acct, g.account_key::%s AS aval
                     FROM bg_internal.buying_group g WHERE g.solution_interest_id = $2',
                  bg_internal._coltype(b.relid, b.account_column))
      FROM bg_internal.binding b WHERE b.kind = 'people';
$$;
CREATE FUNCTION interest(si text) RETURNS bg_internal.solution_interest
LANGUAGE sql AS $$ SELECT x FROM bg_internal.solution_interest x WHERE x.name = si $$;

-- The reference: the diff by the full join of wanted and current members
-- (bg_internal._join_diff_sql), of all groups or of the groups given.
CREATE FUNCTION ref_diff(si text, groups bigint[] DEFAULT NULL)
RETURNS TABLE (group_id bigint, person_key text, want_role integer, present boolean, wanted boolean,
               was_removed boolean)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE 'WITH RECURSIVE '
        || bg_internal._group_rule_members_sql(interest(si),
               bg_internal._group_walk_sql(interest(si), roots() || ' AND ($3 IS NULL OR g.id = ANY ($3))'))
        || bg_internal._join_diff_sql() || ' SELECT * FROM diff'
        USING NULL::text[], (interest(si)).id, groups;
END $$;
-- The same in memory; unsummarized: from a groups' query without the rule
-- summaries (as bg's SQL of an earlier revision calls it), every group's
-- members read.
CREATE FUNCTION mem_diff(si text, groups bigint[] DEFAULT NULL, unsummarized boolean DEFAULT false)
RETURNS TABLE (group_id bigint, person_key text, want_role integer, present boolean, wanted boolean,
               was_removed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    q text := bg_internal._sync_diff_sql(interest(si), roots(), false);
BEGIN
    IF unsummarized THEN
        q := replace(q, ', g.rule_members', '');
    END IF;
    RETURN QUERY EXECUTE 'SELECT * FROM ' || q || ' x' USING NULL::text[], (interest(si)).id, groups, si;
END $$;
-- The groups to lock: those of the diff and those to rename, in order.
CREATE FUNCTION ref_changed(si text) RETURNS bigint[]
LANGUAGE plpgsql AS $$
DECLARE
    r bigint[];
BEGIN
    EXECUTE 'SELECT array_agg(DISTINCT x.group_id ORDER BY x.group_id)
               FROM (SELECT d.group_id FROM ref_diff($4) d
                     UNION ALL SELECT n.id FROM (' || bg_internal._group_names_sql() || ') n) x'
       INTO r USING NULL::text[], (interest(si)).id, NULL::bigint[], si;
    RETURN r;
END $$;
CREATE FUNCTION mem_changed(si text) RETURNS bigint[]
LANGUAGE plpgsql AS $$
DECLARE
    r bigint[];
    n bigint;
BEGIN
    EXECUTE 'SELECT x.changed, x.groups_read FROM ' || bg_internal._sync_diff_sql(interest(si), roots(), true) || ' x'
       INTO r, n USING NULL::text[], (interest(si)).id, NULL::bigint[], si;
    -- (it counts the interest's groups as it reads them)
    IF n IS DISTINCT FROM (SELECT count(*) FROM bg_internal.buying_group g WHERE g.solution_interest_id = (interest(si)).id) THEN
        RAISE EXCEPTION 'groups read: %', n;
    END IF;
    RETURN r;
END $$;
-- Both ways compared, for both interests, in one batch and in many: the
-- rows of the diff, how many differ, whether the groups to lock agree.
CREATE FUNCTION compared(groups bigint[] DEFAULT NULL)
RETURNS TABLE (interest text, work_mem text, diff_rows bigint, differences bigint, unsummarized_differences bigint,
               same_groups boolean)
LANGUAGE plpgsql AS $$
DECLARE
    si text;
    wm text;
BEGIN
    FOREACH si IN ARRAY ARRAY['Flat', 'Tree'] LOOP
        FOREACH wm IN ARRAY ARRAY['4MB', '64kB'] LOOP
            PERFORM set_config('work_mem', wm, true);
            interest := si;
            work_mem := wm;
            CREATE TEMP TABLE r AS SELECT * FROM ref_diff(si, groups);
            CREATE TEMP TABLE m AS SELECT * FROM mem_diff(si, groups);
            CREATE TEMP TABLE u AS SELECT * FROM mem_diff(si, groups, unsummarized => true);
            diff_rows := (SELECT count(*) FROM r);
            differences := (SELECT count(*) FROM ((TABLE r EXCEPT ALL TABLE m) UNION ALL (TABLE m EXCEPT ALL TABLE r)) x);
            unsummarized_differences := (SELECT count(*) FROM ((TABLE r EXCEPT ALL TABLE u)
                                                               UNION ALL (TABLE u EXCEPT ALL TABLE r)) x);
            same_groups := groups IS NOT NULL OR ref_changed(si) IS NOT DISTINCT FROM mem_changed(si);
            DROP TABLE r, m, u;
            RETURN NEXT;
        END LOOP;
    END LOOP;
    PERFORM set_config('work_mem', '4MB', true);
END $$;

-- right after creation: nothing to change
SELECT * FROM compared();

-- people change title, move, go and come; NULL and blank titles
UPDATE person SET job_title = (SELECT t[1 + floor(random() * 9)::int] FROM titles) WHERE random() < 0.15;
UPDATE person SET account_id = 1 + floor(random() * 300)::int WHERE random() < 0.05;
DELETE FROM person WHERE random() < 0.03;
INSERT INTO person SELECT g, 1 + floor(random() * 300)::int, t[1 + floor(random() * 9)::int]
  FROM generate_series(3001, 3100) g, titles;
SELECT * FROM compared();

-- manual, imported and predicted members; members removed by hand
SELECT count(bg.assign_member(g.id, p.id, 'Practitioner')) AS assigned
  FROM bg.buying_groups g JOIN person p ON p.account_id = g.account_key::int
 WHERE g.solution_interest = 'Flat' AND p.id % 17 = 0;
SELECT count(bg.set_member_role(m.buying_group, m.person_key::int, 'Decision Maker')) AS set
  FROM bg.members m WHERE m.solution_interest = 'Tree' AND NOT m.is_removed AND m.person_key::int % 13 = 0;
SELECT count(bg.remove_member(m.buying_group, m.person_key::int)) AS removed
  FROM bg.members m WHERE m.source = 'rule' AND NOT m.is_removed AND m.person_key::int % 11 = 0;
INSERT INTO bg_internal.member (group_id, person_key, role_id, source)
SELECT g.id, p.id::text, r.id, CASE WHEN p.id % 2 = 0 THEN 'import' ELSE 'ai' END
  FROM bg_internal.buying_group g JOIN person p ON p.account_id = g.account_key::int
  JOIN bg_internal.role r ON r.name = 'Influencer'
 WHERE p.id % 19 = 0
ON CONFLICT DO NOTHING;
SELECT * FROM compared();

-- renamed, unnamed and deleted accounts
UPDATE account SET name = 'Renamed ' || id WHERE id % 7 = 0;
UPDATE account SET name = NULL WHERE id % 29 = 0;
DELETE FROM account WHERE id IN (SELECT id FROM account WHERE id % 31 = 0 AND id > 30
                                    AND NOT EXISTS (SELECT FROM account c WHERE c.parent_id = account.id)
                                    AND NOT EXISTS (SELECT FROM person p WHERE p.account_id = account.id));
SELECT * FROM compared();

-- some groups only (as after the locks)
SELECT * FROM compared((SELECT array_agg(g.id) FROM bg_internal.buying_group g WHERE g.id % 5 = 1));

-- groups whose rule summary is missing, of another version, malformed,
-- or stale with a member that is not there (as after a member write that
-- bypassed the member triggers: by hand here): their members are read.
-- (A stale summary that equals what the group wants would hide its
-- changes: docs/design.md §6.6.)
SELECT score_mismatches() AS stale_before;
UPDATE bg_internal.buying_group SET rule_members = NULL WHERE id % 9 = 0;
UPDATE bg_internal.buying_group SET rule_members = '\x02'::bytea || substr(rule_members, 2) WHERE id % 9 = 1;
UPDATE bg_internal.buying_group SET rule_members = rule_members || '\xff'::bytea WHERE id % 9 = 2;
UPDATE bg_internal.buying_group SET rule_members = substr(rule_members, 1, octet_length(rule_members) - 1)
 WHERE id % 9 = 3 AND octet_length(rule_members) > 1;
UPDATE bg_internal.buying_group SET rule_members = rule_members || '\x096e6f2d73756368203101'::bytea WHERE id % 9 = 4;
SELECT score_mismatches() > 0 AS stale;
SELECT * FROM compared();
SELECT * FROM compared((SELECT array_agg(g.id) FROM bg_internal.buying_group g WHERE g.id % 3 = 1));
-- the recount writes them again
SELECT bg_internal._rescore(array_agg(g.id)) FROM bg_internal.buying_group g;
SELECT score_mismatches() AS stale_after;

-- sync brings both to nothing; rule members removed by the sync come back
SELECT bg.sync() ->> 'groups' AS groups;
SELECT * FROM compared();
SELECT score_mismatches();
UPDATE person SET job_title = 'Intern' WHERE id % 9 = 0;
SELECT (bg.sync() ->> 'removed')::int > 0 AS removed_some;
UPDATE person SET job_title = 'Security Engineer' WHERE id % 9 = 0;
SELECT * FROM compared();
SELECT (bg.sync() ->> 'added')::int > 0 AS readded_some;
SELECT * FROM compared();
SELECT score_mismatches();

-- ---------------------------------------------------------------------------
-- Numeric account keys (equal values of other scales) and text person keys
-- ---------------------------------------------------------------------------
SELECT bg.drop_buying_groups('Flat') >= 0 AS dropped, bg.drop_buying_groups('Tree') >= 0 AS dropped;
CREATE TABLE n_account (id numeric PRIMARY KEY, name text, parent_id numeric);
INSERT INTO n_account SELECT g / 2.0, 'N ' || g, CASE WHEN g > 10 THEN floor(g / 3) / 2.0 END
  FROM generate_series(2, 120) g;
CREATE TABLE n_person (id text PRIMARY KEY, account_id numeric NOT NULL, job_title text);
INSERT INTO n_person
SELECT 'p-' || lpad(g::text, 12, '0'), (1 + floor(random() * 119)) / 2.0 * (CASE WHEN g % 2 = 0 THEN 1.00 ELSE 1 END),
       t[1 + floor(random() * 9)::int]
  FROM generate_series(1, 900) g, titles;
SELECT bg.bind_people('n_person');
SELECT bg.bind_accounts('n_account', parent => 'parent_id');
SELECT bg.create_account_list('n');
SELECT bg.add_accounts('n', array_agg(id)) > 0 AS added FROM n_account;
SELECT bg.create_buying_groups('Flat', 'n') > 0 AS created;
SELECT bg.create_buying_groups('Tree', 'n') > 0 AS created;
SELECT * FROM compared();
UPDATE n_person SET job_title = (SELECT t[1 + floor(random() * 9)::int] FROM titles) WHERE random() < 0.3;
UPDATE n_person SET account_id = account_id * 1.000 WHERE random() < 0.3;
UPDATE n_account SET name = name || '!' WHERE random() < 0.2;
SELECT * FROM compared();
SELECT bg.sync() ->> 'groups' AS groups;
SELECT * FROM compared();
SELECT score_mismatches();

-- bigint person keys, negative and longer than 8 digits (printed by the diff itself)
SELECT bg.drop_buying_groups('Flat') >= 0 AS dropped, bg.drop_buying_groups('Tree') >= 0 AS dropped;
CREATE TABLE b_person (id bigint PRIMARY KEY, account_id numeric NOT NULL, job_title text);
INSERT INTO b_person
SELECT CASE WHEN g % 3 = 0 THEN -g ELSE g * 10000000007 END, (1 + floor(random() * 119)) / 2.0,
       t[1 + floor(random() * 9)::int]
  FROM generate_series(1, 900) g, titles;
SELECT bg.bind_people('b_person');
SELECT bg.create_buying_groups('Flat', 'n') > 0 AS created;
SELECT bg.create_buying_groups('Tree', 'n') > 0 AS created;
UPDATE b_person SET job_title = (SELECT t[1 + floor(random() * 9)::int] FROM titles) WHERE random() < 0.3;
DELETE FROM b_person WHERE random() < 0.05;
SELECT * FROM compared();
SELECT bg.sync() ->> 'groups' AS groups;
SELECT * FROM compared();

-- ---------------------------------------------------------------------------
-- Errors of the internal functions
-- ---------------------------------------------------------------------------
CREATE FUNCTION diff_call(groups text, walk text, people_query text, role_ids text) RETURNS text
LANGUAGE sql AS $$
    SELECT format('SELECT count(*) FROM bg_internal._sync_diff(%L, %L, %s, NULL, ''n_person'', %L, NULL, ''sec'', %L)',
                  groups, walk, (interest('Flat')).id, people_query, role_ids)
$$;
-- a NULL where a value is needed, role ids that do not fit the template
SELECT try(diff_call(NULL, NULL, 'SELECT 1', '{1,2,3}'));
SELECT try(diff_call('SELECT 1::bigint, 1::numeric, 0', NULL, 'SELECT 1', '{1,2}'));
-- queries that do not return what sync reads
SELECT try(diff_call('SELECT 1', NULL, 'SELECT 1', '{1,2,3}'));
SELECT try(diff_call('SELECT g.id, g.account_key::numeric, 0 FROM bg_internal.buying_group g', 'SELECT 1::bigint, ''x''::text',
                     'SELECT 1', '{1,2,3}'));
SELECT try(diff_call('SELECT g.id, g.account_key::numeric, 0 FROM bg_internal.buying_group g', NULL,
                     'SELECT p.id, p.account_id::text, p.job_title FROM n_person p', '{1,2,3}'));
SELECT try(diff_call('SELECT g.id, g.account_key::numeric, 0 FROM bg_internal.buying_group g', NULL,
                     'SELECT p.account_id FROM n_person p', '{1,2,3}'));
-- keys of a type without equality and hash functions
SELECT try(diff_call('SELECT 1::bigint, point(1, 1), 0', NULL, 'SELECT 1', '{1,2,3}'));
-- _sync_changed: the interest's name, and the accounts' query
SELECT try(format('SELECT bg_internal._sync_changed(%L, NULL, %s, NULL, ''n_person'', %L, NULL, ''sec'', %L, NULL, NULL, NULL, NULL)',
                  'SELECT 1::bigint, 1::numeric, 0', (interest('Flat')).id, 'SELECT 1', '{1,2,3}'));
SELECT try(format('SELECT bg_internal._sync_changed(%L, NULL, %s, NULL, ''n_person'', %L, NULL, ''sec'', %L, ''n_account'', %L, NULL, ''Flat'')',
                  'SELECT g.id, g.account_key::numeric, 0, g.account_key::numeric, g.account_key, g.name, g.account_name FROM bg_internal.buying_group g',
                  (interest('Flat')).id, 'SELECT p.account_id, p.id, p.job_title FROM n_person p', '{1,2,3}',
                  'SELECT a.name, a.id FROM n_account a'));
-- _sync_count_changed: what _sync_changed returns, with the number of
-- groups it read (here every group of the table); the same errors
SELECT format('(%L, NULL, %s, NULL, ''n_person'', %L, NULL, ''sec'', %L, ''n_account'', %L, NULL, ''Flat'')',
              'SELECT g.id, g.account_key::numeric, 0, g.account_key::numeric, g.account_key, g.name, g.account_name FROM bg_internal.buying_group g ORDER BY g.id',
              (interest('Flat')).id, 'SELECT p.account_id, p.id, p.job_title FROM n_person p',
              (SELECT array_agg(x.role_id ORDER BY x.priority) FROM bg_internal.template_role x
                 JOIN bg_internal.template t ON t.id = x.template_id WHERE t.name = 'sec'),
              'SELECT a.id, a.name FROM n_account a') AS changed_args \gset
SELECT c.groups_read = (SELECT count(*) FROM bg_internal.buying_group) AS all_counted,
       c.changed IS NOT DISTINCT FROM bg_internal._sync_changed:changed_args AS same_changed,
       cardinality(c.changed) > 0 AS some_changed
  FROM bg_internal._sync_count_changed:changed_args c;
SELECT try(format('SELECT bg_internal._sync_count_changed(%L, NULL, %s, NULL, ''n_person'', %L, NULL, ''sec'', %L, NULL, NULL, NULL, NULL)',
                  'SELECT 1::bigint, 1::numeric, 0', (interest('Flat')).id, 'SELECT 1', '{1,2,3}'));
-- declared with other result columns than (groups_read bigint, changed
-- bigint[]), the C function refuses to answer (42804)
CREATE FUNCTION pg_temp.count_changed_misdeclared(text, text, integer, bigint[], regclass, text, text, text,
                                                  integer[], regclass, text, text, text)
    RETURNS TABLE (groups_read integer, changed integer) LANGUAGE c STABLE
    AS '$libdir/bg', 'bg_sync_count_changed';
SELECT try('SELECT * FROM pg_temp.count_changed_misdeclared' || :'changed_args');
-- the rule summary's transition cannot be called outside an aggregate
-- (nothing converts to internal: PostgreSQL 15's minor releases refuse the
-- call either as an unknown function, 42883, or as a value of type
-- internal, 0A000); as a window aggregate it gives what the aggregate gives
SELECT left(try('SELECT bg_internal._rule_members_add(NULL, ''1''::text, 1)'), 5) IN ('42883', '0A000')
       AS transition_not_callable;
-- it and its support functions are immutable and parallel safe
SELECT p.proname, p.provolatile, p.proparallel, p.proisstrict FROM pg_proc p
 WHERE p.pronamespace = 'bg_internal'::regnamespace AND p.proname LIKE '\_rule\_members%' ORDER BY 1;
SELECT bool_and(w.s = a.s) AS window_same, count(*) > 0 AS some
  FROM (SELECT DISTINCT m.group_id,
               bg_internal._rule_members(m.person_key, m.role_id) OVER (PARTITION BY m.group_id) AS s
          FROM bg_internal.member m WHERE m.source = 'rule' AND NOT m.is_removed) w
  JOIN (SELECT m.group_id, bg_internal._rule_members(m.person_key, m.role_id) AS s
          FROM bg_internal.member m WHERE m.source = 'rule' AND NOT m.is_removed GROUP BY m.group_id) a
    USING (group_id);
-- only the owner of bg_internal may call them
CREATE ROLE regress_sync_memory_super SUPERUSER;
SET ROLE regress_sync_memory_super;
SELECT try(diff_call('SELECT 1::bigint, 1::numeric, 0', NULL, 'SELECT 1', '{1,2,3}'));
SELECT try(format('SELECT bg_internal._sync_changed(%L, NULL, %s, NULL, ''n_person'', %L, NULL, ''sec'', %L, NULL, NULL, NULL, ''Flat'')',
                  'SELECT 1::bigint, 1::numeric, 0', (interest('Flat')).id, 'SELECT 1', '{1,2,3}'));
SELECT try(format('SELECT bg_internal._sync_count_changed(%L, NULL, %s, NULL, ''n_person'', %L, NULL, ''sec'', %L, NULL, NULL, NULL, ''Flat'')',
                  'SELECT 1::bigint, 1::numeric, 0', (interest('Flat')).id, 'SELECT 1', '{1,2,3}'));
RESET ROLE;
SELECT has_function_privilege('public', 'bg_internal._sync_diff(text, text, integer, bigint[], regclass, text, text, text, integer[])', 'EXECUTE')
    AS public_may_execute;

SET client_min_messages = warning;
DROP EXTENSION bg CASCADE;
DROP SCHEMA regress_managed_sync_memory CASCADE;
RESET client_min_messages;
DROP ROLE regress_sync_memory_super;
