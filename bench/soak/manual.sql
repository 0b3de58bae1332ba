-- a manual action of one of the five kinds in one of the three interests
\set pid random(1, :people)
\set op random(1, 5)
\set si random(1, 3)
SELECT soak.manual(:pid, :op, :si);
