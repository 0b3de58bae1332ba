-- Shipped roles templates (docs/design.md §12): on a Citus cluster the
-- coordinator writes each template a query names into the query itself, as
-- text, and the workers evaluate that text instead of reading bg's catalog.
-- Without Citus the text can be typed by hand: it evaluates exactly like the
-- template it was written from, and malformed text is refused (22P02).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_role_shipped;
SET search_path = regress_role_shipped, public;

-- try(query): the shared helper
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE person (id integer PRIMARY KEY, account_id integer, job_title text, seniority integer);
INSERT INTO person VALUES (1, 1, 'CISO', 7), (2, 1, 'Security Engineer', 3),
    (3, 2, 'Engineer', 2), (4, 2, 'VP Sales', 9), (5, 3, NULL, NULL);
SELECT bg.bind_people('person');
SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', $$seniority > 6$$);
SELECT bg.add_role('T', 'Practitioner', $$seniority < 4$$, members_required => 2);
SELECT bg.add_role('T', 'Champion', required => false);

-- the text the coordinator ships for T (priorities 1..3, required, members
-- required, condition; -1: no condition)
\set shipped ' bg-template/1 1:T3;14:Decision Maker1;1;1;13:seniority > 612:Practitioner2;1;2;13:seniority < 48:Champion3;0;1;-1:'
SELECT p.id, bg.role_for(:'shipped', p) IS NOT DISTINCT FROM bg.role_for('T', p) AS same_role
  FROM person p ORDER BY p.id;
SELECT e.* FROM person p, bg.explain_role(:'shipped', p) e WHERE p.id = 1 ORDER BY e.priority;
SELECT account_id, bg.role_counts(:'shipped', p), bg.completeness(:'shipped', p),
       bg.completeness('T', p) AS by_name, bg.missing_roles(:'shipped', p),
       bg.role_completeness(:'shipped', bg.role_for(:'shipped', p))
  FROM person p GROUP BY account_id ORDER BY account_id;
-- over all people (the state names the whole shipped template)
SELECT bg.completeness(:'shipped', p)
  FROM (SELECT * FROM person ORDER BY id) p;

-- malformed shipped templates: 22P02, naming what was expected
SELECT try($$SELECT bg.role_for(' bg-template/1 ', p) FROM person p LIMIT 1$$);
SELECT try($$SELECT bg.role_for(' bg-template/1 1:T', p) FROM person p LIMIT 1$$);
SELECT try($$SELECT bg.role_for(' bg-template/1 1:T1001;', p) FROM person p LIMIT 1$$);
SELECT try($$SELECT bg.role_for(' bg-template/1 1:T1;1:R1;1;0;-1:', p) FROM person p LIMIT 1$$);
SELECT try($$SELECT bg.role_for(' bg-template/1 1:T1;1:R1;2;1;-1:', p) FROM person p LIMIT 1$$);
SELECT try($$SELECT bg.role_for(' bg-template/1 1:T1;1:R1;1;1;99:x', p) FROM person p LIMIT 1$$);
SELECT try($$SELECT bg.role_for(' bg-template/1 1:T1;1:R99999999999;1;1;-1:', p) FROM person p LIMIT 1$$);
SELECT try($$SELECT bg.role_for(' bg-template/1 1:T0;extra', p) FROM person p LIMIT 1$$);
SELECT try($$SELECT bg.completeness(' bg-template/1 1:T1;1:R1;1;1;-1:', p) FROM person p$$);
-- a condition that does not parse: the parser's error
SELECT try($$SELECT bg.role_for(' bg-template/1 1:T1;1:R1;1;1;3:x =', p) FROM person p LIMIT 1$$) ~ '^42601' AS syntax_error;
-- a name with a leading space that is not a shipped template: no such template
SELECT try($$SELECT bg.role_for(' T', p) FROM person p LIMIT 1$$);

DROP SCHEMA regress_role_shipped CASCADE;
