-- members(si): the members of a solution interest's groups, as stored.
CREATE FUNCTION members(si text)
RETURNS TABLE (account text, person text, role text, source text, is_removed boolean, has_removed_at boolean)
LANGUAGE sql AS $$
    SELECT m.account_key, m.person_key, m.role, m.source, m.is_removed, m.removed_at IS NOT NULL
      FROM bg.members m WHERE m.solution_interest = si
     ORDER BY m.account_key::int, m.person_key::int;
$$;
