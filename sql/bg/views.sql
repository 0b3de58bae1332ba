-- The views for users and BI tools, with a comment on every column, and
-- what they show of the user's tables to whom (docs/design.md §6.7, §11).

-- The views show a buying group only when the querying role may SELECT its
-- account's row in the bound accounts table, and a member only when it may
-- also SELECT the person's row in the bound people table (privileges and
-- row-level security as for a query of that role).  A view runs functions
-- as the querying role, so these ask the bound tables as that role; they
-- read bg's catalog as its owner.  The role needs EXECUTE on them: they
-- stay executable by PUBLIC, and show a role only what it may read.
CREATE FUNCTION bg_internal._sees_all(kind text) RETURNS boolean
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_sees_all';
COMMENT ON FUNCTION bg_internal._sees_all(text) IS 'Internal: whether the current role sees every row and the key of the bound people or accounts table (superuser, or no row-level security for it).';
-- PARALLEL RESTRICTED: its probe runs the table's policies, which may call
-- functions a parallel worker cannot run.
CREATE FUNCTION bg_internal._visible(kind text, key text) RETURNS boolean
    LANGUAGE c STABLE STRICT PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'bg_visible';
COMMENT ON FUNCTION bg_internal._visible(text, text) IS 'Internal: whether the current role may SELECT the row of the bound people or accounts table with this key (canonical text).';
CREATE FUNCTION bg_internal._sees_account_names() RETURNS boolean
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_sees_account_names';
COMMENT ON FUNCTION bg_internal._sees_account_names() IS 'Internal: whether the current role may SELECT the name column of the bound accounts table.';

CREATE VIEW bg.roles AS
SELECT r.name, r.description, r.is_default
  FROM bg_internal.role r
 ORDER BY r.is_default DESC, r.id;
COMMENT ON VIEW bg.roles IS 'The roles: the six defaults and the custom ones.';
COMMENT ON COLUMN bg.roles.name IS 'Role name.';
COMMENT ON COLUMN bg.roles.description IS 'What the role does in a purchase.';
COMMENT ON COLUMN bg.roles.is_default IS 'True for the six default roles, which cannot be renamed or dropped.';

CREATE VIEW bg.templates AS
SELECT t.name, t.description, t.status,
       (SELECT count(*) FROM bg_internal.template_role x WHERE x.template_id OPERATOR(pg_catalog.=) t.id)::integer AS role_count,
       t.created_at, t.updated_at, t.published_at
  FROM bg_internal.template t
 ORDER BY t.name;
COMMENT ON VIEW bg.templates IS 'The roles templates.';
COMMENT ON COLUMN bg.templates.name IS 'Template name.';
COMMENT ON COLUMN bg.templates.description IS 'What the template is for.';
COMMENT ON COLUMN bg.templates.status IS 'draft (editable) or live (never changes).';
COMMENT ON COLUMN bg.templates.role_count IS 'Number of roles in the template.';
COMMENT ON COLUMN bg.templates.created_at IS 'When the template was created.';
COMMENT ON COLUMN bg.templates.updated_at IS 'When the template last changed.';
COMMENT ON COLUMN bg.templates.published_at IS 'When the template went live; NULL for a draft.';

CREATE VIEW bg.template_roles AS
SELECT t.name AS template, x.priority, r.name AS role, x.weight,
       CASE x.weight WHEN 'trivial' THEN 20 WHEN 'minor' THEN 40 WHEN 'normal' THEN 60
                     WHEN 'important' THEN 80 WHEN 'vital' THEN 100 END AS weight_value,
       x.condition, x.required, x.members_required
  FROM bg_internal.template_role x
  JOIN bg_internal.template t ON t.id OPERATOR(pg_catalog.=) x.template_id
  JOIN bg_internal.role r ON r.id OPERATOR(pg_catalog.=) x.role_id
 ORDER BY t.name, x.priority;
COMMENT ON VIEW bg.template_roles IS 'The roles of every roles template, in priority order.';
COMMENT ON COLUMN bg.template_roles.template IS 'Template name.';
COMMENT ON COLUMN bg.template_roles.priority IS 'Position in the template; 1 is evaluated first.';
COMMENT ON COLUMN bg.template_roles.role IS 'Role name.';
COMMENT ON COLUMN bg.template_roles.weight IS 'Weight band: trivial, minor, normal, important or vital.';
COMMENT ON COLUMN bg.template_roles.weight_value IS 'The weight band as a number: 20, 40, 60, 80 or 100.';
COMMENT ON COLUMN bg.template_roles.condition IS 'Auto-assign condition (canonical text); NULL when the role is filled by hand only.';
COMMENT ON COLUMN bg.template_roles.required IS 'Whether the role counts towards completeness.';
COMMENT ON COLUMN bg.template_roles.members_required IS 'How many members fill the role completely.';

CREATE VIEW bg.account_lists AS
SELECT l.name, l.kind, l.filter,
       (SELECT count(*) FROM bg_internal.account_list_entry e
         WHERE e.list_id OPERATOR(pg_catalog.=) l.id
           AND ((SELECT bg_internal._sees_all('accounts'))
                OR bg_internal._visible('accounts', e.account_key)))
       AS account_count,
       l.refreshed_at, l.description, l.created_at
  FROM bg_internal.account_list l
 ORDER BY l.name;
COMMENT ON VIEW bg.account_lists IS 'Account lists (audiences): static lists of accounts, or dynamic ones selected by a filter.';
COMMENT ON COLUMN bg.account_lists.name IS 'Account list name.';
COMMENT ON COLUMN bg.account_lists.kind IS 'static (accounts added by hand) or dynamic (selected by the filter).';
COMMENT ON COLUMN bg.account_lists.filter IS 'Condition over the bound accounts (dynamic lists; canonical text); NULL for a static list.';
COMMENT ON COLUMN bg.account_lists.account_count IS 'Number of accounts in the list that you may SELECT in the bound accounts table (a dynamic list: as of its last refresh).';
COMMENT ON COLUMN bg.account_lists.refreshed_at IS 'When the accounts of the list last changed or were re-evaluated.';
COMMENT ON COLUMN bg.account_lists.description IS 'What the list is for.';
COMMENT ON COLUMN bg.account_lists.created_at IS 'When the list was created.';

CREATE VIEW bg.solution_interests AS
SELECT s.name, t.name AS template, s.description, s.update_existing, s.include_subaccounts,
       (SELECT count(*) FROM bg_internal.buying_group g
         WHERE g.solution_interest_id OPERATOR(pg_catalog.=) s.id
           AND ((SELECT bg_internal._sees_all('accounts'))
                OR bg_internal._visible('accounts', g.account_key)))
       AS buying_group_count,
       s.created_at,
       (SELECT m.name FROM bg_internal.stage_model m WHERE m.id OPERATOR(pg_catalog.=) s.stage_model_id) AS stage_model
  FROM bg_internal.solution_interest s
  JOIN bg_internal.template t ON t.id OPERATOR(pg_catalog.=) s.template_id
 ORDER BY s.name;
COMMENT ON VIEW bg.solution_interests IS 'Solution interests: what is sold, with the live roles template its buying groups use.';
COMMENT ON COLUMN bg.solution_interests.name IS 'Solution interest name.';
COMMENT ON COLUMN bg.solution_interests.template IS 'The live roles template of its buying groups.';
COMMENT ON COLUMN bg.solution_interests.description IS 'What is sold.';
COMMENT ON COLUMN bg.solution_interests.update_existing IS 'Whether bg.sync and live mode re-evaluate its existing buying groups.';
COMMENT ON COLUMN bg.solution_interests.include_subaccounts IS 'Whether a group counts the people of the account''s whole subtree.';
COMMENT ON COLUMN bg.solution_interests.buying_group_count IS 'Number of its buying groups whose account you may SELECT in the bound accounts table.';
COMMENT ON COLUMN bg.solution_interests.created_at IS 'When it was created.';
COMMENT ON COLUMN bg.solution_interests.stage_model IS 'The live stage model its buying groups move through (bg.set_stage_model); NULL for none.';

CREATE VIEW bg.jobs AS
SELECT j.id, j.solution_interest, j.account_list, j.status, j.groups_created, j.members_added,
       j.started_at, j.finished_at, j.error, j.error_code, j.kind, j.counts, j.rows_rejected
  FROM bg_internal.job j
 ORDER BY j.id;
COMMENT ON VIEW bg.jobs IS 'Runs of bg.create_buying_groups, bg.refresh_engagement, bg.suggest_members, bg.enrich_people and bg.import_members.';
COMMENT ON COLUMN bg.jobs.id IS 'Job id, as returned by bg.create_buying_groups (and as "job" by bg.refresh_engagement).';
COMMENT ON COLUMN bg.jobs.solution_interest IS 'Solution interest of the run; NULL for an engagement refresh.';
COMMENT ON COLUMN bg.jobs.account_list IS 'Account list of the run; NULL for an engagement refresh, suggestions and an import.';
COMMENT ON COLUMN bg.jobs.status IS 'running, done or failed (a failed job kept nothing).';
COMMENT ON COLUMN bg.jobs.groups_created IS 'Buying groups the run created; 0 for an engagement refresh and for suggestions.';
COMMENT ON COLUMN bg.jobs.members_added IS 'Members the run assigned by rule; for an import also the members its rows added or changed; 0 for an engagement refresh; for suggestions, the pending suggestions the run made (none is a member until accepted).';
COMMENT ON COLUMN bg.jobs.started_at IS 'When the run started.';
COMMENT ON COLUMN bg.jobs.finished_at IS 'When the run ended.';
COMMENT ON COLUMN bg.jobs.error IS 'Why a failed run failed.';
COMMENT ON COLUMN bg.jobs.error_code IS 'SQLSTATE of the error of a failed run.';
COMMENT ON COLUMN bg.jobs.kind IS 'buying_groups (bg.create_buying_groups), engagement (bg.refresh_engagement), suggestions (bg.suggest_members), enrichment (bg.enrich_people) or import (bg.import_members).';
COMMENT ON COLUMN bg.jobs.counts IS 'enrichment: jsonb of what the run did (records, matched, updated, values_changed, unchanged, inserted, unmatched, duplicates, ambiguous, no_key) and, once undone, what bg.undo_enrichment did (restored, kept, undone_at); NULL for other kinds.';
COMMENT ON COLUMN bg.jobs.rows_rejected IS 'Source rows an import did not take (listed in bg.import_rejects); 0 for other runs.';

-- The groups of the accounts the querying role may see; the account's name
-- only when it may read the name column (else NULL, and the group's name
-- is made with the account key, as for an account without a name).  Each
-- (SELECT ...) is an InitPlan, run once per query: a role that sees every
-- account pays one constant test per row; another asks _visible per row.
-- security_barrier: no function of the querying role's WHERE sees a row
-- the filter drops.
CREATE VIEW bg.buying_groups WITH (security_barrier) AS
SELECT g.id,
       CASE WHEN (SELECT bg_internal._sees_account_names()) THEN g.name
            ELSE s.name OPERATOR(pg_catalog.||) ' for ' OPERATOR(pg_catalog.||) g.account_key END AS name,
       s.name AS solution_interest, g.account_key,
       CASE WHEN (SELECT bg_internal._sees_account_names()) THEN g.account_name END AS account_name,
       g.member_count, g.completeness, g.role_completeness, g.missing_roles,
       g.created_at, g.updated_at, g.role_counts, t.name AS template,
       g.engagement_raw, g.engagement_score, g.engagement_as_of,
       st.name AS stage, g.stage_entered_at, g.status
  FROM bg_internal.buying_group g
  JOIN bg_internal.solution_interest s ON s.id OPERATOR(pg_catalog.=) g.solution_interest_id
  JOIN bg_internal.template t ON t.id OPERATOR(pg_catalog.=) s.template_id
  LEFT JOIN bg_internal.stage st ON st.id OPERATOR(pg_catalog.=) g.stage_id
 WHERE (SELECT bg_internal._sees_all('accounts'))
    OR bg_internal._visible('accounts', g.account_key);
COMMENT ON VIEW bg.buying_groups IS 'Buying groups with their scores, always equal to the scoring aggregates over their current members; only the groups of accounts you may SELECT in the bound accounts table (its privileges and row-level security).';
COMMENT ON COLUMN bg.buying_groups.id IS 'Buying group id.';
COMMENT ON COLUMN bg.buying_groups.name IS '<solution interest> for <account name> (the account key when it has no name, or when you may not SELECT the accounts'' name column).';
COMMENT ON COLUMN bg.buying_groups.solution_interest IS 'Solution interest of the group.';
COMMENT ON COLUMN bg.buying_groups.account_key IS 'Key of the group''s account, as canonical text. From the groups to your accounts: a.id = g.account_key::integer (your key''s type and index). From your accounts to the groups with bg''s index: g.account_key = ANY (ARRAY(SELECT a.id::text FROM accounts a WHERE ...)) (a join on g.account_key = a.id::text reads every group: the view is a security barrier). For a numeric key, trim_scale(a.id)::text.';
COMMENT ON COLUMN bg.buying_groups.account_name IS 'Name of the account, as of the group''s creation; bg.sync and live mode follow renames (update_existing interests). NULL when you may not SELECT the accounts'' name column.';
COMMENT ON COLUMN bg.buying_groups.member_count IS 'Number of current (not removed) members.';
COMMENT ON COLUMN bg.buying_groups.completeness IS 'Completeness 0..100: mean of the required roles'' completeness; NULL when no role is required.';
COMMENT ON COLUMN bg.buying_groups.role_completeness IS 'jsonb {role: completeness 0..100} for every role of the template.';
COMMENT ON COLUMN bg.buying_groups.missing_roles IS 'Required roles below their threshold, in priority order.';
COMMENT ON COLUMN bg.buying_groups.created_at IS 'When the group was created.';
COMMENT ON COLUMN bg.buying_groups.updated_at IS 'When the group''s members (and so its scores) last changed.';
COMMENT ON COLUMN bg.buying_groups.role_counts IS 'jsonb {role: current members} for every role of the template.';
COMMENT ON COLUMN bg.buying_groups.template IS 'The roles template of the group''s solution interest.';
COMMENT ON COLUMN bg.buying_groups.engagement_raw IS 'Raw engagement score G(g) at the last bg.refresh_engagement: the current members'' raw scores weighted by their role''s template weight, over the weights of the roles that have a member; NULL before the first refresh.';
COMMENT ON COLUMN bg.buying_groups.engagement_score IS 'Engagement score 0..100 at the last bg.refresh_engagement: 100 × sqrt(engagement_raw) / the largest of all groups; relative to the groups of that refresh. NULL before the first refresh.';
COMMENT ON COLUMN bg.buying_groups.engagement_as_of IS 'The as_of of the refresh that last changed the engagement scores (a refresh does not rewrite unchanged scores).';
COMMENT ON COLUMN bg.buying_groups.stage IS 'The group''s stage in the stage model of its solution interest (bg.set_stage_model, bg.move_stage); NULL when the interest has none.';
COMMENT ON COLUMN bg.buying_groups.stage_entered_at IS 'When the group entered its stage; NULL without a stage.';
COMMENT ON COLUMN bg.buying_groups.status IS 'Free-text status of the group (bg.set_status, at most 50 characters); NULL when none.';

-- The members the querying role may see: its group's account and the
-- person both (as bg.buying_groups).  The person's stored engagement score:
-- a left join on the primary key of bg_internal.person_engagement.
CREATE VIEW bg.members WITH (security_barrier) AS
SELECT m.group_id AS buying_group, s.name AS solution_interest, g.account_key, m.person_key,
       r.name AS role, m.source, m.is_removed, m.added_at, m.removed_at,
       e.score AS person_engagement
  FROM bg_internal.member m
  JOIN bg_internal.buying_group g ON g.id OPERATOR(pg_catalog.=) m.group_id
  JOIN bg_internal.solution_interest s ON s.id OPERATOR(pg_catalog.=) g.solution_interest_id
  JOIN bg_internal.role r ON r.id OPERATOR(pg_catalog.=) m.role_id
  LEFT JOIN bg_internal.person_engagement e ON e.person_key OPERATOR(pg_catalog.=) m.person_key
 WHERE ((SELECT bg_internal._sees_all('accounts'))
        OR bg_internal._visible('accounts', g.account_key))
   AND ((SELECT bg_internal._sees_all('people'))
        OR bg_internal._visible('people', m.person_key));
COMMENT ON VIEW bg.members IS 'Members of buying groups, removed ones included (is_removed); only those whose account and person you may SELECT in the bound accounts and people tables.';
COMMENT ON COLUMN bg.members.buying_group IS 'Buying group id.';
COMMENT ON COLUMN bg.members.solution_interest IS 'Solution interest of the group.';
COMMENT ON COLUMN bg.members.account_key IS 'Key of the group''s account, as canonical text (join as bg.buying_groups.account_key).';
COMMENT ON COLUMN bg.members.person_key IS 'Key of the person, as canonical text. From the members to your people: p.id = m.person_key::integer (your key''s type and index). From your people to the members with bg''s index: m.person_key = ANY (ARRAY(SELECT p.id::text FROM people p WHERE ...)) (a join on m.person_key = p.id::text reads every member: the view is a security barrier). For a numeric key, trim_scale(p.id)::text.';
COMMENT ON COLUMN bg.members.role IS 'The member''s role.';
COMMENT ON COLUMN bg.members.source IS 'rule (assigned by a condition), manual, import or ai.';
COMMENT ON COLUMN bg.members.is_removed IS 'True when the member was removed; removed members do not count.';
COMMENT ON COLUMN bg.members.added_at IS 'When the member (last) joined.';
COMMENT ON COLUMN bg.members.removed_at IS 'When the member was removed; NULL for a current member.';
COMMENT ON COLUMN bg.members.person_engagement IS 'The person''s engagement score 0..100 at the last bg.refresh_engagement (bg.person_engagement.score; relative to all people of that refresh); NULL when the person has no stored score (no refresh yet, or not in the bound people table then).';

-- One row per group and template role, flat (no jsonb, no arrays) for BI
-- tools.  members is the group's stored count of the role (exact, §6.6): one
-- jsonb lookup per row reads less than counting bg_internal.member again (5 000
-- groups of a 4-role template: 8 ms instead of 12 for all rows); the rest is
-- computed from it as the aggregates compute it (§5.2, §5.3).  Rows and
-- account names as bg.buying_groups shows them.
CREATE VIEW bg.role_coverage WITH (security_barrier) AS
SELECT g.id AS buying_group, s.name AS solution_interest, g.account_key,
       CASE WHEN (SELECT bg_internal._sees_account_names()) THEN g.account_name END AS account_name,
       r.name AS role, x.priority, x.required, x.members_required, c.n AS members,
       CASE WHEN c.n OPERATOR(pg_catalog.>=) x.members_required THEN 100::double precision
            ELSE 100::double precision OPERATOR(pg_catalog.*) c.n OPERATOR(pg_catalog./) x.members_required
       END AS completeness,
       x.required AND c.n OPERATOR(pg_catalog.<) x.members_required AS is_missing
  FROM bg_internal.buying_group g
  JOIN bg_internal.solution_interest s ON s.id OPERATOR(pg_catalog.=) g.solution_interest_id
  JOIN bg_internal.template_role x ON x.template_id OPERATOR(pg_catalog.=) s.template_id
  JOIN bg_internal.role r ON r.id OPERATOR(pg_catalog.=) x.role_id
 CROSS JOIN LATERAL (SELECT coalesce((g.role_counts OPERATOR(pg_catalog.->>) r.name)::integer, 0) AS n) c
 WHERE (SELECT bg_internal._sees_all('accounts'))
    OR bg_internal._visible('accounts', g.account_key);
COMMENT ON VIEW bg.role_coverage IS 'One row per buying group and role of its template: members and completeness of the role, flat for BI tools (the jsonb role_counts and role_completeness and the missing_roles array of bg.buying_groups, as rows); the groups bg.buying_groups shows you.';
COMMENT ON COLUMN bg.role_coverage.buying_group IS 'Buying group id.';
COMMENT ON COLUMN bg.role_coverage.solution_interest IS 'Solution interest of the group.';
COMMENT ON COLUMN bg.role_coverage.account_key IS 'Key of the group''s account, as text.';
COMMENT ON COLUMN bg.role_coverage.account_name IS 'Name of the group''s account (as of creation or the last sync or live-mode change); NULL when you may not SELECT the accounts'' name column.';
COMMENT ON COLUMN bg.role_coverage.role IS 'Role name.';
COMMENT ON COLUMN bg.role_coverage.priority IS 'Position of the role in the template; 1 is evaluated first.';
COMMENT ON COLUMN bg.role_coverage.required IS 'Whether the role counts towards the group''s completeness.';
COMMENT ON COLUMN bg.role_coverage.members_required IS 'How many members fill the role completely.';
COMMENT ON COLUMN bg.role_coverage.members IS 'Current (not removed) members of the group with this role (role_counts of bg.buying_groups).';
COMMENT ON COLUMN bg.role_coverage.completeness IS 'Role completeness 0..100: 100 × min(members, members_required) / members_required.';
COMMENT ON COLUMN bg.role_coverage.is_missing IS 'True for a required role with fewer members than it needs (it is in missing_roles).';
