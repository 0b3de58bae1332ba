-- sync of every update_existing interest, or of one
\set which random(0, 2)
SELECT CASE :which WHEN 0 THEN bg.sync() WHEN 1 THEN bg.sync('Live') ELSE bg.sync('Churn') END;
