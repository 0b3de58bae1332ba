-- drop every group of Churn (create.sql and recreate.sql bring them back)
SELECT bg.drop_buying_groups('Churn');
