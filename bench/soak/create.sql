-- groups for the accounts of a list that have none: Live over its dynamic
-- list (refreshed first), Churn after a drop, Static (nothing new)
\set which random(1, 3)
SELECT bg.create_buying_groups((ARRAY['Live', 'Churn', 'Static'])[:which], CASE :which WHEN 1 THEN 'Dyn' ELSE 'Some' END);
