-- The managed-groups flow of the Citus test (scripts/citus_test.sh): account
-- lists, creation jobs, manual actions and sync against
-- distributed people and accounts, bg's own tables on the coordinator.  Each
-- section must print the same on the cluster as on the plain database.
-- (Account 1's people: 50, 100, ..., 700; account 2's: 43, 93, ...; accounts
-- 51 to 60 have none; account a % 10 = 3 is a sub-account of a - 1.)
\echo == lists
SELECT bg.create_account_list('Static');
SELECT bg.add_accounts('Static', ARRAY[1, 2, 4, 5, 12, 55]);
SELECT bg.create_account_list('Banking', 'dynamic', $$industry = 'Banking'$$);
SELECT bg.remove_accounts('Static', ARRAY[5]);
SELECT name, kind, account_count FROM bg.account_lists ORDER BY name;
\echo == jobs
SELECT bg.create_solution_interest('S', 'Cyber', update_existing => true);
SELECT bg.create_buying_groups('S', 'Static');
SELECT bg.create_buying_groups('S', 'Banking');
SELECT solution_interest, account_list, status, groups_created, members_added, error FROM bg.jobs ORDER BY id;
\echo == groups
SELECT name, solution_interest, account_key, account_name, member_count, completeness,
       role_completeness, missing_roles, role_counts
  FROM bg.buying_groups ORDER BY solution_interest, account_key;
\echo == members
SELECT solution_interest, account_key, person_key, role, source, is_removed
  FROM bg.members ORDER BY 1, 2, 3;
\echo == manual
SELECT bg.assign_member(bg.buying_group_id('S', 1), 50, 'Champion');
SELECT bg.remove_member(bg.buying_group_id('S', 1), 100);
SELECT bg.set_member_role(bg.buying_group_id('S', 2), (SELECT min(person_key) FROM bg.members WHERE solution_interest = 'S' AND account_key = '2'), 'Decision Maker');
SELECT account_key, person_key, role, source, is_removed FROM bg.members
 WHERE solution_interest = 'S' AND account_key IN ('1', '2') ORDER BY 1, 2;
SELECT account_key, member_count, completeness, missing_roles FROM bg.buying_groups
 WHERE solution_interest = 'S' AND account_key IN ('1', '2') ORDER BY 1;
\echo == sync
UPDATE crm.person SET job_title = 'CISO' WHERE id IN (93, 143);
DELETE FROM crm.person WHERE id = 150;
INSERT INTO crm.person VALUES (701, 1, 'Person 701', 'Security Engineer', 'Security', 3, false);
INSERT INTO crm.person VALUES (702, 55, 'Person 702', 'CFO', 'Executive', 7, false);
SELECT bg.sync();
SELECT solution_interest, account_key, member_count, completeness, missing_roles, role_counts
  FROM bg.buying_groups ORDER BY solution_interest, account_key;
SELECT solution_interest, account_key, person_key, role, source, is_removed
  FROM bg.members ORDER BY 1, 2, 3;
\echo == drop
SELECT bg.drop_buying_groups('S');
SELECT count(*) FROM bg.buying_groups;
