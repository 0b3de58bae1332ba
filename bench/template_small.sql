-- The small template a new user would write first: six roles, 25 patterns —
-- starts with / contains / ends with over job_title, an IN over department
-- and a numeric comparison on seniority.  queries_small.sql writes the same
-- template by hand in plain SQL.
\set ON_ERROR_STOP 1
\o /dev/null
SELECT bg.create_template('Small');
SELECT bg.add_role('Small', 'Executive Steering Committee',
  $$job_title starts with any ('chief', 'president', 'founder', 'evp')$$);
SELECT bg.add_role('Small', 'Decision Maker',
  $$job_title starts with any ('vp', 'vice president', 'head of', 'director')$$);
SELECT bg.add_role('Small', 'Champion',
  $$job_title contains any ('architect', 'lead', 'principal') and seniority >= 3$$);
SELECT bg.add_role('Small', 'Influencer',
  $$job_title contains any ('manager', 'counsel', 'auditor') or job_title ends with any ('officer', 'consultant')$$,
  members_required => 2);
SELECT bg.add_role('Small', 'Practitioner',
  $$job_title ends with any ('engineer', 'analyst', 'developer', 'administrator', 'specialist')$$,
  members_required => 3);
SELECT bg.add_role('Small', 'Other',
  $$department in ('Finance', 'Marketing', 'Sales', 'Operations')$$,
  required => false);
SELECT bg.publish_template('Small');
\o
