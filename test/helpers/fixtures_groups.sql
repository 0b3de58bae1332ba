-- groups(si): the stored scores of a solution interest's groups.
CREATE FUNCTION groups(si text)
RETURNS TABLE (account text, member_count integer, completeness numeric, missing_roles text[])
LANGUAGE sql AS $$
    SELECT g.account_key, g.member_count, round(g.completeness::numeric, 2), g.missing_roles
      FROM bg.buying_groups g WHERE g.solution_interest = si
     ORDER BY g.account_key::int;
$$;
