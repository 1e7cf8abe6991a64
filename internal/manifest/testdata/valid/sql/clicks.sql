-- clicks from the stream, joined to the orders delta
SELECT CAST(value AS STRING) AS payload, o.id
FROM raw_clicks r
LEFT JOIN orders_new o ON o.id = r.key
WHERE '${day}' <> ''
