-- Tables of the pg depot's schema flare_plan (database_test.go).
CREATE TABLE {schema}.orders (
  id bigint PRIMARY KEY,
  customer text NOT NULL,
  amount numeric(12,2),
  status text,
  order_ts timestamptz,
  order_date date,
  tags text[],
  meta jsonb
);
INSERT INTO {schema}.orders VALUES
  (1, 'ada', 12.50, 'paid', '2024-01-01 10:00:00+00', '2024-01-01', '{a,b}', '{"k": 1}'),
  (2, 'bob', 7.25, 'new', '2024-01-02 11:30:00+00', '2024-01-02', '{}', NULL),
  (3, 'cy', 99.99, 'paid', '2024-01-03 09:15:00+00', '2024-01-03', NULL, '{"k": 3}');
CREATE TABLE {schema}.paid_orders (id bigint PRIMARY KEY, customer text, amount numeric(12,2));
