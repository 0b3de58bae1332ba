-- The planner hook passes only the columns a constant template reads, and
-- plans that depend on a template are re-planned when it changes.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;
LOAD 'bg';
CREATE SCHEMA regress_rewrite;
SET search_path = regress_rewrite, public;
CREATE TABLE person (id int PRIMARY KEY, account_id int, job_title text,
                     department text, seniority int, note text);
INSERT INTO person VALUES
    (1, 1, 'Director of IT', 'IT', 5, 'a'),
    (2, 1, 'Engineer', 'IT', 2, 'b'),
    (3, 2, 'Legal Counsel', 'Legal', 4, 'c'),
    (4, 2, NULL, NULL, NULL, NULL);
SELECT bg.bind_people('person');
SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', 'job_title starts with ''director''');
SELECT bg.add_role('T', 'Practitioner', 'job_title contains ''engineer'' and seniority < 3');

-- whole-row arguments become rows of the used columns
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, bg.role_for('T', p) FROM person p;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT account_id, bg.completeness('T', p), bg.missing_roles('T', p) FROM person p GROUP BY 1;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id, bg.completeness('T', p) OVER (PARTITION BY account_id) FROM person p;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT p.id, e.role FROM person p, bg.explain_role('T', p) e;

-- left alone: a template that is not a constant, an unknown template,
-- a row that is not a table's, a template reading a column the row lacks
CREATE TABLE chosen (t text);
INSERT INTO chosen VALUES ('T');
EXPLAIN (VERBOSE, COSTS OFF) SELECT bg.role_for(c.t, p) FROM person p, chosen c;
SELECT p.id, bg.role_for(c.t, p) FROM person p, chosen c ORDER BY p.id;
EXPLAIN (VERBOSE, COSTS OFF) SELECT bg.role_for('nope', p) FROM person p;
EXPLAIN (VERBOSE, COSTS OFF) SELECT bg.role_for('T', s) FROM (SELECT * FROM person OFFSET 0) s;
CREATE TABLE other (id int, job_title text);
EXPLAIN (VERBOSE, COSTS OFF) SELECT bg.role_for('T', o) FROM other o;
\set VERBOSITY terse
SELECT bg.role_for('T', o) FROM (VALUES (1)) v, other o;
INSERT INTO other VALUES (1, 'x');
SELECT bg.role_for('T', o) FROM other o;
\set VERBOSITY default

-- DISTINCT people stay distinct: no rewrite under DISTINCT
INSERT INTO person VALUES (5, 1, 'Engineer', 'IT', 2, 'twin of 2');
EXPLAIN (VERBOSE, COSTS OFF)
SELECT bg.role_counts(DISTINCT 'T', p) FROM person p WHERE account_id = 1;
SELECT bg.role_counts(DISTINCT 'T', p), bg.role_counts('T', p)
  FROM person p WHERE account_id = 1;
DELETE FROM person WHERE id = 5;

-- results are the same as without the rewrite
SELECT id, bg.role_for('T', p) AS narrowed, bg.role_for('T', (SELECT p)) AS whole
  FROM person p ORDER BY id;

-- a prepared statement is re-planned when the template changes columns
PREPARE roles AS SELECT id, bg.role_for('T', p) FROM person p ORDER BY id;
EXECUTE roles;
SELECT bg.set_condition('T', 'Practitioner', 'department = ''legal'' or note = ''b''');
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE roles;
EXECUTE roles;
PREPARE scores AS SELECT account_id, bg.missing_roles('T', p) FROM person p GROUP BY 1 ORDER BY 1;
EXECUTE scores;
SELECT bg.set_condition('T', 'Decision Maker', 'seniority >= 4');
EXECUTE scores;
EXECUTE roles;
DEALLOCATE ALL;

-- a plpgsql function's cached plan follows the template too
CREATE FUNCTION roles_of() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN (SELECT string_agg(id || ':' || coalesce(bg.role_for('T', p), '-'), ' ' ORDER BY id)
              FROM person p);
END $$;
SELECT roles_of();
SELECT bg.set_condition('T', 'Decision Maker', 'job_title contains ''counsel''');
SELECT roles_of();

-- a template bound as a parameter (PREPARE, drivers, PL/pgSQL): a custom
-- plan narrows to the columns of the template it names, a generic plan to
-- the columns every template of the catalog reads together
PREPARE by_param(text) AS SELECT id, bg.role_for($1, p) FROM person p ORDER BY id;
SET plan_cache_mode = force_custom_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE by_param('T');
EXECUTE by_param('T');
SET plan_cache_mode = force_generic_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE by_param('T');
EXECUTE by_param('T');
-- another template reading another column: the generic plan follows it
SELECT bg.create_template('U');
SELECT bg.create_role('Noted');
SELECT bg.add_role('U', 'Noted', 'note = ''c'' or id = 4');
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE by_param('U');
EXECUTE by_param('U');
EXECUTE by_param('T');
-- aggregates, and strings bound as varchar (pgjdbc's default)
PREPARE agg_param(varchar) AS
SELECT account_id, bg.completeness($1, p), bg.missing_roles($1, p) FROM person p GROUP BY 1 ORDER BY 1;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE agg_param('T');
EXECUTE agg_param('T');
SET plan_cache_mode = force_custom_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE agg_param('U');
EXECUTE agg_param('U');
-- left alone: a generic plan over a table lacking a column some template
-- reads (other has no department), a NULL or unknown template as without
-- the hook
SET plan_cache_mode = force_generic_plan;
PREPARE other_param(text) AS SELECT bg.role_for($1, o) FROM other o;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE other_param('T');
SET plan_cache_mode = force_custom_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE by_param(NULL);
EXECUTE by_param(NULL);
\set VERBOSITY terse
EXECUTE by_param('nope');
\echo :LAST_ERROR_SQLSTATE
SET plan_cache_mode = force_generic_plan;
EXECUTE by_param('nope');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
RESET plan_cache_mode;
-- a PL/pgSQL variable: custom plans first, then its generic plan
CREATE FUNCTION roles_by(tname text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN (SELECT string_agg(id || ':' || coalesce(bg.role_for(tname, p), '-'), ' ' ORDER BY id)
              FROM person p);
END $$;
SELECT i, roles_by(CASE WHEN i % 2 = 0 THEN 'T' ELSE 'U' END) FROM generate_series(1, 8) i;
DEALLOCATE ALL;

-- a statement prepared before the library was loaded is planned again,
-- with the hook, once it is
\c
SET search_path = regress_rewrite, public;
PREPARE first_one AS SELECT id, bg.role_for('T', p) FROM person p ORDER BY id;
EXECUTE first_one;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE first_one;
DEALLOCATE first_one;

-- on the nullable side of an outer join a missing person stays NULL: an
-- account without people is an empty group, not a person of NULL fields,
-- which a condition on NULLs would give a role.  The scoring aggregates and
-- role_for get the row's ctid beside the columns (NULL: no person); a
-- function taking a narrowed row gets it guarded by a NOT NULL column
CREATE TABLE account (id int PRIMARY KEY, name text);
INSERT INTO account VALUES (1, 'a'), (2, 'b'), (3, 'no people');
SELECT bg.create_template('Nulls');
SELECT bg.add_role('Nulls', 'Decision Maker', 'job_title is empty');
SELECT bg.add_role('Nulls', 'Practitioner', 'seniority <> 3', required => false);
EXPLAIN (VERBOSE, COSTS OFF)
SELECT a.id, bg.role_counts('Nulls', p) FROM account a LEFT JOIN person p ON p.account_id = a.id GROUP BY a.id;
SELECT a.id, bg.role_counts('Nulls', p), bg.completeness('Nulls', p), count(p.id)
  FROM account a LEFT JOIN person p ON p.account_id = a.id GROUP BY a.id ORDER BY a.id;
SELECT a.id, p.id, bg.role_for('Nulls', p)
  FROM person p RIGHT JOIN account a ON p.account_id = a.id ORDER BY a.id, p.id;
SELECT a.id, bg.role_counts('Nulls', p)
  FROM account a FULL JOIN person p ON p.account_id = a.id GROUP BY a.id ORDER BY a.id;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT a.id, e.role FROM account a LEFT JOIN person p ON p.account_id = a.id, bg.explain_role('Nulls', p) e;
SELECT a.id, e.role FROM account a LEFT JOIN person p ON p.account_id = a.id, bg.explain_role('Nulls', p) e
 ORDER BY a.id, e.role;
-- a table without a NOT NULL column: the aggregates still get the ctid, a
-- function taking a row keeps the whole row there
CREATE TABLE loose (account_id int, job_title text, seniority int);
INSERT INTO loose VALUES (1, NULL, NULL);
EXPLAIN (VERBOSE, COSTS OFF)
SELECT a.id, bg.role_counts('Nulls', l) FROM account a LEFT JOIN loose l ON l.account_id = a.id GROUP BY a.id;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT a.id, e.role FROM account a LEFT JOIN loose l ON l.account_id = a.id, bg.explain_role('Nulls', l) e;
SELECT a.id, bg.role_counts('Nulls', l) FROM account a LEFT JOIN loose l ON l.account_id = a.id GROUP BY a.id ORDER BY a.id;
-- an inner join narrows as before
EXPLAIN (VERBOSE, COSTS OFF)
SELECT a.id, bg.role_counts('Nulls', p) FROM account a JOIN person p ON p.account_id = a.id GROUP BY a.id;

DROP SCHEMA regress_rewrite CASCADE;
