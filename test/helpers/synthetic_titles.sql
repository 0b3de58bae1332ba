\set ECHO none
\o /dev/null
-- A synthetic labeled population with a known ground truth, for the role
-- model's quality bar (docs/design.md §10): n people (psql variable
-- synthetic_n) of 500 accounts, each with a true class (0..3: the roles
-- Decision Maker, Influencer, Practitioner, Champion; 4: no role) and a job
-- title built from that class's words in English, French or German, a
-- shared domain word and sometimes a region, in varied letter case.  The
-- label is the true class, except for 10 % of the people whose label is
-- drawn again uniformly among the five classes (so about 8 % of the labels
-- are wrong).  Deterministic: setseed.  Makes tables synthetic_person
-- (id, account_id, job_title, seniority, true_class, label_class) and
-- synthetic_labels (person_key, role).
SELECT setseed(0.42);
CREATE TABLE synthetic_words (cls integer, lang integer, words text[]);
INSERT INTO synthetic_words VALUES
    (0, 0, '{Chief,CISO,CIO,CTO,"Vice President",VP}'),
    (0, 1, '{Directeur,Directrice,"Directeur Général","Directrice Générale"}'),
    (0, 2, '{Leiter,Leiterin,Geschäftsführer,Vorstand}'),
    (1, 0, '{Architect,Principal,Advisor,Consultant}'),
    (1, 1, '{Architecte,Conseiller,Consultante,"Expert Référent"}'),
    (1, 2, '{Architekt,Berater,Beraterin,Referent}'),
    (2, 0, '{Engineer,Administrator,Analyst,Developer}'),
    (2, 1, '{Ingénieur,Administrateur,Analyste,Développeuse}'),
    (2, 2, '{Ingenieur,Entwickler,Systemtechniker,Administratorin}'),
    (3, 0, '{Evangelist,"Program Manager","Project Lead",Ambassador}'),
    (3, 1, '{"Chef de projet","Responsable programme",Ambassadrice}'),
    (3, 2, '{Projektleiter,Programmmanagerin,Botschafter}'),
    (4, 0, '{Assistant,Intern,"Sales Representative",Recruiter}'),
    (4, 1, '{Stagiaire,Assistante,Commercial,Recruteuse}'),
    (4, 2, '{Praktikant,Assistentin,Vertriebsmitarbeiter,Werkstudent}');
CREATE TABLE synthetic_domains (lang integer, words text[]);
INSERT INTO synthetic_domains VALUES
    (0, '{"of Security","IT Security",Infrastructure,Cloud,Operations,Network}'),
    (1, '{Sécurité,"des Systèmes d''Information",Infrastructure,Réseaux,Exploitation}'),
    (2, '{IT-Sicherheit,Informationssicherheit,Infrastruktur,Netzwerk,Betrieb}');
CREATE TABLE synthetic_draw AS
SELECT i AS id, floor(random() * 5)::integer AS cls, floor(random() * 3)::integer AS lang,
       random() AS r_word, random() AS r_domain, random() AS r_region, random() AS r_case,
       random() AS r_noise, floor(random() * 5)::integer AS noise_cls, floor(random() * 10)::integer AS seniority
  FROM generate_series(1, :synthetic_n) i;
CREATE TABLE synthetic_person AS
SELECT d.id, d.id % 500 + 1 AS account_id,
       CASE WHEN d.r_case < 0.1 THEN upper(t.title) WHEN d.r_case < 0.2 THEN lower(t.title) ELSE t.title END AS job_title,
       d.seniority, d.cls AS true_class,
       CASE WHEN d.r_noise < 0.1 THEN d.noise_cls ELSE d.cls END AS label_class
  FROM synthetic_draw d
  JOIN synthetic_words w ON w.cls = d.cls AND w.lang = d.lang
  JOIN synthetic_domains o ON o.lang = d.lang
 CROSS JOIN LATERAL (SELECT w.words[1 + floor(d.r_word * cardinality(w.words))::integer] || ' '
                            || o.words[1 + floor(d.r_domain * cardinality(o.words))::integer]
                            || CASE WHEN d.r_region < 0.3
                                    THEN ' ' || (ARRAY['EMEA', 'DACH', 'France', 'Global'])[1 + floor(d.r_region * 13.3)::integer]
                                    ELSE '' END AS title) t;
ALTER TABLE synthetic_person ADD PRIMARY KEY (id);
CREATE TABLE synthetic_labels AS
SELECT p.id AS person_key,
       (ARRAY['Decision Maker', 'Influencer', 'Practitioner', 'Champion'])[p.label_class + 1] AS role
  FROM synthetic_person p;
DROP TABLE synthetic_draw, synthetic_words, synthetic_domains;
\o
\set ECHO all
