#!/usr/bin/env bash
# Checks that bg's user data survives pg_dump and pg_restore: custom roles,
# templates, template roles, bindings (their mapped columns too), account lists, solution interests,
# jobs, buying groups with their stored scores and members (manual ones
# included), activity bands (a default's changed value too), weighting models
# and their weights, the activities binding, the stored engagement scores, stage models
# with their stages, the groups' stages, status and stage history, role models
# (their predictions), suggestions, enrichment jobs with their change log
# (an undone one too), imports with their rejects come back identical, the
# default roles are not duplicated, and
# the restored catalog keeps working (new ids, live mode's triggers on the
# people and the accounts tables), and so do the access levels granted to
# roles (privileges on bg's API; roles are the cluster's, not the dump's).
# Runs against the server in PGHOST/PGPORT (scripts/test.sh starts one).
set -euo pipefail
src=bg_dump_src
dst=bg_dump_dst
dump=$(mktemp)
trap 'rm -f "$dump"; dropdb --if-exists $src >/dev/null 2>&1; dropdb --if-exists $dst >/dev/null 2>&1' EXIT
dropdb --if-exists $src >/dev/null 2>&1; dropdb --if-exists $dst >/dev/null 2>&1
psql -X -q -d postgres >/dev/null 2>&1 <<'SQL' || true
CREATE ROLE bg_dump_reader;
CREATE ROLE bg_dump_writer;
CREATE ROLE bg_dump_admin;
SQL
createdb $src
createdb $dst
psql -X -q -v ON_ERROR_STOP=1 -d $src >/dev/null <<'SQL'
CREATE EXTENSION bg;
CREATE SCHEMA crm;
CREATE TABLE crm.person (id int, account_id int, job_title text, seniority int, email text, phone text);
CREATE TABLE crm.account (id int, name text, parent_id int, domain text);
INSERT INTO crm.person VALUES (1, 1, 'VP Sales', 5), (2, 1, 'Engineer', 2);
SELECT bg.bind_people('crm.person', job_title => 'job_title', email => 'email');
SELECT bg.bind_accounts('crm.account', parent => 'parent_id', domain => 'domain');
SELECT bg.create_role('Legal Approver', 'Signs off');
SELECT bg.create_template('T', 'dumped');
SELECT bg.add_role('T', 'Decision Maker', 'job_title starts with ''vp''', weight => 'vital');
SELECT bg.add_role('T', 'Practitioner', 'job_title contains ''engineer'' and seniority < 3', members_required => 2);
SELECT bg.add_role('T', 'Legal Approver', required => false);
SELECT bg.publish_template('T');
SELECT bg.copy_template('T', 'T draft');
INSERT INTO crm.account VALUES (1, 'Acme', NULL, 'acme.com'), (2, 'Acme EU', 1, NULL), (3, 'Globex', NULL, NULL);
INSERT INTO crm.person VALUES (3, 2, 'Engineer', 1), (4, 3, 'VP IT', 4);
SELECT bg.create_account_list('Static');
SELECT bg.add_accounts('Static', ARRAY[1, 2]);
SELECT bg.create_account_list('Dynamic', 'dynamic', 'name starts with ''glo''');
SELECT bg.create_solution_interest('S', 'T', update_existing => true);
SELECT bg.create_solution_interest('Tree', 'T', include_subaccounts => true);
SELECT bg.create_buying_groups('S', 'Static');
SELECT bg.create_buying_groups('S', 'Dynamic');
SELECT bg.create_buying_groups('Tree', 'Static');
SELECT bg.assign_member(bg.buying_group_id('S', 1), 2, 'Legal Approver');
SELECT bg.remove_member(bg.buying_group_id('Tree', 1), 1);
SELECT bg.watch_people();
SELECT bg.grant_access('bg_dump_reader', 'reader');
SELECT bg.grant_access('bg_dump_writer', 'writer');
SELECT bg.grant_access('bg_dump_admin', 'admin');
SELECT bg.grant_access('bg_dump_admin', 'writer');
CREATE TABLE crm.activity (person_id int, activity_type text, occurred_at timestamptz);
INSERT INTO crm.activity VALUES (1, 'email', '2026-11-28 10:00+00'), (1, 'web', '2026-11-28 10:00+00'),
                                (2, 'event', '2026-11-20 10:00+00');
SELECT bg.bind_activities('crm.activity');
SELECT bg.set_activity_band('minor', 45);
SELECT bg.set_activity_band('low', 40);
SELECT bg.create_weighting_model('Old');
SELECT bg.set_activity_weight('Old', 'email', 'vital');
SELECT bg.activate_weighting_model('Old');
SELECT bg.create_weighting_model('Now', copy_of => 'Old');
SELECT bg.set_activity_weight('Now', 'web', 'low');
SELECT bg.set_activity_weight('Now', 'event', 'minor');
SELECT bg.activate_weighting_model('Now');
SELECT bg.refresh_engagement('2026-11-29 12:00+00');
SELECT bg.create_weighting_model('Draft', copy_of => 'Now');
SELECT bg.create_stage_model('Funnel', 'dumped');
SELECT bg.add_stage('Funnel', 'Lead', entry => true);
SELECT bg.add_stage('Funnel', 'Won', outcome => 'success');
SELECT bg.add_stage('Funnel', 'Lost', outcome => 'failure');
SELECT bg.allow_transition('Funnel', 'Lead', 'Won');
SELECT bg.allow_transition('Funnel', 'Lead', 'Lost');
SELECT bg.publish_stage_model('Funnel');
SELECT bg.create_stage_model('Funnel draft');
SELECT bg.add_stage('Funnel draft', 'Open', entry => true);
SELECT bg.set_stage_model('S', 'Funnel');
SELECT bg.move_stage(bg.buying_group_id('S', 1), 'Won');
SELECT bg.set_status(bg.buying_group_id('S', 1), 'Signed');
SELECT count(*) FROM bg.read_events('dumped', 5);
SELECT bg.ack_events('dumped', (SELECT read_up_to FROM bg.consumers WHERE name = 'dumped'));
SELECT bg.train_role_model('M', 'T');
CREATE TABLE crm.labels AS SELECT id AS person_key, bg.role_for('T', p) AS role FROM crm.person p;
SELECT bg.train_role_model('M draft', 'T draft', 'crm.labels', ARRAY['seniority']);
SELECT bg.suggest_members('S', 'M', 0.0);
INSERT INTO bg_internal.suggestion (group_id, person_key, role_id, confidence, suggested_at, status, decided_at)
SELECT bg.buying_group_id('S', 1), k, r.id, 0.875, '2026-11-29 12:00+00', s, CASE WHEN s <> 'pending' THEN '2026-11-29 13:00+00'::timestamptz END
  FROM bg_internal.role r, (VALUES ('90', 'pending'), ('91', 'dismissed')) x(k, s) WHERE r.name = 'Practitioner';
UPDATE crm.person SET email = 'ann@globex.com' WHERE id = 4;
CREATE TABLE crm.vendor (email text, phone text);
INSERT INTO crm.vendor VALUES ('Ann@Globex.com', '555-0100');
SELECT bg.enrich_people('crm.vendor');
CREATE TABLE crm.vendor2 (email text, phone text);
INSERT INTO crm.vendor2 VALUES ('ann@globex.com', '555-0199');
SELECT bg.undo_enrichment(bg.enrich_people('crm.vendor2', overwrite => true));
CREATE TABLE crm.import_file (account text, person text, role text);
INSERT INTO crm.import_file VALUES ('acme.com', '2', 'Legal Approver'), ('3', '4', 'Legal Approver'), ('1', '2', 'Nobody');
SELECT bg.import_members('S', 'crm.import_file', 'replace');
SQL
snapshot() {
    psql -X -A -t -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
SELECT * FROM bg.roles;
SELECT name, description, status, role_count, published_at IS NOT NULL FROM bg.templates;
SELECT * FROM bg.template_roles;
SELECT kind, relid, key_column, account_column, name_column, parent_column, mappings FROM bg_internal.binding ORDER BY kind;
SELECT id, bg.role_for('T', p) FROM crm.person p ORDER BY id;
SELECT bg.missing_roles('T', p) FROM crm.person p;
SELECT name, kind, filter, account_count FROM bg.account_lists;
SELECT name, template, update_existing, include_subaccounts, buying_group_count FROM bg.solution_interests;
SELECT id, solution_interest, account_list, status, groups_created, members_added, kind, rows_rejected FROM bg.jobs;
SELECT * FROM bg.import_rejects;
SELECT id, name, account_key, member_count, completeness, role_completeness, missing_roles, role_counts
  FROM bg.buying_groups ORDER BY id;
SELECT buying_group, person_key, role, source, is_removed, removed_at IS NOT NULL FROM bg.members ORDER BY 1, 2;
SELECT watched FROM bg_internal.binding WHERE kind = 'people';
SELECT tgrelid::regclass::text AS tbl, tgname FROM pg_trigger WHERE tgrelid IN ('crm.person'::regclass, 'crm.account'::regclass) ORDER BY 1, 2;
SELECT buying_group, role, members, completeness, is_missing FROM bg.role_coverage ORDER BY 1, 2;
SELECT * FROM bg.access;
SELECT p.oid::regprocedure, coalesce(p.proacl, acldefault('f', p.proowner)) FROM pg_proc p
 WHERE p.pronamespace IN ('bg'::regnamespace, 'bg_internal'::regnamespace) ORDER BY 1;
SELECT c.oid::regclass, coalesce(c.relacl, acldefault('r', c.relowner)) FROM pg_class c
 WHERE c.relnamespace IN ('bg'::regnamespace, 'bg_internal'::regnamespace) ORDER BY 1;
SELECT nspname, coalesce(nspacl, acldefault('n', nspowner)) FROM pg_namespace WHERE nspname IN ('bg', 'bg_internal') ORDER BY 1;
SELECT * FROM bg.activity_bands;
SELECT * FROM bg.weighting_models;
SELECT * FROM bg.activity_weights;
SELECT relid, person_column, type_column, at_column, person_type FROM bg_internal.activity_binding;
SELECT person_id, bg.engagement_raw(activity_type, occurred_at, '2026-11-29 12:00+00') FROM crm.activity GROUP BY 1 ORDER BY 1;
SELECT * FROM bg.person_engagement ORDER BY person_key;
SELECT id, engagement_raw, engagement_score, engagement_as_of FROM bg.buying_groups ORDER BY id;
SELECT * FROM bg.stage_models;
SELECT * FROM bg.stages;
SELECT * FROM bg.stage_history;
SELECT id, stage, stage_entered_at, status FROM bg.buying_groups ORDER BY id;
SELECT * FROM bg.events ORDER BY id;
SELECT name, acknowledged_up_to, pending, read_up_to FROM bg.consumers;
SELECT * FROM bg.members_at((SELECT committed_at FROM bg.events ORDER BY id LIMIT 1)) ORDER BY 1, 4;
SELECT * FROM bg.role_models;
SELECT id, bg.predict_role('M', p), bg.predict_role('M draft', p) FROM crm.person p ORDER BY id;
SELECT * FROM bg.suggestions ORDER BY 1, 2;
SELECT * FROM bg.enrichment_changes ORDER BY 1, 2, 3;
SELECT id, kind, counts FROM bg.jobs WHERE kind = 'enrichment';
SQL
}
pg_dump -Fc -f "$dump" $src
pg_restore -d $dst "$dump"
if ! diff <(snapshot $src) <(snapshot $dst); then
    echo "dump_restore ... FAILED: the restored catalog differs"
    exit 1
fi
# the restored scores are those a refresh computes: it writes nothing
written=$(psql -X -A -t -v ON_ERROR_STOP=1 -d $dst \
    -c "SELECT (r->>'people_written') || ' ' || (r->>'groups_written') || ' ' || (r->>'people')
          FROM bg.refresh_engagement('2026-11-29 12:00+00') r" | tail -1)
if [ "$written" != "0 0 4" ]; then
    echo "dump_restore ... FAILED: a refresh after the restore rewrote scores ($written)"
    exit 1
fi
# the restored catalog keeps working: new ids do not collide with restored ones
psql -X -q -v ON_ERROR_STOP=1 -d $dst >/dev/null <<'SQL'
SELECT bg.create_role('Another');
SELECT bg.create_template('T2');
SELECT bg.add_role('T2', 'Another');
SELECT bg.create_account_list('After restore');
SELECT bg.add_accounts('After restore', ARRAY[3]);
SELECT bg.create_solution_interest('S2', 'T');
SELECT 1 / (bg.create_buying_groups('S2', 'After restore') > 3)::int;   -- a new job id
SELECT bg.create_stage_model('After restore');
SELECT bg.add_stage('After restore', 'First', entry => true);
SELECT bg.move_stage(bg.buying_group_id('S', 2), 'Lost');
SQL
# the restored change log keeps working: the first enrichment can be undone
undone=$(psql -X -A -t -v ON_ERROR_STOP=1 -d $dst \
    -c "SELECT bg.undo_enrichment(min(id)) FROM bg.jobs WHERE kind = 'enrichment'" \
    -c "SELECT phone IS NULL FROM crm.person WHERE id = 4" | tail -2 | tr '\n' ' ')
if [ "$undone" != "1 t " ]; then
    echo "dump_restore ... FAILED: an enrichment cannot be undone after the restore ($undone)"
    exit 1
fi
# live mode still works after the restore: a new matching person joins at once
joined=$(psql -X -A -t -v ON_ERROR_STOP=1 -d $dst \
    -c "INSERT INTO crm.person VALUES (5, 1, 'VP Security', 5)" \
    -c "SELECT count(*) FROM bg.members WHERE person_key = '5' AND solution_interest = 'S'" | tail -1)
if [ "$joined" != "1" ]; then
    echo "dump_restore ... FAILED: live mode does not work after the restore"
    exit 1
fi
# and so does the accounts trigger: a renamed account renames its groups
renamed=$(psql -X -A -t -v ON_ERROR_STOP=1 -d $dst \
    -c "UPDATE crm.account SET name = 'Acme Corp' WHERE id = 1" \
    -c "SELECT name FROM bg.buying_groups WHERE solution_interest = 'S' AND account_key = '1'" | tail -1)
if [ "$renamed" != "S for Acme Corp" ]; then
    echo "dump_restore ... FAILED: live mode does not follow account renames after the restore ($renamed)"
    exit 1
fi
# the restored stages keep working: a group created now starts in the first entry stage
staged=$(psql -X -A -t -v ON_ERROR_STOP=1 -d $dst \
    -c "INSERT INTO crm.account VALUES (4, 'Initech', NULL)" -c "SELECT bg.add_accounts('Static', ARRAY[4])" -c "SELECT bg.create_buying_groups('S', 'Static')" \
    -c "SELECT string_agg(account_key || ' ' || stage, ', ' ORDER BY account_key) FROM bg.buying_groups WHERE solution_interest = 'S'" | tail -1)
if [ "$staged" != "1 Won, 2 Lost, 3 Lead, 4 Lead" ]; then
    echo "dump_restore ... FAILED: the stages do not work after the restore ($staged)"
    exit 1
fi
# the restored outbox keeps working: new events get larger ids, the consumer
# goes on after what it acknowledged
events=$(psql -X -A -t -v ON_ERROR_STOP=1 -d $dst \
    -c "SELECT bg.set_status(bg.buying_group_id('S', 1), 'Restored')" \
    -c "SELECT count(*) = count(DISTINCT id) AND min(id) > (SELECT acknowledged_up_to FROM bg.consumers)
               AND bool_or(new_value ->> 'status' = 'Restored')
          FROM bg.read_events('dumped', 1000)" | tail -1)
if [ "$events" != "t" ]; then
    echo "dump_restore ... FAILED: the event outbox does not work after the restore ($events)"
    exit 1
fi
# the levels came back as privileges: the writer role may sync, the reader not
levels=$(psql -X -A -t -v ON_ERROR_STOP=1 -d $dst -c "SELECT string_agg(role || ' ' || level, ', ' ORDER BY role) FROM bg.access")
if [ "$levels" != "bg_dump_admin writer, bg_dump_reader reader, bg_dump_writer writer" ]; then
    echo "dump_restore ... FAILED: the access levels differ after the restore ($levels)"
    exit 1
fi
if ! psql -X -q -v ON_ERROR_STOP=1 -d $dst -c "SET ROLE bg_dump_writer" -c "SELECT bg.sync()" >/dev/null 2>&1 ||
   psql -X -q -d $dst -c "SET ROLE bg_dump_reader" -c "SELECT bg.sync()" >/dev/null 2>&1; then
    echo "dump_restore ... FAILED: the restored privileges do not act as their levels"
    exit 1
fi
echo "test dump_restore ... ok"
