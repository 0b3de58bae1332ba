-- The session settings every timed bench script starts with (\ir from each):
-- serial, no JIT, memory enough for the grouped variants.
\set ON_ERROR_STOP 1
\pset footer off
SET jit = off;
SET max_parallel_workers_per_gather = 0;
SET work_mem = '256MB';
