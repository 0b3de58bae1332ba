-- live mode: one person's title
\set pid random(1, :people)
UPDATE soak.person SET title = soak.title(random()) WHERE id = :pid;
