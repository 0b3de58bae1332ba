-- The benchmark's roles template: the six default roles, 3-8 patterns each,
-- mixing contains, starts with, IN lists and a numeric comparison.
\set ON_ERROR_STOP 1
\o /dev/null
SELECT bg.bind_people('people', key => 'id', account => 'account_id');
SELECT bg.create_template('Bench');
SELECT bg.add_role('Bench', 'Executive Steering Committee',
  $$job_title starts with any ('chief', 'president', 'evp', 'founder', 'président', 'geschäftsführer')
    or job_title in ('CEO', 'CFO', 'CIO', 'CTO', 'COO')$$);
SELECT bg.add_role('Bench', 'Decision Maker',
  $$job_title starts with any ('vp', 'vice president', 'head of', 'director', 'managing director', 'directeur', 'directrice', 'leiter', 'директор')
    or job_title = 'CISO'$$);
SELECT bg.add_role('Bench', 'Champion',
  $$job_title contains any ('architect', 'principal', 'lead', 'beauftragter', 'responsable') and seniority >= 3$$);
SELECT bg.add_role('Bench', 'Influencer',
  $$job_title contains any ('manager', 'counsel', 'compliance', 'procurement', 'auditor', 'менеджер', 'einkauf')$$,
  members_required => 2);
SELECT bg.add_role('Bench', 'Practitioner',
  $$job_title contains any ('engineer', 'analyst', 'administrator', 'developer', 'specialist', 'ingénieur', 'инженер', 'entwickler')$$,
  members_required => 3);
SELECT bg.add_role('Bench', 'Other',
  $$job_title is not empty and department in ('Finance', 'Marketing', 'Sales', 'Operations')$$,
  required => false);
SELECT bg.publish_template('Bench');
\o
