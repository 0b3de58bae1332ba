-- Deterministic benchmark data: :accounts accounts and :people people with
-- realistic job titles (hundreds of distinct titles: seniority x function x
-- noun, plus fixed C-level and non-ASCII titles, NULLs, blanks and padding).
-- Every choice is a hash of the row number, so two runs build the same data.
\set ON_ERROR_STOP 1
DROP TABLE IF EXISTS people, accounts;
CREATE TABLE accounts (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO accounts SELECT g, 'Account ' || g FROM generate_series(1, :accounts) g;

CREATE TEMP TABLE title_parts AS
SELECT ARRAY['', '', '', 'Senior ', 'Sr. ', 'Junior ', 'Lead ', 'Principal ', 'Associate ', 'Staff ',
             'Head of ', 'Director of ', 'VP of ', 'Vice President, ', 'Chief ', 'Assistant ', 'Deputy ',
             'Global ', 'Regional ', 'EVP ', 'Managing Director, '] AS prefix,
       ARRAY['Information Security', 'IT', 'Security Operations', 'Cloud Infrastructure', 'Network',
             'Data Protection', 'Risk', 'Compliance', 'Procurement', 'Finance', 'Engineering',
             'Software', 'DevOps', 'Platform', 'Identity and Access', 'Marketing', 'Sales',
             'Human Resources', 'Legal', 'Operations', 'Customer Success', 'Product', 'Data',
             'Applications', 'Infrastructure'] AS area,
       ARRAY['', ' Engineer', ' Analyst', ' Manager', ' Architect', ' Administrator', ' Specialist',
             ' Developer', ' Officer', ' Consultant', ' Coordinator', ' Lead', ' Director',
             ' Counsel', ' Auditor', ' Technician'] AS noun,
       ARRAY['CEO', 'CFO', 'CIO', 'CTO', 'CISO', 'COO', 'President', 'Founder & CEO',
             'Directeur des Systèmes d''Information', 'Directrice Sécurité', 'Responsable Sécurité',
             'Ingénieur Réseau', 'Ingénieure Cloud', 'Président-Directeur Général', 'Analyste SOC',
             'Geschäftsführer', 'Leiter IT-Sicherheit', 'Leiterin Einkauf', 'Informationssicherheitsbeauftragter',
             'Softwareentwickler', 'Systemadministratorin', 'Директор по информационной безопасности',
             'Инженер по безопасности', 'Менеджер по закупкам', 'Διευθυντής Πληροφορικής',
             'Μηχανικός Λογισμικού', 'Jefe de Seguridad', 'Ingeniero de Redes'] AS fixed,
       ARRAY['Security', 'IT', 'Engineering', 'Finance', 'Marketing', 'Sales', 'Operations', 'Legal',
             'HR', 'Procurement', NULL] AS department;

CREATE TABLE people (
    id            integer PRIMARY KEY,
    account_id    integer NOT NULL,
    full_name     text NOT NULL,
    job_title     text,
    department    text,
    seniority     integer,
    email_invalid boolean NOT NULL
);
INSERT INTO people
SELECT g,
       1 + (h1 % :accounts),
       'Person ' || g,
       CASE
           WHEN h2 % 100 < 3 THEN NULL
           WHEN h2 % 100 < 5 THEN '   '
           WHEN h2 % 100 < 15 THEN fixed[1 + h3 % array_length(fixed, 1)]
           ELSE CASE WHEN h2 % 7 = 0 THEN '  ' ELSE '' END
                || CASE WHEN h2 % 11 = 0 THEN upper(t) WHEN h2 % 13 = 0 THEN lower(t) ELSE t END
       END,
       department[1 + h4 % array_length(department, 1)],
       CASE WHEN h4 % 50 = 0 THEN NULL ELSE 1 + h3 % 7 END,
       h1 % 40 = 0
  FROM generate_series(1, :people) g,
       LATERAL (SELECT abs(hashint4(g)) AS h1, abs(hashint4(g + 7919)) AS h2,
                       abs(hashint4(g + 104729)) AS h3, abs(hashint4(g + 1299709)) AS h4) h,
       title_parts,
       LATERAL (SELECT btrim(prefix[1 + h3 % array_length(prefix, 1)]
                       || area[1 + (h3 / 31) % array_length(area, 1)]
                       || noun[1 + (h3 / 1009) % array_length(noun, 1)]) AS t) tt;
CREATE INDEX ON people (account_id);
VACUUM ANALYZE accounts;
VACUUM ANALYZE people;
SELECT count(*) AS people, count(DISTINCT account_id) AS accounts,
       count(DISTINCT job_title) AS distinct_titles,
       round(100.0 * count(*) FILTER (WHERE job_title ~ '[^[:ascii:]]') / count(*), 1) AS pct_non_ascii
  FROM people;
