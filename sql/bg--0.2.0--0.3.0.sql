-- bg 0.2.0 -> 0.3.0: the source reorganized by feature (sql/bg/), with no
-- change of behaviour but these: bg.create_buying_groups raises its error
-- unless record_failure is true; error messages are fixed texts per call
-- site, with the message of a causing error in DETAIL; the SQL builders of
-- rule memberships are one function per statement shape; keys are stored as
-- the canonical text of their value (1.0 is 1) and key columns must be of a
-- type that has one; an event trigger guards the bound tables' columns.
\echo Use "ALTER EXTENSION bg UPDATE TO '0.3.0'" to load this file. \quit

-- bg's tables and internal functions move to schema bg_internal, on which
-- no role but the extension's owner has any privilege (docs/design.md §11);
-- their sequences, indexes, constraints and triggers go with them.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) 'bg_internal') THEN
        RAISE EXCEPTION 'schema bg_internal already exists'
            USING ERRCODE = 'duplicate_schema',
                  DETAIL = 'From 0.3.0 bg keeps its tables and internal functions in a schema of its own, which the update creates.',
                  HINT = 'Drop or rename schema bg_internal, then update again.';
    END IF;
END $$;
CREATE SCHEMA bg_internal;
COMMENT ON SCHEMA bg_internal IS 'bg''s tables and internal functions; granted to nobody. Use the functions and views of schema bg.';
ALTER TABLE bg.role SET SCHEMA bg_internal;
ALTER TABLE bg.template SET SCHEMA bg_internal;
ALTER TABLE bg.template_role SET SCHEMA bg_internal;
ALTER TABLE bg.binding SET SCHEMA bg_internal;
ALTER TABLE bg.account_list SET SCHEMA bg_internal;
ALTER TABLE bg.account_list_entry SET SCHEMA bg_internal;
ALTER TABLE bg.solution_interest SET SCHEMA bg_internal;
ALTER TABLE bg.job SET SCHEMA bg_internal;
ALTER TABLE bg.buying_group SET SCHEMA bg_internal;
ALTER TABLE bg.member SET SCHEMA bg_internal;
-- what was granted on bg's tables by hand goes: they are bg's own now
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT DISTINCT c.oid::regclass AS rel, e.grantee
               FROM pg_catalog.pg_class c CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) e
              WHERE c.relnamespace OPERATOR(pg_catalog.=) 'bg_internal'::regnamespace
                AND e.grantee OPERATOR(pg_catalog.<>) c.relowner LOOP
        IF r.grantee OPERATOR(pg_catalog.=) 0 THEN
            EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM PUBLIC', r.rel);
        ELSE
            EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM %s', r.rel, r.grantee::regrole);
        END IF;
    END LOOP;
END $$;
ALTER FUNCTION bg.role_tally_in(cstring) RENAME TO _role_tally_in;
ALTER FUNCTION bg.role_tally_out(bg.role_tally) RENAME TO _role_tally_out;
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
              WHERE p.pronamespace OPERATOR(pg_catalog.=) 'bg'::regnamespace AND p.proname LIKE '\_%' LOOP
        EXECUTE pg_catalog.format('ALTER ROUTINE %s SET SCHEMA bg_internal', f);
    END LOOP;
END $$;

-- bg_internal.binding records the types of the key columns (the DDL guard)
ALTER TABLE bg_internal.binding ADD COLUMN key_type regtype, ADD COLUMN account_type regtype, ADD COLUMN parent_type regtype;
UPDATE bg_internal.binding b
   SET key_type = (SELECT a.atttypid FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = b.relid AND a.attname = b.key_column AND NOT a.attisdropped),
       account_type = (SELECT a.atttypid FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = b.relid AND a.attname = b.account_column AND NOT a.attisdropped),
       parent_type = (SELECT a.atttypid FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = b.relid AND a.attname = b.parent_column AND NOT a.attisdropped);

-- bg_internal.binding records the optional columns the exchanges of
-- docs/design.md §9 read (bg.bind_people and bg.bind_accounts name them)
ALTER TABLE bg_internal.binding ADD COLUMN mappings jsonb NOT NULL DEFAULT '{}';

-- sql/bg/engagement.sql: activity bands, weighting models and their weights,
-- and the state types of the engagement aggregates (docs/design.md §7.1)
-- Values are unique at the end of each transaction, so that a restore may
-- bring back bands whose values the defaults had.
CREATE TABLE bg_internal.activity_band (
    name       text PRIMARY KEY CHECK (name OPERATOR(pg_catalog.<>) ''),
    value      integer NOT NULL CHECK (value BETWEEN 0 AND 100),
    is_default boolean NOT NULL DEFAULT false,
    UNIQUE (value) DEFERRABLE INITIALLY DEFERRED
);
COMMENT ON TABLE bg_internal.activity_band IS 'Activity bands (the weights of activity types); use the bg.activity_bands view.';
INSERT INTO bg_internal.activity_band (name, value, is_default) VALUES
    ('trivial', 20, true), ('minor', 40, true), ('normal', 60, true), ('important', 80, true), ('vital', 100, true);

CREATE TABLE bg_internal.weighting_model (
    id           integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (name OPERATOR(pg_catalog.<>) ''),
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'archived')),
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    activated_at timestamptz
);
-- one active model at most
CREATE UNIQUE INDEX weighting_model_active_key ON bg_internal.weighting_model ((true))
    WHERE status OPERATOR(pg_catalog.=) 'active';
COMMENT ON TABLE bg_internal.weighting_model IS 'Weighting models of activity types; use the bg.weighting_models view.';

CREATE TABLE bg_internal.activity_weight (
    model_id      integer NOT NULL REFERENCES bg_internal.weighting_model (id) ON DELETE CASCADE,
    activity_type text NOT NULL,
    band          text NOT NULL REFERENCES bg_internal.activity_band (name),
    PRIMARY KEY (model_id, activity_type)
);
CREATE INDEX activity_weight_band_idx ON bg_internal.activity_weight (band);
COMMENT ON TABLE bg_internal.activity_weight IS 'The band of each activity type that counts in a weighting model; use the bg.activity_weights view.';

-- The user's activities table (bg.bind_activities): at most one.
CREATE TABLE bg_internal.activity_binding (
    one           boolean PRIMARY KEY DEFAULT true CHECK (one),
    relid         regclass NOT NULL,
    person_column name NOT NULL,
    type_column   name NOT NULL,
    at_column     name NOT NULL,
    person_type   regtype NOT NULL,
    bound_at      timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE bg_internal.activity_binding IS 'The activities table bound with bg.bind_activities.';

-- sql/bg/tables.sql, sql/bg/engagement_scores.sql: stored engagement scores
ALTER TABLE bg_internal.buying_group ADD COLUMN engagement_raw double precision,
    ADD COLUMN engagement_score double precision, ADD COLUMN engagement_as_of timestamptz;
CREATE TABLE bg_internal.person_engagement (
    person_key text PRIMARY KEY,
    raw        double precision NOT NULL,
    score      double precision NOT NULL,
    as_of      timestamptz NOT NULL
) WITH (fillfactor = 50);
COMMENT ON TABLE bg_internal.person_engagement IS 'Engagement scores of the bound people, written by bg.refresh_engagement; use the bg.person_engagement view.';
-- sql/bg/tables.sql: bg_internal.job records engagement refreshes,
-- suggestions runs, enrichments and imports too (kind), with an
-- enrichment's counts and people table and an import's rejected rows
ALTER TABLE bg_internal.job ALTER COLUMN solution_interest DROP NOT NULL, ALTER COLUMN account_list DROP NOT NULL,
    ADD COLUMN kind text NOT NULL DEFAULT 'buying_groups'
        CONSTRAINT job_kind_check CHECK (kind IN ('buying_groups', 'engagement', 'suggestions', 'enrichment',
                                                  'import')),
    ADD COLUMN counts jsonb,
    ADD COLUMN people regclass,
    ADD COLUMN rows_rejected bigint NOT NULL DEFAULT 0,
    ADD CONSTRAINT job_target_check CHECK (CASE kind WHEN 'buying_groups' THEN solution_interest IS NOT NULL AND account_list IS NOT NULL
                                                     WHEN 'suggestions' THEN solution_interest IS NOT NULL AND account_list IS NULL
                                                     WHEN 'import' THEN solution_interest IS NOT NULL AND account_list IS NULL
                                                     ELSE solution_interest IS NULL AND account_list IS NULL END);
COMMENT ON TABLE bg_internal.job IS 'Runs of bg.create_buying_groups, bg.refresh_engagement, bg.suggest_members, bg.enrich_people and bg.import_members; use the bg.jobs view.';
-- sql/bg/tables.sql: the log of bg.enrich_people
CREATE TABLE bg_internal.enrichment_change (
    job_id      bigint NOT NULL,
    person_key  text NOT NULL,
    column_name name NOT NULL,
    old_value   text,
    new_value   text,
    inserted    boolean NOT NULL DEFAULT false,
    undone      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (job_id, person_key, column_name)
);
COMMENT ON TABLE bg_internal.enrichment_change IS 'Values written by bg.enrich_people, for bg.undo_enrichment; use the bg.enrichment_changes view.';

-- sql/bg/tables.sql: the rows imports rejected
CREATE TABLE bg_internal.import_reject (
    job         bigint NOT NULL,
    line        bigint NOT NULL,
    reason      text NOT NULL,
    sqlstate    text NOT NULL,
    "row"       jsonb NOT NULL,
    account_key text,
    person_key  text
);
CREATE INDEX import_reject_job_idx ON bg_internal.import_reject (job, line);
COMMENT ON TABLE bg_internal.import_reject IS 'Rows of bg.import_members'' source tables that did not become members; use the bg.import_rejects view.';

-- The state of bg.engagement_raw: per weighted activity type, its weight and
-- its capped counts per UTC day of the window.
CREATE TYPE bg.activity_tally;
CREATE FUNCTION bg_internal._activity_tally_in(cstring) RETURNS bg.activity_tally
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_activity_tally_in';
COMMENT ON FUNCTION bg_internal._activity_tally_in(cstring) IS 'Internal: input function of bg.activity_tally.';
CREATE FUNCTION bg_internal._activity_tally_out(bg.activity_tally) RETURNS cstring
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_activity_tally_out';
COMMENT ON FUNCTION bg_internal._activity_tally_out(bg.activity_tally) IS 'Internal: output function of bg.activity_tally.';
CREATE TYPE bg.activity_tally (
    INPUT = bg_internal._activity_tally_in, OUTPUT = bg_internal._activity_tally_out,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = plain);
COMMENT ON TYPE bg.activity_tally IS
    'State of bg.engagement_raw: {"as_of": time, "types": [{"type": name, "weight": 0..100, "days": [31 capped counts, as_of''s UTC day first]}]}.';

-- The state of bg.group_engagement_raw: per template role, its members and
-- the sum of their raw scores.
CREATE TYPE bg.group_engagement_tally;
CREATE FUNCTION bg_internal._group_engagement_tally_in(cstring) RETURNS bg.group_engagement_tally
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_group_tally_in';
COMMENT ON FUNCTION bg_internal._group_engagement_tally_in(cstring) IS 'Internal: input function of bg.group_engagement_tally.';
CREATE FUNCTION bg_internal._group_engagement_tally_out(bg.group_engagement_tally) RETURNS cstring
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_group_tally_out';
COMMENT ON FUNCTION bg_internal._group_engagement_tally_out(bg.group_engagement_tally) IS 'Internal: output function of bg.group_engagement_tally.';
CREATE TYPE bg.group_engagement_tally (
    INPUT = bg_internal._group_engagement_tally_in, OUTPUT = bg_internal._group_engagement_tally_out,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = plain);
COMMENT ON TYPE bg.group_engagement_tally IS
    'State of bg.group_engagement_raw: {"template": name, "members": [per role], "raw": [sum of raw scores per role], "has_null": boolean}.';

-- sql/bg/tables.sql, sql/bg/stages.sql: stage models, their stages and
-- transitions, the stage history, a solution interest's stage model and a
-- group's stage and status (docs/design.md §7.2)
ALTER TABLE bg_internal.buying_group ADD COLUMN stage_id integer, ADD COLUMN stage_entered_at timestamptz,
    ADD COLUMN status text CHECK (pg_catalog.char_length(status) OPERATOR(pg_catalog.<=) 50);
-- sql/bg/tables.sql: a group's rule summary, beside its scores (docs/design.md
-- §13.3); filled after the functions, by bg_internal._rule_members
ALTER TABLE bg_internal.buying_group ADD COLUMN rule_members bytea;
CREATE TABLE bg_internal.stage_model (
    id           integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (name OPERATOR(pg_catalog.<>) ''),
    description  text,
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'live')),
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    published_at timestamptz
);
COMMENT ON TABLE bg_internal.stage_model IS 'Stage models of account journeys; use the bg.stage_models view and the stage model functions.';

CREATE TABLE bg_internal.stage (
    id          integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    model_id    integer NOT NULL REFERENCES bg_internal.stage_model (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (name OPERATOR(pg_catalog.<>) ''),
    description text,
    position    integer NOT NULL CHECK (position OPERATOR(pg_catalog.>=) 1),
    entry       boolean NOT NULL DEFAULT false,
    outcome     text CHECK (outcome IN ('success', 'failure')),
    UNIQUE (model_id, name),
    UNIQUE (model_id, position)
);
COMMENT ON TABLE bg_internal.stage IS 'The stages of each stage model; use the bg.stages view.';

-- Both stages belong to one model (bg.allow_transition checks it).
CREATE TABLE bg_internal.stage_transition (
    from_stage_id integer NOT NULL REFERENCES bg_internal.stage (id) ON DELETE CASCADE,
    to_stage_id   integer NOT NULL REFERENCES bg_internal.stage (id) ON DELETE CASCADE,
    PRIMARY KEY (from_stage_id, to_stage_id),
    CHECK (from_stage_id OPERATOR(pg_catalog.<>) to_stage_id)
);
CREATE INDEX stage_transition_to_idx ON bg_internal.stage_transition (to_stage_id);
COMMENT ON TABLE bg_internal.stage_transition IS 'The moves allowed between the stages of a stage model; allowed_to of the bg.stages view.';

-- The stage history: one row per change of a group's stage.  Stage names,
-- not ids: the history outlives a model that is dropped once no solution
-- interest uses it.  No foreign key to the group (a check per row of a
-- creation job); rows go with their group (bg_internal._groups_deleted).
CREATE TABLE bg_internal.stage_move (
    id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    group_id   bigint NOT NULL,
    from_stage text,
    to_stage   text,
    moved_at   timestamptz NOT NULL,
    source     text NOT NULL CHECK (source IN ('created', 'manual', 'set_stage_model'))
);
CREATE INDEX stage_move_group_idx ON bg_internal.stage_move (group_id, id);
COMMENT ON TABLE bg_internal.stage_move IS 'Stage history of the buying groups; use the bg.stage_history view.';

-- The stage model of a solution interest (a live one), NULL for none.
ALTER TABLE bg_internal.solution_interest ADD COLUMN stage_model_id integer REFERENCES bg_internal.stage_model (id);
CREATE INDEX solution_interest_stage_model_idx ON bg_internal.solution_interest (stage_model_id);

-- sql/bg/role_models.sql: role models (docs/design.md §10) and the type of a prediction
CREATE TABLE bg_internal.role_model (
    id              integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name            text NOT NULL UNIQUE CHECK (name OPERATOR(pg_catalog.<>) ''),
    template_id     integer NOT NULL REFERENCES bg_internal.template (id) ON DELETE CASCADE,
    trained_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    title_column    name NOT NULL,
    features        text[] NOT NULL,
    feature_kinds   text NOT NULL,      -- one letter per feature: t text, b boolean, n number
    class_roles     integer[] NOT NULL,
    class_docs      integer[] NOT NULL,
    class_tokens    bigint[] NOT NULL,
    vocabulary      text[] NOT NULL,
    counts          integer[] NOT NULL,
    labels          integer NOT NULL,
    classes         integer NOT NULL,
    vocabulary_size integer NOT NULL,
    label_keys      text[] NOT NULL,
    label_classes   integer[] NOT NULL,
    cv_accuracy     double precision
);
CREATE INDEX role_model_template_idx ON bg_internal.role_model (template_id);
COMMENT ON TABLE bg_internal.role_model IS 'Trained role models; use the bg.role_models view and the role model functions.';
CREATE TYPE bg.prediction AS (role text, confidence double precision);
COMMENT ON TYPE bg.prediction IS 'A predicted role (NULL: no role) and its confidence, the posterior probability of that class.';

-- sql/bg/suggestions.sql: suggested members (docs/design.md §10)
CREATE TABLE bg_internal.suggestion (
    group_id     bigint NOT NULL,
    person_key   text NOT NULL,
    role_id      integer NOT NULL,
    confidence   double precision NOT NULL
                 CHECK (confidence OPERATOR(pg_catalog.>=) 0 AND confidence OPERATOR(pg_catalog.<=) 1),
    suggested_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'dismissed')),
    decided_at   timestamptz,
    CHECK ((status OPERATOR(pg_catalog.=) 'pending') OPERATOR(pg_catalog.=) (decided_at IS NULL)),
    PRIMARY KEY (group_id, person_key)
);
COMMENT ON TABLE bg_internal.suggestion IS 'Suggested members of buying groups (pending, accepted or dismissed); use the bg.suggestions view.';


-- sql/bg/tables.sql: -- The event outbox (docs/design.md §7.3).  Writers insert events into an
-- open batch of their transaction (bg_internal._event_batch); at commit a
-- deferred trigger gives each batch, under a lock, the next range of
-- delivery ids, so ids follow commit order.  An event's id is
-- base + (seq - first_seq) of its batch; ids may have gaps.
CREATE TABLE bg_internal.event_batch (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    xid          xid8 NOT NULL,
    base         bigint,           -- the first delivery id; NULL until commit
    first_seq    bigint,
    last_id      bigint,
    events       integer,
    committed_at timestamptz,
    CHECK ((base IS NULL) OPERATOR(pg_catalog.=) (last_id IS NULL))
);
-- one open batch per transaction; committed ones in delivery order
CREATE UNIQUE INDEX event_batch_open_key ON bg_internal.event_batch (xid) WHERE base IS NULL;
CREATE UNIQUE INDEX event_batch_last_id_key ON bg_internal.event_batch (last_id);
COMMENT ON TABLE bg_internal.event_batch IS 'The events of one transaction, with their delivery ids once it commits; use bg.events.';

CREATE TABLE bg_internal.event (
    batch             bigint NOT NULL,
    seq               bigint GENERATED BY DEFAULT AS IDENTITY,
    kind              text NOT NULL CHECK (kind IN ('group_created', 'group_deleted', 'member_assigned', 'member_removed',
                                                    'role_changed', 'completeness_changed', 'stage_changed',
                                                    'status_changed', 'engagement_changed')),
    group_id          bigint NOT NULL,
    solution_interest text NOT NULL,
    account_key       text NOT NULL,
    person_key        text,
    old_value         jsonb,
    new_value         jsonb,
    source            text NOT NULL CHECK (source IN ('rule', 'manual', 'import', 'ai', 'sync', 'live', 'job')),
    created_at        timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    PRIMARY KEY (batch, seq)
);
COMMENT ON TABLE bg_internal.event IS 'The event outbox; use bg.events and bg.read_events.';

CREATE SEQUENCE bg_internal.event_id_seq;
COMMENT ON SEQUENCE bg_internal.event_id_seq IS 'Delivery ids of events, drawn in commit order.';

CREATE TABLE bg_internal.event_consumer (
    name          text PRIMARY KEY CHECK (name OPERATOR(pg_catalog.<>) ''),
    acknowledged  bigint NOT NULL DEFAULT 0,
    read_up_to    bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    acked_at      timestamptz
);
COMMENT ON TABLE bg_internal.event_consumer IS 'Consumers of events and how far each acknowledged; use bg.consumers.';

-- Held (EXCLUSIVE) by a committing writer of events from drawing its ids
-- to its commit; its one row: since when history is held (NULL: since
-- install).
CREATE TABLE bg_internal.event_clock (
    held_from timestamptz
);
COMMENT ON TABLE bg_internal.event_clock IS 'Internal: the commit-order lock of events and since when the history is held.';
-- (history before this update is not held: see bg.buying_groups_at)
INSERT INTO bg_internal.event_clock (held_from) VALUES (pg_catalog.now());

-- sql/bg/event_delivery.sql: the type bg.read_events returns
CREATE TYPE bg.event AS (
    id                bigint,
    kind              text,
    buying_group      bigint,
    solution_interest text,
    account_key       text,
    person_key        text,
    old_value         jsonb,
    new_value         jsonb,
    source            text,
    created_at        timestamptz,
    committed_at      timestamptz
);
COMMENT ON TYPE bg.event IS 'An event of the outbox, as bg.read_events returns it (the columns of bg.events).';


-- >>> functions: generated by scripts/update_functions.py; edit sql/bg/, not this part
DROP FUNCTION bg.bind_accounts(regclass, name, name, name),
              bg.bind_people(regclass, name, name),
              bg.create_buying_groups(text, text),
              bg_internal._account_tree(text),
              bg_internal._check_cycles(bg_internal.solution_interest, text, text[]),
              bg_internal._custom_role_id(text, text),
              bg_internal._desired_sql(bg_internal.solution_interest, text),
              bg_internal._key(anyelement, text, text),
              bg_internal._keys(anyarray, text, text),
              bg_internal._require_column(regclass, name, text),
              bg_internal._require_text(text, text),
              bg_internal._reraise(text, text, text, text),
              bg_internal._role_case(integer, text, boolean),
              bg_internal._walk_sql(bg_internal.solution_interest, text);

-- sql/bg/conditions.sql
CREATE FUNCTION bg.role_for(template text, columns text[], VARIADIC "values" "any")
    RETURNS text
    LANGUAGE c STABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'bg_role_for_columns';
COMMENT ON FUNCTION bg.role_for(text, text[], "any") IS
    'bg.role_for over a person given as column values: columns names the values that follow, in order; a NULL name marks a value that is NULL exactly when there is no person (NULL result). The planner hook calls it in place of bg.role_for(template, p) with the columns the template reads.';

CREATE FUNCTION bg_internal._condition_literals(condition text, col text) RETURNS text[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_condition_literals';
COMMENT ON FUNCTION bg_internal._condition_literals(text, text) IS 'Internal: the literal values a condition looks for in a column.';

-- sql/bg/citus.sql
CREATE FUNCTION bg_internal._citus_table(rel regclass) RETURNS boolean
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_citus_table_sql';
COMMENT ON FUNCTION bg_internal._citus_table(regclass) IS 'Internal: whether Citus manages the table (distributed, reference or Citus local).';

CREATE FUNCTION bg_internal._refuse_on_worker() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bg_refuse_on_worker';
COMMENT ON FUNCTION bg_internal._refuse_on_worker() IS 'Internal: refuses changes of bg''s tables in a statement Citus runs on a worker.';

-- sql/bg/aggregates.sql
CREATE OR REPLACE FUNCTION bg_internal._role_tally_in(cstring) RETURNS bg.role_tally
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_tally_in';
COMMENT ON FUNCTION bg_internal._role_tally_in(cstring) IS 'Internal: input function of bg.role_tally.';

CREATE OR REPLACE FUNCTION bg_internal._role_tally_out(bg.role_tally) RETURNS cstring
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_tally_out';
COMMENT ON FUNCTION bg_internal._role_tally_out(bg.role_tally) IS 'Internal: output function of bg.role_tally.';

CREATE FUNCTION bg_internal._tally_columns(bg.role_tally, text, text[], VARIADIC "any") RETURNS bg.role_tally
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_tally_columns_trans';
COMMENT ON FUNCTION bg_internal._tally_columns(bg.role_tally, text, text[], "any") IS 'Internal: transition of the scoring aggregates over people given as column values.';

CREATE FUNCTION bg_internal._packed_columns(bigint, text, text[], VARIADIC "any") RETURNS bigint
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_columns_trans';
COMMENT ON FUNCTION bg_internal._packed_columns(bigint, text, text[], "any") IS 'Internal: transition of the packed scoring aggregates over people given as column values.';

CREATE FUNCTION bg_internal._packed_combine(bigint, bigint) RETURNS bigint
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_combine';
COMMENT ON FUNCTION bg_internal._packed_combine(bigint, bigint) IS 'Internal: combines two partial packed tallies.';

CREATE FUNCTION bg_internal._packed_completeness(bigint) RETURNS double precision
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_completeness';
COMMENT ON FUNCTION bg_internal._packed_completeness(bigint) IS 'Internal: final function of bg.packed_completeness.';

CREATE FUNCTION bg_internal._packed_role_completeness(bigint) RETURNS jsonb
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_role_completeness';
COMMENT ON FUNCTION bg_internal._packed_role_completeness(bigint) IS 'Internal: final function of bg.packed_role_completeness.';

CREATE FUNCTION bg_internal._packed_missing_roles(bigint) RETURNS text[]
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_missing_roles';
COMMENT ON FUNCTION bg_internal._packed_missing_roles(bigint) IS 'Internal: final function of bg.packed_missing_roles.';

CREATE FUNCTION bg.role_position(template text, person anyelement) RETURNS integer
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_role_position';
COMMENT ON FUNCTION bg.role_position(text, anyelement) IS
    'The position of a person''s role in a roles template (1 = first by priority), or NULL; what the planner hook calls on Citus.';

CREATE FUNCTION bg.role_name_position(template text, role text) RETURNS integer
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_role_name_position';
COMMENT ON FUNCTION bg.role_name_position(text, text) IS
    'The position of a role in a roles template (1 = first by priority); what the planner hook calls on Citus for the aggregates over assigned roles.';

CREATE FUNCTION bg.position_counts_add(counts bigint[], role_position integer) RETURNS bigint[]
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_position_counts_trans';
COMMENT ON FUNCTION bg.position_counts_add(bigint[], integer) IS
    'Transition of bg.position_counts: counts with one more person at role_position (NULL: none); what the planner hook calls on Citus.';

CREATE FUNCTION bg.position_counts_combine(a bigint[], b bigint[]) RETURNS bigint[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_position_counts_combine';
COMMENT ON FUNCTION bg.position_counts_combine(bigint[], bigint[]) IS
    'Combine function of bg.position_counts: the sum of two partial counts; what the planner hook calls on Citus.';

CREATE FUNCTION bg.counts_role_counts(template text, counts bigint[]) RETURNS jsonb
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_counts_role_counts';
COMMENT ON FUNCTION bg.counts_role_counts(text, bigint[]) IS
    'bg.role_counts from the people per role position (bg.position_counts); what the planner hook calls on Citus.';

CREATE FUNCTION bg.counts_completeness(template text, counts bigint[]) RETURNS double precision
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_counts_completeness';
COMMENT ON FUNCTION bg.counts_completeness(text, bigint[]) IS
    'bg.completeness from the people per role position (bg.position_counts); what the planner hook calls on Citus.';

CREATE FUNCTION bg.counts_role_completeness(template text, counts bigint[]) RETURNS jsonb
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_counts_role_completeness';
COMMENT ON FUNCTION bg.counts_role_completeness(text, bigint[]) IS
    'bg.role_completeness from the people per role position (bg.position_counts); what the planner hook calls on Citus.';

CREATE FUNCTION bg.counts_missing_roles(template text, counts bigint[]) RETURNS text[]
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_counts_missing_roles';
COMMENT ON FUNCTION bg.counts_missing_roles(text, bigint[]) IS
    'bg.missing_roles from the people per role position (bg.position_counts); what the planner hook calls on Citus.';

CREATE FUNCTION bg.packed_role_position(template text, person anyelement) RETURNS integer
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_role_position';
COMMENT ON FUNCTION bg.packed_role_position(text, anyelement) IS
    'The position of a person''s role in a roles template with the layout of its packed position counts, or NULL; what the planner hook calls on Citus.';

CREATE FUNCTION bg.packed_role_name_position(template text, role text) RETURNS integer
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_role_name_position';
COMMENT ON FUNCTION bg.packed_role_name_position(text, text) IS
    'The position of a role in a roles template with the layout of its packed position counts; what the planner hook calls on Citus for the aggregates over assigned roles.';

CREATE FUNCTION bg.packed_position_counts_add(counts bigint, packed_position integer) RETURNS bigint
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_positions_trans';
COMMENT ON FUNCTION bg.packed_position_counts_add(bigint, integer) IS
    'Transition of bg.packed_position_counts: counts with one more person at the packed position (NULL: none), up to the field''s cap; what the planner hook calls on Citus.';

CREATE FUNCTION bg.packed_position_counts_combine(a bigint, b bigint) RETURNS bigint
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_positions_combine';
COMMENT ON FUNCTION bg.packed_position_counts_combine(bigint, bigint) IS
    'Combine function of bg.packed_position_counts: the sum of two partial counts, each field up to its cap; what the planner hook calls on Citus.';

CREATE FUNCTION bg.packed_counts_completeness(template text, counts bigint) RETURNS double precision
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_counts_completeness';
COMMENT ON FUNCTION bg.packed_counts_completeness(text, bigint) IS
    'bg.completeness from packed position counts (bg.packed_position_counts); what the planner hook calls on Citus.';

CREATE FUNCTION bg.packed_counts_role_completeness(template text, counts bigint) RETURNS jsonb
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_counts_role_completeness';
COMMENT ON FUNCTION bg.packed_counts_role_completeness(text, bigint) IS
    'bg.role_completeness from packed position counts (bg.packed_position_counts); what the planner hook calls on Citus.';

CREATE FUNCTION bg.packed_counts_missing_roles(template text, counts bigint) RETURNS text[]
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_packed_counts_missing_roles';
COMMENT ON FUNCTION bg.packed_counts_missing_roles(text, bigint) IS
    'bg.missing_roles from packed position counts (bg.packed_position_counts); what the planner hook calls on Citus.';

-- sql/bg/helpers.sql
CREATE FUNCTION bg_internal._require_name(value text, null_message text, blank_message text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF value IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = null_message;
    END IF;
    value := regexp_replace(value, '^[[:space:]]+|[[:space:]]+$', '', 'g');
    IF value = '' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = blank_message;
    END IF;
    RETURN value;
END $$;
COMMENT ON FUNCTION bg_internal._require_name(text, text, text) IS 'Internal: a name without surrounding white space; errors when NULL or blank.';

CREATE FUNCTION bg_internal._require_age(older_than interval, hint text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF older_than IS NULL THEN
        RAISE EXCEPTION 'older_than must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF older_than < interval '0' THEN
        RAISE EXCEPTION 'older_than must not be negative' USING ERRCODE = 'invalid_parameter_value', HINT = hint;
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._require_age(interval, text) IS 'Internal: errors for a NULL or negative age of a purge.';

CREATE FUNCTION bg_internal._cause_detail(cause text, cause_detail text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT upper(left(cause, 1)) || substr(cause, 2)
           || CASE WHEN right(cause, 1) = '.' THEN '' ELSE '.' END
           || coalesce(' ' || nullif(cause_detail, ''), '');
$$;
COMMENT ON FUNCTION bg_internal._cause_detail(text, text) IS 'Internal: the DETAIL of an error caused by another one.';

CREATE FUNCTION bg_internal._raise_caused(message text, st text, cause text, cause_detail text, cause_hint text)
    RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF cause_hint IS NOT NULL AND cause_hint <> '' THEN
        RAISE EXCEPTION USING ERRCODE = st, MESSAGE = message, DETAIL = bg_internal._cause_detail(cause, cause_detail),
                              HINT = cause_hint;
    END IF;
    RAISE EXCEPTION USING ERRCODE = st, MESSAGE = message, DETAIL = bg_internal._cause_detail(cause, cause_detail);
END $$;
COMMENT ON FUNCTION bg_internal._raise_caused(text, text, text, text, text) IS 'Internal: raises an error caused by another one, with the cause in DETAIL.';

CREATE OR REPLACE FUNCTION bg_internal._bound(kind text) RETURNS bg_internal.binding
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg_internal.binding;
BEGIN
    SELECT * INTO b FROM bg_internal.binding x WHERE x.kind = $1;
    IF NOT FOUND AND $1 = 'people' THEN
        RAISE EXCEPTION 'no people table is bound'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Bind it with bg.bind_people(''schema.table'', key => ..., account => ...).';
    ELSIF NOT FOUND THEN
        RAISE EXCEPTION 'no accounts table is bound'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Bind it with bg.bind_accounts(''schema.table'', key => ..., name => ..., parent => ...).';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_class WHERE oid = b.relid) THEN
        RAISE EXCEPTION 'the bound % table (OID %) does not exist', b.kind, b.relid::oid
            USING ERRCODE = 'undefined_table', HINT = 'It was dropped; bind the new one.';
    END IF;
    RETURN b;
END $$;
COMMENT ON FUNCTION bg_internal._bound(text) IS 'Internal: the people or accounts binding; errors when unbound.';

CREATE FUNCTION bg_internal._column_type(rel regclass, col name) RETURNS regtype
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_column_type';
COMMENT ON FUNCTION bg_internal._column_type(regclass, name) IS 'Internal: the type of a column.';

CREATE FUNCTION bg_internal._base_type(typ regtype) RETURNS regtype
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_base_type';
COMMENT ON FUNCTION bg_internal._base_type(regtype) IS 'Internal: the base type of a domain, or the type itself.';

CREATE OR REPLACE FUNCTION bg_internal._coltype(rel regclass, col name) RETURNS text
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_coltype';
COMMENT ON FUNCTION bg_internal._coltype(regclass, name) IS 'Internal: the base type of a column (without domain or length limit), as SQL text.';

CREATE FUNCTION bg_internal._name_sql(col text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('CASE WHEN %1$s IS NOT NULL THEN pg_catalog.format(''%%s'', %1$s) END', col);
$$;
COMMENT ON FUNCTION bg_internal._name_sql(text) IS 'Internal: SQL of an account name as stored, from the name column.';

CREATE FUNCTION bg_internal._key_family(typ regtype) RETURNS text
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_key_family';
COMMENT ON FUNCTION bg_internal._key_family(regtype) IS 'Internal: the family of a type that can hold keys, or NULL.';

CREATE FUNCTION bg_internal._key_sql(rel regclass, col name, expr text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att pg_attribute;
    fam text;
BEGIN
    SELECT * INTO att FROM pg_attribute a WHERE a.attrelid = rel AND a.attname = col AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'bound column "%" does not exist in table %', col, rel
            USING ERRCODE = 'undefined_column', HINT = 'Bind the table again with its current columns.';
    END IF;
    fam := bg_internal._key_family(att.atttypid::regtype);
    IF fam IS NULL OR NOT coalesce((SELECT c.collisdeterministic FROM pg_collation c WHERE c.oid = att.attcollation),
                                   true) THEN
        RAISE EXCEPTION 'column "%" of % cannot hold keys', col, rel
            USING ERRCODE = 'datatype_mismatch',
                  DETAIL = format('Its type is %s%s.', format_type(att.atttypid, att.atttypmod),
                                  CASE WHEN fam IS NULL THEN ''
                                       ELSE ', with a nondeterministic collation' END),
                  HINT = 'Keys are smallint, integer, bigint, numeric, text, varchar, char or uuid (or a domain over one), with a deterministic collation: types whose equal values have one text.';
    END IF;
    IF fam = 'numeric' THEN
        RETURN format('pg_catalog.trim_scale(%s)::text', expr);
    END IF;
    RETURN format('(%s)::text', expr);
END $$;
COMMENT ON FUNCTION bg_internal._key_sql(regclass, name, text) IS 'Internal: SQL of the canonical text of a key column''s value; errors when the column cannot hold keys.';

CREATE FUNCTION bg_internal._keys(vals anyarray, kind text) RETURNS text[]
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg_internal.binding := bg_internal._bound(kind);
    keytype text := bg_internal._coltype(b.relid, b.key_column);
    elem oid := (SELECT typelem FROM pg_type WHERE oid = pg_typeof(vals));
    canon text := bg_internal._key_sql(b.relid, b.key_column, format('v::%s', keytype));
    src text;
    keys text[];
    nulls bigint;
    st text; msg text; det text; hnt text;
BEGIN
    IF vals IS NULL AND kind = 'people' THEN
        RAISE EXCEPTION 'people must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF vals IS NULL THEN
        RAISE EXCEPTION 'accounts must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF (SELECT t.typtype = 'c' OR t.oid = 'record'::regtype FROM pg_type t WHERE t.oid = elem) THEN
        src := format('SELECT array_agg(DISTINCT %1$s), count(*) FILTER (WHERE v IS NULL)
                         FROM (SELECT u.%2$I AS v FROM unnest($1) AS u) u', canon, b.key_column);
    ELSE
        src := format('SELECT array_agg(DISTINCT %s), count(*) FILTER (WHERE v IS NULL) FROM unnest($1) AS u(v)',
                      canon);
    END IF;
    BEGIN
        EXECUTE src INTO keys, nulls USING vals;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
        hnt := coalesce(nullif(hnt, ''), format('Give keys of type %s (column %I of %s), or rows of %s.',
                                                keytype, b.key_column, b.relid, b.relid));
        IF kind = 'people' THEN
            PERFORM bg_internal._raise_caused('invalid person key', st, msg, det, hnt);
        END IF;
        PERFORM bg_internal._raise_caused('invalid account key', st, msg, det, hnt);
    END;
    IF nulls > 0 AND kind = 'people' THEN
        RAISE EXCEPTION 'people must not contain nulls' USING ERRCODE = 'null_value_not_allowed';
    ELSIF nulls > 0 THEN
        RAISE EXCEPTION 'accounts must not contain nulls' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN coalesce(keys, '{}');
END $$;
COMMENT ON FUNCTION bg_internal._keys(anyarray, text) IS 'Internal: the distinct text forms of people or account keys (given as keys or rows).';

CREATE FUNCTION bg_internal._key(val anyelement, kind text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF val IS NULL AND kind = 'people' THEN
        RAISE EXCEPTION 'person must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF val IS NULL THEN
        RAISE EXCEPTION 'account must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN (bg_internal._keys(ARRAY[val], kind))[1];
END $$;
COMMENT ON FUNCTION bg_internal._key(anyelement, text) IS 'Internal: the text form of one people or account key.';

CREATE FUNCTION bg_internal._keys_text(literal text, kind text) RETURNS text[]
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg_internal.binding;
    st text; msg text; det text; hnt text;
BEGIN
    RETURN literal::text[];
EXCEPTION WHEN invalid_text_representation THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    b := bg_internal._bound(kind);
    hnt := format('Give an array of keys: an array literal such as ''{1,2}'', or a parameter cast to an array of the key type, as in $2::%s[].',
                  bg_internal._coltype(b.relid, b.key_column));
    IF kind = 'people' THEN
        PERFORM bg_internal._raise_caused('invalid person key', st, msg, det, hnt);
    END IF;
    PERFORM bg_internal._raise_caused('invalid account key', st, msg, det, hnt);
END $$;
COMMENT ON FUNCTION bg_internal._keys_text(text, text) IS 'Internal: the keys of an array literal (an untyped parameter); errors with a hint naming the cast.';

CREATE FUNCTION bg_internal._read(rel regclass, query text, keys text[] DEFAULT NULL, template text DEFAULT NULL,
                                  filter text DEFAULT NULL) RETURNS SETOF record
    LANGUAGE c STABLE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_read_as_owner';
COMMENT ON FUNCTION bg_internal._read(regclass, text, text[], text, text) IS 'Internal: rows of a query over a user''s table, read as the table''s owner (with roles or a filter evaluated on its rows).';

CREATE OR REPLACE FUNCTION bg_internal._require_keys(keys text[], kind text) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg_internal.binding := bg_internal._bound(kind);
    missing text;
BEGIN
    SELECT string_agg(x.k, ', ' ORDER BY x.k) INTO missing
      FROM bg_internal._read(b.relid,
                             -- an anti-join with the keys found, not a correlated
                             -- subquery: Citus runs it on a distributed table too
                             format('SELECT u.k FROM pg_catalog.unnest($1) AS u(k)
                                       LEFT JOIN (SELECT t.%2$I AS k FROM %1$s t WHERE t.%2$I = ANY ($1::%3$s[])) f
                                              ON f.k = u.k::%3$s
                                      WHERE f.k IS NULL ORDER BY u.k LIMIT 5',
                                    b.relid, b.key_column, bg_internal._coltype(b.relid, b.key_column)),
                             keys) AS x(k text);
    IF missing IS NOT NULL AND kind = 'people' THEN
        RAISE EXCEPTION 'person % not found in %', missing, b.relid
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Keys are looked up in column %I of %s.', b.key_column, b.relid);
    ELSIF missing IS NOT NULL THEN
        RAISE EXCEPTION 'account % not found in %', missing, b.relid
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Keys are looked up in column %I of %s.', b.key_column, b.relid);
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._require_keys(text[], text) IS 'Internal: errors when a key is not in the bound table.';

CREATE FUNCTION bg_internal._account_tree(si bg_internal.solution_interest) RETURNS bg_internal.binding
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg_internal.binding := bg_internal._bound('accounts');
BEGIN
    IF bg_internal._citus_table(a.relid) THEN
        RAISE EXCEPTION 'solution interest "%" counts subaccounts, but Citus manages the accounts table %',
                        si.name, a.relid
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Citus runs no recursive query over a distributed table, and the walk down the account hierarchy is one.',
                  HINT = 'Use a solution interest without include_subaccounts.';
    END IF;
    IF a.parent_column IS NULL THEN
        RAISE EXCEPTION 'solution interest "%" counts subaccounts, but the accounts are bound without a parent column',
                        si.name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Bind the accounts again with bg.bind_accounts(..., parent => ''parent column'').';
    END IF;
    RETURN a;
END $$;
COMMENT ON FUNCTION bg_internal._account_tree(bg_internal.solution_interest) IS 'Internal: the accounts binding of a solution interest with subaccounts; errors when it has no parent column or is a Citus table.';

CREATE FUNCTION bg_internal._plan_ready(key text) RETURNS boolean
    LANGUAGE c STRICT PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_plan_ready';
COMMENT ON FUNCTION bg_internal._plan_ready(text) IS 'Internal: whether a statement is kept planned under key for the current catalog.';

CREATE FUNCTION bg_internal._plan_set(key text, query text, argtypes regtype[]) RETURNS void
    LANGUAGE c STRICT PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_plan_set';
COMMENT ON FUNCTION bg_internal._plan_set(text, text, regtype[]) IS 'Internal: plans a statement and keeps it under key.';

CREATE FUNCTION bg_internal._plan_run(key text, VARIADIC args "any") RETURNS SETOF record
    LANGUAGE c PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_plan_run';
COMMENT ON FUNCTION bg_internal._plan_run(text, "any") IS 'Internal: runs the statement kept under key; its rows.';

CREATE FUNCTION bg_internal._memo(key text) RETURNS text
    LANGUAGE c STRICT PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_memo';
COMMENT ON FUNCTION bg_internal._memo(text) IS 'Internal: the text kept under key for the current catalog, or NULL.';

CREATE FUNCTION bg_internal._memo_set(key text, value text) RETURNS text
    LANGUAGE c STRICT PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_memo_set';
COMMENT ON FUNCTION bg_internal._memo_set(text, text) IS 'Internal: keeps a text under key until bg''s catalog changes; returns it.';

-- sql/bg/bindings.sql
CREATE FUNCTION bg_internal._require_column(rel regclass, col name, null_message text, named_as text) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cols text;
BEGIN
    IF col IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = null_message;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_attribute
                    WHERE attrelid = rel AND attname = col AND attnum > 0 AND NOT attisdropped) THEN
        SELECT string_agg(format('%I', attname), ', ' ORDER BY attnum) INTO cols
          FROM pg_attribute WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped;
        RAISE EXCEPTION 'column "%" does not exist in table %', col, rel
            USING ERRCODE = 'undefined_column',
                  DETAIL = named_as,
                  HINT = format('The columns of %s are: %s.', rel, cols);
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._require_column(regclass, name, text, text) IS 'Internal: errors when a table lacks a column.';

CREATE FUNCTION bg_internal._mappings(rel regclass, names text[], cols name[]) RETURNS jsonb
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m jsonb := '{}';
    t regtype;
    cat "char";
BEGIN
    FOR i IN 1 .. cardinality(names) LOOP
        CONTINUE WHEN cols[i] IS NULL;
        PERFORM bg_internal._require_column(rel, cols[i], NULL, format('It was named as the %s column.', names[i]));
        t := bg_internal._column_type(rel, cols[i]);
        SELECT y.typcategory INTO cat FROM pg_type y WHERE y.oid = bg_internal._base_type(t);
        IF NOT (cat IN ('S', 'E') OR (names[i] = 'postal_code' AND cat = 'N')) THEN
            RAISE EXCEPTION 'column "%" of % cannot be the % column', cols[i], rel, names[i]
                USING ERRCODE = 'datatype_mismatch',
                      DETAIL = format('Its type is %s.', format_type(t, NULL)),
                      HINT = CASE WHEN names[i] = 'postal_code'
                                  THEN 'A postal code column is of a string type (text, varchar, char), an enum or a number, or a domain over one.'
                                  ELSE format('The %s column is of a string type (text, varchar, char) or an enum, or a domain over one.', names[i]) END;
        END IF;
        m := m || jsonb_build_object(names[i], cols[i]);
    END LOOP;
    RETURN m;
END $$;
COMMENT ON FUNCTION bg_internal._mappings(regclass, text[], name[]) IS 'Internal: the optional columns of a binding as stored; errors when one is missing or of an unusable type.';

CREATE FUNCTION bg.bind_people(people regclass, key name DEFAULT 'id', account name DEFAULT 'account_id',
                               email name DEFAULT NULL, first_name name DEFAULT NULL, last_name name DEFAULT NULL,
                               job_title name DEFAULT NULL, country name DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tr record;
    m jsonb;
BEGIN
    PERFORM bg_internal._require_table($1);
    PERFORM bg_internal._require_column($1, $2, 'key column must not be null', 'It was named as the key column.');
    PERFORM bg_internal._require_column($1, $3, 'account column must not be null', 'It was named as the account column.');
    PERFORM bg_internal._key_sql($1, $2, '');
    PERFORM bg_internal._key_sql($1, $3, '');
    m := bg_internal._mappings($1, ARRAY['email', 'first_name', 'last_name', 'job_title', 'country'],
                               ARRAY[$4, $5, $6, $7, $8]);
    -- every saved condition must hold against the new table
    FOR tr IN SELECT t.name AS template, r.name AS role, x.condition
                FROM bg_internal.template_role x JOIN bg_internal.template t ON t.id = x.template_id
                JOIN bg_internal.role r ON r.id = x.role_id
               WHERE x.condition IS NOT NULL ORDER BY t.name, x.priority LOOP
        BEGIN
            PERFORM bg.check_condition(tr.condition, $1);
        EXCEPTION WHEN OTHERS THEN
            DECLARE st text; msg text; det text; hnt text;
            BEGIN
                GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                        det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
                PERFORM bg_internal._raise_caused(format('cannot bind %s: the condition of role "%s" in roles template "%s" does not fit it',
                                                $1, tr.role, tr.template), st, msg, det, hnt);
            END;
        END;
    END LOOP;
    INSERT INTO bg_internal.binding (kind, relid, key_column, account_column, key_type, account_type, mappings)
    VALUES ('people', $1, $2, $3, bg_internal._column_type($1, $2), bg_internal._column_type($1, $3), m)
    ON CONFLICT (kind) DO UPDATE
       SET relid = excluded.relid, key_column = excluded.key_column,
           account_column = excluded.account_column, bound_at = now(),
           key_type = excluded.key_type, account_type = excluded.account_type, mappings = excluded.mappings;
END $$;
COMMENT ON FUNCTION bg.bind_people(regclass, name, name, name, name, name, name, name) IS
    'Binds the user''s people table: its key column, the column that names the person''s account, and optionally the email, first_name, last_name, job_title and country columns that exports read.';

CREATE FUNCTION bg.bind_accounts(accounts regclass, key name DEFAULT 'id', name name DEFAULT 'name',
                                 parent name DEFAULT NULL, domain name DEFAULT NULL, website name DEFAULT NULL,
                                 industry name DEFAULT NULL, city name DEFAULT NULL, state name DEFAULT NULL,
                                 country name DEFAULT NULL, postal_code name DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    m jsonb;
BEGIN
    PERFORM bg_internal._require_table($1);
    PERFORM bg_internal._require_column($1, $2, 'key column must not be null', 'It was named as the key column.');
    PERFORM bg_internal._require_column($1, $3, 'name column must not be null', 'It was named as the name column.');
    IF $4 IS NOT NULL THEN
        PERFORM bg_internal._require_column($1, $4, 'parent column must not be null', 'It was named as the parent column.');
        PERFORM bg_internal._key_sql($1, $4, '');
    END IF;
    PERFORM bg_internal._key_sql($1, $2, '');
    m := bg_internal._mappings($1, ARRAY['domain', 'website', 'industry', 'city', 'state', 'country', 'postal_code'],
                               ARRAY[$5, $6, $7, $8, $9, $10, $11]);
    -- live mode's trigger moves to the new table (bg.watch_people)
    IF EXISTS (SELECT FROM bg_internal.binding b JOIN pg_class c ON c.oid = b.relid WHERE b.kind = 'accounts') THEN
        PERFORM bg_internal._unwatch((SELECT b.relid FROM bg_internal.binding b WHERE b.kind = 'accounts'));
    END IF;
    INSERT INTO bg_internal.binding (kind, relid, key_column, name_column, parent_column, key_type, parent_type, mappings)
    VALUES ('accounts', $1, $2, $3, $4, bg_internal._column_type($1, $2), bg_internal._column_type($1, $4), m)
    ON CONFLICT (kind) DO UPDATE
       SET relid = excluded.relid, key_column = excluded.key_column,
           name_column = excluded.name_column, parent_column = excluded.parent_column,
           bound_at = now(), key_type = excluded.key_type, parent_type = excluded.parent_type,
           mappings = excluded.mappings;
    IF EXISTS (SELECT FROM bg_internal.binding b WHERE b.kind = 'people' AND b.watched) THEN
        PERFORM bg.watch_people(true);
    END IF;
END $$;
COMMENT ON FUNCTION bg.bind_accounts(regclass, name, name, name, name, name, name, name, name, name, name) IS
    'Binds the user''s account table: its key, name and (optional) parent account columns, and optionally the domain, website, industry, city, state, country and postal_code columns that exports read.';

-- sql/bg/roles.sql
CREATE OR REPLACE FUNCTION bg_internal._role_id(role text) RETURNS integer
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    rid integer;
    other text;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'role must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT r.id INTO rid FROM bg_internal.role r WHERE r.name = $1;
    IF NOT FOUND THEN
        SELECT r.name INTO other FROM bg_internal.role r WHERE bg_internal._fold(r.name) = bg_internal._fold($1);
        RAISE EXCEPTION 'role "%" does not exist', $1
            USING ERRCODE = 'undefined_object',
                  HINT = CASE WHEN other IS NULL
                              THEN 'The roles are listed in bg.roles; create one with bg.create_role.'
                              ELSE format('Did you mean "%s"?', other) END;
    END IF;
    RETURN rid;
END $$;
COMMENT ON FUNCTION bg_internal._role_id(text) IS 'Internal: the id of a role; errors when unknown.';

CREATE OR REPLACE FUNCTION bg.create_role(name text, description text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n text := bg_internal._require_name($1, 'role name must not be null', 'role name must not be empty');
    existing text;
BEGIN
    -- serialize role creation so that the limit holds under concurrency
    LOCK TABLE bg_internal.role IN SHARE ROW EXCLUSIVE MODE;
    SELECT r.name INTO existing FROM bg_internal.role r WHERE bg_internal._fold(r.name) = bg_internal._fold(n);
    IF FOUND THEN
        RAISE EXCEPTION 'role "%" already exists', existing USING ERRCODE = 'duplicate_object';
    END IF;
    IF (SELECT count(*) FROM bg_internal.role) >= 20 THEN
        RAISE EXCEPTION 'cannot create role "%": there are already 20 roles', n
            USING ERRCODE = 'program_limit_exceeded',
                  HINT = 'At most 20 roles exist in all; drop an unused custom role with bg.drop_role first.';
    END IF;
    INSERT INTO bg_internal.role (name, description) VALUES (n, $2);
END $$;
COMMENT ON FUNCTION bg.create_role(text, text) IS 'Creates a custom role (at most 20 roles in all).';

CREATE OR REPLACE FUNCTION bg.rename_role(name text, new_name text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    rid integer := bg_internal._role_id($1);
    n text;
    existing text;
BEGIN
    IF (SELECT r.is_default FROM bg_internal.role r WHERE r.id = rid) THEN
        RAISE EXCEPTION 'cannot rename role "%": it is a default role', $1
            USING ERRCODE = 'reserved_name', HINT = 'The six default roles cannot be renamed or dropped.';
    END IF;
    n := bg_internal._require_name($2, 'new role name must not be null', 'new role name must not be empty');
    SELECT r.name INTO existing FROM bg_internal.role r WHERE bg_internal._fold(r.name) = bg_internal._fold(n) AND r.id <> rid;
    IF FOUND THEN
        RAISE EXCEPTION 'role "%" already exists', existing USING ERRCODE = 'duplicate_object';
    END IF;
    UPDATE bg_internal.role SET name = n WHERE id = rid;
END $$;
COMMENT ON FUNCTION bg.rename_role(text, text) IS 'Renames a custom role.';

CREATE OR REPLACE FUNCTION bg.drop_role(name text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    rid integer := bg_internal._role_id($1);
    users text;
BEGIN
    IF (SELECT r.is_default FROM bg_internal.role r WHERE r.id = rid) THEN
        RAISE EXCEPTION 'cannot drop role "%": it is a default role', $1
            USING ERRCODE = 'reserved_name', HINT = 'The six default roles cannot be renamed or dropped.';
    END IF;
    SELECT string_agg(format('"%s"', t.name), ', ' ORDER BY t.name) INTO users
      FROM bg_internal.template_role x JOIN bg_internal.template t ON t.id = x.template_id
     WHERE x.role_id = rid;
    IF users IS NOT NULL THEN
        RAISE EXCEPTION 'cannot drop role "%": it is used by roles templates', $1
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = format('Roles templates using it: %s.', users),
                  HINT = 'Remove it from the draft templates with bg.remove_role; live templates keep it for good.';
    END IF;
    DELETE FROM bg_internal.role WHERE id = rid;
END $$;
COMMENT ON FUNCTION bg.drop_role(text) IS 'Drops a custom role that no roles template uses.';

-- sql/bg/templates.sql
CREATE OR REPLACE FUNCTION bg_internal._template_id(template text, for_edit boolean) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t record;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'template must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT x.id, x.status INTO t FROM bg_internal.template x WHERE x.name = $1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'roles template "%" does not exist', $1
            USING ERRCODE = 'undefined_object', HINT = 'The roles templates are listed in bg.templates.';
    END IF;
    IF $2 AND t.status = 'live' THEN
        RAISE EXCEPTION 'roles template "%" is live and cannot be changed', $1
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Copy it with bg.copy_template(%L, ''new name'') and change the copy.', $1);
    END IF;
    RETURN t.id;
END $$;
COMMENT ON FUNCTION bg_internal._template_id(text, boolean) IS 'Internal: the id of a template (locked); errors when unknown, or live when editing.';

CREATE OR REPLACE FUNCTION bg_internal._template_role(template_id integer, template text, role text) RETURNS bg_internal.template_role
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tr bg_internal.template_role;
    live boolean := (SELECT t.status = 'live' FROM bg_internal.template t WHERE t.id = _template_role.template_id);
BEGIN
    IF role IS NULL OR NOT live THEN
        PERFORM bg_internal._role_id(role);      -- NULL or unknown role: its own error
    END IF;
    SELECT x.* INTO tr FROM bg_internal.template_role x JOIN bg_internal.role r ON r.id = x.role_id
     WHERE x.template_id = _template_role.template_id AND r.name = role;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role "%" is not in roles template "%"', role, template
            USING ERRCODE = 'undefined_object',
                  HINT = CASE WHEN live
                              THEN format('The roles of roles template "%s" are listed in bg.template_roles. A live template '
                                          'never changes: to add a role, copy it with bg.copy_template(%L, ''new name'').',
                                          template, template)
                              ELSE format('Add it with bg.add_role(%L, %L).', template, role) END;
    END IF;
    RETURN tr;
END $$;
COMMENT ON FUNCTION bg_internal._template_role(integer, text, text) IS 'Internal: a role of a template; errors when it is not in it.';

CREATE OR REPLACE FUNCTION bg_internal._check_role_condition(condition text, template text, role text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    st text; msg text; det text; hnt text;
BEGIN
    IF condition IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN bg.check_condition(condition);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    PERFORM bg_internal._raise_caused(format('invalid condition for role "%s" of roles template "%s"', role, template),
                             st, msg, det, hnt);
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._check_role_condition(text, text, text) IS 'Internal: the canonical text of a role condition, checked against the bound people table.';

CREATE OR REPLACE FUNCTION bg_internal._place(template_id integer, role_id integer, pos integer) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    WITH ordered AS (
        SELECT x.role_id,
               row_number() OVER (ORDER BY x.priority) AS n
          FROM bg_internal.template_role x
         WHERE x.template_id = _place.template_id AND x.role_id <> _place.role_id
    )
    UPDATE bg_internal.template_role x
       SET priority = CASE WHEN x.role_id = _place.role_id THEN pos
                           WHEN o.n < pos THEN o.n::integer
                           ELSE o.n::integer + 1 END
      FROM (SELECT * FROM ordered
            UNION ALL SELECT _place.role_id, 0) o
     WHERE x.template_id = _place.template_id AND x.role_id = o.role_id;
END $$;
COMMENT ON FUNCTION bg_internal._place(integer, integer, integer) IS 'Internal: moves a template role to a priority, shifting the others.';

CREATE OR REPLACE FUNCTION bg_internal._touch(template_id integer) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE bg_internal.template t SET updated_at = now() WHERE t.id = _touch.template_id;
END $$;
COMMENT ON FUNCTION bg_internal._touch(integer) IS 'Internal: records that a template changed.';

CREATE OR REPLACE FUNCTION bg.create_template(name text, description text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n text := bg_internal._require_name($1, 'template name must not be null', 'template name must not be empty');
BEGIN
    IF EXISTS (SELECT FROM bg_internal.template t WHERE t.name = n) THEN
        RAISE EXCEPTION 'roles template "%" already exists', n USING ERRCODE = 'duplicate_object';
    END IF;
    INSERT INTO bg_internal.template (name, description) VALUES (n, $2);
END $$;
COMMENT ON FUNCTION bg.create_template(text, text) IS 'Creates an empty draft roles template.';

CREATE OR REPLACE FUNCTION bg.add_role(template text, role text, condition text DEFAULT NULL,
                            weight text DEFAULT 'normal', required boolean DEFAULT true,
                            members_required integer DEFAULT 1, priority integer DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tid integer := bg_internal._template_id($1, true);
    rid integer := bg_internal._role_id($2);
    w text := bg_internal._check_weight($4);
    k integer := bg_internal._check_members_required($6);
    nroles integer;
    cond text;
BEGIN
    IF $5 IS NULL THEN
        RAISE EXCEPTION 'required must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF EXISTS (SELECT FROM bg_internal.template_role x WHERE x.template_id = tid AND x.role_id = rid) THEN
        RAISE EXCEPTION 'role "%" is already in roles template "%"', $2, $1
            USING ERRCODE = 'duplicate_object',
                  HINT = 'A role appears at most once in a template; change it with bg.update_role.';
    END IF;
    SELECT count(*) INTO nroles FROM bg_internal.template_role x WHERE x.template_id = tid;
    IF $7 IS NOT NULL AND ($7 < 1 OR $7 > nroles + 1) THEN
        RAISE EXCEPTION 'priority % is out of range', $7
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Roles template "%s" has %s roles, so the new role can take priority 1 to %s.',
                                  $1, nroles, nroles + 1);
    END IF;
    cond := bg_internal._check_role_condition($3, $1, $2);
    INSERT INTO bg_internal.template_role (template_id, role_id, priority, weight, condition, required, members_required)
    VALUES (tid, rid, nroles + 1, w, cond, $5, k);
    IF $7 IS NOT NULL THEN
        PERFORM bg_internal._place(tid, rid, $7);
    END IF;
    PERFORM bg_internal._touch(tid);
END $$;
COMMENT ON FUNCTION bg.add_role(text, text, text, text, boolean, integer, integer) IS
    'Adds a role to a draft roles template, at the end or at the given priority.';

CREATE OR REPLACE FUNCTION bg.update_role(template text, role text, condition text DEFAULT NULL,
                               weight text DEFAULT NULL, required boolean DEFAULT NULL,
                               members_required integer DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tid integer := bg_internal._template_id($1, true);
    tr bg_internal.template_role := bg_internal._template_role(tid, $1, $2);
BEGIN
    UPDATE bg_internal.template_role x
       SET condition = coalesce(bg_internal._check_role_condition($3, $1, $2), x.condition),
           weight = CASE WHEN $4 IS NULL THEN x.weight ELSE bg_internal._check_weight($4) END,
           required = coalesce($5, x.required),
           members_required = CASE WHEN $6 IS NULL THEN x.members_required
                                   ELSE bg_internal._check_members_required($6) END
     WHERE x.template_id = tid AND x.role_id = tr.role_id;
    PERFORM bg_internal._touch(tid);
END $$;
COMMENT ON FUNCTION bg.update_role(text, text, text, text, boolean, integer) IS
    'Changes a role of a draft roles template; NULL arguments keep the current value.';

CREATE OR REPLACE FUNCTION bg.set_condition(template text, role text, condition text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tid integer := bg_internal._template_id($1, true);
    tr bg_internal.template_role := bg_internal._template_role(tid, $1, $2);
BEGIN
    UPDATE bg_internal.template_role x SET condition = bg_internal._check_role_condition($3, $1, $2)
     WHERE x.template_id = tid AND x.role_id = tr.role_id;
    PERFORM bg_internal._touch(tid);
END $$;
COMMENT ON FUNCTION bg.set_condition(text, text, text) IS
    'Sets the auto-assign condition of a role in a draft roles template; NULL removes it.';

CREATE OR REPLACE FUNCTION bg.remove_role(template text, role text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tid integer := bg_internal._template_id($1, true);
    tr bg_internal.template_role := bg_internal._template_role(tid, $1, $2);
BEGIN
    DELETE FROM bg_internal.template_role x WHERE x.template_id = tid AND x.role_id = tr.role_id;
    UPDATE bg_internal.template_role x SET priority = x.priority - 1
     WHERE x.template_id = tid AND x.priority > tr.priority;
    PERFORM bg_internal._touch(tid);
END $$;
COMMENT ON FUNCTION bg.remove_role(text, text) IS 'Removes a role from a draft roles template.';

CREATE OR REPLACE FUNCTION bg.move_role(template text, role text, priority integer)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tid integer := bg_internal._template_id($1, true);
    tr bg_internal.template_role := bg_internal._template_role(tid, $1, $2);
    nroles integer;
BEGIN
    SELECT count(*) INTO nroles FROM bg_internal.template_role x WHERE x.template_id = tid;
    IF $3 IS NULL OR $3 < 1 OR $3 > nroles THEN
        RAISE EXCEPTION 'priority % is out of range', coalesce($3::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Roles template "%s" has %s roles, so priorities run from 1 to %s.',
                                  $1, nroles, nroles);
    END IF;
    PERFORM bg_internal._place(tid, tr.role_id, $3);
    PERFORM bg_internal._touch(tid);
END $$;
COMMENT ON FUNCTION bg.move_role(text, text, integer) IS
    'Moves a role of a draft roles template to another priority, shifting the others.';

CREATE OR REPLACE FUNCTION bg.publish_template(template text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tid integer := bg_internal._template_id($1, true);
BEGIN
    IF NOT EXISTS (SELECT FROM bg_internal.template_role x WHERE x.template_id = tid) THEN
        RAISE EXCEPTION 'cannot publish roles template "%": it has no roles', $1
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Add at least one role with bg.add_role first.';
    END IF;
    UPDATE bg_internal.template SET status = 'live', published_at = now(), updated_at = now() WHERE id = tid;
END $$;
COMMENT ON FUNCTION bg.publish_template(text) IS 'Makes a draft roles template live; a live template never changes.';

CREATE OR REPLACE FUNCTION bg.drop_template(template text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tid integer;
BEGIN
    IF EXISTS (SELECT FROM bg_internal.template t WHERE t.name = $1 AND t.status = 'live') THEN
        RAISE EXCEPTION 'cannot drop roles template "%": it is live', $1
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only draft templates can be dropped.';
    END IF;
    tid := bg_internal._template_id($1, true);
    DELETE FROM bg_internal.template WHERE id = tid;
END $$;
COMMENT ON FUNCTION bg.drop_template(text) IS 'Drops a draft roles template.';

CREATE OR REPLACE FUNCTION bg.copy_template(template text, new_name text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tid integer := bg_internal._template_id($1, false);
    n text := bg_internal._require_name($2, 'template name must not be null', 'template name must not be empty');
    newid integer;
BEGIN
    IF EXISTS (SELECT FROM bg_internal.template t WHERE t.name = n) THEN
        RAISE EXCEPTION 'roles template "%" already exists', n USING ERRCODE = 'duplicate_object';
    END IF;
    INSERT INTO bg_internal.template (name, description)
    SELECT n, t.description FROM bg_internal.template t WHERE t.id = tid
    RETURNING id INTO newid;
    INSERT INTO bg_internal.template_role (template_id, role_id, priority, weight, condition, required, members_required)
    SELECT newid, x.role_id, x.priority, x.weight, x.condition, x.required, x.members_required
      FROM bg_internal.template_role x WHERE x.template_id = tid;
END $$;
COMMENT ON FUNCTION bg.copy_template(text, text) IS 'Copies a roles template (draft or live) into a new draft.';

-- sql/bg/lists.sql
CREATE OR REPLACE FUNCTION bg_internal._list(list text) RETURNS bg_internal.account_list
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l bg_internal.account_list;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'account list must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO l FROM bg_internal.account_list x WHERE x.name = $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'account list "%" does not exist', $1
            USING ERRCODE = 'undefined_object', HINT = 'The account lists are listed in bg.account_lists.';
    END IF;
    RETURN l;
END $$;
COMMENT ON FUNCTION bg_internal._list(text) IS 'Internal: an account list by name; errors when unknown.';

CREATE OR REPLACE FUNCTION bg.create_account_list(name text, kind text DEFAULT 'static', filter text DEFAULT NULL,
                                       description text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n text := bg_internal._require_name($1, 'account list name must not be null',
                               'account list name must not be empty');
    k text := lower(bg_internal._require_name($2, 'kind must not be null', 'kind must not be empty'));
    f text;
    a bg_internal.binding;
    st text; msg text; det text; hnt text;
BEGIN
    IF k NOT IN ('static', 'dynamic') THEN
        RAISE EXCEPTION 'invalid account list kind "%"', $2
            USING ERRCODE = 'invalid_parameter_value', HINT = 'An account list is static or dynamic.';
    END IF;
    IF EXISTS (SELECT FROM bg_internal.account_list l WHERE l.name = n) THEN
        RAISE EXCEPTION 'account list "%" already exists', n USING ERRCODE = 'duplicate_object';
    END IF;
    IF k = 'static' AND $3 IS NOT NULL THEN
        RAISE EXCEPTION 'a static account list has no filter'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Create it with kind => ''dynamic'' to select accounts by a filter, or add accounts with bg.add_accounts.';
    END IF;
    IF k = 'dynamic' THEN
        IF $3 IS NULL THEN
            RAISE EXCEPTION 'a dynamic account list needs a filter'
                USING ERRCODE = 'null_value_not_allowed',
                      HINT = 'Give a condition over the bound accounts, such as filter => ''country in (''''US'''', ''''CA'''')''.';
        END IF;
        a := bg_internal._bound('accounts');
        BEGIN
            f := bg.check_condition($3, a.relid);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                    det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
            PERFORM bg_internal._raise_caused(format('invalid filter for account list "%s"', n), st, msg, det, hnt);
        END;
    END IF;
    INSERT INTO bg_internal.account_list (name, kind, filter, description) VALUES (n, k, f, $4);
    IF k = 'dynamic' THEN
        PERFORM bg.refresh_account_list(n);
    END IF;
END $$;
COMMENT ON FUNCTION bg.create_account_list(text, text, text, text) IS
    'Creates an account list: static (accounts added by hand) or dynamic (a filter over the bound accounts, evaluated now and on refresh).';

CREATE OR REPLACE FUNCTION bg_internal._static_list(list text) RETURNS bg_internal.account_list
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l bg_internal.account_list := bg_internal._list(list);
BEGIN
    IF l.kind <> 'static' THEN
        RAISE EXCEPTION 'account list "%" is dynamic', l.name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Its accounts come from its filter; refresh it with bg.refresh_account_list.';
    END IF;
    PERFORM FROM bg_internal.account_list x WHERE x.id = l.id FOR UPDATE;
    RETURN l;
END $$;
COMMENT ON FUNCTION bg_internal._static_list(text) IS 'Internal: a static account list, locked; errors for a dynamic one.';

CREATE OR REPLACE FUNCTION bg.add_accounts(list text, accounts anyarray) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l bg_internal.account_list := bg_internal._static_list($1);
    keys text[] := bg_internal._keys($2, 'accounts');
    n integer;
BEGIN
    PERFORM bg_internal._require_keys(keys, 'accounts');
    INSERT INTO bg_internal.account_list_entry (list_id, account_key)
    SELECT l.id, k FROM unnest(keys) AS k
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE bg_internal.account_list SET refreshed_at = now() WHERE id = l.id AND n > 0;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg.add_accounts(text, anyarray) IS
    'Adds accounts (keys or rows of the bound account table) to a static account list; returns how many were new.';

CREATE OR REPLACE FUNCTION bg.remove_accounts(list text, accounts anyarray) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l bg_internal.account_list := bg_internal._static_list($1);
    keys text[] := bg_internal._keys($2, 'accounts');
    n integer;
BEGIN
    DELETE FROM bg_internal.account_list_entry e WHERE e.list_id = l.id AND e.account_key = ANY (keys);
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE bg_internal.account_list SET refreshed_at = now() WHERE id = l.id AND n > 0;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg.remove_accounts(text, anyarray) IS
    'Removes accounts from a static account list; returns how many were in it.';

CREATE FUNCTION bg.add_accounts(list text, accounts text) RETURNS integer
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT bg.add_accounts($1, bg_internal._keys_text($2, 'accounts'));
$$;
COMMENT ON FUNCTION bg.add_accounts(text, text) IS
    'bg.add_accounts for keys given as an array literal (''{1,2}''), as drivers send an untyped array parameter.';

CREATE FUNCTION bg.remove_accounts(list text, accounts text) RETURNS integer
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT bg.remove_accounts($1, bg_internal._keys_text($2, 'accounts'));
$$;
COMMENT ON FUNCTION bg.remove_accounts(text, text) IS
    'bg.remove_accounts for keys given as an array literal (''{1,2}''), as drivers send an untyped array parameter.';

CREATE OR REPLACE FUNCTION bg.refresh_account_list(list text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l bg_internal.account_list := bg_internal._list($1);
    a bg_internal.binding;
BEGIN
    PERFORM FROM bg_internal.account_list x WHERE x.id = l.id FOR UPDATE;
    IF l.kind = 'dynamic' THEN
        a := bg_internal._bound('accounts');
        -- the filter is evaluated by bg_internal._read, as the accounts' owner
        EXECUTE format('WITH now_in AS MATERIALIZED (
                               SELECT x.account_key
                                 FROM bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L, NULL, NULL, %L)
                                      AS x(account_key text, matched boolean)),
                             del AS (DELETE FROM bg_internal.account_list_entry e
                                      WHERE e.list_id = $1
                                        AND NOT EXISTS (SELECT FROM now_in n WHERE n.account_key = e.account_key))
                        INSERT INTO bg_internal.account_list_entry (list_id, account_key)
                        SELECT DISTINCT $1, n.account_key FROM now_in n
                        ON CONFLICT DO NOTHING',
                       a.relid::oid,
                       format('SELECT %s, a FROM %s a WHERE a.%I IS NOT NULL',
                              bg_internal._key_sql(a.relid, a.key_column, format('a.%I', a.key_column)), a.relid,
                              a.key_column),
                       l.filter)
            USING l.id;
        UPDATE bg_internal.account_list SET refreshed_at = now() WHERE id = l.id;
    END IF;
    RETURN (SELECT count(*) FROM bg_internal.account_list_entry e WHERE e.list_id = l.id);
END $$;
COMMENT ON FUNCTION bg.refresh_account_list(text) IS
    'Re-evaluates a dynamic account list''s filter over the bound accounts; returns its account count (a static list is returned as is).';

CREATE OR REPLACE FUNCTION bg.drop_account_list(list text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l bg_internal.account_list := bg_internal._list($1);
BEGIN
    DELETE FROM bg_internal.account_list WHERE id = l.id;
END $$;
COMMENT ON FUNCTION bg.drop_account_list(text) IS 'Drops an account list (its buying groups stay).';

-- sql/bg/interests.sql
CREATE OR REPLACE FUNCTION bg_internal._interest(solution_interest text) RETURNS bg_internal.solution_interest
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'solution interest must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO s FROM bg_internal.solution_interest x WHERE x.name = $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'solution interest "%" does not exist', $1
            USING ERRCODE = 'undefined_object', HINT = 'The solution interests are listed in bg.solution_interests.';
    END IF;
    RETURN s;
END $$;
COMMENT ON FUNCTION bg_internal._interest(text) IS 'Internal: a solution interest by name; errors when unknown.';

CREATE FUNCTION bg_internal._lock_interest(si bg_internal.solution_interest, exclusive boolean, required boolean)
    RETURNS bg_internal.solution_interest
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest;
BEGIN
    IF exclusive THEN
        PERFORM pg_catalog.pg_advisory_xact_lock(1650917377, si.id);
    ELSE
        PERFORM pg_catalog.pg_advisory_xact_lock_shared(1650917377, si.id);
    END IF;
    SELECT * INTO s FROM bg_internal.solution_interest x WHERE x.id = si.id;
    IF NOT FOUND AND required THEN
        RAISE EXCEPTION 'solution interest "%" does not exist', si.name
            USING ERRCODE = 'undefined_object', DETAIL = 'It was dropped while this transaction waited for it.',
                  HINT = 'The solution interests are listed in bg.solution_interests.';
    END IF;
    RETURN s;
END $$;
COMMENT ON FUNCTION bg_internal._lock_interest(bg_internal.solution_interest, boolean, boolean) IS
    'Internal: takes the lock of a solution interest (exclusive or shared) and reads it again.';

CREATE OR REPLACE FUNCTION bg.create_solution_interest(name text, template text, description text DEFAULT NULL,
                                            update_existing boolean DEFAULT false,
                                            include_subaccounts boolean DEFAULT false)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n text := bg_internal._require_name($1, 'solution interest name must not be null',
                               'solution interest name must not be empty');
    tid integer := bg_internal._template_id($2, false);
BEGIN
    IF (SELECT t.status FROM bg_internal.template t WHERE t.id = tid) <> 'live' THEN
        RAISE EXCEPTION 'roles template "%" is a draft', $2
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('A solution interest takes a live template; publish it with bg.publish_template(%L).', $2);
    END IF;
    IF $4 IS NULL THEN
        RAISE EXCEPTION 'update_existing must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF $5 IS NULL THEN
        RAISE EXCEPTION 'include_subaccounts must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF $5 THEN
        IF (bg_internal._bound('accounts')).parent_column IS NULL THEN
            RAISE EXCEPTION 'cannot include subaccounts: the accounts are bound without a parent column'
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Bind the accounts again with bg.bind_accounts(..., parent => ''parent column'').';
        END IF;
    END IF;
    IF EXISTS (SELECT FROM bg_internal.solution_interest s WHERE s.name = n) THEN
        RAISE EXCEPTION 'solution interest "%" already exists', n USING ERRCODE = 'duplicate_object';
    END IF;
    INSERT INTO bg_internal.solution_interest (name, template_id, description, update_existing, include_subaccounts)
    VALUES (n, tid, $3, $4, $5);
END $$;
COMMENT ON FUNCTION bg.create_solution_interest(text, text, text, boolean, boolean) IS
    'Creates a solution interest (what is sold) with a live roles template.';

CREATE OR REPLACE FUNCTION bg.drop_solution_interest(name text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := bg_internal._interest($1);
BEGIN
    DELETE FROM bg_internal.solution_interest WHERE id = s.id;
END $$;
COMMENT ON FUNCTION bg.drop_solution_interest(text) IS 'Drops a solution interest that has no buying groups.';

CREATE OR REPLACE FUNCTION bg_internal._interest_deleted() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    -- a creation job of the interest may be running: wait for it, then count
    PERFORM pg_catalog.pg_advisory_xact_lock(1650917377, OLD.id);
    n := (SELECT count(*) FROM bg_internal.buying_group g WHERE g.solution_interest_id = OLD.id);
    IF n > 0 THEN
        RAISE EXCEPTION 'cannot drop solution interest "%": it has % buying groups', OLD.name, n
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = format('Drop them first with bg.drop_buying_groups(%L).', OLD.name);
    END IF;
    RETURN OLD;
END $$;
COMMENT ON FUNCTION bg_internal._interest_deleted() IS 'Internal: keeps solution interests that have buying groups.';

-- sql/bg/rule_members.sql
CREATE FUNCTION bg_internal._tree_sql(a bg_internal.binding, up boolean, patype text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    step text;
BEGIN
    IF up THEN
        step := format('SELECT t.top, %s, c.%I::%s, t.depth + 1 FROM t JOIN %s c ON c.%I = t.acct::%s
                         WHERE c.%I IS NOT NULL',
                       bg_internal._key_sql(a.relid, a.parent_column, format('c.%I', a.parent_column)),
                       a.parent_column, patype, a.relid, a.key_column,
                       bg_internal._coltype(a.relid, a.key_column), a.parent_column);
    ELSE
        step := format('SELECT t.top, %s, c.%I::%s, t.depth + 1 FROM t JOIN %s c ON c.%I = t.acct::%s',
                       bg_internal._key_sql(a.relid, a.key_column, format('c.%I', a.key_column)),
                       a.key_column, patype, a.relid, a.parent_column,
                       bg_internal._coltype(a.relid, a.parent_column));
    END IF;
    RETURN format('WITH RECURSIVE t(top, acct, aval, depth) AS (
                     SELECT k, k, NULL::%s, 0 FROM pg_catalog.unnest($1) AS k WHERE k IS NOT NULL
                     UNION ALL
                     %s)
                   CYCLE acct SET is_cycle USING path
                   SELECT t.top, t.acct, t.aval, t.is_cycle, t.path::text FROM t WHERE t.depth > 0',
                  patype, step);
END $$;
COMMENT ON FUNCTION bg_internal._tree_sql(bg_internal.binding, boolean, text) IS 'Internal: SQL of a walk of the account hierarchy, run as the accounts'' owner.';

CREATE FUNCTION bg_internal._walk_tree_sql(si bg_internal.solution_interest, start text, up boolean) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    patype text := bg_internal._coltype(p.relid, p.account_column);
    a bg_internal.binding := bg_internal._account_tree(si);
BEGIN
    RETURN format('walk(root, pkey, acct, aval, is_cycle, path) AS (
                     SELECT s.root, s.pkey, s.acct, s.aval, false, NULL::text FROM %1$s s
                     UNION ALL
                     SELECT s.root, s.pkey, t.acct, t.aval, t.is_cycle, t.path
                       FROM %1$s s
                       JOIN bg_internal._read(%2$s::pg_catalog.oid::pg_catalog.regclass, %3$L,
                                              (SELECT pg_catalog.array_agg(DISTINCT x.acct) FROM %1$s x))
                            AS t(top text, acct text, aval %4$s, is_cycle boolean, path text) ON t.top = s.acct)',
                  start, a.relid::oid, bg_internal._tree_sql(a, up, patype), patype);
END $$;
COMMENT ON FUNCTION bg_internal._walk_tree_sql(bg_internal.solution_interest, text, boolean) IS 'Internal: SQL of a walk along the account hierarchy.';

CREATE FUNCTION bg_internal._group_walk_sql(si bg_internal.solution_interest, roots text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT si.include_subaccounts THEN
        RETURN format('walk AS (SELECT r.root, NULL::text AS pkey, r.acct, r.aval, false AS is_cycle FROM (%s) r)',
                      roots);
    END IF;
    RETURN format('roots AS (SELECT r.root, NULL::text AS pkey, r.acct, r.aval FROM (%s) r), ', roots)
           || bg_internal._walk_tree_sql(si, 'roots', false);
END $$;
COMMENT ON FUNCTION bg_internal._group_walk_sql(bg_internal.solution_interest, text) IS 'Internal: SQL of the walk from buying groups down to the accounts they count.';

CREATE FUNCTION bg_internal._person_walk_sql(si bg_internal.solution_interest) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    patype text := bg_internal._coltype(p.relid, p.account_column);
    people text := format('SELECT NULL::bigint AS root, x.pkey, x.acct, x.aval
                             FROM bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L, $1)
                                  AS x(pkey text, acct text, aval %s)',
                          p.relid::oid,
                          format('SELECT %s, %s, p.%I::%s FROM %s p WHERE p.%I = ANY ($1::%s[])',
                                 bg_internal._key_sql(p.relid, p.key_column, format('p.%I', p.key_column)),
                                 bg_internal._key_sql(p.relid, p.account_column, format('p.%I', p.account_column)),
                                 p.account_column, patype, p.relid,
                                 p.key_column, bg_internal._coltype(p.relid, p.key_column)),
                          patype);
BEGIN
    IF NOT si.include_subaccounts THEN
        RETURN format('walk AS (SELECT b.*, false AS is_cycle FROM (%s) b)', people);
    END IF;
    RETURN format('starts AS (%s), ', people) || bg_internal._walk_tree_sql(si, 'starts', true);
END $$;
COMMENT ON FUNCTION bg_internal._person_walk_sql(bg_internal.solution_interest) IS 'Internal: SQL of the walk from people up to the accounts whose groups count them.';

CREATE FUNCTION bg_internal._person_columns_sql(si bg_internal.solution_interest) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    cols text[] := (SELECT array_agg(DISTINCT c ORDER BY c)
                      FROM bg_internal.template_role x, unnest(bg_internal._condition_columns(x.condition)) AS c
                     WHERE x.template_id = si.template_id AND x.condition IS NOT NULL);
BEGIN
    IF cols IS NULL OR EXISTS (SELECT FROM unnest(cols) AS c
                                WHERE NOT EXISTS (SELECT FROM pg_attribute a
                                                   WHERE a.attrelid = p.relid AND a.attname = c
                                                     AND a.attnum > 0 AND NOT a.attisdropped)) THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT string_agg(format('p.%I', c), ', ' ORDER BY c) FROM unnest(cols) AS c);
END $$;
COMMENT ON FUNCTION bg_internal._person_columns_sql(bg_internal.solution_interest) IS 'Internal: SQL of the columns of a person that a template reads.';

CREATE FUNCTION bg_internal._person_row_sql(si bg_internal.solution_interest) RETURNS text[]
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    cols text := bg_internal._person_columns_sql(si);
BEGIN
    -- (not on a table Citus manages: it cannot send an anonymous record from
    -- its workers; the whole row then comes to the coordinator)
    IF cols IS NOT NULL AND NOT bg_internal._citus_table(p.relid) THEN
        RETURN ARRAY['bg_row', format(' CROSS JOIN LATERAL (SELECT %s) AS bg_row', cols)];
    END IF;
    RETURN ARRAY['p', ''];
END $$;
COMMENT ON FUNCTION bg_internal._person_row_sql(bg_internal.solution_interest) IS 'Internal: SQL of the row of a person that the evaluator gets.';

CREATE FUNCTION bg_internal._people_roles_sql(si bg_internal.solution_interest, col name, walk_keys text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    person text[] := bg_internal._person_row_sql(si);
BEGIN
    RETURN format('bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L,
                                     (SELECT pg_catalog.array_agg(DISTINCT %s)::pg_catalog.text[] FROM walk y WHERE NOT y.is_cycle), %L)
                   AS r(k %s, pkey text, rn integer)',
                  p.relid::oid,
                  format('SELECT p.%I::%s, %s, %s FROM %s p%s WHERE p.%I = ANY ($1::%s[])',
                         col, bg_internal._coltype(p.relid, col), bg_internal._key_sql(p.relid, p.key_column, format('p.%I', p.key_column)),
                         person[1], p.relid, person[2], col, bg_internal._coltype(p.relid, col)),
                  walk_keys, (SELECT t.name FROM bg_internal.template t WHERE t.id = si.template_id),
                  bg_internal._coltype(p.relid, col));
END $$;
COMMENT ON FUNCTION bg_internal._people_roles_sql(bg_internal.solution_interest, name, text) IS 'Internal: SQL of the roles of people found by a key column, read as the people''s owner.';

CREATE FUNCTION bg_internal._check_cycles(si bg_internal.solution_interest, walk text, people text[]) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg_internal.binding;
    cyc text;
BEGIN
    IF NOT si.include_subaccounts THEN
        RETURN;
    END IF;
    a := bg_internal._bound('accounts');
    EXECUTE 'WITH RECURSIVE ' || walk || ' SELECT w.path::text FROM walk w WHERE w.is_cycle LIMIT 1'
       INTO cyc USING people, si.id;
    IF cyc IS NOT NULL THEN
        RAISE EXCEPTION 'the account hierarchy of % has a cycle', a.relid
            USING ERRCODE = 'data_exception',
                  DETAIL = format('Following column %I from account to account comes back: %s.',
                                  a.parent_column, translate(cyc, '{}()"', '')),
                  HINT = 'Break the cycle in the parent links; solution interests with include_subaccounts need a tree.';
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._check_cycles(bg_internal.solution_interest, text, text[]) IS 'Internal: errors when the account hierarchy has a cycle.';

CREATE FUNCTION bg_internal._role_id_case(template_id integer, expr text) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('CASE %s %s END', expr, string_agg(format('WHEN %L THEN %s', r.name, r.id), ' ' ORDER BY x.priority))
      FROM bg_internal.template_role x JOIN bg_internal.role r ON r.id = x.role_id
     WHERE x.template_id = _role_id_case.template_id;
$$;
COMMENT ON FUNCTION bg_internal._role_id_case(integer, text) IS 'Internal: SQL mapping the role names of a template to role ids.';

CREATE FUNCTION bg_internal._role_position_map(template_id integer, expr text, to_ids boolean) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('CASE %s %s END', expr,
                  string_agg(CASE WHEN to_ids THEN format('WHEN %s THEN %s', x.pos, x.role_id)
                                  ELSE format('WHEN %s THEN %s', x.role_id, x.pos) END, ' ' ORDER BY x.pos))
      FROM (SELECT y.role_id, row_number() OVER (ORDER BY y.priority) AS pos
              FROM bg_internal.template_role y WHERE y.template_id = _role_position_map.template_id) x;
$$;
COMMENT ON FUNCTION bg_internal._role_position_map(integer, text, boolean) IS 'Internal: SQL mapping the role ids of a template to their positions, or back.';

CREATE FUNCTION bg_internal._group_rule_members_sql(si bg_internal.solution_interest, walk text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
BEGIN
    -- roles are evaluated by bg_internal._read, once per person
    RETURN walk || format(',
        d AS (
          SELECT x.group_id, x.person_key, %s AS role_id
            FROM (SELECT w.root AS group_id, r.pkey AS person_key, r.rn
                    FROM walk w JOIN %s ON r.k = w.aval
                   WHERE NOT w.is_cycle) x
           WHERE x.rn IS NOT NULL)',
        bg_internal._role_position_map(si.template_id, 'x.rn', true),
        bg_internal._people_roles_sql(si, p.account_column, 'y.aval'));
END $$;
COMMENT ON FUNCTION bg_internal._group_rule_members_sql(bg_internal.solution_interest, text) IS 'Internal: SQL of the rule members of buying groups.';

CREATE FUNCTION bg_internal._person_rule_members_sql(si bg_internal.solution_interest, walk text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
BEGIN
    RETURN walk || format(',
        d AS (
          SELECT x.group_id, x.person_key, %s AS role_id
            FROM (SELECT g.id AS group_id, r.pkey AS person_key, r.rn
                    FROM walk w
                    JOIN bg_internal.buying_group g ON g.solution_interest_id = $2 AND g.account_key = w.acct
                    JOIN %s ON r.k = w.pkey::%s
                   WHERE NOT w.is_cycle) x
           WHERE x.rn IS NOT NULL)',
        bg_internal._role_position_map(si.template_id, 'x.rn', true),
        bg_internal._people_roles_sql(si, p.key_column, 'y.pkey'), bg_internal._coltype(p.relid, p.key_column));
END $$;
COMMENT ON FUNCTION bg_internal._person_rule_members_sql(bg_internal.solution_interest, text) IS 'Internal: SQL of the rule memberships of given people.';

CREATE FUNCTION bg_internal._person_members_sql(si bg_internal.solution_interest) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    person text[] := bg_internal._person_row_sql(si);
BEGIN
    RETURN format('
        d AS (
          SELECT g.id AS group_id, r.pkey AS person_key, %s AS role_id
            FROM bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L, $1, %L)
                 AS r(pkey text, acct text, rn text)
            CROSS JOIN LATERAL (SELECT g.id FROM bg_internal.buying_group g
                                 WHERE g.solution_interest_id = $2 AND g.account_key = r.acct OFFSET 0) g
           WHERE r.rn IS NOT NULL)',
        bg_internal._role_id_case(si.template_id, 'r.rn'), p.relid::oid,
        format('SELECT %s, %s, %s FROM %s p%s WHERE p.%I = ANY ($1::%s[])',
               bg_internal._key_sql(p.relid, p.key_column, format('p.%I', p.key_column)),
               bg_internal._key_sql(p.relid, p.account_column, format('p.%I', p.account_column)),
               person[1], p.relid, person[2], p.key_column, bg_internal._coltype(p.relid, p.key_column)),
        (SELECT t.name FROM bg_internal.template t WHERE t.id = si.template_id));
END $$;
COMMENT ON FUNCTION bg_internal._person_members_sql(bg_internal.solution_interest) IS 'Internal: SQL of the rule memberships of given people, without subaccounts.';

-- sql/bg/scores.sql
CREATE OR REPLACE FUNCTION bg_internal._tally_position(bg.role_tally, text, integer) RETURNS bg.role_tally
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_tally_position_trans';
COMMENT ON FUNCTION bg_internal._tally_position(bg.role_tally, text, integer) IS 'Internal: transition of bg_internal._position_tally.';

CREATE FUNCTION bg_internal._rule_members_add(internal, text, integer) RETURNS internal
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_rule_members_add';
COMMENT ON FUNCTION bg_internal._rule_members_add(internal, text, integer) IS 'Internal: transition of bg_internal._rule_members.';

CREATE FUNCTION bg_internal._rule_members_final(internal) RETURNS bytea
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_rule_members_final';
COMMENT ON FUNCTION bg_internal._rule_members_final(internal) IS 'Internal: final function of bg_internal._rule_members.';

CREATE OR REPLACE FUNCTION bg_internal._take_scores_stored() RETURNS boolean
    LANGUAGE c PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_take_scores_stored';
COMMENT ON FUNCTION bg_internal._take_scores_stored() IS 'Internal: reads and clears the mark set by bg_internal._scores_stored.';

CREATE FUNCTION bg_internal._rescore_sql() RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '
    WITH old AS (SELECT x.id, x.completeness FROM bg_internal.buying_group x WHERE x.id = ANY ($1)),
    upd AS (
    UPDATE bg_internal.buying_group g
       SET member_count = s.member_count,
           role_counts = (s.f).role_counts,
           completeness = (s.f).completeness,
           role_completeness = (s.f).role_completeness,
           missing_roles = (s.f).missing_roles,
           rule_members = s.rule_members,
           updated_at = CASE WHEN (g.member_count, g.role_counts) IS DISTINCT FROM (s.member_count, (s.f).role_counts)
                             THEN now() ELSE g.updated_at END
      FROM (SELECT y.id, y.member_count, y.rule_members, bg_internal._tally_scores(y.tally) AS f FROM (
            SELECT x.id, count(m.role_id)::integer AS member_count,
                   bg_internal._position_tally(t.name, x2.pos::integer) AS tally,
                   bg_internal._rule_members(m.person_key, m.role_id) FILTER (WHERE m.source = ''rule'') AS rule_members
              FROM bg_internal.buying_group x
              JOIN bg_internal.solution_interest si ON si.id = x.solution_interest_id
              JOIN bg_internal.template t ON t.id = si.template_id
              LEFT JOIN bg_internal.member m ON m.group_id = x.id AND NOT m.is_removed
              LEFT JOIN (SELECT y.template_id, y.role_id,
                                row_number() OVER (PARTITION BY y.template_id ORDER BY y.priority) AS pos
                           FROM bg_internal.template_role y) x2
                     ON x2.template_id = si.template_id AND x2.role_id = m.role_id
             WHERE x.id = ANY ($1)
             GROUP BY x.id, t.name) y OFFSET 0) s
     WHERE g.id = s.id
       AND (g.member_count, g.role_counts, g.rule_members) IS DISTINCT FROM
           (s.member_count, (s.f).role_counts, s.rule_members)
    RETURNING g.id, g.solution_interest_id, g.account_key, g.completeness)
    INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, old_value, new_value, source)
    SELECT (SELECT bg_internal._event_batch()), ''completeness_changed'', u.id, si.name, u.account_key,
           jsonb_build_object(''completeness'', o.completeness), jsonb_build_object(''completeness'', u.completeness),
           coalesce((SELECT bg_internal._event_context()), ''manual'')
      FROM upd u JOIN old o ON o.id = u.id
      JOIN bg_internal.solution_interest si ON si.id = u.solution_interest_id
     WHERE o.completeness IS DISTINCT FROM u.completeness
     ORDER BY u.id';
$$;
COMMENT ON FUNCTION bg_internal._rescore_sql() IS 'Internal: SQL of the recount of stored scores.';

CREATE OR REPLACE FUNCTION bg_internal._rescore(groups bigint[]) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- a statement that changed no member (live mode's apply fires the insert
    -- and update triggers whatever it wrote) has nothing to recount
    IF coalesce(cardinality(groups), 0) = 0 THEN
        RETURN;
    END IF;
    -- "= ANY (groups)": an index scan even in the plan PL/pgSQL keeps
    PERFORM FROM bg_internal.buying_group g
      WHERE g.id = ANY (groups)
      ORDER BY g.id FOR NO KEY UPDATE;
    IF cardinality(groups) <= 100 AND bg_internal._event_context() = 'live' THEN
        IF NOT bg_internal._plan_ready('rescore') THEN
            PERFORM bg_internal._plan_set('rescore', bg_internal._rescore_sql(), '{bigint[]}');
        END IF;
        PERFORM count(*) FROM bg_internal._plan_run('rescore', groups) AS x(one integer);
    ELSE
        EXECUTE bg_internal._rescore_sql() USING groups;
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._rescore(bigint[]) IS 'Internal: recomputes the stored scores of buying groups from their members.';

CREATE OR REPLACE FUNCTION bg_internal._restoring() RETURNS boolean
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_restoring';
COMMENT ON FUNCTION bg_internal._restoring() IS 'Internal: whether a superuser''s session is loading a dump (check_function_bodies is off).';

CREATE FUNCTION bg_internal._member_check_sql() RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '
        WITH b AS MATERIALIZED (
            SELECT n.group_id, n.role_id, g.id AS existing, si.template_id
              FROM new_rows n
              LEFT JOIN bg_internal.buying_group g ON g.id = n.group_id
              LEFT JOIN bg_internal.solution_interest si ON si.id = g.solution_interest_id
             WHERE NOT EXISTS (SELECT FROM bg_internal.template_role x
                                WHERE x.template_id = si.template_id AND x.role_id = n.role_id))
        SELECT b.group_id, b.role_id, b.existing, r.name AS role, t.name AS template
          FROM (SELECT * FROM b LIMIT 1) b
          LEFT JOIN bg_internal.template t ON t.id = b.template_id
          LEFT JOIN bg_internal.role r ON r.id = b.role_id';
$$;
COMMENT ON FUNCTION bg_internal._member_check_sql() IS 'Internal: SQL of the check of the new member rows of a statement.';

CREATE OR REPLACE FUNCTION bg_internal._members_changed() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bg_members_changed';
COMMENT ON FUNCTION bg_internal._members_changed() IS 'Internal: keeps stored scores exact after each statement that changes members.';

CREATE FUNCTION bg_internal._members_changed_general() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad record;
BEGIN
    IF bg_internal._restoring() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' AND bg_internal._take_scores_stored() THEN
        RETURN NULL;        -- bg.create_buying_groups stores them with the groups
    END IF;
    -- a statement that wrote no member (live mode's apply fires the insert
    -- and the update triggers whatever it wrote) has nothing to check
    -- (nested: only these triggers have new_rows)
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF NOT EXISTS (SELECT FROM new_rows) THEN
            RETURN NULL;
        END IF;
    END IF;
    -- recount first: that locks the groups, so the check below sees a group
    -- that a concurrent transaction deleted (and the error undoes the recount)
    IF TG_OP = 'INSERT' THEN
        PERFORM bg_internal._rescore(ARRAY(SELECT DISTINCT n.group_id FROM new_rows n));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM bg_internal._rescore(ARRAY(SELECT n.group_id FROM new_rows n UNION SELECT o.group_id FROM old_rows o));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM bg_internal._rescore(ARRAY(SELECT DISTINCT o.group_id FROM old_rows o));
    ELSE
        PERFORM bg_internal._rescore(ARRAY(SELECT g.id FROM bg_internal.buying_group g));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE bg_internal._member_check_sql() INTO bad;
        PERFORM bg_internal._reject_member(bad.group_id, bad.existing, bad.role_id, bad.role, bad.template);
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._members_changed_general() IS 'Internal: the member triggers'' path for the statements their C function does not take.';

CREATE OR REPLACE FUNCTION bg_internal._groups_deleted() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF bg_internal._restoring() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM bg_internal.member;      -- (TRUNCATE here would fail when both are truncated together)
        DELETE FROM bg_internal.stage_move;
        DELETE FROM bg_internal.suggestion;
    ELSE
        DELETE FROM bg_internal.member m WHERE m.group_id IN (SELECT o.id FROM old_rows o);
        DELETE FROM bg_internal.stage_move m WHERE m.group_id IN (SELECT o.id FROM old_rows o);
        DELETE FROM bg_internal.suggestion m WHERE m.group_id IN (SELECT o.id FROM old_rows o);
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._groups_deleted() IS 'Internal: deletes the members, the stage history and the suggestions of deleted buying groups.';

CREATE OR REPLACE FUNCTION bg_internal._role_renamed() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._rescore(ARRAY(
        SELECT g.id FROM bg_internal.buying_group g
          JOIN bg_internal.solution_interest si ON si.id = g.solution_interest_id
         WHERE si.template_id IN (SELECT x.template_id FROM bg_internal.template_role x
                                   WHERE x.role_id IN (SELECT n.id FROM new_rows n))));
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._role_renamed() IS 'Internal: refreshes stored scores after a role is renamed.';

-- sql/bg/events.sql
CREATE FUNCTION bg_internal._event_context() RETURNS text
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_event_context';
COMMENT ON FUNCTION bg_internal._event_context() IS 'Internal: the context of the writer (sync, live, job), the source of its events; NULL for none.';

CREATE FUNCTION bg_internal._jsonb_object_memo(VARIADIC "any") RETURNS jsonb
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_jsonb_object_memo';
COMMENT ON FUNCTION bg_internal._jsonb_object_memo("any") IS 'Internal: jsonb_build_object of its arguments, kept per call site for arguments met again.';

CREATE FUNCTION bg_internal._event_batch() RETURNS bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'bg_event_batch';
COMMENT ON FUNCTION bg_internal._event_batch() IS 'Internal: the open event batch of the current transaction, opened on first use.';

CREATE FUNCTION bg_internal._batch_committing() RETURNS trigger
    LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'bg_batch_committing';
COMMENT ON FUNCTION bg_internal._batch_committing() IS 'Internal: at commit, draws the delivery ids of an event batch in commit order and notifies bg_events.';

CREATE FUNCTION bg_internal._member_events_sql(op text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE op
        WHEN 'INSERT' THEN '
        INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, person_key,
                                       new_value, source)
        SELECT (SELECT bg_internal._event_batch()), ''member_assigned'', n.group_id, s.name, g.account_key, n.person_key,
               jsonb_build_object(''role'', r.name, ''source'', n.source, ''is_removed'', n.is_removed,
                                  ''added_at'', n.added_at, ''removed_at'', n.removed_at),
               coalesce($1, n.source)
          FROM new_rows n
          JOIN bg_internal.buying_group g ON g.id = n.group_id
          JOIN bg_internal.solution_interest s ON s.id = g.solution_interest_id
          LEFT JOIN bg_internal.role r ON r.id = n.role_id
         WHERE NOT n.is_removed
         ORDER BY n.group_id, n.person_key'
        WHEN 'UPDATE' THEN '
        INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, person_key,
                                       old_value, new_value, source)
        SELECT (SELECT bg_internal._event_batch()),
               CASE WHEN n.is_removed THEN ''member_removed''
                    WHEN o.is_removed OR o.role_id = n.role_id THEN ''member_assigned''
                    ELSE ''role_changed'' END,
               n.group_id, s.name, g.account_key, n.person_key,
               jsonb_build_object(''role'', ro.name, ''source'', o.source, ''is_removed'', o.is_removed,
                                  ''added_at'', o.added_at, ''removed_at'', o.removed_at),
               jsonb_build_object(''role'', rn.name, ''source'', n.source, ''is_removed'', n.is_removed,
                                  ''added_at'', n.added_at, ''removed_at'', n.removed_at),
               coalesce($1, n.source)
          FROM old_rows o
          JOIN new_rows n ON n.group_id = o.group_id AND n.person_key = o.person_key
          JOIN bg_internal.buying_group g ON g.id = n.group_id
          JOIN bg_internal.solution_interest s ON s.id = g.solution_interest_id
          LEFT JOIN bg_internal.role ro ON ro.id = o.role_id
          LEFT JOIN bg_internal.role rn ON rn.id = n.role_id
         WHERE (o.role_id, o.source, o.is_removed) IS DISTINCT FROM (n.role_id, n.source, n.is_removed)
         ORDER BY n.group_id, n.person_key'
        WHEN 'DELETE' THEN '
        INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, person_key,
                                       old_value, source)
        SELECT (SELECT bg_internal._event_batch()), ''member_removed'', o.group_id,
               coalesce(s.name, d.solution_interest), coalesce(g.account_key, d.account_key), o.person_key,
               jsonb_build_object(''role'', r.name, ''source'', o.source, ''is_removed'', o.is_removed,
                                  ''added_at'', o.added_at, ''removed_at'', o.removed_at),
               coalesce($1, ''manual'')
          FROM old_rows o
          LEFT JOIN bg_internal.buying_group g ON g.id = o.group_id
          LEFT JOIN bg_internal.solution_interest s ON s.id = g.solution_interest_id
          LEFT JOIN (SELECT e.group_id, e.solution_interest, e.account_key FROM bg_internal.event e
                      WHERE e.batch = (SELECT x.id FROM bg_internal.event_batch x
                                        WHERE x.xid = pg_current_xact_id() AND x.base IS NULL)
                        AND e.kind = ''group_deleted'') d ON g.id IS NULL AND d.group_id = o.group_id
          LEFT JOIN bg_internal.role r ON r.id = o.role_id
         WHERE coalesce(s.name, d.solution_interest) IS NOT NULL
         ORDER BY o.group_id, o.person_key'
    END;
$$;
COMMENT ON FUNCTION bg_internal._member_events_sql(text) IS 'Internal: SQL of the events of a statement on bg_internal.member.';

CREATE FUNCTION bg_internal._change_events() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bg_change_events';
COMMENT ON FUNCTION bg_internal._change_events() IS 'Internal: writes the events of a statement that changes buying groups or members.';

CREATE FUNCTION bg_internal._change_events_general() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ctx text := bg_internal._event_context();
BEGIN
    IF bg_internal._restoring() THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'buying_group' THEN
        INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, old_value, source)
        SELECT (SELECT bg_internal._event_batch()), 'group_deleted', o.id, s.name, o.account_key,
               to_jsonb(o) - 'name' - 'account_name' || jsonb_build_object('stage', st.name), coalesce(ctx, 'manual')
          FROM old_rows o
          JOIN bg_internal.solution_interest s ON s.id = o.solution_interest_id
          LEFT JOIN bg_internal.stage st ON st.id = o.stage_id
         ORDER BY o.id;
        RETURN NULL;
    END IF;
    -- (live mode's apply fires the insert and update triggers whatever it
    -- wrote; nested: only they have new_rows)
    IF TG_OP = 'INSERT' THEN
        IF ctx = 'job' OR NOT EXISTS (SELECT FROM new_rows) THEN
            RETURN NULL;
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (SELECT FROM new_rows) THEN
            RETURN NULL;
        END IF;
    END IF;
    EXECUTE bg_internal._member_events_sql(TG_OP) USING ctx;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._change_events_general() IS 'Internal: the event triggers'' path for the statements their C function does not take, and group_deleted.';

-- sql/bg/jobs.sql
CREATE OR REPLACE FUNCTION bg_internal._new_groups(si bg_internal.solution_interest, list integer) RETURNS bigint
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT bg_internal._new_groups_of($1, 'SELECT e.account_key FROM bg_internal.account_list_entry e
                                            WHERE e.list_id = $1', $2);
$$;
COMMENT ON FUNCTION bg_internal._new_groups(bg_internal.solution_interest, integer) IS 'Internal: the new groups of a creation job, in a temporary table.';

CREATE FUNCTION bg_internal._new_groups_of(si bg_internal.solution_interest, accounts text, arg integer) RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg_internal.binding := bg_internal._bound('accounts');
    p bg_internal.binding := bg_internal._bound('people');
    n bigint;
BEGIN
    IF pg_catalog.to_regclass('pg_temp.bg_new_group') IS NOT NULL THEN
        DROP TABLE pg_temp.bg_new_group;      -- an earlier job of this transaction
    END IF;
    -- the accounts' names are read as the accounts' owner; ids are drawn in
    -- the order of the account keys (as values of the key column's type)
    EXECUTE format(
        'CREATE TEMPORARY TABLE bg_new_group ON COMMIT DROP AS
         WITH e AS MATERIALIZED (
           SELECT e.account_key FROM (%s) e
            WHERE NOT EXISTS (SELECT FROM bg_internal.buying_group g
                               WHERE g.solution_interest_id = $2 AND g.account_key = e.account_key))
         SELECT pg_catalog.nextval(''bg_internal.buying_group_id_seq'') AS gid, e.account_key,
                a.account_name, e.account_key::%s AS account_value
           FROM e JOIN bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L,
                                         (SELECT pg_catalog.array_agg(x.account_key) FROM e x))
                       AS a(k text, account_name text) ON a.k = e.account_key
          ORDER BY e.account_key::%s',
        accounts, bg_internal._coltype(p.relid, p.account_column), a.relid::oid,
        format('SELECT u.k, %s FROM pg_catalog.unnest($1) AS u(k) JOIN %s a ON a.%I = u.k::%s',
               bg_internal._name_sql(format('a.%I', a.name_column)), a.relid, a.key_column,
               bg_internal._coltype(a.relid, a.key_column)),
        bg_internal._coltype(a.relid, a.key_column))
        USING arg, si.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    ANALYZE pg_temp.bg_new_group;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg_internal._new_groups_of(bg_internal.solution_interest, text, integer) IS 'Internal: the new groups of the accounts of a query, in a temporary table.';

CREATE FUNCTION bg_internal._create_groups(jid bigint, s bg_internal.solution_interest,
                                           OUT groups bigint, OUT members bigint)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    walk text;
    -- the first stage of the groups, when the interest has a stage model
    first_stage integer := bg_internal._entry_stage(s.stage_model_id);
    at timestamptz := clock_timestamp();
    -- the source of the group_created events: the caller's (an import's), else job
    prev text := pg_catalog.current_setting('bg.event_source', true);
    src text := coalesce(bg_internal._event_context(), 'job');
BEGIN
    -- for new groups aval is a column of an analyzed table, so the planner
    -- knows how many people it joins
    walk := bg_internal._group_walk_sql(s, 'SELECT n.gid AS root, n.account_key AS acct, n.account_value AS aval
                                     FROM pg_temp.bg_new_group n');
    PERFORM bg_internal._check_cycles(s, walk, NULL);
    -- One statement: the rule members (d, from the walk; $1 no people keys,
    -- $2 the interest), the groups with their scores and rule summaries
    -- (bg_internal._rule_members) counted from the members as they are
    -- inserted (not read back), and the groups'
    -- group_created events (docs/design.md §7.3) with their initial counts:
    -- groups are inserted only here, so no trigger and no transition table
    -- of whole group rows.  The member trigger, told the writer is a job,
    -- writes no member events: group_created counts the members.  Groups
    -- are inserted in id order (their heap and primary key filled in
    -- order; the events' sort by id then finds them sorted), and the
    -- events' values are built once per distinct set of scores
    -- (bg_internal._jsonb_object_memo): the groups of a job share few.
    PERFORM bg_internal._scores_stored(true);
    PERFORM pg_catalog.set_config('bg.event_source', 'job', true);
    EXECUTE 'WITH RECURSIVE ' || bg_internal._group_rule_members_sql(s, walk) || format(',
      m AS (
        INSERT INTO bg_internal.member (group_id, person_key, role_id, source)
        SELECT d.group_id, d.person_key, d.role_id, ''rule'' FROM d
        RETURNING group_id, person_key, role_id),
      sc AS (
        SELECT m.group_id, count(*) AS n, bg_internal._position_tally($5, %s) AS t,
               bg_internal._rule_members(m.person_key, m.role_id) AS r
          FROM m GROUP BY m.group_id),
      g AS (
        INSERT INTO bg_internal.buying_group (id, solution_interest_id, account_key, name, account_name, job_id,
                                     member_count, role_counts, completeness, role_completeness, missing_roles,
                                     stage_id, stage_entered_at, rule_members)
        SELECT y.gid, $2, y.account_key, $3 || '' for '' || coalesce(y.account_name, y.account_key),
               y.account_name, $4, y.n,
               (y.f).role_counts, (y.f).completeness, (y.f).role_completeness, (y.f).missing_roles,
               $6, CASE WHEN $6 IS NOT NULL THEN $7 END, y.r
          FROM (SELECT acc.gid, acc.account_key, acc.account_name, coalesce(sc.n, 0) AS n,
                       bg_internal._tally_scores(coalesce(sc.t, z.t)) AS f, coalesce(sc.r, z.r) AS r
                  FROM pg_temp.bg_new_group acc
                  LEFT JOIN sc ON sc.group_id = acc.gid
                 CROSS JOIN (SELECT bg_internal._position_tally($5, NULL::integer) AS t,
                                    bg_internal._rule_members(NULL::text, NULL::integer) AS r) z
                 ORDER BY acc.gid OFFSET 0) y
        RETURNING id, account_key, member_count, role_counts, completeness, missing_roles, stage_entered_at),
      e AS (
        INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, new_value, source)
        SELECT (SELECT bg_internal._event_batch()), ''group_created'', g.id, $3, g.account_key,
               bg_internal._jsonb_object_memo(''member_count'', g.member_count, ''role_counts'', g.role_counts,
                                             ''completeness'', g.completeness, ''missing_roles'', g.missing_roles,
                                             ''stage'', $8, ''stage_entered_at'', g.stage_entered_at, ''job'', $4),
               $9
          FROM g ORDER BY g.id
        RETURNING 1)
      SELECT (SELECT count(*) FROM e), (SELECT coalesce(sum(sc.n), 0) FROM sc)',
        bg_internal._role_position_map(s.template_id, 'm.role_id', false))
      INTO groups, members
      USING NULL::text[], s.id, s.name, jid, (SELECT t.name FROM bg_internal.template t WHERE t.id = s.template_id),
            first_stage, at, (SELECT x.name FROM bg_internal.stage x WHERE x.id = first_stage), src;
    PERFORM bg_internal._scores_stored(false);
    PERFORM pg_catalog.set_config('bg.event_source', coalesce(prev, ''), true);
    IF first_stage IS NOT NULL THEN
        PERFORM bg_internal._record_stage_moves(ARRAY(SELECT n.gid FROM pg_temp.bg_new_group n), NULL,
                                                (SELECT x.name FROM bg_internal.stage x WHERE x.id = first_stage),
                                                at, 'created');
    END IF;
    -- many new groups: fresh statistics, so that the per-person lookups of
    -- live mode and manual actions plan index scans right away.  Only the
    -- columns those lookups filter and join on: the score columns (jsonb,
    -- arrays) took ten times as long to sample, and autovacuum gets to them.
    IF groups >= 1000 THEN
        ANALYZE bg_internal.buying_group (id, solution_interest_id, account_key);
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._create_groups(bigint, bg_internal.solution_interest) IS 'Internal: creates the groups of pg_temp.bg_new_group with their rule members and scores.';

CREATE FUNCTION bg_internal._run_job(jid bigint, si integer, list integer) RETURNS jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := (SELECT x FROM bg_internal.solution_interest x WHERE x.id = si);
    c record;
BEGIN
    PERFORM bg_internal._new_groups(s, list);
    c := bg_internal._create_groups(jid, s);
    UPDATE bg_internal.job SET status = 'done', groups_created = c.groups, members_added = c.members,
                      finished_at = clock_timestamp()
     WHERE id = jid;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._run_job(bigint, integer, integer) IS 'Internal: the run of a creation job (of a solution interest and an account list, by id).';

CREATE FUNCTION bg_internal._run_recorded(jid bigint, record_failure boolean, run text, arg anyelement) RETURNS jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    res jsonb;
    st text; msg text; det text;
BEGIN
    IF NOT record_failure THEN
        EXECUTE run INTO res USING jid, arg;
        RETURN res;
    END IF;
    BEGIN
        EXECUTE run INTO res USING jid, arg;
        RETURN res;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
        UPDATE bg_internal.job SET status = 'failed', finished_at = clock_timestamp(), error = msg, error_code = st
         WHERE id = jid;
        RAISE WARNING '% job % failed',
                      (SELECT CASE j.kind WHEN 'engagement' THEN 'engagement' ELSE 'buying group' END
                         FROM bg_internal.job j WHERE j.id = jid), jid
            USING ERRCODE = st, DETAIL = bg_internal._cause_detail(msg, det),
                  HINT = 'Nothing of the job was kept; see bg.jobs.';
    END;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._run_recorded(bigint, boolean, text, anyelement) IS 'Internal: runs a job, raising its error or, with record_failure, recording it in the job.';

CREATE FUNCTION bg.create_buying_groups(solution_interest text, account_list text,
                                        record_failure boolean DEFAULT false) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET bg.event_source = 'job' AS $$
DECLARE
    s bg_internal.solution_interest := bg_internal._interest($1);
    l bg_internal.account_list := bg_internal._list($2);
    jid bigint;
BEGIN
    IF $3 IS NULL THEN
        RAISE EXCEPTION 'record_failure must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM bg_internal._bound('people');
    PERFORM bg_internal._bound('accounts');
    IF s.include_subaccounts THEN
        PERFORM bg_internal._account_tree(s);
    END IF;
    -- Concurrent runs for one solution interest queue, so no account gets two
    -- groups; and every statement of the run sees what the writers of
    -- people that live mode tracks for this interest committed, while they
    -- wait for the new groups before re-evaluating their people (§6.8).
    s := bg_internal._lock_interest(s, true, true);
    IF l.kind = 'dynamic' THEN
        PERFORM bg.refresh_account_list(l.name);
    END IF;
    INSERT INTO bg_internal.job (solution_interest, account_list) VALUES (s.name, l.name) RETURNING id INTO jid;
    PERFORM bg_internal._run_recorded(jid, $3, 'SELECT bg_internal._run_job($1, $2[1], $2[2])', ARRAY[s.id, l.id]);
    RETURN jid;
END $$;
COMMENT ON FUNCTION bg.create_buying_groups(text, text, boolean) IS
    'Creates a buying group for every account of the list that has none for the solution interest, assigns members by the template''s conditions and records the run in bg.jobs; returns the job id. An error is raised, unless record_failure is true: then the job is recorded as failed and a warning is raised.';

CREATE OR REPLACE FUNCTION bg.drop_buying_groups(solution_interest text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := bg_internal._lock_interest(bg_internal._interest($1), true, true);
    n bigint;
BEGIN
    -- groups in id order, as every writer of members locks them (§6.8)
    PERFORM FROM bg_internal.buying_group g WHERE g.solution_interest_id = s.id ORDER BY g.id FOR UPDATE;
    DELETE FROM bg_internal.buying_group g WHERE g.solution_interest_id = s.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg.drop_buying_groups(text) IS
    'Deletes every buying group of a solution interest with its members; returns how many groups were deleted.';

CREATE FUNCTION bg_internal._buying_group_id(s bg_internal.solution_interest, account_key text) RETURNS bigint
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT g.id FROM bg_internal.buying_group g WHERE g.solution_interest_id = s.id AND g.account_key = $2;
$$;
COMMENT ON FUNCTION bg_internal._buying_group_id(bg_internal.solution_interest, text) IS 'Internal: the id of the buying group of a solution interest for an account key (text form), or NULL.';

CREATE OR REPLACE FUNCTION bg.buying_group_id(solution_interest text, account anyelement) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT bg_internal._buying_group_id(bg_internal._interest($1), bg_internal._key($2, 'accounts'));
$$;
COMMENT ON FUNCTION bg.buying_group_id(text, anyelement) IS
    'The id of the buying group of a solution interest for an account (a key or a row of the bound accounts), or NULL.';

CREATE FUNCTION bg.buying_group_id(solution_interest text, account text) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT bg_internal._buying_group_id(bg_internal._interest($1), bg_internal._key($2, 'accounts'));
$$;
COMMENT ON FUNCTION bg.buying_group_id(text, text) IS
    'bg.buying_group_id for an account key given as text or as an untyped parameter.';

CREATE FUNCTION bg.purge_jobs(older_than interval) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM bg_internal._require_age($1, 'Give an age such as interval ''30 days''; interval ''0'' purges every finished job.');
    WITH d AS (DELETE FROM bg_internal.job j WHERE j.status <> 'running' AND j.finished_at <= pg_catalog.clock_timestamp() - $1
               RETURNING j.id, j.kind),
         c AS (DELETE FROM bg_internal.enrichment_change c USING d WHERE d.kind = 'enrichment' AND c.job_id = d.id)
    SELECT count(*) INTO n FROM d;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg.purge_jobs(interval) IS
    'Deletes the finished (done or failed) jobs that ended more than older_than ago, with the change log of enrichments (which can then no longer be undone); running jobs stay. Returns how many jobs were deleted.';

-- sql/bg/members.sql
CREATE OR REPLACE FUNCTION bg_internal._group(buying_group bigint) RETURNS bg_internal.buying_group
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g bg_internal.buying_group;
    s bg_internal.solution_interest;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'buying group must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT si.* INTO s FROM bg_internal.buying_group x JOIN bg_internal.solution_interest si ON si.id = x.solution_interest_id
     WHERE x.id = $1;
    IF FOUND THEN
        -- a concurrent drop of the groups holds it: wait, then find the group gone
        PERFORM bg_internal._lock_interest(s, false, false);
        SELECT * INTO g FROM bg_internal.buying_group x WHERE x.id = $1 FOR NO KEY UPDATE;
    END IF;
    IF g.id IS NULL THEN
        RAISE EXCEPTION 'buying group % does not exist', $1
            USING ERRCODE = 'undefined_object', HINT = 'The buying groups are listed in bg.buying_groups.';
    END IF;
    RETURN g;
END $$;
COMMENT ON FUNCTION bg_internal._group(bigint) IS 'Internal: a buying group by id, locked; errors when unknown.';

CREATE OR REPLACE FUNCTION bg_internal._group_role(g bg_internal.buying_group, role text) RETURNS integer
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tid integer := (SELECT s.template_id FROM bg_internal.solution_interest s WHERE s.id = g.solution_interest_id);
BEGIN
    RETURN (bg_internal._template_role(tid, (SELECT t.name FROM bg_internal.template t WHERE t.id = tid), role)).role_id;
END $$;
COMMENT ON FUNCTION bg_internal._group_role(bg_internal.buying_group, text) IS 'Internal: a role of a group''s template; errors otherwise.';

CREATE OR REPLACE FUNCTION bg_internal._require_people(g bg_internal.buying_group, keys text[]) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := (SELECT x FROM bg_internal.solution_interest x WHERE x.id = g.solution_interest_id);
    walk text;
    outside text;
BEGIN
    PERFORM bg_internal._require_keys(keys, 'people');
    walk := bg_internal._person_walk_sql(s);
    PERFORM bg_internal._check_cycles(s, walk, keys);
    EXECUTE 'WITH RECURSIVE ' || walk || '
        SELECT string_agg(k, '', '' ORDER BY k) FROM (
          SELECT k FROM unnest($1) AS k
           WHERE NOT EXISTS (SELECT FROM walk w WHERE w.pkey = k AND w.acct = $3 AND NOT w.is_cycle)
           ORDER BY k LIMIT 5) x'
       INTO outside USING keys, s.id, g.account_key;
    IF outside IS NOT NULL THEN
        RAISE EXCEPTION 'person % is not in account % of buying group "%"', outside, g.account_key, g.name
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = CASE WHEN s.include_subaccounts
                                THEN 'A member must belong to the group''s account or one of its subaccounts.'
                                ELSE 'A member must belong to the group''s account.' END;
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._require_people(bg_internal.buying_group, text[]) IS 'Internal: errors unless the people belong to the group''s account.';

CREATE OR REPLACE FUNCTION bg_internal._require_members(g bg_internal.buying_group, keys text[], current_only boolean) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    missing text;
BEGIN
    SELECT string_agg(k, ', ' ORDER BY k) INTO missing FROM unnest(keys) AS k
     WHERE NOT EXISTS (SELECT FROM bg_internal.member m
                        WHERE m.group_id = g.id AND m.person_key = k AND NOT (current_only AND m.is_removed));
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'person % is not a member of buying group "%"', missing, g.name
            USING ERRCODE = 'undefined_object',
                  HINT = CASE WHEN current_only THEN 'Add a member with bg.assign_member.'
                              ELSE 'The members are listed in bg.members.' END;
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._require_members(bg_internal.buying_group, text[], boolean) IS 'Internal: errors unless the people are members of a group.';

CREATE OR REPLACE FUNCTION bg_internal._assign(buying_group bigint, keys text[], role text, only_members boolean) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g bg_internal.buying_group := bg_internal._group($1);
    rid integer := bg_internal._group_role(g, $3);
BEGIN
    IF only_members THEN
        PERFORM bg_internal._require_members(g, keys, true);
    ELSE
        PERFORM bg_internal._require_people(g, keys);
    END IF;
    INSERT INTO bg_internal.member AS m (group_id, person_key, role_id, source)
    SELECT g.id, k, rid, 'manual' FROM unnest(keys) AS k
    ON CONFLICT (group_id, person_key) DO UPDATE
       SET role_id = excluded.role_id, source = 'manual', is_removed = false, removed_at = NULL,
           added_at = CASE WHEN m.is_removed THEN now() ELSE m.added_at END
     WHERE m.role_id <> excluded.role_id OR m.source <> 'manual' OR m.is_removed;
END $$;
COMMENT ON FUNCTION bg_internal._assign(bigint, text[], text, boolean) IS 'Internal: manual role assignment of people in a group.';

CREATE OR REPLACE FUNCTION bg.assign_member(buying_group bigint, person anyelement, role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._assign($1, ARRAY[bg_internal._key($2, 'people')], $3, false);
END $$;
COMMENT ON FUNCTION bg.assign_member(bigint, anyelement, text) IS
    'Makes a person (a key or a row of the bound people) a manual member of a buying group with a role; a manual decision survives every sync.';

CREATE FUNCTION bg.assign_member(buying_group bigint, person text, role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._assign($1, ARRAY[bg_internal._key($2, 'people')], $3, false);
END $$;
COMMENT ON FUNCTION bg.assign_member(bigint, text, text) IS
    'bg.assign_member for a key given as text or as an untyped parameter (cast to the people key type).';

CREATE OR REPLACE FUNCTION bg.assign_members(buying_group bigint, people anyarray, role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._assign($1, bg_internal._keys($2, 'people'), $3, false);
END $$;
COMMENT ON FUNCTION bg.assign_members(bigint, anyarray, text) IS
    'Makes people (keys or rows) manual members of a buying group with a role, in one statement.';

CREATE FUNCTION bg.assign_members(buying_group bigint, people text, role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg.assign_members($1, bg_internal._keys_text($2, 'people'), $3);
END $$;
COMMENT ON FUNCTION bg.assign_members(bigint, text, text) IS
    'bg.assign_members for keys given as an array literal (''{1,2}''), as drivers send an untyped array parameter.';

CREATE OR REPLACE FUNCTION bg.set_member_role(buying_group bigint, person anyelement, role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._assign($1, ARRAY[bg_internal._key($2, 'people')], $3, true);
END $$;
COMMENT ON FUNCTION bg.set_member_role(bigint, anyelement, text) IS
    'Changes the role of a member of a buying group; the member becomes manual and keeps the role through every sync.';

CREATE FUNCTION bg.set_member_role(buying_group bigint, person text, role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._assign($1, ARRAY[bg_internal._key($2, 'people')], $3, true);
END $$;
COMMENT ON FUNCTION bg.set_member_role(bigint, text, text) IS
    'bg.set_member_role for a key given as text or as an untyped parameter.';

CREATE OR REPLACE FUNCTION bg_internal._remove(buying_group bigint, keys text[]) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g bg_internal.buying_group := bg_internal._group($1);
BEGIN
    PERFORM bg_internal._require_members(g, keys, false);
    UPDATE bg_internal.member m SET is_removed = true, source = 'manual',
                           removed_at = CASE WHEN m.is_removed THEN m.removed_at ELSE now() END
     WHERE m.group_id = g.id AND m.person_key = ANY (keys)
       AND NOT (m.is_removed AND m.source = 'manual');
END $$;
COMMENT ON FUNCTION bg_internal._remove(bigint, text[]) IS 'Internal: manual removal of members of a group.';

CREATE OR REPLACE FUNCTION bg.remove_member(buying_group bigint, person anyelement) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._remove($1, ARRAY[bg_internal._key($2, 'people')]);
END $$;
COMMENT ON FUNCTION bg.remove_member(bigint, anyelement) IS
    'Removes a member from a buying group; the member is kept as removed (manual) and no sync brings it back.';

CREATE FUNCTION bg.remove_member(buying_group bigint, person text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._remove($1, ARRAY[bg_internal._key($2, 'people')]);
END $$;
COMMENT ON FUNCTION bg.remove_member(bigint, text) IS
    'bg.remove_member for a key given as text or as an untyped parameter.';

CREATE OR REPLACE FUNCTION bg.remove_members(buying_group bigint, people anyarray) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._remove($1, bg_internal._keys($2, 'people'));
END $$;
COMMENT ON FUNCTION bg.remove_members(bigint, anyarray) IS
    'Removes members from a buying group in one statement; they are kept as removed (manual).';

CREATE FUNCTION bg.remove_members(buying_group bigint, people text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg.remove_members($1, bg_internal._keys_text($2, 'people'));
END $$;
COMMENT ON FUNCTION bg.remove_members(bigint, text) IS
    'bg.remove_members for keys given as an array literal (''{1,2}''), as drivers send an untyped array parameter.';

-- sql/bg/sync.sql
CREATE OR REPLACE FUNCTION bg.sync(solution_interest text DEFAULT NULL) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET bg.event_source = 'sync' AS $$
DECLARE
    s bg_internal.solution_interest;
    r jsonb;
    total jsonb := '{"groups": 0, "added": 0, "removed": 0, "changed": 0}';
BEGIN
    IF $1 IS NOT NULL THEN
        s := bg_internal._interest($1);
        IF NOT s.update_existing THEN
            RAISE EXCEPTION 'solution interest "%" does not update existing buying groups', s.name
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Only solution interests created with update_existing => true are synced.';
        END IF;
    END IF;
    FOR s IN SELECT * FROM bg_internal.solution_interest x
              WHERE x.update_existing AND ($1 IS NULL OR x.name = $1) ORDER BY x.id LOOP
        IF EXISTS (SELECT FROM bg_internal.buying_group g WHERE g.solution_interest_id = s.id) THEN
            r := bg_internal._sync(s, NULL);
            SELECT jsonb_object_agg(k, (total ->> k)::bigint + (r ->> k)::bigint) INTO total
              FROM jsonb_object_keys(total) AS k;
        END IF;
    END LOOP;
    RETURN total;
END $$;
COMMENT ON FUNCTION bg.sync(text) IS
    'Re-evaluates the buying groups of one (or every) solution interest with update_existing: new matches join, rule members that no longer match leave; manual and imported members stay. Returns {"groups", "added", "removed", "changed"}.';

CREATE FUNCTION bg_internal._group_names_sql(bounded boolean DEFAULT false) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg_internal.binding;
    bound_h text := '($3 IS NULL OR h.id = ANY ($3))';
    bound_g text := '($3 IS NULL OR g.id = ANY ($3))';
BEGIN
    SELECT * INTO a FROM bg_internal.binding b WHERE b.kind = 'accounts';
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF bounded THEN
        bound_h := 'h.id = ANY ($3)';
        bound_g := 'g.id = ANY ($3)';
    END IF;
    RETURN format(
        'SELECT x.id, x.name, x.account_name
           FROM (SELECT g.id, g.name AS old_name, g.account_name AS old_account_name,
                        $4 || '' for '' || coalesce(y.account_name, g.account_key) AS name, y.account_name
                   FROM bg_internal.buying_group g
                   JOIN bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L,
                                          (SELECT pg_catalog.array_agg(DISTINCT h.account_key)
                                             FROM bg_internal.buying_group h
                                            WHERE h.solution_interest_id = $2 AND %s))
                        AS y(k text, account_name text) ON y.k = g.account_key
                  WHERE g.solution_interest_id = $2 AND %s) x
          WHERE (x.old_name, x.old_account_name) IS DISTINCT FROM (x.name, x.account_name)',
        a.relid::oid,
        format('SELECT u.k, %s FROM pg_catalog.unnest($1) AS u(k) JOIN %s a ON a.%I = u.k::%s',
               bg_internal._name_sql(format('a.%I', a.name_column)), a.relid, a.key_column,
               bg_internal._coltype(a.relid, a.key_column)),
        bound_h, bound_g);
END $$;
COMMENT ON FUNCTION bg_internal._group_names_sql(boolean) IS 'Internal: SQL of the buying groups whose names no longer follow their account''s name.';

CREATE FUNCTION bg_internal._apply_sql() RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ',
            ins AS (
              INSERT INTO bg_internal.member (group_id, person_key, role_id, source)
              SELECT x.group_id, x.person_key, x.want_role, ''rule'' FROM diff x WHERE NOT x.present
              ON CONFLICT (group_id, person_key) DO NOTHING
              RETURNING 1),
            upd AS (
              UPDATE bg_internal.member m
                 SET role_id = CASE WHEN x.wanted THEN x.want_role ELSE m.role_id END,
                     is_removed = NOT x.wanted,
                     removed_at = CASE WHEN x.wanted THEN NULL ELSE now() END,
                     added_at = CASE WHEN x.wanted AND m.is_removed THEN now() ELSE m.added_at END
                FROM diff x
               WHERE x.present AND m.group_id = x.group_id AND m.person_key = x.person_key AND m.source = ''rule''
                 AND CASE WHEN x.wanted THEN m.is_removed OR m.role_id <> x.want_role ELSE NOT m.is_removed END
              RETURNING x.wanted, x.was_removed AS readded)
            SELECT (SELECT count(*) FROM ins), u.readded, u.changed, u.removed
              FROM (SELECT count(*) FILTER (WHERE wanted AND readded) AS readded,
                           count(*) FILTER (WHERE wanted AND NOT readded) AS changed,
                           count(*) FILTER (WHERE NOT wanted) AS removed
                      FROM upd) u';
$$;
COMMENT ON FUNCTION bg_internal._apply_sql() IS 'Internal: SQL of the writes of a sync, after its diff.';

CREATE FUNCTION bg_internal._join_diff_sql() RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ',
            cur AS (
              SELECT m.group_id, m.person_key, m.role_id, m.source, m.is_removed
                FROM bg_internal.member m JOIN bg_internal.buying_group g ON g.id = m.group_id
               WHERE g.solution_interest_id = $2 AND ($1 IS NULL OR m.person_key = ANY ($1))
                 AND ($3 IS NULL OR m.group_id = ANY ($3))),
            diff AS MATERIALIZED (
              SELECT coalesce(d.group_id, c.group_id) AS group_id, coalesce(d.person_key, c.person_key) AS person_key,
                     d.role_id AS want_role, c.group_id IS NOT NULL AS present, d.group_id IS NOT NULL AS wanted,
                     coalesce(c.is_removed, false) AS was_removed
                FROM d FULL JOIN cur c ON c.group_id = d.group_id AND c.person_key = d.person_key
               WHERE ($3 IS NULL OR coalesce(d.group_id, c.group_id) = ANY ($3))
                 AND (c.group_id IS NULL
                      OR (c.source = ''rule'' AND d.group_id IS NULL AND NOT c.is_removed)
                      OR (c.source = ''rule'' AND d.group_id IS NOT NULL AND (c.is_removed OR c.role_id <> d.role_id))))';
$$;
COMMENT ON FUNCTION bg_internal._join_diff_sql() IS 'Internal: SQL of the diff of a sync by a full join of wanted and current members.';

CREATE FUNCTION bg_internal._lock_people_sql() RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '
            SELECT array_agg(x.id) FROM (
              SELECT g.id FROM bg_internal.buying_group g
               WHERE g.id = ANY (ARRAY(SELECT d.group_id FROM d
                                       UNION SELECT m.group_id FROM bg_internal.member m
                                              WHERE m.person_key = ANY ($1)
                                                AND EXISTS (SELECT FROM bg_internal.buying_group x
                                                             WHERE x.id = m.group_id AND x.solution_interest_id = $2)))
               ORDER BY g.id FOR NO KEY UPDATE OF g) x';
$$;
COMMENT ON FUNCTION bg_internal._lock_people_sql() IS 'Internal: SQL that locks the groups of given people.';

CREATE FUNCTION bg_internal._sync_diff(groups text, walk text, interest integer, group_ids bigint[], people regclass,
                                       people_query text, people_filter text, template text, role_ids integer[])
    RETURNS TABLE (group_id bigint, person_key text, want_role integer, present boolean, wanted boolean,
                   was_removed boolean)
    LANGUAGE c STABLE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_sync_diff';
COMMENT ON FUNCTION bg_internal._sync_diff(text, text, integer, bigint[], regclass, text, text, text, integer[]) IS 'Internal: the rule members a sync of groups must change, computed in memory.';

CREATE FUNCTION bg_internal._sync_changed(groups text, walk text, interest integer, group_ids bigint[], people regclass,
                                          people_query text, people_filter text, template text, role_ids integer[],
                                          accounts regclass, accounts_query text, accounts_filter text,
                                          interest_name text)
    RETURNS bigint[] LANGUAGE c STABLE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_sync_changed';
COMMENT ON FUNCTION bg_internal._sync_changed(text, text, integer, bigint[], regclass, text, text, text, integer[], regclass, text, text, text) IS 'Internal: the groups a sync must change, found in memory.';

CREATE FUNCTION bg_internal._sync_count_changed(groups text, walk text, interest integer, group_ids bigint[], people regclass,
                                                people_query text, people_filter text, template text, role_ids integer[],
                                                accounts regclass, accounts_query text, accounts_filter text,
                                                interest_name text, OUT groups_read bigint, OUT changed bigint[])
    RETURNS record LANGUAGE c STABLE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_sync_count_changed';
COMMENT ON FUNCTION bg_internal._sync_count_changed(text, text, integer, bigint[], regclass, text, text, text, integer[], regclass, text, text, text) IS 'Internal: the groups a sync must change, found in memory, and how many groups were read.';

CREATE FUNCTION bg_internal._sync_diff_sql(si bg_internal.solution_interest, roots text, changed boolean) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    patype text := bg_internal._coltype(p.relid, p.account_column);
    a bg_internal.binding;
    keytype text;
    names text := '';
    name text;
    pkey text := bg_internal._key_sql(p.relid, p.key_column, format('p.%I', p.key_column));
    call text;
BEGIN
    -- an integer key as it is: its canonical text is its decimal form,
    -- which _sync_diff prints itself
    IF bg_internal._key_family(bg_internal._coltype(p.relid, p.key_column)::regtype) = 'integer' THEN
        pkey := format('p.%I', p.key_column);
    END IF;
    SELECT * INTO a FROM bg_internal.binding b WHERE b.kind = 'accounts';
    IF changed AND a.relid IS NOT NULL THEN
        keytype := bg_internal._coltype(a.relid, a.key_column);
        names := format(', g.account_key::%s, g.account_key, g.name, g.account_name', keytype);
    END IF;
    call := format('(%L, %L, $2, $3, %s::pg_catalog.oid::pg_catalog.regclass, %L, %L, %L, %L',
                   format('SELECT g.id, g.account_key::%s, g.member_count, g.rule_members%s FROM bg_internal.buying_group g
                            WHERE g.solution_interest_id = $1 AND ($2 IS NULL OR g.id = ANY ($2))', patype, names),
                   CASE WHEN si.include_subaccounts
                        THEN 'WITH RECURSIVE ' || bg_internal._group_walk_sql(si, roots || ' AND ($3 IS NULL OR g.id = ANY ($3))')
                             || ' SELECT w.root, w.aval FROM walk w WHERE NOT w.is_cycle' END,
                   p.relid::oid,
                   format('SELECT p.%I::%s, %s, %s FROM %s p', p.account_column, patype, pkey,
                          coalesce(bg_internal._person_columns_sql(si), 'p'), p.relid),
                   format('p.%I = ANY ($1::%s[])', p.account_column, patype),
                   (SELECT t.name FROM bg_internal.template t WHERE t.id = si.template_id),
                   (SELECT array_agg(x.role_id ORDER BY x.priority) FROM bg_internal.template_role x
                     WHERE x.template_id = si.template_id));
    IF NOT changed THEN
        RETURN 'bg_internal._sync_diff' || call || ')';
    ELSIF keytype IS NULL THEN
        RETURN 'bg_internal._sync_count_changed' || call || ', NULL, NULL, NULL, $4)';
    END IF;
    -- a name of type text or varchar as it is: its text is itself, which
    -- bg_internal._name_sql's format('%s', ...) gives at a cost per account
    IF (SELECT x.atttypid FROM pg_catalog.pg_attribute x
         WHERE x.attrelid = a.relid AND x.attname = a.name_column)
       IN ('pg_catalog.text'::pg_catalog.regtype, 'pg_catalog.varchar'::pg_catalog.regtype) THEN
        name := format('a.%I::pg_catalog.text', a.name_column);
    ELSE
        name := bg_internal._name_sql(format('a.%I', a.name_column));
    END IF;
    RETURN 'bg_internal._sync_count_changed' || call
           || format(', %s::pg_catalog.oid::pg_catalog.regclass, %L, %L, $4)', a.relid::oid,
                     format('SELECT a.%I, %s FROM %s a', a.key_column, name, a.relid),
                     format('a.%I = ANY ($1::%s[])', a.key_column, keytype));
END $$;
COMMENT ON FUNCTION bg_internal._sync_diff_sql(bg_internal.solution_interest, text, boolean) IS 'Internal: SQL of the call that finds what a sync of groups must change, in memory.';

CREATE OR REPLACE FUNCTION bg_internal._sync(si bg_internal.solution_interest, people text[]) RETURNS jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding;
    roots text;
    walk text;
    wanted text;
    diff text;
    names text;
    locked bigint[];
    added bigint := 0; readded bigint := 0; changed bigint := 0; removed bigint := 0; groups bigint;
BEGIN
    si := bg_internal._lock_interest(si, false, false);
    IF si.id IS NULL THEN                       -- dropped meanwhile (it had no groups)
        RETURN '{"groups": 0, "added": 0, "removed": 0, "changed": 0}';
    END IF;
    IF people IS NOT NULL AND NOT si.include_subaccounts AND cardinality(people) <= 100 THEN
        RETURN bg_internal._sync_people(si, people);
    END IF;
    p := bg_internal._bound('people');
    roots := format('SELECT g.id AS root, g.account_key AS acct, g.account_key::%s AS aval
                       FROM bg_internal.buying_group g WHERE g.solution_interest_id = $2',
                    bg_internal._coltype(p.relid, p.account_column));
    names := bg_internal._group_names_sql();
    IF people IS NULL THEN
        PERFORM bg_internal._check_cycles(si, bg_internal._group_walk_sql(si, roots), people);
        -- the diff computed in memory (bg_internal._sync_diff); $3 (the
        -- locked groups) bounds it once the groups are locked
        diff := 'WITH diff AS MATERIALIZED (SELECT * FROM ' || bg_internal._sync_diff_sql(si, roots, false) || ' x)';
        -- the groups with member changes and those whose account was renamed,
        -- locked together in id order; the interest's groups counted by the
        -- same read (the interest lock keeps their number), before any is
        -- locked or written
        EXECUTE 'SELECT x.groups_read, x.changed FROM ' || bg_internal._sync_diff_sql(si, roots, true) || ' x'
           INTO groups, locked USING NULL::text[], si.id, NULL::bigint[], si.name;
        IF locked IS NOT NULL THEN
            PERFORM FROM bg_internal.buying_group g WHERE g.id = ANY (locked) ORDER BY g.id FOR NO KEY UPDATE;
        END IF;
    ELSE
        walk := bg_internal._person_walk_sql(si);
        wanted := bg_internal._person_rule_members_sql(si, walk);
        PERFORM bg_internal._check_cycles(si, walk, people);
        diff := 'WITH RECURSIVE ' || wanted || bg_internal._join_diff_sql();
        EXECUTE 'WITH RECURSIVE ' || wanted || bg_internal._lock_people_sql() INTO locked USING people, si.id;
    END IF;
    IF locked IS NOT NULL THEN
        EXECUTE diff || bg_internal._apply_sql()
           INTO added, readded, changed, removed USING people, si.id, locked;
        -- names follow renamed accounts, in the groups locked above
        IF names IS NOT NULL THEN
            EXECUTE 'UPDATE bg_internal.buying_group g SET name = n.name, account_name = n.account_name
                       FROM (' || names || ') n WHERE g.id = n.id'
               USING NULL::text[], si.id, locked, si.name;
        END IF;
    END IF;
    IF people IS NOT NULL THEN
        SELECT count(DISTINCT m.group_id) INTO groups
          FROM bg_internal.member m JOIN bg_internal.buying_group g ON g.id = m.group_id
         WHERE g.solution_interest_id = si.id AND m.person_key = ANY (people);
    END IF;
    RETURN jsonb_build_object('groups', groups, 'added', added + readded,
                              'removed', removed, 'changed', changed);
END $$;
COMMENT ON FUNCTION bg_internal._sync(bg_internal.solution_interest, text[]) IS 'Internal: re-evaluates the rule members of a solution interest.';

CREATE FUNCTION bg_internal._sync_people(si bg_internal.solution_interest, people text[]) RETURNS jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k text := 'people:' || si.id;
    wanted text;
    names text;
    diff text;
    locked bigint[];
    added bigint := 0; readded bigint := 0; changed bigint := 0; removed bigint := 0;
BEGIN
    IF NOT bg_internal._plan_ready(k || ':apply') THEN
        wanted := bg_internal._person_members_sql(si);
        names := bg_internal._group_names_sql(true);
        diff := ',
            cur AS (
              SELECT m.group_id, m.person_key, m.role_id, m.source, m.is_removed
                FROM bg_internal.member m
               WHERE m.person_key = ANY ($1) AND m.group_id = ANY ($3)),
            diff AS MATERIALIZED (
              SELECT coalesce(d.group_id, c.group_id) AS group_id, coalesce(d.person_key, c.person_key) AS person_key,
                     d.role_id AS want_role, c.group_id IS NOT NULL AS present, d.group_id IS NOT NULL AS wanted,
                     coalesce(c.is_removed, false) AS was_removed
                FROM d FULL JOIN cur c ON c.group_id = d.group_id AND c.person_key = d.person_key
               WHERE coalesce(d.group_id, c.group_id) = ANY ($3)
                 AND (c.group_id IS NULL
                      OR (c.source = ''rule'' AND d.group_id IS NULL AND NOT c.is_removed)
                      OR (c.source = ''rule'' AND d.group_id IS NOT NULL AND (c.is_removed OR c.role_id <> d.role_id))))';
        PERFORM bg_internal._plan_set(k || ':lock', 'WITH RECURSIVE ' || wanted || bg_internal._lock_people_sql(),
                                      '{text[],integer}');
        PERFORM bg_internal._plan_set(k || ':apply', 'WITH RECURSIVE ' || wanted || diff || bg_internal._apply_sql(),
            '{text[],integer,bigint[]}');
        IF names IS NOT NULL THEN
            PERFORM bg_internal._plan_set(k || ':names',
                'UPDATE bg_internal.buying_group g SET name = n.name, account_name = n.account_name
                   FROM (' || names || ') n WHERE g.id = n.id RETURNING 1',
                '{text[],integer,bigint[],text}');
        END IF;
    END IF;
    SELECT x.locked INTO locked FROM bg_internal._plan_run(k || ':lock', people, si.id) AS x(locked bigint[]);
    IF locked IS NOT NULL THEN
        SELECT x.a, x.r, x.c, x.d INTO added, readded, changed, removed
          FROM bg_internal._plan_run(k || ':apply', people, si.id, locked) AS x(a bigint, r bigint, c bigint, d bigint);
        -- names follow renamed accounts, in the groups locked above
        IF bg_internal._plan_ready(k || ':names') THEN
            PERFORM count(*) FROM bg_internal._plan_run(k || ':names', NULL::text[], si.id, locked, si.name)
                                  AS x(one integer);
        END IF;
    END IF;
    -- the groups the people are in now are the groups locked: every group
    -- they were in, and every group they would be in, which the apply
    -- joined them to
    RETURN jsonb_build_object('groups', coalesce(cardinality(locked), 0), 'added', added + readded,
                              'removed', removed, 'changed', changed);
END $$;
COMMENT ON FUNCTION bg_internal._sync_people(bg_internal.solution_interest, text[]) IS 'Internal: re-evaluates the rule members of a few people, by statements kept planned.';

-- sql/bg/live_mode.sql
CREATE OR REPLACE FUNCTION bg_internal._watched_columns() RETURNS name[]
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT array_agg(DISTINCT a.attname ORDER BY a.attname)
      FROM bg_internal.binding b
      JOIN pg_attribute a ON a.attrelid = b.relid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE b.kind = 'people'
       AND (a.attname IN (b.key_column, b.account_column)
            OR a.attname::text IN (SELECT unnest(bg_internal._condition_columns(x.condition))
                                     FROM bg_internal.solution_interest s
                                     JOIN bg_internal.template_role x ON x.template_id = s.template_id
                                    WHERE s.update_existing AND x.condition IS NOT NULL));
$$;
COMMENT ON FUNCTION bg_internal._watched_columns() IS 'Internal: the people columns live mode watches.';

CREATE OR REPLACE FUNCTION bg_internal._people_changed() RETURNS trigger
    LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET bg.event_source = 'live'
    AS 'MODULE_PATHNAME', 'bg_people_changed';
COMMENT ON FUNCTION bg_internal._people_changed() IS 'Internal: live mode trigger; re-evaluates the memberships of changed people.';

CREATE FUNCTION bg_internal._people_changed_general() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET bg.event_source = 'live' AS $$
DECLARE
    p bg_internal.binding;
    cols name[];
    k text;
    q text;
    keys text[];
    s bg_internal.solution_interest;
BEGIN
    SELECT * INTO p FROM bg_internal.binding b WHERE b.kind = 'people';
    IF NOT FOUND OR p.relid <> TG_RELID OR NOT p.watched
       OR NOT EXISTS (SELECT FROM bg_internal.solution_interest x WHERE x.update_existing) THEN
        RETURN NULL;
    END IF;
    -- the keys of the changed people, by a statement built once per catalog
    -- (bg_internal._memo): only its planning is left to every firing
    IF TG_OP <> 'TRUNCATE' THEN
        q := bg_internal._memo('people_changed:' || TG_OP);
        IF q IS NULL THEN
            k := bg_internal._key_sql(p.relid, p.key_column, format('r.%I', p.key_column));   -- r: new_rows or old_rows
            IF TG_OP = 'INSERT' THEN
                q := format('SELECT array_agg(DISTINCT %s) FROM new_rows r', k);
            ELSIF TG_OP = 'DELETE' THEN
                q := format('SELECT array_agg(DISTINCT %s) FROM old_rows r', k);
            ELSE
                -- only people whose watched columns changed (a changed key is two people)
                cols := bg_internal._watched_columns();
                q := format('SELECT array_agg(DISTINCT k) FROM
                               (SELECT %1$s AS k, ROW(%2$s) AS v FROM new_rows r) nw
                               FULL JOIN (SELECT %1$s AS k, ROW(%2$s) AS v FROM old_rows r) od USING (k)
                              WHERE nw.v IS DISTINCT FROM od.v',
                            k, (SELECT string_agg(format('r.%I', c), ', ') FROM unnest(cols) AS c));
            END IF;
            q := bg_internal._memo_set('people_changed:' || TG_OP, q);
        END IF;
        EXECUTE q INTO keys;
    END IF;
    FOR s IN SELECT * FROM bg_internal.solution_interest x WHERE x.update_existing ORDER BY x.id LOOP
        IF TG_OP = 'TRUNCATE' THEN
            PERFORM bg_internal._sync(s, NULL);
        ELSIF keys IS NOT NULL THEN
            PERFORM bg_internal._sync(s, keys);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._people_changed_general() IS 'Internal: live mode trigger''s general path, for firings out of the ordinary.';

CREATE FUNCTION bg_internal._rename_groups(si bg_internal.solution_interest, accounts text[]) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    names text := bg_internal._group_names_sql();
    ids bigint[];
BEGIN
    si := bg_internal._lock_interest(si, false, false);
    IF si.id IS NULL OR names IS NULL THEN
        RETURN;
    END IF;
    ids := ARRAY(SELECT g.id FROM bg_internal.buying_group g
                  WHERE g.solution_interest_id = si.id AND g.account_key = ANY (accounts));
    EXECUTE 'SELECT array_agg(x.id) FROM (
               SELECT g.id FROM bg_internal.buying_group g WHERE g.id IN (SELECT n.id FROM (' || names || ') n)
                ORDER BY g.id FOR NO KEY UPDATE OF g) x'
       INTO ids USING NULL::text[], si.id, ids, si.name;
    IF ids IS NOT NULL THEN
        EXECUTE 'UPDATE bg_internal.buying_group g SET name = n.name, account_name = n.account_name
                   FROM (' || names || ') n WHERE g.id = n.id'
           USING NULL::text[], si.id, ids, si.name;
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._rename_groups(bg_internal.solution_interest, text[]) IS 'Internal: the names of the groups of renamed accounts follow them.';

CREATE FUNCTION bg_internal._accounts_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg_internal.binding;
    k text;
    v text;
    keys text[];
    s bg_internal.solution_interest;
BEGIN
    SELECT * INTO a FROM bg_internal.binding b WHERE b.kind = 'accounts';
    IF NOT FOUND OR a.relid <> TG_RELID
       OR NOT EXISTS (SELECT FROM bg_internal.binding b WHERE b.kind = 'people' AND b.watched)
       OR NOT EXISTS (SELECT FROM bg_internal.solution_interest x WHERE x.update_existing) THEN
        RETURN NULL;
    END IF;
    k := bg_internal._key_sql(a.relid, a.key_column, format('r.%I', a.key_column));
    v := bg_internal._name_sql(format('r.%I', a.name_column));
    EXECUTE format('SELECT array_agg(DISTINCT nw.k) FROM (SELECT %1$s AS k, %2$s AS v FROM new_rows r) nw
                      LEFT JOIN (SELECT %1$s AS k, %2$s AS v FROM old_rows r) od USING (k)
                     WHERE nw.v IS DISTINCT FROM od.v', k, v)
       INTO keys;
    IF keys IS NOT NULL THEN
        FOR s IN SELECT * FROM bg_internal.solution_interest x WHERE x.update_existing ORDER BY x.id LOOP
            PERFORM bg_internal._rename_groups(s, keys);
        END LOOP;
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._accounts_changed() IS 'Internal: live mode trigger on the bound accounts; group names follow renamed accounts.';

CREATE OR REPLACE FUNCTION bg_internal._unwatch(rel regclass) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['bg_watch_insert', 'bg_watch_update', 'bg_watch_delete', 'bg_watch_truncate',
                             'bg_watch_accounts'] LOOP
        IF EXISTS (SELECT FROM pg_trigger WHERE tgrelid = rel AND tgname = t) THEN
            EXECUTE format('DROP TRIGGER %I ON %s', t, rel);
        END IF;
    END LOOP;
END $$;
COMMENT ON FUNCTION bg_internal._unwatch(regclass) IS 'Internal: removes the live mode triggers from a table.';

CREATE OR REPLACE FUNCTION bg.watch_people("on" boolean DEFAULT true) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    a bg_internal.binding;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'on must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO a FROM bg_internal.binding b WHERE b.kind = 'accounts';
    PERFORM bg_internal._unwatch(p.relid);
    IF a.relid IS NOT NULL THEN
        PERFORM bg_internal._unwatch(a.relid);
    END IF;
    IF $1 THEN
        IF (SELECT relkind FROM pg_class WHERE oid = p.relid) NOT IN ('r', 'p') THEN
            RAISE EXCEPTION 'cannot watch %: it is not a table', p.relid
                USING ERRCODE = 'wrong_object_type',
                      HINT = 'Live mode needs triggers; bind a table, or call bg.sync() after changes instead.';
        END IF;
        -- Citus fires triggers on the shards, where bg's tables are not the coordinator's
        IF bg_internal._citus_table(p.relid) OR (a.relid IS NOT NULL AND bg_internal._citus_table(a.relid)) THEN
            RAISE EXCEPTION 'cannot watch %: live mode does not work on tables that Citus manages',
                    CASE WHEN bg_internal._citus_table(p.relid) THEN p.relid ELSE a.relid END
                USING ERRCODE = 'feature_not_supported',
                      HINT = 'Schedule bg.sync() instead (for instance with pg_cron): it re-evaluates the buying groups of every update_existing solution interest.';
        END IF;
        EXECUTE format('CREATE TRIGGER bg_watch_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._people_changed()', p.relid);
        EXECUTE format('CREATE TRIGGER bg_watch_update AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._people_changed()', p.relid);
        EXECUTE format('CREATE TRIGGER bg_watch_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._people_changed()', p.relid);
        EXECUTE format('CREATE TRIGGER bg_watch_truncate AFTER TRUNCATE ON %s
                        FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._people_changed()', p.relid);
        -- renamed accounts (a bound view is not watched: bg.sync follows its renames)
        IF (SELECT relkind FROM pg_class WHERE oid = a.relid) IN ('r', 'p') THEN
            EXECUTE format('CREATE TRIGGER bg_watch_accounts AFTER UPDATE ON %s
                            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                            FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._accounts_changed()', a.relid);
        END IF;
    END IF;
    UPDATE bg_internal.binding SET watched = $1 WHERE kind = 'people';
END $$;
COMMENT ON FUNCTION bg.watch_people(boolean) IS
    'Live mode: with true, inserts, deletes and updates of condition columns of the bound people re-evaluate their memberships (update_existing solution interests) in the same statement, and group names follow renamed accounts; false stops it.';

CREATE OR REPLACE FUNCTION bg_internal._binding_changed() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF OLD.kind = 'people' AND OLD.watched AND OLD.relid <> NEW.relid THEN
        IF EXISTS (SELECT FROM pg_class WHERE oid = OLD.relid) THEN
            PERFORM bg_internal._unwatch(OLD.relid);
        END IF;
        UPDATE bg_internal.binding SET watched = false WHERE kind = 'people';
        PERFORM bg.watch_people(true);
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._binding_changed() IS 'Internal: keeps live mode on the bound people table.';

-- sql/bg/stages.sql
CREATE FUNCTION bg_internal._stage_model(model text, for_edit boolean) RETURNS bg_internal.stage_model
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m bg_internal.stage_model;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'stage model must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO m FROM bg_internal.stage_model x WHERE x.name = $1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'stage model "%" does not exist', $1
            USING ERRCODE = 'undefined_object', HINT = 'The stage models are listed in bg.stage_models.';
    END IF;
    IF $2 AND m.status = 'live' THEN
        RAISE EXCEPTION 'stage model "%" is live and cannot be changed', $1
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'A live stage model never changes: create another one with bg.create_stage_model and give it to the solution interests with bg.set_stage_model.';
    END IF;
    RETURN m;
END $$;
COMMENT ON FUNCTION bg_internal._stage_model(text, boolean) IS 'Internal: a stage model by name (locked); errors when unknown, or live when editing.';

CREATE FUNCTION bg_internal._stage(m bg_internal.stage_model, stage text) RETURNS bg_internal.stage
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.stage;
BEGIN
    IF stage IS NULL THEN
        RAISE EXCEPTION 'stage must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO s FROM bg_internal.stage x WHERE x.model_id = m.id AND x.name = stage;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'stage "%" is not in stage model "%"', stage, m.name
            USING ERRCODE = 'undefined_object',
                  HINT = format('The stages of stage model "%s" are listed in bg.stages.', m.name);
    END IF;
    RETURN s;
END $$;
COMMENT ON FUNCTION bg_internal._stage(bg_internal.stage_model, text) IS 'Internal: a stage of a stage model by name; errors when it is not in it.';

CREATE FUNCTION bg.create_stage_model(name text, description text DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n text := bg_internal._require_name($1, 'stage model name must not be null', 'stage model name must not be empty');
BEGIN
    IF EXISTS (SELECT FROM bg_internal.stage_model m WHERE m.name = n) THEN
        RAISE EXCEPTION 'stage model "%" already exists', n USING ERRCODE = 'duplicate_object';
    END IF;
    INSERT INTO bg_internal.stage_model (name, description) VALUES (n, $2);
END $$;
COMMENT ON FUNCTION bg.create_stage_model(text, text) IS 'Creates an empty draft stage model.';

CREATE FUNCTION bg.add_stage(model text, stage text, description text DEFAULT NULL, entry boolean DEFAULT false,
                             outcome text DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    m bg_internal.stage_model := bg_internal._stage_model($1, true);
    n text := bg_internal._require_name($2, 'stage name must not be null', 'stage name must not be empty');
    o text := lower(btrim($5));
BEGIN
    IF $4 IS NULL THEN
        RAISE EXCEPTION 'entry must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF o IS NOT NULL AND o NOT IN ('success', 'failure') THEN
        RAISE EXCEPTION 'invalid outcome "%"', $5
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The outcome of a stage is success, failure or NULL (a stage on the way).';
    END IF;
    IF $4 AND o IS NOT NULL THEN
        RAISE EXCEPTION 'stage "%" cannot be both an entry stage and a % stage', n, o
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Groups start in an entry stage; success and failure stages are where they end up.';
    END IF;
    IF EXISTS (SELECT FROM bg_internal.stage s WHERE s.model_id = m.id AND s.name = n) THEN
        RAISE EXCEPTION 'stage "%" is already in stage model "%"', n, m.name USING ERRCODE = 'duplicate_object';
    END IF;
    INSERT INTO bg_internal.stage (model_id, name, description, position, entry, outcome)
    SELECT m.id, n, $3, coalesce(max(s.position), 0) + 1, $4, o
      FROM bg_internal.stage s WHERE s.model_id = m.id;
END $$;
COMMENT ON FUNCTION bg.add_stage(text, text, text, boolean, text) IS
    'Adds a stage at the end of a draft stage model: an entry stage (where groups start), a success or failure stage (outcome), or one on the way.';

CREATE FUNCTION bg_internal._set_transition(model text, from_stage text, to_stage text, allowed boolean)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m bg_internal.stage_model := bg_internal._stage_model($1, true);
    f bg_internal.stage := bg_internal._stage(m, $2);
    t bg_internal.stage := bg_internal._stage(m, $3);
BEGIN
    IF NOT allowed THEN
        DELETE FROM bg_internal.stage_transition x WHERE x.from_stage_id = f.id AND x.to_stage_id = t.id;
        RETURN;
    END IF;
    IF f.id = t.id THEN
        RAISE EXCEPTION 'stage "%" cannot have a transition to itself', f.name
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A move to the stage a group is in changes nothing; no transition is needed for it.';
    END IF;
    INSERT INTO bg_internal.stage_transition (from_stage_id, to_stage_id) VALUES (f.id, t.id)
        ON CONFLICT DO NOTHING;
END $$;
COMMENT ON FUNCTION bg_internal._set_transition(text, text, text, boolean) IS
    'Internal: allows or takes back a transition of a draft stage model.';

CREATE FUNCTION bg.allow_transition(model text, from_stage text, to_stage text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._set_transition($1, $2, $3, true);
END $$;
COMMENT ON FUNCTION bg.allow_transition(text, text, text) IS
    'Allows groups to move from one stage of a draft stage model to another (nothing changes when it is allowed already).';

CREATE FUNCTION bg.disallow_transition(model text, from_stage text, to_stage text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._set_transition($1, $2, $3, false);
END $$;
COMMENT ON FUNCTION bg.disallow_transition(text, text, text) IS
    'Takes back a transition of a draft stage model (nothing changes when it is not allowed).';

CREATE FUNCTION bg_internal._stage_list(model_id integer, ids integer[]) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT string_agg(format('"%s"', s.name), ', ' ORDER BY s.position)
      FROM bg_internal.stage s WHERE s.model_id = $1 AND s.id = ANY ($2);
$$;
COMMENT ON FUNCTION bg_internal._stage_list(integer, integer[]) IS 'Internal: the quoted names of stages of a model, in position order.';

CREATE FUNCTION bg.publish_stage_model(name text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    m bg_internal.stage_model := bg_internal._stage_model($1, true);
    bad text;
    n integer;
BEGIN
    IF NOT EXISTS (SELECT FROM bg_internal.stage s WHERE s.model_id = m.id AND s.entry) THEN
        RAISE EXCEPTION 'cannot publish stage model "%": it has no entry stage', m.name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Add the stage where groups start with bg.add_stage(..., entry => true).';
    END IF;
    SELECT count(*) INTO n FROM bg_internal.stage s WHERE s.model_id = m.id AND s.outcome = 'success';
    IF n <> 1 THEN
        RAISE EXCEPTION 'cannot publish stage model "%": it has % success stages', m.name, n
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A stage model has exactly one success stage.',
                  HINT = CASE WHEN n = 0 THEN 'Add it with bg.add_stage(..., outcome => ''success'').'
                              ELSE 'Drop the model and create it again with one success stage.' END;
    END IF;
    bad := bg_internal._stage_list(m.id, ARRAY(
        SELECT s.id FROM bg_internal.stage s
         WHERE s.model_id = m.id AND s.outcome IS NULL
           AND NOT EXISTS (SELECT FROM bg_internal.stage_transition x WHERE x.from_stage_id = s.id)));
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'cannot publish stage model "%": a stage that is not a success or failure stage has no transition out', m.name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Stages without a transition out: %s.', bad),
                  HINT = 'Allow a move out of each with bg.allow_transition; only success and failure stages may be ends.';
    END IF;
    bad := bg_internal._stage_list(m.id, ARRAY(
        WITH RECURSIVE r AS (
            SELECT s.id FROM bg_internal.stage s WHERE s.model_id = m.id AND s.entry
            UNION
            SELECT x.to_stage_id FROM r JOIN bg_internal.stage_transition x ON x.from_stage_id = r.id)
        SELECT s.id FROM bg_internal.stage s WHERE s.model_id = m.id AND s.id NOT IN (SELECT r.id FROM r)));
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'cannot publish stage model "%": a stage cannot be reached from an entry stage', m.name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Stages that no group can reach: %s.', bad),
                  HINT = 'Allow a transition into each from a stage that can be reached, or make it an entry stage.';
    END IF;
    UPDATE bg_internal.stage_model x SET status = 'live', published_at = now() WHERE x.id = m.id;
END $$;
COMMENT ON FUNCTION bg.publish_stage_model(text) IS
    'Validates a draft stage model and makes it live: at least one entry stage, exactly one success stage, a transition out of every stage that is not a success or failure stage, every stage reachable from an entry stage. A live model never changes.';

CREATE FUNCTION bg.drop_stage_model(name text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    m bg_internal.stage_model := bg_internal._stage_model($1, false);
    users text;
BEGIN
    SELECT string_agg(format('"%s"', s.name), ', ' ORDER BY s.name) INTO users
      FROM bg_internal.solution_interest s WHERE s.stage_model_id = m.id;
    IF users IS NOT NULL THEN
        RAISE EXCEPTION 'cannot drop stage model "%": solution interests use it', m.name
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = format('Solution interests using it: %s.', users),
                  HINT = 'Give them another stage model, or none, with bg.set_stage_model first.';
    END IF;
    DELETE FROM bg_internal.stage_model x WHERE x.id = m.id;
END $$;
COMMENT ON FUNCTION bg.drop_stage_model(text) IS
    'Drops a stage model (a draft, or a live model no solution interest uses) with its stages and transitions; the stage history of the groups stays.';

-- sql/bg/views.sql
CREATE FUNCTION bg_internal._sees_all(kind text) RETURNS boolean
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_sees_all';
COMMENT ON FUNCTION bg_internal._sees_all(text) IS 'Internal: whether the current role sees every row and the key of the bound people or accounts table (superuser, or no row-level security for it).';

CREATE FUNCTION bg_internal._visible(kind text, key text) RETURNS boolean
    LANGUAGE c STABLE STRICT PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'bg_visible';
COMMENT ON FUNCTION bg_internal._visible(text, text) IS 'Internal: whether the current role may SELECT the row of the bound people or accounts table with this key (canonical text).';

CREATE FUNCTION bg_internal._sees_account_names() RETURNS boolean
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_sees_account_names';
COMMENT ON FUNCTION bg_internal._sees_account_names() IS 'Internal: whether the current role may SELECT the name column of the bound accounts table.';

-- sql/bg/event_delivery.sql
CREATE FUNCTION bg_internal._consumer(name text, create_it boolean) RETURNS bg_internal.event_consumer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c bg_internal.event_consumer;
    n text := bg_internal._require_name(name, 'consumer must not be null', 'consumer must not be blank');
BEGIN
    IF create_it THEN
        INSERT INTO bg_internal.event_consumer (name) VALUES (n) ON CONFLICT DO NOTHING;
    END IF;
    SELECT x.* INTO c FROM bg_internal.event_consumer x WHERE x.name = n FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'consumer "%" does not exist', n
            USING ERRCODE = 'undefined_object',
                  HINT = 'A consumer is created by its first bg.read_events; consumers are listed in bg.consumers.';
    END IF;
    RETURN c;
END $$;
COMMENT ON FUNCTION bg_internal._consumer(text, boolean) IS 'Internal: a consumer of events, locked (created first when asked).';

CREATE FUNCTION bg.read_events(consumer text, max_events integer DEFAULT 1000) RETURNS SETOF bg.event
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c bg_internal.event_consumer;
    evs bg.event[];
BEGIN
    IF max_events IS NULL THEN
        RAISE EXCEPTION 'max_events must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF max_events < 1 THEN
        RAISE EXCEPTION 'max_events must be at least 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    c := bg_internal._consumer($1, true);
    -- the batches after the acknowledged id in delivery order, then their
    -- events after it in sequence order
    evs := ARRAY(
        SELECT ROW(b.base + (e.seq - b.first_seq), e.kind, e.group_id, e.solution_interest, e.account_key,
                   e.person_key, e.old_value, e.new_value, e.source, e.created_at, b.committed_at)::bg.event
          FROM (SELECT x.* FROM bg_internal.event_batch x WHERE x.last_id > c.acknowledged
                 ORDER BY x.last_id LIMIT max_events) b
          CROSS JOIN LATERAL (
                SELECT y.* FROM bg_internal.event y
                 WHERE y.batch = b.id AND y.seq >= b.first_seq + greatest(c.acknowledged + 1 - b.base, 0)
                 ORDER BY y.seq LIMIT max_events) e
         ORDER BY b.last_id, e.seq
         LIMIT max_events);
    IF cardinality(evs) > 0 AND evs[cardinality(evs)].id > c.read_up_to THEN
        UPDATE bg_internal.event_consumer x SET read_up_to = evs[cardinality(evs)].id WHERE x.name = c.name;
    END IF;
    RETURN QUERY SELECT * FROM unnest(evs);
END $$;
COMMENT ON FUNCTION bg.read_events(text, integer) IS
    'The next events (at most max_events) a consumer has not acknowledged, in commit order; creates the consumer on first use. The same events come again until bg.ack_events acknowledges them.';

CREATE FUNCTION bg.ack_events(consumer text, up_to bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c bg_internal.event_consumer;
BEGIN
    IF up_to IS NULL THEN
        RAISE EXCEPTION 'up_to must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    c := bg_internal._consumer($1, false);
    IF up_to > c.read_up_to THEN
        RAISE EXCEPTION 'cannot acknowledge events consumer "%" has not read', c.name
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It has read events up to id %s; up_to is %s.', c.read_up_to, up_to),
                  HINT = 'Acknowledge the id of the last event bg.read_events returned.';
    END IF;
    IF up_to > c.acknowledged THEN
        UPDATE bg_internal.event_consumer x SET acknowledged = up_to, acked_at = now() WHERE x.name = c.name;
    END IF;
END $$;
COMMENT ON FUNCTION bg.ack_events(text, bigint) IS
    'Acknowledges a consumer''s events up to id up_to (at most the last it read): bg.read_events never returns them to it again. An id at or below what it acknowledged changes nothing.';

CREATE FUNCTION bg.drop_consumer(consumer text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c bg_internal.event_consumer := bg_internal._consumer($1, false);
BEGIN
    DELETE FROM bg_internal.event_consumer x WHERE x.name = c.name;
END $$;
COMMENT ON FUNCTION bg.drop_consumer(text) IS 'Forgets a consumer of events and how far it acknowledged.';

CREATE FUNCTION bg.purge_events(older_than interval) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
    upto timestamptz;
BEGIN
    PERFORM bg_internal._require_age($1, 'Give an age such as interval ''30 days''; interval ''0'' purges every committed event.');
    WITH b AS (DELETE FROM bg_internal.event_batch x
                WHERE x.base IS NOT NULL AND x.committed_at <= clock_timestamp() - $1
               RETURNING x.id, x.committed_at),
    e AS (DELETE FROM bg_internal.event y WHERE y.batch IN (SELECT b.id FROM b) RETURNING 1)
    SELECT (SELECT count(*) FROM e), (SELECT max(b.committed_at) FROM b) INTO n, upto;
    IF upto IS NOT NULL THEN
        IF EXISTS (SELECT FROM bg_internal.event_clock) THEN
            UPDATE bg_internal.event_clock SET held_from = greatest(held_from, upto);
        ELSE
            INSERT INTO bg_internal.event_clock (held_from) VALUES (upto);
        END IF;
    END IF;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg.purge_events(interval) IS
    'Deletes the events committed more than older_than ago, whether or not every consumer acknowledged them; returns how many were deleted. bg.buying_groups_at and bg.members_at reach back only to the newest purged event.';

-- sql/bg/history.sql
CREATE FUNCTION bg.history_start() RETURNS timestamptz
    LANGUAGE sql SECURITY DEFINER STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT max(c.held_from) FROM bg_internal.event_clock c;
$$;
COMMENT ON FUNCTION bg.history_start() IS
    'The earliest time bg.buying_groups_at and bg.members_at reproduce: the commit time of the newest purged event, or when bg 0.3.0 was installed by an update (NULL: since CREATE EXTENSION).';

CREATE FUNCTION bg.members_at(at timestamptz)
    RETURNS TABLE (buying_group bigint, solution_interest text, account_key text, person_key text, role text,
                   source text, is_removed boolean, added_at timestamptz, removed_at timestamptz,
                   person_engagement double precision)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    since timestamptz := bg.history_start();
BEGIN
    IF at IS NULL THEN
        RAISE EXCEPTION 'at must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF at < since THEN
        RAISE EXCEPTION 'history before % is not held', since
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('at is %s.', at),
                  HINT = 'bg.purge_events deleted the older events (or they were written before bg 0.3.0); bg.history_start() is the earliest time held.';
    END IF;
    RETURN QUERY
    WITH later AS (SELECT e.* FROM bg.events e WHERE e.committed_at > at),
    -- the groups that existed at time at: current ones created by then, and
    -- deleted ones, except those whose creation committed after at
    grp AS (
        SELECT g.id, g.solution_interest, g.account_key FROM bg.buying_groups g
         WHERE g.created_at <= at
        UNION ALL
        SELECT e.buying_group, e.solution_interest, e.account_key FROM later e
         WHERE e.kind = 'group_deleted' AND (e.old_value ->> 'created_at')::timestamptz <= at),
    alive AS (
        SELECT x.* FROM grp x
         WHERE NOT EXISTS (SELECT FROM later e WHERE e.kind = 'group_created' AND e.buying_group = x.id)),
    -- per member changed since: its state before the first change
    first AS (
        SELECT DISTINCT ON (e.buying_group, e.person_key) e.buying_group, e.person_key, e.old_value
          FROM later e WHERE e.person_key IS NOT NULL
         ORDER BY e.buying_group, e.person_key, e.id)
    SELECT a.id, a.solution_interest, a.account_key, f.person_key, f.old_value ->> 'role', f.old_value ->> 'source',
           (f.old_value ->> 'is_removed')::boolean, (f.old_value ->> 'added_at')::timestamptz,
           (f.old_value ->> 'removed_at')::timestamptz, NULL::double precision
      FROM first f JOIN alive a ON a.id = f.buying_group
     WHERE f.old_value IS NOT NULL
    UNION ALL
    SELECT a.id, a.solution_interest, a.account_key, m.person_key, m.role, m.source, m.is_removed, m.added_at,
           m.removed_at, NULL::double precision
      FROM bg.members m JOIN alive a ON a.id = m.buying_group
     WHERE NOT EXISTS (SELECT FROM first f WHERE f.buying_group = m.buying_group AND f.person_key = m.person_key);
END $$;
COMMENT ON FUNCTION bg.members_at(timestamp with time zone) IS
    'The members of buying groups (the columns of bg.members; person_engagement NULL) as they were at time at, back to bg.history_start(); those bg.members and bg.events show you.';

CREATE FUNCTION bg.buying_groups_at(at timestamptz)
    RETURNS TABLE (id bigint, name text, solution_interest text, account_key text, account_name text,
                   member_count integer, completeness double precision, role_completeness jsonb,
                   missing_roles text[], created_at timestamptz, updated_at timestamptz, role_counts jsonb,
                   template text, engagement_raw double precision, engagement_score double precision,
                   engagement_as_of timestamptz, stage text, stage_entered_at timestamptz, status text)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    -- the current members at time at (bg.members_at checks at)
    gs bigint[];
    rs text[];
BEGIN
    SELECT array_agg(m.buying_group), array_agg(m.role) INTO gs, rs FROM bg.members_at(at) m WHERE NOT m.is_removed;
    RETURN QUERY
    WITH later AS (SELECT e.* FROM bg.events e WHERE e.committed_at > at),
    upto AS (SELECT e.* FROM bg.events e WHERE e.committed_at <= at AND e.kind IN ('group_created', 'stage_changed')),
    grp AS (
        SELECT g.id, g.name, g.solution_interest, g.account_key, g.account_name, g.created_at, g.updated_at,
               g.template, g.stage, g.stage_entered_at, g.status
          FROM bg.buying_groups g
         WHERE g.created_at <= at
        UNION ALL
        SELECT e.buying_group, e.solution_interest || ' for ' || e.account_key, e.solution_interest, e.account_key,
               NULL, (e.old_value ->> 'created_at')::timestamptz, (e.old_value ->> 'updated_at')::timestamptz,
               s.template, e.old_value ->> 'stage', (e.old_value ->> 'stage_entered_at')::timestamptz,
               e.old_value ->> 'status'
          FROM later e LEFT JOIN bg.solution_interests s ON s.name = e.solution_interest
         WHERE e.kind = 'group_deleted' AND (e.old_value ->> 'created_at')::timestamptz <= at),
    alive AS (
        SELECT x.* FROM grp x
         WHERE NOT EXISTS (SELECT FROM later e WHERE e.kind = 'group_created' AND e.buying_group = x.id)),
    stage_then AS (
        SELECT DISTINCT ON (e.buying_group) e.buying_group, e.old_value ->> 'stage' AS stage
          FROM later e WHERE e.kind = 'stage_changed' ORDER BY e.buying_group, e.id),
    entered AS (
        SELECT DISTINCT ON (e.buying_group) e.buying_group, (e.new_value ->> 'stage_entered_at')::timestamptz AS at
          FROM upto e ORDER BY e.buying_group, e.id DESC),
    status_then AS (
        SELECT DISTINCT ON (e.buying_group) e.buying_group, e.old_value ->> 'status' AS status
          FROM later e WHERE e.kind = 'status_changed' ORDER BY e.buying_group, e.id),
    scores AS (
        SELECT a.id, count(m.role)::integer AS n,
               bg.role_counts(a.template, m.role) AS rc, bg.completeness(a.template, m.role) AS c,
               bg.role_completeness(a.template, m.role) AS rcp, bg.missing_roles(a.template, m.role) AS mr
          FROM alive a
          LEFT JOIN unnest(gs, rs) AS m(buying_group, role) ON m.buying_group = a.id
         GROUP BY a.id, a.template)
    SELECT a.id, a.name, a.solution_interest, a.account_key, a.account_name, s.n, s.c, s.rcp, s.mr,
           a.created_at, a.updated_at, s.rc, a.template, NULL::double precision, NULL::double precision,
           NULL::timestamptz,
           CASE WHEN st.buying_group IS NULL THEN a.stage ELSE st.stage END,
           CASE WHEN st.buying_group IS NULL THEN a.stage_entered_at
                WHEN st.stage IS NULL THEN NULL ELSE en.at END,
           CASE WHEN su.buying_group IS NULL THEN a.status ELSE su.status END
      FROM alive a
      JOIN scores s ON s.id = a.id
      LEFT JOIN stage_then st ON st.buying_group = a.id
      LEFT JOIN entered en ON en.buying_group = a.id
      LEFT JOIN status_then su ON su.buying_group = a.id;
END $$;
COMMENT ON FUNCTION bg.buying_groups_at(timestamp with time zone) IS
    'The buying groups (the columns of bg.buying_groups) as they were at time at, back to bg.history_start(): members, scores counted from them, stage and status; engagement NULL, names as now. Those bg.buying_groups and bg.events show you.';

-- sql/bg/stage_moves.sql
CREATE FUNCTION bg_internal._record_stage_moves(groups bigint[], from_stages text[], to_stage text,
                                                moved_at timestamptz, source text) RETURNS void
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO bg_internal.stage_move (group_id, from_stage, to_stage, moved_at, source)
    SELECT u.g, u.f, $3, $4, $5 FROM unnest($1, $2) AS u(g, f) ORDER BY u.g;
    -- stage_changed (a creation job's first stages are in group_created)
    INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, old_value, new_value, source)
    SELECT (SELECT bg_internal._event_batch()), 'stage_changed', g.id, s.name, g.account_key,
           jsonb_build_object('stage', u.f), jsonb_build_object('stage', $3, 'stage_entered_at', $4),
           coalesce((SELECT bg_internal._event_context()), 'manual')
      FROM unnest($1, $2) AS u(g, f)
      JOIN bg_internal.buying_group g ON g.id = u.g
      JOIN bg_internal.solution_interest s ON s.id = g.solution_interest_id
     WHERE $5 <> 'created'
     ORDER BY u.g;
$$;
COMMENT ON FUNCTION bg_internal._record_stage_moves(bigint[], text[], text, timestamp with time zone, text) IS
    'Internal: records stage moves of buying groups in the stage history.';

CREATE FUNCTION bg_internal._enter_stage(groups bigint[], target integer, source text) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    at timestamptz := clock_timestamp();
    ids bigint[];
    froms text[];
BEGIN
    WITH old AS (
        SELECT g.id, g.stage_id FROM bg_internal.buying_group g
         WHERE g.id = ANY (groups) AND g.stage_id IS DISTINCT FROM target),
    upd AS (
        UPDATE bg_internal.buying_group g
           SET stage_id = target, stage_entered_at = CASE WHEN target IS NULL THEN NULL ELSE at END
          FROM old WHERE g.id = old.id
        RETURNING g.id, old.stage_id)
    SELECT array_agg(u.id ORDER BY u.id), array_agg(f.name ORDER BY u.id) INTO ids, froms
      FROM upd u LEFT JOIN bg_internal.stage f ON f.id = u.stage_id;
    IF ids IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM bg_internal._record_stage_moves(ids, froms, (SELECT s.name FROM bg_internal.stage s WHERE s.id = target),
                                            at, source);
    RETURN cardinality(ids);
END $$;
COMMENT ON FUNCTION bg_internal._enter_stage(bigint[], integer, text) IS
    'Internal: puts locked buying groups into a stage (or none) and records the moves; returns how many moved.';

CREATE FUNCTION bg_internal._entry_stage(model_id integer) RETURNS integer
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT s.id FROM bg_internal.stage s WHERE s.model_id = $1 AND s.entry ORDER BY s.position LIMIT 1;
$$;
COMMENT ON FUNCTION bg_internal._entry_stage(integer) IS 'Internal: the first entry stage of a stage model, or NULL.';

CREATE FUNCTION bg.set_stage_model(solution_interest text, model text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := bg_internal._interest($1);
    m bg_internal.stage_model;
BEGIN
    IF $2 IS NOT NULL THEN
        m := bg_internal._stage_model($2, false);
        IF m.status <> 'live' THEN
            RAISE EXCEPTION 'stage model "%" is a draft', m.name
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = format('A solution interest takes a live stage model; publish it with bg.publish_stage_model(%L).',
                                    m.name);
        END IF;
    END IF;
    -- exclusive, as a creation job: no group of the interest is created meanwhile
    s := bg_internal._lock_interest(s, true, true);
    IF s.stage_model_id IS NOT DISTINCT FROM m.id THEN
        RETURN;
    END IF;
    UPDATE bg_internal.solution_interest x SET stage_model_id = m.id WHERE x.id = s.id;
    PERFORM bg_internal._enter_stage(
        ARRAY(SELECT g.id FROM bg_internal.buying_group g WHERE g.solution_interest_id = s.id
               ORDER BY g.id FOR NO KEY UPDATE),
        bg_internal._entry_stage(m.id), 'set_stage_model');
END $$;
COMMENT ON FUNCTION bg.set_stage_model(text, text) IS
    'Gives a solution interest a live stage model (NULL: none). Its existing buying groups enter the model''s first entry stage (with none, they leave their stage), recorded in bg.stage_history; groups created later start there.';

CREATE FUNCTION bg_internal._group_stage(g bg_internal.buying_group, stage text) RETURNS bg_internal.stage
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m bg_internal.stage_model;
    s bg_internal.solution_interest := (SELECT x FROM bg_internal.solution_interest x WHERE x.id = g.solution_interest_id);
BEGIN
    SELECT x.* INTO m FROM bg_internal.stage_model x WHERE x.id = s.stage_model_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'buying group % has no stages', g.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Its solution interest "%s" has no stage model.', s.name),
                  HINT = format('Give it one with bg.set_stage_model(%L, ''model'').', s.name);
    END IF;
    RETURN bg_internal._stage(m, stage);
END $$;
COMMENT ON FUNCTION bg_internal._group_stage(bg_internal.buying_group, text) IS
    'Internal: a stage of the stage model of a group''s solution interest; errors when it has none or the stage is not in it.';

CREATE FUNCTION bg_internal._stage_moves(groups bigint[], stage text)
    RETURNS TABLE (group_id bigint, from_id integer, to_id integer, allowed boolean)
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT g.id, g.stage_id, t.id,
           CASE WHEN g.stage_id IS NULL THEN t.entry
                ELSE EXISTS (SELECT FROM bg_internal.stage_transition x
                              WHERE x.from_stage_id = g.stage_id AND x.to_stage_id = t.id) END
      FROM bg_internal.buying_group g
      JOIN bg_internal.solution_interest s ON s.id = g.solution_interest_id
      JOIN bg_internal.stage t ON t.model_id = s.stage_model_id AND t.name = $2
     WHERE g.id = ANY ($1);
$$;
COMMENT ON FUNCTION bg_internal._stage_moves(bigint[], text) IS
    'Internal: the moves of buying groups to a stage of their model, and whether each is allowed.';

CREATE FUNCTION bg_internal._move_stage(buying_group bigint, stage text, must boolean) RETURNS boolean
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g bg_internal.buying_group := bg_internal._group($1);
    t bg_internal.stage := bg_internal._group_stage(g, $2);
    f bg_internal.stage;
    allowed text;
BEGIN
    IF g.stage_id = t.id THEN
        RETURN true;
    END IF;
    IF NOT (SELECT m.allowed FROM bg_internal._stage_moves(ARRAY[g.id], t.name) m) THEN
        IF NOT must THEN
            RETURN false;
        END IF;
        f := (SELECT x FROM bg_internal.stage x WHERE x.id = g.stage_id);
        allowed := bg_internal._stage_list(t.model_id, ARRAY(SELECT x.to_stage_id FROM bg_internal.stage_transition x
                                                             WHERE x.from_stage_id = f.id));
        RAISE EXCEPTION 'buying group % cannot move from stage "%" to stage "%"', g.id, f.name, t.name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Its stage model allows no transition from "%s" to "%s".', f.name, t.name),
                  HINT = CASE WHEN allowed IS NULL THEN format('No move out of stage "%s" is allowed.', f.name)
                              ELSE format('From stage "%s" a group may move to %s.', f.name, allowed) END;
    END IF;
    PERFORM bg_internal._enter_stage(ARRAY[g.id], t.id, 'manual');
    RETURN true;
END $$;
COMMENT ON FUNCTION bg_internal._move_stage(bigint, text, boolean) IS
    'Internal: moves one buying group to a stage; a move that is not allowed raises or returns false.';

CREATE FUNCTION bg.move_stage(buying_group bigint, stage text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._move_stage($1, $2, true);
END $$;
COMMENT ON FUNCTION bg.move_stage(bigint, text) IS
    'Moves a buying group to a stage of its solution interest''s stage model, recorded in bg.stage_history; an error when the model allows no such transition. A move to the stage the group is in changes nothing.';

CREATE FUNCTION bg.try_move_stage(buying_group bigint, stage text) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT bg_internal._move_stage($1, $2, false);
$$;
COMMENT ON FUNCTION bg.try_move_stage(bigint, text) IS
    'bg.move_stage for journeys: false, with nothing written, when the stage model allows no such transition; true when the group is in the stage afterwards.';

CREATE FUNCTION bg.move_stages(buying_groups bigint[], stage text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ids bigint[];
    missing text;
    si bg_internal.solution_interest;
    mv record;
    n integer := 0;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'buying groups must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF array_position($1, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'buying groups must not contain nulls' USING ERRCODE = 'null_value_not_allowed';
    ELSIF $2 IS NULL THEN
        RAISE EXCEPTION 'stage must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    ids := ARRAY(SELECT DISTINCT u.id FROM unnest($1) AS u(id) ORDER BY 1);
    IF cardinality(ids) = 0 THEN
        RETURN 0;
    END IF;
    SELECT string_agg(u.id::text, ', ' ORDER BY u.id) INTO missing
      FROM (SELECT u.id FROM unnest(ids) AS u(id)
             WHERE NOT EXISTS (SELECT FROM bg_internal.buying_group g WHERE g.id = u.id) ORDER BY u.id LIMIT 5) u;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'buying groups % do not exist', missing
            USING ERRCODE = 'undefined_object', HINT = 'The buying groups are listed in bg.buying_groups.';
    END IF;
    -- the interests in id order (shared: a running creation job or drop of
    -- their groups first), then the groups in id order
    FOR si IN SELECT s.* FROM bg_internal.solution_interest s
               WHERE s.id IN (SELECT g.solution_interest_id FROM bg_internal.buying_group g WHERE g.id = ANY (ids))
               ORDER BY s.id LOOP
        PERFORM bg_internal._lock_interest(si, false, false);
    END LOOP;
    PERFORM FROM bg_internal.buying_group g WHERE g.id = ANY (ids) ORDER BY g.id FOR NO KEY UPDATE;
    -- one target stage per model of the groups' interests
    FOR mv IN SELECT m.to_id, array_agg(m.group_id ORDER BY m.group_id)
                              FILTER (WHERE m.allowed AND m.from_id IS DISTINCT FROM m.to_id) AS groups
                FROM bg_internal._stage_moves(ids, $2) m
               GROUP BY m.to_id ORDER BY m.to_id LOOP
        IF mv.groups IS NOT NULL THEN
            n := n + bg_internal._enter_stage(mv.groups, mv.to_id, 'manual');
        END IF;
    END LOOP;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'stage "%" is in no stage model of these buying groups', $2
            USING ERRCODE = 'undefined_object',
                  HINT = 'The stages of the models of the solution interests (bg.solution_interests) are listed in bg.stages.';
    END IF;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg.move_stages(bigint[], text) IS
    'Moves buying groups to the stage of that name in their solution interest''s stage model, those whose model allows the transition; returns how many moved (groups already there, or whose model has no such stage or transition, stay).';

CREATE FUNCTION bg_internal._set_status(g bg_internal.buying_group, status text) RETURNS boolean
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE bg_internal.buying_group x SET status = _set_status.status
     WHERE x.id = g.id AND x.status IS DISTINCT FROM _set_status.status;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, old_value, new_value, source)
    SELECT bg_internal._event_batch(), 'status_changed', g.id, s.name, g.account_key,
           jsonb_build_object('status', g.status), jsonb_build_object('status', _set_status.status),
           coalesce(bg_internal._event_context(), 'manual')
      FROM bg_internal.solution_interest s WHERE s.id = g.solution_interest_id;
    RETURN true;
END $$;
COMMENT ON FUNCTION bg_internal._set_status(bg_internal.buying_group, text) IS 'Internal: sets the status of a locked buying group; true when it changed.';

CREATE FUNCTION bg.set_status(buying_group bigint, status text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF char_length($2) > 50 THEN
        RAISE EXCEPTION 'status is too long (% characters)', char_length($2)
            USING ERRCODE = 'string_data_right_truncation',
                  DETAIL = 'A buying group''s status has at most 50 characters.';
    END IF;
    PERFORM bg_internal._set_status(bg_internal._group($1), $2);
END $$;
COMMENT ON FUNCTION bg.set_status(bigint, text) IS
    'Sets the free-text status of a buying group (at most 50 characters); NULL clears it.';

-- sql/bg/engagement.sql
CREATE FUNCTION bg_internal._activity_band_restore() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE bg_internal.activity_band b SET value = NEW.value WHERE b.name = NEW.name;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION bg_internal._activity_band_restore() IS 'Internal: an activity band inserted again updates the one that exists (restores).';

CREATE FUNCTION bg_internal._engagement_trans(bg.activity_tally, text, timestamp with time zone, timestamp with time zone) RETURNS bg.activity_tally
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_engagement_trans';
COMMENT ON FUNCTION bg_internal._engagement_trans(bg.activity_tally, text, timestamp with time zone, timestamp with time zone) IS 'Internal: transition of bg.engagement_raw.';

CREATE FUNCTION bg_internal._engagement_combine(bg.activity_tally, bg.activity_tally) RETURNS bg.activity_tally
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_engagement_combine';
COMMENT ON FUNCTION bg_internal._engagement_combine(bg.activity_tally, bg.activity_tally) IS 'Internal: combines two partial activity tallies.';

CREATE FUNCTION bg_internal._engagement_final(bg.activity_tally) RETURNS double precision
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_engagement_final';
COMMENT ON FUNCTION bg_internal._engagement_final(bg.activity_tally) IS 'Internal: final function of bg.engagement_raw.';

CREATE FUNCTION bg_internal._group_engagement_trans(bg.group_engagement_tally, text, text, double precision)
    RETURNS bg.group_engagement_tally
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_group_engagement_trans';
COMMENT ON FUNCTION bg_internal._group_engagement_trans(bg.group_engagement_tally, text, text, double precision) IS 'Internal: transition of bg.group_engagement_raw.';

CREATE FUNCTION bg_internal._group_engagement_combine(bg.group_engagement_tally, bg.group_engagement_tally)
    RETURNS bg.group_engagement_tally
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_group_engagement_combine';
COMMENT ON FUNCTION bg_internal._group_engagement_combine(bg.group_engagement_tally, bg.group_engagement_tally) IS 'Internal: combines two partial group engagement tallies.';

CREATE FUNCTION bg_internal._group_engagement_final(bg.group_engagement_tally) RETURNS double precision
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_group_engagement_final';
COMMENT ON FUNCTION bg_internal._group_engagement_final(bg.group_engagement_tally) IS 'Internal: final function of bg.group_engagement_raw.';

CREATE FUNCTION bg_internal._activity_band(name text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n text := bg_internal._require_name($1, 'activity band name must not be null', 'activity band name must not be empty');
BEGIN
    IF NOT EXISTS (SELECT FROM bg_internal.activity_band b WHERE b.name = n) THEN
        RAISE EXCEPTION 'activity band "%" does not exist', n
            USING ERRCODE = 'undefined_object', HINT = 'The activity bands are listed in bg.activity_bands.';
    END IF;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg_internal._activity_band(text) IS 'Internal: the activity band of that name; errors when none.';

CREATE FUNCTION bg_internal._weighting_model(name text) RETURNS bg_internal.weighting_model
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n text := bg_internal._require_name($1, 'weighting model name must not be null', 'weighting model name must not be empty');
    m bg_internal.weighting_model;
BEGIN
    SELECT * INTO m FROM bg_internal.weighting_model x WHERE x.name = n FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'weighting model "%" does not exist', n
            USING ERRCODE = 'undefined_object', HINT = 'The weighting models are listed in bg.weighting_models.';
    END IF;
    RETURN m;
END $$;
COMMENT ON FUNCTION bg_internal._weighting_model(text) IS 'Internal: the weighting model of that name, locked; errors when none.';

CREATE FUNCTION bg.set_activity_band(name text, value integer) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n text := bg_internal._require_name($1, 'activity band name must not be null', 'activity band name must not be empty');
    other text;
BEGIN
    IF $2 IS NULL OR $2 NOT BETWEEN 0 AND 100 THEN
        RAISE EXCEPTION 'activity band value must be from 0 to 100'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', coalesce($2::text, 'NULL'));
    END IF;
    LOCK TABLE bg_internal.activity_band IN SHARE ROW EXCLUSIVE MODE;
    SELECT b.name INTO other FROM bg_internal.activity_band b WHERE b.value = $2 AND b.name <> n;
    IF FOUND THEN
        RAISE EXCEPTION 'activity band "%" already has value %', other, $2
            USING ERRCODE = 'unique_violation', HINT = 'Every activity band has a value of its own.';
    END IF;
    IF NOT EXISTS (SELECT FROM bg_internal.activity_band b WHERE b.name = n AND b.value = $2) THEN
        INSERT INTO bg_internal.activity_band (name, value) VALUES (n, $2);   -- updates a band that exists
    END IF;
END $$;
COMMENT ON FUNCTION bg.set_activity_band(text, integer) IS
    'Creates an activity band or changes its value (0..100); names and values are unique.';

CREATE FUNCTION bg.drop_activity_band(name text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n text;
    used text;
BEGIN
    LOCK TABLE bg_internal.activity_band IN SHARE ROW EXCLUSIVE MODE;
    LOCK TABLE bg_internal.activity_weight IN SHARE ROW EXCLUSIVE MODE;
    n := bg_internal._activity_band($1);
    IF (SELECT b.is_default FROM bg_internal.activity_band b WHERE b.name = n) THEN
        RAISE EXCEPTION 'cannot drop activity band "%": it is a default band', n
            USING ERRCODE = 'reserved_name', HINT = 'The five default bands cannot be dropped; their values can change.';
    END IF;
    SELECT m.name INTO used FROM bg_internal.activity_weight w JOIN bg_internal.weighting_model m ON m.id = w.model_id
     WHERE w.band = n ORDER BY m.name LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot drop activity band "%": weighting model "%" uses it', n, used
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Give its activity types another band in every model first (bg.set_activity_weight).';
    END IF;
    DELETE FROM bg_internal.activity_band b WHERE b.name = n;
END $$;
COMMENT ON FUNCTION bg.drop_activity_band(text) IS 'Drops a custom activity band that no weighting model uses.';

CREATE FUNCTION bg.create_weighting_model(name text, copy_of text DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n text := bg_internal._require_name($1, 'weighting model name must not be null', 'weighting model name must not be empty');
    src bg_internal.weighting_model;
    id integer;
BEGIN
    IF $2 IS NOT NULL THEN
        src := bg_internal._weighting_model($2);
    END IF;
    IF EXISTS (SELECT FROM bg_internal.weighting_model m WHERE m.name = n) THEN
        RAISE EXCEPTION 'weighting model "%" already exists', n USING ERRCODE = 'duplicate_object';
    END IF;
    BEGIN
        INSERT INTO bg_internal.weighting_model (name) VALUES (n) RETURNING weighting_model.id INTO id;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'weighting model "%" already exists', n USING ERRCODE = 'duplicate_object';
    END;
    INSERT INTO bg_internal.activity_weight (model_id, activity_type, band)
    SELECT id, w.activity_type, w.band FROM bg_internal.activity_weight w WHERE w.model_id = src.id;
END $$;
COMMENT ON FUNCTION bg.create_weighting_model(text, text) IS
    'Creates a draft weighting model, empty or with the weights of model copy_of.';

CREATE FUNCTION bg.set_activity_weight(model text, activity_type text, band text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    m bg_internal.weighting_model := bg_internal._weighting_model($1);
    t text := bg_internal._require_name($2, 'activity type must not be null', 'activity type must not be empty');
    b text;
BEGIN
    IF m.status <> 'draft' THEN
        RAISE EXCEPTION 'cannot change weighting model "%": it is %', m.name, m.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only drafts change; copy it with bg.create_weighting_model(name, copy_of => ...) and activate the copy.';
    END IF;
    IF $3 IS NULL THEN
        DELETE FROM bg_internal.activity_weight w WHERE w.model_id = m.id AND w.activity_type = t;
        RETURN;
    END IF;
    -- the band may not be dropped meanwhile
    LOCK TABLE bg_internal.activity_band IN SHARE MODE;
    b := bg_internal._activity_band($3);
    -- the aggregates' state holds every weighted type (src/engagement.h)
    IF NOT EXISTS (SELECT FROM bg_internal.activity_weight w WHERE w.model_id = m.id AND w.activity_type = t)
       AND (SELECT count(*) FROM bg_internal.activity_weight w WHERE w.model_id = m.id) >= 10000 THEN
        RAISE EXCEPTION 'weighting model "%" already weights 10000 activity types', m.name
            USING ERRCODE = 'program_limit_exceeded',
                  HINT = 'A model weights at most 10000 types; give the others no band.';
    END IF;
    INSERT INTO bg_internal.activity_weight AS w (model_id, activity_type, band) VALUES (m.id, t, b)
        ON CONFLICT (model_id, activity_type) DO UPDATE SET band = excluded.band WHERE w.band <> excluded.band;
END $$;
COMMENT ON FUNCTION bg.set_activity_weight(text, text, text) IS
    'Gives an activity type a band in a draft weighting model; band NULL: the type does not count.';

CREATE FUNCTION bg.activate_weighting_model(name text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m bg_internal.weighting_model;
BEGIN
    -- one activation at a time
    LOCK TABLE bg_internal.weighting_model IN SHARE ROW EXCLUSIVE MODE;
    m := bg_internal._weighting_model($1);
    IF m.status = 'active' THEN
        RETURN;
    END IF;
    UPDATE bg_internal.weighting_model x SET status = 'archived' WHERE x.status = 'active';
    UPDATE bg_internal.weighting_model x SET status = 'active', activated_at = now() WHERE x.id = m.id;
END $$;
COMMENT ON FUNCTION bg.activate_weighting_model(text) IS
    'Makes a weighting model the active one; the previously active model becomes archived.';

CREATE FUNCTION bg.drop_weighting_model(name text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m bg_internal.weighting_model := bg_internal._weighting_model($1);
BEGIN
    IF m.status <> 'draft' THEN
        RAISE EXCEPTION 'cannot drop weighting model "%": it is %', m.name, m.status
            USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Only drafts are dropped.';
    END IF;
    DELETE FROM bg_internal.weighting_model x WHERE x.id = m.id;
END $$;
COMMENT ON FUNCTION bg.drop_weighting_model(text) IS 'Drops a draft weighting model.';

CREATE FUNCTION bg_internal._require_column_type(rel regclass, col name, want regtype[], named_as text) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t regtype := bg_internal._column_type(rel, col);
BEGIN
    IF bg_internal._base_type(t) <> ALL (want) THEN
        RAISE EXCEPTION 'column "%" of table % is of type %', col, rel, t
            USING ERRCODE = 'datatype_mismatch',
                  DETAIL = named_as,
                  HINT = format('Bind a column of type %s, or a view that casts it.',
                                array_to_string(want::text[], ' or '));
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._require_column_type(regclass, name, regtype[], text) IS 'Internal: errors unless a column is of one of the given types.';

CREATE FUNCTION bg.bind_activities(activities regclass, person name DEFAULT 'person_id',
                                   type name DEFAULT 'activity_type', at name DEFAULT 'occurred_at')
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    PERFORM bg_internal._require_table($1);
    PERFORM bg_internal._require_column($1, $2, 'person column must not be null', 'It was named as the person column.');
    PERFORM bg_internal._require_column($1, $3, 'activity type column must not be null', 'It was named as the activity type column.');
    PERFORM bg_internal._require_column($1, $4, 'time column must not be null', 'It was named as the time column.');
    PERFORM bg_internal._key_sql($1, $2, '');
    PERFORM bg_internal._require_column_type($1, $3, ARRAY['text', 'character varying', 'character']::regtype[],
                                             'It was named as the activity type column.');
    PERFORM bg_internal._require_column_type($1, $4, ARRAY['timestamp with time zone']::regtype[],
                                             'It was named as the time column.');
    INSERT INTO bg_internal.activity_binding (relid, person_column, type_column, at_column, person_type)
    VALUES ($1, $2, $3, $4, bg_internal._column_type($1, $2))
    ON CONFLICT (one) DO UPDATE
       SET relid = excluded.relid, person_column = excluded.person_column, type_column = excluded.type_column,
           at_column = excluded.at_column, person_type = excluded.person_type, bound_at = now();
END $$;
COMMENT ON FUNCTION bg.bind_activities(regclass, name, name, name) IS
    'Binds the user''s activities table: the person key, the activity type (text) and the time (timestamptz) columns.';

-- sql/bg/engagement_scores.sql
CREATE FUNCTION bg_internal._read_engagement(rel regclass, query text, keys text[], as_of timestamp with time zone)
    RETURNS TABLE (k text, raw double precision)
    LANGUAGE c STABLE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_read_engagement';
COMMENT ON FUNCTION bg_internal._read_engagement(regclass, text, text[], timestamp with time zone) IS 'Internal: the raw engagement score of every person with activity, counted as the activities are read as their table''s owner.';

CREATE FUNCTION bg_internal._people_keys_sql(p bg_internal.binding) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('SELECT %s FROM %s p', bg_internal._key_sql(p.relid, p.key_column, format('p.%I', p.key_column)), p.relid);
$$;
COMMENT ON FUNCTION bg_internal._people_keys_sql(bg_internal.binding) IS 'Internal: the query of the bound people''s keys, for bg_internal._read.';

CREATE FUNCTION bg_internal._engagement_changes(act regclass, act_query text, keys text[], people regclass,
                                                people_query text, as_of timestamp with time zone)
    RETURNS TABLE (kind text, id bigint, k text, raw double precision, score double precision)
    LANGUAGE c STABLE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_engagement_changes';
COMMENT ON FUNCTION bg_internal._engagement_changes(regclass, text, text[], regclass, text, timestamp with time zone) IS 'Internal: the person and group engagement scores of a refresh that differ from the stored ones, computed as the bound tables are read as their owners.';

CREATE FUNCTION bg_internal._refresh_engagement_sql(p bg_internal.binding, a bg_internal.activity_binding) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    -- also checks that the person column can hold keys
    key_sql text := bg_internal._key_sql(a.relid, a.person_column, format('a.%I', a.person_column));
BEGIN
    RETURN format($q$
WITH c AS MATERIALIZED (
    SELECT c.kind, c.id, c.k, c.raw, c.score
      FROM bg_internal._engagement_changes(%1$s::pg_catalog.oid::pg_catalog.regclass, %2$L, ARRAY[$1::pg_catalog.text],
                                           %3$s::pg_catalog.oid::pg_catalog.regclass, %4$L, $1) AS c),
-- only the people whose scores changed (an upsert of every person would
-- lock every stored row it leaves as it is)
wp AS (
    INSERT INTO bg_internal.person_engagement AS e (person_key, raw, score, as_of)
    SELECT c.k, c.raw, c.score, $1 FROM c WHERE c.kind OPERATOR(pg_catalog.=) 'person'
        ON CONFLICT (person_key) DO UPDATE SET raw = excluded.raw, score = excluded.score, as_of = excluded.as_of
    RETURNING 1),
dp AS (
    DELETE FROM bg_internal.person_engagement e USING c
     WHERE c.kind OPERATOR(pg_catalog.=) 'gone' AND e.person_key OPERATOR(pg_catalog.=) c.k
    RETURNING 1),
-- the groups to write, locked in id order, as every other writer of
-- several groups locks them (no deadlock with bg.sync or a creation job)
lk AS (
    SELECT g.id, c.raw, c.score, g.engagement_raw AS old_raw, g.engagement_score AS old_score,
           g.solution_interest_id, g.account_key
      FROM bg_internal.buying_group g JOIN c ON c.id OPERATOR(pg_catalog.=) g.id
     WHERE c.kind OPERATOR(pg_catalog.=) 'group'
       AND (g.engagement_raw, g.engagement_score) IS DISTINCT FROM (c.raw, c.score)
     ORDER BY g.id
       FOR NO KEY UPDATE OF g),
wg AS (
    UPDATE bg_internal.buying_group g
       SET engagement_raw = lk.raw, engagement_score = lk.score, engagement_as_of = $1
      FROM lk
     WHERE g.id OPERATOR(pg_catalog.=) lk.id
    RETURNING 1),
-- engagement_changed for every group written (docs/design.md §7.3): old and
-- new raw and normalised scores; a refresh is a job.  Run to completion
-- like every data-modifying WITH, though nothing reads it.
ev AS (
    INSERT INTO bg_internal.event (batch, kind, group_id, solution_interest, account_key, old_value, new_value, source)
    SELECT (SELECT bg_internal._event_batch()), 'engagement_changed', lk.id, s.name, lk.account_key,
           pg_catalog.jsonb_build_object('engagement_raw', lk.old_raw, 'engagement_score', lk.old_score),
           pg_catalog.jsonb_build_object('engagement_raw', lk.raw, 'engagement_score', lk.score, 'as_of', $1),
           'job'
      FROM lk JOIN bg_internal.solution_interest s ON s.id OPERATOR(pg_catalog.=) lk.solution_interest_id
     ORDER BY lk.id
    RETURNING 1)
SELECT (SELECT c.id FROM c WHERE c.kind OPERATOR(pg_catalog.=) 'people'),
       (SELECT c.id FROM c WHERE c.kind OPERATOR(pg_catalog.=) 'groups'),
       (SELECT pg_catalog.count(*) FROM wp), (SELECT pg_catalog.count(*) FROM wg), (SELECT pg_catalog.count(*) FROM dp)$q$,
        a.relid::oid,
        -- the bounds are InitPlans: the text of as_of is cast once, not per
        -- row; an integer key is read as bigint (its text made once per person)
        format('SELECT %s, a.%I::pg_catalog.text, a.%I FROM %s a
                 WHERE a.%3$I > (SELECT ($1[1])::pg_catalog.timestamptz - interval ''721 hours'')
                   AND a.%3$I <= (SELECT ($1[1])::pg_catalog.timestamptz)',
               CASE WHEN bg_internal._key_family(bg_internal._coltype(a.relid, a.person_column)::pg_catalog.regtype)
                         OPERATOR(pg_catalog.=) 'integer'
                    THEN format('(a.%I)::pg_catalog.int8', a.person_column)
                    ELSE key_sql END,
               a.type_column, a.at_column, a.relid),
        p.relid::oid,
        CASE WHEN bg_internal._key_family(bg_internal._coltype(p.relid, p.key_column)::pg_catalog.regtype)
                  OPERATOR(pg_catalog.=) 'integer'
             THEN format('SELECT (p.%I)::pg_catalog.int8 FROM %s p', p.key_column, p.relid)
             ELSE bg_internal._people_keys_sql(p) END);
END $$;
COMMENT ON FUNCTION bg_internal._refresh_engagement_sql(bg_internal.binding, bg_internal.activity_binding) IS 'Internal: the statement of bg.refresh_engagement.';

CREATE FUNCTION bg_internal._require_unique_people(p bg_internal.binding) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    dup text;
BEGIN
    SELECT r.k INTO dup FROM bg_internal._read(p.relid, bg_internal._people_keys_sql(p)) AS r(k text)
     GROUP BY r.k HAVING count(*) > 1 ORDER BY r.k LIMIT 1;
    IF dup IS NOT NULL THEN
        RAISE EXCEPTION 'key column "%" of the bound people table % is not unique', p.key_column, p.relid
            USING ERRCODE = 'unique_violation',
                  DETAIL = format('Key %s occurs more than once; engagement scores are stored per person.', dup),
                  HINT = format('Add a unique constraint: ALTER TABLE %s ADD UNIQUE (%I).', p.relid, p.key_column);
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._require_unique_people(bg_internal.binding) IS 'Internal: errors when a key of the bound people table occurs twice.';

CREATE FUNCTION bg_internal._run_refresh(jid bigint, as_of timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding := bg_internal._bound('people');
    people bigint; groups bigint; people_changed bigint; groups_changed bigint; people_dropped bigint;
BEGIN
    BEGIN
        EXECUTE bg_internal._refresh_engagement_sql(p, (SELECT a FROM bg_internal.activity_binding a))
           INTO people, groups, people_changed, groups_changed, people_dropped
          USING as_of;
    EXCEPTION WHEN cardinality_violation THEN
        PERFORM bg_internal._require_unique_people(p);
        RAISE;
    END;
    IF people <> (SELECT count(*) FROM bg_internal.person_engagement) THEN
        PERFORM bg_internal._require_unique_people(p);
    END IF;
    UPDATE bg_internal.job SET status = 'done', finished_at = clock_timestamp() WHERE id = jid;
    RETURN jsonb_build_object('people', people, 'groups', groups,
                              'people_written', people_changed + people_dropped, 'groups_written', groups_changed);
END $$;
COMMENT ON FUNCTION bg_internal._run_refresh(bigint, timestamp with time zone) IS 'Internal: the run of an engagement job.';

CREATE FUNCTION bg.refresh_engagement(as_of timestamp with time zone DEFAULT pg_catalog.now(),
                                      record_failure boolean DEFAULT false) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    jid bigint;
    res jsonb;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'as_of must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT isfinite($1) THEN
        RAISE EXCEPTION 'as_of must be finite, not %', $1
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Scores are of the 30 days up to a point in time, such as now().';
    END IF;
    IF $2 IS NULL THEN
        RAISE EXCEPTION 'record_failure must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- one refresh at a time; the active model and the binding stay as read
    LOCK TABLE bg_internal.person_engagement IN SHARE ROW EXCLUSIVE MODE;
    LOCK TABLE bg_internal.weighting_model, bg_internal.activity_binding IN SHARE MODE;
    IF NOT EXISTS (SELECT FROM bg_internal.activity_binding) THEN
        RAISE EXCEPTION 'no activities table is bound'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Bind it with bg.bind_activities(''schema.table'', person => ..., type => ..., at => ...).';
    END IF;
    IF NOT EXISTS (SELECT FROM bg_internal.weighting_model m WHERE m.status = 'active') THEN
        RAISE EXCEPTION 'no weighting model is active'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Activate one with bg.activate_weighting_model(name).';
    END IF;
    PERFORM bg_internal._bound('people');
    INSERT INTO bg_internal.job (kind) VALUES ('engagement') RETURNING id INTO jid;
    res := bg_internal._run_recorded(jid, $2, 'SELECT bg_internal._run_refresh($1, $2)', $1);
    RETURN jsonb_build_object('job', jid) || coalesce(res, '{}')
           || jsonb_build_object('ms', round(extract(epoch FROM clock_timestamp() - t0) * 1000)::bigint);
END $$;
COMMENT ON FUNCTION bg.refresh_engagement(timestamp with time zone, boolean) IS
    'Computes and stores the engagement scores of every bound person and buying group as of as_of (docs/design.md §7.1), writing only the rows whose scores changed, and records the run in bg.jobs (kind engagement); returns {"job", "people", "groups", "people_written", "groups_written", "ms"}. An error is raised, unless record_failure is true: then the job is recorded as failed, a warning is raised and the result is {"job", "ms"}.';

-- sql/bg/engagement_views.sql
CREATE FUNCTION bg_internal._activity_months_read(keys text[])
    RETURNS TABLE (person_key text, month date, activities bigint)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg_internal.activity_binding;
    types text[];
    type_filter text := '';
BEGIN
    SELECT * INTO a FROM bg_internal.activity_binding;
    IF NOT FOUND OR coalesce(cardinality(keys), 0) = 0 THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT FROM bg_internal.weighting_model m WHERE m.status = 'active') THEN
        types := ARRAY(SELECT w.activity_type FROM bg_internal.activity_weight w
                         JOIN bg_internal.weighting_model m ON m.id = w.model_id
                        WHERE m.status = 'active' ORDER BY w.activity_type);
        type_filter := format(' AND (a.%I)::pg_catalog.text OPERATOR(pg_catalog.=) ANY (%L::pg_catalog.text[])',
                              a.type_column, types);
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT r.k, r.m, r.n FROM bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L, $1)
                                AS r(k pg_catalog.text, m pg_catalog.date, n pg_catalog.int8)',
        a.relid::oid,
        format('SELECT %s, (pg_catalog.date_trunc(''month'', a.%I AT TIME ZONE ''UTC''))::pg_catalog.date,
                       pg_catalog.count(*)
                  FROM %s a
                 WHERE a.%I OPERATOR(pg_catalog.=) ANY ($1::%s[]) AND a.%I IS NOT NULL%s
                 GROUP BY 1, 2',
               bg_internal._key_sql(a.relid, a.person_column, format('a.%I', a.person_column)),
               a.at_column, a.relid, a.person_column, bg_internal._coltype(a.relid, a.person_column),
               a.at_column, type_filter))
        USING keys;
END $$;
COMMENT ON FUNCTION bg_internal._activity_months_read(text[]) IS 'Internal: activities of these people per UTC month (the active model''s types, or all), read as the activities table''s owner.';

CREATE FUNCTION bg_internal._activity_months(keys text[])
    RETURNS TABLE (person_key text, month date, activities bigint)
    LANGUAGE c STABLE STRICT PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'bg_activity_months';
COMMENT ON FUNCTION bg_internal._activity_months(text[]) IS 'Internal: activities per UTC month of those of these people the current role may SELECT in the bound people table; bg.engagement_by_role calls it.';

-- sql/bg/exports.sql
CREATE FUNCTION bg_internal._mapped_sql(b bg_internal.binding, mapping text) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN NOT b.mappings ? mapping THEN 'NULL::pg_catalog.text'
                -- the built-in string types are their text (a cheaper read)
                WHEN bg_internal._base_type(bg_internal._column_type(b.relid, (b.mappings ->> mapping)::name))
                     IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype)
                THEN format('pg_catalog.btrim(COALESCE((t.%I)::pg_catalog.text, ''''), E'' \t\r\n'')',
                            b.mappings ->> mapping)
                ELSE format('pg_catalog.btrim(pg_catalog.format(''%%s'', t.%I), E'' \t\r\n'')',
                            b.mappings ->> mapping) END;
$$;
COMMENT ON FUNCTION bg_internal._mapped_sql(bg_internal.binding, text) IS 'Internal: SQL of a mapped column''s trimmed text in a read of the bound table, or NULL.';

CREATE FUNCTION bg_internal._interest_role(s bg_internal.solution_interest, role text) RETURNS integer
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN (bg_internal._template_role(s.template_id, (SELECT t.name FROM bg_internal.template t WHERE t.id = s.template_id),
                                       role)).role_id;
END $$;
COMMENT ON FUNCTION bg_internal._interest_role(bg_internal.solution_interest, text) IS 'Internal: the id of a role of a solution interest''s template; errors when it is not in it.';

CREATE FUNCTION bg_internal._acquisition_targets_rows(solution_interest text)
    RETURNS TABLE (buying_group bigint, account_key text, account_name text, role text, members_needed integer,
                   criteria text, job_titles text[])
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    s bg_internal.solution_interest := bg_internal._interest($1);
    col text := coalesce((SELECT b.mappings ->> 'job_title' FROM bg_internal.binding b WHERE b.kind = 'people'),
                         'job_title');
BEGIN
    RETURN QUERY
    SELECT g.id, g.account_key, g.account_name, r.name, x.members_required - c.n, x.condition,
           CASE WHEN x.condition IS NOT NULL THEN bg_internal._condition_literals(x.condition, col) END
      FROM bg_internal.buying_group g
      JOIN bg_internal.template_role x ON x.template_id = s.template_id
      JOIN bg_internal.role r ON r.id = x.role_id
     CROSS JOIN LATERAL (SELECT coalesce((g.role_counts ->> r.name)::integer, 0) AS n) c
     WHERE g.solution_interest_id = s.id AND x.required AND c.n < x.members_required
     ORDER BY g.id, x.priority;
END $$;
COMMENT ON FUNCTION bg_internal._acquisition_targets_rows(text) IS 'Internal: the rows of bg.acquisition_targets, for every group (bg.acquisition_targets keeps the visible ones).';

CREATE FUNCTION bg_internal._linkedin_companies_rows(solution_interest text, missing_role text,
                                                     max_completeness double precision)
    RETURNS TABLE (companyname text, companywebsite text, companyemaildomain text, linkedincompanypageurl text,
                   stocksymbol text, industry text, city text, state text, companycountry text, zipcode text,
                   account_key text)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := bg_internal._interest($1);
    a bg_internal.binding := bg_internal._bound('accounts');
BEGIN
    IF $2 IS NOT NULL THEN
        PERFORM bg_internal._interest_role(s, $2);
    END IF;
    IF NOT $3 BETWEEN 0 AND 100 THEN
        RAISE EXCEPTION 'max_completeness must be between 0 and 100' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY EXECUTE format(
        'WITH g AS (SELECT g.id, g.account_key FROM bg_internal.buying_group g
                     WHERE g.solution_interest_id OPERATOR(pg_catalog.=) $1
                       AND ($2 IS NULL OR $2 OPERATOR(pg_catalog.=) ANY (g.missing_roles))
                       AND ($3 IS NULL OR g.completeness OPERATOR(pg_catalog.<=) $3))
         SELECT r.n, r.w, r.d, NULL::pg_catalog.text, NULL::pg_catalog.text, r.i, r.c, r.s, r.o, r.z, g.account_key
           FROM g JOIN bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L,
                                         ARRAY(SELECT g.account_key FROM g))
                    AS r(k pg_catalog.text, n pg_catalog.text, w pg_catalog.text, d pg_catalog.text,
                         i pg_catalog.text, c pg_catalog.text, s pg_catalog.text, o pg_catalog.text, z pg_catalog.text)
                ON r.k OPERATOR(pg_catalog.=) g.account_key
          ORDER BY g.id',
        a.relid::oid,
        format('SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s FROM %s t WHERE t.%I = ANY ($1::%s[])',
               bg_internal._key_sql(a.relid, a.key_column, format('t.%I', a.key_column)),
               bg_internal._name_sql(format('t.%I', a.name_column)),
               bg_internal._mapped_sql(a, 'website'), bg_internal._mapped_sql(a, 'domain'),
               bg_internal._mapped_sql(a, 'industry'), bg_internal._mapped_sql(a, 'city'),
               bg_internal._mapped_sql(a, 'state'), bg_internal._mapped_sql(a, 'country'),
               bg_internal._mapped_sql(a, 'postal_code'),
               a.relid, a.key_column, bg_internal._coltype(a.relid, a.key_column)))
        USING s.id, $2, $3;
END $$;
COMMENT ON FUNCTION bg_internal._linkedin_companies_rows(text, text, double precision) IS 'Internal: the rows of bg.linkedin_companies with their account keys, for every group (bg.linkedin_companies keeps the visible ones).';

CREATE FUNCTION bg_internal._linkedin_contacts_rows(solution_interest text, role text, hash_emails boolean)
    RETURNS TABLE (email text, firstname text, lastname text, jobtitle text, employeecompany text, country text,
                   googleaid text, account_key text, person_key text)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := bg_internal._interest($1);
    p bg_internal.binding := bg_internal._bound('people');
    rid integer;
BEGIN
    IF $2 IS NOT NULL THEN
        rid := bg_internal._interest_role(s, $2);
    END IF;
    IF $3 IS NULL THEN
        RAISE EXCEPTION 'hash_emails must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN QUERY EXECUTE format(
        'WITH m AS (SELECT f.person_key, g.id, g.account_key, g.account_name
                      FROM (SELECT m.person_key, pg_catalog.min(m.group_id) AS group_id
                              FROM bg_internal.member m JOIN bg_internal.buying_group g ON g.id OPERATOR(pg_catalog.=) m.group_id
                             WHERE g.solution_interest_id OPERATOR(pg_catalog.=) $1 AND NOT m.is_removed
                               AND ($2 IS NULL OR m.role_id OPERATOR(pg_catalog.=) $2)
                             GROUP BY m.person_key) f
                      JOIN bg_internal.buying_group g ON g.id OPERATOR(pg_catalog.=) f.group_id)
         SELECT CASE WHEN r.e OPERATOR(pg_catalog.=) '''' THEN NULL
                     WHEN $3 THEN pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(pg_catalog.lower(r.e), ''UTF8'')), ''hex'')
                     ELSE pg_catalog.lower(r.e) END,
                r.f, r.l, r.j, m.account_name, r.c, NULL::pg_catalog.text, m.account_key, m.person_key
           FROM m JOIN bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L,
                                         ARRAY(SELECT m.person_key FROM m))
                    AS r(k pg_catalog.text, e pg_catalog.text, f pg_catalog.text, l pg_catalog.text,
                         j pg_catalog.text, c pg_catalog.text)
                ON r.k OPERATOR(pg_catalog.=) m.person_key
          ORDER BY m.id, m.person_key',
        p.relid::oid,
        format('SELECT %s, %s, %s, %s, %s, %s FROM %s t WHERE t.%I = ANY ($1::%s[])',
               bg_internal._key_sql(p.relid, p.key_column, format('t.%I', p.key_column)),
               bg_internal._mapped_sql(p, 'email'), bg_internal._mapped_sql(p, 'first_name'),
               bg_internal._mapped_sql(p, 'last_name'), bg_internal._mapped_sql(p, 'job_title'),
               bg_internal._mapped_sql(p, 'country'),
               p.relid, p.key_column, bg_internal._coltype(p.relid, p.key_column)))
        USING s.id, rid, $3;
END $$;
COMMENT ON FUNCTION bg_internal._linkedin_contacts_rows(text, text, boolean) IS 'Internal: the rows of bg.linkedin_contacts with their account and person keys, for every member (bg.linkedin_contacts keeps the visible ones).';

CREATE FUNCTION bg_internal._export_columns(kind text) RETURNS TABLE (relid oid, col name)
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT b.relid::oid, x.c::name
      FROM bg_internal.binding b
     CROSS JOIN LATERAL (SELECT b.name_column::text UNION ALL SELECT m.value FROM jsonb_each_text(b.mappings) m) x(c)
     WHERE b.kind = $1 AND x.c IS NOT NULL
     ORDER BY 2;
$$;
COMMENT ON FUNCTION bg_internal._export_columns(text) IS 'Internal: the columns of a bound table that exports read.';

CREATE FUNCTION bg.acquisition_targets(solution_interest text)
    RETURNS TABLE (buying_group bigint, account_key text, account_name text, role text, members_needed integer,
                   criteria text, job_titles text[])
    LANGUAGE c STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'bg_acquisition_targets';
COMMENT ON FUNCTION bg.acquisition_targets(text) IS
    'One row per buying group of the solution interest and missing role (whose account you may SELECT): how many members the role still needs, its condition (NULL when it has none) and the job titles the condition looks for — what a contact vendor''s search needs.';

CREATE FUNCTION bg.linkedin_companies(solution_interest text, missing_role text DEFAULT NULL,
                                      max_completeness double precision DEFAULT NULL)
    RETURNS TABLE (companyname text, companywebsite text, companyemaildomain text, linkedincompanypageurl text,
                   stocksymbol text, industry text, city text, state text, companycountry text, zipcode text)
    LANGUAGE c STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'bg_linkedin_companies';
COMMENT ON FUNCTION bg.linkedin_companies(text, text, double precision) IS
    'The accounts of the solution interest''s buying groups (those missing missing_role, at most max_completeness complete, and whose account you may SELECT) in the columns of LinkedIn Campaign Manager''s company-list template; warns under 300 rows, fails above 300 000.';

CREATE FUNCTION bg.linkedin_contacts(solution_interest text, role text DEFAULT NULL, hash_emails boolean DEFAULT false)
    RETURNS TABLE (email text, firstname text, lastname text, jobtitle text, employeecompany text, country text,
                   googleaid text)
    LANGUAGE c STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'bg_linkedin_contacts';
COMMENT ON FUNCTION bg.linkedin_contacts(text, text, boolean) IS
    'The current members of the solution interest''s buying groups (of one role, when given, and whose account and person you may SELECT) in the columns of LinkedIn Campaign Manager''s contact-list template; emails trimmed and lower-cased, or SHA-256 hex digests with hash_emails; warns under 300 rows, fails above 300 000.';

-- sql/bg/enrichment.sql
CREATE FUNCTION bg_internal._domain_sql(expr text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('CASE WHEN pg_catalog.translate(%1$s, ''/:?#@'', '''') OPERATOR(pg_catalog.=) %1$s '
                  'AND pg_catalog.lower(pg_catalog.left(%1$s, 4)) OPERATOR(pg_catalog.<>) ''www.'' AND %1$s OPERATOR(pg_catalog.<>) '''' '
                  'THEN pg_catalog.lower(%1$s) ELSE pg_catalog.substring(pg_catalog.lower(%1$s), '
                  '''^(?:[a-z][a-z0-9+.-]*://)?(?:[^/?#@]*@)?(?:www\.)?((?!www\.)[^/:?#@]+)'') END',
                  format('pg_catalog.btrim((%s)::pg_catalog.text)', expr));
$$;
COMMENT ON FUNCTION bg_internal._domain_sql(text) IS 'Internal: SQL of the domain of a domain, website or email expression.';

CREATE FUNCTION bg_internal._distinct_sql(a text, b text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('(CASE WHEN %1$s IS NULL THEN %2$s IS NOT NULL WHEN %2$s IS NULL THEN true '
                  'ELSE %1$s OPERATOR(pg_catalog.<>) %2$s END)', a, b);
$$;
COMMENT ON FUNCTION bg_internal._distinct_sql(text, text) IS 'Internal: SQL of IS DISTINCT FROM for two texts, with pg_catalog''s operator.';

CREATE FUNCTION bg_internal._empty_sql(expr text, typ regtype) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN (SELECT y.typcategory FROM pg_type y WHERE y.oid = bg_internal._base_type(typ)) = 'S'
                THEN format('(%1$s IS NULL OR pg_catalog.btrim((%1$s)::pg_catalog.text) OPERATOR(pg_catalog.=) '''')', expr)
                ELSE format('(%s IS NULL)', expr) END;
$$;
COMMENT ON FUNCTION bg_internal._empty_sql(text, regtype) IS 'Internal: SQL testing whether a value is NULL or blank text.';

CREATE FUNCTION bg_internal._castable(src regtype, dst regtype) RETURNS boolean
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_castable';
COMMENT ON FUNCTION bg_internal._castable(regtype, regtype) IS 'Internal: whether a type casts to another.';

CREATE FUNCTION bg_internal._source_column(source regclass, col name, needed_by text) RETURNS name
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bg_internal._require_column(source, col, NULL, needed_by);
    RETURN col;
END $$;
COMMENT ON FUNCTION bg_internal._source_column(regclass, name, text) IS 'Internal: a column the source table of an enrichment must have.';

CREATE FUNCTION bg_internal._required_mapping(b bg_internal.binding, mapping text, needed_by text) RETURNS name
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT b.mappings ? mapping THEN
        RAISE EXCEPTION 'the % binding has no % mapping', b.kind, mapping
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = needed_by,
                  HINT = format('Bind the %s table again with %s => ''column''.', b.kind, mapping);
    END IF;
    RETURN (b.mappings ->> mapping)::name;
END $$;
COMMENT ON FUNCTION bg_internal._required_mapping(bg_internal.binding, text, text) IS 'Internal: the column of a mapping an enrichment needs; errors when it is not set.';

CREATE FUNCTION bg_internal._enrich_prepare(source regclass, match_on text, overwrite boolean, insert_new boolean,
                                            OUT job bigint, OUT query text)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p bg_internal.binding;
    a bg_internal.binding;
    need_accounts boolean;
    a_dom name; a_web name;
    m_cols name[];          -- people columns the match reads (and an insert writes)
    m_exprs text[];         -- their values in the source (trimmed text)
    src name[] := '{}';     -- the columns copied: in the source,
    tgt name[] := '{}';     -- in the people table,
    typ text[] := '{}';     -- the people column's type (for casts)
    att record;
    target name;
    i int;
    n int;
    kt text;
    q_v text; q_ad text := ''; q_j text; q_c text; q_u text; q_ins text := ''; q_out text;
    sets text[] := '{}'; rets text[] := '{}'; outs text[] := '{}'; ws text[] := '{}'; wsany text[] := '{}';
    ns text[] := '{}'; os text[] := '{}'; jn text[] := '{}';
    dom_sql text;
BEGIN
    PERFORM bg_internal._require_table(source);
    IF match_on IS NULL THEN
        RAISE EXCEPTION 'match_on must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF match_on NOT IN ('email', 'name') THEN
        RAISE EXCEPTION 'unknown match_on "%"', match_on
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'match_on is ''email'' (the source''s email column against the people''s email mapping) or ''name'' (first_name, last_name and domain against the people''s names in the account of that domain).';
    END IF;
    IF overwrite IS NULL THEN
        RAISE EXCEPTION 'overwrite must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF insert_new IS NULL THEN
        RAISE EXCEPTION 'insert_new must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    p := bg_internal._bound('people');
    PERFORM bg_internal._key_sql(p.relid, p.key_column, '');
    need_accounts := match_on = 'name' OR insert_new;
    IF match_on = 'email' THEN
        m_cols := ARRAY[bg_internal._required_mapping(p, 'email', 'match_on => ''email'' matches it.')];
        m_exprs := ARRAY[format('pg_catalog.btrim((s.%I)::pg_catalog.text)',
                                bg_internal._source_column(source, 'email', 'match_on => ''email'' reads it.'))];
    ELSE
        m_cols := ARRAY[bg_internal._required_mapping(p, 'first_name', 'match_on => ''name'' matches it.'),
                        bg_internal._required_mapping(p, 'last_name', 'match_on => ''name'' matches it.')];
        m_exprs := ARRAY[format('pg_catalog.btrim((s.%I)::pg_catalog.text)',
                                bg_internal._source_column(source, 'first_name', 'match_on => ''name'' reads it.')),
                         format('pg_catalog.btrim((s.%I)::pg_catalog.text)',
                                bg_internal._source_column(source, 'last_name', 'match_on => ''name'' reads it.'))];
        PERFORM bg_internal._source_column(source, 'domain', 'match_on => ''name'' reads it (the company''s domain or website).');
    END IF;
    IF need_accounts THEN
        a := bg_internal._bound('accounts');
        PERFORM bg_internal._key_sql(a.relid, a.key_column, '');
        a_dom := (a.mappings ->> 'domain')::name;
        a_web := (a.mappings ->> 'website')::name;
        IF a_dom IS NULL AND a_web IS NULL THEN
            RAISE EXCEPTION 'the accounts binding has no domain or website mapping'
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = CASE WHEN match_on = 'name' THEN 'match_on => ''name'' finds the account by its domain.'
                                    ELSE 'insert_new => true finds the account of a new person by its domain.' END,
                      HINT = 'Bind the accounts table again with domain => ''column'' or website => ''column''.';
        END IF;
    END IF;
    IF insert_new AND NOT EXISTS (SELECT FROM pg_attribute x WHERE x.attrelid = p.relid AND x.attname = p.key_column
                                     AND (x.atthasdef OR x.attidentity <> '')) THEN
        RAISE EXCEPTION 'the key column "%" of % has no default', p.key_column, p.relid
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'insert_new => true inserts people with the key column''s default.',
                  HINT = 'Give the key column a default (an identity column, a sequence or gen_random_uuid()), or enrich with insert_new => false.';
    END IF;

    -- the columns to copy: a source column named as a people mapping goes to
    -- the mapped column, any other to the people column of its name; never
    -- the key, the account or what the match reads
    FOR att IN SELECT x.attname, x.atttypid::regtype AS t FROM pg_attribute x
                WHERE x.attrelid = source AND x.attnum > 0 AND NOT x.attisdropped ORDER BY x.attnum LOOP
        target := CASE WHEN att.attname::text IN ('email', 'first_name', 'last_name', 'job_title', 'country')
                            AND p.mappings ? att.attname::text
                       THEN (p.mappings ->> att.attname::text)::name
                       WHEN EXISTS (SELECT FROM pg_attribute y WHERE y.attrelid = p.relid AND y.attname = att.attname
                                       AND y.attnum > 0 AND NOT y.attisdropped)
                       THEN att.attname END;
        CONTINUE WHEN target IS NULL OR target IN (p.key_column, p.account_column) OR target = ANY (m_cols)
                      OR (match_on = 'email' AND att.attname = 'email')
                      OR (match_on = 'name' AND att.attname IN ('first_name', 'last_name'));
        i := array_position(tgt, target);
        IF i IS NOT NULL THEN
            RAISE EXCEPTION 'columns "%" and "%" of % both enrich column "%" of %', src[i], att.attname, source, target, p.relid
                USING ERRCODE = 'duplicate_column',
                      HINT = 'Drop or rename one of them in the source table.';
        END IF;
        IF NOT bg_internal._castable(att.t, bg_internal._column_type(p.relid, target)) THEN
            RAISE EXCEPTION 'column "%" of % cannot enrich column "%" of %', att.attname, source, target, p.relid
                USING ERRCODE = 'datatype_mismatch',
                      DETAIL = format('No cast leads from %s to %s.', format_type(att.t, NULL),
                                      format_type(bg_internal._column_type(p.relid, target), NULL)),
                      HINT = 'Change the source column''s type, or rename it so that it enriches nothing.';
        END IF;
        src := src || att.attname;
        tgt := tgt || target;
        typ := typ || bg_internal._coltype(p.relid, target);
    END LOOP;
    n := cardinality(tgt);
    IF n = 0 THEN
        RAISE EXCEPTION 'table % has no column to enrich people with', source
            USING ERRCODE = 'undefined_column',
                  DETAIL = format('No column of it other than the match columns is named as a column of %s or as a people mapping (job_title, first_name, last_name, country).', p.relid),
                  HINT = 'Name the source''s value columns as the people table''s columns.';
    END IF;

    INSERT INTO bg_internal.job (kind, counts, people)
    VALUES ('enrichment', jsonb_build_object('source', source::text, 'match_on', match_on, 'overwrite', overwrite,
                                             'insert_new', insert_new), p.relid)
    RETURNING id INTO job;

    kt := bg_internal._key_sql(p.relid, p.key_column, format('t.%I', p.key_column));
    FOR i IN 1 .. n LOOP
        ns := ns || format('CASE WHEN NOT %s THEN CAST(s.%I AS %s) END AS n%s',
                           bg_internal._empty_sql(format('s.%I', src[i]), bg_internal._column_type(source, src[i])),
                           src[i], typ[i], i);
        jn := jn || format('v.n%s', i);
        os := os || format('t.%I AS o%s', tgt[i], i);
        ws := ws || format('CASE WHEN j.n%1$s IS NOT NULL AND (%2$s OR %3$s) AND %4$s THEN j.n%1$s END AS w%1$s',
                           i, CASE WHEN overwrite THEN 'true' ELSE 'false' END,
                           bg_internal._empty_sql(format('j.o%s', i), bg_internal._column_type(p.relid, tgt[i])),
                           bg_internal._distinct_sql(format('(j.o%s)::pg_catalog.text', i), format('(j.n%s)::pg_catalog.text', i)));
        wsany := wsany || format('c.w%s IS NOT NULL', i);
        -- a value the user changed since the match was read stays (the
        -- latest version of the row is what an UPDATE sets from)
        sets := sets || format('%1$I = CASE WHEN c.w%2$s IS NOT NULL AND NOT %3$s THEN c.w%2$s ELSE t.%1$I END',
                               tgt[i], i, bg_internal._distinct_sql(format('(t.%I)::pg_catalog.text', tgt[i]),
                                                                    format('(c.o%s)::pg_catalog.text', i)));
        rets := rets || format('(c.w%2$s IS NOT NULL AND NOT %3$s) AS h%2$s, (c.o%2$s)::pg_catalog.text AS o%2$s, (c.w%2$s)::pg_catalog.text AS w%2$s',
                               tgt[i], i, bg_internal._distinct_sql(format('(t.%I)::pg_catalog.text', tgt[i]),
                                                                    format('(c.w%s)::pg_catalog.text', i)));
        outs := outs || format('(%L::pg_catalog.text, u.h%2$s, u.o%2$s, u.w%2$s)', tgt[i], i);
    END LOOP;

    -- the vendor records: the match key mk (NULL when a part is missing) and
    -- the values, cast to the people columns' types (NULL for blank); dup:
    -- records of the same key
    IF match_on = 'email' THEN
        dom_sql := CASE WHEN NOT insert_new THEN 'NULL::pg_catalog.text'
                        WHEN EXISTS (SELECT FROM pg_attribute x WHERE x.attrelid = source AND x.attname = 'domain'
                                        AND x.attnum > 0 AND NOT x.attisdropped)
                        THEN format('COALESCE(%s, %s)', bg_internal._domain_sql('s.domain'),
                                    bg_internal._domain_sql(format('pg_catalog.split_part(%s, ''@'', 2)', m_exprs[1])))
                        ELSE bg_internal._domain_sql(format('pg_catalog.split_part(%s, ''@'', 2)', m_exprs[1])) END;
        q_v := format('SELECT CASE WHEN y.m1 OPERATOR(pg_catalog.<>) '''' THEN pg_catalog.lower(y.m1) END AS mk, y.* FROM (SELECT %s AS m1, %s AS dom, %s FROM %s s) y',
                      m_exprs[1], dom_sql, array_to_string(ns, ', '), source);
    ELSE
        q_v := format('SELECT CASE WHEN y.m1 OPERATOR(pg_catalog.<>) '''' AND y.m2 OPERATOR(pg_catalog.<>) '''' AND y.dom IS NOT NULL '
                      'THEN pg_catalog.concat_ws(E''\x1f'', pg_catalog.lower(y.m1), pg_catalog.lower(y.m2), y.dom) END AS mk, '
                      'pg_catalog.lower(y.m1) AS f, pg_catalog.lower(y.m2) AS l, y.* '
                      'FROM (SELECT %s AS m1, %s AS m2, %s AS dom, %s FROM %s s) y',
                      m_exprs[1], m_exprs[2], bg_internal._domain_sql('s.domain'), array_to_string(ns, ', '), source);
    END IF;
    q_v := format('v AS MATERIALIZED (SELECT x.*, pg_catalog.count(*) OVER (PARTITION BY x.mk) AS dup FROM (%s) x)', q_v);

    -- the accounts' domains (of the domain and website mappings)
    IF need_accounts THEN
        q_ad := format(', ad AS MATERIALIZED (SELECT DISTINCT d.dom, a.%I AS acct, %s AS acct_text FROM %s a '
                       'CROSS JOIN LATERAL (VALUES %s) d(dom) WHERE d.dom IS NOT NULL)',
                       a.key_column, bg_internal._key_sql(a.relid, a.key_column, format('a.%I', a.key_column)), a.relid,
                       array_to_string(ARRAY[CASE WHEN a_dom IS NOT NULL THEN format('(%s)', bg_internal._domain_sql(format('a.%I', a_dom))) END,
                                             CASE WHEN a_web IS NOT NULL THEN format('(%s)', bg_internal._domain_sql(format('a.%I', a_web))) END], ', '));
    END IF;

    -- the people each record with a key of its own matches, with their
    -- values; nm: people of the record, np: records of the person
    IF match_on = 'email' THEN
        q_j := format('SELECT t.%I AS pk, v.mk, %s, %s FROM v JOIN %s t '
                      'ON pg_catalog.lower(pg_catalog.btrim((t.%I)::pg_catalog.text)) OPERATOR(pg_catalog.=) v.mk '
                      'WHERE v.dup OPERATOR(pg_catalog.=) 1',
                      p.key_column, array_to_string(jn, ', '), array_to_string(os, ', '), p.relid, m_cols[1]);
    ELSE
        q_j := format('SELECT t.%I AS pk, v.mk, %s, %s FROM v JOIN ad ON ad.dom OPERATOR(pg_catalog.=) v.dom JOIN %s t '
                      'ON %s OPERATOR(pg_catalog.=) ad.acct_text '
                      'AND pg_catalog.lower(pg_catalog.btrim((t.%I)::pg_catalog.text)) OPERATOR(pg_catalog.=) v.f '
                      'AND pg_catalog.lower(pg_catalog.btrim((t.%I)::pg_catalog.text)) OPERATOR(pg_catalog.=) v.l '
                      'WHERE v.dup OPERATOR(pg_catalog.=) 1',
                      p.key_column, array_to_string(jn, ', '), array_to_string(os, ', '), p.relid,
                      bg_internal._key_sql(p.relid, p.account_column, format('t.%I', p.account_column)), m_cols[1], m_cols[2]);
    END IF;
    q_j := format(', j AS MATERIALIZED (SELECT z.*, pg_catalog.count(*) OVER (PARTITION BY z.mk) AS nm, %s AS np FROM (%s) z)',
                  CASE WHEN match_on = 'email' THEN '1' ELSE 'pg_catalog.count(*) OVER (PARTITION BY z.pk)' END, q_j);

    -- the new values: a value the record has, where the person's is empty
    -- (or any, with overwrite) and differs
    q_c := format(', c AS (SELECT j.pk, %s, %s FROM j WHERE j.nm OPERATOR(pg_catalog.=) 1 AND j.np OPERATOR(pg_catalog.=) 1)',
                  (SELECT string_agg(format('j.o%s', g), ', ') FROM generate_series(1, n) g), array_to_string(ws, ', '));
    q_u := format(', u AS (UPDATE %s AS t SET %s FROM c WHERE t.%I OPERATOR(pg_catalog.=) c.pk AND (%s) RETURNING %s AS pk, %s)',
                  p.relid, array_to_string(sets, ', '), p.key_column, array_to_string(wsany, ' OR '), kt,
                  array_to_string(rets, ', '));

    -- new people: records with a key of their own that match nobody, whose
    -- domain is of exactly one account
    IF insert_new THEN
        DECLARE
            icols text[] := ARRAY[format('%I', p.account_column)];
            ivals text[] := ARRAY[format('CAST(au.acct AS %s)', bg_internal._coltype(p.relid, p.account_column))];
            irets text[] := '{}';
            iouts text[] := '{}';
            allcols name[] := m_cols || tgt;
        BEGIN
            FOR i IN 1 .. cardinality(m_cols) LOOP
                icols := icols || format('%I', m_cols[i]);
                ivals := ivals || format('CAST(CASE WHEN v.m%1$s OPERATOR(pg_catalog.<>) '''' THEN v.m%1$s END AS %2$s)',
                                         i, bg_internal._coltype(p.relid, m_cols[i]));
            END LOOP;
            FOR i IN 1 .. n LOOP
                icols := icols || format('%I', tgt[i]);
                ivals := ivals || format('v.n%s', i);
            END LOOP;
            FOR i IN 1 .. cardinality(allcols) LOOP
                irets := irets || format('(t.%I)::pg_catalog.text AS i%s', allcols[i], i);
                iouts := iouts || format('(%L::pg_catalog.text, ins.i%s)', allcols[i], i);
            END LOOP;
            q_ins := format(', ins AS (INSERT INTO %s AS t (%s) SELECT %s FROM v JOIN '
                            '(SELECT ad.dom, (pg_catalog.array_agg(ad.acct))[1] AS acct FROM ad GROUP BY ad.dom '
                            'HAVING pg_catalog.count(*) OPERATOR(pg_catalog.=) 1) au ON au.dom OPERATOR(pg_catalog.=) v.dom '
                            'WHERE v.dup OPERATOR(pg_catalog.=) 1 AND v.mk IS NOT NULL '
                            'AND NOT EXISTS (SELECT FROM j WHERE j.mk OPERATOR(pg_catalog.=) v.mk) RETURNING %s AS pk, %s) ',
                            p.relid, array_to_string(icols, ', '), array_to_string(ivals, ', '), kt, array_to_string(irets, ', '));
            q_out := format(' UNION ALL SELECT ''i'', ins.pk, x.col, NULL, x.n FROM ins CROSS JOIN LATERAL (VALUES %s) x(col, n) WHERE x.n IS NOT NULL',
                            array_to_string(iouts, ', '));
        END;
    END IF;

    query := format('WITH %s%s%s%s%s%s '
                    'SELECT ''u''::pg_catalog.text AS op, u.pk, x.col, x.o, x.n FROM u CROSS JOIN LATERAL (VALUES %s) x(col, h, o, n) WHERE x.h%s '
                    'UNION ALL SELECT ''s'', NULL, NULL, NULL, pg_catalog.jsonb_build_object('
                    '''records'', (SELECT pg_catalog.count(*) FROM v), '
                    '''no_key'', (SELECT pg_catalog.count(*) FROM v WHERE v.mk IS NULL), '
                    '''duplicates'', (SELECT pg_catalog.count(*) FROM v WHERE v.mk IS NOT NULL AND v.dup OPERATOR(pg_catalog.>) 1), '
                    '''ambiguous'', (SELECT pg_catalog.count(DISTINCT j.mk) FROM j WHERE j.nm OPERATOR(pg_catalog.>) 1 OR j.np OPERATOR(pg_catalog.>) 1), '
                    '''matched'', (SELECT pg_catalog.count(*) FROM c), '
                    '''updated'', (SELECT pg_catalog.count(*) FROM u), '
                    '''inserted'', %s)::pg_catalog.text',
                    q_v, q_ad, q_j, q_c, q_u, q_ins, array_to_string(outs, ', '), coalesce(q_out, ''),
                    CASE WHEN insert_new THEN '(SELECT pg_catalog.count(*) FROM ins)' ELSE '0' END);
END $$;
COMMENT ON FUNCTION bg_internal._enrich_prepare(regclass, text, boolean, boolean) IS 'Internal: checks an enrichment, records its job and returns the statement that the caller runs.';

CREATE FUNCTION bg_internal._enrich_done(job bigint, counts jsonb, changed bigint) RETURNS void
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    UPDATE bg_internal.job j
       SET status = 'done', finished_at = clock_timestamp(),
           counts = j.counts || $2
                    || jsonb_build_object('values_changed', $3,
                                          'unchanged', ($2 ->> 'matched')::bigint - ($2 ->> 'updated')::bigint,
                                          'unmatched', ($2 ->> 'records')::bigint - ($2 ->> 'no_key')::bigint
                                                       - ($2 ->> 'duplicates')::bigint - ($2 ->> 'ambiguous')::bigint
                                                       - ($2 ->> 'matched')::bigint - ($2 ->> 'inserted')::bigint)
     WHERE j.id = $1;
$$;
COMMENT ON FUNCTION bg_internal._enrich_done(bigint, jsonb, bigint) IS 'Internal: records the counts of a finished enrichment job.';

CREATE FUNCTION bg_internal._enrich_log(job bigint, keys text[], cols text[], olds text[], news text[], inserted boolean[])
    RETURNS void
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO bg_internal.enrichment_change (job_id, person_key, column_name, old_value, new_value, inserted)
    SELECT $1, x.k, x.c::name, x.o, x.n, x.i FROM unnest($2, $3, $4, $5, $6) AS x(k, c, o, n, i);
$$;
COMMENT ON FUNCTION bg_internal._enrich_log(bigint, text[], text[], text[], text[], boolean[]) IS 'Internal: logs values an enrichment wrote.';

CREATE FUNCTION bg_internal._undo_prepare(job bigint, OUT query text, OUT keys text[], OUT cols text[],
                                          OUT olds text[], OUT news text[])
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    jr bg_internal.job;
    p bg_internal.binding;
    names name[];
    aggs text[] := '{}'; curs text[] := '{}'; ds text[] := '{}'; sets text[] := '{}'; rs text[] := '{}';
    outs text[] := '{}';
BEGIN
    IF job IS NULL THEN
        RAISE EXCEPTION 'job must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO jr FROM bg_internal.job j WHERE j.id = $1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'job % does not exist', job
            USING ERRCODE = 'invalid_parameter_value', HINT = 'bg.jobs lists the jobs (kind enrichment).';
    ELSIF jr.kind <> 'enrichment' THEN
        RAISE EXCEPTION 'job % is not an enrichment', job
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is a job of kind %s.', jr.kind),
                  HINT = 'bg.undo_enrichment undoes the jobs of bg.enrich_people.';
    ELSIF jr.counts ? 'undone_at' THEN
        RAISE EXCEPTION 'enrichment job % was undone already', job
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'bg.jobs shows when (counts ->> ''undone_at'') and how many values it restored and kept.';
    END IF;
    p := bg_internal._bound('people');
    IF p.relid::oid <> jr.people::oid THEN
        RAISE EXCEPTION 'enrichment job % changed another people table than the bound one', job
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('The job changed %s; %s is bound now.', jr.people, p.relid),
                  HINT = 'Bind that table again to undo the job.';
    END IF;
    SELECT array_agg(c.person_key ORDER BY c.person_key, c.column_name), array_agg(c.column_name::text ORDER BY c.person_key, c.column_name),
           array_agg(c.old_value ORDER BY c.person_key, c.column_name), array_agg(c.new_value ORDER BY c.person_key, c.column_name)
      INTO keys, cols, olds, news
      FROM bg_internal.enrichment_change c WHERE c.job_id = $1 AND NOT c.inserted;
    SELECT array_agg(DISTINCT c.column_name ORDER BY c.column_name) INTO names
      FROM bg_internal.enrichment_change c WHERE c.job_id = $1 AND NOT c.inserted;
    IF names IS NULL THEN
        RETURN;
    END IF;
    FOR i IN 1 .. cardinality(names) LOOP
        aggs := aggs || format('pg_catalog.bool_or(x.col OPERATOR(pg_catalog.=) %1$L) AS h%2$s, '
                               'pg_catalog.max(x.o) FILTER (WHERE x.col OPERATOR(pg_catalog.=) %1$L) AS o%2$s, '
                               'pg_catalog.max(x.n) FILTER (WHERE x.col OPERATOR(pg_catalog.=) %1$L) AS n%2$s', names[i], i);
        curs := curs || format('(t.%I)::pg_catalog.text AS v%s', names[i], i);
        ds := ds || format('(cur.h%1$s AND NOT %2$s) AS r%1$s, cur.o%1$s', i,
                           bg_internal._distinct_sql(format('cur.v%s', i), format('cur.n%s', i)));
        sets := sets || format('%1$I = CASE WHEN d.r%2$s THEN CAST(d.o%2$s AS %3$s) ELSE t.%1$I END',
                               names[i], i, bg_internal._coltype(p.relid, names[i]));
        rs := rs || format('d.r%s', i);
        outs := outs || format('(%L::pg_catalog.text, u.r%s)', names[i], i);
    END LOOP;
    query := format('WITH x AS (SELECT * FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.text[]), '
                    'pg_catalog.unnest($3::pg_catalog.text[]), pg_catalog.unnest($4::pg_catalog.text[])) AS x(pk, col, o, n)), '
                    'c AS (SELECT CAST(x.pk AS %1$s) AS k, x.pk, %2$s FROM x GROUP BY x.pk), '
                    'cur AS MATERIALIZED (SELECT c.*, %3$s FROM %4$s t JOIN c ON t.%5$I OPERATOR(pg_catalog.=) c.k FOR UPDATE OF t), '
                    'd AS (SELECT cur.k, cur.pk, %6$s FROM cur), '
                    'u AS (UPDATE %4$s AS t SET %7$s FROM d WHERE t.%5$I OPERATOR(pg_catalog.=) d.k AND (%8$s) RETURNING d.pk, %9$s) '
                    'SELECT u.pk, y.col FROM u CROSS JOIN LATERAL (VALUES %10$s) y(col, r) WHERE y.r',
                    bg_internal._coltype(p.relid, p.key_column), array_to_string(aggs, ', '), array_to_string(curs, ', '),
                    p.relid, p.key_column, array_to_string(ds, ', '), array_to_string(sets, ', '),
                    array_to_string(rs, ' OR '), array_to_string(rs, ', '), array_to_string(outs, ', '));
END $$;
COMMENT ON FUNCTION bg_internal._undo_prepare(bigint) IS 'Internal: checks and locks an enrichment job to undo and returns the statement that the caller runs.';

CREATE FUNCTION bg_internal._undo_done(job bigint, keys text[], cols text[]) RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    restored bigint;
    kept bigint;
    ins bigint;
BEGIN
    UPDATE bg_internal.enrichment_change c SET undone = true
      FROM unnest(keys, cols) AS x(k, col)
     WHERE c.job_id = $1 AND c.person_key = x.k AND c.column_name = x.col::name;
    GET DIAGNOSTICS restored = ROW_COUNT;
    SELECT count(*) FILTER (WHERE NOT c.inserted) - restored, count(DISTINCT c.person_key) FILTER (WHERE c.inserted)
      INTO kept, ins
      FROM bg_internal.enrichment_change c WHERE c.job_id = $1;
    UPDATE bg_internal.job j
       SET counts = j.counts || jsonb_build_object('restored', restored, 'kept', kept, 'undone_at', clock_timestamp())
     WHERE j.id = $1;
    IF kept > 0 THEN
        RAISE WARNING '% values of enrichment job % were kept', kept, job
            USING DETAIL = 'They were changed (or their person deleted) since the job wrote them.',
                  HINT = format('SELECT * FROM bg.enrichment_changes WHERE job = %s AND NOT undone lists them.', job);
    END IF;
    IF ins > 0 THEN
        RAISE NOTICE '% people inserted by enrichment job % were kept', ins, job
            USING DETAIL = 'Undoing an enrichment restores changed values; it deletes no person.';
    END IF;
    RETURN restored;
END $$;
COMMENT ON FUNCTION bg_internal._undo_done(bigint, text[], text[]) IS 'Internal: records an undone enrichment job and reports what it kept.';

CREATE FUNCTION bg.enrich_people(source regclass, match_on text DEFAULT 'email', overwrite boolean DEFAULT false,
                                 insert_new boolean DEFAULT false)
    RETURNS bigint
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bg_enrich_people';
COMMENT ON FUNCTION bg.enrich_people(regclass, text, boolean, boolean) IS
    'Fills the bound people''s empty values (all, with overwrite) from the vendor records of source, matched by email or by name and company domain; with insert_new adds unmatched records of a known account''s domain as people. Runs with your rights (UPDATE, and INSERT for insert_new, on the people table). Logs every value in bg.enrichment_changes; returns the job id.';

CREATE FUNCTION bg.undo_enrichment(job bigint) RETURNS bigint
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bg_undo_enrichment';
COMMENT ON FUNCTION bg.undo_enrichment(bigint) IS
    'Restores the values an enrichment job changed, except those changed since (kept, with a warning); people it inserted stay. Runs with your rights on the people table. Returns the number of values restored.';

-- sql/bg/imports.sql
CREATE FUNCTION bg_internal._require_source_select(rel regclass) RETURNS void
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'bg_require_source_select';
COMMENT ON FUNCTION bg_internal._require_source_select(regclass) IS 'Internal: errors unless the role that called bg''s function may SELECT every row of a table.';

CREATE FUNCTION bg_internal._number_key(value text, is_integer boolean) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_number_key';
COMMENT ON FUNCTION bg_internal._number_key(text, boolean) IS 'Internal: the canonical key text of a number written as text (an integer, or a numeric with is_integer false), or NULL when it is none.';

CREATE FUNCTION bg_internal._key_literal_sql(fam text, expr text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN fam IN ('integer', 'numeric') THEN
                format('bg_internal._number_key(%s, %s)', expr, CASE WHEN fam = 'integer' THEN 'true' ELSE 'false' END)
        WHEN fam = 'uuid' THEN format('CASE WHEN %1$s ~* ''^\s*\{?[0-9a-f]{8}(-?[0-9a-f]{4}){3}-?[0-9a-f]{12}\}?\s*$''
                                     THEN (pg_catalog.btrim(%1$s)::pg_catalog.uuid)::pg_catalog.text END', expr)
        WHEN fam = 'char' THEN format('pg_catalog.rtrim(%s)', expr)
        ELSE expr END;
$$;
COMMENT ON FUNCTION bg_internal._key_literal_sql(text, text) IS 'Internal: SQL of the canonical key of a text value, or NULL when it is no value of the key type.';

CREATE FUNCTION bg_internal._tag_read_sql(b bg_internal.binding, prefix text, tags text[], extra text,
                                          keycol name, extracol name, vcols name[])
    RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('f AS MATERIALIZED (SELECT * FROM bg_internal._read_tagged(%s::pg_catalog.oid::pg_catalog.regclass, %L,
                     %L::pg_catalog.text[], ARRAY(%s)) AS x(%I text, %s%s tag text))',
                  b.relid::oid,
                  format('SELECT %s, %s%s FROM %s t',
                         bg_internal._key_sql(b.relid, b.key_column, format('t.%I', b.key_column)),
                         (SELECT string_agg(CASE WHEN y.x IS NULL THEN 'NULL::pg_catalog.text' ELSE format('(%s)::pg_catalog.text', y.x) END, ', '
                                            ORDER BY y.i)
                            FROM unnest(tags) WITH ORDINALITY AS y(x, i)),
                         coalesce(', ' || extra, ''), b.relid),
                  ARRAY['k:'] || array_fill(prefix, ARRAY[cardinality(tags)]),
                  (SELECT string_agg(format('SELECT v.%I FROM v WHERE v.%1$I IS NOT NULL', c), ' UNION ALL ')
                     FROM unnest(vcols) AS c),
                  keycol,
                  (SELECT string_agg(format('t%s text, ', i), '') FROM generate_series(1, cardinality(tags)) AS i),
                  CASE WHEN extracol IS NOT NULL THEN format('%I text, ', extracol) ELSE '' END);
$$;
COMMENT ON FUNCTION bg_internal._tag_read_sql(bg_internal.binding, text, text[], text, name, name, name[]) IS 'Internal: SQL of an import''s read of a bound table by keys and tags.';

CREATE FUNCTION bg_internal._read_tagged(rel regclass, query text, prefixes text[], vals text[]) RETURNS SETOF record
    LANGUAGE c STABLE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_read_tagged';
COMMENT ON FUNCTION bg_internal._read_tagged(regclass, text, text[], text[]) IS 'Internal: rows of a query over a user''s table, read as the table''s owner, whose tags are among the given values.';

CREATE FUNCTION bg_internal._import_mode(on_conflict text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF on_conflict IS NULL THEN
        RAISE EXCEPTION 'on_conflict must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF lower(btrim(on_conflict)) NOT IN ('skip', 'replace') THEN
        RAISE EXCEPTION 'unknown on_conflict "%"', on_conflict
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give skip (an existing rule member keeps its role) or replace (the import sets the role).';
    END IF;
    RETURN lower(btrim(on_conflict));
END $$;
COMMENT ON FUNCTION bg_internal._import_mode(text) IS 'Internal: the on_conflict of an import; errors unless skip or replace.';

CREATE FUNCTION bg_internal._import_columns(src regclass) RETURNS boolean
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t regtype;
    cat "char";
    has_line boolean;
BEGIN
    PERFORM bg_internal._require_table(src);
    FOR i IN 1 .. 3 LOOP
        DECLARE
            col name := (ARRAY['account', 'person', 'role'])[i];
        BEGIN
            PERFORM bg_internal._require_column(src, col, NULL,
                'An import reads the columns account, person and role of its source (and line, when it has one).');
            t := bg_internal._column_type(src, col);
            SELECT y.typcategory INTO cat FROM pg_type y WHERE y.oid = bg_internal._base_type(t);
            IF NOT (cat IN ('S', 'E') OR (col <> 'role' AND bg_internal._key_family(t) IS NOT NULL)) THEN
                RAISE EXCEPTION 'column "%" of % cannot be read by an import', col, src
                    USING ERRCODE = 'datatype_mismatch',
                          DETAIL = format('Its type is %s.', format_type(t, NULL)),
                          HINT = CASE WHEN col = 'role'
                                      THEN 'The role column holds role names: a string type (text, varchar, char) or an enum.'
                                      ELSE format('The %s column holds keys or %s: a string type, an enum or a key type (integer, numeric, uuid).',
                                                  col, CASE col WHEN 'account' THEN 'domains' ELSE 'emails' END) END;
            END IF;
        END;
    END LOOP;
    has_line := EXISTS (SELECT FROM pg_attribute WHERE attrelid = src AND attname = 'line' AND attnum > 0 AND NOT attisdropped);
    IF has_line AND bg_internal._key_family(bg_internal._column_type(src, 'line')) IS DISTINCT FROM 'integer' THEN
        RAISE EXCEPTION 'column "line" of % cannot be read by an import', src
            USING ERRCODE = 'datatype_mismatch',
                  DETAIL = format('Its type is %s.', format_type(bg_internal._column_type(src, 'line'), NULL)),
                  HINT = 'A line column numbers the rows of the file: smallint, integer or bigint. Rename it to have the rows numbered in the order read.';
    END IF;
    RETURN has_line;
END $$;
COMMENT ON FUNCTION bg_internal._import_columns(regclass) IS 'Internal: errors unless an import''s source has the columns it reads; whether it has line.';

CREATE FUNCTION bg_internal._import_read(src regclass, has_line boolean) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('CREATE TEMPORARY TABLE bg_import_src ON COMMIT DROP AS
                    SELECT x.ord, COALESCE(x.line, x.ord) AS line, x.a, x.p, x.r, x."row"
                      FROM bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L)
                           AS x(ord bigint, line bigint, a text, p text, r text, "row" jsonb)',
                   src::oid,
                   format('SELECT pg_catalog.row_number() OVER (), %s, s.account::pg_catalog.text,
                                  s.person::pg_catalog.text, s.role::pg_catalog.text, pg_catalog.to_jsonb(s)
                             FROM %s s',
                          CASE WHEN has_line THEN 's.line::pg_catalog.int8' ELSE 'NULL::pg_catalog.int8' END, src));
    -- the statistics of the columns the matching joins on (not of "row"):
    -- hash joins, not sorts of every row of the file
    ANALYZE pg_temp.bg_import_src (a, p, r);
END $$;
COMMENT ON FUNCTION bg_internal._import_read(regclass, boolean) IS 'Internal: reads an import''s source into a temporary table.';

CREATE FUNCTION bg_internal._import_accounts() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg_internal.binding := bg_internal._bound('accounts');
    bad text;
BEGIN
    EXECUTE format('CREATE TEMPORARY TABLE bg_import_account ON COMMIT DROP AS
        WITH v AS MATERIALIZED (SELECT s.a, ''k:'' || %1$s AS k, ''d:'' || %2$s AS d
                                  FROM (SELECT DISTINCT y.a FROM pg_temp.bg_import_src y WHERE y.a IS NOT NULL) s),
        %3$s
        SELECT v.a, COALESCE(km.akey, dm.akey) AS akey,
               CASE WHEN km.akey IS NOT NULL THEN 1 ELSE COALESCE(dm.n, 0) END AS n
          FROM v
          LEFT JOIN (SELECT DISTINCT f.akey, f.tag FROM f WHERE f.tag LIKE ''k:%%'') km ON km.tag = v.k
          LEFT JOIN (SELECT f.tag, pg_catalog.min(f.akey) AS akey, pg_catalog.count(DISTINCT f.akey) AS n
                       FROM f WHERE f.tag LIKE ''d:%%'' GROUP BY f.tag) dm ON dm.tag = v.d',
        bg_internal._key_literal_sql(bg_internal._key_family(b.key_type), 's.a'),
        bg_internal._domain_sql('s.a'),
        bg_internal._tag_read_sql(b, 'd:', ARRAY[CASE WHEN b.mappings ? 'domain'
                                                     THEN bg_internal._domain_sql(format('(t.%I)::pg_catalog.text', b.mappings ->> 'domain')) END,
                                                CASE WHEN b.mappings ? 'website'
                                                     THEN bg_internal._domain_sql(format('(t.%I)::pg_catalog.text', b.mappings ->> 'website')) END],
                                  NULL, 'akey', NULL, ARRAY['k', 'd']));
    ANALYZE pg_temp.bg_import_account;
    -- a domain needs a mapping to be matched
    IF NOT (b.mappings ?| ARRAY['domain', 'website']) THEN
        SELECT x.a INTO bad FROM pg_temp.bg_import_account x WHERE x.n = 0 AND x.a ~ '[.@]' ORDER BY x.a LIMIT 1;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'cannot match account "%" by domain: the accounts are bound without a domain or website column', bad
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'It is no account key, and an import matches other values by the domain or website of the bound accounts.',
                      HINT = 'Bind the accounts again with bg.bind_accounts(..., domain => ''column'') or website => ''column''.';
        END IF;
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._import_accounts() IS 'Internal: matches the account values of an import to accounts.';

CREATE FUNCTION bg_internal._import_people() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bg_internal.binding := bg_internal._bound('people');
    bad text;
BEGIN
    EXECUTE format('CREATE TEMPORARY TABLE bg_import_person ON COMMIT DROP AS
        WITH v AS MATERIALIZED (SELECT s.akey, s.p, ''k:'' || %1$s AS k,
                                       CASE WHEN s.p LIKE ''%%@%%'' THEN ''e:'' || pg_catalog.lower(pg_catalog.btrim(s.p)) END AS e
                                  FROM (SELECT DISTINCT c.akey, y.p
                                          FROM pg_temp.bg_import_src y JOIN pg_temp.bg_import_account c ON c.a = y.a
                                         WHERE c.n = 1 AND y.p IS NOT NULL) s),
        %2$s,
        km AS (SELECT DISTINCT f.pkey, f.acct, f.tag FROM f WHERE f.tag LIKE ''k:%%''),
        -- the people found by an email in each account, and in all
        ea AS (SELECT f.tag, f.acct, pg_catalog.min(f.pkey) AS pkey, pg_catalog.count(DISTINCT f.pkey) AS n
                 FROM f WHERE f.tag LIKE ''e:%%'' GROUP BY f.tag, f.acct),
        et AS (SELECT f.tag, pg_catalog.count(DISTINCT f.pkey) AS n FROM f WHERE f.tag LIKE ''e:%%'' GROUP BY f.tag)
        SELECT v.akey, v.p,
               CASE WHEN km.pkey IS NOT NULL THEN CASE WHEN km.acct = v.akey THEN km.pkey END
                    ELSE ea.pkey END AS pkey,
               CASE WHEN km.pkey IS NOT NULL THEN (km.acct = v.akey)::integer
                    ELSE COALESCE(ea.n, 0) END AS n,
               CASE WHEN km.pkey IS NOT NULL THEN km.acct <> v.akey
                    ELSE COALESCE(et.n, 0) > COALESCE(ea.n, 0) END AS elsewhere
          FROM v LEFT JOIN km ON km.tag = v.k
          LEFT JOIN ea ON ea.tag = v.e AND ea.acct = v.akey
          LEFT JOIN et ON et.tag = v.e',
        bg_internal._key_literal_sql(bg_internal._key_family(b.key_type), 's.p'),
        bg_internal._tag_read_sql(b, 'e:', ARRAY[CASE WHEN b.mappings ? 'email'
                                                     THEN format('pg_catalog.lower(pg_catalog.btrim((t.%I)::pg_catalog.text))',
                                                                 b.mappings ->> 'email') END],
                                  bg_internal._key_sql(b.relid, b.account_column, format('t.%I', b.account_column)),
                                  'pkey', 'acct', ARRAY['k', 'e']));
    ANALYZE pg_temp.bg_import_person;
    IF NOT b.mappings ? 'email' THEN
        SELECT x.p INTO bad FROM pg_temp.bg_import_person x WHERE x.n = 0 AND NOT x.elsewhere AND x.p LIKE '%@%'
         ORDER BY x.p LIMIT 1;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'cannot match person "%" by email: the people are bound without an email column', bad
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'It is no person key, and an import matches other values by the email of the bound people.',
                      HINT = 'Bind the people again with bg.bind_people(..., email => ''column'').';
        END IF;
    END IF;
END $$;
COMMENT ON FUNCTION bg_internal._import_people() IS 'Internal: matches the person values of an import to people.';

CREATE FUNCTION bg_internal._import_match(s bg_internal.solution_interest) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    CREATE TEMPORARY TABLE bg_import ON COMMIT DROP AS
    WITH b AS (
        SELECT x.ord, x.line, c.akey, pr.pkey, ro.role_id,
               CASE WHEN c.n IS NULL OR c.n = 0 THEN 'unknown account'
                    WHEN c.n > 1 THEN 'ambiguous account'
                    WHEN pr.n IS NULL OR (pr.n = 0 AND NOT pr.elsewhere) THEN 'unknown person'
                    WHEN pr.n = 0 THEN 'person not in account'
                    WHEN pr.n > 1 THEN 'ambiguous person'
                    WHEN ro.role_id IS NULL THEN 'unknown role' END AS reason
          FROM pg_temp.bg_import_src x
          LEFT JOIN pg_temp.bg_import_account c ON c.a = x.a
          LEFT JOIN pg_temp.bg_import_person pr ON pr.akey = c.akey AND pr.p = x.p
          -- each distinct role value folded once
          LEFT JOIN (SELECT d.r, tr.role_id
                       FROM (SELECT DISTINCT y.r FROM pg_temp.bg_import_src y) d
                       JOIN bg_internal.role rr ON bg_internal._fold(rr.name) = bg_internal._fold(d.r)
                       JOIN bg_internal.template_role tr ON tr.role_id = rr.id AND tr.template_id = s.template_id) ro
                 ON ro.r = x.r),
    d AS (
        SELECT b.*, CASE WHEN b.reason IS NULL
                         THEN row_number() OVER (PARTITION BY b.reason IS NULL, b.akey COLLATE pg_catalog."C",
                                                              b.pkey COLLATE pg_catalog."C" ORDER BY b.line, b.ord) END AS rn
          FROM b)
    SELECT y.ord, y.line, y.akey, y.pkey, y.role_id, y.reason,
           CASE y.reason WHEN 'unknown account' THEN '23503' WHEN 'ambiguous account' THEN '21000'
                         WHEN 'unknown person' THEN '23503' WHEN 'person not in account' THEN '22023'
                         WHEN 'ambiguous person' THEN '21000' WHEN 'unknown role' THEN '42704'
                         WHEN 'duplicate in file' THEN '23505' WHEN 'conflicts with a manual decision' THEN '55000'
           END AS sqlstate
      FROM (SELECT d.ord, d.line, d.akey, d.pkey, d.role_id,
                   coalesce(d.reason,
                            CASE WHEN d.rn > 1 THEN 'duplicate in file'
                                 WHEN m.source = 'manual' AND (m.is_removed OR m.role_id <> d.role_id)
                                 THEN 'conflicts with a manual decision' END) AS reason
              FROM d
              LEFT JOIN bg_internal.buying_group g ON g.solution_interest_id = s.id AND g.account_key = d.akey
                                                  AND d.reason IS NULL
              LEFT JOIN bg_internal.member m ON m.group_id = g.id AND m.person_key = d.pkey) y;
    ANALYZE pg_temp.bg_import (akey, pkey, reason);
END $$;
COMMENT ON FUNCTION bg_internal._import_match(bg_internal.solution_interest) IS 'Internal: the rows of an import with their matches and reject reasons.';

CREATE FUNCTION bg_internal._run_import(jid bigint, s bg_internal.solution_interest, mode text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    nrejected bigint;
    nmembers bigint;
    c record;
BEGIN
    INSERT INTO bg_internal.import_reject (job, line, reason, sqlstate, "row", account_key, person_key)
    SELECT jid, i.line, i.reason, i.sqlstate, x."row", i.akey, i.pkey
      FROM pg_temp.bg_import i JOIN pg_temp.bg_import_src x ON x.ord = i.ord
     WHERE i.reason IS NOT NULL
     ORDER BY i.line, i.ord;
    GET DIAGNOSTICS nrejected = ROW_COUNT;
    PERFORM bg_internal._new_groups_of(s, 'SELECT DISTINCT i.akey AS account_key FROM pg_temp.bg_import i
                                           WHERE i.reason IS NULL', NULL);
    c := bg_internal._create_groups(jid, s);
    INSERT INTO bg_internal.member AS m (group_id, person_key, role_id, source)
    SELECT g.id, i.pkey, i.role_id, 'import'
      FROM pg_temp.bg_import i
      JOIN bg_internal.buying_group g ON g.solution_interest_id = s.id AND g.account_key = i.akey
     WHERE i.reason IS NULL
    ON CONFLICT (group_id, person_key) DO UPDATE
       SET role_id = excluded.role_id, source = 'import', is_removed = false, removed_at = NULL,
           added_at = CASE WHEN m.is_removed THEN now() ELSE m.added_at END
     WHERE m.source <> 'manual'
       AND (m.is_removed
            OR (m.source = 'import' AND m.role_id <> excluded.role_id)
            OR (m.source <> 'import' AND mode = 'replace'));
    GET DIAGNOSTICS nmembers = ROW_COUNT;
    UPDATE bg_internal.job SET status = 'done', groups_created = c.groups, members_added = c.members + nmembers,
                      rows_rejected = nrejected, finished_at = clock_timestamp()
     WHERE id = jid;
END $$;
COMMENT ON FUNCTION bg_internal._run_import(bigint, bg_internal.solution_interest, text) IS 'Internal: the run of an import: rejects, new groups and members.';

CREATE FUNCTION bg.import_members(solution_interest text, source regclass, on_conflict text DEFAULT 'skip')
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET bg.event_source = 'import' AS $$
DECLARE
    s bg_internal.solution_interest := bg_internal._interest($1);
    mode text := bg_internal._import_mode($3);
    has_line boolean := bg_internal._import_columns($2);
    jid bigint;
BEGIN
    PERFORM bg_internal._require_source_select($2);
    PERFORM bg_internal._bound('people');
    PERFORM bg_internal._bound('accounts');
    s := bg_internal._lock_interest(s, true, true);
    IF pg_catalog.to_regclass('pg_temp.bg_import') IS NOT NULL THEN
        DROP TABLE pg_temp.bg_import, pg_temp.bg_import_src, pg_temp.bg_import_account, pg_temp.bg_import_person;
    END IF;
    PERFORM bg_internal._import_read($2, has_line);
    PERFORM bg_internal._import_accounts();
    PERFORM bg_internal._import_people();
    PERFORM bg_internal._import_match(s);
    INSERT INTO bg_internal.job (solution_interest, kind) VALUES (s.name, 'import') RETURNING id INTO jid;
    PERFORM bg_internal._run_import(jid, s, mode);
    RETURN jid;
END $$;
COMMENT ON FUNCTION bg.import_members(text, regclass, text) IS
    'Imports members of a solution interest''s buying groups from a table of account (key, domain or website), person (key or email) and role rows: matching rows become members with source import (a group is created for an account that has none), the others are listed in bg.import_rejects; manual decisions win. on_conflict: skip (an existing rule member keeps its role) or replace. Records the run in bg.jobs and returns the job id.';

CREATE FUNCTION bg_internal._jobs_deleted() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM bg_internal.import_reject r WHERE r.job IN (SELECT o.id FROM old_rows o);
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._jobs_deleted() IS 'Internal: deletes the import rejects of deleted jobs.';

-- sql/bg/role_models.sql
CREATE FUNCTION bg_internal._fit_role_model(rel regclass, query text, keys text[], classes integer[], nclasses integer,
                                            features text[], kinds text, folds integer,
                                            OUT examples integer, OUT class_docs integer[], OUT class_tokens bigint[],
                                            OUT vocabulary text[], OUT counts integer[], OUT confusion integer[],
                                            OUT cv_problem text)
    LANGUAGE c STABLE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'bg_fit_role_model';
COMMENT ON FUNCTION bg_internal._fit_role_model(regclass, text, text[], integer[], integer, text[], text, integer) IS 'Internal: the token counts of a role model and its cross-validation, counted as the labeled people are read as their table''s owner.';

CREATE FUNCTION bg_internal._role_model_columns_sql(p bg_internal.binding, title name, features text[]) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT string_agg(CASE WHEN bg_internal._base_type(bg_internal._column_type(p.relid, c.col::name))
                                IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype)
                           THEN format('(t.%I)::pg_catalog.text', c.col)
                           ELSE format('pg_catalog.format(''%%s'', t.%I)', c.col) END,
                      ', ' ORDER BY c.i)
      FROM unnest(ARRAY[title::text] || features) WITH ORDINALITY AS c(col, i);
$$;
COMMENT ON FUNCTION bg_internal._role_model_columns_sql(bg_internal.binding, name, text[]) IS 'Internal: SQL of the columns a role model reads of a person row t, as text.';

CREATE FUNCTION bg_internal._role_model_people_sql(p bg_internal.binding, title name, features text[]) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('SELECT %s, %s FROM %s t WHERE t.%I = ANY ($1::%s[])',
                  bg_internal._key_sql(p.relid, p.key_column, format('t.%I', p.key_column)),
                  bg_internal._role_model_columns_sql(p, title, features),
                  p.relid, p.key_column, bg_internal._coltype(p.relid, p.key_column));
$$;
COMMENT ON FUNCTION bg_internal._role_model_people_sql(bg_internal.binding, name, text[]) IS 'Internal: the query of the labeled people''s key, job title and extra columns, for bg_internal._fit_role_model.';

CREATE FUNCTION bg_internal._role_model_title(p bg_internal.binding) RETURNS name
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    col name := coalesce(p.mappings ->> 'job_title', 'job_title');
BEGIN
    PERFORM bg_internal._require_column(p.relid, col, 'job title column must not be null',
        'A role model reads the job title column: the people binding''s job_title mapping, else a column named job_title.');
    RETURN col;
END $$;
COMMENT ON FUNCTION bg_internal._role_model_title(bg_internal.binding) IS 'Internal: the job title column of the bound people table; errors when there is none.';

CREATE FUNCTION bg_internal._role_model_kinds(p bg_internal.binding, features text[]) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    kinds text := '';
    f text;
    typ regtype;
BEGIN
    FOREACH f IN ARRAY features LOOP
        IF f IS NULL THEN
            RAISE EXCEPTION 'features must not contain null' USING ERRCODE = 'null_value_not_allowed';
        END IF;
        IF (SELECT count(*) FROM unnest(features) x WHERE x = f) > 1 THEN
            RAISE EXCEPTION 'column "%" is listed twice in features', f USING ERRCODE = 'duplicate_column';
        END IF;
        PERFORM bg_internal._require_column(p.relid, f::name, 'features must not contain null',
            'The extra columns of a role model are columns of the bound people table.');
        typ := bg_internal._base_type(bg_internal._column_type(p.relid, f::name));
        kinds := kinds || CASE
            WHEN typ = 'boolean'::regtype THEN 'b'
            WHEN typ IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype, 'real'::regtype,
                         'double precision'::regtype, 'numeric'::regtype) THEN 'n'
            WHEN (SELECT t.typcategory IN ('S', 'E') FROM pg_type t WHERE t.oid = typ) THEN 't'
            ELSE NULL END;
        IF kinds IS NULL THEN
            RAISE EXCEPTION 'column "%" of % cannot be a role model feature', f, p.relid
                USING ERRCODE = 'datatype_mismatch',
                      DETAIL = format('Its type is %s.', typ),
                      HINT = 'Features are text (string types and enums), boolean or numbers (smallint, integer, bigint, real, double precision, numeric).';
        END IF;
    END LOOP;
    RETURN kinds;
END $$;
COMMENT ON FUNCTION bg_internal._role_model_kinds(bg_internal.binding, text[]) IS 'Internal: the kinds of a role model''s extra columns; errors for unusable ones.';

CREATE FUNCTION bg.train_role_model(name text, template text, labels regclass DEFAULT NULL, features text[] DEFAULT NULL,
                                    include_rule_members boolean DEFAULT false) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    started timestamptz := clock_timestamp();
    n text := bg_internal._require_name($1, 'role model name must not be null', 'role model name must not be blank');
    tid integer;
    roles integer[];
    role_names text[];
    p bg_internal.binding;
    title name;
    feats text[] := coalesce($4, '{}');
    kinds text;
    keys text[];
    classes integer[];
    unknown text;
    fit record;
    nactive integer;
BEGIN
    IF $5 IS NULL THEN
        RAISE EXCEPTION 'include_rule_members must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    tid := bg_internal._template_id($2, false);
    IF NOT EXISTS (SELECT FROM bg_internal.template_role tr WHERE tr.template_id = tid) THEN
        RAISE EXCEPTION 'roles template "%" has no roles', $2
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'A role model predicts the roles of a template; add roles with bg.add_role first.';
    END IF;
    SELECT coalesce(array_agg(tr.role_id ORDER BY tr.priority), '{}'), coalesce(array_agg(r.name ORDER BY tr.priority), '{}')
      INTO roles, role_names
      FROM bg_internal.template_role tr JOIN bg_internal.role r ON r.id = tr.role_id
     WHERE tr.template_id = tid;
    p := bg_internal._bound('people');
    title := bg_internal._role_model_title(p);
    kinds := bg_internal._role_model_kinds(p, feats);

    IF $3 IS NULL THEN
        -- the decisions of people: manual and imported members of the groups
        -- of the template's solution interests (removed ones: no role)
        SELECT array_agg(x.k), array_agg(x.c) INTO keys, classes
          FROM (SELECT DISTINCT m.person_key AS k,
                       CASE WHEN m.is_removed THEN cardinality(roles) ELSE array_position(roles, m.role_id) - 1 END AS c
                  FROM bg_internal.member m
                  JOIN bg_internal.buying_group g ON g.id = m.group_id
                  JOIN bg_internal.solution_interest s ON s.id = g.solution_interest_id
                 WHERE s.template_id = tid
                   AND (m.source IN ('manual', 'import') OR ($5 AND m.source = 'rule'))) x;
    ELSE
        PERFORM bg_internal._require_column($3, 'person_key', 'person_key must not be null',
            'A labels table has a column person_key (a key of the bound people table) and a column role (a role of the template; NULL: no role).');
        PERFORM bg_internal._require_column($3, 'role', 'role must not be null',
            'A labels table has a column person_key (a key of the bound people table) and a column role (a role of the template; NULL: no role).');
        -- read as the labels table's owner, keys made canonical as the
        -- people's; classes are positions in the template (the last: no role)
        EXECUTE format('SELECT array_agg(x.k), array_agg(coalesce(pg_catalog.array_position($1, x.r) - 1, $2)),
                               min(x.r) FILTER (WHERE x.r IS NOT NULL AND pg_catalog.array_position($1, x.r) IS NULL)
                          FROM (SELECT DISTINCT r.k, r.r FROM bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L)
                                       AS r(k pg_catalog.text, r pg_catalog.text)) x',
                       $3::oid,
                       format('SELECT %s, (l.role)::pg_catalog.text FROM %s l WHERE l.person_key IS NOT NULL',
                              bg_internal._key_sql(p.relid, p.key_column,
                                                   format('(l.person_key)::pg_catalog.text::%s',
                                                          bg_internal._coltype(p.relid, p.key_column))),
                              $3))
           INTO keys, classes, unknown
          USING role_names, cardinality(roles);
        IF unknown IS NOT NULL THEN
            RAISE EXCEPTION 'role "%" is not in roles template "%"', unknown, $2
                USING ERRCODE = 'undefined_object',
                      DETAIL = format('Labels table %s names it.', $3),
                      HINT = 'The labels name roles of the template (bg.template_roles), or NULL for no role.';
        END IF;
    END IF;

    SELECT * INTO fit
      FROM bg_internal._fit_role_model(p.relid, bg_internal._role_model_people_sql(p, title, feats),
                                       coalesce(keys, '{}'), coalesce(classes, '{}'), cardinality(roles) + 1,
                                       feats, kinds, 5);
    nactive := (SELECT count(*) FROM unnest(fit.class_docs) d WHERE d > 0);
    IF nactive < 2 THEN
        RAISE EXCEPTION 'too few labels to train role model "%"', n
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s labeled people of %s in %s classes; a model needs labels of at least 2 classes (roles, or no role).',
                                  fit.examples, p.relid, nactive),
                  HINT = CASE WHEN $3 IS NULL
                              THEN 'Labels are manual and imported members (removed ones: no role) of the groups of the template''s solution interests; include_rule_members => true adds rule members.'
                              ELSE 'Label people of more than one role, or some with no role (role NULL).' END;
    END IF;
    INSERT INTO bg_internal.role_model AS m
           (name, template_id, title_column, features, feature_kinds, class_roles, class_docs, class_tokens,
            vocabulary, counts, labels, classes, vocabulary_size, label_keys, label_classes, cv_accuracy)
    VALUES (n, tid, title, feats, kinds, roles || NULL::integer, fit.class_docs, fit.class_tokens,
            fit.vocabulary, fit.counts, fit.examples, nactive, cardinality(fit.vocabulary),
            coalesce(keys, '{}'), coalesce(classes, '{}'),
            (SELECT sum(fit.confusion[i * (cardinality(roles) + 1) + i + 1])::float8 / fit.examples
               FROM generate_series(0, cardinality(roles)) i WHERE fit.confusion IS NOT NULL))
    ON CONFLICT ON CONSTRAINT role_model_name_key DO UPDATE
       SET template_id = EXCLUDED.template_id, trained_at = pg_catalog.now(), title_column = EXCLUDED.title_column,
           features = EXCLUDED.features, feature_kinds = EXCLUDED.feature_kinds, class_roles = EXCLUDED.class_roles,
           class_docs = EXCLUDED.class_docs, class_tokens = EXCLUDED.class_tokens, vocabulary = EXCLUDED.vocabulary,
           counts = EXCLUDED.counts, labels = EXCLUDED.labels, classes = EXCLUDED.classes,
           vocabulary_size = EXCLUDED.vocabulary_size, label_keys = EXCLUDED.label_keys,
           label_classes = EXCLUDED.label_classes, cv_accuracy = EXCLUDED.cv_accuracy;
    RETURN jsonb_build_object('labels', fit.examples, 'classes', nactive, 'vocabulary', cardinality(fit.vocabulary),
                              'ms', round(extract(epoch FROM clock_timestamp() - started) * 1000));
END $$;
COMMENT ON FUNCTION bg.train_role_model(text, text, regclass, text[], boolean) IS
    'Trains (or retrains) a role model for a roles template from labeled people: by default the manual and imported members of the groups of the template''s solution interests (removed ones: no role), or a labels table (person_key, role; role NULL: no role). Features: the job title''s words and word pairs, and optional extra columns of the people table. Returns {"labels", "classes", "vocabulary", "ms"}.';

CREATE FUNCTION bg.predict_role(model text, person anyelement) RETURNS bg.prediction
    LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'bg_predict_role';
COMMENT ON FUNCTION bg.predict_role(text, anyelement) IS
    'The role a role model predicts for a person row (NULL: no role) and its confidence, the posterior probability of that class.';

CREATE FUNCTION bg.explain_prediction(model text, person anyelement)
    RETURNS TABLE (feature text, role text, weight double precision)
    LANGUAGE c STABLE PARALLEL SAFE ROWS 40 AS 'MODULE_PATHNAME', 'bg_explain_prediction';
COMMENT ON FUNCTION bg.explain_prediction(text, anyelement) IS
    'Why a role model predicts what it does for a person row: per class (role NULL: no role), its log prior (feature NULL) and, per token of the person the model knows, count × log P(token | class). A class''s weights sum to its log score; the prediction''s confidence is the softmax of those sums.';

CREATE FUNCTION bg_internal._role_model(name text) RETURNS bg_internal.role_model
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m bg_internal.role_model;
BEGIN
    IF name IS NULL THEN
        RAISE EXCEPTION 'role model name must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO m FROM bg_internal.role_model x WHERE x.name = _role_model.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role model "%" does not exist', name
            USING ERRCODE = 'undefined_object',
                  HINT = 'The role models are listed in bg.role_models; bg.train_role_model makes one.';
    END IF;
    RETURN m;
END $$;
COMMENT ON FUNCTION bg_internal._role_model(text) IS 'Internal: a role model''s row; errors when unknown.';

CREATE FUNCTION bg.evaluate_role_model(model text, folds integer DEFAULT 5)
    RETURNS TABLE (role text, "precision" double precision, recall double precision, f1 double precision, support integer)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    m bg_internal.role_model := bg_internal._role_model($1);
    p bg_internal.binding := bg_internal._bound('people');
    fit record;
    nc integer := cardinality(m.class_roles);
BEGIN
    IF $2 IS NULL THEN
        RAISE EXCEPTION 'folds must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF $2 NOT BETWEEN 2 AND 100 THEN
        RAISE EXCEPTION 'folds must be between 2 and 100' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('It is %s.', $2);
    END IF;
    SELECT * INTO fit
      FROM bg_internal._fit_role_model(p.relid, bg_internal._role_model_people_sql(p, m.title_column, m.features),
                                       m.label_keys, m.label_classes, nc, m.features, m.feature_kinds, $2);
    IF fit.cv_problem IS NOT NULL THEN
        RAISE EXCEPTION 'role model "%" cannot be cross-validated with % folds', $1, $2
            USING ERRCODE = 'invalid_parameter_value', DETAIL = fit.cv_problem,
                  HINT = 'Use fewer folds, or train on more labels.';
    END IF;
    RETURN QUERY
    WITH cells AS (SELECT t, q, fit.confusion[t * nc + q + 1] AS n
                     FROM generate_series(0, nc - 1) t CROSS JOIN generate_series(0, nc - 1) q),
         per AS (SELECT c.i,
                        (SELECT sum(x.n) FROM cells x WHERE x.t = c.i)::integer AS support,
                        (SELECT sum(x.n) FROM cells x WHERE x.q = c.i) AS predicted,
                        (SELECT x.n FROM cells x WHERE x.t = c.i AND x.q = c.i) AS tp
                   FROM generate_series(0, nc - 1) c(i)),
         pr AS (SELECT per.i, per.support,
                       CASE WHEN per.predicted > 0 THEN per.tp::float8 / per.predicted END AS pc,
                       CASE WHEN per.support > 0 THEN per.tp::float8 / per.support END AS rc
                  FROM per)
    SELECT CASE WHEN m.class_roles[pr.i + 1] IS NULL THEN '(no role)'
                ELSE (SELECT r.name FROM bg_internal.role r WHERE r.id = m.class_roles[pr.i + 1]) END,
           pr.pc, pr.rc,
           CASE WHEN pr.pc + pr.rc > 0 THEN 2 * pr.pc * pr.rc / (pr.pc + pr.rc) WHEN pr.pc IS NOT NULL THEN 0 END,
           pr.support
      FROM pr WHERE pr.support > 0
    UNION ALL
    SELECT NULL, a.acc, a.acc, a.acc, fit.examples
      FROM (SELECT (SELECT sum(x.n) FROM cells x WHERE x.t = x.q)::float8 / fit.examples AS acc) a;
END $$;
COMMENT ON FUNCTION bg.evaluate_role_model(text, integer) IS
    'k-fold cross-validation of a role model on its labels (the people''s current rows; fold: a hash of the person key): per class its precision, recall, F1 and number of labels (role ''(no role)'' for no role), and an overall row (role NULL) whose precision, recall and F1 are the accuracy.';

CREATE FUNCTION bg.drop_role_model(name text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM bg_internal.role_model m WHERE m.id = (bg_internal._role_model($1)).id;
    RETURN;
END $$;
COMMENT ON FUNCTION bg.drop_role_model(text) IS 'Drops a role model.';

-- sql/bg/suggestions.sql
CREATE FUNCTION bg_internal._run_suggestions(jid bigint, arg text[]) RETURNS jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := (SELECT x FROM bg_internal.solution_interest x WHERE x.id = arg[1]::integer);
    m bg_internal.role_model := bg_internal._role_model(arg[2]);
    p bg_internal.binding := bg_internal._bound('people');
    patype text := bg_internal._coltype(p.relid, p.account_column);
    cols text[] := ARRAY[m.title_column::text] || m.features;
    walk text;
    n bigint;
BEGIN
    walk := bg_internal._group_walk_sql(s, format(
        'SELECT g.id AS root, g.account_key AS acct, g.account_key::%s AS aval
           FROM bg_internal.buying_group g WHERE g.solution_interest_id = $2', patype));
    PERFORM bg_internal._check_cycles(s, walk, NULL);
    DELETE FROM bg_internal.suggestion t USING bg_internal.buying_group g
     WHERE g.id = t.group_id AND g.solution_interest_id = s.id AND t.status = 'pending';
    EXECUTE 'WITH RECURSIVE ' || walk || format(',
        c AS (
          SELECT w.root AS group_id, r.pkey, (r.pr).role AS rn, (r.pr).confidence AS conf
            FROM walk w
            JOIN (SELECT r.k, r.pkey, bg.predict_role(%L, person) AS pr
                    FROM bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L,
                                           (SELECT pg_catalog.array_agg(DISTINCT y.aval::text) FROM walk y WHERE NOT y.is_cycle))
                         AS r(k text, pkey text, %s)
                   CROSS JOIN LATERAL (SELECT %s) AS person) r ON r.k = w.aval::text
           WHERE NOT w.is_cycle)
        INSERT INTO bg_internal.suggestion (group_id, person_key, role_id, confidence, suggested_at)
        SELECT c.group_id, c.pkey, %s, c.conf, $3
          FROM c
         WHERE c.rn IS NOT NULL AND c.conf >= $1
           AND NOT EXISTS (SELECT FROM bg_internal.member x
                            WHERE x.group_id = c.group_id AND x.person_key = c.pkey
                              AND (NOT x.is_removed OR x.source = ''manual''))
        ON CONFLICT (group_id, person_key) DO NOTHING',
        m.name, p.relid::oid,
        format('SELECT u.k, %s, %s FROM pg_catalog.unnest($1) AS u(k) JOIN %s t ON t.%I = u.k::%s',
               bg_internal._key_sql(p.relid, p.key_column, format('t.%I', p.key_column)),
               bg_internal._role_model_columns_sql(p, m.title_column, m.features),
               p.relid, p.account_column, patype),
        (SELECT string_agg(format('c%s text', i), ', ' ORDER BY i) FROM generate_series(1, cardinality(cols)) i),
        (SELECT string_agg(format('r.c%s AS %I', c.i, c.col), ', ' ORDER BY c.i)
           FROM unnest(cols) WITH ORDINALITY AS c(col, i)),
        bg_internal._role_id_case(s.template_id, 'c.rn'))
        USING arg[3]::double precision, s.id, pg_catalog.now();
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE bg_internal.job SET status = 'done', members_added = n, finished_at = clock_timestamp() WHERE id = jid;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION bg_internal._run_suggestions(bigint, text[]) IS 'Internal: the run of a suggestions job (of a solution interest, a role model and a minimum confidence).';

CREATE FUNCTION bg.suggest_members(solution_interest text, model text, min_confidence double precision DEFAULT 0.8)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s bg_internal.solution_interest := bg_internal._interest($1);
    m bg_internal.role_model := bg_internal._role_model($2);
    jid bigint;
BEGIN
    IF $3 IS NULL THEN
        RAISE EXCEPTION 'min_confidence must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT ($3 >= 0 AND $3 <= 1) THEN     -- NaN sorts above 1
        RAISE EXCEPTION 'min_confidence must be between 0 and 1'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', $3);
    END IF;
    IF m.template_id <> s.template_id THEN
        RAISE EXCEPTION 'role model "%" does not predict the roles of solution interest "%"', m.name, s.name
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The model was trained for roles template "%s"; the interest uses "%s".',
                                  (SELECT t.name FROM bg_internal.template t WHERE t.id = m.template_id),
                                  (SELECT t.name FROM bg_internal.template t WHERE t.id = s.template_id)),
                  HINT = 'Train a model for the interest''s template with bg.train_role_model.';
    END IF;
    PERFORM bg_internal._bound('people');
    IF s.include_subaccounts THEN
        PERFORM bg_internal._account_tree(s);
    END IF;
    -- no member of the interest's groups changes while the run reads them
    s := bg_internal._lock_interest(s, true, true);
    INSERT INTO bg_internal.job (kind, solution_interest) VALUES ('suggestions', s.name) RETURNING id INTO jid;
    PERFORM bg_internal._run_recorded(jid, false, 'SELECT bg_internal._run_suggestions($1, $2)',
                                      ARRAY[s.id::text, m.name, $3::text]);
    RETURN jid;
END $$;
COMMENT ON FUNCTION bg.suggest_members(text, text, double precision) IS
    'Predicts the role of every person of the accounts of a solution interest''s buying groups with a role model of the interest''s template and replaces the interest''s pending suggestions with those whose predicted role has at least min_confidence, leaving out current members, people removed by hand and people whose suggestion was accepted or dismissed before (bg.suggestions). Records the run in bg.jobs (kind suggestions, members_added: the suggestions made); returns the job id.';

CREATE FUNCTION bg_internal._decide_suggestions(buying_group bigint, keys text[], accept boolean) RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g bg_internal.buying_group := bg_internal._group($1);
    missing text;
    n bigint;
BEGIN
    IF keys IS NOT NULL THEN
        SELECT string_agg(x.k, ', ' ORDER BY x.k) INTO missing
          FROM (SELECT k FROM unnest(keys) AS k
                 WHERE NOT EXISTS (SELECT FROM bg_internal.suggestion t
                                    WHERE t.group_id = g.id AND t.person_key = k AND t.status = 'pending')
                 ORDER BY k LIMIT 5) x;
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION 'person % has no pending suggestion in buying group "%"', missing, g.name
                USING ERRCODE = 'undefined_object',
                      HINT = 'The pending suggestions are listed in bg.suggestions (status pending).';
        END IF;
    END IF;
    IF NOT accept THEN
        UPDATE bg_internal.suggestion t SET status = 'dismissed', decided_at = now()
         WHERE t.group_id = g.id AND t.status = 'pending' AND (keys IS NULL OR t.person_key = ANY (keys));
        GET DIAGNOSTICS n = ROW_COUNT;
        RETURN n;
    END IF;
    WITH d AS (
        UPDATE bg_internal.suggestion t
           SET status = CASE WHEN EXISTS (SELECT FROM bg_internal.member x
                                           WHERE x.group_id = t.group_id AND x.person_key = t.person_key
                                             AND (NOT x.is_removed OR x.source = 'manual'))
                             THEN 'dismissed' ELSE 'accepted' END,
               decided_at = now()
         WHERE t.group_id = g.id AND t.status = 'pending' AND (keys IS NULL OR t.person_key = ANY (keys))
        RETURNING t.person_key, t.role_id, t.status)
    INSERT INTO bg_internal.member AS m (group_id, person_key, role_id, source)
    SELECT g.id, d.person_key, d.role_id, 'ai' FROM d WHERE d.status = 'accepted'
    ON CONFLICT (group_id, person_key) DO UPDATE
       SET role_id = excluded.role_id, source = 'ai', is_removed = false, removed_at = NULL, added_at = now()
     WHERE m.is_removed AND m.source <> 'manual';
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
COMMENT ON FUNCTION bg_internal._decide_suggestions(bigint, text[], boolean) IS 'Internal: accepts or dismisses pending suggestions of a group.';

CREATE FUNCTION bg.accept_suggestions(buying_group bigint, people anyarray DEFAULT NULL::text[]) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN bg_internal._decide_suggestions($1, CASE WHEN $2 IS NOT NULL THEN bg_internal._keys($2, 'people') END, true);
END $$;
COMMENT ON FUNCTION bg.accept_suggestions(bigint, anyarray) IS
    'Accepts pending suggestions of a buying group (people: keys or rows; NULL: all of the group''s): each person becomes a member with the suggested role and source ai, counted in the scores like any member — unless the person became a current member or was removed by hand since the suggestion (a manual decision wins; the suggestion is closed as dismissed). Every given person must have a pending suggestion. Returns how many people became members.';

CREATE FUNCTION bg.accept_suggestions(buying_group bigint, people text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN bg.accept_suggestions($1, bg_internal._keys_text($2, 'people'));
END $$;
COMMENT ON FUNCTION bg.accept_suggestions(bigint, text) IS
    'bg.accept_suggestions for keys given as an array literal (''{1,2}''), as drivers send an untyped array parameter.';

CREATE FUNCTION bg.dismiss_suggestions(buying_group bigint, people anyarray DEFAULT NULL::text[]) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN bg_internal._decide_suggestions($1, CASE WHEN $2 IS NOT NULL THEN bg_internal._keys($2, 'people') END, false);
END $$;
COMMENT ON FUNCTION bg.dismiss_suggestions(bigint, anyarray) IS
    'Dismisses pending suggestions of a buying group (people: keys or rows; NULL: all of the group''s): no later bg.suggest_members suggests these people for this group again. Every given person must have a pending suggestion. Returns how many were dismissed.';

CREATE FUNCTION bg.dismiss_suggestions(buying_group bigint, people text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN bg.dismiss_suggestions($1, bg_internal._keys_text($2, 'people'));
END $$;
COMMENT ON FUNCTION bg.dismiss_suggestions(bigint, text) IS
    'bg.dismiss_suggestions for keys given as an array literal (''{1,2}''), as drivers send an untyped array parameter.';

CREATE FUNCTION bg_internal._learn_terms(titles text[], classes integer[], targets integer[], candidates text[],
                                         max_terms integer)
    RETURNS TABLE (class integer, term text, negated boolean)
    LANGUAGE c IMMUTABLE AS 'MODULE_PATHNAME', 'bg_learn_terms';
COMMENT ON FUNCTION bg_internal._learn_terms(text[], integer[], integer[], text[], integer) IS 'Internal: a greedy choice of the contains and not contains terms of each class''s condition, for the best F1 on labeled folded titles.';

CREATE FUNCTION bg_internal._terms_condition(col name, positive text[], negated text[]) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN cardinality(positive) > 0 THEN
           format('"%s" contains any (%s)', replace(col, '"', '""'),
                  (SELECT string_agg(format('''%s''', replace(t, '''', '''''')), ', ' ORDER BY i)
                     FROM unnest(positive) WITH ORDINALITY AS x(t, i)))
           || CASE WHEN cardinality(negated) > 0 THEN
                   format(' and "%s" not contains any (%s)', replace(col, '"', '""'),
                          (SELECT string_agg(format('''%s''', replace(t, '''', '''''')), ', ' ORDER BY i)
                             FROM unnest(negated) WITH ORDINALITY AS x(t, i)))
                   ELSE '' END
           END;
$$;
COMMENT ON FUNCTION bg_internal._terms_condition(name, text[], text[]) IS 'Internal: the condition text of a learned role''s terms.';

CREATE FUNCTION bg.suggest_template(model text, new_template text, max_terms_per_role integer DEFAULT 8)
    RETURNS TABLE (role text, condition text, "precision" double precision, recall double precision)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    m bg_internal.role_model := bg_internal._role_model($1);
    n text := bg_internal._require_name($2, 'template name must not be null', 'template name must not be empty');
    src text := (SELECT t.name FROM bg_internal.template t WHERE t.id = m.template_id);
    p bg_internal.binding;
    nc integer := cardinality(m.class_roles);
    titles text[];
    classes integer[];
    cands text[];
    lt_class integer[];
    lt_term text[];
    lt_negated boolean[];
    r record;
    cond text;
BEGIN
    IF $3 IS NULL THEN
        RAISE EXCEPTION 'max_terms_per_role must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF $3 NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'max_terms_per_role must be between 1 and 100'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', $3);
    END IF;
    -- the draft: the model's template's roles, weights and requirements (42710 when n exists)
    PERFORM bg.copy_template(src, n);
    p := bg_internal._bound('people');
    PERFORM bg_internal._require_column(p.relid, m.title_column, 'job title column must not be null',
        'A role model reads the job title column: the people binding''s job_title mapping, else a column named job_title.');
    -- the labels (one example per label), their titles folded as conditions fold them
    SELECT array_agg(bg_internal._fold(coalesce(x.title, '')) ORDER BY l.i), array_agg(l.c ORDER BY l.i)
      INTO titles, classes
      FROM unnest(m.label_keys, m.label_classes) WITH ORDINALITY AS l(k, c, i)
      JOIN bg_internal._read(p.relid, bg_internal._role_model_people_sql(p, m.title_column, '{}'), m.label_keys)
           AS x(k text, title text) ON x.k = l.k;
    -- candidates: per class, the 100 title tokens it has most often, and
    -- the stems (prefixes of at least four characters) that two or more of
    -- those words share: one `contains` term then covers the forms of a
    -- word ('direct' for directeur and directrice)
    WITH top AS (
        SELECT DISTINCT y.tok
          FROM (SELECT v.tok, row_number() OVER (PARTITION BY c.c ORDER BY m.counts[(v.i - 1) * nc + c.c + 1] DESC, v.tok) AS rk,
                       m.counts[(v.i - 1) * nc + c.c + 1] AS cnt
                  FROM unnest(m.vocabulary) WITH ORDINALITY AS v(tok, i) CROSS JOIN generate_series(0, nc - 1) AS c(c)
                 WHERE strpos(v.tok, '=') = 0) y
         WHERE y.rk <= 100 AND y.cnt > 0),
    stems AS (
        SELECT substr(t.tok, 1, n.n) AS tok
          FROM top t CROSS JOIN LATERAL generate_series(4, length(t.tok) - 1) AS n(n)
         WHERE strpos(t.tok, ' ') = 0
         GROUP BY 1 HAVING count(*) >= 2)
    -- longest first: of terms that match alike, the greedy keeps the first
    SELECT array_agg(x.tok ORDER BY length(x.tok) DESC, x.tok) INTO cands
      FROM (SELECT tok FROM top UNION SELECT tok FROM stems) x;
    -- every role's terms at once (the candidates' matches are found once)
    SELECT array_agg(lt.class ORDER BY lt.ord), array_agg(lt.term ORDER BY lt.ord), array_agg(lt.negated ORDER BY lt.ord)
      INTO lt_class, lt_term, lt_negated
      FROM bg_internal._learn_terms(coalesce(titles, '{}'), coalesce(classes, '{}'),
                                    ARRAY(SELECT g FROM generate_series(0, nc - 2) g),
                                    coalesce(cands, '{}'), $3) WITH ORDINALITY AS lt(class, term, negated, ord);
    FOR r IN
        SELECT x.role_id, ro.name, array_position(m.class_roles, x.role_id) - 1 AS cls
          FROM bg_internal.template_role x JOIN bg_internal.role ro ON ro.id = x.role_id
          JOIN bg_internal.template t ON t.id = x.template_id
         WHERE t.name = n ORDER BY x.priority
    LOOP
        SELECT bg_internal._terms_condition(m.title_column,
                   coalesce(array_agg(y.term ORDER BY y.i) FILTER (WHERE NOT y.negated), '{}'),
                   coalesce(array_agg(y.term ORDER BY y.i) FILTER (WHERE y.negated), '{}'))
          INTO cond
          FROM unnest(lt_class, lt_term, lt_negated) WITH ORDINALITY AS y(class, term, negated, i)
         WHERE y.class = r.cls;
        PERFORM bg.set_condition(n, r.name, cond);
        role := r.name;
        condition := (SELECT x.condition FROM bg_internal.template_role x JOIN bg_internal.template t ON t.id = x.template_id
                       WHERE t.name = n AND x.role_id = r.role_id);
        "precision" := NULL;
        recall := NULL;
        IF condition IS NOT NULL THEN
            -- the condition's precision and recall on the labels, as bg's
            -- evaluator matches it on the people's rows (read as their owner)
            EXECUTE format(
                'WITH hit AS (SELECT DISTINCT x.k FROM bg_internal._read(%s::pg_catalog.oid::pg_catalog.regclass, %L, $1, NULL, $2)
                                                       AS x(k text, ok boolean)),
                      l AS (SELECT l.c, h.k IS NOT NULL AS hit FROM unnest($1, $3) AS l(k, c) LEFT JOIN hit h ON h.k = l.k)
                 SELECT CASE WHEN count(*) FILTER (WHERE l.hit) > 0
                             THEN (count(*) FILTER (WHERE l.hit AND l.c = $4))::float8 / count(*) FILTER (WHERE l.hit) END,
                        CASE WHEN count(*) FILTER (WHERE l.c = $4) > 0
                             THEN (count(*) FILTER (WHERE l.hit AND l.c = $4))::float8 / count(*) FILTER (WHERE l.c = $4) END
                   FROM l',
                p.relid::oid,
                format('SELECT %s, t FROM %s t WHERE t.%I = ANY ($1::%s[])',
                       bg_internal._key_sql(p.relid, p.key_column, format('t.%I', p.key_column)),
                       p.relid, p.key_column, bg_internal._coltype(p.relid, p.key_column)))
               INTO "precision", recall USING m.label_keys, condition, m.label_classes, r.cls;
        END IF;
        RETURN NEXT;
    END LOOP;
END $$;
COMMENT ON FUNCTION bg.suggest_template(text, text, integer) IS
    'Creates a draft roles template from what a role model''s labels say: a copy of the model''s template (roles in its order, weights and requirements) whose conditions are learned — per role, up to max_terms_per_role title words, word pairs and shared stems (and as many excluded ones), chosen greedily for the best F1 on the labels, written as job_title contains any (...) and, where it raises precision, not contains any (...). Returns each role''s condition (NULL: nothing learned) with its precision and recall on the labels, as bg''s evaluator matches it.';

-- sql/bg/ddl_guard.sql
CREATE FUNCTION bg_internal._column_user(b bg_internal.binding, col text) RETURNS text[]
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT u.v FROM (
        SELECT 1 AS o, ARRAY[format('It is the %s column of the %s binding.', x.what, b.kind),
                             format('Bind the table again without it first (bg.bind_%s).', b.kind)] AS v
          FROM (VALUES ('key', b.key_column), ('account', b.account_column), ('name', b.name_column),
                       ('parent', b.parent_column)
                UNION ALL
                SELECT m.key, m.value FROM jsonb_each_text(b.mappings) m) AS x(what, c)
         WHERE x.c = col
        UNION ALL
        SELECT 2, ARRAY[format('The condition of role "%s" in %s roles template "%s" reads it.', r.name, t.status, t.name),
                        CASE WHEN t.status = 'live'
                             THEN 'A live roles template never changes: keep the column as it is.'
                             ELSE 'Change the condition first (bg.set_condition), or drop the draft.' END]
          FROM bg_internal.template_role x JOIN bg_internal.template t ON t.id = x.template_id JOIN bg_internal.role r ON r.id = x.role_id
         WHERE b.kind = 'people' AND x.condition IS NOT NULL AND col = ANY (bg_internal._condition_columns(x.condition))
        UNION ALL
        SELECT 3, ARRAY[format('The filter of account list "%s" reads it.', l.name),
                        'Drop the account list first (bg.drop_account_list).']
          FROM bg_internal.account_list l
         WHERE b.kind = 'accounts' AND l.filter IS NOT NULL AND col = ANY (bg_internal._condition_columns(l.filter))
        ORDER BY 1 LIMIT 1) u;
$$;
COMMENT ON FUNCTION bg_internal._column_user(bg_internal.binding, text) IS 'Internal: what in bg reads a column of a bound table.';

CREATE FUNCTION bg_internal._activity_column_user(col text) RETURNS text[]
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ARRAY[format('It is the %s column of the activities binding.', x.what),
                 'Bind the table again without it first (bg.bind_activities).']
      FROM bg_internal.activity_binding a,
           LATERAL (VALUES (1, 'person', a.person_column), (2, 'activity type', a.type_column),
                           (3, 'time', a.at_column)) AS x(o, what, c)
     WHERE x.c = col
     ORDER BY x.o LIMIT 1;
$$;
COMMENT ON FUNCTION bg_internal._activity_column_user(text) IS 'Internal: whether bg reads a column of the bound activities table.';

CREATE FUNCTION bg_internal._ddl_guard_drop() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    o record;
    u text[];
    col text;
BEGIN
    IF bg_internal._restoring()
       OR NOT EXISTS (SELECT FROM bg_internal.binding UNION ALL SELECT FROM bg_internal.activity_binding) THEN
        RETURN;
    END IF;
    -- the people, accounts and activities tables (b is NULL for activities)
    FOR o IN SELECT d.objsubid, d.original, d.object_identity, d.address_names, x.kind, x.relid, x.b AS binding
               FROM pg_event_trigger_dropped_objects() d
               JOIN (SELECT b.kind, b.relid::oid AS relid, b FROM bg_internal.binding b
                     UNION ALL
                     SELECT 'activities', a.relid::oid, NULL::bg_internal.binding FROM bg_internal.activity_binding a) x
                 ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = x.relid
              ORDER BY x.kind, d.objsubid LOOP
        IF o.objsubid = 0 AND o.original THEN
            RAISE EXCEPTION 'cannot drop %: it is the bound % table', o.object_identity, o.kind
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = format('Bind another table first (bg.bind_%s), or drop the extension bg.', o.kind);
        ELSIF o.objsubid > 0 AND NOT EXISTS (SELECT FROM pg_event_trigger_dropped_objects() t
                                              WHERE t.classid = 'pg_catalog.pg_class'::regclass
                                                AND t.objid = o.relid AND t.objsubid = 0) THEN
            col := o.address_names[pg_catalog.array_upper(o.address_names, 1)];
            u := CASE WHEN o.kind = 'activities' THEN bg_internal._activity_column_user(col)
                      ELSE bg_internal._column_user(o.binding, col) END;
            IF u IS NOT NULL THEN
                RAISE EXCEPTION 'cannot drop column %: bg reads it', o.object_identity
                    USING ERRCODE = 'dependent_objects_still_exist', DETAIL = u[1], HINT = u[2];
            END IF;
        END IF;
    END LOOP;
END $$;
COMMENT ON FUNCTION bg_internal._ddl_guard_drop() IS 'Internal: event trigger refusing to drop a bound table (people, accounts, activities) or a column bg reads.';

CREATE FUNCTION bg_internal._require_key_type(rel regclass, col name, what text, kind text, was regtype, now regtype)
    RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF was IS DISTINCT FROM now
       AND (was IS NULL OR bg_internal._key_family(was) IS DISTINCT FROM bg_internal._key_family(now)) THEN
        RAISE EXCEPTION 'cannot change the type of column "%" of %: it is the % column of the % binding',
                        col, rel, what, kind
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = format('bg stores its keys as the text of %s values; as %s the same keys can have other texts.',
                                  was, now),
                  HINT = 'A key column may change between smallint, integer and bigint, or between text and varchar.';
    END IF;
    PERFORM bg_internal._key_sql(rel, col, '');
END $$;
COMMENT ON FUNCTION bg_internal._require_key_type(regclass, name, text, text, regtype, regtype) IS 'Internal: refuses a key column whose type changed so that its keys'' texts may differ.';

CREATE FUNCTION bg_internal._check_bound(b bg_internal.binding, renamed smallint) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    missing text[];
    newname name;
    c record;
    st text; msg text; det text;
BEGIN
    SELECT array_agg(DISTINCT x.c) INTO missing
      FROM (SELECT unnest(ARRAY[b.key_column, b.account_column, b.name_column, b.parent_column])
            UNION ALL
            SELECT m.value FROM jsonb_each_text(b.mappings) m) AS x(c)
     WHERE x.c IS NOT NULL AND bg_internal._column_type(b.relid, x.c) IS NULL;
    IF missing IS NOT NULL THEN
        SELECT a.attname INTO newname FROM pg_attribute a WHERE a.attrelid = b.relid AND a.attnum = renamed;
        IF newname IS NULL OR cardinality(missing) > 1 THEN
            RAISE EXCEPTION 'cannot alter %: its bound column "%" is gone', b.relid, missing[1]
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = format('Bind the table again with its current columns (bg.bind_%s).', b.kind);
        END IF;
        -- a binding column was renamed: follow it
        UPDATE bg_internal.binding x
           SET key_column = CASE WHEN x.key_column = missing[1] THEN newname ELSE x.key_column END,
               account_column = CASE WHEN x.account_column = missing[1] THEN newname ELSE x.account_column END,
               name_column = CASE WHEN x.name_column = missing[1] THEN newname ELSE x.name_column END,
               parent_column = CASE WHEN x.parent_column = missing[1] THEN newname ELSE x.parent_column END,
               mappings = (SELECT coalesce(jsonb_object_agg(m.key, CASE WHEN m.value = missing[1] THEN newname::text
                                                                        ELSE m.value END), '{}')
                             FROM jsonb_each_text(x.mappings) m)
         WHERE x.kind = b.kind
        RETURNING * INTO b;
    END IF;
    FOR c IN SELECT x.what, x.col, x.was, bg_internal._column_type(b.relid, x.col) AS now
               FROM (VALUES ('key', b.key_column, b.key_type), ('account', b.account_column, b.account_type),
                            ('parent', b.parent_column, b.parent_type)) AS x(what, col, was)
              WHERE x.col IS NOT NULL LOOP
        PERFORM bg_internal._require_key_type(b.relid, c.col, c.what, b.kind, c.was, c.now);
    END LOOP;
    UPDATE bg_internal.binding x SET key_type = bg_internal._column_type(b.relid, b.key_column),
                            account_type = bg_internal._column_type(b.relid, b.account_column),
                            parent_type = bg_internal._column_type(b.relid, b.parent_column)
     WHERE x.kind = b.kind
       AND (x.key_type, x.account_type, x.parent_type) IS DISTINCT FROM
           (bg_internal._column_type(b.relid, b.key_column), bg_internal._column_type(b.relid, b.account_column),
            bg_internal._column_type(b.relid, b.parent_column));
    -- the mapped columns keep a type the exchanges can use
    BEGIN
        PERFORM bg_internal._mappings(b.relid, ARRAY(SELECT m.key FROM jsonb_each_text(b.mappings) m ORDER BY 1),
                                      ARRAY(SELECT m.value::name FROM jsonb_each_text(b.mappings) m ORDER BY m.key));
    EXCEPTION WHEN datatype_mismatch THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
        PERFORM bg_internal._raise_caused(format('cannot alter %s: a mapped column of the %s binding would no longer fit it',
                                                 b.relid, b.kind),
                                          'dependent_objects_still_exist', msg, det,
                                          format('Bind the table again without it first (bg.bind_%s).', b.kind));
    END;
    FOR c IN SELECT format('the condition of role "%s" in roles template "%s"', r.name, t.name) AS what,
                    x.condition AS cond,
                    CASE WHEN t.status = 'live' THEN 'A live roles template never changes: keep the column as it was.'
                         ELSE 'Change the condition first (bg.set_condition), or drop the draft.' END AS hint
               FROM bg_internal.template_role x JOIN bg_internal.template t ON t.id = x.template_id JOIN bg_internal.role r ON r.id = x.role_id
              WHERE b.kind = 'people' AND x.condition IS NOT NULL
             UNION ALL
             SELECT format('the filter of account list "%s"', l.name), l.filter,
                    'Drop the account list first (bg.drop_account_list).'
               FROM bg_internal.account_list l WHERE b.kind = 'accounts' AND l.filter IS NOT NULL
             ORDER BY 1 LOOP
        BEGIN
            PERFORM bg.check_condition(c.cond, b.relid);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
            PERFORM bg_internal._raise_caused(format('cannot alter %s: %s would no longer fit it', b.relid, c.what),
                                     'dependent_objects_still_exist', msg, det, c.hint);
        END;
    END LOOP;
END $$;
COMMENT ON FUNCTION bg_internal._check_bound(bg_internal.binding, smallint) IS 'Internal: checks a bound table after DDL; follows a renamed binding column.';

CREATE FUNCTION bg_internal._check_activities(renamed smallint) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a bg_internal.activity_binding := (SELECT x FROM bg_internal.activity_binding x);
    missing text[];
    newname name;
    c record;
BEGIN
    SELECT array_agg(DISTINCT x.c) INTO missing
      FROM unnest(ARRAY[a.person_column, a.type_column, a.at_column]) AS x(c)
     WHERE bg_internal._column_type(a.relid, x.c) IS NULL;
    IF missing IS NOT NULL THEN
        SELECT t.attname INTO newname FROM pg_attribute t WHERE t.attrelid = a.relid AND t.attnum = renamed;
        IF newname IS NULL OR cardinality(missing) > 1 THEN
            RAISE EXCEPTION 'cannot alter %: its bound column "%" is gone', a.relid, missing[1]
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = 'Bind the table again with its current columns (bg.bind_activities).';
        END IF;
        -- a binding column was renamed: follow it
        UPDATE bg_internal.activity_binding x
           SET person_column = CASE WHEN x.person_column = missing[1] THEN newname ELSE x.person_column END,
               type_column = CASE WHEN x.type_column = missing[1] THEN newname ELSE x.type_column END,
               at_column = CASE WHEN x.at_column = missing[1] THEN newname ELSE x.at_column END
        RETURNING * INTO a;
    END IF;
    PERFORM bg_internal._require_key_type(a.relid, a.person_column, 'person', 'activities', a.person_type,
                                          bg_internal._column_type(a.relid, a.person_column));
    FOR c IN SELECT x.what, x.col, x.want
               FROM (VALUES ('activity type', a.type_column, ARRAY['text', 'character varying', 'character']::regtype[]),
                            ('time', a.at_column, ARRAY['timestamp with time zone']::regtype[])) AS x(what, col, want)
              WHERE bg_internal._base_type(bg_internal._column_type(a.relid, x.col)) <> ALL (x.want) LOOP
        RAISE EXCEPTION 'cannot change the type of column "%" of %: it is the % column of the % binding',
                        c.col, a.relid, c.what, 'activities'
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = format('bg reads it as %s; it is of type %s now.', array_to_string(c.want::text[], ', '),
                                  bg_internal._column_type(a.relid, c.col)),
                  HINT = 'Keep the column''s type, or bind a view that casts it (bg.bind_activities).';
    END LOOP;
    UPDATE bg_internal.activity_binding x SET person_type = bg_internal._column_type(a.relid, a.person_column)
     WHERE x.person_type IS DISTINCT FROM bg_internal._column_type(a.relid, a.person_column);
END $$;
COMMENT ON FUNCTION bg_internal._check_activities(smallint) IS 'Internal: checks the bound activities table after DDL; follows a renamed binding column.';

CREATE FUNCTION bg_internal._ddl_guard_alter() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    x record;
    renamed smallint;
BEGIN
    IF bg_internal._restoring()
       OR NOT EXISTS (SELECT FROM bg_internal.binding UNION ALL SELECT FROM bg_internal.activity_binding) THEN
        RETURN;
    END IF;
    -- the people, accounts and activities tables (b is NULL for activities)
    FOR x IN SELECT y.kind, y.relid, y.b
               FROM (SELECT b.kind, b.relid::oid AS relid, b FROM bg_internal.binding b
                     UNION ALL
                     SELECT 'activities', a.relid::oid, NULL::bg_internal.binding FROM bg_internal.activity_binding a) y
              WHERE EXISTS (SELECT FROM pg_event_trigger_ddl_commands() c
                             WHERE c.command_tag IN ('ALTER TYPE', 'ALTER DOMAIN')
                                OR (c.classid = 'pg_catalog.pg_class'::regclass
                                    AND c.objid IN (WITH RECURSIVE up(r) AS (
                                                        SELECT y.relid
                                                        UNION SELECT i.inhparent FROM up JOIN pg_inherits i ON i.inhrelid = up.r)
                                                    SELECT up.r FROM up)))
              ORDER BY y.kind LOOP
        -- a renamed column of the table, or of the composite type of a typed table
        renamed := (SELECT max(c.objsubid)::smallint FROM pg_event_trigger_ddl_commands() c
                     WHERE c.classid = 'pg_catalog.pg_class'::regclass AND c.objsubid > 0
                       AND c.objid IN (SELECT k.oid FROM pg_class k WHERE k.oid = x.relid
                                       UNION ALL
                                       SELECT t.typrelid FROM pg_class k JOIN pg_type t ON t.oid = k.reloftype
                                        WHERE k.oid = x.relid));
        IF x.kind = 'activities' THEN
            PERFORM bg_internal._check_activities(renamed);
        ELSE
            PERFORM bg_internal._check_bound(x.b, renamed);
        END IF;
    END LOOP;
END $$;
COMMENT ON FUNCTION bg_internal._ddl_guard_alter() IS 'Internal: event trigger checking the bound tables (people, accounts, activities) after ALTER commands.';

-- sql/bg/access.sql
CREATE FUNCTION bg_internal._access_role(role regrole) RETURNS regrole
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF role IS NULL THEN
        RAISE EXCEPTION 'role must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF role = (SELECT n.nspowner FROM pg_namespace n WHERE n.oid = 'bg_internal'::regnamespace) THEN
        RAISE EXCEPTION 'role % owns bg', role
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The extension''s owner may do everything with bg; levels are for other roles.';
    END IF;
    RETURN role;
END $$;
COMMENT ON FUNCTION bg_internal._access_role(regrole) IS 'Internal: the role of bg.grant_access or bg.revoke_access; errors when NULL or the owner.';

CREATE FUNCTION bg.revoke_access(role regrole) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r regrole := bg_internal._access_role($1);
    o record;
BEGIN
    -- one grant or revoke at a time: two transactions changing one object's
    -- privileges would fail ("tuple concurrently updated")
    PERFORM pg_catalog.pg_advisory_xact_lock(1650917377, 0);
    FOR o IN SELECT DISTINCT x.object FROM bg_internal.level_privileges x ORDER BY 1 LOOP
        EXECUTE format('REVOKE ALL ON %s FROM %s', o.object, r);
    END LOOP;
    RETURN;
END $$;
COMMENT ON FUNCTION bg.revoke_access(regrole) IS
    'Takes every privilege on bg''s API (schema bg, its views and functions) from a role, whatever level it had. Superusers and the extension''s owner call it.';

CREATE FUNCTION bg.grant_access(role regrole, level text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r regrole := bg_internal._access_role($1);
    lv text := lower(btrim($2));
    o record;
BEGIN
    IF $2 IS NULL THEN
        RAISE EXCEPTION 'level must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF NOT lv = ANY (ARRAY['reader', 'writer', 'admin']) THEN
        RAISE EXCEPTION 'unknown access level "%"', $2
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The levels are reader (views and evaluation), writer (also members, stage moves, jobs, sync, lists, engagement refreshes, imports, exports and event consumers) and admin (also roles, templates, bindings, solution interests, stage models, weighting models, role models and event purges).';
    END IF;
    -- from scratch: a lower level than before takes the rest away
    PERFORM bg.revoke_access(r);
    FOR o IN SELECT x.object, x.privilege FROM bg_internal.level_privileges x
              WHERE x.rank <= (SELECT y.rank FROM bg_internal.level_privileges y WHERE y.level = lv LIMIT 1)
              ORDER BY x.object LOOP
        EXECUTE format('GRANT %s ON %s TO %s', o.privilege, o.object, r);
    END LOOP;
    RETURN;
END $$;
COMMENT ON FUNCTION bg.grant_access(regrole, text) IS
    'Gives a role one access level to bg: reader (views, evaluation functions, aggregates, history and predictions), writer (also member actions and suggestions, creation jobs, sync, account lists, stage moves, engagement refreshes, imports, exports and event consumers) or admin (also roles, templates, bindings, solution interests, live mode, stage models, weighting models, role models and event purges). Replaces the role''s previous level. Superusers and the extension''s owner call it.';
-- <<< functions

-- sql/bg/scores.sql: the rule summaries of the groups (kept by the recount
-- and the creation job from now on), computed for the existing groups
CREATE AGGREGATE bg_internal._rule_members(person_key text, role_id integer) (
    SFUNC = bg_internal._rule_members_add, STYPE = internal, FINALFUNC = bg_internal._rule_members_final, PARALLEL = SAFE,
    FINALFUNC_EXTRA = false);
COMMENT ON AGGREGATE bg_internal._rule_members(text, integer) IS 'Internal: the rule summary of a group, from its rule members that are not removed.';
UPDATE bg_internal.buying_group g SET rule_members = s.r
  FROM (SELECT x.id,
               bg_internal._rule_members(m.person_key, m.role_id)
                   FILTER (WHERE m.source OPERATOR(pg_catalog.=) 'rule') AS r
          FROM bg_internal.buying_group x
          LEFT JOIN bg_internal.member m ON m.group_id OPERATOR(pg_catalog.=) x.id AND NOT m.is_removed
         GROUP BY x.id) s
 WHERE g.id OPERATOR(pg_catalog.=) s.id;

-- sql/bg/engagement.sql: the weights follow the catalog generation; the
-- engagement aggregates and views (before the privileges are taken from PUBLIC)
-- pg_dump keeps the custom bands and the defaults whose value changed
SELECT pg_catalog.pg_extension_config_dump('bg_internal.activity_band',
    $$WHERE NOT is_default OR value OPERATOR(pg_catalog.<>) CASE name WHEN 'trivial' THEN 20 WHEN 'minor' THEN 40 WHEN 'normal' THEN 60 WHEN 'important' THEN 80 ELSE 100 END$$);
SELECT pg_catalog.pg_extension_config_dump('bg_internal.weighting_model', '');
SELECT pg_catalog.pg_extension_config_dump('bg_internal.weighting_model_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bg_internal.activity_weight', '');
SELECT pg_catalog.pg_extension_config_dump('bg_internal.activity_binding', '');
-- cached weights (src/engagement_weights.c) follow every change
CREATE TRIGGER activity_band_catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.activity_band
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._catalog_changed();
CREATE TRIGGER weighting_model_catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.weighting_model
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._catalog_changed();
CREATE TRIGGER activity_weight_catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.activity_weight
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._catalog_changed();
CREATE TRIGGER activity_binding_catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.activity_binding
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._catalog_changed();
CREATE TRIGGER restore BEFORE INSERT ON bg_internal.activity_band
    FOR EACH ROW EXECUTE FUNCTION bg_internal._activity_band_restore();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.activity_band
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.weighting_model
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.activity_weight
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.activity_binding
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();


-- sql/bg/aggregates.sql
-- what the planner hook (src/plan_args.c) calls in place of the aggregates
-- over (template, p) when p is a table's row: the columns the template
-- reads, as separate arguments (names, then values; see bg.role_for).
CREATE AGGREGATE bg.role_counts(template text, columns text[], VARIADIC "values" "any") (
    SFUNC = bg_internal._tally_columns, STYPE = bg.role_tally,
    FINALFUNC = bg_internal._tally_role_counts, COMBINEFUNC = bg_internal._tally_combine, PARALLEL = SAFE);
CREATE AGGREGATE bg.completeness(template text, columns text[], VARIADIC "values" "any") (
    SFUNC = bg_internal._tally_columns, STYPE = bg.role_tally,
    FINALFUNC = bg_internal._tally_completeness, COMBINEFUNC = bg_internal._tally_combine, PARALLEL = SAFE);
CREATE AGGREGATE bg.role_completeness(template text, columns text[], VARIADIC "values" "any") (
    SFUNC = bg_internal._tally_columns, STYPE = bg.role_tally,
    FINALFUNC = bg_internal._tally_role_completeness, COMBINEFUNC = bg_internal._tally_combine, PARALLEL = SAFE);
CREATE AGGREGATE bg.missing_roles(template text, columns text[], VARIADIC "values" "any") (
    SFUNC = bg_internal._tally_columns, STYPE = bg.role_tally,
    FINALFUNC = bg_internal._tally_missing_roles, COMBINEFUNC = bg_internal._tally_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE bg.role_counts(text, text[], "any") IS 'bg.role_counts over people given as column values (columns names them; what the planner hook calls in place of bg.role_counts(template, p)).';
COMMENT ON AGGREGATE bg.completeness(text, text[], "any") IS 'bg.completeness over people given as column values (columns names them; what the planner hook calls in place of bg.completeness(template, p)).';
COMMENT ON AGGREGATE bg.role_completeness(text, text[], "any") IS 'bg.role_completeness over people given as column values (columns names them; what the planner hook calls in place of bg.role_completeness(template, p)).';
COMMENT ON AGGREGATE bg.missing_roles(text, text[], "any") IS 'bg.missing_roles over people given as column values (columns names them; what the planner hook calls in place of bg.missing_roles(template, p)).';
-- sql/bg/aggregates.sql: packed tallies, what the planner hook calls in
-- place of the three aggregates that need each role's people only up to its
-- threshold, when the template fits (src/agg_packed.c)
CREATE AGGREGATE bg.packed_completeness(template text, columns text[], VARIADIC "values" "any") (
    SFUNC = bg_internal._packed_columns, STYPE = bigint,
    FINALFUNC = bg_internal._packed_completeness, COMBINEFUNC = bg_internal._packed_combine, PARALLEL = SAFE);
CREATE AGGREGATE bg.packed_role_completeness(template text, columns text[], VARIADIC "values" "any") (
    SFUNC = bg_internal._packed_columns, STYPE = bigint,
    FINALFUNC = bg_internal._packed_role_completeness, COMBINEFUNC = bg_internal._packed_combine, PARALLEL = SAFE);
CREATE AGGREGATE bg.packed_missing_roles(template text, columns text[], VARIADIC "values" "any") (
    SFUNC = bg_internal._packed_columns, STYPE = bigint,
    FINALFUNC = bg_internal._packed_missing_roles, COMBINEFUNC = bg_internal._packed_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE bg.packed_completeness(text, text[], "any") IS 'bg.completeness over people given as column values, with a packed state; what the planner hook calls in place of bg.completeness(template, p) when the template fits.';
COMMENT ON AGGREGATE bg.packed_role_completeness(text, text[], "any") IS 'bg.role_completeness over people given as column values, with a packed state; what the planner hook calls in place of bg.role_completeness(template, p) when the template fits.';
COMMENT ON AGGREGATE bg.packed_missing_roles(text, text[], "any") IS 'bg.missing_roles over people given as column values, with a packed state; what the planner hook calls in place of bg.missing_roles(template, p) when the template fits.';

CREATE AGGREGATE bg.engagement_raw(activity_type text, occurred_at timestamptz, as_of timestamptz) (
    SFUNC = bg_internal._engagement_trans, STYPE = bg.activity_tally,
    FINALFUNC = bg_internal._engagement_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = bg_internal._engagement_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE bg.engagement_raw(text, timestamptz, timestamptz) IS
    'A person''s raw engagement score R(p) over their activities: per activity type and UTC day of the 30 days up to as_of, at most 20 occurrences, times the active weighting model''s weight / 100; 0 without activity, NULL when no model is active.';
CREATE AGGREGATE bg.group_engagement_raw(template text, role text, person_raw double precision) (
    SFUNC = bg_internal._group_engagement_trans, STYPE = bg.group_engagement_tally,
    FINALFUNC = bg_internal._group_engagement_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = bg_internal._group_engagement_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE bg.group_engagement_raw(text, text, double precision) IS
    'A buying group''s raw engagement score G(g) over its members: their raw scores weighted by their role''s template weight, divided by the weights of the roles that have a member; members without a role are skipped; 0 without members, NULL when a raw score is NULL.';
-- sql/bg/aggregates.sql: the shared state of the scoring aggregates on Citus
CREATE AGGREGATE bg.position_counts(role_position integer) (
    SFUNC = bg.position_counts_add, STYPE = bigint[],
    COMBINEFUNC = bg.position_counts_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE bg.position_counts(integer) IS
    'People per role position ({first role, second, ...}; a NULL position counts nowhere); what the planner hook calls on Citus.';
CREATE AGGREGATE bg.packed_position_counts(packed_position integer) (
    SFUNC = bg.packed_position_counts_add, STYPE = bigint,
    COMBINEFUNC = bg.packed_position_counts_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE bg.packed_position_counts(integer) IS
    'People per role position, packed into one bigint and counted up to the template''s largest threshold (0: none); what the planner hook calls on Citus.';

CREATE VIEW bg.activity_bands AS
SELECT b.name, b.value, b.is_default FROM bg_internal.activity_band b ORDER BY b.value;
COMMENT ON VIEW bg.activity_bands IS 'The activity bands: the weights weighting models give activity types.';
COMMENT ON COLUMN bg.activity_bands.name IS 'Band name.';
COMMENT ON COLUMN bg.activity_bands.value IS 'The weight, 0..100 (an activity counts value / 100).';
COMMENT ON COLUMN bg.activity_bands.is_default IS 'True for the five bands bg creates (trivial, minor, normal, important, vital).';

CREATE VIEW bg.weighting_models AS
SELECT m.name, m.status,
       (SELECT count(*) FROM bg_internal.activity_weight w WHERE w.model_id OPERATOR(pg_catalog.=) m.id)::integer AS activity_types,
       m.created_at, m.activated_at
  FROM bg_internal.weighting_model m
 ORDER BY m.name;
COMMENT ON VIEW bg.weighting_models IS 'The weighting models of activity types; one at most is active.';
COMMENT ON COLUMN bg.weighting_models.name IS 'Model name.';
COMMENT ON COLUMN bg.weighting_models.status IS 'draft (editable), active (scores use it) or archived (was active).';
COMMENT ON COLUMN bg.weighting_models.activity_types IS 'How many activity types count in the model.';
COMMENT ON COLUMN bg.weighting_models.created_at IS 'When the model was created.';
COMMENT ON COLUMN bg.weighting_models.activated_at IS 'When the model was last activated; NULL if never.';

CREATE VIEW bg.activity_weights AS
SELECT m.name AS model, w.activity_type, w.band, b.value AS weight
  FROM bg_internal.activity_weight w
  JOIN bg_internal.weighting_model m ON m.id OPERATOR(pg_catalog.=) w.model_id
  JOIN bg_internal.activity_band b ON b.name OPERATOR(pg_catalog.=) w.band
 ORDER BY m.name, w.activity_type;
COMMENT ON VIEW bg.activity_weights IS 'The activity types that count in each weighting model, with their band; types not listed do not count.';
COMMENT ON COLUMN bg.activity_weights.model IS 'Weighting model name.';
COMMENT ON COLUMN bg.activity_weights.activity_type IS 'Activity type, as the bound activities table names it.';
COMMENT ON COLUMN bg.activity_weights.band IS 'Its activity band.';
COMMENT ON COLUMN bg.activity_weights.weight IS 'The band''s value, 0..100.';

-- sql/bg/engagement_scores.sql: stored person scores
SELECT pg_catalog.pg_extension_config_dump('bg_internal.person_engagement', '');
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.person_engagement
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
-- The people the querying role may SELECT in the bound people table (as
-- bg.members).
CREATE VIEW bg.person_engagement WITH (security_barrier) AS
SELECT e.person_key, e.raw, e.score, e.as_of
  FROM bg_internal.person_engagement e
 WHERE (SELECT bg_internal._sees_all('people'))
    OR bg_internal._visible('people', e.person_key);
COMMENT ON VIEW bg.person_engagement IS 'Engagement scores of the bound people as of the last bg.refresh_engagement; relative to the population of that refresh. Only the people you may SELECT in the bound people table.';
COMMENT ON COLUMN bg.person_engagement.person_key IS 'Key of the person, as canonical text (join as bg.members.person_key).';
COMMENT ON COLUMN bg.person_engagement.raw IS 'Raw score R(p): per activity type and UTC day of the 30 days up to as_of, at most 20 activities, times the active model''s weight / 100.';
COMMENT ON COLUMN bg.person_engagement.score IS 'Score 0..100: 100 × sqrt(raw) / the largest sqrt(raw) of all people at the last refresh; 0 when nobody has activity.';
COMMENT ON COLUMN bg.person_engagement.as_of IS 'The as_of of the refresh that last changed this row (a refresh does not rewrite unchanged scores).';

-- sql/bg/engagement_views.sql: the engagement reporting views
-- Activities and active people per solution interest, role and month.  A
-- person counts once per interest and role (a person in two groups of one
-- interest, through subaccounts, with the same role is not counted twice).
-- The keys of the visible current members go to the activities' read as one
-- array (an InitPlan), so that the read finds their rows by index instead
-- of scanning all activities.
CREATE VIEW bg.engagement_by_role WITH (security_barrier) AS
WITH m AS MATERIALIZED (
    SELECT DISTINCT g.solution_interest_id, m.role_id, m.person_key
      FROM bg_internal.member m
      JOIN bg_internal.buying_group g ON g.id OPERATOR(pg_catalog.=) m.group_id
     WHERE NOT m.is_removed
       AND ((SELECT bg_internal._sees_all('accounts'))
            OR bg_internal._visible('accounts', g.account_key))
       AND ((SELECT bg_internal._sees_all('people'))
            OR bg_internal._visible('people', m.person_key))),
a AS (
    SELECT x.person_key, x.month, x.activities
      FROM bg_internal._activity_months(ARRAY(SELECT DISTINCT m.person_key FROM m)) x)
SELECT s.name AS solution_interest, r.name AS role, a.month,
       pg_catalog.sum(a.activities)::bigint AS activities,
       pg_catalog.count(DISTINCT m.person_key) AS people
  FROM m
  JOIN a ON a.person_key OPERATOR(pg_catalog.=) m.person_key
  JOIN bg_internal.solution_interest s ON s.id OPERATOR(pg_catalog.=) m.solution_interest_id
  JOIN bg_internal.template_role x ON x.template_id OPERATOR(pg_catalog.=) s.template_id
                                  AND x.role_id OPERATOR(pg_catalog.=) m.role_id
  JOIN bg_internal.role r ON r.id OPERATOR(pg_catalog.=) m.role_id
 GROUP BY s.name, x.priority, r.name, a.month
 ORDER BY s.name, x.priority, a.month;
COMMENT ON VIEW bg.engagement_by_role IS 'Activities of the current members per solution interest, role and calendar month (the role insights of the reference product), read from the bound activities table; a row for each month with activity. Only the members whose account and person you may SELECT in the bound tables. No rows when no activities table is bound.';
COMMENT ON COLUMN bg.engagement_by_role.solution_interest IS 'Solution interest.';
COMMENT ON COLUMN bg.engagement_by_role.role IS 'A role of its template.';
COMMENT ON COLUMN bg.engagement_by_role.month IS 'First day of the calendar month, in UTC: date_trunc(''month'', occurred_at AT TIME ZONE ''UTC'')::date. Every month of the activities'' history, not only the 30 days of the scores.';
COMMENT ON COLUMN bg.engagement_by_role.activities IS 'Activities in the month of the current members with this role in the interest''s groups, each person counted once: of the types the active weighting model lists (those that make the engagement scores), or of every type when no model is active. Not capped per day, not weighted.';
COMMENT ON COLUMN bg.engagement_by_role.people IS 'Distinct current members with this role who had such an activity in the month.';

-- Members added per solution interest, role and month of their addition.
CREATE VIEW bg.role_acquisition WITH (security_barrier) AS
SELECT s.name AS solution_interest, r.name AS role,
       (pg_catalog.date_trunc('month', m.added_at AT TIME ZONE 'UTC'))::date AS month,
       pg_catalog.count(*) AS members_added
  FROM bg_internal.member m
  JOIN bg_internal.buying_group g ON g.id OPERATOR(pg_catalog.=) m.group_id
  JOIN bg_internal.solution_interest s ON s.id OPERATOR(pg_catalog.=) g.solution_interest_id
  JOIN bg_internal.template_role x ON x.template_id OPERATOR(pg_catalog.=) s.template_id
                                  AND x.role_id OPERATOR(pg_catalog.=) m.role_id
  JOIN bg_internal.role r ON r.id OPERATOR(pg_catalog.=) m.role_id
 WHERE ((SELECT bg_internal._sees_all('accounts'))
        OR bg_internal._visible('accounts', g.account_key))
   AND ((SELECT bg_internal._sees_all('people'))
        OR bg_internal._visible('people', m.person_key))
 GROUP BY s.name, x.priority, r.name, 3
 ORDER BY s.name, x.priority, 3;
COMMENT ON VIEW bg.role_acquisition IS 'Members added per solution interest, role and calendar month of their addition; members removed since count (an addition happened). Only the members whose account and person you may SELECT in the bound tables.';
COMMENT ON COLUMN bg.role_acquisition.solution_interest IS 'Solution interest.';
COMMENT ON COLUMN bg.role_acquisition.role IS 'The member''s role (as it is now).';
COMMENT ON COLUMN bg.role_acquisition.month IS 'First day of the calendar month of added_at, in UTC: date_trunc(''month'', added_at AT TIME ZONE ''UTC'')::date.';
COMMENT ON COLUMN bg.role_acquisition.members_added IS 'Members added in the month, removed ones included; a member removed and added again counts once, in the month of its last addition (bg.members.added_at).';

-- Groups per solution interest, measure and quarter of the 0..100 scale:
-- every interest, measure and band, 0 when empty.
CREATE VIEW bg.score_bands WITH (security_barrier) AS
SELECT s.name AS solution_interest, x.measure, b.band, b.low, b.high, coalesce(c.n, 0) AS buying_groups
  FROM bg_internal.solution_interest s
 CROSS JOIN (VALUES ('completeness'), ('engagement')) x(measure)
 CROSS JOIN (VALUES (1, 0, 25), (2, 25, 50), (3, 50, 75), (4, 75, 100)) b(band, low, high)
  LEFT JOIN (SELECT g.solution_interest_id, v.measure,
                    CASE WHEN v.value OPERATOR(pg_catalog.>=) 75 THEN 4
                         WHEN v.value OPERATOR(pg_catalog.>=) 50 THEN 3
                         WHEN v.value OPERATOR(pg_catalog.>=) 25 THEN 2
                         ELSE 1 END AS band,
                    pg_catalog.count(*) AS n
               FROM bg_internal.buying_group g
              CROSS JOIN LATERAL (VALUES ('completeness', g.completeness),
                                         ('engagement', g.engagement_score)) v(measure, value)
              WHERE v.value IS NOT NULL
                AND ((SELECT bg_internal._sees_all('accounts'))
                     OR bg_internal._visible('accounts', g.account_key))
              GROUP BY 1, 2, 3) c
         ON c.solution_interest_id OPERATOR(pg_catalog.=) s.id AND c.measure OPERATOR(pg_catalog.=) x.measure
        AND c.band OPERATOR(pg_catalog.=) b.band
 ORDER BY s.name, x.measure, b.band;
COMMENT ON VIEW bg.score_bands IS 'Buying groups per solution interest and band of their completeness or engagement score (the four bands of the reference dashboard); every band of every interest, 0 when empty. Only the groups of accounts you may SELECT in the bound accounts table.';
COMMENT ON COLUMN bg.score_bands.solution_interest IS 'Solution interest.';
COMMENT ON COLUMN bg.score_bands.measure IS 'completeness (bg.buying_groups.completeness, 0..100) or engagement (bg.buying_groups.engagement_score, 0..100).';
COMMENT ON COLUMN bg.score_bands.band IS '1 to 4: [0, 25), [25, 50), [50, 75), [75, 100]; band 4 includes 100.';
COMMENT ON COLUMN bg.score_bands.low IS 'Lowest score of the band (included), on the measure''s 0..100 scale.';
COMMENT ON COLUMN bg.score_bands.high IS 'Highest score of the band: excluded, but 100 (band 4) is included.';
COMMENT ON COLUMN bg.score_bands.buying_groups IS 'Groups whose score is in the band. Groups without the score are not counted: no completeness (no role is required), or no engagement score (not yet refreshed by bg.refresh_engagement).';

-- sql/bg/stages.sql, sql/bg/stage_moves.sql: what pg_dump keeps, no change on a
-- Citus worker, the views of stage models, stages and the stage history
SELECT pg_catalog.pg_extension_config_dump('bg_internal.stage_model', '');
SELECT pg_catalog.pg_extension_config_dump('bg_internal.stage_model_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bg_internal.stage', '');
SELECT pg_catalog.pg_extension_config_dump('bg_internal.stage_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bg_internal.stage_transition', '');
SELECT pg_catalog.pg_extension_config_dump('bg_internal.stage_move', '');
SELECT pg_catalog.pg_extension_config_dump('bg_internal.stage_move_id_seq', '');
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.stage_model
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.stage
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.stage_transition
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.stage_move
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE VIEW bg.stage_models AS
SELECT m.name, m.status, m.description,
       ARRAY(SELECT s.name FROM bg_internal.stage s WHERE s.model_id OPERATOR(pg_catalog.=) m.id
              ORDER BY s.position) AS stages,
       ARRAY(SELECT i.name FROM bg_internal.solution_interest i WHERE i.stage_model_id OPERATOR(pg_catalog.=) m.id
              ORDER BY i.name) AS solution_interests,
       m.created_at, m.published_at
  FROM bg_internal.stage_model m
 ORDER BY m.name;
COMMENT ON VIEW bg.stage_models IS 'The stage models of account journeys.';
COMMENT ON COLUMN bg.stage_models.name IS 'Stage model name.';
COMMENT ON COLUMN bg.stage_models.status IS 'draft (editable) or live (published: never changes).';
COMMENT ON COLUMN bg.stage_models.description IS 'What the model is for.';
COMMENT ON COLUMN bg.stage_models.stages IS 'Its stages, in position order (details in bg.stages).';
COMMENT ON COLUMN bg.stage_models.solution_interests IS 'The solution interests whose buying groups move through it (bg.set_stage_model).';
COMMENT ON COLUMN bg.stage_models.created_at IS 'When the model was created.';
COMMENT ON COLUMN bg.stage_models.published_at IS 'When the model went live; NULL for a draft.';

CREATE VIEW bg.stages AS
SELECT m.name AS model, s.name AS stage, s.position, s.entry, s.outcome,
       ARRAY(SELECT t.name FROM bg_internal.stage_transition x
               JOIN bg_internal.stage t ON t.id OPERATOR(pg_catalog.=) x.to_stage_id
              WHERE x.from_stage_id OPERATOR(pg_catalog.=) s.id ORDER BY t.position) AS allowed_to,
       s.description
  FROM bg_internal.stage s
  JOIN bg_internal.stage_model m ON m.id OPERATOR(pg_catalog.=) s.model_id
 ORDER BY m.name, s.position;
COMMENT ON VIEW bg.stages IS 'The stages of every stage model, in position order, with the transitions allowed out of each.';
COMMENT ON COLUMN bg.stages.model IS 'Stage model name.';
COMMENT ON COLUMN bg.stages.stage IS 'Stage name.';
COMMENT ON COLUMN bg.stages.position IS 'Position in the model (1 first); the first entry stage is where groups start.';
COMMENT ON COLUMN bg.stages.entry IS 'Whether groups may start in the stage.';
COMMENT ON COLUMN bg.stages.outcome IS 'success (the one stage where a journey succeeds), failure, or NULL for a stage on the way.';
COMMENT ON COLUMN bg.stages.allowed_to IS 'The stages a group in this stage may move to, in position order.';
COMMENT ON COLUMN bg.stages.description IS 'What the stage means.';

-- The stage history of the groups bg.buying_groups shows.
CREATE VIEW bg.stage_history WITH (security_barrier) AS
SELECT m.group_id AS buying_group, s.name AS solution_interest, m.from_stage, m.to_stage, m.moved_at, m.source
  FROM bg_internal.stage_move m
  JOIN bg_internal.buying_group g ON g.id OPERATOR(pg_catalog.=) m.group_id
  JOIN bg_internal.solution_interest s ON s.id OPERATOR(pg_catalog.=) g.solution_interest_id
 WHERE (SELECT bg_internal._sees_all('accounts'))
    OR bg_internal._visible('accounts', g.account_key)
 ORDER BY m.group_id, m.id;
COMMENT ON VIEW bg.stage_history IS 'Every change of a buying group''s stage, oldest first; only the groups of accounts you may SELECT in the bound accounts table (as bg.buying_groups).';
COMMENT ON COLUMN bg.stage_history.buying_group IS 'Buying group id.';
COMMENT ON COLUMN bg.stage_history.solution_interest IS 'Solution interest of the group.';
COMMENT ON COLUMN bg.stage_history.from_stage IS 'The stage the group left; NULL when it had none (it was created, or its solution interest got a stage model).';
COMMENT ON COLUMN bg.stage_history.to_stage IS 'The stage the group entered; NULL when it left every stage (its solution interest''s stage model was taken away).';
COMMENT ON COLUMN bg.stage_history.moved_at IS 'When the move was made (the clock time of the call; the same for every group of one call).';
COMMENT ON COLUMN bg.stage_history.source IS 'created (a creation job), manual (bg.move_stage, bg.try_move_stage, bg.move_stages) or set_stage_model.';

-- sql/bg/views.sql: bg.jobs shows the kind of each run (engagement refreshes,
-- suggestions, enrichments and imports too), an enrichment's counts and an
-- import's rejected rows
CREATE OR REPLACE VIEW bg.jobs AS
SELECT j.id, j.solution_interest, j.account_list, j.status, j.groups_created, j.members_added,
       j.started_at, j.finished_at, j.error, j.error_code, j.kind, j.counts, j.rows_rejected
  FROM bg_internal.job j
 ORDER BY j.id;
COMMENT ON VIEW bg.jobs IS 'Runs of bg.create_buying_groups, bg.refresh_engagement, bg.suggest_members, bg.enrich_people and bg.import_members.';
COMMENT ON COLUMN bg.jobs.id IS 'Job id, as returned by bg.create_buying_groups (and as "job" by bg.refresh_engagement).';
COMMENT ON COLUMN bg.jobs.solution_interest IS 'Solution interest of the run; NULL for an engagement refresh.';
COMMENT ON COLUMN bg.jobs.account_list IS 'Account list of the run; NULL for an engagement refresh, suggestions and an import.';
COMMENT ON COLUMN bg.jobs.status IS 'running, done or failed (a failed job kept nothing).';
COMMENT ON COLUMN bg.jobs.groups_created IS 'Buying groups the run created; 0 for an engagement refresh and for suggestions.';
COMMENT ON COLUMN bg.jobs.members_added IS 'Members the run assigned by rule; for an import also the members its rows added or changed; 0 for an engagement refresh; for suggestions, the pending suggestions the run made (none is a member until accepted).';
COMMENT ON COLUMN bg.jobs.started_at IS 'When the run started.';
COMMENT ON COLUMN bg.jobs.finished_at IS 'When the run ended.';
COMMENT ON COLUMN bg.jobs.error IS 'Why a failed run failed.';
COMMENT ON COLUMN bg.jobs.error_code IS 'SQLSTATE of the error of a failed run.';
COMMENT ON COLUMN bg.jobs.kind IS 'buying_groups (bg.create_buying_groups), engagement (bg.refresh_engagement), suggestions (bg.suggest_members), enrichment (bg.enrich_people) or import (bg.import_members).';
COMMENT ON COLUMN bg.jobs.counts IS 'enrichment: jsonb of what the run did (records, matched, updated, values_changed, unchanged, inserted, unmatched, duplicates, ambiguous, no_key) and, once undone, what bg.undo_enrichment did (restored, kept, undone_at); NULL for other kinds.';
COMMENT ON COLUMN bg.jobs.rows_rejected IS 'Source rows an import did not take (listed in bg.import_rejects); 0 for other runs.';

-- sql/bg/imports.sql: the rejects of imports, kept by pg_dump, and they go with their job
SELECT pg_catalog.pg_extension_config_dump('bg_internal.import_reject', '');
-- Rejected rows are shown as the other views show groups and members
-- (docs/design.md §6.7): a row matched to an account (a person) only to a
-- role that may SELECT that account's (person's) row; a row whose account
-- (person) was not found only to a role that sees every account (person).
CREATE VIEW bg.import_rejects WITH (security_barrier) AS
SELECT r.job, r.line, r.reason, r.sqlstate, r."row"
  FROM bg_internal.import_reject r
 WHERE ((SELECT bg_internal._sees_all('accounts'))
        OR (r.account_key IS NOT NULL AND bg_internal._visible('accounts', r.account_key)))
   AND ((SELECT bg_internal._sees_all('people'))
        OR (r.person_key IS NOT NULL AND bg_internal._visible('people', r.person_key))
        OR (r.person_key IS NULL AND r.reason IN ('unknown account', 'ambiguous account')))
 ORDER BY r.job, r.line;
COMMENT ON VIEW bg.import_rejects IS 'The source rows of bg.import_members that did not become members, with why; only rows whose account and person you may SELECT in the bound tables (or, when they were not found, if you see them all).';
COMMENT ON COLUMN bg.import_rejects.job IS 'The import''s job id (bg.jobs).';
COMMENT ON COLUMN bg.import_rejects.line IS 'The row''s line: the source''s line column when it has one, else its position (from 1) in the order the table was read, which for a table just filled by COPY is the order of the file.';
COMMENT ON COLUMN bg.import_rejects.reason IS 'unknown account, ambiguous account, unknown person, person not in account, ambiguous person, unknown role, duplicate in file or conflicts with a manual decision.';
COMMENT ON COLUMN bg.import_rejects.sqlstate IS 'The SQLSTATE of the reason: 23503 unknown account or person, 21000 ambiguous account or person, 22023 person not in account, 42704 unknown role, 23505 duplicate in file, 55000 conflicts with a manual decision.';
COMMENT ON COLUMN bg.import_rejects."row" IS 'The source row, every column (to_jsonb).';

CREATE TRIGGER job_deleted AFTER DELETE ON bg_internal.job REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._jobs_deleted();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.import_reject
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();


-- sql/bg/citus.sql: no change of bg's tables on a Citus worker
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.role
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.template
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.template_role
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.binding
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.account_list
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.account_list_entry
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.solution_interest
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.job
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.buying_group
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.member
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();

-- sql/bg/helpers.sql
REVOKE EXECUTE ON FUNCTION bg_internal._read(regclass, text, text[], text, text) FROM PUBLIC;
-- sql/bg/engagement_scores.sql
REVOKE EXECUTE ON FUNCTION bg_internal._read_engagement(regclass, text, text[], timestamp with time zone) FROM PUBLIC;

-- sql/bg/views.sql: the views show what the querying role may SELECT of the
-- bound tables (security barriers; counts of visible accounts and groups)
CREATE OR REPLACE VIEW bg.account_lists AS
SELECT l.name, l.kind, l.filter,
       (SELECT count(*) FROM bg_internal.account_list_entry e
         WHERE e.list_id OPERATOR(pg_catalog.=) l.id
           AND ((SELECT bg_internal._sees_all('accounts'))
                OR bg_internal._visible('accounts', e.account_key)))
       AS account_count,
       l.refreshed_at, l.description, l.created_at
  FROM bg_internal.account_list l
 ORDER BY l.name;
COMMENT ON COLUMN bg.account_lists.account_count IS 'Number of accounts in the list that you may SELECT in the bound accounts table (a dynamic list: as of its last refresh).';
CREATE OR REPLACE VIEW bg.solution_interests AS
SELECT s.name, t.name AS template, s.description, s.update_existing, s.include_subaccounts,
       (SELECT count(*) FROM bg_internal.buying_group g
         WHERE g.solution_interest_id OPERATOR(pg_catalog.=) s.id
           AND ((SELECT bg_internal._sees_all('accounts'))
                OR bg_internal._visible('accounts', g.account_key)))
       AS buying_group_count,
       s.created_at,
       (SELECT m.name FROM bg_internal.stage_model m WHERE m.id OPERATOR(pg_catalog.=) s.stage_model_id) AS stage_model
  FROM bg_internal.solution_interest s
  JOIN bg_internal.template t ON t.id OPERATOR(pg_catalog.=) s.template_id
 ORDER BY s.name;
COMMENT ON COLUMN bg.solution_interests.buying_group_count IS 'Number of its buying groups whose account you may SELECT in the bound accounts table.';
COMMENT ON COLUMN bg.solution_interests.stage_model IS 'The live stage model its buying groups move through (bg.set_stage_model); NULL for none.';
CREATE OR REPLACE VIEW bg.buying_groups WITH (security_barrier) AS
SELECT g.id,
       CASE WHEN (SELECT bg_internal._sees_account_names()) THEN g.name
            ELSE s.name OPERATOR(pg_catalog.||) ' for ' OPERATOR(pg_catalog.||) g.account_key END AS name,
       s.name AS solution_interest, g.account_key,
       CASE WHEN (SELECT bg_internal._sees_account_names()) THEN g.account_name END AS account_name,
       g.member_count, g.completeness, g.role_completeness, g.missing_roles,
       g.created_at, g.updated_at, g.role_counts, t.name AS template,
       g.engagement_raw, g.engagement_score, g.engagement_as_of,
       st.name AS stage, g.stage_entered_at, g.status
  FROM bg_internal.buying_group g
  JOIN bg_internal.solution_interest s ON s.id OPERATOR(pg_catalog.=) g.solution_interest_id
  JOIN bg_internal.template t ON t.id OPERATOR(pg_catalog.=) s.template_id
  LEFT JOIN bg_internal.stage st ON st.id OPERATOR(pg_catalog.=) g.stage_id
 WHERE (SELECT bg_internal._sees_all('accounts'))
    OR bg_internal._visible('accounts', g.account_key);
COMMENT ON VIEW bg.buying_groups IS 'Buying groups with their scores, always equal to the scoring aggregates over their current members; only the groups of accounts you may SELECT in the bound accounts table (its privileges and row-level security).';
COMMENT ON COLUMN bg.buying_groups.name IS '<solution interest> for <account name> (the account key when it has no name, or when you may not SELECT the accounts'' name column).';
COMMENT ON COLUMN bg.buying_groups.account_name IS 'Name of the account, as of the group''s creation; bg.sync and live mode follow renames (update_existing interests). NULL when you may not SELECT the accounts'' name column.';
COMMENT ON COLUMN bg.buying_groups.engagement_raw IS 'Raw engagement score G(g) at the last bg.refresh_engagement: the current members'' raw scores weighted by their role''s template weight, over the weights of the roles that have a member; NULL before the first refresh.';
COMMENT ON COLUMN bg.buying_groups.engagement_score IS 'Engagement score 0..100 at the last bg.refresh_engagement: 100 × sqrt(engagement_raw) / the largest of all groups; relative to the groups of that refresh. NULL before the first refresh.';
COMMENT ON COLUMN bg.buying_groups.engagement_as_of IS 'The as_of of the refresh that last changed the engagement scores (a refresh does not rewrite unchanged scores).';
COMMENT ON COLUMN bg.buying_groups.stage IS 'The group''s stage in the stage model of its solution interest (bg.set_stage_model, bg.move_stage); NULL when the interest has none.';
COMMENT ON COLUMN bg.buying_groups.stage_entered_at IS 'When the group entered its stage; NULL without a stage.';
COMMENT ON COLUMN bg.buying_groups.status IS 'Free-text status of the group (bg.set_status, at most 50 characters); NULL when none.';
CREATE OR REPLACE VIEW bg.members WITH (security_barrier) AS
SELECT m.group_id AS buying_group, s.name AS solution_interest, g.account_key, m.person_key,
       r.name AS role, m.source, m.is_removed, m.added_at, m.removed_at,
       e.score AS person_engagement
  FROM bg_internal.member m
  JOIN bg_internal.buying_group g ON g.id OPERATOR(pg_catalog.=) m.group_id
  JOIN bg_internal.solution_interest s ON s.id OPERATOR(pg_catalog.=) g.solution_interest_id
  JOIN bg_internal.role r ON r.id OPERATOR(pg_catalog.=) m.role_id
  LEFT JOIN bg_internal.person_engagement e ON e.person_key OPERATOR(pg_catalog.=) m.person_key
 WHERE ((SELECT bg_internal._sees_all('accounts'))
        OR bg_internal._visible('accounts', g.account_key))
   AND ((SELECT bg_internal._sees_all('people'))
        OR bg_internal._visible('people', m.person_key));
COMMENT ON VIEW bg.members IS 'Members of buying groups, removed ones included (is_removed); only those whose account and person you may SELECT in the bound accounts and people tables.';
COMMENT ON COLUMN bg.members.person_engagement IS 'The person''s engagement score 0..100 at the last bg.refresh_engagement (bg.person_engagement.score; relative to all people of that refresh); NULL when the person has no stored score (no refresh yet, or not in the bound people table then).';

-- One row per group and template role, flat (no jsonb, no arrays) for BI
-- tools.  members is the group's stored count of the role (exact, §6.6): one
-- jsonb lookup per row reads less than counting bg_internal.member again (5 000
-- groups of a 4-role template: 8 ms instead of 12 for all rows); the rest is
-- computed from it as the aggregates compute it (§5.2, §5.3).  Rows and
-- account names as bg.buying_groups shows them.
CREATE VIEW bg.role_coverage WITH (security_barrier) AS
SELECT g.id AS buying_group, s.name AS solution_interest, g.account_key,
       CASE WHEN (SELECT bg_internal._sees_account_names()) THEN g.account_name END AS account_name,
       r.name AS role, x.priority, x.required, x.members_required, c.n AS members,
       CASE WHEN c.n OPERATOR(pg_catalog.>=) x.members_required THEN 100::double precision
            ELSE 100::double precision OPERATOR(pg_catalog.*) c.n OPERATOR(pg_catalog./) x.members_required
       END AS completeness,
       x.required AND c.n OPERATOR(pg_catalog.<) x.members_required AS is_missing
  FROM bg_internal.buying_group g
  JOIN bg_internal.solution_interest s ON s.id OPERATOR(pg_catalog.=) g.solution_interest_id
  JOIN bg_internal.template_role x ON x.template_id OPERATOR(pg_catalog.=) s.template_id
  JOIN bg_internal.role r ON r.id OPERATOR(pg_catalog.=) x.role_id
 CROSS JOIN LATERAL (SELECT coalesce((g.role_counts OPERATOR(pg_catalog.->>) r.name)::integer, 0) AS n) c
 WHERE (SELECT bg_internal._sees_all('accounts'))
    OR bg_internal._visible('accounts', g.account_key);
COMMENT ON VIEW bg.role_coverage IS 'One row per buying group and role of its template: members and completeness of the role, flat for BI tools (the jsonb role_counts and role_completeness and the missing_roles array of bg.buying_groups, as rows); the groups bg.buying_groups shows you.';
COMMENT ON COLUMN bg.role_coverage.buying_group IS 'Buying group id.';
COMMENT ON COLUMN bg.role_coverage.solution_interest IS 'Solution interest of the group.';
COMMENT ON COLUMN bg.role_coverage.account_key IS 'Key of the group''s account, as text.';
COMMENT ON COLUMN bg.role_coverage.account_name IS 'Name of the group''s account (as of creation or the last sync or live-mode change); NULL when you may not SELECT the accounts'' name column.';
COMMENT ON COLUMN bg.role_coverage.role IS 'Role name.';
COMMENT ON COLUMN bg.role_coverage.priority IS 'Position of the role in the template; 1 is evaluated first.';
COMMENT ON COLUMN bg.role_coverage.required IS 'Whether the role counts towards the group''s completeness.';
COMMENT ON COLUMN bg.role_coverage.members_required IS 'How many members fill the role completely.';
COMMENT ON COLUMN bg.role_coverage.members IS 'Current (not removed) members of the group with this role (role_counts of bg.buying_groups).';
COMMENT ON COLUMN bg.role_coverage.completeness IS 'Role completeness 0..100: 100 × min(members, members_required) / members_required.';
COMMENT ON COLUMN bg.role_coverage.is_missing IS 'True for a required role with fewer members than it needs (it is in missing_roles).';

-- Keys of numeric key columns become canonical (1.0 is 1).  Equal keys
-- stored in two spellings: a list keeps one entry; two groups of one
-- account, or two memberships of one person in a group, are refused (which
-- to keep is the user's decision).
DO $$
DECLARE
    pk boolean := (SELECT bg_internal._key_family(b.key_type) = 'numeric' FROM bg_internal.binding b WHERE b.kind = 'people');
    ak boolean := (SELECT bg_internal._key_family(b.key_type) = 'numeric' FROM bg_internal.binding b WHERE b.kind = 'accounts');
    dup text;
BEGIN
    IF ak THEN
        SELECT string_agg(x.ids, '; ') INTO dup
          FROM (SELECT string_agg(g.id::text, ', ' ORDER BY g.id) AS ids FROM bg_internal.buying_group g
                 GROUP BY g.solution_interest_id, pg_catalog.trim_scale(g.account_key::numeric)
                HAVING count(*) > 1) x;
        IF dup IS NOT NULL THEN
            RAISE EXCEPTION 'buying groups % are for the same account', dup
                USING ERRCODE = 'unique_violation',
                      DETAIL = 'From 0.3.0 equal keys are one account (1.0 is 1); these groups were created for one account key written differently.',
                      HINT = 'Keep one group of each account (bg.drop_buying_groups, or DELETE FROM bg.buying_group WHERE id = ...), then update again.';
        END IF;
        DELETE FROM bg_internal.account_list_entry e
         WHERE EXISTS (SELECT FROM bg_internal.account_list_entry f
                        WHERE f.list_id = e.list_id AND f.account_key < e.account_key
                          AND pg_catalog.trim_scale(f.account_key::numeric) = pg_catalog.trim_scale(e.account_key::numeric));
        UPDATE bg_internal.account_list_entry SET account_key = pg_catalog.trim_scale(account_key::numeric)::text
         WHERE account_key <> pg_catalog.trim_scale(account_key::numeric)::text;
        UPDATE bg_internal.buying_group SET account_key = pg_catalog.trim_scale(account_key::numeric)::text
         WHERE account_key <> pg_catalog.trim_scale(account_key::numeric)::text;
    END IF;
    IF pk THEN
        SELECT string_agg(format('%s in group %s', x.keys, x.group_id), '; ') INTO dup
          FROM (SELECT m.group_id, string_agg(m.person_key, ', ' ORDER BY m.person_key) AS keys FROM bg_internal.member m
                 GROUP BY m.group_id, pg_catalog.trim_scale(m.person_key::numeric) HAVING count(*) > 1) x;
        IF dup IS NOT NULL THEN
            RAISE EXCEPTION 'people % are members of one group twice', dup
                USING ERRCODE = 'unique_violation',
                      DETAIL = 'From 0.3.0 equal keys are one person (1.0 is 1); these members are one person key written differently.',
                      HINT = 'Keep one membership of each person (bg.remove_member, or DELETE FROM bg.member WHERE ...), then update again.';
        END IF;
        UPDATE bg_internal.member SET person_key = pg_catalog.trim_scale(person_key::numeric)::text
         WHERE person_key <> pg_catalog.trim_scale(person_key::numeric)::text;
    END IF;
END $$;

-- sql/bg/live_mode.sql: live mode also watches the bound accounts (group
-- names follow renamed accounts); an install in live mode gets the trigger
DO $$
BEGIN
    IF EXISTS (SELECT FROM bg_internal.binding b WHERE b.kind = 'people' AND b.watched) THEN
        PERFORM bg.watch_people(true);
    END IF;
END $$;

-- sql/bg/ddl_guard.sql
CREATE EVENT TRIGGER bg_ddl_guard ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'ALTER VIEW', 'ALTER MATERIALIZED VIEW', 'ALTER FOREIGN TABLE', 'ALTER TYPE',
                 'ALTER DOMAIN')
    EXECUTE FUNCTION bg_internal._ddl_guard_alter();
CREATE EVENT TRIGGER bg_drop_guard ON sql_drop
    EXECUTE FUNCTION bg_internal._ddl_guard_drop();

-- sql/bg/views.sql: the key columns say how to look them up with an index
COMMENT ON COLUMN bg.buying_groups.account_key IS 'Key of the group''s account, as canonical text. From the groups to your accounts: a.id = g.account_key::integer (your key''s type and index). From your accounts to the groups with bg''s index: g.account_key = ANY (ARRAY(SELECT a.id::text FROM accounts a WHERE ...)) (a join on g.account_key = a.id::text reads every group: the view is a security barrier). For a numeric key, trim_scale(a.id)::text.';
COMMENT ON COLUMN bg.members.account_key IS 'Key of the group''s account, as canonical text (join as bg.buying_groups.account_key).';
COMMENT ON COLUMN bg.members.person_key IS 'Key of the person, as canonical text. From the members to your people: p.id = m.person_key::integer (your key''s type and index). From your people to the members with bg''s index: m.person_key = ANY (ARRAY(SELECT p.id::text FROM people p WHERE ...)) (a join on m.person_key = p.id::text reads every member: the view is a security barrier). For a numeric key, trim_scale(p.id)::text.';

-- sql/bg/role_models.sql: what pg_dump keeps of the role models, the cache
-- following them, no change on a Citus worker, the view
SELECT pg_catalog.pg_extension_config_dump('bg_internal.role_model', '');
SELECT pg_catalog.pg_extension_config_dump('bg_internal.role_model_id_seq', '');
CREATE TRIGGER role_model_catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.role_model
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._catalog_changed();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.role_model
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
REVOKE EXECUTE ON FUNCTION bg_internal._fit_role_model(regclass, text, text[], integer[], integer, text[], text, integer) FROM PUBLIC;
CREATE VIEW bg.role_models AS
SELECT m.name, t.name AS template, m.trained_at, m.labels, m.classes, m.vocabulary_size AS vocabulary,
       m.features, m.cv_accuracy
  FROM bg_internal.role_model m JOIN bg_internal.template t ON t.id OPERATOR(pg_catalog.=) m.template_id
 ORDER BY m.name;
COMMENT ON VIEW bg.role_models IS 'The trained role models (bg.train_role_model), which predict roles for people (bg.predict_role).';
COMMENT ON COLUMN bg.role_models.name IS 'The model''s name.';
COMMENT ON COLUMN bg.role_models.template IS 'The roles template whose roles (and no role) it predicts.';
COMMENT ON COLUMN bg.role_models.trained_at IS 'When it was (last) trained.';
COMMENT ON COLUMN bg.role_models.labels IS 'The labels it was trained on: labeled people found in the people table (one per person and role).';
COMMENT ON COLUMN bg.role_models.classes IS 'The classes it learned: the roles, and no role, with at least one label.';
COMMENT ON COLUMN bg.role_models.vocabulary IS 'The distinct tokens it knows: job title words and word pairs, and column=value tokens of the extra columns.';
COMMENT ON COLUMN bg.role_models.features IS 'The extra people columns it reads beside the job title.';
COMMENT ON COLUMN bg.role_models.cv_accuracy IS 'Its 5-fold cross-validated accuracy when trained (0..1); NULL when the labels were too few to split.';

-- sql/bg/suggestions.sql: what pg_dump keeps of the suggestions, no change
-- on a Citus worker, the view
SELECT pg_catalog.pg_extension_config_dump('bg_internal.suggestion', '');
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.suggestion
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
REVOKE EXECUTE ON FUNCTION bg_internal._learn_terms(text[], integer[], integer[], text[], integer) FROM PUBLIC;
CREATE VIEW bg.suggestions WITH (security_barrier) AS
SELECT t.group_id AS buying_group, t.person_key, r.name AS role, t.confidence, t.suggested_at, t.status, t.decided_at
  FROM bg_internal.suggestion t
  JOIN bg_internal.buying_group g ON g.id OPERATOR(pg_catalog.=) t.group_id
  JOIN bg_internal.role r ON r.id OPERATOR(pg_catalog.=) t.role_id
 WHERE ((SELECT bg_internal._sees_all('accounts'))
        OR bg_internal._visible('accounts', g.account_key))
   AND ((SELECT bg_internal._sees_all('people'))
        OR bg_internal._visible('people', t.person_key));
COMMENT ON VIEW bg.suggestions IS 'Members suggested by a role model (bg.suggest_members): pending until accepted (then an ordinary member with source ai, see bg.members) or dismissed (never suggested again). Pending suggestions count nowhere: not in bg.members, not in the stored scores. Only those whose account and person you may SELECT in the bound accounts and people tables.';
COMMENT ON COLUMN bg.suggestions.buying_group IS 'Buying group id.';
COMMENT ON COLUMN bg.suggestions.person_key IS 'Key of the suggested person, as canonical text (as bg.members.person_key).';
COMMENT ON COLUMN bg.suggestions.role IS 'The role the model predicts for the person.';
COMMENT ON COLUMN bg.suggestions.confidence IS 'The model''s confidence in that role: its posterior probability (0..1).';
COMMENT ON COLUMN bg.suggestions.suggested_at IS 'When the suggestions run that made it started.';
COMMENT ON COLUMN bg.suggestions.status IS 'pending, accepted (the person became a member with source ai) or dismissed (by bg.dismiss_suggestions, or closed by a manual decision that won over it).';
COMMENT ON COLUMN bg.suggestions.decided_at IS 'When it was accepted or dismissed; NULL while pending.';

-- sql/bg/access.sql: access levels (docs/design.md §11)
-- Every privilege a level is made of: the object (as GRANT names it), the
-- privilege, and the lowest level that has it (rank 1, 2, 3: reader, writer,
-- admin).  Functions and aggregates of bg have their level by name; those
-- named nowhere (bg.grant_access, bg.revoke_access) belong to no level:
-- superusers and the extension's owner call them.  catalog_objects.sql checks
-- that every other function of bg has a level.  A view, so that bg.access
-- reads it with its owner's rights.
CREATE VIEW bg_internal.level_privileges AS
SELECT x.classid, x.objid, x.object, x.privilege, x.level,
       CASE x.level WHEN 'reader' THEN 1 WHEN 'writer' THEN 2 WHEN 'admin' THEN 3 END AS rank
  FROM (SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass::pg_catalog.oid AS classid,
               'bg'::pg_catalog.regnamespace::pg_catalog.oid AS objid, 'SCHEMA bg' AS object,
               'USAGE' AS privilege, 'reader' AS level
        UNION ALL
        SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid, c.oid,
               pg_catalog.format('TABLE %s', c.oid::pg_catalog.regclass), 'SELECT',
               CASE WHEN c.relname OPERATOR(pg_catalog.=) 'access' THEN 'admin' ELSE 'reader' END
          FROM pg_catalog.pg_class c
         WHERE c.relnamespace OPERATOR(pg_catalog.=) 'bg'::pg_catalog.regnamespace
           AND c.relkind OPERATOR(pg_catalog.=) 'v'
        UNION ALL
        SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass::pg_catalog.oid, p.oid,
               pg_catalog.format('ROUTINE %s', p.oid::pg_catalog.regprocedure), 'EXECUTE', l.level
          FROM pg_catalog.pg_proc p
         CROSS JOIN LATERAL (SELECT CASE
            WHEN p.proname IN ('role_for', 'explain_role', 'matches', 'check_condition', 'completeness',
                               'missing_roles', 'role_completeness', 'role_counts', 'buying_group_id',
                               'engagement_raw', 'group_engagement_raw', 'acquisition_targets',
                               'buying_groups_at', 'members_at', 'history_start',
                               'predict_role', 'explain_prediction', 'evaluate_role_model',
                               'role_position', 'role_name_position', 'position_counts', 'position_counts_add',
                               'position_counts_combine',
                               'counts_role_counts', 'counts_completeness',
                               'counts_role_completeness', 'counts_missing_roles',
                               'packed_completeness', 'packed_role_completeness', 'packed_missing_roles',
                               'packed_role_position', 'packed_role_name_position', 'packed_position_counts',
                               'packed_position_counts_add', 'packed_position_counts_combine',
                               'packed_counts_completeness', 'packed_counts_role_completeness',
                               'packed_counts_missing_roles')
                THEN 'reader'
            WHEN p.proname IN ('assign_member', 'assign_members', 'set_member_role', 'remove_member',
                               'remove_members', 'create_buying_groups', 'drop_buying_groups', 'purge_jobs',
                               'sync', 'create_account_list', 'add_accounts', 'remove_accounts',
                               'refresh_account_list', 'drop_account_list', 'refresh_engagement',
                               'move_stage', 'try_move_stage', 'move_stages', 'set_status',
                               'linkedin_companies', 'linkedin_contacts', 'enrich_people', 'undo_enrichment',
                               'import_members', 'read_events', 'ack_events', 'drop_consumer',
                               'suggest_members', 'accept_suggestions', 'dismiss_suggestions')
                THEN 'writer'
            WHEN p.proname IN ('create_role', 'update_role', 'rename_role', 'drop_role', 'create_template',
                               'copy_template', 'add_role', 'remove_role', 'move_role', 'set_condition',
                               'publish_template', 'drop_template', 'bind_people', 'bind_accounts',
                               'create_solution_interest', 'drop_solution_interest', 'watch_people',
                               'set_activity_band', 'drop_activity_band', 'create_weighting_model',
                               'set_activity_weight', 'activate_weighting_model', 'drop_weighting_model',
                               'bind_activities', 'create_stage_model', 'add_stage', 'allow_transition',
                               'disallow_transition', 'publish_stage_model', 'drop_stage_model', 'set_stage_model',
                               'purge_events', 'train_role_model', 'drop_role_model', 'suggest_template')
                THEN 'admin' END AS level) l
         WHERE p.pronamespace OPERATOR(pg_catalog.=) 'bg'::pg_catalog.regnamespace AND l.level IS NOT NULL) x;
COMMENT ON VIEW bg_internal.level_privileges IS 'Internal: the privileges on schema bg that make up each access level.';

-- The level of every role that holds a privilege on bg's API: the highest
-- level all of whose privileges it holds (granted to it directly), or NULL
-- when it holds some but no whole level (granted by hand, or an object of a
-- newer bg version not yet granted: bg.grant_access again completes it).
CREATE VIEW bg.access AS
WITH lp AS (SELECT x.classid, x.objid, x.privilege, x.rank FROM bg_internal.level_privileges x),
     acl AS (SELECT 'pg_namespace'::regclass::oid AS classid, n.oid AS objid, n.nspacl AS acl
               FROM pg_namespace n WHERE n.oid = 'bg'::regnamespace
             UNION ALL
             SELECT 'pg_class'::regclass::oid, c.oid, c.relacl FROM pg_class c
              WHERE c.relnamespace = 'bg'::regnamespace
             UNION ALL
             SELECT 'pg_proc'::regclass::oid, p.oid, p.proacl FROM pg_proc p
              WHERE p.pronamespace = 'bg'::regnamespace),
     held AS (SELECT DISTINCT a.classid, a.objid, e.grantee, e.privilege_type
                FROM acl a CROSS JOIN LATERAL aclexplode(a.acl) e
               WHERE e.grantee OPERATOR(pg_catalog.<>) 0
                 AND e.grantee OPERATOR(pg_catalog.<>) (SELECT n.nspowner FROM pg_namespace n
                                                           WHERE n.oid = 'bg_internal'::regnamespace)),
     roles AS (SELECT DISTINCT h.grantee FROM held h
                 JOIN lp ON lp.classid = h.classid AND lp.objid = h.objid)
SELECT pg_catalog.pg_get_userbyid(r.grantee)::text COLLATE pg_catalog."default" AS role,
       (SELECT CASE max(k.rank) WHEN 1 THEN 'reader' WHEN 2 THEN 'writer' WHEN 3 THEN 'admin' END
          FROM (VALUES (1), (2), (3)) k(rank)
         WHERE NOT EXISTS (SELECT FROM lp
                            WHERE lp.rank OPERATOR(pg_catalog.<=) k.rank
                              AND NOT EXISTS (SELECT FROM held h
                                               WHERE h.grantee OPERATOR(pg_catalog.=) r.grantee
                                                 AND h.classid OPERATOR(pg_catalog.=) lp.classid
                                                 AND h.objid OPERATOR(pg_catalog.=) lp.objid
                                                 AND h.privilege_type OPERATOR(pg_catalog.=) lp.privilege))) AS level
  FROM roles r
 ORDER BY 1;
COMMENT ON VIEW bg.access IS 'The roles that hold privileges on bg''s API, with their access level (bg.grant_access, bg.revoke_access).';
COMMENT ON COLUMN bg.access.role IS 'A role holding privileges on schema bg, its views or functions (granted to it directly).';
COMMENT ON COLUMN bg.access.level IS 'reader, writer or admin: the highest level of which it holds every privilege; NULL when it holds some privileges but no whole level (bg.grant_access completes it).';

-- Nothing of bg is executable by PUBLIC (PostgreSQL's default for
-- functions): callers get it through a level.  But the functions that bg's
-- views call: a view runs its functions as the role that reads it, so they
-- keep PostgreSQL's default; they cannot be named without USAGE on
-- bg_internal, and tell a role only about what it may SELECT itself: the
-- three filters (views.sql), and the activity counts of the people it may
-- SELECT (bg_internal._activity_months, engagement_views.sql).
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
              WHERE p.pronamespace OPERATOR(pg_catalog.=) ANY (ARRAY['bg'::regnamespace, 'bg_internal'::regnamespace])
                AND p.oid OPERATOR(pg_catalog.<>) ALL (ARRAY['bg_internal._sees_all(text)'::regprocedure,
                                                             'bg_internal._visible(text, text)'::regprocedure,
                                                             'bg_internal._sees_account_names()'::regprocedure,
                                                             'bg_internal._activity_months(text[])'::regprocedure]) LOOP
        EXECUTE pg_catalog.format('REVOKE EXECUTE ON ROUTINE %s FROM PUBLIC', f);
    END LOOP;
END $$;

-- sql/bg/conditions.sql: live mode's kept plans depend on the bindings and
-- the solution interests too (src/plan_cache.c)
CREATE TRIGGER binding_catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.binding
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._catalog_changed();
CREATE TRIGGER solution_interest_catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.solution_interest
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._catalog_changed();

-- sql/bg/bindings.sql: the bindings and their mapped columns (docs/design.md §3, §9)
CREATE VIEW bg.bindings AS
SELECT b.kind,
       (SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
         WHERE c.oid OPERATOR(pg_catalog.=) b.relid) AS bound_table,
       b.key_column, b.account_column, b.name_column, b.parent_column,
       b.mappings, b.watched AS live_mode, b.bound_at
  FROM bg_internal.binding b
 ORDER BY b.kind;
COMMENT ON VIEW bg.bindings IS 'The bound people and accounts tables (bg.bind_people, bg.bind_accounts) and the columns bg reads in them.';
COMMENT ON COLUMN bg.bindings.kind IS 'people or accounts.';
COMMENT ON COLUMN bg.bindings.bound_table IS 'The bound table, view, materialized view or foreign table, schema-qualified; NULL when it was dropped with its schema.';
COMMENT ON COLUMN bg.bindings.key_column IS 'The key column.';
COMMENT ON COLUMN bg.bindings.account_column IS 'people: the column naming the person''s account; NULL for accounts.';
COMMENT ON COLUMN bg.bindings.name_column IS 'accounts: the account name column; NULL for people.';
COMMENT ON COLUMN bg.bindings.parent_column IS 'accounts: the parent account column (hierarchies), or NULL.';
COMMENT ON COLUMN bg.bindings.mappings IS 'jsonb {mapping: column} of the optional columns the exchanges read (people: email, first_name, last_name, job_title, country; accounts: domain, website, industry, city, state, country, postal_code); {} when none is mapped.';
COMMENT ON COLUMN bg.bindings.live_mode IS 'people: whether live mode is on (bg.watch_people).';
COMMENT ON COLUMN bg.bindings.bound_at IS 'When the table was (last) bound.';

-- sql/bg/tables.sql, events.sql, event_delivery.sql: the event outbox (docs/design.md §7.3)
SELECT pg_catalog.pg_extension_config_dump('bg_internal.event_batch', '');
SELECT pg_catalog.pg_extension_config_dump('bg_internal.event_batch_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bg_internal.event', '');
SELECT pg_catalog.pg_extension_config_dump('bg_internal.event_seq_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bg_internal.event_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bg_internal.event_consumer', '');
SELECT pg_catalog.pg_extension_config_dump('bg_internal.event_clock', '');
CREATE CONSTRAINT TRIGGER event_batch_committing AFTER INSERT ON bg_internal.event_batch
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.base IS NULL)
    EXECUTE FUNCTION bg_internal._batch_committing();
CREATE TRIGGER event_member_inserted AFTER INSERT ON bg_internal.member REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._change_events();
CREATE TRIGGER event_member_updated AFTER UPDATE ON bg_internal.member
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._change_events();
CREATE TRIGGER event_member_deleted AFTER DELETE ON bg_internal.member REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._change_events();
CREATE TRIGGER event_group_deleted AFTER DELETE ON bg_internal.buying_group REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._change_events();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.event_batch
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.event
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.event_consumer
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.event_clock
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();

CREATE VIEW bg.events WITH (security_barrier) AS
SELECT b.base OPERATOR(pg_catalog.+) (e.seq OPERATOR(pg_catalog.-) b.first_seq) AS id, e.kind,
       e.group_id AS buying_group, e.solution_interest, e.account_key, e.person_key, e.old_value, e.new_value,
       e.source, e.created_at, b.committed_at
  FROM bg_internal.event_batch b
  JOIN bg_internal.event e ON e.batch OPERATOR(pg_catalog.=) b.id
 WHERE b.base IS NOT NULL
   AND ((SELECT bg_internal._sees_all('accounts')) OR bg_internal._visible('accounts', e.account_key))
   AND (e.person_key IS NULL OR (SELECT bg_internal._sees_all('people')) OR bg_internal._visible('people', e.person_key));
COMMENT ON VIEW bg.events IS 'Committed events (changes of buying groups and members), in commit order by id; only those of accounts (and people) you may SELECT in the bound tables (as bg.members).';
COMMENT ON COLUMN bg.events.id IS 'Delivery id: increases in the order the writing transactions committed (with gaps); bg.read_events and bg.ack_events use it.';
COMMENT ON COLUMN bg.events.kind IS 'group_created, group_deleted, member_assigned, member_removed, role_changed, completeness_changed, stage_changed, status_changed or engagement_changed.';
COMMENT ON COLUMN bg.events.buying_group IS 'Buying group id.';
COMMENT ON COLUMN bg.events.solution_interest IS 'Solution interest of the group.';
COMMENT ON COLUMN bg.events.account_key IS 'Account key of the group (text form).';
COMMENT ON COLUMN bg.events.person_key IS 'Person key (text form) of member events; NULL for group events.';
COMMENT ON COLUMN bg.events.old_value IS 'The value before the change (jsonb); NULL when there was none.';
COMMENT ON COLUMN bg.events.new_value IS 'The value after the change (jsonb); NULL when there is none (a member deleted with its group, a deleted group).';
COMMENT ON COLUMN bg.events.source IS 'What made the change: rule, manual, import or ai (a member''s source), or the writer: sync, live (live mode) or job (a creation job, an engagement refresh).';
COMMENT ON COLUMN bg.events.created_at IS 'When the change was written (clock time).';
COMMENT ON COLUMN bg.events.committed_at IS 'When its transaction committed (the clock time of its commit-order step).';

CREATE VIEW bg.consumers AS
SELECT c.name, c.acknowledged AS acknowledged_up_to,
       (SELECT coalesce(sum(CASE WHEN b.base OPERATOR(pg_catalog.>) c.acknowledged THEN b.events
                            ELSE (SELECT count(*) FROM bg_internal.event e
                                   WHERE e.batch OPERATOR(pg_catalog.=) b.id
                                     AND e.seq OPERATOR(pg_catalog.>)
                                         (b.first_seq OPERATOR(pg_catalog.+) (c.acknowledged OPERATOR(pg_catalog.-) b.base)))
                            END), 0)::bigint
          FROM bg_internal.event_batch b WHERE b.last_id OPERATOR(pg_catalog.>) c.acknowledged) AS pending,
       c.read_up_to, c.created_at, c.acked_at AS acknowledged_at
  FROM bg_internal.event_consumer c;
COMMENT ON VIEW bg.consumers IS 'Consumers of events (bg.read_events): how far each acknowledged and how many committed events it has still to acknowledge.';
COMMENT ON COLUMN bg.consumers.name IS 'Consumer name.';
COMMENT ON COLUMN bg.consumers.acknowledged_up_to IS 'The id up to which it acknowledged events (0: none).';
COMMENT ON COLUMN bg.consumers.pending IS 'Committed events after acknowledged_up_to (not yet purged).';
COMMENT ON COLUMN bg.consumers.read_up_to IS 'The id of the last event bg.read_events returned to it; it may acknowledge up to here.';
COMMENT ON COLUMN bg.consumers.created_at IS 'When its first bg.read_events was.';
COMMENT ON COLUMN bg.consumers.acknowledged_at IS 'When it last acknowledged events.';

-- sql/bg/enrichment.sql: the log of bg.enrich_people (tables.sql: its table
-- is dumped)
SELECT pg_catalog.pg_extension_config_dump('bg_internal.enrichment_change', '');
CREATE TRIGGER no_worker_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bg_internal.enrichment_change
    FOR EACH STATEMENT EXECUTE FUNCTION bg_internal._refuse_on_worker();
CREATE VIEW bg.enrichment_changes WITH (security_barrier) AS
SELECT c.job_id AS job, c.person_key, c.column_name::pg_catalog.text AS column_name, c.old_value, c.new_value,
       c.undone, c.inserted
  FROM bg_internal.enrichment_change c
 WHERE (SELECT bg_internal._sees_all('people'))
    OR bg_internal._visible('people', c.person_key);
COMMENT ON VIEW bg.enrichment_changes IS 'Every value bg.enrich_people wrote into the bound people table; only people whose row you may SELECT.';
COMMENT ON COLUMN bg.enrichment_changes.job IS 'The enrichment job (bg.jobs.id).';
COMMENT ON COLUMN bg.enrichment_changes.person_key IS 'Key of the person, as canonical text (as bg.members.person_key).';
COMMENT ON COLUMN bg.enrichment_changes.column_name IS 'The people table''s column written.';
COMMENT ON COLUMN bg.enrichment_changes.old_value IS 'Its value before, as text; NULL when it was NULL, and for a person the job inserted.';
COMMENT ON COLUMN bg.enrichment_changes.new_value IS 'The value the job wrote, as text.';
COMMENT ON COLUMN bg.enrichment_changes.undone IS 'True when bg.undo_enrichment restored old_value; false when not undone, or kept by the undo because it had changed since.';
COMMENT ON COLUMN bg.enrichment_changes.inserted IS 'True for a value of a person the job inserted (insert_new); undo keeps them.';
