-- bg's side of the engagement benchmark: the activities bound, the buying
-- groups of every account (template Bench, from template.sql) and the
-- weighting models `bench` and `bench2` (8 of the 10 activity types
-- weighted, in different bands; `bench` active).  Needs gen.sql, template.sql and engagement_gen.sql first.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET jit = off;
SET work_mem = '256MB';
\timing on
\o /dev/null
SELECT bg.bind_accounts('accounts', key => 'id', name => 'name');
SELECT bg.bind_activities('activities', person => 'person_id', type => 'activity_type', at => 'occurred_at');
SELECT bg.create_solution_interest('Engagement SI', 'Bench');
SELECT bg.create_account_list('Every account (engagement)');
SELECT bg.add_accounts('Every account (engagement)', array_agg(id)) FROM accounts;
SELECT bg.create_buying_groups('Engagement SI', 'Every account (engagement)');
SELECT bg.create_weighting_model('bench');
SELECT bg.set_activity_weight('bench', 'type_' || i, (ARRAY['trivial', 'minor', 'normal', 'important', 'vital'])[1 + i % 5])
  FROM generate_series(0, 7) i;
-- bench2: every band one step up, so that switching models rewrites every score
SELECT bg.create_weighting_model('bench2');
SELECT bg.set_activity_weight('bench2', 'type_' || i, (ARRAY['trivial', 'minor', 'normal', 'important', 'vital'])[1 + (i + 1) % 5])
  FROM generate_series(0, 7) i;
SELECT bg.activate_weighting_model('bench');
\o
\timing off
VACUUM ANALYZE bg_internal.buying_group, bg_internal.member;
SELECT count(*) AS groups, sum(member_count) AS members FROM bg_internal.buying_group;
