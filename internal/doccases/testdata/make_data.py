#!/usr/bin/env python3
"""Writes the small data the docs' case-scenario manifests read (run from this
folder; the files are committed). Values are fixed, so tests can check them."""
import json, os, random

random.seed(7)
os.chdir(os.path.dirname(os.path.abspath(__file__)))

def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)

# thirdparty01:none/city: a folder of header-less csv files in the column
# order of the docs' city.avsc (city_id, zip_code, city_name, county_name,
# state_code, state_name).
cities = [
    ("CITY1", 36003, "Autaugaville", "Autauga", "AL", "Alabama"),
    ("CITY2", 36006, "Billingsley", "Autauga", "AL", "Alabama"),
    ("CITY3", 36067, "Prattville", "Autauga", "AL", "Alabama"),
    ("CITY4", 36701, "Selma", "Dallas", "AL", "Alabama"),
    ("CITY5", 85001, "Phoenix", "Maricopa", "AZ", "Arizona"),
    ("CITY6", 85701, "Tucson", "Pima", "AZ", "Arizona"),
    ("CITY7", 86001, "Flagstaff", "Coconino", "AZ", "Arizona"),
    ("CITY8", 73301, "Austin", "Travis", "TX", "Texas"),
    ("CITY9", 77001, "Houston", "Harris", "TX", "Texas"),
    ("CITY10", 10001, "New York", "New York", "NY", "New York"),
]
write("thirdparty01/city/city_1.csv", "".join(",".join(map(str, c)) + "\n" for c in cities[:6]))
write("thirdparty01/city/city_2.csv", "".join(",".join(map(str, c)) + "\n" for c in cities[6:]))

# thirdparty01:onboarding/customer.csv (bucketing.md), with a header line.
countries = ["India", "USA", "Germany", "Brazil", "Japan"]
rows = ["customer_id,first_name,country,social_class,birthdate"]
for i in range(1, 41):
    rows.append(f"{i},name{i},{countries[i % 5]},{['lower','middle','upper'][i % 3]},19{60 + i % 40}-0{1 + i % 9}-1{i % 10}")
write("thirdparty01/onboarding/customer.csv", "\n".join(rows) + "\n")

# thirdparty01:none/ny-taxi-data: small files of one JSON record each, so
# that they read the same with and without multiLine (data_replay.md,
# partition_evolution.md). pickup_datetime is epoch milliseconds.
base = 1262304000000  # 2010-01-01T00:00:00Z
for i in range(12):
    vendor = 1 + i % 2
    pick = base + i * 40 * 86400000 + i * 3600000
    rec = {"vendor_id": vendor, "pickup_datetime": pick, "dropoff_datetime": pick + 1200000,
           "passenger_count": 1 + i % 4, "trip_distance": round(1.5 + i * 0.7, 2), "total_amount": round(8 + i * 2.25, 2)}
    name = "010100.json" if i == 0 else f"{i:06d}.json"
    write(f"thirdparty01/ny-taxi-data/{name}", json.dumps(rec) + "\n")

# thirdparty01:none/{cities,countries,states} (enrichment.md): header-less
# csv in the order of the page's schemas.
write("thirdparty01/countries/countries.csv",
      "Kabul,AFN,؋,🇦🇫,U+1F1E6 U+1F1EB,1,AF,AFG,33.0,65.0,Afghanistan,افغانستان,4,93,Asia,Southern Asia,Asia/Kabul,.af\n"
      "New Delhi,INR,₹,🇮🇳,U+1F1EE U+1F1F3,101,IN,IND,20.0,77.0,India,भारत,356,91,Asia,Southern Asia,Asia/Kolkata,.in\n")
write("thirdparty01/states/states.csv",
      "AF,1,3901,36.7,67.1,Balkh,BAL\n"
      "IN,101,4008,15.9,79.7,Andhra Pradesh,AP\n")
write("thirdparty01/cities/cities.csv",
      "AF,1,52,36.75,66.89,Mazar-e Sharif,BAL,3901\n"
      "IN,101,57589,17.38,78.48,Hyderabad,AP,4008\n"
      "IN,101,57590,16.50,80.64,Vijayawada,AP,4008\n")

# Seeds for the lakehouse tables the pages read (seed/*.yaml writes them).
pos = []
for i in range(1, 9):
    pos.append({
        "id": i, "name": "foo" if i == 3 else f"p{i}",
        "product_type": ["shoes", "shirts", "hats"][i % 3], "store_location": ["north", "south"][i % 2],
        "customer_index": 100 + i,
        "transaction_header": {"store_id": f"S{i % 3}", "transaction_id": f"T{i}"},
        "transaction_line_item": [{"sku": f"K{i}{j}", "quantity": j, "price": round(2.5 * j + i, 2)} for j in range(1, 1 + i % 3 + 1)],
        "store": {"store_name": f"Store {i % 3}", "store_city": ["Austin", "Selma", "Tucson"][i % 3], "store_state": ["TX", "AL", "AZ"][i % 3]},
    })
write("thirdparty01/seed/pos_1.json", "".join(json.dumps(r) + "\n" for r in pos[:4]))
write("thirdparty01/seed/pos_2.json", "".join(json.dumps(r) + "\n" for r in pos[4:]))

users = []
for i in range(1, 21):
    users.append({"user_id": i, "first_name": f"u{i}", "state_code": ["AL", "AZ", "TX", "NY"][i % 4],
                  "date_time": f"202{5 + i % 2}-0{1 + i % 9}-15 10:00:00"})
write("thirdparty01/seed/random_users.json", "".join(json.dumps(r) + "\n" for r in users))

orders = []
for i in range(1, 31):
    orders.append({"order_id": i, "order_amount": round(200 + i * 55.5, 2), "brand_name": ["Urbane", "Awkward Styles", "Zen"][i % 3]})
write("thirdparty01/seed/orders_enriched.json", "".join(json.dumps(r) + "\n" for r in orders))

customers = [{"customer_id": i, "city_id": f"CITY{i % 12}", "name": f"c{i}"} for i in range(1, 16)]
write("thirdparty01/seed/test_customer.json", "".join(json.dumps(r) + "\n" for r in customers))
