#!/usr/bin/env bash
# Checks that bg's user data survives pg_dump and pg_restore: custom roles,
# templates, template roles and bindings come back identical, the default
# roles are not duplicated, and the restored catalog keeps working.
# Runs against the server in PGHOST/PGPORT (scripts/test.sh starts one).
set -euo pipefail
src=bg_dump_src
dst=bg_dump_dst
dump=$(mktemp)
trap 'rm -f "$dump"; dropdb --if-exists $src >/dev/null 2>&1; dropdb --if-exists $dst >/dev/null 2>&1' EXIT
dropdb --if-exists $src >/dev/null 2>&1; dropdb --if-exists $dst >/dev/null 2>&1
createdb $src
createdb $dst
psql -X -q -v ON_ERROR_STOP=1 -d $src >/dev/null <<'SQL'
CREATE EXTENSION bg;
CREATE SCHEMA crm;
CREATE TABLE crm.person (id int, account_id int, job_title text, seniority int);
CREATE TABLE crm.account (id int, name text, parent_id int);
INSERT INTO crm.person VALUES (1, 1, 'VP Sales', 5), (2, 1, 'Engineer', 2);
SELECT bg.bind_people('crm.person');
SELECT bg.bind_accounts('crm.account', parent => 'parent_id');
SELECT bg.create_role('Legal Approver', 'Signs off');
SELECT bg.create_template('T', 'dumped');
SELECT bg.add_role('T', 'Decision Maker', 'job_title starts with ''vp''', weight => 'vital');
SELECT bg.add_role('T', 'Practitioner', 'job_title contains ''engineer'' and seniority < 3', members_required => 2);
SELECT bg.add_role('T', 'Legal Approver', required => false);
SELECT bg.publish_template('T');
SELECT bg.copy_template('T', 'T draft');
SQL
snapshot() {
    psql -X -A -t -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
SELECT * FROM bg.roles;
SELECT name, description, status, role_count, published_at IS NOT NULL FROM bg.templates;
SELECT * FROM bg.template_roles;
SELECT kind, relid, key_column, account_column, name_column, parent_column FROM bg.binding ORDER BY kind;
SELECT id, bg.role_for('T', p) FROM crm.person p ORDER BY id;
SELECT bg.missing_roles('T', p) FROM crm.person p;
SQL
}
pg_dump -Fc -f "$dump" $src
pg_restore -d $dst "$dump"
if ! diff <(snapshot $src) <(snapshot $dst); then
    echo "dump_restore ... FAILED: the restored catalog differs"
    exit 1
fi
# the restored catalog keeps working: new ids do not collide with restored ones
psql -X -q -v ON_ERROR_STOP=1 -d $dst >/dev/null <<'SQL'
SELECT bg.create_role('Another');
SELECT bg.create_template('T2');
SELECT bg.add_role('T2', 'Another');
SQL
echo "test dump_restore ... ok"
