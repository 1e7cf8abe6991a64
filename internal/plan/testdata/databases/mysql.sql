-- Tables of the my depot's database flare_plan (database_test.go).
CREATE TABLE {schema}.orders (
  id bigint PRIMARY KEY,
  customer varchar(64) NOT NULL,
  amount decimal(12,2),
  status enum('new','paid','shipped'),
  order_ts datetime(6),
  paid tinyint(1)
) ENGINE=InnoDB;
INSERT INTO {schema}.orders VALUES
  (1, 'ada', 12.50, 'paid', '2024-01-01 10:00:00', 1),
  (2, 'bob', 7.25, 'new', '2024-01-02 11:30:00', 0);
CREATE TABLE {schema}.paid_orders (id bigint PRIMARY KEY, customer varchar(64), amount decimal(12,2)) ENGINE=InnoDB;
