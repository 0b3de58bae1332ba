-- Roles templates (docs/design.md §2): drafts and live templates, publish, drop,
-- copy, and the bg.templates view.
BEGIN;
SELECT plan(74);

-- A fixed past time, so that changes of updated_at show inside one transaction.
CREATE FUNCTION pg_temp.age_templates() RETURNS void LANGUAGE sql AS $$
    UPDATE bg_internal.template SET created_at = '2001-01-01', updated_at = '2001-01-01';
$$;

-- ---------------------------------------------------------------------------
-- create_template
-- ---------------------------------------------------------------------------
SELECT is((SELECT count(*) FROM bg.templates), 0::bigint, 'no templates after CREATE EXTENSION');
SELECT lives_ok($$SELECT bg.create_template('Cybersecurity', 'Selling the security suite.')$$,
    'create_template creates a template');
SELECT results_eq(
    $$SELECT name, description, status, role_count, published_at FROM bg.templates$$,
    $$VALUES ('Cybersecurity', 'Selling the security suite.', 'draft', 0, NULL::timestamptz)$$,
    'a new template is an empty draft');
SELECT ok((SELECT created_at = now() AND updated_at = now() FROM bg.templates WHERE name = 'Cybersecurity'),
    'created_at and updated_at are set on creation');
SELECT lives_ok($$SELECT bg.create_template('  Data platform  ')$$, 'create_template without a description');
SELECT results_eq($$SELECT name, description FROM bg.templates WHERE name ILIKE '%data platform%'$$,
    $$VALUES ('Data platform', NULL::text)$$, 'the name is trimmed and the description defaults to NULL');

CREATE TEMP TABLE t_before AS SELECT * FROM bg.templates;
SELECT throws_ok($$SELECT bg.create_template('Cybersecurity')$$, '42710',
    'roles template "Cybersecurity" already exists', 'a duplicate template name is refused');
SELECT throws_ok($$SELECT bg.create_template(' Cybersecurity ', 'other')$$, '42710',
    'roles template "Cybersecurity" already exists', 'a duplicate after trimming is refused');
SELECT throws_ok($$SELECT bg.create_template('')$$, '22023',
    'template name must not be empty', 'an empty template name is refused');
SELECT throws_ok($$SELECT bg.create_template(NULL)$$, '22004',
    'template name must not be null', 'a NULL template name is refused');
SELECT results_eq('SELECT * FROM bg.templates', 'SELECT * FROM t_before',
    'the refused create_template calls wrote nothing');

-- ---------------------------------------------------------------------------
-- Unknown templates
-- ---------------------------------------------------------------------------
SELECT throws_ok(format('SELECT %s', call), '42704', 'roles template "Nope" does not exist',
                 format('%s on an unknown template', split_part(call, '(', 1)))
  FROM unnest(ARRAY[
      $$bg.add_role('Nope', 'Champion')$$,
      $$bg.update_role('Nope', 'Champion', weight => 'vital')$$,
      $$bg.set_condition('Nope', 'Champion', NULL)$$,
      $$bg.remove_role('Nope', 'Champion')$$,
      $$bg.move_role('Nope', 'Champion', 1)$$,
      $$bg.publish_template('Nope')$$,
      $$bg.drop_template('Nope')$$,
      $$bg.copy_template('Nope', 'Nope 2')$$]) call;
SELECT throws_ok($$SELECT bg.add_role('cybersecurity', 'Champion')$$, '42704',
    'roles template "cybersecurity" does not exist', 'template names are exact');
SELECT throws_ok($$SELECT bg.publish_template(NULL)$$, '22004',
    'template must not be null', 'a NULL template is refused');
SELECT throws_ok($$SELECT bg.drop_template(NULL)$$, '22004',
    'template must not be null', 'drop_template of NULL is refused');

-- ---------------------------------------------------------------------------
-- publish_template
-- ---------------------------------------------------------------------------
SELECT throws_ok($$SELECT bg.publish_template('Cybersecurity')$$, '55000',
    'cannot publish roles template "Cybersecurity": it has no roles', 'an empty template cannot be published');
SELECT results_eq('SELECT * FROM bg.templates', 'SELECT * FROM t_before',
    'the refused publish wrote nothing');

SELECT bg.add_role('Cybersecurity', 'Decision Maker', $$job_title contains 'ciso'$$, 'vital');
SELECT bg.add_role('Cybersecurity', 'Influencer', $$job_title contains 'security'$$, 'important',
                   members_required => 2);
SELECT bg.add_role('Cybersecurity', 'Champion', NULL, 'minor', false);
SELECT is((SELECT role_count FROM bg.templates WHERE name = 'Cybersecurity'), 3, 'role_count counts the roles');

SELECT pg_temp.age_templates();
SELECT lives_ok($$SELECT bg.publish_template('Cybersecurity')$$, 'a draft with roles can be published');
SELECT results_eq(
    $$SELECT status, role_count, published_at, updated_at, created_at FROM bg.templates WHERE name = 'Cybersecurity'$$,
    $$VALUES ('live', 3, now(), now(), '2001-01-01'::timestamptz)$$,
    'a published template is live, with published_at and updated_at set and created_at kept');
SELECT is((SELECT published_at FROM bg.templates WHERE name = 'Data platform'), NULL,
    'published_at stays NULL on a draft');

-- ---------------------------------------------------------------------------
-- A live template never changes
-- ---------------------------------------------------------------------------
SELECT pg_temp.age_templates();
CREATE TEMP TABLE live_t AS SELECT * FROM bg.templates;
CREATE TEMP TABLE live_tr AS SELECT * FROM bg.template_roles;

SELECT throws_ok(format('SELECT %s', call), '55000',
                 'roles template "Cybersecurity" is live and cannot be changed',
                 format('%s is refused on a live template', split_part(call, '(', 1)))
  FROM unnest(ARRAY[
      $$bg.add_role('Cybersecurity', 'Practitioner')$$,
      $$bg.add_role('Cybersecurity', 'Decision Maker')$$,
      $$bg.update_role('Cybersecurity', 'Champion', weight => 'vital')$$,
      $$bg.update_role('Cybersecurity', 'Champion')$$,
      $$bg.set_condition('Cybersecurity', 'Champion', 'true')$$,
      $$bg.set_condition('Cybersecurity', 'Decision Maker', NULL)$$,
      $$bg.remove_role('Cybersecurity', 'Champion')$$,
      $$bg.move_role('Cybersecurity', 'Champion', 1)$$,
      $$bg.publish_template('Cybersecurity')$$]) call;
SELECT throws_ok($$SELECT bg.drop_template('Cybersecurity')$$, '55000',
    'cannot drop roles template "Cybersecurity": it is live', 'a live template cannot be dropped');
SELECT results_eq('SELECT * FROM bg.templates', 'SELECT * FROM live_t',
    'the live template is unchanged, updated_at included');
SELECT results_eq('SELECT * FROM bg.template_roles', 'SELECT * FROM live_tr',
    'the roles of the live template are unchanged');

-- ---------------------------------------------------------------------------
-- copy_template
-- ---------------------------------------------------------------------------
SELECT lives_ok($$SELECT bg.copy_template('Cybersecurity', 'Cybersecurity v2')$$,
    'copy_template copies a live template');
SELECT results_eq(
    $$SELECT name, description, status, role_count, published_at, created_at = now(), updated_at = now()
        FROM bg.templates WHERE name = 'Cybersecurity v2'$$,
    $$VALUES ('Cybersecurity v2', 'Selling the security suite.', 'draft', 3, NULL::timestamptz, true, true)$$,
    'the copy is a new draft with the same description');
SELECT results_eq(
    $$SELECT priority, role, weight, weight_value, condition, required, members_required
        FROM bg.template_roles WHERE template = 'Cybersecurity v2'$$,
    $$SELECT priority, role, weight, weight_value, condition, required, members_required
        FROM bg.template_roles WHERE template = 'Cybersecurity'$$,
    'the copy has the same roles, in the same order, with the same settings');
SELECT results_eq($$SELECT * FROM bg.templates WHERE name = 'Cybersecurity'$$,
    $$SELECT * FROM live_t WHERE name = 'Cybersecurity'$$, 'the original stays live and unchanged');
SELECT lives_ok($$SELECT bg.update_role('Cybersecurity v2', 'Champion', weight => 'vital')$$,
    'the copy can be edited');
SELECT results_eq($$SELECT template, weight FROM bg.template_roles WHERE role = 'Champion' ORDER BY 1$$,
    $$VALUES ('Cybersecurity', 'minor'), ('Cybersecurity v2', 'vital')$$,
    'editing the copy leaves the original alone');
SELECT lives_ok($$SELECT bg.copy_template('Data platform', 'Data platform copy')$$,
    'copy_template also copies a draft');
SELECT results_eq($$SELECT status, role_count FROM bg.templates WHERE name = 'Data platform copy'$$,
    $$VALUES ('draft', 0)$$, 'the copy of an empty draft is an empty draft');
SELECT lives_ok($$SELECT bg.copy_template('Cybersecurity v2', '  Cybersecurity v3 ')$$,
    'the new name is trimmed');
SELECT is((SELECT role_count FROM bg.templates WHERE name = 'Cybersecurity v3'), 3, 'the copy of a copy');

DROP TABLE t_before;
CREATE TEMP TABLE t_before AS SELECT * FROM bg.templates;
CREATE TEMP TABLE tr_before AS SELECT * FROM bg.template_roles;
SELECT throws_ok($$SELECT bg.copy_template('Cybersecurity', 'Data platform')$$, '42710',
    'roles template "Data platform" already exists', 'copy onto an existing draft is refused');
SELECT throws_ok($$SELECT bg.copy_template('Data platform', 'Cybersecurity')$$, '42710',
    'roles template "Cybersecurity" already exists', 'copy onto an existing live template is refused');
SELECT throws_ok($$SELECT bg.copy_template('Cybersecurity', 'Cybersecurity')$$, '42710',
    'roles template "Cybersecurity" already exists', 'copy onto itself is refused');
SELECT throws_ok($$SELECT bg.copy_template('Cybersecurity', ' ')$$, '22023',
    'template name must not be empty', 'copy to a blank name is refused');
SELECT throws_ok($$SELECT bg.copy_template('Cybersecurity', NULL)$$, '22004',
    'template name must not be null', 'copy to a NULL name is refused');
SELECT throws_ok($$SELECT bg.copy_template(NULL, 'x')$$, '22004',
    'template must not be null', 'copy of a NULL template is refused');
SELECT results_eq('SELECT * FROM bg.templates', 'SELECT * FROM t_before',
    'the refused copies wrote no template');
SELECT results_eq('SELECT * FROM bg.template_roles', 'SELECT * FROM tr_before',
    'the refused copies wrote no template role');

-- ---------------------------------------------------------------------------
-- drop_template
-- ---------------------------------------------------------------------------
SELECT lives_ok($$SELECT bg.drop_template('Cybersecurity v3')$$, 'drop_template drops a draft with roles');
SELECT ok(NOT EXISTS (SELECT FROM bg.templates WHERE name = 'Cybersecurity v3')
          AND NOT EXISTS (SELECT FROM bg.template_roles WHERE template = 'Cybersecurity v3'),
    'the dropped template and its roles are gone');
SELECT lives_ok($$SELECT bg.drop_template('Data platform copy')$$, 'drop_template drops an empty draft');
SELECT throws_ok($$SELECT bg.drop_template('Data platform copy')$$, '42704',
    'roles template "Data platform copy" does not exist', 'a dropped template is gone');
SELECT lives_ok($$SELECT bg.create_template('Data platform copy')$$, 'the name of a dropped template can be reused');

-- ---------------------------------------------------------------------------
-- updated_at follows every change of a draft
-- ---------------------------------------------------------------------------
CREATE FUNCTION pg_temp.touched(call text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_temp.age_templates();
    EXECUTE 'SELECT ' || call;
    RETURN (SELECT updated_at = now() AND created_at = '2001-01-01'
              FROM bg.templates WHERE name = 'Cybersecurity v2');
END $$;
SELECT ok(pg_temp.touched(call), format('%s changes updated_at', split_part(call, '(', 1)))
  FROM unnest(ARRAY[
      $$bg.add_role('Cybersecurity v2', 'Practitioner')$$,
      $$bg.update_role('Cybersecurity v2', 'Practitioner', required => false)$$,
      $$bg.set_condition('Cybersecurity v2', 'Practitioner', 'job_title is not empty')$$,
      $$bg.move_role('Cybersecurity v2', 'Practitioner', 1)$$,
      $$bg.remove_role('Cybersecurity v2', 'Practitioner')$$,
      $$bg.publish_template('Cybersecurity v2')$$]) call;
SELECT pg_temp.age_templates();
SELECT bg.create_template('Untouched');
SELECT results_eq($$SELECT name, updated_at FROM bg.templates WHERE name <> 'Untouched'$$,
    $$SELECT name, '2001-01-01'::timestamptz FROM bg.templates WHERE name <> 'Untouched'$$,
    'a change to one template leaves the updated_at of the others alone');

-- ---------------------------------------------------------------------------
-- The bg.templates view
-- ---------------------------------------------------------------------------
SELECT results_eq($$SELECT name, status, role_count FROM bg.templates ORDER BY name$$,
    $$VALUES ('Cybersecurity', 'live', 3), ('Cybersecurity v2', 'live', 3),
             ('Data platform', 'draft', 0), ('Data platform copy', 'draft', 0), ('Untouched', 'draft', 0)$$,
    'bg.templates lists every template with its status and role count');
SELECT ok((SELECT bool_and((status = 'live') = (published_at IS NOT NULL)) FROM bg.templates),
    'published_at is set exactly for live templates');

-- White space of any kind is blank (last, so that a failure cannot cascade).
DROP TABLE t_before;
CREATE TEMP TABLE t_before AS SELECT * FROM bg.templates;
SELECT throws_ok($$SELECT bg.create_template(E' \t\n ')$$, '22023',
    'template name must not be empty', 'a blank template name is refused');
SELECT results_eq('SELECT * FROM bg.templates', 'SELECT * FROM t_before',
    'the refused blank name wrote nothing');

SELECT * FROM finish();
ROLLBACK;
