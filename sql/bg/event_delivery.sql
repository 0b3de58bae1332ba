-- Delivering events (docs/design.md §7.3): the view bg.events, named
-- consumers that read the next unacknowledged events in delivery (commit)
-- order and acknowledge them, bg.consumers, and purging old events.
--
-- A committed batch's events have the ids base .. last_id (gaps where the
-- sequence of other transactions' events interleaved); batches commit in
-- id order (events.sql), so a reader that has seen id n never later sees a
-- new event with an id at or below n.

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

-- The consumer row, created on first use and locked: reads and acks of one
-- consumer queue.
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

-- Events go by batch (a transaction's events together).  History is held
-- from the commit time of the newest purged batch on.
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
