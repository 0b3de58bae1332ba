-- Templates bound as parameters (issue 12, target 5): applications and BI
-- tools send the template name as a bound parameter.  The same queries as
-- run.sql's bg_small and role_for_small, prepared with the template as $1
-- and executed with a custom and with a generic plan, against the literal
-- form; medians of interleaved rounds, ratios to the literal.
\ir session.sql
SET enable_indexscan = off;
SET enable_indexonlyscan = off;
SET enable_bitmapscan = off;

PREPARE scores_literal AS SELECT count(*), sum(c), sum(cardinality(m)) FROM (SELECT account_id, bg.completeness('Small', p) AS c, bg.missing_roles('Small', p) AS m FROM people p GROUP BY 1) s;
PREPARE scores_param(text) AS SELECT count(*), sum(c), sum(cardinality(m)) FROM (SELECT account_id, bg.completeness($1, p) AS c, bg.missing_roles($1, p) AS m FROM people p GROUP BY 1) s;
PREPARE role_for_literal AS SELECT count(r) FROM (SELECT bg.role_for('Small', p) AS r FROM people p) s;
PREPARE role_for_param(text) AS SELECT count(r) FROM (SELECT bg.role_for($1, p) AS r FROM people p) s;

-- each variant: (name, plan_cache_mode, statement); the prepared
-- statements are planned again whenever plan_cache_mode changes their kind
CREATE TEMP TABLE bound_variants (n int, variant text, mode text, stmt text);
INSERT INTO bound_variants VALUES
 (1, 'scores literal', 'auto', 'EXECUTE scores_literal'),
 (2, 'scores custom', 'force_custom_plan', $$EXECUTE scores_param('Small')$$),
 (3, 'scores generic', 'force_generic_plan', $$EXECUTE scores_param('Small')$$),
 (4, 'role_for literal', 'auto', 'EXECUTE role_for_literal'),
 (5, 'role_for custom', 'force_custom_plan', $$EXECUTE role_for_param('Small')$$),
 (6, 'role_for generic', 'force_generic_plan', $$EXECUTE role_for_param('Small')$$);

CREATE TEMP TABLE bound_samples (variant text, ms float8);
SELECT set_config('bench.runs', :'runs', false) \gset
DO $$
DECLARE
    v record;
    t0 timestamptz;
BEGIN
    FOR r IN 0..current_setting('bench.runs')::int LOOP   -- round 0 warms up, not kept
        FOR v IN SELECT * FROM bound_variants ORDER BY n LOOP
            PERFORM set_config('plan_cache_mode', v.mode, false);
            t0 := clock_timestamp();
            EXECUTE v.stmt;
            IF r > 0 THEN
                INSERT INTO bound_samples VALUES (v.variant, extract(epoch FROM clock_timestamp() - t0) * 1000);
            END IF;
        END LOOP;
    END LOOP;
    PERFORM set_config('plan_cache_mode', 'auto', false);
END $$;

\echo '== templates bound as parameters: median of' :runs 'interleaved rounds (ms), ratio to the literal (target <= 1.1) =='
SELECT v.variant, round(s.ms::numeric, 1) AS median_ms,
       round((s.ms / l.ms)::numeric, 2) AS "ratio to literal"
  FROM bound_variants v
  JOIN (SELECT variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM bound_samples GROUP BY 1) s USING (variant)
  JOIN (SELECT variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM bound_samples GROUP BY 1) l
    ON l.variant = split_part(v.variant, ' ', 1) || ' literal'
 ORDER BY v.n;
DEALLOCATE ALL;
