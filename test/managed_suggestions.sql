-- Suggestions (docs/design.md §10): suggest_members, accept_suggestions,
-- dismiss_suggestions and the view bg.suggestions with people and account
-- keys of type integer, bigint, text and uuid (keys, rows, array literals);
-- stored scores after each decision.
BEGIN;
SELECT plan(36);

SELECT bg.create_template('Suggested');
SELECT bg.add_role('Suggested', 'Decision Maker', 'job_title is ''CEO''');
SELECT bg.add_role('Suggested', 'Practitioner');
SELECT bg.publish_template('Suggested');

-- a: accounts A (with a group) and T (training people, no group); p: people
-- of A: a CEO (rule member), two heads and an engineer (suggested), an
-- assistant (no role); alt: the second head's key spelled otherwise
CREATE FUNCTION pg_temp.key_scenario(s text, typ text, a text[], p text[], alt text)
    RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
    ga bigint;
    jid bigint;
    n bigint;
BEGIN
    EXECUTE format('CREATE SCHEMA %I', s);
    EXECUTE format('CREATE TABLE %I.account (id %s PRIMARY KEY, name text)', s, typ);
    EXECUTE format('CREATE TABLE %I.person (id %s PRIMARY KEY, account_id %s, job_title text)', s, typ, typ);
    EXECUTE format('INSERT INTO %I.account VALUES (%L, ''Acme''), (%L, ''Training'')', s, a[1], a[2]);
    EXECUTE format('INSERT INTO %I.person VALUES (%L, %L, ''CEO''), (%L, %L, ''Head of Security''),
                    (%L, %L, ''Head of IT''), (%L, %L, ''Security Engineer''), (%L, %L, ''Assistant'')',
                   s, p[1], a[1], p[2], a[1], p[3], a[1], p[4], a[1], p[5], a[1]);
    -- training people: keys made from the row number, in the key type
    EXECUTE format('INSERT INTO %I.person SELECT (%s)::%s, %L,
                           (ARRAY[''Head of Sales'', ''Head of Ops'', ''Network Engineer'', ''Cloud Engineer'', ''Assistant'', ''Intern''])[1 + i %% 6]
                      FROM generate_series(1, 60) i', s,
                   CASE typ WHEN 'uuid' THEN 'format(''c0000000-0000-0000-0000-%s'', lpad(i::text, 12, ''0''))'
                            WHEN 'text' THEN '''t'' || i' ELSE '900 + i' END, typ, a[2]);
    EXECUTE format('CREATE TABLE %I.labels AS SELECT x.id AS person_key,
                           CASE WHEN x.job_title LIKE ''Head%%'' THEN ''Decision Maker''
                                WHEN x.job_title LIKE ''%%Engineer'' THEN ''Practitioner'' END AS role
                      FROM %I.person x WHERE x.account_id = %L', s, s, a[2]);
    PERFORM bg.bind_accounts(format('%I.account', s)::regclass);
    PERFORM bg.bind_people(format('%I.person', s)::regclass);
    PERFORM bg.create_solution_interest(s, 'Suggested');
    PERFORM bg.create_account_list(s);
    EXECUTE format('SELECT bg.add_accounts(%L, ARRAY[%L]::%s[])', s, a[1], typ);
    PERFORM bg.create_buying_groups(s, s);
    PERFORM bg.train_role_model(s, 'Suggested', format('%I.labels', s)::regclass);
    EXECUTE format('SELECT bg.buying_group_id(%L, %L::%s)', s, a[1], typ) INTO ga;

    jid := bg.suggest_members(s, s, 0.6);
    RETURN NEXT results_eq(format('SELECT kind, solution_interest, status, members_added FROM bg.jobs WHERE id = %s', jid),
        format('VALUES (''suggestions'', %L, ''done'', 3::bigint)', s), s || ': suggest_members records a job');
    RETURN NEXT results_eq(
        format('SELECT x.job_title, t.role, t.status FROM bg.suggestions t JOIN %I.person x ON x.id = t.person_key::%s
                 WHERE t.buying_group = %s ORDER BY x.job_title', s, typ, ga),
        $$VALUES ('Head of IT', 'Decision Maker', 'pending'), ('Head of Security', 'Decision Maker', 'pending'),
                 ('Security Engineer', 'Practitioner', 'pending')$$,
        s || ': the suggestions join back to their people by person_key; the rule member is not suggested');
    RETURN NEXT is(
        (SELECT array_agg(person_key ORDER BY person_key) FROM bg.suggestions WHERE buying_group = ga),
        (SELECT array_agg(k ORDER BY k) FROM unnest(p[2:4]) AS k),
        s || ': person keys are stored as canonical text');

    -- accept by row, dismiss by key spelled otherwise (text), accept the rest (NULL)
    EXECUTE format('SELECT bg.accept_suggestions(%s, ARRAY(SELECT x FROM %I.person x WHERE x.id = %L))', ga, s, p[2]) INTO n;
    RETURN NEXT is(n, 1::bigint, s || ': accept_suggestions takes rows');
    EXECUTE format('SELECT bg.dismiss_suggestions(%s, %L::text)', ga, '{' || alt || '}') INTO n;
    RETURN NEXT is(n, 1::bigint, s || ': dismiss_suggestions takes an array literal of keys');
    n := bg.accept_suggestions(ga);
    RETURN NEXT is(n, 1::bigint, s || ': accept_suggestions without people accepts the rest');
    RETURN NEXT results_eq(
        format('SELECT x.job_title, m.role, m.source FROM bg.members m JOIN %I.person x ON x.id = m.person_key::%s
                 WHERE m.buying_group = %s ORDER BY x.job_title', s, typ, ga),
        $$VALUES ('CEO', 'Decision Maker', 'rule'), ('Head of Security', 'Decision Maker', 'ai'),
                 ('Security Engineer', 'Practitioner', 'ai')$$,
        s || ': accepted people are members with source ai');
    RETURN NEXT results_eq(format('SELECT member_count, missing_roles FROM bg.buying_groups WHERE id = %s', ga),
        $$VALUES (3, '{}'::text[])$$, s || ': the stored scores count them');
    RETURN NEXT is_empty('SELECT * FROM tap.mismatched_groups()', s || ': stored scores equal the aggregates');
END $f$;

SELECT * FROM pg_temp.key_scenario('s_int', 'integer', ARRAY['1', '9'], ARRAY['11', '12', '13', '14', '15'], ' +13');
SELECT * FROM pg_temp.key_scenario('s_bigint', 'bigint', ARRAY['10000000001', '10000000009'],
                                   ARRAY['20000000011', '20000000012', '20000000013', '20000000014', '20000000015'],
                                   '020000000013');
SELECT * FROM pg_temp.key_scenario('s_text', 'text', ARRAY['acme', 'training'],
                                   ARRAY['alice', 'bob', 'carol', 'dave', 'erin'], 'carol');
SELECT * FROM pg_temp.key_scenario('s_uuid', 'uuid',
    ARRAY['a0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000009'],
    ARRAY['b0000000-0000-0000-0000-000000000011', 'b0000000-0000-0000-0000-000000000012',
          'b0000000-0000-0000-0000-000000000013', 'b0000000-0000-0000-0000-000000000014',
          'b0000000-0000-0000-0000-000000000015'],
    'B0000000000000000000000000000013');

SELECT * FROM finish();
ROLLBACK;
