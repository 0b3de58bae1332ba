-- Randomized equivalence: bg.role_for over 12000 generated people against
-- the same roles template written by hand as a SQL CASE expression.  The
-- output is the count of people and the differences (expected: none).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_role_equivalence;
SET search_path = regress_role_equivalence, public;
\set SHOW_CONTEXT never

CREATE TABLE person (
    id          integer PRIMARY KEY,
    account_id  integer,
    job_title   text,
    department  varchar(40),
    seniority   integer,
    is_manager  boolean
);

-- Job titles: a seniority prefix and a function, in random case, with
-- random white space around them; also NULL and blank titles.
SELECT setseed(0.4242);
CREATE TEMP TABLE draw AS
SELECT g AS id,
       random() AS r_title, random() AS r_prefix, random() AS r_function,
       random() AS r_case, random() AS r_left, random() AS r_right,
       random() AS r_dept, random() AS r_seniority, random() AS r_manager
  FROM generate_series(1, 12000) AS g;

INSERT INTO person
SELECT d.id,
       d.id % 97,
       CASE
           WHEN d.r_title < 0.03 THEN NULL
           WHEN d.r_title < 0.05 THEN (ARRAY['', '   ', E'\t', U&'\00A0', E' \n '])[1 + floor(d.r_left * 5)::int]
           ELSE (ARRAY['', ' ', '  ', E'\t', E'\n', U&'\00A0'])[1 + floor(d.r_left * 6)::int]
             || CASE
                    WHEN d.r_case < 0.25 THEN upper(t.title)
                    WHEN d.r_case < 0.45 THEN lower(t.title)
                    WHEN d.r_case < 0.55 THEN initcap(t.title)
                    ELSE t.title
                END
             || (ARRAY['', ' ', '  ', E'\t', E'\r\n', U&'\00A0'])[1 + floor(d.r_right * 6)::int]
       END,
       (ARRAY['IT', ' it ', 'Security', 'Finance', '', '  ', NULL, 'Legal'])[1 + floor(d.r_dept * 8)::int],
       CASE WHEN d.r_seniority < 0.08 THEN NULL ELSE floor(d.r_seniority * 11)::int END,
       CASE WHEN d.r_manager < 0.4 THEN true WHEN d.r_manager < 0.8 THEN false END
  FROM draw d
  CROSS JOIN LATERAL (
      SELECT (ARRAY['', 'Senior ', 'Sr. ', 'VP of ', 'Head of ', 'Chief ', 'Director, ',
                    'Директор по ', 'Junior '])[1 + floor(d.r_prefix * 9)::int]
          || (ARRAY['Security', 'IT', 'Information Security', 'Engineering', 'Finance',
                    'Procurement', 'Legal', 'Sécurité', 'Informationssicherheit',
                    'Директор', 'Security Operations', 'Finance Director'])[1 + floor(d.r_function * 12)::int]
             AS title
  ) AS t;

SELECT count(*) AS people,
       count(*) FILTER (WHERE job_title IS NULL) AS null_titles,
       count(*) FILTER (WHERE job_title <> btrim(job_title)) > 1000 AS many_padded,
       count(DISTINCT job_title) > 1000 AS many_titles
  FROM person;

SELECT bg.bind_people('person');
SELECT bg.create_template('Equivalence');
SELECT bg.add_role('Equivalence', 'Executive Steering Committee',
    $c$job_title starts with any ('chief', 'vp of') or seniority >= 10$c$);
SELECT bg.add_role('Equivalence', 'Decision Maker',
    $c$job_title contains any ('director', 'head of', 'директор') and seniority >= 5$c$);
SELECT bg.add_role('Equivalence', 'Influencer',
    $c$job_title ends with any ('security', 'sécurité', 'informationssicherheit') and not is_manager$c$);
SELECT bg.add_role('Equivalence', 'Practitioner',
    $c$job_title in ('it', 'engineering', 'sr. engineering') or job_title matches '^(sr\.|senior) ' or department is 'IT'$c$);
SELECT bg.add_role('Equivalence', 'Champion',
    $c$job_title is empty and is_manager$c$);
SELECT bg.add_role('Equivalence', 'Other',
    $c$job_title not contains 'finance' and seniority between 2 and 4 and department is not empty$c$);
SELECT priority, role, condition FROM bg.template_roles WHERE template = 'Equivalence';

-- The hand translation: NULL text is '', the value is trimmed (the white
-- space used above) and lower-cased; a NULL number or boolean matches no
-- comparison.  lower() folds the letters used above as case folding does.
CREATE FUNCTION norm(t text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT lower(btrim(coalesce(t, ''), E' \t\n\r\f\u000b\u00a0'))
$$;

CREATE TEMP TABLE compared AS
SELECT p.id,
       bg.role_for('Equivalence', p) AS bg_role,
       CASE
           WHEN starts_with(norm(p.job_title), 'chief') OR starts_with(norm(p.job_title), 'vp of')
                OR coalesce(p.seniority >= 10, false)
               THEN 'Executive Steering Committee'
           WHEN (strpos(norm(p.job_title), 'director') > 0 OR strpos(norm(p.job_title), 'head of') > 0
                 OR strpos(norm(p.job_title), 'директор') > 0)
                AND coalesce(p.seniority >= 5, false)
               THEN 'Decision Maker'
           WHEN (right(norm(p.job_title), 8) = 'security' OR right(norm(p.job_title), 8) = 'sécurité'
                 OR right(norm(p.job_title), 22) = 'informationssicherheit')
                AND NOT coalesce(p.is_manager, false)
               THEN 'Influencer'
           WHEN norm(p.job_title) IN ('it', 'engineering', 'sr. engineering')
                OR btrim(coalesce(p.job_title, ''), E' \t\n\r\f\u000b\u00a0') ~* '^(sr\.|senior) '
                OR norm(p.department) = 'it'
               THEN 'Practitioner'
           WHEN norm(p.job_title) = '' AND coalesce(p.is_manager, false)
               THEN 'Champion'
           WHEN strpos(norm(p.job_title), 'finance') = 0
                AND coalesce(p.seniority BETWEEN 2 AND 4, false)
                AND norm(p.department) <> ''
               THEN 'Other'
       END AS sql_role
  FROM person p;

-- Every role is assigned to many people, and some get none.
SELECT coalesce(bg_role, '(none)') AS role, count(*) >= 100 AS at_least_100
  FROM compared GROUP BY bg_role ORDER BY role;

-- The result: 12000 people, no differences.
SELECT count(*) AS people,
       count(*) FILTER (WHERE bg_role IS DISTINCT FROM sql_role) AS differences
  FROM compared;
SELECT c.id, p.job_title, p.department, p.seniority, p.is_manager, c.bg_role, c.sql_role
  FROM compared c JOIN person p USING (id)
 WHERE c.bg_role IS DISTINCT FROM c.sql_role
 ORDER BY c.id
 LIMIT 20;

-- explain_role agrees with role_for.
SELECT count(*) AS people,
       count(*) FILTER (WHERE c.bg_role IS DISTINCT FROM
                        (SELECT e.role FROM bg.explain_role('Equivalence', p) e WHERE e.assigned))
       AS differences
  FROM compared c JOIN person p USING (id);

SELECT bg.drop_template('Equivalence');
SET client_min_messages = warning;
DROP SCHEMA regress_role_equivalence CASCADE;
RESET client_min_messages;
