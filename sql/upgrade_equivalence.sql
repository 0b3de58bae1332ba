-- Upgrades: installing the first release and updating step by step gives
-- exactly the objects of a fresh install of the current version (functions
-- with their bodies and settings, views, columns, constraints, indexes,
-- triggers, comments, privileges and the tables pg_dump keeps), in schemas
-- bg and bg_internal.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
RESET client_min_messages;

CREATE TEMP VIEW bg_objects AS
SELECT 'member ' || pg_describe_object(d.classid, d.objid, d.objsubid) AS item
  FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
 WHERE d.refclassid = 'pg_extension'::regclass AND e.extname = 'bg' AND d.deptype = 'e'
UNION ALL
SELECT 'function ' || pg_get_functiondef(p.oid) || coalesce(obj_description(p.oid, 'pg_proc'), '')
  FROM pg_proc p WHERE p.pronamespace IN (SELECT n.oid FROM pg_namespace n WHERE n.nspname IN ('bg', 'bg_internal')) AND p.prokind <> 'a'
UNION ALL
SELECT 'aggregate ' || p.oid::regprocedure || ' ' || a.aggtransfn || ' ' || a.aggfinalfn || ' '
       || a.aggcombinefn || ' ' || p.proparallel::text || coalesce(obj_description(p.oid, 'pg_proc'), '')
  FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid WHERE p.pronamespace IN (SELECT n.oid FROM pg_namespace n WHERE n.nspname IN ('bg', 'bg_internal'))
UNION ALL
SELECT 'relation ' || c.oid::regclass || ' ' || c.relkind::text || ' ' || coalesce(array_to_string(c.reloptions, ','), '')
       || coalesce(' view ' || pg_get_viewdef(c.oid), '') || coalesce(obj_description(c.oid, 'pg_class'), '')
  FROM pg_class c WHERE c.relnamespace IN (SELECT n.oid FROM pg_namespace n WHERE n.nspname IN ('bg', 'bg_internal'))
UNION ALL
SELECT 'column ' || a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END || ' ' || a.attidentity::text
       || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '')
       || coalesce(' -- ' || col_description(a.attrelid, a.attnum), '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
 WHERE c.relnamespace IN (SELECT n.oid FROM pg_namespace n WHERE n.nspname IN ('bg', 'bg_internal')) AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint ' || x.conrelid::regclass || ' ' || x.conname || ' ' || pg_get_constraintdef(x.oid)
  FROM pg_constraint x WHERE x.connamespace IN (SELECT n.oid FROM pg_namespace n WHERE n.nspname IN ('bg', 'bg_internal'))
UNION ALL
SELECT 'index ' || pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace IN (SELECT n.oid FROM pg_namespace n WHERE n.nspname IN ('bg', 'bg_internal'))
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(t.oid)
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace IN (SELECT n.oid FROM pg_namespace n WHERE n.nspname IN ('bg', 'bg_internal')) AND NOT t.tgisinternal
UNION ALL
SELECT 'privileges ' || p.oid::regprocedure || ' ' || coalesce(p.proacl, acldefault('f', p.proowner))::text
  FROM pg_proc p WHERE p.pronamespace IN (SELECT n.oid FROM pg_namespace n WHERE n.nspname IN ('bg', 'bg_internal'))
UNION ALL
SELECT 'privileges ' || c.oid::regclass || ' ' || coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's'::"char" ELSE 'r'::"char" END, c.relowner))::text
  FROM pg_class c WHERE c.relnamespace IN (SELECT n.oid FROM pg_namespace n WHERE n.nspname IN ('bg', 'bg_internal'))
UNION ALL
SELECT 'privileges schema ' || n.nspname || ' ' || coalesce(n.nspacl, acldefault('n', n.nspowner))::text || ' '
       || coalesce(obj_description(n.oid, 'pg_namespace'), '')
  FROM pg_namespace n WHERE n.nspname IN ('bg', 'bg_internal')
UNION ALL
SELECT 'dumped ' || cfg::regclass || ' ' || cond
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(cfg, cond) WHERE e.extname = 'bg';

-- step by step from the first release
CREATE EXTENSION bg VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'bg';
ALTER EXTENSION bg UPDATE TO '0.2.0';
SELECT extversion FROM pg_extension WHERE extname = 'bg';
-- grants made by hand on bg's tables (0.2.0 needed them) go with the update
CREATE ROLE regress_upgrade_app;
GRANT SELECT, INSERT ON bg.member TO regress_upgrade_app;
GRANT SELECT ON bg.buying_group TO PUBLIC;
GRANT USAGE ON SEQUENCE bg.buying_group_id_seq TO regress_upgrade_app;
-- a schema bg_internal that exists stops the update (42P06)
CREATE SCHEMA bg_internal;
\set VERBOSITY sqlstate
ALTER EXTENSION bg UPDATE TO '0.3.0';
\set VERBOSITY default
DROP SCHEMA bg_internal;
ALTER EXTENSION bg UPDATE TO '0.3.0';
SELECT extversion FROM pg_extension WHERE extname = 'bg';
SELECT has_table_privilege('regress_upgrade_app', 'bg_internal.member', 'SELECT') AS app_reads_members,
       has_table_privilege('public', 'bg_internal.buying_group', 'SELECT') AS public_reads_groups;
CREATE TEMP TABLE updated AS SELECT * FROM bg_objects;
DROP EXTENSION bg;
DROP ROLE regress_upgrade_app;

-- fresh install of the default version
CREATE EXTENSION bg;
SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'bg') AS is_default
  FROM pg_extension WHERE extname = 'bg';
CREATE TEMP TABLE fresh AS SELECT * FROM bg_objects;

SELECT count(*) > 300 AS many_objects_compared FROM fresh;
SELECT 'only after update' AS side, item FROM (SELECT item FROM updated EXCEPT ALL SELECT item FROM fresh) x
UNION ALL
SELECT 'only in fresh install', item FROM (SELECT item FROM fresh EXCEPT ALL SELECT item FROM updated) y
ORDER BY 1, 2;

-- a catalog written under 0.1.0 is kept by the update
DROP EXTENSION bg;
CREATE EXTENSION bg VERSION '0.1.0';
SELECT bg.create_role('Sponsor');
SELECT bg.create_template('Kept');
SELECT bg.add_role('Kept', 'Sponsor');
SELECT bg.publish_template('Kept');
ALTER EXTENSION bg UPDATE;
SELECT template, priority, role FROM bg.template_roles;
SELECT bg.create_solution_interest('Kept interest', 'Kept');
SELECT name, template, buying_group_count FROM bg.solution_interests;
DROP EXTENSION bg;

-- Keys that 0.2.0 stored in two spellings of one value (numeric 1.0 and 1):
-- the update to 0.3.0 makes stored keys canonical, and stops (23505) while
-- two groups are for one account
CREATE TABLE upgrade_account (id numeric PRIMARY KEY, name text);
CREATE TABLE upgrade_person (id numeric PRIMARY KEY, account_id numeric, job_title text);
INSERT INTO upgrade_account VALUES (1, 'One'), (2, 'Two');
INSERT INTO upgrade_person VALUES (10, 2, 'CEO');
CREATE EXTENSION bg VERSION '0.2.0';
SELECT bg.bind_accounts('upgrade_account');
SELECT bg.bind_people('upgrade_person');
SELECT bg.create_template('U');
SELECT bg.add_role('U', 'Decision Maker', $$job_title is 'CEO'$$);
SELECT bg.publish_template('U');
SELECT bg.create_solution_interest('U', 'U');
SELECT bg.create_account_list('one');
SELECT bg.add_accounts('one', ARRAY[1.0]);
SELECT bg.create_buying_groups('U', 'one') > 0 AS created;
SELECT bg.remove_accounts('one', ARRAY[1.0]);
SELECT bg.add_accounts('one', ARRAY[1.00, 2]);
SELECT bg.create_buying_groups('U', 'one') > 0 AS created;
SELECT id, account_key FROM bg.buying_groups ORDER BY 1;
\set VERBOSITY sqlstate
ALTER EXTENSION bg UPDATE TO '0.3.0';
\set VERBOSITY default
\set SHOW_CONTEXT never
ALTER EXTENSION bg UPDATE TO '0.3.0';
DELETE FROM bg.buying_group WHERE account_key = '1.00';
ALTER EXTENSION bg UPDATE TO '0.3.0';
\set SHOW_CONTEXT errors
SELECT extversion FROM pg_extension WHERE extname = 'bg';
SELECT id, account_key FROM bg.buying_groups ORDER BY 1;
SELECT account_key FROM bg_internal.account_list_entry ORDER BY 1;
DROP EXTENSION bg;
DROP TABLE upgrade_account, upgrade_person;
