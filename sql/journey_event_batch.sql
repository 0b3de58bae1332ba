-- The event batch of a transaction (src/event_batch.c, issue 12): opened
-- by the first event, kept for the rest of the transaction (the output is
-- that of the PL/pgSQL functions, which looked for it on every statement),
-- forgotten when a subtransaction that opened or found it rolls back, and
-- when it is closed (at commit, or by SET CONSTRAINTS ... IMMEDIATE); at
-- commit its delivery ids are drawn (ids past the end of bigint: 22003),
-- or it is deleted when every event of it was rolled back; the
-- commit-order trigger fired out of the ordinary is an error (39P01).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_event_batch;
SET search_path = regress_event_batch, public;

\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE person (id integer PRIMARY KEY, account_id integer NOT NULL, title text);
INSERT INTO account VALUES (1, 'Acme');
INSERT INTO person SELECT p, 1, 'Clerk' FROM generate_series(1, 30) p;
SELECT bg.bind_people('person');
SELECT bg.bind_accounts('account');
SELECT bg.create_template('T');
SELECT bg.add_role('T', 'Practitioner', NULL);
SELECT bg.publish_template('T');
SELECT bg.create_solution_interest('SI', 'T');
SELECT bg.create_account_list('L');
SELECT bg.add_accounts('L', ARRAY[1]);
SELECT bg.create_buying_groups('SI', 'L');
CREATE FUNCTION assign(person integer) RETURNS void LANGUAGE sql AS $$
    SELECT bg.assign_member(bg.buying_group_id('SI', 1), person, 'Practitioner')
$$;

-- the delivered events since the last call: kind, person, and the batch
-- (numbered in delivery order)
CREATE TABLE seen (last bigint);
INSERT INTO seen SELECT coalesce(max(id), 0) FROM bg.events;
CREATE FUNCTION delivered() RETURNS TABLE (kind text, person text, batch bigint)
LANGUAGE sql AS $$
    WITH e AS (SELECT * FROM bg.events WHERE id > (SELECT last FROM seen)),
    u AS (UPDATE seen SET last = coalesce((SELECT max(id) FROM e), last))
    SELECT e.kind, e.person_key, dense_rank() OVER (ORDER BY b.base)
      FROM e JOIN bg_internal.event_batch b ON b.last_id >= e.id AND b.base <= e.id
     ORDER BY e.id;
$$;
-- events whose batch is gone (never delivered) and batches left open
CREATE FUNCTION lost() RETURNS TABLE (events_without_batch bigint, open_batches bigint)
LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM bg_internal.event e
             WHERE NOT EXISTS (SELECT FROM bg_internal.event_batch b WHERE b.id = e.batch)),
           (SELECT count(*) FROM bg_internal.event_batch b WHERE b.base IS NULL);
$$;

-- one batch per transaction, however many statements write events
BEGIN;
SELECT assign(1);
SELECT assign(2);
SELECT bg_internal._event_batch() = bg_internal._event_batch() AS same_batch;
COMMIT;
SELECT * FROM delivered();

-- the batch opened in a savepoint that rolls back is gone: the next event
-- opens another
BEGIN;
SAVEPOINT a;
SELECT assign(3);
ROLLBACK TO a;
SELECT assign(4);
COMMIT;
SELECT * FROM delivered();
SELECT * FROM lost();

-- opened before the savepoint: still the batch after its rollback
BEGIN;
SELECT assign(5);
SAVEPOINT a;
SELECT assign(6);
ROLLBACK TO a;
SELECT assign(7);
COMMIT;
SELECT * FROM delivered();

-- opened in a released savepoint whose parent rolls back: gone
BEGIN;
SAVEPOINT s1;
SAVEPOINT s2;
SELECT assign(8);
RELEASE s2;
ROLLBACK TO s1;
SELECT assign(9);
COMMIT;
SELECT * FROM delivered();
SELECT * FROM lost();

-- found (not opened) in a savepoint that rolls back: found again
BEGIN;
SELECT assign(10);
SAVEPOINT a;
SELECT assign(11);
SAVEPOINT b;
SELECT assign(12);
ROLLBACK TO a;
SELECT assign(13);
COMMIT;
SELECT * FROM delivered();

-- an error inside a function's exception block (a subtransaction)
CREATE FUNCTION assign_then_fail(person integer) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        PERFORM assign(person);
        RAISE EXCEPTION 'undo';
    EXCEPTION WHEN OTHERS THEN
        RETURN 'undone';
    END;
END $$;
BEGIN;
SELECT assign_then_fail(14);
SELECT assign(15);
COMMIT;
SELECT * FROM delivered();
SELECT * FROM lost();

-- closed mid-transaction by SET CONSTRAINTS ALL IMMEDIATE: the next event
-- opens a second batch, delivered after the first
BEGIN;
SELECT assign(16);
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT assign(17);
SELECT assign(18);
COMMIT;
SELECT * FROM delivered();
SELECT * FROM lost();

-- constraints immediate from the start: the batch's commit trigger is made
-- deferred when the batch opens, so the batch stays open to the commit and
-- every event is delivered (it used to be closed by the end of its own
-- insert, before its first event was written, and the events were lost)
BEGIN;
SET CONSTRAINTS ALL IMMEDIATE;
SELECT assign(20);
SELECT assign(21);
COMMIT;
SELECT * FROM delivered();
SELECT * FROM lost();

-- every event of the batch rolled back: the batch is deleted at commit
BEGIN;
SELECT bg_internal._event_batch() IS NOT NULL AS opened;
SAVEPOINT a;
SELECT assign(22);
ROLLBACK TO a;
COMMIT;
SELECT * FROM delivered();
SELECT * FROM lost();

-- delivery ids past the end of bigint: the commit fails (22003), as before
SELECT last_value AS id_seq FROM bg_internal.event_id_seq \gset
SELECT setval('bg_internal.event_id_seq', 9223372036854775806) IS NOT NULL AS near_the_end;
BEGIN;
SELECT assign(23);
SELECT assign(24);
\set VERBOSITY sqlstate
COMMIT;
\set VERBOSITY default
SELECT setval('bg_internal.event_id_seq', :id_seq) = :id_seq AS restored;
SELECT * FROM delivered();
SELECT * FROM lost();

-- the commit-order trigger called directly, or fired for a statement
SELECT try($$SELECT bg_internal._batch_committing()$$);
CREATE TABLE other (id bigint);
CREATE TRIGGER by_statement AFTER INSERT ON other FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._batch_committing();
SELECT try($$INSERT INTO other VALUES (1)$$);

SET client_min_messages = warning;
DROP SCHEMA regress_event_batch CASCADE;
