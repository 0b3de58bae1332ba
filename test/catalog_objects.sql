-- The objects of docs/design.md §5: catalog and evaluation functions with their
-- argument names and defaults, volatility and parallel safety, the catalog
-- views with their columns, and COMMENTs.
BEGIN;
SELECT plan(134);

-- The public functions of docs/design.md §5, with the exact argument lists.
CREATE TEMP TABLE api (sig regprocedure, args text, writes boolean);
INSERT INTO api VALUES
    ('bg.bind_people(regclass,name,name,name,name,name,name,name)',
     $$people regclass, key name DEFAULT 'id'::name, account name DEFAULT 'account_id'::name, email name DEFAULT NULL::name, first_name name DEFAULT NULL::name, last_name name DEFAULT NULL::name, job_title name DEFAULT NULL::name, country name DEFAULT NULL::name$$, true),
    ('bg.bind_accounts(regclass,name,name,name,name,name,name,name,name,name,name)',
     $$accounts regclass, key name DEFAULT 'id'::name, name name DEFAULT 'name'::name, parent name DEFAULT NULL::name, domain name DEFAULT NULL::name, website name DEFAULT NULL::name, industry name DEFAULT NULL::name, city name DEFAULT NULL::name, state name DEFAULT NULL::name, country name DEFAULT NULL::name, postal_code name DEFAULT NULL::name$$, true),
    ('bg.create_role(text,text)', 'name text, description text DEFAULT NULL::text', true),
    ('bg.rename_role(text,text)', 'name text, new_name text', true),
    ('bg.drop_role(text)', 'name text', true),
    ('bg.create_template(text,text)', 'name text, description text DEFAULT NULL::text', true),
    ('bg.add_role(text,text,text,text,boolean,integer,integer)',
     $$template text, role text, condition text DEFAULT NULL::text, weight text DEFAULT 'normal'::text, required boolean DEFAULT true, members_required integer DEFAULT 1, priority integer DEFAULT NULL::integer$$, true),
    ('bg.update_role(text,text,text,text,boolean,integer)',
     'template text, role text, condition text DEFAULT NULL::text, weight text DEFAULT NULL::text, required boolean DEFAULT NULL::boolean, members_required integer DEFAULT NULL::integer', true),
    ('bg.set_condition(text,text,text)', 'template text, role text, condition text', true),
    ('bg.remove_role(text,text)', 'template text, role text', true),
    ('bg.move_role(text,text,integer)', 'template text, role text, priority integer', true),
    ('bg.publish_template(text)', 'template text', true),
    ('bg.drop_template(text)', 'template text', true),
    ('bg.copy_template(text,text)', 'template text, new_name text', true),
    ('bg.check_condition(text,regclass)', 'condition text, against regclass DEFAULT NULL::regclass', false),
    ('bg.role_for(text,anyelement)', NULL, false),
    ('bg.explain_role(text,anyelement)', NULL, false);

-- ---------------------------------------------------------------------------
-- The functions exist with their argument types
-- ---------------------------------------------------------------------------
SELECT has_function('bg', 'bind_people', ARRAY['regclass', 'name', 'name', 'name', 'name', 'name', 'name', 'name'],
                    'bg.bind_people(regclass, name, name, name, name, name, name, name)');
SELECT has_function('bg', 'bind_accounts', ARRAY['regclass', 'name', 'name', 'name', 'name', 'name', 'name', 'name', 'name', 'name', 'name'],
                    'bg.bind_accounts(regclass, name, name, name, name, name, name, name, name, name, name)');
SELECT has_function('bg', 'create_role', ARRAY['text', 'text'], 'bg.create_role(text, text)');
SELECT has_function('bg', 'rename_role', ARRAY['text', 'text'], 'bg.rename_role(text, text)');
SELECT has_function('bg', 'drop_role', ARRAY['text'], 'bg.drop_role(text)');
SELECT has_function('bg', 'create_template', ARRAY['text', 'text'], 'bg.create_template(text, text)');
SELECT has_function('bg', 'add_role', ARRAY['text', 'text', 'text', 'text', 'boolean', 'integer', 'integer'],
    'bg.add_role(text, text, text, text, boolean, integer, integer)');
SELECT has_function('bg', 'update_role', ARRAY['text', 'text', 'text', 'text', 'boolean', 'integer'],
    'bg.update_role(text, text, text, text, boolean, integer)');
SELECT has_function('bg', 'set_condition', ARRAY['text', 'text', 'text'], 'bg.set_condition(text, text, text)');
SELECT has_function('bg', 'remove_role', ARRAY['text', 'text'], 'bg.remove_role(text, text)');
SELECT has_function('bg', 'move_role', ARRAY['text', 'text', 'integer'], 'bg.move_role(text, text, integer)');
SELECT has_function('bg', 'publish_template', ARRAY['text'], 'bg.publish_template(text)');
SELECT has_function('bg', 'drop_template', ARRAY['text'], 'bg.drop_template(text)');
SELECT has_function('bg', 'copy_template', ARRAY['text', 'text'], 'bg.copy_template(text, text)');
SELECT has_function('bg', 'check_condition', ARRAY['text', 'regclass'], 'bg.check_condition(text, regclass)');
SELECT has_function('bg', 'role_for', ARRAY['text', 'anyelement'], 'bg.role_for(text, anyelement)');
SELECT has_function('bg', 'explain_role', ARRAY['text', 'anyelement'], 'bg.explain_role(text, anyelement)');

SELECT is(pg_get_function_arguments(sig), args, format('argument names and defaults of %s', sig))
  FROM api WHERE args IS NOT NULL ORDER BY sig::text;

SELECT function_returns('bg', 'check_condition', ARRAY['text', 'regclass'], 'text',
    'check_condition returns text');
SELECT function_returns('bg', 'role_for', ARRAY['text', 'anyelement'], 'text', 'role_for returns text');
SELECT function_returns('bg', 'explain_role', ARRAY['text', 'anyelement'], 'setof record',
    'explain_role returns a set of rows');
SELECT is(
    (SELECT array_agg(format('%s %s', n, format_type(t, NULL)) ORDER BY o)
       FROM pg_proc p, unnest(p.proargnames, p.proallargtypes::oid[], p.proargmodes::text[])
                       WITH ORDINALITY AS a(n, t, m, o)
      WHERE p.oid = 'bg.explain_role(text,anyelement)'::regprocedure AND m = 'o'),
    ARRAY['priority integer', 'role text', 'condition text', 'matched boolean', 'assigned boolean',
          'matched_predicates text[]'],
    'explain_role returns priority, role, condition, matched, assigned and the matched predicates');

-- ---------------------------------------------------------------------------
-- Volatility and parallel safety
-- ---------------------------------------------------------------------------
SELECT volatility_is('bg', 'role_for', ARRAY['text', 'anyelement'], 'stable', 'role_for is STABLE');
SELECT volatility_is('bg', 'explain_role', ARRAY['text', 'anyelement'], 'stable', 'explain_role is STABLE');
SELECT volatility_is('bg', 'check_condition', ARRAY['text', 'regclass'], 'stable', 'check_condition is STABLE');
SELECT is(proparallel, 's', format('%s is PARALLEL SAFE', p.oid::regprocedure))
  FROM pg_proc p
 WHERE p.oid IN ('bg.role_for(text,anyelement)'::regprocedure, 'bg.explain_role(text,anyelement)'::regprocedure,
                 'bg.check_condition(text,regclass)'::regprocedure)
 ORDER BY p.oid::regprocedure::text;
SELECT is(provolatile, 'v', format('%s is VOLATILE (it writes the catalog)', sig))
  FROM api JOIN pg_proc p ON p.oid = sig WHERE writes ORDER BY sig::text;
SELECT is(proparallel, 'u', format('%s is PARALLEL UNSAFE (it writes the catalog)', sig))
  FROM api JOIN pg_proc p ON p.oid = sig WHERE writes ORDER BY sig::text;

-- ---------------------------------------------------------------------------
-- search_path safety of every function of the extension
-- ---------------------------------------------------------------------------
-- Callers have no privilege on bg_internal: every SQL and PL/pgSQL function
-- of the API runs as the extension's owner (and pins search_path, below);
-- in bg_internal only the triggers anyone may fire do: the DDL guard's
-- (anyone's DDL) and live mode's (anyone who writes the people or accounts
-- table), and bg's history functions, which read its views as their caller
-- (so that the views show them what they may see).  C functions run as
-- their caller, but for two triggers in C since issue 12, which run as the
-- extension's owner as the PL/pgSQL triggers they replaced did: live mode's
-- on the people table (and still is for the firings it leaves to
-- bg_internal._people_changed_general) and the commit-order trigger of
-- events.
SELECT is(
    (SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text)
       FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
       JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
      WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
        AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'bg')
        AND p.prokind = 'f' AND l.lanname IN ('sql', 'plpgsql')
        AND p.prosecdef <> (p.pronamespace = 'bg'::regnamespace)),
    ARRAY['bg.buying_groups_at(timestamp with time zone)', 'bg.members_at(timestamp with time zone)',
          'bg_internal._accounts_changed()', 'bg_internal._ddl_guard_alter()',
          'bg_internal._ddl_guard_drop()', 'bg_internal._people_changed_general()'],
    'the SQL and PL/pgSQL functions of schema bg are SECURITY DEFINER but the history functions (they read bg''s views as their caller); in bg_internal only the DDL guard''s and live mode''s triggers are');
SELECT is(
    (SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text)
       FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
       JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
      WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
        AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'bg')
        AND l.lanname = 'c' AND p.prosecdef),
    ARRAY['bg_internal._batch_committing()', 'bg_internal._people_changed()'],
    'no C function of bg is SECURITY DEFINER but live mode''s trigger and the commit-order trigger of events');
SELECT is(
    (SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text)
       FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
       JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
      WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
        AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'bg')
        AND l.lanname NOT IN ('c', 'internal')
        AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)),
    NULL, 'every SQL and PL/pgSQL function of bg pins search_path = pg_catalog, pg_temp');

-- ---------------------------------------------------------------------------
-- The catalog views
-- ---------------------------------------------------------------------------
SELECT has_view('bg', 'roles', 'view bg.roles exists');
SELECT has_view('bg', 'templates', 'view bg.templates exists');
SELECT has_view('bg', 'template_roles', 'view bg.template_roles exists');
SELECT columns_are('bg', 'roles', ARRAY['name', 'description', 'is_default'], 'bg.roles has its columns');
SELECT columns_are('bg', 'templates',
    ARRAY['name', 'description', 'status', 'role_count', 'created_at', 'updated_at', 'published_at'],
    'bg.templates has its columns');
SELECT columns_are('bg', 'template_roles',
    ARRAY['template', 'priority', 'role', 'weight', 'weight_value', 'condition', 'required', 'members_required'],
    'bg.template_roles has its columns');
SELECT results_eq(
    $$SELECT table_name::text COLLATE "default", array_agg(column_name::text COLLATE "default" ORDER BY ordinal_position)
        FROM information_schema.columns
       WHERE table_schema = 'bg' AND table_name IN ('roles', 'templates', 'template_roles')
       GROUP BY table_name ORDER BY table_name$$,
    $$VALUES ('roles', ARRAY['name', 'description', 'is_default']),
             ('template_roles', ARRAY['template', 'priority', 'role', 'weight', 'weight_value', 'condition',
                                      'required', 'members_required']),
             ('templates', ARRAY['name', 'description', 'status', 'role_count', 'created_at', 'updated_at',
                                 'published_at'])$$,
    'the view columns are in the order of docs/design.md §5');

SELECT col_type_is('bg', v, c, t, format('bg.%s.%s is %s', v, c, t))
  FROM (VALUES ('roles', 'name', 'text'), ('roles', 'description', 'text'), ('roles', 'is_default', 'boolean'),
               ('templates', 'name', 'text'), ('templates', 'description', 'text'),
               ('templates', 'status', 'text'), ('templates', 'role_count', 'integer'),
               ('templates', 'created_at', 'timestamp with time zone'),
               ('templates', 'updated_at', 'timestamp with time zone'),
               ('templates', 'published_at', 'timestamp with time zone'),
               ('template_roles', 'template', 'text'), ('template_roles', 'priority', 'integer'),
               ('template_roles', 'role', 'text'), ('template_roles', 'weight', 'text'),
               ('template_roles', 'weight_value', 'integer'), ('template_roles', 'condition', 'text'),
               ('template_roles', 'required', 'boolean'), ('template_roles', 'members_required', 'integer'))
       x(v, c, t);

-- ---------------------------------------------------------------------------
-- COMMENTs: every view, view column and public function
-- ---------------------------------------------------------------------------
SELECT is(
    (SELECT array_agg(c.relname::text ORDER BY c.relname::text) FROM pg_class c
      WHERE c.relnamespace = 'bg'::regnamespace AND c.relkind IN ('v', 'm', 'r')
        AND coalesce(obj_description(c.oid, 'pg_class'), '') = ''),
    NULL, 'every view and table of bg has a COMMENT');
SELECT is(
    (SELECT array_agg(format('%s.%s', c.relname, a.attname) ORDER BY c.relname, a.attname)
       FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relnamespace = 'bg'::regnamespace AND c.relkind IN ('v', 'm')
        AND coalesce(col_description(c.oid, a.attnum), '') = ''),
    NULL, 'every column of every view of bg has a COMMENT');
SELECT is(
    (SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text) FROM pg_proc p
      WHERE p.pronamespace = 'bg'::regnamespace AND p.proname !~ '^_'
        AND coalesce(obj_description(p.oid, 'pg_proc'), '') = ''),
    NULL, 'every public function of bg has a COMMENT');
SELECT ok(coalesce(obj_description(sig, 'pg_proc'), '') <> '', format('%s has a COMMENT', sig))
  FROM api ORDER BY sig::text;

-- ---------------------------------------------------------------------------
-- The aggregates of docs/design.md §5
-- ---------------------------------------------------------------------------
SELECT is_aggregate('bg', a, ARRAY['text', t], format('aggregate bg.%s(text, %s)', a, t))
  FROM unnest(ARRAY['role_counts', 'completeness', 'role_completeness', 'missing_roles']) a,
       unnest(ARRAY['anyelement', 'text']) t
 ORDER BY a, t;
SELECT ok(EXISTS (SELECT FROM pg_aggregate g JOIN pg_proc p ON p.oid = g.aggfnoid
                   WHERE p.oid = to_regprocedure(format('bg.%s(text,%s)', a, t))
                     AND p.proparallel = 's' AND g.aggcombinefn <> 0),
          format('aggregate bg.%s(text, %s) is PARALLEL SAFE with a combine function', a, t))
  FROM unnest(ARRAY['role_counts', 'completeness', 'role_completeness', 'missing_roles']) a,
       unnest(ARRAY['anyelement', 'text']) t
 ORDER BY a, t;

SELECT * FROM finish();
ROLLBACK;
