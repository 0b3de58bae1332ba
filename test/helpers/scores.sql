-- mismatched_groups(): the ids of the buying groups whose stored scores
-- (member_count, role_counts, completeness, role_completeness,
-- missing_roles) differ from the docs/design.md §5 aggregates over their
-- current members (a group without members: the aggregates over no role),
-- or whose stored rule summary (bg_internal.buying_group.rule_members,
-- src/rule_summary.h) differs from one built here from its rule members
-- that are not removed: a version byte 1, then per member, ordered by the
-- length and the bytes of its key, the key's length, its bytes and its
-- role id, the numbers as unsigned LEB128 varints (the summaries are in
-- bg_internal: compared only for a role that may read it).
-- Included by regress.sql (pg_regress) and tap.sql (pgTAP); created in the
-- first schema of the search_path.
CREATE FUNCTION mismatched_groups() RETURNS SETOF bigint LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    ids := ARRAY(
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
           IS DISTINCT FROM (a.member_count, a.role_counts, a.completeness, a.role_completeness, a.missing_roles));
    IF has_schema_privilege('bg_internal', 'USAGE') THEN
        ids := ids || ARRAY(
        SELECT g.id FROM bg_internal.buying_group g
          LEFT JOIN LATERAL (
            SELECT '\x01'::bytea || coalesce(string_agg(e.bytes, ''::bytea ORDER BY octet_length(k.b), k.b), '') AS s
              FROM (SELECT convert_to(m.person_key, 'UTF8') AS b, m.role_id
                      FROM bg_internal.member m
                     WHERE m.group_id = g.id AND m.source = 'rule' AND NOT m.is_removed) k
              CROSS JOIN LATERAL (
                SELECT string_agg(v.byte, ''::bytea ORDER BY v.part, v.i) AS bytes
                  FROM (VALUES (1, octet_length(k.b)::bigint), (3, k.role_id::bigint)) n(part, n)
                  CROSS JOIN LATERAL (
                    SELECT n.part, i, set_byte('\x00'::bytea, 0,
                               ((n.n >> (7 * i)) & 127 | CASE WHEN n.n >> (7 * (i + 1)) > 0 THEN 128 ELSE 0 END)::int)
                           AS byte
                      FROM generate_series(0, 4) i WHERE i = 0 OR n.n >> (7 * i) > 0
                    UNION ALL
                    SELECT 2, 0, k.b WHERE n.part = 1) v) e) a ON true
         WHERE g.rule_members IS DISTINCT FROM a.s);
    END IF;
    RETURN QUERY SELECT DISTINCT x FROM unnest(ids) x;
END $$;
