-- live mode: a person leaves (ids of people inserted during the run included)
\set pid random(1, :people * 11 / 10)
DELETE FROM soak.person WHERE id = :pid;
