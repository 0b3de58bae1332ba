-- Account lists (docs/design.md §6): create_account_list, add_accounts,
-- remove_accounts, refresh_account_list, drop_account_list, the
-- bg.account_lists view, and the comments on the views of docs/design.md §6.
BEGIN;
SELECT plan(97);

CREATE SCHEMA crm;
CREATE TABLE crm.account (
    id        bigint PRIMARY KEY,
    name      text,
    country   text,
    revenue   numeric,
    parent_id bigint
);
INSERT INTO crm.account VALUES
    (1, 'Acme',    'US', 100, NULL),
    (2, 'Globex',  'CA', 200, 1),
    (3, 'Initech', 'FR', 300, NULL),
    (4, 'Umbrella', 'US', 50, NULL),
    (5000000000, 'Big', 'DE', 999, NULL);
CREATE TABLE crm.person (id integer PRIMARY KEY, account_id bigint, job_title text);

-- The entries of a list, as stored (text keys).
CREATE FUNCTION pg_temp.entries(list text) RETURNS text[] LANGUAGE sql AS $$
    SELECT coalesce(array_agg(e.account_key ORDER BY e.account_key), '{}')
      FROM bg_internal.account_list_entry e JOIN bg_internal.account_list l ON l.id = e.list_id
     WHERE l.name = list;
$$;
-- A fixed past time, so that writes show inside one transaction.
CREATE FUNCTION pg_temp.age_lists() RETURNS void LANGUAGE sql AS $$
    UPDATE bg_internal.account_list SET refreshed_at = '2001-01-01', created_at = '2001-01-01';
    UPDATE bg_internal.account_list_entry SET added_at = '2001-01-01';
$$;

-- ---------------------------------------------------------------------------
-- Without bound accounts
-- ---------------------------------------------------------------------------
SELECT throws_ok($$SELECT bg.create_account_list('US', 'dynamic', 'country = ''US''')$$, '55000',
    'no accounts table is bound', 'a dynamic list needs bound accounts');
SELECT lives_ok($$SELECT bg.create_account_list('early')$$, 'a static list can be created before binding');
SELECT throws_ok($$SELECT bg.add_accounts('early', ARRAY[1])$$, '55000',
    'no accounts table is bound', 'add_accounts needs bound accounts');
SELECT throws_ok($$SELECT bg.remove_accounts('early', ARRAY[1])$$, '55000',
    'no accounts table is bound', 'remove_accounts needs bound accounts');
SELECT is(bg.refresh_account_list('early'), 0, 'refreshing an empty static list needs no binding');
SELECT lives_ok($$SELECT bg.drop_account_list('early')$$, 'drop_account_list needs no binding');

SELECT bg.bind_accounts('crm.account', parent => 'parent_id');
SELECT bg.bind_people('crm.person');

-- ---------------------------------------------------------------------------
-- create_account_list
-- ---------------------------------------------------------------------------
SELECT lives_ok($$SELECT bg.create_account_list('Targets', description => 'hand picked')$$,
    'create_account_list makes a static list by default');
SELECT results_eq($$SELECT name, kind, filter, account_count, refreshed_at, description FROM bg.account_lists$$,
    $$VALUES ('Targets', 'static', NULL::text, 0::bigint, NULL::timestamptz, 'hand picked')$$,
    'a new static list is empty, without filter');
SELECT lives_ok($$SELECT bg.create_account_list('Upper', 'STATIC')$$, 'the kind is case-insensitive (STATIC)');
SELECT lives_ok($$SELECT bg.create_account_list('North America', 'Dynamic',
                    'Country  IS any (''US'',''CA'')   and revenue>=100')$$,
    'the kind is case-insensitive (Dynamic) and a dynamic list takes a filter');
SELECT results_eq($$SELECT name, kind FROM bg.account_lists WHERE name IN ('Upper', 'North America') ORDER BY name$$,
    $$VALUES ('North America', 'dynamic'), ('Upper', 'static')$$, 'the kind is stored in lower case');
SELECT is((SELECT filter FROM bg.account_lists WHERE name = 'North America'),
    'country is any (''US'', ''CA'') and revenue >= 100', 'the filter is stored as canonical text');
SELECT is((SELECT filter FROM bg.account_lists WHERE name = 'North America'),
    bg.check_condition('Country  IS any (''US'',''CA'')   and revenue>=100', 'crm.account'),
    'the stored filter is what check_condition returns against the accounts');
SELECT is(pg_temp.entries('North America'), ARRAY['1', '2'],
    'a dynamic list is evaluated when it is created');
SELECT results_eq($$SELECT account_count, refreshed_at IS NOT NULL FROM bg.account_lists WHERE name = 'North America'$$,
    $$VALUES (2::bigint, true)$$, 'the view counts its accounts and shows when it was evaluated');
SELECT lives_ok($$SELECT bg.create_account_list('  Padded  ')$$, 'a name with surrounding spaces');
SELECT ok(EXISTS (SELECT FROM bg.account_lists WHERE name = 'Padded'), 'the list name is trimmed');
SELECT lives_ok($$SELECT bg.create_account_list('Everyone', 'dynamic', 'true')$$, 'a filter that is just true');
SELECT is(pg_temp.entries('Everyone'), ARRAY['1', '2', '3', '4', '5000000000'], 'true selects every account');

CREATE TEMP TABLE lists_before AS SELECT * FROM bg_internal.account_list;
CREATE TEMP TABLE entries_before AS SELECT * FROM bg_internal.account_list_entry;
SELECT is((tap.error_of($$SELECT bg.create_account_list('Bad', 'dynamic', 'nope = 1')$$))[1:3],
    ARRAY['42703', 'invalid filter for account list "Bad"',
          'Column "nope" does not exist in table crm.account. At character 1 of condition "nope = 1".'],
    'an unknown column in the filter is 42703');
SELECT throws_ok($$SELECT bg.create_account_list('Bad', 'dynamic', 'job_title = ''CEO''')$$, '42703', NULL,
    'the filter is checked against the accounts, not the people');
SELECT throws_ok($$SELECT bg.create_account_list('Bad', 'dynamic', 'country = ')$$, '42601', NULL,
    'a malformed filter is 42601');
SELECT throws_ok($$SELECT bg.create_account_list('Bad', 'dynamic', 'country in (''US''')$$, '42601', NULL,
    'an unclosed list in the filter is 42601');
SELECT throws_ok($$SELECT bg.create_account_list('Bad', 'dynamic', 'revenue contains ''x''')$$, '42804', NULL,
    'a text operator on a number column is 42804');
SELECT throws_ok($$SELECT bg.create_account_list('Bad', 'dynamic', 'revenue > ''abc''')$$, '42804', NULL,
    'a number column compared with a string is 42804');
SELECT throws_ok($$SELECT bg.create_account_list('Bad', 'sometimes')$$, '22023',
    'invalid account list kind "sometimes"', 'an unknown kind is 22023');
SELECT throws_ok($$SELECT bg.create_account_list('Bad', 'static', 'country = ''US''')$$, '22023',
    'a static account list has no filter', 'a static list with a filter is 22023');
SELECT throws_ok($$SELECT bg.create_account_list('Bad', 'dynamic')$$, '22004',
    'a dynamic account list needs a filter', 'a dynamic list without filter is 22004');
SELECT throws_ok($$SELECT bg.create_account_list('Bad', NULL)$$, '22004', NULL, 'a NULL kind is 22004');
SELECT throws_ok($$SELECT bg.create_account_list(NULL)$$, '22004', NULL, 'a NULL name is 22004');
SELECT throws_ok($$SELECT bg.create_account_list('   ')$$, '22023', NULL, 'a blank name is 22023');
SELECT throws_ok($$SELECT bg.create_account_list('Targets')$$, '42710',
    'account list "Targets" already exists', 'a duplicate name is 42710');
SELECT throws_ok($$SELECT bg.create_account_list(' Targets ', 'dynamic', 'true')$$, '42710', NULL,
    'a duplicate after trimming is 42710, whatever the kind');
SELECT results_eq('SELECT * FROM bg_internal.account_list ORDER BY id', 'SELECT * FROM lists_before ORDER BY id',
    'the refused calls created no list');
SELECT results_eq('SELECT * FROM bg_internal.account_list_entry ORDER BY 1, 2', 'SELECT * FROM entries_before ORDER BY 1, 2',
    'the refused calls added no accounts');

-- ---------------------------------------------------------------------------
-- add_accounts
-- ---------------------------------------------------------------------------
SELECT is(bg.add_accounts('Targets', ARRAY[1, 2, 2]), 2, 'int[] keys for a bigint key column: duplicates count once');
SELECT is(bg.add_accounts('Targets', ARRAY[2, 3]::bigint[]), 1, 'only the new accounts are counted');
SELECT is(bg.add_accounts('Targets', ARRAY[1, 2, 3]), 0, 'adding accounts already in the list adds nothing');
SELECT is(bg.add_accounts('Targets', ARRAY['03', ' 4']), 1, 'text keys are cast to the key type');
SELECT is(pg_temp.entries('Targets'), ARRAY['1', '2', '3', '4'],
    'keys are stored as the canonical text of the key type');
SELECT is(bg.add_accounts('Targets', (SELECT array_agg(a) FROM crm.account a WHERE a.id >= 4)), 1,
    'rows of the account table are accepted (their key is taken)');
SELECT is(pg_temp.entries('Targets'), ARRAY['1', '2', '3', '4', '5000000000'],
    'the key of a row beyond the integer range is stored exactly');
SELECT is(bg.add_accounts('Targets', '{}'::int[]), 0, 'an empty array adds nothing');
SELECT is(bg.add_accounts('Upper', ARRAY[5000000000]), 1, 'a bigint key');
SELECT is((SELECT account_count FROM bg.account_lists WHERE name = 'Targets'), 5::bigint,
    'account_count counts the static list''s accounts');

SELECT pg_temp.age_lists();
CREATE TEMP TABLE targets_before AS SELECT pg_temp.entries('Targets') AS e;
SELECT throws_ok($$SELECT bg.add_accounts('Targets', NULL::int[])$$, '22004', 'accounts must not be null',
    'a NULL array is 22004');
SELECT throws_ok($$SELECT bg.add_accounts('Targets', ARRAY[1, NULL])$$, '22004', 'accounts must not contain nulls',
    'a NULL element is 22004');
SELECT throws_ok($$SELECT bg.add_accounts('Targets', ARRAY[1, 99, 98])$$, '23503',
    'account 98, 99 not found in crm.account', 'unknown accounts are 23503 and named');
SELECT throws_ok($$SELECT bg.add_accounts('Padded', ARRAY[4, 99])$$, '23503', NULL,
    'one unknown account among good ones refuses the whole call');
SELECT is(pg_temp.entries('Padded'), '{}'::text[], 'and adds none of the good ones');
SELECT is(tap.error_of($$SELECT bg.add_accounts('Targets', ARRAY['abc'])$$),
    ARRAY['22P02', 'invalid account key', 'Invalid input syntax for type bigint: "abc".',
          'Give keys of type bigint (column id of crm.account), or rows of crm.account.'],
    'an uncastable key keeps the cast''s SQLSTATE (the cause in DETAIL)');
SELECT throws_ok($$SELECT bg.add_accounts('Targets', ARRAY['99999999999999999999'])$$, '22003', NULL,
    'a key out of the key type''s range keeps the cast''s SQLSTATE');
SELECT throws_ok($$SELECT bg.add_accounts('North America', ARRAY[3])$$, '55000',
    'account list "North America" is dynamic', 'accounts are not added to a dynamic list');
SELECT throws_ok($$SELECT bg.add_accounts('Nope', ARRAY[1])$$, '42704',
    'account list "Nope" does not exist', 'an unknown list is 42704');
SELECT throws_ok($$SELECT bg.add_accounts(NULL, ARRAY[1])$$, '22004', NULL, 'a NULL list is 22004');
SELECT is(pg_temp.entries('Targets'), (SELECT e FROM targets_before), 'the refused calls changed nothing');
SELECT is(bg.add_accounts('Targets', ARRAY[1, 2]), 0, 'adding nothing new ...');
SELECT is((SELECT refreshed_at FROM bg_internal.account_list WHERE name = 'Targets'), '2001-01-01'::timestamptz,
    '... leaves refreshed_at as it was');

-- ---------------------------------------------------------------------------
-- remove_accounts
-- ---------------------------------------------------------------------------
SELECT is(bg.remove_accounts('Targets', ARRAY[1, 1, 99]), 1, 'remove_accounts counts the accounts that were in the list');
SELECT ok((SELECT refreshed_at = now() FROM bg_internal.account_list WHERE name = 'Targets'),
    'a change of the accounts sets refreshed_at');
SELECT is(bg.remove_accounts('Targets', ARRAY[1]), 0, 'removing an account not in the list removes nothing');
SELECT is(bg.remove_accounts('Targets', (SELECT array_agg(a) FROM crm.account a WHERE a.id IN (2, 3))), 2,
    'rows of the account table are accepted');
SELECT is(bg.remove_accounts('Targets', ARRAY['5000000000']), 1, 'text keys are cast to the key type');
SELECT is(pg_temp.entries('Targets'), ARRAY['4'], 'the removed accounts are gone');
SELECT throws_ok($$SELECT bg.remove_accounts('Targets', NULL::bigint[])$$, '22004', NULL, 'a NULL array is 22004');
SELECT throws_ok($$SELECT bg.remove_accounts('Targets', ARRAY[4, NULL])$$, '22004', NULL, 'a NULL element is 22004');
SELECT throws_ok($$SELECT bg.remove_accounts('Targets', ARRAY['x'])$$, '22P02', NULL, 'an uncastable key is 22P02');
SELECT throws_ok($$SELECT bg.remove_accounts('North America', ARRAY[1])$$, '55000', NULL,
    'accounts are not removed from a dynamic list');
SELECT throws_ok($$SELECT bg.remove_accounts('Nope', ARRAY[1])$$, '42704', NULL, 'an unknown list is 42704');
SELECT is(pg_temp.entries('Targets'), ARRAY['4'], 'the refused calls removed nothing');

-- ---------------------------------------------------------------------------
-- refresh_account_list
-- ---------------------------------------------------------------------------
UPDATE crm.account SET country = 'CA' WHERE id = 3;         -- now matches
UPDATE crm.account SET revenue = 10 WHERE id = 2;           -- no longer matches
INSERT INTO crm.account VALUES (6, 'Hooli', 'us', 150, NULL);
SELECT is(pg_temp.entries('North America'), ARRAY['1', '2'], 'a dynamic list does not change by itself');
SELECT is(bg.refresh_account_list('North America'), 3, 'refresh returns the new account count');
SELECT is(pg_temp.entries('North America'), ARRAY['1', '3', '6'],
    'refresh picks up changed, new and no longer matching accounts');
DELETE FROM crm.account WHERE id = 6;
SELECT is(bg.refresh_account_list('North America'), 2, 'a deleted account leaves the list on refresh');
SELECT pg_temp.age_lists();
SELECT is(bg.refresh_account_list('Targets'), 1, 'refreshing a static list returns its count');
SELECT results_eq($$SELECT refreshed_at, (SELECT min(added_at) FROM bg_internal.account_list_entry e WHERE e.list_id = l.id)
                      FROM bg_internal.account_list l WHERE name = 'Targets'$$,
    $$VALUES ('2001-01-01'::timestamptz, '2001-01-01'::timestamptz)$$, 'and writes nothing');
SELECT is(pg_temp.entries('Targets'), ARRAY['4'], 'a static list keeps its accounts on refresh');
DELETE FROM crm.account WHERE id = 4;
SELECT is(bg.refresh_account_list('Targets'), 1, 'a static list keeps an account deleted from the table');
SELECT is(bg.refresh_account_list('North America'), 2, 'refreshing a dynamic list again ...');
SELECT ok((SELECT refreshed_at = now() FROM bg_internal.account_list WHERE name = 'North America'),
    '... sets refreshed_at');
SELECT throws_ok($$SELECT bg.refresh_account_list('Nope')$$, '42704', NULL, 'refresh of an unknown list is 42704');
SELECT throws_ok($$SELECT bg.refresh_account_list(NULL)$$, '22004', NULL, 'refresh of NULL is 22004');

-- ---------------------------------------------------------------------------
-- drop_account_list
-- ---------------------------------------------------------------------------
SELECT lives_ok($$SELECT bg.drop_account_list('North America')$$, 'drop_account_list drops a dynamic list');
SELECT lives_ok($$SELECT bg.drop_account_list('Targets')$$, 'and a static one');
SELECT results_eq($$SELECT name FROM bg.account_lists$$, $$VALUES ('Everyone'), ('Padded'), ('Upper')$$,
    'the dropped lists are gone from the view, in name order');
SELECT is((SELECT count(*) FROM bg_internal.account_list_entry e
            WHERE NOT EXISTS (SELECT FROM bg_internal.account_list l WHERE l.id = e.list_id)), 0::bigint,
    'their accounts went with them');
SELECT is(pg_temp.entries('Everyone'), ARRAY['1', '2', '3', '4', '5000000000'],
    'other lists keep theirs (a dynamic one as of its last evaluation)');
SELECT throws_ok($$SELECT bg.drop_account_list('Targets')$$, '42704', 'account list "Targets" does not exist',
    'dropping an unknown list is 42704');
SELECT throws_ok($$SELECT bg.drop_account_list(NULL)$$, '22004', NULL, 'dropping NULL is 22004');
SELECT lives_ok($$SELECT bg.create_account_list('Targets', 'dynamic', 'country = ''FR''')$$,
    'a dropped list''s name can be used again');

-- ---------------------------------------------------------------------------
-- A varchar(n) key: a longer key is another account, never cut to fit
-- ---------------------------------------------------------------------------
CREATE TABLE crm.site (code varchar(4) PRIMARY KEY, name text);
INSERT INTO crm.site VALUES ('ACME', 'Acme'), ('INI', 'Initech');
SELECT bg.bind_accounts('crm.site', key => 'code');
SELECT bg.create_account_list('Sites');
SELECT is(bg.add_accounts('Sites', ARRAY['INI']), 1, 'a varchar(4) key');
SELECT ok(tap.sqlstate_of($$SELECT bg.add_accounts('Sites', ARRAY['ACMEX-CORP'])$$) IN ('22001', '23503'),
    'a key longer than the varchar(4) key column is refused, not truncated to another account');
SELECT is(pg_temp.entries('Sites'), ARRAY['INI'], 'only the valid account is in the list');

-- ---------------------------------------------------------------------------
-- The views and their comments
-- ---------------------------------------------------------------------------
SELECT results_eq(
    $$SELECT attname::text COLLATE "default", format_type(atttypid, atttypmod) FROM pg_attribute
       WHERE attrelid = 'bg.account_lists'::regclass AND attnum > 0 ORDER BY attnum$$,
    $$VALUES ('name', 'text'), ('kind', 'text'), ('filter', 'text'), ('account_count', 'bigint'),
             ('refreshed_at', 'timestamp with time zone'), ('description', 'text'),
             ('created_at', 'timestamp with time zone')$$,
    'bg.account_lists has the documented columns');
SELECT results_eq(
    $$SELECT c.relname::text COLLATE "default", c.relkind::text, count(a.attnum)
        FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
       WHERE c.relnamespace = 'bg'::regnamespace
         AND c.relname IN ('account_lists', 'solution_interests', 'jobs', 'buying_groups', 'members',
                           'role_coverage')
       GROUP BY 1, 2 ORDER BY 1$$,
    $$VALUES ('account_lists', 'v', 7::bigint), ('buying_groups', 'v', 19), ('jobs', 'v', 13),
             ('members', 'v', 10), ('role_coverage', 'v', 11), ('solution_interests', 'v', 8)$$,
    'the six views of docs/design.md §6 exist with their columns');
SELECT is_empty(
    $$SELECT c.relname FROM pg_class c
       WHERE c.relnamespace = 'bg'::regnamespace
         AND c.relname IN ('account_lists', 'solution_interests', 'jobs', 'buying_groups', 'members',
                           'role_coverage')
         AND coalesce(obj_description(c.oid, 'pg_class'), '') = ''$$,
    'every view of docs/design.md §6 has a comment');
SELECT is_empty(
    $$SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
       WHERE c.relnamespace = 'bg'::regnamespace
         AND c.relname IN ('account_lists', 'solution_interests', 'jobs', 'buying_groups', 'members',
                           'role_coverage')
         AND coalesce(col_description(c.oid, a.attnum), '') = ''$$,
    'every column of the views of docs/design.md §6 has a comment');

SELECT * FROM finish();
ROLLBACK;
