-- The invariant check of the soak, run once pgbench has ended, with no sync
-- before it: live mode alone must have kept the update_existing interests
-- right.  One row of counts; every one must be 0.
--   orphans          members whose group does not exist
--   orphan_groups    groups whose solution interest does not exist
--   score_mismatches groups whose stored scores differ from the aggregates
--                    over their current members (docs/design.md §5)
--   missing          (update_existing interests) a person the conditions
--                    put in a group who is not a current member there
--                    (a manual, imported or AI decision about the person
--                    in that group excepted)
--   stale            a current rule member the conditions no longer put
--                    in the group (deleted, moved away, no role)
--   wrong_role       a current rule member with another role than the
--                    conditions give
\pset footer off
WITH si AS (
    SELECT s.id, t.name AS template FROM bg_internal.solution_interest s JOIN bg_internal.template t ON t.id = s.template_id
     WHERE s.update_existing),
want AS (
    SELECT g.id AS group_id, p.id::text AS person_key, r.id AS role_id
      FROM si JOIN bg_internal.buying_group g ON g.solution_interest_id = si.id
      JOIN soak.person p ON p.account_id::text = g.account_key
      JOIN bg_internal.role r ON r.name = bg.role_for(si.template, p)),
cur AS (
    SELECT m.* FROM bg_internal.member m JOIN bg_internal.buying_group g ON g.id = m.group_id JOIN si ON si.id = g.solution_interest_id),
diff AS (
    SELECT w.role_id AS want_role, c.role_id, c.source, c.is_removed, w.group_id IS NOT NULL AS wanted,
           c.group_id IS NOT NULL AS present
      FROM want w FULL JOIN cur c ON c.group_id = w.group_id AND c.person_key = w.person_key)
SELECT (SELECT count(*) FROM bg_internal.member m WHERE NOT EXISTS (SELECT FROM bg_internal.buying_group g WHERE g.id = m.group_id)) AS orphans,
       (SELECT count(*) FROM bg_internal.buying_group g
         WHERE NOT EXISTS (SELECT FROM bg_internal.solution_interest s WHERE s.id = g.solution_interest_id)) AS orphan_groups,
       (SELECT count(*) FROM soak.mismatched_groups()) AS score_mismatches,
       count(*) FILTER (WHERE wanted AND (NOT present OR (source = 'rule' AND is_removed))) AS missing,
       count(*) FILTER (WHERE NOT wanted AND source = 'rule' AND NOT is_removed) AS stale,
       count(*) FILTER (WHERE wanted AND source = 'rule' AND NOT is_removed AND role_id <> want_role) AS wrong_role
  FROM diff;
SELECT (SELECT count(*) FROM bg_internal.buying_group) AS groups, (SELECT count(*) FROM bg_internal.member WHERE NOT is_removed) AS members,
       (SELECT count(*) FROM soak.person) AS people,
       (SELECT string_agg(code || ' ' || n, ', ') FROM (SELECT code, count(*) AS n FROM soak.benign GROUP BY code) b)
         AS benign_errors;
