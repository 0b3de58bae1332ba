-- live mode: a person moves to another account
\set pid random(1, :people)
\set aid random(1, :accounts)
UPDATE soak.person SET account_id = :aid WHERE id = :pid;
