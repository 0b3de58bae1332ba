-- No change of bg's tables on a Citus worker (docs/design.md §12): Citus
-- runs the shard queries it routes in backends it names "citus_internal
-- gpid=..."; there a statement trigger on each of bg's tables refuses any
-- change (0A000), whichever bg function makes it.  Without Citus, such a
-- backend is imitated by its application_name.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS bg CASCADE;
CREATE EXTENSION bg;
RESET client_min_messages;

CREATE SCHEMA regress_worker_writes;
SET search_path = regress_worker_writes, public;

-- try(query): the shared helper
\set try_query
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/helpers/regress.sql

CREATE TABLE person (id integer PRIMARY KEY, account_id integer, job_title text);
SELECT bg.bind_people('person');
SELECT bg.create_template('T');

-- every table of bg has the trigger
SELECT c.relname FROM pg_class c
 WHERE c.relnamespace = 'bg_internal'::regnamespace AND c.relkind = 'r'
   AND NOT EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'no_worker_writes')
 ORDER BY 1;

SET application_name = 'citus_internal gpid=10000000042';
SELECT try($$SELECT bg.create_template('U')$$);
SELECT try($$SELECT bg.add_role('T', 'Decision Maker', 'job_title = ''CISO''')$$);
SELECT try($$SELECT bg.create_account_list('L')$$);
-- reads still work
SELECT name FROM bg.templates ORDER BY name;
RESET application_name;
SELECT bg.add_role('T', 'Decision Maker', 'job_title = ''CISO''');
SELECT role FROM bg.template_roles WHERE template = 'T';

-- without Citus no table is Citus's
SELECT bg_internal._citus_table('person');

DROP SCHEMA regress_worker_writes CASCADE;
