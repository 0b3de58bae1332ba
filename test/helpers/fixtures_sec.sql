-- Roles template 'sec', published.
SELECT bg.create_template('sec');
SELECT bg.add_role('sec', 'Decision Maker', 'job_title starts with any (''chief'', ''vp'')');
SELECT bg.add_role('sec', 'Influencer', 'job_title contains ''director''', members_required => 2);
SELECT bg.add_role('sec', 'Practitioner', 'job_title contains ''engineer''');
SELECT bg.publish_template('sec');
