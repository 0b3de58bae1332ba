-- an account changes region, and the dynamic list is refreshed
\set aid random(1, :accounts)
UPDATE soak.account SET region = (ARRAY['EU', 'US', 'APAC'])[1 + floor(random() * 3)::integer] WHERE id = :aid;
SELECT bg.refresh_account_list('Dyn');
