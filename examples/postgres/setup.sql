-- The source data of examples/postgres/orders.yaml: 2,000 orders of 47
-- customers in the schema shop, and the schema reporting that the job's
-- second output writes into. Load it with
--   psql -h 127.0.0.1 -U flare -d shop -f examples/postgres/setup.sql
DROP SCHEMA IF EXISTS shop CASCADE;
CREATE SCHEMA shop;
CREATE SCHEMA IF NOT EXISTS reporting;
CREATE TABLE shop.orders (
  order_id    bigint PRIMARY KEY,
  customer_id integer NOT NULL,
  amount      numeric(12,2) NOT NULL,
  status      text NOT NULL,
  order_ts    timestamptz NOT NULL,
  note        text
);
INSERT INTO shop.orders
SELECT i,
       1 + i % 47,
       round((5 + (i * 37) % 500 + (i % 100) / 100.0)::numeric, 2),
       (ARRAY['new', 'paid', 'paid', 'shipped', 'cancelled'])[1 + i % 5],
       timestamptz '2024-03-01 00:00:00+00' + (i * 47) * interval '1 minute',
       CASE WHEN i % 7 = 0 THEN 'gift wrap' END
FROM generate_series(1, 2000) AS i;
