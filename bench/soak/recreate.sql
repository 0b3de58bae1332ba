-- drop every group of Churn and create them again, in one transaction
BEGIN;
SELECT bg.drop_buying_groups('Churn');
SELECT bg.create_buying_groups('Churn', 'Some');
COMMIT;
