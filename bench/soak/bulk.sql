-- live mode: every person of an account at once
\set aid random(1, :accounts)
UPDATE soak.person SET title = soak.title(random()) WHERE account_id = :aid;
