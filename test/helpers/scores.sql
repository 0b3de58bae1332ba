-- mismatched_groups(): the ids of the buying groups whose stored scores
-- (member_count, role_counts, completeness, role_completeness,
-- missing_roles) differ from the docs/design.md §5 aggregates over their
-- current members (a group without members: the aggregates over no role).
-- Included by regress.sql (pg_regress) and tap.sql (pgTAP); created in the
-- first schema of the search_path.
CREATE FUNCTION mismatched_groups() RETURNS SETOF bigint LANGUAGE sql AS $$
    SELECT g.id FROM bg.buying_groups g
      LEFT JOIN LATERAL (
        SELECT count(m.role)::integer AS member_count,
               bg.role_counts(g.template, m.role) AS role_counts,
               bg.completeness(g.template, m.role) AS completeness,
               bg.role_completeness(g.template, m.role) AS role_completeness,
               bg.missing_roles(g.template, m.role) AS missing_roles
          FROM (SELECT 1) one
          LEFT JOIN bg.members m ON m.buying_group = g.id AND NOT m.is_removed) a ON true
     WHERE (g.member_count, g.role_counts, g.completeness, g.role_completeness, g.missing_roles)
           IS DISTINCT FROM (a.member_count, a.role_counts, a.completeness, a.role_completeness, a.missing_roles);
$$;
