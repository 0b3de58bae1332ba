-- Roles (docs/design.md §2): six defaults, custom roles, at most 20 in all, defaults
-- cannot be renamed or dropped, a role in use cannot be dropped.
BEGIN;
SELECT plan(69);

-- ---------------------------------------------------------------------------
-- The six defaults
-- ---------------------------------------------------------------------------
SELECT bag_eq(
    'SELECT name, is_default FROM bg.roles',
    $$VALUES ('Decision Maker', true), ('Influencer', true), ('Practitioner', true),
             ('Executive Steering Committee', true), ('Champion', true), ('Other', true)$$,
    'the six default roles exist, and no other');
SELECT is((SELECT count(*) FROM bg.roles WHERE description IS NULL OR description = ''), 0::bigint,
    'every default role has a description');

-- ---------------------------------------------------------------------------
-- create_role
-- ---------------------------------------------------------------------------
SELECT lives_ok($$SELECT bg.create_role('Architect', 'Designs the solution.')$$,
    'create_role creates a custom role');
SELECT results_eq(
    $$SELECT name, description, is_default FROM bg.roles WHERE name = 'Architect'$$,
    $$VALUES ('Architect', 'Designs the solution.', false)$$,
    'the custom role is listed in bg.roles, not as a default');
SELECT lives_ok($$SELECT bg.create_role('  Buyer  ')$$, 'create_role without a description');
SELECT results_eq(
    $$SELECT name, description, is_default FROM bg.roles WHERE name ILIKE '%buyer%'$$,
    $$VALUES ('Buyer', NULL::text, false)$$,
    'the name is trimmed and the description defaults to NULL');

CREATE TEMP TABLE roles_before AS SELECT * FROM bg.roles;

SELECT throws_ok($$SELECT bg.create_role('Architect')$$, '42710',
    'role "Architect" already exists', 'a duplicate role name is refused');
SELECT throws_ok($$SELECT bg.create_role('ARCHITECT')$$, '42710',
    'role "Architect" already exists', 'a name differing only in case is a duplicate');
SELECT throws_ok($$SELECT bg.create_role(' architect ')$$, '42710',
    'role "Architect" already exists', 'a name differing in case and white space is a duplicate');
SELECT throws_ok($$SELECT bg.create_role('champion')$$, '42710',
    'role "Champion" already exists', 'a default role name in another case is a duplicate');
SELECT throws_ok($$SELECT bg.create_role('decision maker', 'x')$$, '42710',
    'role "Decision Maker" already exists', 'a default role name is a duplicate');
SELECT lives_ok($$SELECT bg.create_role('Évaluateur')$$, 'a role name with non-ASCII letters');
SELECT throws_ok($$SELECT bg.create_role('éVALUATEUR')$$, '42710',
    'role "Évaluateur" already exists', 'a duplicate differing only in non-ASCII case is refused');
SELECT throws_ok($$SELECT bg.create_role('')$$, '22023',
    'role name must not be empty', 'an empty role name is refused');
SELECT throws_ok($$SELECT bg.create_role(NULL)$$, '22004',
    'role name must not be null', 'a NULL role name is refused');
SELECT throws_ok($$SELECT bg.create_role(NULL, 'described')$$, '22004',
    'role name must not be null', 'a NULL role name is refused even with a description');
SELECT results_eq('SELECT * FROM bg.roles', $$SELECT * FROM roles_before WHERE true
                                               UNION ALL SELECT 'Évaluateur', NULL, false$$,
    'the refused create_role calls wrote nothing');

-- ---------------------------------------------------------------------------
-- At most 20 roles in all: 6 defaults + 14 custom
-- ---------------------------------------------------------------------------
SELECT is((SELECT count(*) FROM bg.roles WHERE NOT is_default), 3::bigint, 'three custom roles so far');
-- fill up to 20 whatever the count is, so that one failure above does not cascade
SELECT lives_ok($$SELECT bg.create_role('Custom ' || g)
                    FROM generate_series((SELECT count(*) FROM bg.roles)::integer - 5, 14) g$$,
    'custom roles up to the 14th can be created');
SELECT is((SELECT count(*) FROM bg.roles), 20::bigint, 'there are 20 roles in all');
SELECT throws_ok($$SELECT bg.create_role('Custom 15')$$, '54000',
    'cannot create role "Custom 15": there are already 20 roles', 'the 15th custom role is refused');
SELECT is((tap.error_of($$SELECT bg.create_role('Custom 15')$$))[4],
    'At most 20 roles exist in all; drop an unused custom role with bg.drop_role first.',
    'the limit error says how to make room');
SELECT throws_ok($$SELECT bg.create_role('Architect')$$, '42710',
    'role "Architect" already exists', 'a duplicate at the limit is still reported as a duplicate');
SELECT is((SELECT count(*) FROM bg.roles), 20::bigint, 'still 20 roles after the refusal');

-- ---------------------------------------------------------------------------
-- Defaults cannot be renamed or dropped
-- ---------------------------------------------------------------------------
SELECT throws_ok(format('SELECT bg.rename_role(%L, %L)', d, d || ' 2'), '42939',
                 format('cannot rename role "%s": it is a default role', d),
                 format('default role %s cannot be renamed', d))
  FROM unnest(ARRAY['Decision Maker', 'Influencer', 'Practitioner',
                    'Executive Steering Committee', 'Champion', 'Other']) d;
SELECT throws_ok(format('SELECT bg.drop_role(%L)', d), '42939',
                 format('cannot drop role "%s": it is a default role', d),
                 format('default role %s cannot be dropped', d))
  FROM unnest(ARRAY['Decision Maker', 'Influencer', 'Practitioner',
                    'Executive Steering Committee', 'Champion', 'Other']) d;
SELECT is((SELECT count(*) FROM bg.roles WHERE is_default), 6::bigint, 'the six defaults are still there');

-- ---------------------------------------------------------------------------
-- rename_role
-- ---------------------------------------------------------------------------
SELECT lives_ok($$SELECT bg.rename_role('Buyer', 'Purchaser')$$, 'rename_role renames a custom role');
SELECT ok(EXISTS (SELECT FROM bg.roles WHERE name = 'Purchaser' AND NOT is_default)
          AND NOT EXISTS (SELECT FROM bg.roles WHERE name = 'Buyer'),
    'the new name replaces the old one');
SELECT lives_ok($$SELECT bg.rename_role('Purchaser', ' PURCHASER ')$$,
    'a role can be renamed to its own name in another case');
SELECT is((SELECT array_agg(name) FROM bg.roles WHERE lower(name) = 'purchaser'), ARRAY['PURCHASER'],
    'the renamed role keeps one, trimmed name');
SELECT throws_ok($$SELECT bg.rename_role('PURCHASER', 'architect')$$, '42710',
    'role "Architect" already exists', 'renaming onto another custom role (any case) is refused');
SELECT throws_ok($$SELECT bg.rename_role('PURCHASER', 'Influencer')$$, '42710',
    'role "Influencer" already exists', 'renaming onto a default role is refused');
SELECT throws_ok($$SELECT bg.rename_role('PURCHASER', '  ')$$, '22023',
    'new role name must not be empty', 'renaming to a blank name is refused');
SELECT throws_ok($$SELECT bg.rename_role('PURCHASER', NULL)$$, '22004',
    'new role name must not be null', 'renaming to NULL is refused');
SELECT throws_ok($$SELECT bg.rename_role('Nobody', 'Somebody')$$, '42704',
    'role "Nobody" does not exist', 'renaming an unknown role is refused');
SELECT throws_ok($$SELECT bg.rename_role(NULL, 'Somebody')$$, '22004',
    'role must not be null', 'renaming a NULL role is refused');
SELECT is((tap.error_of($$SELECT bg.rename_role('Nobody', 'Somebody')$$))[4],
    'The roles are listed in bg.roles; create one with bg.create_role.',
    'an unknown role with no near name gets the generic hint');
SELECT is((tap.error_of($$SELECT bg.drop_role('purchaser')$$))[4],
    'Did you mean "PURCHASER"?', 'an unknown role in another case gets a "did you mean" hint');

-- ---------------------------------------------------------------------------
-- drop_role
-- ---------------------------------------------------------------------------
SELECT bg.create_template('Roles in use');
SELECT bg.add_role('Roles in use', 'Architect');
SELECT bg.add_role('Roles in use', 'Custom 13');
SELECT bg.create_template('Live roles in use');
SELECT bg.add_role('Live roles in use', 'Custom 14');
SELECT bg.publish_template('Live roles in use');

DROP TABLE roles_before;
CREATE TEMP TABLE roles_before AS SELECT * FROM bg.roles;
SELECT throws_ok($$SELECT bg.drop_role('Architect')$$, '2BP01',
    'cannot drop role "Architect": it is used by roles templates',
    'a custom role used by a draft template cannot be dropped');
SELECT is((tap.error_of($$SELECT bg.drop_role('Architect')$$))[3],
    'Roles templates using it: "Roles in use".', 'the error names the templates using the role');
SELECT throws_ok($$SELECT bg.drop_role('Custom 14')$$, '2BP01',
    'cannot drop role "Custom 14": it is used by roles templates',
    'a custom role used by a live template cannot be dropped');
SELECT throws_ok($$SELECT bg.drop_role('Nobody')$$, '42704',
    'role "Nobody" does not exist', 'dropping an unknown role is refused');
SELECT throws_ok($$SELECT bg.drop_role(NULL)$$, '22004',
    'role must not be null', 'dropping a NULL role is refused');
SELECT results_eq('SELECT * FROM bg.roles', 'SELECT * FROM roles_before',
    'the refused rename_role and drop_role calls wrote nothing');

SELECT lives_ok($$SELECT bg.drop_role('PURCHASER')$$, 'drop_role drops an unused custom role');
SELECT ok(NOT EXISTS (SELECT FROM bg.roles WHERE lower(name) = 'purchaser'), 'the dropped role is gone');
SELECT lives_ok($$SELECT bg.create_role('Custom 15')$$, 'after a drop there is room for one more role');
SELECT throws_ok($$SELECT bg.create_role('Custom 16')$$, '54000',
    'cannot create role "Custom 16": there are already 20 roles', 'and then the limit holds again');

SELECT lives_ok($$SELECT bg.remove_role('Roles in use', 'Architect')$$, 'remove the role from the template');
SELECT lives_ok($$SELECT bg.drop_role('Architect')$$, 'a role no template uses any more can be dropped');
SELECT lives_ok($$SELECT bg.drop_template('Roles in use')$$, 'drop the template using Custom 13');
SELECT lives_ok($$SELECT bg.drop_role('Custom 13')$$, 'the roles of a dropped template can be dropped');

-- A custom role renamed while in use shows its new name in the template.
SELECT lives_ok($$SELECT bg.rename_role('Custom 14', 'Sponsor')$$, 'a custom role in use can be renamed');
SELECT results_eq($$SELECT role FROM bg.template_roles WHERE template = 'Live roles in use'$$,
    $$VALUES ('Sponsor')$$, 'the template shows the new role name');

-- Dropped names can be reused.
SELECT lives_ok($$SELECT bg.create_role('architect')$$, 'the name of a dropped role can be reused');
SELECT is((SELECT count(*) FROM bg.roles), 19::bigint, '19 roles at the end');

-- White space of any kind is blank (last, so that a failure cannot cascade).
DROP TABLE roles_before;
CREATE TEMP TABLE roles_before AS SELECT * FROM bg.roles;
SELECT throws_ok($$SELECT bg.create_role(E' \t\n ')$$, '22023',
    'role name must not be empty', 'a blank role name is refused');
SELECT results_eq('SELECT * FROM bg.roles', 'SELECT * FROM roles_before',
    'the refused blank name wrote nothing');

SELECT * FROM finish();
ROLLBACK;
