-- Engagement reporting (docs/design.md §7.1): the views behind the
-- reference product's role insights and score dashboards, per solution
-- interest, role and calendar month, and the groups per score band.  Like
-- bg.members, they count only the members whose account and person the
-- querying role may SELECT in the bound tables (views.sql), and the groups
-- whose account it may SELECT.

-- The activities of the people keys per UTC calendar month, read from the
-- bound activities table as its owner (bg_internal._read), the keys pushed
-- into the read (the person column's index finds them; no time window: the
-- months go back to the first activity).  Counted: the types the active
-- weighting model lists (whatever their band), or every type when no model
-- is active; rows with a NULL time count nowhere.  No rows when no
-- activities table is bound.  bg_internal._activity_months calls it as
-- bg's owner.
CREATE FUNCTION bg_internal._activity_months_read(keys text[])
    RETURNS TABLE (person_key text, month date, activities bigint)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg_internal.activity_binding;
    types text[];
    type_filter text := '';
BEGIN
    SELECT * INTO a FROM bg_internal.activity_binding;
    IF NOT FOUND OR coalesce(cardinality(keys), 0) = 0 THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT FROM bg_internal.weighting_model m WHERE m.status = 'active') THEN
        types := ARRAY(SELECT w.activity_type FROM bg_internal.activity_weight w
                         JOIN bg_internal.weighting_model m ON m.id = w.model_id
                        WHERE m.status = 'active' ORDER BY w.activity_type);
        type_filter := format(' AND (a.%I)::pg_catalog.text OPERATOR(pg_catalog.=) ANY (%L::pg_catalog.text[])',
                              a.type_column, types);
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT r.k, r.m, r.n FROM bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L, $1)
                                AS r(k pg_catalog.text, m pg_catalog.date, n pg_catalog.int8)',
        a.relid::oid,
        format('SELECT %s, (pg_catalog.date_trunc(''month'', a.%I AT TIME ZONE ''UTC''))::pg_catalog.date,
                       pg_catalog.count(*)
                  FROM %s a
                 WHERE a.%I OPERATOR(pg_catalog.=) ANY ($1::%s[]) AND a.%I IS NOT NULL%s
                 GROUP BY 1, 2',
               bg_internal._key_sql(a.relid, a.person_column, format('a.%I', a.person_column)),
               a.at_column, a.relid, a.person_column, bg_internal._coltype(a.relid, a.person_column),
               a.at_column, type_filter))
        USING keys;
END $$;
COMMENT ON FUNCTION bg_internal._activity_months_read(text[]) IS 'Internal: activities of these people per UTC month (the active model''s types, or all), read as the activities table''s owner.';

-- The same for the role that reads bg.engagement_by_role: only the keys of
-- the people it may SELECT in the bound people table, read as bg's owner
-- (src/activity_months.c).  Executable by PUBLIC, like the filters of
-- views.sql (access.sql).  PARALLEL RESTRICTED: it asks _visible.
CREATE FUNCTION bg_internal._activity_months(keys text[])
    RETURNS TABLE (person_key text, month date, activities bigint)
    LANGUAGE c STABLE STRICT PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'bg_activity_months';
COMMENT ON FUNCTION bg_internal._activity_months(text[]) IS 'Internal: activities per UTC month of those of these people the current role may SELECT in the bound people table; bg.engagement_by_role calls it.';

-- Activities and active people per solution interest, role and month.  A
-- person counts once per interest and role (a person in two groups of one
-- interest, through subaccounts, with the same role is not counted twice).
-- The keys of the visible current members go to the activities' read as one
-- array (an InitPlan), so that the read finds their rows by index instead
-- of scanning all activities.
CREATE VIEW bg.engagement_by_role WITH (security_barrier) AS
WITH m AS MATERIALIZED (
    SELECT DISTINCT g.solution_interest_id, m.role_id, m.person_key
      FROM bg_internal.member m
      JOIN bg_internal.buying_group g ON g.id OPERATOR(pg_catalog.=) m.group_id
     WHERE NOT m.is_removed
       AND ((SELECT bg_internal._sees_all('accounts'))
            OR bg_internal._visible('accounts', g.account_key))
       AND ((SELECT bg_internal._sees_all('people'))
            OR bg_internal._visible('people', m.person_key))),
a AS (
    SELECT x.person_key, x.month, x.activities
      FROM bg_internal._activity_months(ARRAY(SELECT DISTINCT m.person_key FROM m)) x)
SELECT s.name AS solution_interest, r.name AS role, a.month,
       pg_catalog.sum(a.activities)::bigint AS activities,
       pg_catalog.count(DISTINCT m.person_key) AS people
  FROM m
  JOIN a ON a.person_key OPERATOR(pg_catalog.=) m.person_key
  JOIN bg_internal.solution_interest s ON s.id OPERATOR(pg_catalog.=) m.solution_interest_id
  JOIN bg_internal.template_role x ON x.template_id OPERATOR(pg_catalog.=) s.template_id
                                  AND x.role_id OPERATOR(pg_catalog.=) m.role_id
  JOIN bg_internal.role r ON r.id OPERATOR(pg_catalog.=) m.role_id
 GROUP BY s.name, x.priority, r.name, a.month
 ORDER BY s.name, x.priority, a.month;
COMMENT ON VIEW bg.engagement_by_role IS 'Activities of the current members per solution interest, role and calendar month (the role insights of the reference product), read from the bound activities table; a row for each month with activity. Only the members whose account and person you may SELECT in the bound tables. No rows when no activities table is bound.';
COMMENT ON COLUMN bg.engagement_by_role.solution_interest IS 'Solution interest.';
COMMENT ON COLUMN bg.engagement_by_role.role IS 'A role of its template.';
COMMENT ON COLUMN bg.engagement_by_role.month IS 'First day of the calendar month, in UTC: date_trunc(''month'', occurred_at AT TIME ZONE ''UTC'')::date. Every month of the activities'' history, not only the 30 days of the scores.';
COMMENT ON COLUMN bg.engagement_by_role.activities IS 'Activities in the month of the current members with this role in the interest''s groups, each person counted once: of the types the active weighting model lists (those that make the engagement scores), or of every type when no model is active. Not capped per day, not weighted.';
COMMENT ON COLUMN bg.engagement_by_role.people IS 'Distinct current members with this role who had such an activity in the month.';

-- Members added per solution interest, role and month of their addition.
CREATE VIEW bg.role_acquisition WITH (security_barrier) AS
SELECT s.name AS solution_interest, r.name AS role,
       (pg_catalog.date_trunc('month', m.added_at AT TIME ZONE 'UTC'))::date AS month,
       pg_catalog.count(*) AS members_added
  FROM bg_internal.member m
  JOIN bg_internal.buying_group g ON g.id OPERATOR(pg_catalog.=) m.group_id
  JOIN bg_internal.solution_interest s ON s.id OPERATOR(pg_catalog.=) g.solution_interest_id
  JOIN bg_internal.template_role x ON x.template_id OPERATOR(pg_catalog.=) s.template_id
                                  AND x.role_id OPERATOR(pg_catalog.=) m.role_id
  JOIN bg_internal.role r ON r.id OPERATOR(pg_catalog.=) m.role_id
 WHERE ((SELECT bg_internal._sees_all('accounts'))
        OR bg_internal._visible('accounts', g.account_key))
   AND ((SELECT bg_internal._sees_all('people'))
        OR bg_internal._visible('people', m.person_key))
 GROUP BY s.name, x.priority, r.name, 3
 ORDER BY s.name, x.priority, 3;
COMMENT ON VIEW bg.role_acquisition IS 'Members added per solution interest, role and calendar month of their addition; members removed since count (an addition happened). Only the members whose account and person you may SELECT in the bound tables.';
COMMENT ON COLUMN bg.role_acquisition.solution_interest IS 'Solution interest.';
COMMENT ON COLUMN bg.role_acquisition.role IS 'The member''s role (as it is now).';
COMMENT ON COLUMN bg.role_acquisition.month IS 'First day of the calendar month of added_at, in UTC: date_trunc(''month'', added_at AT TIME ZONE ''UTC'')::date.';
COMMENT ON COLUMN bg.role_acquisition.members_added IS 'Members added in the month, removed ones included; a member removed and added again counts once, in the month of its last addition (bg.members.added_at).';

-- Groups per solution interest, measure and quarter of the 0..100 scale:
-- every interest, measure and band, 0 when empty.
CREATE VIEW bg.score_bands WITH (security_barrier) AS
SELECT s.name AS solution_interest, x.measure, b.band, b.low, b.high, coalesce(c.n, 0) AS buying_groups
  FROM bg_internal.solution_interest s
 CROSS JOIN (VALUES ('completeness'), ('engagement')) x(measure)
 CROSS JOIN (VALUES (1, 0, 25), (2, 25, 50), (3, 50, 75), (4, 75, 100)) b(band, low, high)
  LEFT JOIN (SELECT g.solution_interest_id, v.measure,
                    CASE WHEN v.value OPERATOR(pg_catalog.>=) 75 THEN 4
                         WHEN v.value OPERATOR(pg_catalog.>=) 50 THEN 3
                         WHEN v.value OPERATOR(pg_catalog.>=) 25 THEN 2
                         ELSE 1 END AS band,
                    pg_catalog.count(*) AS n
               FROM bg_internal.buying_group g
              CROSS JOIN LATERAL (VALUES ('completeness', g.completeness),
                                         ('engagement', g.engagement_score)) v(measure, value)
              WHERE v.value IS NOT NULL
                AND ((SELECT bg_internal._sees_all('accounts'))
                     OR bg_internal._visible('accounts', g.account_key))
              GROUP BY 1, 2, 3) c
         ON c.solution_interest_id OPERATOR(pg_catalog.=) s.id AND c.measure OPERATOR(pg_catalog.=) x.measure
        AND c.band OPERATOR(pg_catalog.=) b.band
 ORDER BY s.name, x.measure, b.band;
COMMENT ON VIEW bg.score_bands IS 'Buying groups per solution interest and band of their completeness or engagement score (the four bands of the reference dashboard); every band of every interest, 0 when empty. Only the groups of accounts you may SELECT in the bound accounts table.';
COMMENT ON COLUMN bg.score_bands.solution_interest IS 'Solution interest.';
COMMENT ON COLUMN bg.score_bands.measure IS 'completeness (bg.buying_groups.completeness, 0..100) or engagement (bg.buying_groups.engagement_score, 0..100).';
COMMENT ON COLUMN bg.score_bands.band IS '1 to 4: [0, 25), [25, 50), [50, 75), [75, 100]; band 4 includes 100.';
COMMENT ON COLUMN bg.score_bands.low IS 'Lowest score of the band (included), on the measure''s 0..100 scale.';
COMMENT ON COLUMN bg.score_bands.high IS 'Highest score of the band: excluded, but 100 (band 4) is included.';
COMMENT ON COLUMN bg.score_bands.buying_groups IS 'Groups whose score is in the band. Groups without the score are not counted: no completeness (no role is required), or no engagement score (not yet refreshed by bg.refresh_engagement).';
