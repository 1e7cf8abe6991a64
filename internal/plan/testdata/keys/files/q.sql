SELECT city_id FROM city
