-- The fixture of the untyped-parameter tests, in the first schema of the
-- search_path of a database with bg: bound people and accounts with integer
-- and bigint keys, a live template, a solution interest and an empty static
-- account list.  The tests add the accounts, create the groups and change
-- their members (test/drivers/run.sh through each driver,
-- sql/managed_untyped.sql through prepared statements).
CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (id bigint PRIMARY KEY, account_id integer NOT NULL REFERENCES account, job_title text);
INSERT INTO account VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech');
INSERT INTO person VALUES (11, 1, 'CISO'), (12, 1, 'Engineer'), (13, 1, 'Sales'), (21, 2, 'CISO'), (31, 3, 'Engineer');
SELECT bg.bind_accounts('account');
SELECT bg.bind_people('person');
SELECT bg.create_template('Drivers');
SELECT bg.add_role('Drivers', 'Decision Maker', $$job_title = 'CISO'$$);
SELECT bg.add_role('Drivers', 'Practitioner', $$job_title = 'Engineer'$$);
SELECT bg.publish_template('Drivers');
SELECT bg.create_solution_interest('Platform', 'Drivers');
SELECT bg.create_account_list('Static');
