-- Cancellation (issue 10, findings 1 and 6): a statement cancelled or timed
-- out while bg works — compiling or running a MATCHES regular expression,
-- case-folding a long value — ends with 57014, never with another error, and
-- never hangs.  create_buying_groups does not record a cancel as a failed job:
-- it raises it.  Each timeout below stops work that takes seconds or more.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_robust_cancel;
SET search_path = regress_robust_cancel, public;

CREATE TABLE account (id integer PRIMARY KEY, name text);
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL, job_title text);
INSERT INTO account VALUES (1, 'Acme');
-- the regex below backtracks for far longer than any timeout here on this title
INSERT INTO person VALUES (1, 1, repeat('ab', 1000) || 'z');
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');

-- a catastrophic regex: valid, and fast to compile, but slow to run
\set slow_match '''^(.*)(.*)(.*)(.*)\\4\\3\\2\\1'''
-- a regex that takes a few hundred milliseconds to compile; 20 of them
\set slow_compile '''(\\w{1,100}\\s*){1,100}(\\w{1,100}\\s*){1,100}x{1,255}'''

SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Decision Maker', 'job_title matches ' || :'slow_match');
SELECT bg.publish_template('T');
SELECT bg.create_solution_interest('S', 'T');
SELECT bg.create_account_list('all');
SELECT bg.add_accounts('all', ARRAY[1]);

-- the SQLSTATE alone: the timeout's message is PostgreSQL's
\set VERBOSITY sqlstate
SET statement_timeout = '100ms';

-- running the regex: bg.matches, bg.role_for, an aggregate
SELECT bg.matches('job_title matches ' || :'slow_match', p) FROM person p;
SELECT bg.role_for('T', p) FROM person p;
SELECT bg.completeness('T', p) FROM person p GROUP BY account_id;

-- compiling regexes, when a condition is checked and when it is evaluated
SELECT bg.check_condition('job_title matches any (' ||
                          (SELECT string_agg(:'slow_compile', ', ') FROM generate_series(1, 20)) || ')');
SELECT bg.matches('job_title matches any (' ||
                  (SELECT string_agg(:'slow_compile', ', ') FROM generate_series(1, 20)) || ')', p)
FROM person p;

-- a creation job, even with record_failure, raises the cancel ...
SELECT bg.create_buying_groups('S', 'all', record_failure => true);
RESET statement_timeout;
\set VERBOSITY default
-- ... and records no failed job (nothing of the statement is kept)
SELECT count(*) AS jobs FROM bg.jobs;
-- while a real error of the run is still recorded as a failure
-- (past the DDL guard, as a restore would: the condition's column goes)
SET check_function_bodies = off;
ALTER TABLE person RENAME COLUMN job_title TO title;
RESET check_function_bodies;
SELECT bg.create_buying_groups('S', 'all', record_failure => true) > 0 AS job;
SELECT status, error_code FROM bg.jobs;
ALTER TABLE person RENAME COLUMN title TO job_title;

-- ---------------------------------------------------------------------------
-- Case folding of long values that grow when folded (finding 1): folded in
-- chunks, whatever the length, and interruptible between chunks
-- ---------------------------------------------------------------------------
-- U+FB03 (ﬃ, 3 bytes) folds to "ffi"
SELECT bg_internal._fold(repeat(U&'\FB03', 3000000)) = repeat('ffi', 3000000) AS folded_3m;
-- a chunk boundary (64 kB) inside a multi-byte character, and after ASCII
SELECT bg_internal._fold(repeat('A', 65535) || U&'\FB03\00DF' || repeat(U&'\03A3', 70000))
       = repeat('a', 65535) || 'ffiss' || repeat(U&'\03C3', 70000) AS folded_across_chunks;
-- evaluated on rows: such a value is read like any other
UPDATE person SET job_title = repeat(U&'\FB03', 1000000) || ' Chief';
SELECT bg.create_template('F');
SELECT bg.add_role('F', 'Decision Maker', 'job_title contains ''FFIFFI'' and job_title ends with ''chief''');
SELECT bg.role_for('F', p) FROM person p;

DROP SCHEMA regress_robust_cancel CASCADE;
