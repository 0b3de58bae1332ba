-- Template roles (docs/design.md §2, §5 catalog functions): add_role, update_role,
-- set_condition, remove_role, move_role; priorities, weights, thresholds,
-- and nothing half written after an error.
BEGIN;
SELECT plan(105);

CREATE TABLE public.tr_person (
    id         integer PRIMARY KEY,
    account_id integer,
    job_title  text,
    department text,
    seniority  integer,
    hired      date
);
SELECT bg.bind_people('public.tr_person');
SELECT bg.create_template('T', 'test template');
SELECT bg.create_role('Architect');

-- priority and role of template T, in priority order
CREATE FUNCTION pg_temp.order_of(template text) RETURNS text[] LANGUAGE sql AS $$
    SELECT array_agg(role ORDER BY priority) FROM bg.template_roles WHERE template_roles.template = $1;
$$;
-- priorities of template T are 1..n with no gap
CREATE FUNCTION pg_temp.dense(template text) RETURNS boolean LANGUAGE sql AS $$
    SELECT coalesce(array_agg(priority ORDER BY priority) = array_agg(n ORDER BY n), true)
      FROM (SELECT priority, row_number() OVER (ORDER BY priority)::integer AS n
              FROM bg.template_roles WHERE template_roles.template = $1) x;
$$;
CREATE TEMP TABLE tr_before (LIKE bg.template_roles);
CREATE TEMP TABLE t_before (LIKE bg.templates);
CREATE FUNCTION pg_temp.snapshot() RETURNS void LANGUAGE sql AS $$
    DELETE FROM tr_before; INSERT INTO tr_before SELECT * FROM bg.template_roles;
    DELETE FROM t_before; INSERT INTO t_before SELECT * FROM bg.templates;
$$;

-- ---------------------------------------------------------------------------
-- add_role: defaults, appending, inserting at a priority
-- ---------------------------------------------------------------------------
SELECT lives_ok($$SELECT bg.add_role('T', 'Decision Maker')$$, 'add_role with the defaults');
SELECT results_eq($$SELECT * FROM bg.template_roles$$,
    $$VALUES ('T', 1, 'Decision Maker', 'normal', 60, NULL::text, true, 1)$$,
    'defaults: priority 1, weight normal (60), no condition, required, one member');
SELECT lives_ok($$SELECT bg.add_role('T', 'Influencer', $c$job_title contains 'manager'$c$)$$,
    'add_role with a condition');
SELECT lives_ok($$SELECT bg.add_role('T', 'Champion', weight => 'minor', required => false,
                                     members_required => 3)$$, 'add_role with named arguments');
SELECT is(pg_temp.order_of('T'), ARRAY['Decision Maker', 'Influencer', 'Champion'],
    'priority NULL appends');
SELECT lives_ok($$SELECT bg.add_role('T', 'Practitioner', priority => 1)$$, 'add_role at priority 1');
SELECT is(pg_temp.order_of('T'), ARRAY['Practitioner', 'Decision Maker', 'Influencer', 'Champion'],
    'inserting at 1 shifts every other role down');
SELECT lives_ok($$SELECT bg.add_role('T', 'Other', priority => 3)$$, 'add_role in the middle');
SELECT is(pg_temp.order_of('T'), ARRAY['Practitioner', 'Decision Maker', 'Other', 'Influencer', 'Champion'],
    'inserting at 3 shifts the roles from 3 on');
SELECT lives_ok($$SELECT bg.add_role('T', 'Executive Steering Committee', priority => 6)$$,
    'add_role at priority n + 1 appends');
SELECT results_eq($$SELECT priority, role FROM bg.template_roles WHERE template = 'T'$$,
    $$VALUES (1, 'Practitioner'), (2, 'Decision Maker'), (3, 'Other'), (4, 'Influencer'),
             (5, 'Champion'), (6, 'Executive Steering Committee')$$,
    'priorities run 1..6 in the view');
SELECT results_eq($$SELECT role, weight, weight_value, condition, required, members_required
                      FROM bg.template_roles WHERE role IN ('Influencer', 'Champion')$$,
    $$VALUES ('Influencer', 'normal', 60, $c$job_title contains 'manager'$c$, true, 1),
             ('Champion', 'minor', 40, NULL, false, 3)$$,
    'the settings given to add_role are kept');
SELECT is((SELECT role_count FROM bg.templates WHERE name = 'T'), 6, 'role_count is 6');

-- ---------------------------------------------------------------------------
-- Weight bands
-- ---------------------------------------------------------------------------
SELECT bg.create_template('W');
SELECT lives_ok(format('SELECT bg.add_role(%L, %L, weight => %L)', 'W', r, w),
                format('weight %s is accepted', w))
  FROM (VALUES ('Decision Maker', 'trivial'), ('Influencer', 'minor'), ('Practitioner', 'normal'),
               ('Champion', 'important'), ('Other', 'vital')) v(r, w);
SELECT results_eq($$SELECT weight, weight_value FROM bg.template_roles WHERE template = 'W'$$,
    $$VALUES ('trivial', 20), ('minor', 40), ('normal', 60), ('important', 80), ('vital', 100)$$,
    'weight bands: trivial=20 minor=40 normal=60 important=80 vital=100');
SELECT lives_ok($$SELECT bg.add_role('W', 'Architect', weight => 'VITAL')$$, 'weight is case-insensitive');
SELECT results_eq($$SELECT weight, weight_value FROM bg.template_roles WHERE template = 'W' AND role = 'Architect'$$,
    $$VALUES ('vital', 100)$$, 'the weight is stored in lower case');

-- ---------------------------------------------------------------------------
-- add_role errors, each leaving the catalog unchanged
-- ---------------------------------------------------------------------------
SELECT pg_temp.snapshot();
SELECT throws_ok($$SELECT bg.add_role('T', 'Architect', weight => 'huge')$$, '22023',
    'invalid weight "huge"', 'an unknown weight band is refused');
SELECT throws_ok($$SELECT bg.add_role('T', 'Architect', weight => '')$$, '22023',
    'invalid weight ""', 'an empty weight is refused');
SELECT throws_ok($$SELECT bg.add_role('T', 'Architect', weight => '60')$$, '22023',
    'invalid weight "60"', 'a weight value instead of a band is refused');
SELECT throws_ok($$SELECT bg.add_role('T', 'Architect', weight => NULL)$$, '22004',
    'weight must not be null', 'a NULL weight is refused');
SELECT throws_ok($$SELECT bg.add_role('T', 'Architect', members_required => 0)$$, '22023',
    'members_required must be at least 1, not 0', 'members_required 0 is refused');
SELECT throws_ok($$SELECT bg.add_role('T', 'Architect', members_required => -2)$$, '22023',
    'members_required must be at least 1, not -2', 'a negative members_required is refused');
SELECT throws_ok($$SELECT bg.add_role('T', 'Architect', members_required => NULL)$$, '22004',
    'members_required must not be null', 'a NULL members_required is refused');
SELECT throws_ok($$SELECT bg.add_role('T', 'Architect', required => NULL)$$, '22004',
    'required must not be null', 'a NULL required is refused');
SELECT throws_ok($$SELECT bg.add_role('T', 'Architect', priority => 0)$$, '22023',
    'priority 0 is out of range', 'priority 0 is refused');
SELECT throws_ok($$SELECT bg.add_role('T', 'Architect', priority => -1)$$, '22023',
    'priority -1 is out of range', 'a negative priority is refused');
SELECT throws_ok($$SELECT bg.add_role('T', 'Architect', priority => 8)$$, '22023',
    'priority 8 is out of range', 'a priority beyond n + 1 is refused');
SELECT throws_ok($$SELECT bg.add_role('T', 'Champion')$$, '42710',
    'role "Champion" is already in roles template "T"', 'a role appears at most once in a template');
SELECT throws_ok($$SELECT bg.add_role('T', 'Champion', priority => 1, weight => 'vital')$$, '42710',
    'role "Champion" is already in roles template "T"', 'a role appears at most once, whatever the arguments');
SELECT throws_ok($$SELECT bg.add_role('T', 'Nobody')$$, '42704',
    'role "Nobody" does not exist', 'an unknown role is refused');
SELECT throws_ok($$SELECT bg.add_role('T', NULL)$$, '22004',
    'role must not be null', 'a NULL role is refused');
SELECT throws_ok($$SELECT bg.add_role(NULL, 'Architect')$$, '22004',
    'template must not be null', 'a NULL template is refused');
SELECT is((tap.error_of($$SELECT bg.add_role('T', 'Architect', 'no_such_column = 1')$$))[1:3],
    ARRAY['42703', 'invalid condition for role "Architect" of roles template "T"',
          'Column "no_such_column" does not exist in table public.tr_person. At character 1 of condition "no_such_column = 1".'],
    'a condition naming an unknown column is refused');
SELECT throws_ok($$SELECT bg.add_role('T', 'Architect', $c$seniority contains 'x'$c$)$$, '42804',
    NULL, 'a condition with a wrong type is refused');
SELECT throws_ok($$SELECT bg.add_role('T', 'Architect', 'job_title contains')$$, '42601',
    NULL, 'a malformed condition is refused');
SELECT throws_ok($$SELECT bg.add_role('T', 'Architect', $c$job_title contains 'x'$c$, priority => 1,
                                      weight => 'bogus')$$, '22023',
    'invalid weight "bogus"', 'a bad weight with a good condition and a priority is refused');
SELECT throws_ok($$SELECT bg.add_role('T', 'Architect', 'nope = 1', priority => 1)$$, '42703',
    NULL, 'a bad condition with a priority is refused');
SELECT results_eq('SELECT * FROM bg.template_roles', 'SELECT * FROM tr_before',
    'after the refused add_role calls bg.template_roles is unchanged');
SELECT results_eq('SELECT * FROM bg.templates', 'SELECT * FROM t_before',
    'after the refused add_role calls bg.templates is unchanged (updated_at included)');

-- ---------------------------------------------------------------------------
-- Conditions are stored in canonical form
-- ---------------------------------------------------------------------------
SELECT lives_ok($$SELECT bg.add_role('T', 'Architect', $c$JOB_TITLE Contains 'Architect'  OR seniority>=3$c$)$$,
    'add_role with a condition in any layout');
SELECT is((SELECT condition FROM bg.template_roles WHERE template = 'T' AND role = 'Architect'),
    bg.check_condition($c$JOB_TITLE Contains 'Architect'  OR seniority>=3$c$),
    'the condition is stored in the canonical text of bg.check_condition');
SELECT is((SELECT condition FROM bg.template_roles WHERE template = 'T' AND role = 'Architect'),
    $c$job_title contains 'Architect' or seniority >= 3$c$, 'the canonical text');

-- ---------------------------------------------------------------------------
-- update_role: NULL keeps the current value
-- ---------------------------------------------------------------------------
SELECT pg_temp.snapshot();
SELECT lives_ok($$SELECT bg.update_role('T', 'Influencer')$$, 'update_role with no changes');
SELECT results_eq('SELECT * FROM bg.template_roles', 'SELECT * FROM tr_before',
    'update_role with only NULLs keeps every value');
SELECT lives_ok($$SELECT bg.update_role('T', 'Influencer', weight => 'important')$$, 'update_role of the weight');
SELECT results_eq($$SELECT priority, weight, weight_value, condition, required, members_required
                      FROM bg.template_roles WHERE template = 'T' AND role = 'Influencer'$$,
    $$VALUES (4, 'important', 80, $c$job_title contains 'manager'$c$, true, 1)$$,
    'only the weight changed');
SELECT lives_ok($$SELECT bg.update_role('T', 'Influencer', required => false, members_required => 4)$$,
    'update_role of required and members_required');
SELECT results_eq($$SELECT priority, weight, condition, required, members_required
                      FROM bg.template_roles WHERE template = 'T' AND role = 'Influencer'$$,
    $$VALUES (4, 'important', $c$job_title contains 'manager'$c$, false, 4)$$,
    'only required and members_required changed');
SELECT lives_ok($$SELECT bg.update_role('T', 'Influencer', $c$department = 'IT'$c$)$$,
    'update_role of the condition');
SELECT results_eq($$SELECT priority, weight, condition, required, members_required
                      FROM bg.template_roles WHERE template = 'T' AND role = 'Influencer'$$,
    $$VALUES (4, 'important', $c$department = 'IT'$c$, false, 4)$$,
    'only the condition changed');
SELECT lives_ok($$SELECT bg.update_role('T', 'Champion', $c$job_title starts with 'VP'$c$, 'Vital', true, 1)$$,
    'update_role of everything at once');
SELECT results_eq($$SELECT priority, weight, weight_value, condition, required, members_required
                      FROM bg.template_roles WHERE template = 'T' AND role = 'Champion'$$,
    $$VALUES (5, 'vital', 100, $c$job_title starts with 'VP'$c$, true, 1)$$,
    'every value changed, the priority did not');

SELECT pg_temp.snapshot();
SELECT throws_ok($$SELECT bg.update_role('T', 'Influencer', weight => 'heavy')$$, '22023',
    'invalid weight "heavy"', 'update_role refuses an unknown weight');
SELECT throws_ok($$SELECT bg.update_role('T', 'Influencer', members_required => 0)$$, '22023',
    'members_required must be at least 1, not 0', 'update_role refuses members_required 0');
SELECT throws_ok($$SELECT bg.update_role('T', 'Influencer', $c$department = 'Legal'$c$, 'bogus')$$, '22023',
    'invalid weight "bogus"', 'update_role with a good condition and a bad weight is refused');
SELECT throws_ok($$SELECT bg.update_role('T', 'Influencer', 'nope = 1', 'vital')$$, '42703',
    NULL, 'update_role with a bad condition and a good weight is refused');
SELECT throws_ok($$SELECT bg.update_role('T', 'Influencer', 'seniority > ''high''')$$, '42804',
    NULL, 'update_role refuses a literal of the wrong type');
SELECT throws_ok($$SELECT bg.update_role('T', 'Influencer', '(')$$, '42601',
    NULL, 'update_role refuses a malformed condition');
SELECT throws_ok($$SELECT bg.update_role('T', 'Nobody', weight => 'vital')$$, '42704',
    'role "Nobody" does not exist', 'update_role of an unknown role');
SELECT throws_ok($$SELECT bg.update_role('W', 'Executive Steering Committee', weight => 'vital')$$, '42704',
    'role "Executive Steering Committee" is not in roles template "W"', 'update_role of a role not in the template');
SELECT results_eq('SELECT * FROM bg.template_roles', 'SELECT * FROM tr_before',
    'after the refused update_role calls bg.template_roles is unchanged');
SELECT results_eq('SELECT * FROM bg.templates', 'SELECT * FROM t_before',
    'after the refused update_role calls bg.templates is unchanged');

-- ---------------------------------------------------------------------------
-- set_condition: NULL removes
-- ---------------------------------------------------------------------------
SELECT lives_ok($$SELECT bg.set_condition('T', 'Decision Maker', $c$job_title in ('CEO', 'CFO')$c$)$$,
    'set_condition sets a condition');
SELECT is((SELECT condition FROM bg.template_roles WHERE template = 'T' AND role = 'Decision Maker'),
    $c$job_title in ('CEO', 'CFO')$c$, 'the condition is set');
SELECT lives_ok($$SELECT bg.set_condition('T', 'Decision Maker', NULL)$$, 'set_condition with NULL');
SELECT is((SELECT condition FROM bg.template_roles WHERE template = 'T' AND role = 'Decision Maker'),
    NULL, 'NULL removes the condition');
SELECT pg_temp.snapshot();
SELECT throws_ok($$SELECT bg.set_condition('T', 'Influencer', $c$hired > '2026-02-30'$c$)$$, '22008',
    NULL, 'set_condition refuses an impossible date');
SELECT throws_ok($$SELECT bg.set_condition('T', 'Influencer', $c$hired > 'soon'$c$)$$, '22007',
    NULL, 'set_condition refuses a malformed date');
SELECT throws_ok($$SELECT bg.set_condition('T', 'Influencer', 'unknown_col is empty')$$, '42703',
    NULL, 'set_condition refuses an unknown column');
SELECT throws_ok($$SELECT bg.set_condition('T', 'Architect', '')$$, '42601',
    NULL, 'set_condition refuses an empty condition (NULL removes it)');
SELECT throws_ok($$SELECT bg.set_condition('W', 'Executive Steering Committee', 'true')$$, '42704',
    'role "Executive Steering Committee" is not in roles template "W"', 'set_condition of a role not in the template');
SELECT results_eq('SELECT * FROM bg.template_roles', 'SELECT * FROM tr_before',
    'after the refused set_condition calls bg.template_roles is unchanged');

-- ---------------------------------------------------------------------------
-- move_role, both directions
-- ---------------------------------------------------------------------------
-- T is: Practitioner, Decision Maker, Other, Influencer, Champion, Executive Steering Committee, Architect
SELECT is(pg_temp.order_of('T'), ARRAY['Practitioner', 'Decision Maker', 'Other', 'Influencer', 'Champion',
                                       'Executive Steering Committee', 'Architect'], 'order before moving');
SELECT lives_ok($$SELECT bg.move_role('T', 'Decision Maker', 5)$$, 'move_role down');
SELECT is(pg_temp.order_of('T'), ARRAY['Practitioner', 'Other', 'Influencer', 'Champion', 'Decision Maker',
                                       'Executive Steering Committee', 'Architect'],
    'moving from 2 to 5 shifts 3..5 up');
SELECT lives_ok($$SELECT bg.move_role('T', 'Architect', 1)$$, 'move_role up to the top');
SELECT is(pg_temp.order_of('T'), ARRAY['Architect', 'Practitioner', 'Other', 'Influencer', 'Champion',
                                       'Decision Maker', 'Executive Steering Committee'],
    'moving from 7 to 1 shifts 1..6 down');
SELECT lives_ok($$SELECT bg.move_role('T', 'Architect', 7)$$, 'move_role down to the bottom');
SELECT is(pg_temp.order_of('T'), ARRAY['Practitioner', 'Other', 'Influencer', 'Champion',
                                       'Decision Maker', 'Executive Steering Committee', 'Architect'],
    'moving from 1 to 7 shifts 2..7 up');
SELECT lives_ok($$SELECT bg.move_role('T', 'Influencer', 3)$$, 'move_role to its own priority');
SELECT ok(pg_temp.dense('T'), 'priorities stay 1..n without gaps');
SELECT results_eq($$SELECT role, weight, condition, required, members_required FROM bg.template_roles
                     WHERE template = 'T' ORDER BY role$$,
    $$SELECT role, weight, condition, required, members_required FROM tr_before
                     WHERE template = 'T' ORDER BY role$$,
    'moving changes nothing but the priorities');

SELECT pg_temp.snapshot();
SELECT throws_ok($$SELECT bg.move_role('T', 'Architect', 0)$$, '22023',
    'priority 0 is out of range', 'move_role to 0 is refused');
SELECT throws_ok($$SELECT bg.move_role('T', 'Architect', 8)$$, '22023',
    'priority 8 is out of range', 'move_role beyond the last priority is refused');
SELECT throws_ok($$SELECT bg.move_role('T', 'Architect', NULL)$$, '22023',
    'priority NULL is out of range', 'move_role to NULL is refused');
SELECT throws_ok($$SELECT bg.move_role('W', 'Executive Steering Committee', 1)$$, '42704',
    'role "Executive Steering Committee" is not in roles template "W"', 'move_role of a role not in the template');
SELECT results_eq('SELECT * FROM bg.template_roles', 'SELECT * FROM tr_before',
    'after the refused move_role calls bg.template_roles is unchanged');

-- ---------------------------------------------------------------------------
-- remove_role compacts the priorities
-- ---------------------------------------------------------------------------
SELECT lives_ok($$SELECT bg.remove_role('T', 'Influencer')$$, 'remove_role from the middle');
SELECT results_eq($$SELECT priority, role FROM bg.template_roles WHERE template = 'T'$$,
    $$VALUES (1, 'Practitioner'), (2, 'Other'), (3, 'Champion'), (4, 'Decision Maker'),
             (5, 'Executive Steering Committee'), (6, 'Architect')$$,
    'the roles after it move up one');
SELECT lives_ok($$SELECT bg.remove_role('T', 'Practitioner')$$, 'remove_role of the first');
SELECT lives_ok($$SELECT bg.remove_role('T', 'Architect')$$, 'remove_role of the last');
SELECT results_eq($$SELECT priority, role FROM bg.template_roles WHERE template = 'T'$$,
    $$VALUES (1, 'Other'), (2, 'Champion'), (3, 'Decision Maker'), (4, 'Executive Steering Committee')$$,
    'priorities run 1..4');
SELECT pg_temp.snapshot();
SELECT throws_ok($$SELECT bg.remove_role('T', 'Influencer')$$, '42704',
    'role "Influencer" is not in roles template "T"', 'a removed role is no longer in the template');
SELECT throws_ok($$SELECT bg.remove_role('T', NULL)$$, '22004',
    'role must not be null', 'remove_role of NULL is refused');
SELECT results_eq('SELECT * FROM bg.template_roles', 'SELECT * FROM tr_before',
    'after the refused remove_role calls bg.template_roles is unchanged');
SELECT lives_ok($$SELECT bg.add_role('T', 'Influencer', priority => 2)$$, 'a removed role can be added again');
SELECT is(pg_temp.order_of('T'), ARRAY['Other', 'Influencer', 'Champion', 'Decision Maker',
                                       'Executive Steering Committee'], 'where it was asked to go');
SELECT lives_ok($$SELECT bg.remove_role('T', r) FROM unnest(pg_temp.order_of('T')) r$$,
    'every role can be removed');
SELECT is((SELECT role_count FROM bg.templates WHERE name = 'T'), 0, 'the template is empty again');
SELECT lives_ok($$SELECT bg.add_role('T', 'Champion', priority => 1)$$, 'priority 1 is valid in an empty template');

SELECT * FROM finish();
ROLLBACK;
