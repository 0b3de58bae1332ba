-- live mode: a new person
\set aid random(1, :accounts)
INSERT INTO soak.person (account_id, title) VALUES (:aid, soak.title(random()));
