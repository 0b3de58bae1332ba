"""bg through psycopg2 (Debian's python3-psycopg2), run by test/drivers/run.sh
against a database made by fixture.sql; connection from the PG* variables.

psycopg2 writes parameters into the query text: a str, None and an empty list
become untyped literals ('13', NULL, '{}'), an int a typed number and a list
an ARRAY[...] of typed elements.  Every key-taking function is called both
ways.  Prints one line per failed check and a last line "checks: N passed,
M failed"; exits non-zero when one failed."""
import datetime
import decimal
import sys

import psycopg2
import psycopg2.errors

conn = psycopg2.connect('')
conn.autocommit = True
cur = conn.cursor()
passed = failed = 0


def check(what, got, want):
    global passed, failed
    if got == want:
        passed += 1
    else:
        failed += 1
        print('  failed: %s: got %r, want %r' % (what, got, want))


def one(query, args=()):
    cur.execute(query, args)
    return cur.fetchone()[0]


def error(query, args=()):
    """SQLSTATE, DETAIL and HINT of the error of a query (None when none)."""
    try:
        cur.execute(query, args)
    except psycopg2.Error as e:
        return e.pgcode, e.diag.message_detail, e.diag.message_hint
    return None


def member(gid, person):
    cur.execute('SELECT role, source, is_removed FROM bg.members WHERE buying_group = %s AND person_key = %s',
                (gid, person))
    return cur.fetchone()


# account lists: a list is ARRAY[1,2] (int[]), an empty list '{}' (untyped),
# a list of str ARRAY['3'] (text[])
check('add_accounts int list', one('SELECT bg.add_accounts(%s, %s)', ('Static', [1, 2])), 2)
check('add_accounts empty list', one('SELECT bg.add_accounts(%s, %s)', ('Static', [])), 0)
check('add_accounts str list', one('SELECT bg.add_accounts(%s, %s)', ('Static', ['3'])), 1)
check('add_accounts untyped literal', one('SELECT bg.add_accounts(%s, %s)', ('Static', '{3}')), 0)
check('remove_accounts str literal', one('SELECT bg.remove_accounts(%s, %s)', ('Static', '{3}')), 1)
check('remove_accounts int list', one('SELECT bg.remove_accounts(%s, %s)', ('Static', [3])), 0)
check('create_buying_groups returns int',
      type(one('SELECT bg.create_buying_groups(%s, %s)', ('Platform', 'Static'))), int)

# one key: a str is untyped, an int typed
gid = one('SELECT bg.buying_group_id(%s, %s)', ('Platform', '1'))
check('buying_group_id str is int', type(gid), int)
check('buying_group_id int', one('SELECT bg.buying_group_id(%s, %s)', ('Platform', 1)), gid)
check('buying_group_id typed cast', one('SELECT bg.buying_group_id(%s, %s::integer)', ('Platform', '1')), gid)
check('buying_group_id none found', one('SELECT bg.buying_group_id(%s, %s)', ('Platform', '3')), None)

cur.execute('SELECT bg.assign_member(%s, %s, %s)', (gid, '13', 'Practitioner'))
check('assign_member str', member(gid, '13'), ('Practitioner', 'manual', False))
cur.execute('SELECT bg.set_member_role(%s, %s, %s)', (gid, 13, 'Decision Maker'))
check('set_member_role int', member(gid, '13'), ('Decision Maker', 'manual', False))
cur.execute('SELECT bg.set_member_role(%s, %s, %s)', (gid, '13', 'Practitioner'))
check('set_member_role str', member(gid, '13'), ('Practitioner', 'manual', False))
cur.execute('SELECT bg.assign_member(%s, %s, %s)', (gid, 13, 'Decision Maker'))
check('assign_member int', member(gid, '13'), ('Decision Maker', 'manual', False))
cur.execute('SELECT bg.assign_members(%s, %s, %s)', (gid, [12, 13], 'Practitioner'))
check('assign_members int list', [member(gid, '12'), member(gid, '13')], [('Practitioner', 'manual', False)] * 2)
cur.execute('SELECT bg.assign_members(%s, %s, %s)', (gid, '{12,13}', 'Decision Maker'))
check('assign_members str literal', [member(gid, '12'), member(gid, '13')], [('Decision Maker', 'manual', False)] * 2)
cur.execute('SELECT bg.assign_members(%s, %s, %s)', (gid, ['12'], 'Practitioner'))
check('assign_members str list', member(gid, '12'), ('Practitioner', 'manual', False))
cur.execute('SELECT bg.remove_member(%s, %s)', (gid, '11'))
check('remove_member str', member(gid, '11'), ('Decision Maker', 'manual', True))
cur.execute('SELECT bg.remove_member(%s, %s)', (gid, 12))
check('remove_member int', member(gid, '12'), ('Practitioner', 'manual', True))
cur.execute('SELECT bg.remove_members(%s, %s)', (gid, []))
check('remove_members empty list', member(gid, '13'), ('Decision Maker', 'manual', False))
cur.execute('SELECT bg.remove_members(%s, %s)', (gid, [13]))
check('remove_members int list', member(gid, '13'), ('Decision Maker', 'manual', True))
cur.execute('SELECT bg.assign_members(%s, %s, %s)', (gid, ['13'], 'Practitioner'))
cur.execute('SELECT bg.remove_members(%s, %s)', (gid, '{13}'))
check('remove_members str literal', member(gid, '13'), ('Practitioner', 'manual', True))

# None is an untyped NULL
check('assign_member None', error('SELECT bg.assign_member(%s, %s, %s)', (gid, None, 'Practitioner')),
      ('22004', None, None))
check('add_accounts None', error('SELECT bg.add_accounts(%s, %s)', ('Static', None)), ('22004', None, None))

# two errors: SQLSTATE, DETAIL and HINT
check('error: no array literal', error('SELECT bg.assign_members(%s, %s, %s)', (gid, '12', 'Practitioner')),
      ('22P02', 'Malformed array literal: "12". Array value must start with "{" or dimension information.',
       "Give an array of keys: an array literal such as '{1,2}', or a parameter cast to an array of the key type, as in $2::bigint[]."))
check('error: unknown person', error('SELECT bg.assign_member(%s, %s, %s)', (gid, '99', 'Practitioner')),
      ('23503', 'Keys are looked up in column id of public.person.', None))

# every view: the type of each column as the catalog has it, and the Python
# type of each value
PYTYPES = {'smallint': int, 'integer': int, 'bigint': int, 'numeric': decimal.Decimal, 'real': float,
           'double precision': float, 'text': str, 'character varying': str, 'character': str, 'name': str,
           'boolean': bool, 'timestamp with time zone': datetime.datetime, 'timestamp without time zone': datetime.datetime,
           'date': datetime.date, 'jsonb': dict, 'json': dict, 'text[]': list, 'uuid': str}
# every view a writer may read: all but bg.access (admins)
cur.execute("SELECT c.oid::regclass::text FROM pg_class c WHERE c.relnamespace = 'bg'::regnamespace AND c.relkind = 'v'"
            " AND has_table_privilege(c.oid, 'SELECT') ORDER BY 1")
views = [r[0] for r in cur.fetchall()]
check('views found', len(views) >= 8, True)
check('views a writer may not read',
      one("SELECT array_agg(c.oid::regclass::text) FROM pg_class c WHERE c.relnamespace = 'bg'::regnamespace"
          " AND c.relkind = 'v' AND NOT has_table_privilege(c.oid, 'SELECT')"), ['bg.access'])
for view in views:
    cur.execute('SELECT a.attname, a.atttypid::integer, format_type(a.atttypid, NULL) FROM pg_attribute a '
                'WHERE a.attrelid = %s::regclass AND a.attnum > 0 ORDER BY a.attnum', (view,))
    cols = cur.fetchall()
    cur.execute('SELECT * FROM %s' % view)
    rows = cur.fetchall()
    check('%s columns' % view, [(d.name, d.type_code) for d in cur.description], [(c[0], c[1]) for c in cols])
    for i, (name, _, typ) in enumerate(cols):
        want = PYTYPES.get(typ)
        if want is None:
            check('%s.%s has a known type' % (view, name), typ, 'one of the mapped types')
            continue
        got = {type(r[i]) for r in rows if r[i] is not None}
        check('%s.%s values' % (view, name), got <= {want}, True)

print('checks: %d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
