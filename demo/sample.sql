-- bg sample: a few accounts (one without people), ~50 people, a roles template for the six default
-- roles, every person's role, and managed buying groups (a list, a solution interest, a creation
-- job, a manual member, live mode), engagement scores from an activities table, a stage model,
-- completing groups (acquisition targets, enrichment from a vendor file, an import) and the
-- events of all of it.  Run by scripts/demo.sh in a throwaway cluster.
\pset footer off
CREATE EXTENSION bg;
CREATE SCHEMA crm;

CREATE TABLE crm.account (
    id        integer PRIMARY KEY,
    name      text NOT NULL,
    parent_id integer REFERENCES crm.account
);
CREATE TABLE crm.person (
    id            integer PRIMARY KEY,
    account_id    integer NOT NULL REFERENCES crm.account,
    full_name     text NOT NULL,
    job_title     text,
    department    text,
    seniority     integer,
    email_invalid boolean NOT NULL DEFAULT false,
    email         text
);

INSERT INTO crm.account VALUES
    (1, 'Northwind Traders', NULL), (2, 'Contoso Bank', NULL), (3, 'Fabrikam Health', NULL),
    (4, 'Société Générale d''Énergie', NULL), (5, 'Müller Logistik GmbH', NULL),
    (6, 'Tailspin Toys', NULL), (7, 'Wide World Importers', NULL);

INSERT INTO crm.person VALUES
    ( 1, 1, 'Ava Thompson',      'Chief Information Security Officer', 'Security',    6, false),
    ( 2, 1, 'Liam Carter',       'VP, IT Infrastructure',              'IT',          5, false),
    ( 3, 1, 'Mia Robinson',      'Director of Security Operations',    'Security',    4, false),
    ( 4, 1, 'Noah Patel',        'Security Architect',                 'Security',    3, false),
    ( 5, 1, 'Emma Nguyen',       'SOC Analyst II',                     'Security',    2, false),
    ( 6, 1, 'Lucas Kim',         'Network Engineer',                   'IT',          2, false),
    ( 7, 1, 'Olivia Brown',      'Procurement Manager',                'Procurement', 3, false),
    ( 8, 1, 'Ethan Davis',       'Executive Assistant',                'Office',      1, false),
    ( 9, 1, 'Zoe Martin',        NULL,                                 NULL,       NULL, false),
    (10, 1, 'Jack Wilson',       '   ',                                'IT',          1, false),
    (11, 2, 'Sophia Garcia',     'CEO',                                'Executive',   7, false),
    (12, 2, 'Mason Lee',         'CISO',                               'Security',    6, false),
    (13, 2, 'Isabella Clark',    'Head of Cyber Defense',              'Security',    5, false),
    (14, 2, 'James Lewis',       'Senior Security Engineer',           'Security',    3, false),
    (15, 2, 'Charlotte Walker',  'IT Security Manager',                'Security',    4, false),
    (16, 2, 'Benjamin Hall',     'Penetration Tester',                 'Security',    2, false),
    (17, 2, 'Amelia Allen',      'Compliance Officer',                 'Legal',       3, false),
    (18, 2, 'Henry Young',       'General Counsel',                    'Legal',       5, true),
    (19, 2, 'Harper King',       'Systems Administrator',              'IT',          2, false),
    (20, 2, 'Daniel Wright',     'Sr. Director, Enterprise Architecture', 'IT',       5, false),
    (21, 3, 'Evelyn Scott',      'Chief Technology Officer',           'Executive',   7, false),
    (22, 3, 'Michael Green',     'Vice President of Engineering',      'Engineering', 6, false),
    (23, 3, 'Abigail Adams',     'Information Security Lead',          'Security',    4, false),
    (24, 3, 'Alexander Baker',   'DevSecOps Engineer',                 'Engineering', 3, false),
    (25, 3, 'Emily Gonzalez',    'Cloud Security Specialist',          'Security',    3, false),
    (26, 3, 'Sebastian Nelson',  'Data Protection Officer',            'Legal',       4, false),
    (27, 3, 'Ella Carter',       'HIPAA Privacy Analyst',              'Legal',       2, false),
    (28, 3, 'Jacob Mitchell',    'Office Manager',                     'Office',      2, false),
    (29, 3, 'Avery Perez',       'IT Director',                        'IT',          5, false),
    (30, 3, 'Logan Roberts',     'Software Developer',                 'Engineering', 2, false),
    (31, 4, 'Camille Dubois',    'Directeur des Systèmes d''Information', 'DSI',      6, false),
    (32, 4, 'Léa Moreau',        'Responsable de la Sécurité (RSSI)',  'Sécurité',    5, false),
    (33, 4, 'Hugo Lefèvre',      'Ingénieur Sécurité',                 'Sécurité',    3, false),
    (34, 4, 'Chloé Laurent',     'Analyste SOC',                       'Sécurité',    2, false),
    (35, 4, 'Louis Girard',      'Chef de projet informatique',        'DSI',         3, false),
    (36, 4, 'Manon Bonnet',      'Acheteuse IT',                       'Achats',      3, false),
    (37, 4, 'Théo Fontaine',     'PRÉSIDENT-DIRECTEUR GÉNÉRAL',        'Direction',   7, false),
    (38, 4, 'Inès Rousseau',     'Stagiaire',                          'DSI',         1, false),
    (39, 4, 'Jules Mercier',     'Architecte Sécurité',                'Sécurité',    4, false),
    (40, 4, 'Sarah Blanc',       'Administratrice Systèmes',           'DSI',         2, false),
    (41, 5, 'Lukas Schmidt',     'Geschäftsführer',                    'Geschäftsleitung', 7, false),
    (42, 5, 'Anna Müller',       'Leiterin IT-Sicherheit',             'IT',          5, false),
    (43, 5, 'Felix Weber',       'IT-Sicherheitsbeauftragter',         'IT',          4, false),
    (44, 5, 'Lea Wagner',        'Systemadministratorin',              'IT',          2, false),
    (45, 5, 'Paul Becker',       'Einkaufsleiter',                     'Einkauf',     4, false),
    (46, 5, 'Marie Hoffmann',    'Netzwerkingenieurin',                'IT',          2, false),
    (47, 5, 'Jonas Schäfer',     'Datenschutzbeauftragter',            'Recht',       4, false),
    (48, 5, 'Sophie Koch',       'STRASSENVERKEHRSPLANERIN',           'Planung',     2, false),
    (49, 5, 'Maximilian Bauer',  'Head of IT Operations',              'IT',          5, false),
    (50, 5, 'Hannah Richter',    'Werkstudentin IT',                   'IT',          1, false),
    (51, 6, 'Grace Turner',      'VP Marketing',                       'Marketing',   5, false),
    (52, 6, 'Owen Price',        'Web Developer',                      'Engineering', 2, false),
    (53, 6, 'Chloe Hughes',      'Office Manager',                     'Office',      2, false);

\o /dev/null
SELECT bg.bind_accounts('crm.account', key => 'id', name => 'name', parent => 'parent_id');
UPDATE crm.person SET email = lower(translate(full_name, ' éèëïîöüäç', '.eeeiiouac')) || '@example.com';
SELECT bg.bind_people('crm.person', key => 'id', account => 'account_id', email => 'email');

SELECT bg.create_template('Cybersecurity', 'Buying group for the security platform');
SELECT bg.add_role('Cybersecurity', 'Executive Steering Committee',
    $$job_title starts with any ('Chief', 'President', 'Président', 'Geschäftsführer')
      or job_title in ('CEO', 'CFO', 'CTO', 'CIO', 'COO')$$, weight => 'important');
SELECT bg.add_role('Cybersecurity', 'Decision Maker',
    $$job_title starts with any ('VP', 'Vice President', 'Head of', 'Director', 'Sr. Director', 'Directeur', 'Leiter', 'Responsable')
      or job_title ends with 'Director' or job_title = 'CISO'$$, weight => 'vital');
SELECT bg.add_role('Cybersecurity', 'Champion',
    $$job_title contains any ('Security Architect', 'Architecte Sécurité', 'Sicherheitsbeauftragter', 'Security Lead')
      or (department is 'Security' and seniority >= 4 and job_title contains 'manager')$$,
    weight => 'important');
SELECT bg.add_role('Cybersecurity', 'Influencer',
    $$job_title contains any ('Compliance', 'Counsel', 'Protection Officer', 'Datenschutz', 'Procurement', 'Acheteu', 'Einkauf', 'Chef de projet')$$,
    weight => 'normal', required => false);
SELECT bg.add_role('Cybersecurity', 'Practitioner',
    $$job_title contains any ('Engineer', 'Ingénieur', 'ingenieur', 'Analyst', 'Administrat', 'Tester', 'Specialist', 'Developer')$$,
    weight => 'normal', members_required => 3);
SELECT bg.add_role('Cybersecurity', 'Other',
    $$job_title is not empty and not email_invalid and job_title not matches '(stagiaire|werkstudent|intern)'$$,
    weight => 'trivial', required => false);
SELECT bg.publish_template('Cybersecurity');
\o

\echo
\echo 'The roles template:'
SELECT priority, role, weight, required, members_required, condition FROM bg.template_roles;

\echo 'Every person''s role:'
SELECT a.name AS account, p.full_name, p.job_title, bg.role_for('Cybersecurity', p) AS role
  FROM crm.person p JOIN crm.account a ON a.id = p.account_id
 ORDER BY a.id, p.id;

\echo 'Why Léa Moreau is a Decision Maker:'
SELECT priority, role, matched, assigned, matched_predicates
  FROM crm.person p, bg.explain_role('Cybersecurity', p)
 WHERE p.id = 32;

\echo 'Each account''s buying group:'
SELECT a.name AS account,
       round(bg.completeness('Cybersecurity', p)::numeric, 1) AS completeness,
       bg.missing_roles('Cybersecurity', p) AS missing,
       bg.role_counts('Cybersecurity', p) AS members
  FROM crm.account a LEFT JOIN crm.person p ON p.account_id = a.id
 GROUP BY a.id, a.name
 ORDER BY a.id;

\echo 'Managed buying groups: a static list of four accounts, a solution interest, one creation job.'
\o /dev/null
SELECT bg.create_account_list('Q1 targets', description => 'Accounts sales works on this quarter');
SELECT bg.add_accounts('Q1 targets', ARRAY[1, 2, 4, 6]);
SELECT bg.create_solution_interest('Security platform', 'Cybersecurity', update_existing => true);
SELECT bg.create_buying_groups('Security platform', 'Q1 targets');
\o
SELECT id, status, groups_created, members_added FROM bg.jobs;

\echo 'A manual Champion (kept by every sync), and live mode: a new hire joins at once.'
\o /dev/null
SELECT bg.assign_member(bg.buying_group_id('Security platform', 6), 53, 'Champion');
SELECT bg.watch_people();
INSERT INTO crm.person VALUES (99, 2, 'Grace Hopper', 'VP Security Engineering', 'Security', 6, false);
\o
SELECT name, member_count, round(completeness::numeric, 1) AS completeness, missing_roles
  FROM bg.buying_groups ORDER BY id;

\echo 'Members of the Contoso Bank group, joined back to the people table:'
SELECT m.role, p.full_name, p.job_title, m.source
  FROM bg.members m JOIN crm.person p ON p.id = m.person_key::integer
 WHERE m.buying_group = bg.buying_group_id('Security platform', 2) AND NOT m.is_removed
 ORDER BY m.role, p.full_name;

\echo 'Engagement: activities of the last 30 days, weighted by a model, scored per person and per group.'
\o /dev/null
CREATE TABLE crm.activity (person_id integer, activity_type text, occurred_at timestamptz);
-- email clicks, page views and an event, spread over the people (fixed times, so the demo prints the same)
INSERT INTO crm.activity
SELECT p.id, (ARRAY['email click', 'page view', 'page view', 'event'])[1 + (p.id + d) % 4],
       timestamptz '2026-11-29 12:00+00' - d * interval '1 day 3 hours'
  FROM crm.person p, generate_series(0, 40) d
 WHERE (p.id * 7 + d) % (2 + p.id % 5) = 0;
SELECT bg.bind_activities('crm.activity', person => 'person_id', type => 'activity_type', at => 'occurred_at');
SELECT bg.create_weighting_model('Default');
SELECT bg.set_activity_weight('Default', 'page view', 'minor');
SELECT bg.set_activity_weight('Default', 'email click', 'normal');
SELECT bg.set_activity_weight('Default', 'event', 'vital');
SELECT bg.activate_weighting_model('Default');
SELECT bg.refresh_engagement(timestamptz '2026-11-29 12:00+00');
\o
SELECT name, round(engagement_score::numeric, 1) AS engagement_score, round(completeness::numeric, 1) AS completeness
  FROM bg.buying_groups ORDER BY engagement_score DESC, id;

\echo 'A journey: a stage model, the groups in its entry stage, one group moved on, with a status.'
\o /dev/null
SELECT bg.create_stage_model('Enterprise deal');
SELECT bg.add_stage('Enterprise deal', 'Awareness', entry => true);
SELECT bg.add_stage('Enterprise deal', 'Evaluation');
SELECT bg.add_stage('Enterprise deal', 'Won', outcome => 'success');
SELECT bg.add_stage('Enterprise deal', 'Lost', outcome => 'failure');
SELECT bg.allow_transition('Enterprise deal', 'Awareness', 'Evaluation');
SELECT bg.allow_transition('Enterprise deal', 'Evaluation', 'Won');
SELECT bg.allow_transition('Enterprise deal', 'Evaluation', 'Lost');
SELECT bg.publish_stage_model('Enterprise deal');
SELECT bg.set_stage_model('Security platform', 'Enterprise deal');
SELECT bg.move_stage(bg.buying_group_id('Security platform', 2), 'Evaluation');
SELECT bg.set_status(bg.buying_group_id('Security platform', 2), 'Security review scheduled');
\o
SELECT name, stage, status FROM bg.buying_groups ORDER BY id;
SELECT bg.try_move_stage(bg.buying_group_id('Security platform', 1), 'Won') AS "Northwind straight to Won?";

\echo 'Completing a group: what Tailspin Toys still needs (acquisition targets for a list vendor):'
SELECT role, members_needed, job_titles
  FROM bg.acquisition_targets('Security platform') WHERE account_name = 'Tailspin Toys';

\echo 'A vendor file fills an empty job title (CRM values are never overwritten); live mode assigns the role at once:'
\o /dev/null
INSERT INTO crm.person (id, account_id, full_name, job_title, department, seniority, email)
VALUES (54, 6, 'Ruby Evans', NULL, 'Executive', 7, 'ruby.evans@example.com'),
       (55, 6, 'Leo Ward', 'Platform Reliability', 'Engineering', 3, 'leo.ward@example.com');
CREATE TABLE crm.vendor (email text, job_title text);
INSERT INTO crm.vendor VALUES ('Ruby.Evans@example.com', 'Chief Executive Officer'),
                              ('leo.ward@example.com', 'Site Reliability Engineer');
SELECT bg.enrich_people('crm.vendor');
\o
SELECT person_key, column_name, old_value, new_value FROM bg.enrichment_changes ORDER BY person_key;

\echo 'An import from a spreadsheet: one member set, three rows rejected with the reason:'
\o /dev/null
CREATE TABLE crm.import_file (line integer, account text, person text, role text);
INSERT INTO crm.import_file VALUES (1, '6', 'leo.ward@example.com', 'Practitioner'),
                                   (2, '6', '53', 'Practitioner'),
                                   (3, '6', '11', 'Champion'),
                                   (4, '6', '52', 'Sales Wizard');
SELECT bg.import_members('Security platform', 'crm.import_file', on_conflict => 'replace');
\o
SELECT line, reason, sqlstate FROM bg.import_rejects ORDER BY line;
SELECT m.role, p.full_name, p.job_title, m.source
  FROM bg.members m JOIN crm.person p ON p.id = m.person_key::integer
 WHERE m.buying_group = bg.buying_group_id('Security platform', 6) AND NOT m.is_removed
 ORDER BY m.role, p.full_name;
SELECT name, round(completeness::numeric, 1) AS completeness, missing_roles
  FROM bg.buying_groups WHERE name LIKE '%Tailspin%';

\echo 'Every change above is an event an application can consume (read, then acknowledge):'
SELECT kind, count(*) AS events FROM bg.read_events('crm-app', 1000) GROUP BY kind ORDER BY kind;
