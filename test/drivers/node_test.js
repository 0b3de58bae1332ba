// bg through node-postgres (pg 8, test/drivers/package.json), run by
// test/drivers/run.sh against a database made by fixture.sql; connection
// from the PG* variables.
//
// node-postgres sends every parameter untyped: a number as '13', an array as
// the literal '{12,13}', null as NULL.  Every key-taking function is called
// so, and with typed parameters ($2::bigint, $2::integer[]).  Prints one line
// per failed check and a last line "checks: N passed, M failed"; exits
// non-zero when one failed.
'use strict';
const assert = require('assert');
const { Client } = require('pg');

let passed = 0;
let failed = 0;
function check(what, got, want) {
  try {
    assert.deepStrictEqual(got, want);
    passed++;
  } catch (e) {
    failed++;
    console.log(`  failed: ${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
}

async function main() {
  const c = new Client();
  await c.connect();
  const one = async (q, args) => Object.values((await c.query(q, args)).rows[0])[0];
  const error = async (q, args) => {
    try {
      await c.query(q, args);
      return null;
    } catch (e) {
      return [e.code, e.detail ?? null, e.hint ?? null];
    }
  };
  const member = async (gid, person) => {
    const r = await c.query('SELECT role, source, is_removed FROM bg.members WHERE buying_group = $1 AND person_key = $2',
                            [gid, person]);
    return r.rows.length ? [r.rows[0].role, r.rows[0].source, r.rows[0].is_removed] : null;
  };

  // account lists
  check('add_accounts array', await one('SELECT bg.add_accounts($1, $2)', ['Static', [1, 2]]), 2);
  check('add_accounts empty array', await one('SELECT bg.add_accounts($1, $2)', ['Static', []]), 0);
  check('add_accounts typed', await one('SELECT bg.add_accounts($1, $2::integer[])', ['Static', [3]]), 1);
  check('remove_accounts array', await one('SELECT bg.remove_accounts($1, $2)', ['Static', [3]]), 1);
  check('remove_accounts typed', await one('SELECT bg.remove_accounts($1, $2::integer[])', ['Static', [3]]), 0);
  check('create_buying_groups returns a bigint as string',
        typeof await one('SELECT bg.create_buying_groups($1, $2)', ['Platform', 'Static']), 'string');

  // one key
  const gid = await one('SELECT bg.buying_group_id($1, $2)', ['Platform', 1]);
  check('buying_group_id is a bigint as string', /^[0-9]+$/.test(gid), true);
  check('buying_group_id string', await one('SELECT bg.buying_group_id($1, $2)', ['Platform', '1']), gid);
  check('buying_group_id typed', await one('SELECT bg.buying_group_id($1, $2::integer)', ['Platform', 1]), gid);
  check('buying_group_id none found', await one('SELECT bg.buying_group_id($1, $2)', ['Platform', 3]), null);

  await c.query('SELECT bg.assign_member($1, $2, $3)', [gid, 13, 'Practitioner']);
  check('assign_member', await member(gid, '13'), ['Practitioner', 'manual', false]);
  await c.query('SELECT bg.set_member_role($1, $2, $3)', [gid, 13, 'Decision Maker']);
  check('set_member_role', await member(gid, '13'), ['Decision Maker', 'manual', false]);
  await c.query('SELECT bg.set_member_role($1, $2::bigint, $3)', [gid, 13, 'Practitioner']);
  check('set_member_role typed', await member(gid, '13'), ['Practitioner', 'manual', false]);
  await c.query('SELECT bg.assign_member($1, $2::bigint, $3)', [gid, 13, 'Decision Maker']);
  check('assign_member typed', await member(gid, '13'), ['Decision Maker', 'manual', false]);
  await c.query('SELECT bg.assign_members($1, $2, $3)', [gid, [12, 13], 'Practitioner']);
  check('assign_members', [await member(gid, '12'), await member(gid, '13')],
        [['Practitioner', 'manual', false], ['Practitioner', 'manual', false]]);
  await c.query('SELECT bg.assign_members($1, $2::bigint[], $3)', [gid, [12, 13], 'Decision Maker']);
  check('assign_members typed', [await member(gid, '12'), await member(gid, '13')],
        [['Decision Maker', 'manual', false], ['Decision Maker', 'manual', false]]);
  await c.query('SELECT bg.remove_member($1, $2)', [gid, 11]);
  check('remove_member', await member(gid, '11'), ['Decision Maker', 'manual', true]);
  await c.query('SELECT bg.remove_member($1, $2::bigint)', [gid, 12]);
  check('remove_member typed', await member(gid, '12'), ['Decision Maker', 'manual', true]);
  await c.query('SELECT bg.remove_members($1, $2)', [gid, []]);
  check('remove_members empty array', await member(gid, '13'), ['Decision Maker', 'manual', false]);
  await c.query('SELECT bg.remove_members($1, $2)', [gid, [13]]);
  check('remove_members', await member(gid, '13'), ['Decision Maker', 'manual', true]);
  await c.query('SELECT bg.assign_members($1, $2, $3)', [gid, ['13'], 'Practitioner']);
  await c.query('SELECT bg.remove_members($1, $2::bigint[])', [gid, [13]]);
  check('remove_members typed', await member(gid, '13'), ['Practitioner', 'manual', true]);

  // null
  check('assign_member null', await error('SELECT bg.assign_member($1, $2, $3)', [gid, null, 'Practitioner']),
        ['22004', null, null]);
  check('add_accounts null', await error('SELECT bg.add_accounts($1, $2)', ['Static', null]), ['22004', null, null]);

  // two errors: SQLSTATE, DETAIL and HINT
  check('error: no array literal', await error('SELECT bg.assign_members($1, $2, $3)', [gid, 12, 'Practitioner']),
        ['22P02', 'Malformed array literal: "12". Array value must start with "{" or dimension information.',
         "Give an array of keys: an array literal such as '{1,2}', or a parameter cast to an array of the key type, as in $2::bigint[]."]);
  check('error: unknown person', await error('SELECT bg.assign_member($1, $2, $3)', [gid, 99, 'Practitioner']),
        ['23503', 'Keys are looked up in column id of public.person.', null]);

  // the template as a bound parameter of a named statement, as BI tools and
  // applications send it: the first executions use custom plans, the later
  // ones the generic plan (planned without the value); every answer equals
  // the literal form's
  const literal = (await c.query(`SELECT account_id, bg.completeness('Drivers', p) AS c,
                                         bg.missing_roles('Drivers', p) AS m, bg.role_counts('Drivers', p) AS r
                                    FROM person p GROUP BY 1 ORDER BY 1`)).rows;
  const roles = (await c.query(`SELECT id, bg.role_for('Drivers', p) AS r FROM person p ORDER BY id`)).rows;
  for (let i = 1; i <= 7; i++) {
    const scores = await c.query({ name: 'bound_scores', values: ['Drivers'],
      text: `SELECT account_id, bg.completeness($1, p) AS c, bg.missing_roles($1, p) AS m, bg.role_counts($1, p) AS r
               FROM person p GROUP BY 1 ORDER BY 1` });
    check(`bound template, scores, execution ${i}`, scores.rows, literal);
    const each = await c.query({ name: 'bound_roles', values: ['Drivers'],
      text: 'SELECT id, bg.role_for($1, p) AS r FROM person p ORDER BY id' });
    check(`bound template, role_for, execution ${i}`, each.rows, roles);
  }
  check('bound template: the generic plan was used',
        (await c.query(`SELECT bool_and(generic_plans > 0) AS g FROM pg_prepared_statements
                         WHERE name IN ('bound_scores', 'bound_roles')`)).rows[0].g, true);

  // every view: the type of each column as the catalog has it, and the
  // JavaScript type of each value (node-postgres gives bigint and numeric as
  // strings)
  const isDate = (v) => v instanceof Date;
  const JS = {
    smallint: 'number', integer: 'number', bigint: 'string', numeric: 'string', real: 'number',
    'double precision': 'number', text: 'string', 'character varying': 'string', character: 'string',
    name: 'string', boolean: 'boolean', 'timestamp with time zone': isDate,
    'timestamp without time zone': isDate, date: isDate, jsonb: 'object', json: 'object',
    'text[]': Array.isArray, uuid: 'string',
  };
  // every view a writer may read: all but bg.access (admins)
  const views = (await c.query(`SELECT c.oid::regclass::text AS v FROM pg_class c
                                 WHERE c.relnamespace = 'bg'::regnamespace AND c.relkind = 'v'
                                   AND has_table_privilege(c.oid, 'SELECT') ORDER BY 1`)).rows;
  check('views found', views.length >= 8, true);
  check('views a writer may not read', (await c.query(`SELECT array_agg(c.oid::regclass::text) AS v FROM pg_class c
                                 WHERE c.relnamespace = 'bg'::regnamespace AND c.relkind = 'v'
                                   AND NOT has_table_privilege(c.oid, 'SELECT')`)).rows[0].v, ['bg.access']);
  for (const { v } of views) {
    const cols = (await c.query(`SELECT a.attname, a.atttypid::integer AS oid, format_type(a.atttypid, NULL) AS typ
                                   FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0
                                  ORDER BY a.attnum`, [v])).rows;
    const r = await c.query(`SELECT * FROM ${v}`);
    check(`${v} columns`, r.fields.map((f) => [f.name, f.dataTypeID]), cols.map((x) => [x.attname, x.oid]));
    for (const col of cols) {
      const want = JS[col.typ];
      if (want === undefined) {
        check(`${v}.${col.attname} has a known type`, col.typ, 'one of the mapped types');
        continue;
      }
      const ok = r.rows.every((row) => row[col.attname] === null
        || (typeof want === 'string' ? typeof row[col.attname] === want : want(row[col.attname])));
      check(`${v}.${col.attname} values`, ok, true);
    }
  }
  await c.end();
}

main().catch((e) => {
  failed++;
  console.log(`  failed: ${e.stack}`);
}).finally(() => {
  console.log(`checks: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);     // an error left the connection open
});
