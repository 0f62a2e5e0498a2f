"""The matching benchmark (issue #7, `make bench`; docs/benchmark.md says how to read it).

Three parts, each usable alone:

1. **A synthetic directory** (`build`): `Spec.services` services (100,000 by default) at
   1.5 times as many locations across the U.S., with organizations, languages, Open
   Eligibility tags, age ranges, capacity, service areas and required documents. Seeded:
   the same seed builds the same rows, with the same ids, on every run and every database.
   Built in chunks of `Spec.chunk` services, one transaction each, whose first organization
   has an id derived from (seed, chunk number): a chunk already in the database is skipped,
   so an interrupted build resumes where it stopped. Synthetic data only: every name and
   number is made up (city centres are real, from the `zipcodes` package).
2. **The measured question** — need + age + language + 25-mile radius + room today — asked
   two ways: through `match_services` (the product path: its queries and its Python ranking
   and explanations) and as one hand-written SQL statement per database (`raw_sql`:
   bounding box on latitude/longitude, Haversine in SQL, the same eligibility rules, the
   same service-area rule). Both find the same services; tests/referrals/test_bench.py
   checks that on a small directory, and `measure` checks it again on every timed query.
3. **Timing** (`measure`): warm-up, then N population-weighted questions, each asked both
   ways in alternating order; p50 / p95 / max of each, on the wall clock and in CPU time
   (`_timed`), and their ratio.

Where the directory's services are: 85% of organizations sit in one of 411 real cities,
chosen in proportion to the city's population and spread around its centre by a distance
that grows with the city (a Gaussian of 3 + 5·√(millions) miles); 15% are rural, at a
random U.S. ZIP code's centre (Alaska and Hawaii included) with 3 miles of spread.
Questions are asked from places drawn the same way (10% rural), as the ZIP code nearest the
point, turned into a place as the product does (`place_for_zip`).

The hand-written SQL follows matching.py's rules as they are (see `_CANDIDATE`); when those
rules change, tests/referrals/test_bench.py fails until this statement follows.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import math
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Model

from continuum.directory import geo, match_index, taxonomy
from continuum.directory.models import (
    Attribute,
    Language,
    Location,
    MatchArea,
    MatchSite,
    Organization,
    RequiredDocument,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    ServiceStatus,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)
from continuum.directory.need_terms import NEED_DOMAIN_TERMS
from continuum.referrals.matching import (
    ENGLISH,
    LANGUAGE_ALIASES,
    STATE_NAMES,
    MatchCriteria,
    find_candidates,
    language_code,
    match_services,
    place_for_zip,
)
from continuum.referrals.matching import area_names as matching_area_names

# Every date in the directory is relative to this day, and the queries ask "today" on it,
# so staleness and capacity age come out the same on every run.
BENCH_TODAY = datetime.date(2026, 6, 1)
BENCH_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://continuum.invalid/bench")
DEFAULT_SEED = 7
DEFAULT_SERVICES = 100_000
LOCATIONS_PER_SERVICE = 1.5
CHUNK = 5_000
RADIUS_MILES = 25.0

# (city, state, latitude, longitude, population in thousands, a ZIP code near the centre).
# Centres are the median of the city's ZIP centroids in the `zipcodes` package; populations
# are rounded 2020 census figures for the city proper (New York City by borough).
CITIES: tuple[tuple[str, str, float, float, int, str], ...] = (
    ("New York", "NY", 40.7547, -73.9789, 1694, "10173"),
    ("Los Angeles", "CA", 34.0466, -118.2909, 3899, "90006"),
    ("Chicago", "IL", 41.8809, -87.6628, 2746, "60607"),
    ("Houston", "TX", 29.7597, -95.4118, 2304, "77019"),
    ("Phoenix", "AZ", 33.4941, -112.074, 1608, "85012"),
    ("Philadelphia", "PA", 39.9925, -75.1616, 1603, "19132"),
    ("San Antonio", "TX", 29.4459, -98.493, 1434, "78284"),
    ("San Diego", "CA", 32.7783, -117.13, 1386, "92108"),
    ("Dallas", "TX", 32.7974, -96.7948, 1304, "75204"),
    ("San Jose", "CA", 37.3135, -121.8692, 1013, "95113"),
    ("Austin", "TX", 30.2971, -97.7431, 961, "78705"),
    ("Jacksonville", "FL", 30.318, -81.6502, 949, "32202"),
    ("Fort Worth", "TX", 32.7493, -97.3336, 918, "76102"),
    ("Columbus", "OH", 39.9913, -82.9745, 905, "43203"),
    ("Indianapolis", "IN", 39.8011, -86.1357, 887, "46282"),
    ("Charlotte", "NC", 35.2271, -80.8419, 874, "28246"),
    ("San Francisco", "CA", 37.7719, -122.419, 873, "94141"),
    ("Seattle", "WA", 47.6062, -122.3305, 737, "98164"),
    ("Denver", "CO", 39.7392, -104.9847, 715, "80238"),
    ("Washington", "DC", 38.9067, -77.0282, 689, "20005"),
    ("Nashville", "TN", 36.16, -86.78, 689, "37245"),
    ("Oklahoma City", "OK", 35.4767, -97.5242, 681, "73195"),
    ("El Paso", "TX", 31.7862, -106.4149, 678, "79905"),
    ("Boston", "MA", 42.3539, -71.0658, 675, "02108"),
    ("Portland", "OR", 45.5181, -122.6448, 652, "97214"),
    ("Las Vegas", "NV", 36.1593, -115.2193, 641, "89107"),
    ("Detroit", "MI", 42.3709, -83.1007, 639, "48206"),
    ("Memphis", "TN", 35.1255, -89.9715, 633, "38112"),
    ("Louisville", "KY", 38.2211, -85.707, 633, "40205"),
    ("Baltimore", "MD", 39.3064, -76.6205, 585, "21201"),
    ("Milwaukee", "WI", 43.05, -87.967, 577, "53208"),
    ("Albuquerque", "NM", 35.1038, -106.6015, 564, "87110"),
    ("Tucson", "AZ", 32.2434, -110.9466, 542, "85719"),
    ("Fresno", "CA", 36.7863, -119.7843, 542, "93704"),
    ("Sacramento", "CA", 38.5728, -121.4443, 524, "95819"),
    ("Kansas City", "MO", 39.0911, -94.5545, 508, "64172"),
    ("Mesa", "AZ", 33.4026, -111.7242, 504, "85206"),
    ("Atlanta", "GA", 33.791, -84.3808, 498, "30309"),
    ("Omaha", "NE", 41.259, -96.0458, 486, "68114"),
    ("Colorado Springs", "CO", 38.8533, -104.7403, 478, "80915"),
    ("Raleigh", "NC", 35.8334, -78.6463, 467, "27609"),
    ("Long Beach", "CA", 33.7839, -118.1816, 466, "90813"),
    ("Virginia Beach", "VA", 36.8181, -76.0322, 459, "23460"),
    ("Miami", "FL", 25.7664, -80.281, 442, "33134"),
    ("Oakland", "CA", 37.8067, -122.2402, 440, "94610"),
    ("Minneapolis", "MN", 44.9742, -93.302, 429, "55405"),
    ("Tulsa", "OK", 36.1442, -95.9452, 413, "74104"),
    ("Bakersfield", "CA", 35.37, -119.0218, 403, "93381"),
    ("Wichita", "KS", 37.6936, -97.3175, 397, "67214"),
    ("Arlington", "TX", 32.6954, -97.1347, 394, "76015"),
    ("Aurora", "CO", 39.6981, -104.7818, 386, "80017"),
    ("Tampa", "FL", 28.0068, -82.4895, 384, "33614"),
    ("New Orleans", "LA", 29.9546, -90.0751, 383, "70139"),
    ("Cleveland", "OH", 41.4772, -81.6364, 372, "44104"),
    ("Honolulu", "HI", 21.3098, -157.848, 350, "96813"),
    ("Anaheim", "CA", 33.8373, -117.9086, 346, "92805"),
    ("Lexington", "KY", 38.029, -84.4972, 322, "40502"),
    ("Stockton", "CA", 37.9743, -121.3116, 320, "95204"),
    ("Corpus Christi", "TX", 27.79, -97.39, 317, "78473"),
    ("Henderson", "NV", 36.0221, -115.059, 317, "89012"),
    ("Riverside", "CA", 33.9315, -117.3757, 314, "92506"),
    ("Newark", "NJ", 40.732, -74.1891, 311, "07103"),
    ("Saint Paul", "MN", 44.9532, -93.1216, 311, "55103"),
    ("Santa Ana", "CA", 33.7489, -117.8855, 310, "92706"),
    ("Cincinnati", "OH", 39.1647, -84.499, 309, "45217"),
    ("Irvine", "CA", 33.6899, -117.794, 307, "92604"),
    ("Orlando", "FL", 28.5226, -81.3552, 307, "32806"),
    ("Pittsburgh", "PA", 40.4423, -79.9839, 302, "15219"),
    ("Saint Louis", "MO", 38.6352, -90.2967, 301, "63139"),
    ("Greensboro", "NC", 36.0726, -79.806, 299, "27495"),
    ("Jersey City", "NJ", 40.7271, -74.0579, 292, "07306"),
    ("Anchorage", "AK", 61.1863, -149.8859, 291, "99503"),
    ("Lincoln", "NE", 40.8195, -96.6766, 291, "68503"),
    ("Plano", "TX", 33.0299, -96.7365, 285, "75075"),
    ("Durham", "NC", 35.9968, -78.9239, 283, "27706"),
    ("Buffalo", "NY", 42.913, -78.8264, 278, "14211"),
    ("Chandler", "AZ", 33.2901, -111.8452, 275, "85286"),
    ("Chula Vista", "CA", 32.6371, -116.9852, 275, "91913"),
    ("Toledo", "OH", 41.669, -83.5734, 270, "43610"),
    ("Madison", "WI", 43.073, -89.4, 269, "53715"),
    ("Gilbert", "AZ", 33.3204, -111.7407, 267, "85295"),
    ("Reno", "NV", 39.5259, -119.8176, 264, "89501"),
    ("Fort Wayne", "IN", 41.0701, -85.1347, 263, "46802"),
    ("North Las Vegas", "NV", 36.2589, -115.1458, 262, "89084"),
    ("Saint Petersburg", "FL", 27.789, -82.6779, 258, "33713"),
    ("Lubbock", "TX", 33.57, -101.876, 257, "79406"),
    ("Irving", "TX", 32.8566, -96.9616, 256, "75062"),
    ("Laredo", "TX", 27.5305, -99.4557, 255, "78041"),
    ("Winston Salem", "NC", 36.0795, -80.2493, 249, "27101"),
    ("Chesapeake", "VA", 36.7823, -76.2543, 249, "23324"),
    ("Glendale", "AZ", 33.5675, -112.1767, 248, "85302"),
    ("Garland", "TX", 32.9185, -96.6411, 246, "75040"),
    ("Scottsdale", "AZ", 33.5879, -111.8931, 241, "85260"),
    ("Norfolk", "VA", 36.8741, -76.275, 238, "23509"),
    ("Boise", "ID", 43.5954, -116.2315, 235, "83705"),
    ("Fremont", "CA", 37.5456, -121.9855, 230, "94538"),
    ("Spokane", "WA", 47.665, -117.3925, 228, "99202"),
    ("Santa Clarita", "CA", 34.4126, -118.5343, 228, "91382"),
    ("Baton Rouge", "LA", 30.4489, -91.0906, 227, "70827"),
    ("Richmond", "VA", 37.5434, -77.4607, 226, "23240"),
    ("Hialeah", "FL", 25.8803, -80.3063, 223, "33012"),
    ("San Bernardino", "CA", 34.1159, -117.2936, 222, "92401"),
    ("Tacoma", "WA", 47.2232, -122.4465, 219, "98418"),
    ("Modesto", "CA", 37.6693, -120.9966, 218, "95350"),
    ("Huntsville", "AL", 34.7269, -86.6091, 215, "35816"),
    ("Des Moines", "IA", 41.601, -93.6192, 214, "50307"),
    ("Yonkers", "NY", 40.9461, -73.8669, 211, "10701"),
    ("Rochester", "NY", 43.1577, -77.6142, 211, "14614"),
    ("Moreno Valley", "CA", 33.9267, -117.2306, 208, "92553"),
    ("Fayetteville", "NC", 35.0572, -78.9206, 208, "28305"),
    ("Fontana", "CA", 34.0794, -117.4551, 208, "92335"),
    ("Columbus", "GA", 32.4754, -84.9483, 206, "31906"),
    ("Worcester", "MA", 42.2664, -71.8055, 206, "01608"),
    ("Port Saint Lucie", "FL", 27.2772, -80.3621, 204, "34953"),
    ("Little Rock", "AR", 34.7448, -92.3547, 202, "72205"),
    ("Augusta", "GA", 33.47, -82.0115, 202, "30904"),
    ("Oxnard", "CA", 34.1981, -119.1785, 202, "93030"),
    ("Birmingham", "AL", 33.5064, -86.8063, 200, "35233"),
    ("Montgomery", "AL", 32.3736, -86.2715, 200, "36107"),
    ("Frisco", "TX", 33.1499, -96.8241, 200, "75034"),
    ("Amarillo", "TX", 35.1958, -101.8458, 200, "79102"),
    ("Salt Lake City", "UT", 40.7372, -111.8893, 200, "84111"),
    ("Grand Rapids", "MI", 42.9549, -85.6418, 198, "49503"),
    ("Huntington Beach", "CA", 33.6977, -118.0042, 198, "92648"),
    ("Overland Park", "KS", 38.9136, -94.6941, 197, "66213"),
    ("Glendale", "CA", 34.1556, -118.2551, 196, "91203"),
    ("Tallahassee", "FL", 30.4565, -84.261, 196, "32301"),
    ("Grand Prairie", "TX", 32.686, -97.0212, 196, "75052"),
    ("McKinney", "TX", 33.1976, -96.6153, 195, "75069"),
    ("Cape Coral", "FL", 26.6273, -81.9929, 194, "33990"),
    ("Sioux Falls", "SD", 43.5374, -96.7341, 192, "57105"),
    ("Peoria", "AZ", 33.6178, -112.2309, 190, "85381"),
    ("Providence", "RI", 41.8206, -71.4255, 190, "02903"),
    ("Vancouver", "WA", 45.6514, -122.6251, 190, "98661"),
    ("Knoxville", "TN", 35.9673, -83.9424, 190, "37916"),
    ("Akron", "OH", 41.0778, -81.5367, 190, "44307"),
    ("Shreveport", "LA", 32.4664, -93.7771, 187, "71108"),
    ("Mobile", "AL", 30.682, -88.1009, 187, "36606"),
    ("Brownsville", "TX", 25.9337, -97.4699, 186, "78521"),
    ("Newport News", "VA", 37.0768, -76.4967, 186, "23606"),
    ("Fort Lauderdale", "FL", 26.1219, -80.2255, 182, "33317"),
    ("Chattanooga", "TN", 35.0318, -85.2907, 181, "37403"),
    ("Tempe", "AZ", 33.3917, -111.9249, 180, "85282"),
    ("Aurora", "IL", 41.7582, -88.2616, 180, "60504"),
    ("Santa Rosa", "CA", 38.4419, -122.7242, 178, "95404"),
    ("Eugene", "OR", 44.0647, -123.0909, 176, "97401"),
    ("Elk Grove", "CA", 38.4232, -121.4294, 176, "95758"),
    ("Salem", "OR", 44.949, -123.0167, 175, "97301"),
    ("Ontario", "CA", 34.0609, -117.6381, 175, "91758"),
    ("Cary", "NC", 35.7798, -78.7863, 174, "27511"),
    ("Rancho Cucamonga", "CA", 34.1422, -117.5872, 174, "91737"),
    ("Oceanside", "CA", 33.202, -117.3299, 174, "92054"),
    ("Lancaster", "CA", 34.7131, -118.1491, 173, "93534"),
    ("Garden Grove", "CA", 33.7787, -117.9738, 172, "92841"),
    ("Pembroke Pines", "FL", 26.0185, -80.3449, 171, "33028"),
    ("Fort Collins", "CO", 40.5473, -105.0581, 169, "80525"),
    ("Palmdale", "CA", 34.5866, -118.0574, 169, "93552"),
    ("Springfield", "MO", 37.1852, -93.2912, 169, "65806"),
    ("Clarksville", "TN", 36.522, -87.349, 166, "37040"),
    ("Murfreesboro", "TN", 35.8455, -86.4042, 152, "37130"),
    ("Salinas", "CA", 36.6811, -121.6596, 163, "93901"),
    ("Hayward", "CA", 37.648, -122.0782, 162, "94544"),
    ("Paterson", "NJ", 40.9167, -74.1622, 159, "07501"),
    ("Alexandria", "VA", 38.8022, -77.0844, 159, "22303"),
    ("Macon", "GA", 32.8271, -83.6778, 157, "31204"),
    ("Corona", "CA", 33.8586, -117.5509, 157, "92878"),
    ("Kansas City", "KS", 39.1132, -94.6693, 156, "66102"),
    ("Springfield", "MA", 42.1029, -72.5778, 155, "01105"),
    ("Sunnyvale", "CA", 37.3825, -122.0207, 155, "94085"),
    ("Jackson", "MS", 32.3149, -90.1886, 153, "39202"),
    ("Killeen", "TX", 31.077, -97.7044, 153, "76541"),
    ("Hollywood", "FL", 26.007, -80.2489, 153, "33024"),
    ("Bellevue", "WA", 47.615, -122.1552, 151, "98005"),
    ("Pasadena", "TX", 29.6654, -95.1729, 151, "77504"),
    ("Joliet", "IL", 41.5119, -88.0572, 150, "60433"),
    ("Escondido", "CA", 33.1245, -117.0839, 151, "92025"),
    ("Naperville", "IL", 41.7495, -88.155, 149, "60540"),
    ("Savannah", "GA", 32.0283, -81.0931, 147, "31405"),
    ("Rockford", "IL", 42.2554, -89.0512, 148, "61104"),
    ("Bridgeport", "CT", 41.18, -73.19, 148, "06650"),
    ("Mesquite", "TX", 32.7678, -96.6082, 150, "75149"),
    ("Syracuse", "NY", 43.0421, -76.1452, 148, "13202"),
    ("Pomona", "CA", 34.0662, -117.7569, 151, "91768"),
    ("Orange", "CA", 33.7896, -117.8458, 139, "92866"),
    ("Fullerton", "CA", 33.882, -117.9164, 143, "92832"),
    ("Torrance", "CA", 33.8277, -118.3207, 147, "90501"),
    ("Dayton", "OH", 39.7487, -84.1874, 137, "45402"),
    ("McAllen", "TX", 26.2154, -98.2359, 142, "78501"),
    ("Thornton", "CO", 39.868, -104.9719, 141, "80241"),
    ("West Valley City", "UT", 40.6916, -112.0011, 140, "84119"),
    ("Olathe", "KS", 38.8799, -94.7978, 141, "66062"),
    ("Hampton", "VA", 37.0449, -76.3513, 137, "23669"),
    ("Warren", "MI", 42.5125, -82.9974, 139, "48093"),
    ("Midland", "TX", 31.9809, -102.077, 132, "79701"),
    ("Waco", "TX", 31.5525, -97.1396, 138, "76701"),
    ("Charleston", "SC", 32.7993, -79.9537, 150, "29403"),
    ("Columbia", "SC", 34.026, -80.9997, 136, "29204"),
    ("Denton", "TX", 33.2201, -97.1207, 139, "76201"),
    ("Carrollton", "TX", 33.0033, -96.882, 133, "75007"),
    ("Surprise", "AZ", 33.63, -112.3736, 143, "85379"),
    ("Gainesville", "FL", 29.6785, -82.3679, 141, "32605"),
    ("New Haven", "CT", 41.3087, -72.9318, 135, "06510"),
    ("Cedar Rapids", "IA", 41.9823, -91.6732, 137, "52401"),
    ("Visalia", "CA", 36.3302, -119.301, 141, "93292"),
    ("Sterling Heights", "MI", 42.5827, -83.0187, 134, "48313"),
    ("Stamford", "CT", 41.0692, -73.5435, 135, "06902"),
    ("Concord", "CA", 37.9699, -122.0191, 125, "94519"),
    ("Elizabeth", "NJ", 40.6717, -74.2215, 137, "07208"),
    ("Athens", "GA", 33.9611, -83.3906, 127, "30601"),
    ("Lafayette", "LA", 30.2139, -92.0198, 121, "70500"),
    ("Simi Valley", "CA", 34.27, -118.71, 126, "93093"),
    ("Topeka", "KS", 39.0427, -95.6981, 126, "66621"),
    ("Thousand Oaks", "CA", 34.202, -118.8486, 126, "91362"),
    ("Vallejo", "CA", 38.1019, -122.2587, 126, "94590"),
    ("Ann Arbor", "MI", 42.2776, -83.7282, 123, "48104"),
    ("Hartford", "CT", 41.7682, -72.6829, 121, "06152"),
    ("Victorville", "CA", 34.5016, -117.3528, 134, "92394"),
    ("Abilene", "TX", 32.432, -99.7619, 125, "79605"),
    ("Fargo", "ND", 46.8564, -96.8318, 125, "58103"),
    ("Provo", "UT", 40.2477, -111.6652, 115, "84604"),
    ("Lansing", "MI", 42.7353, -84.5576, 112, "48933"),
    ("Evansville", "IN", 37.9718, -87.5577, 117, "47713"),
    ("Independence", "MO", 39.1016, -94.4075, 123, "64050"),
    ("Peoria", "IL", 40.705, -89.6192, 113, "61606"),
    ("Beaumont", "TX", 30.0861, -94.1429, 115, "77702"),
    ("Allentown", "PA", 40.6018, -75.4781, 125, "18102"),
    ("Round Rock", "TX", 30.5145, -97.668, 119, "78664"),
    ("Odessa", "TX", 31.8673, -102.3746, 114, "79761"),
    ("Wilmington", "NC", 34.2247, -77.8792, 115, "28403"),
    ("Arvada", "CO", 39.8286, -105.1097, 124, "80005"),
    ("Berkeley", "CA", 37.868, -122.2702, 124, "94703"),
    ("Clearwater", "FL", 27.975, -82.7343, 117, "33765"),
    ("Rochester", "MN", 44.0301, -92.4444, 121, "55902"),
    ("Billings", "MT", 45.7783, -108.5858, 117, "59102"),
    ("Manchester", "NH", 42.9929, -71.4493, 115, "03101"),
    ("Lowell", "MA", 42.6418, -71.319, 115, "01851"),
    ("Cambridge", "MA", 42.3687, -71.1042, 118, "02139"),
    ("West Palm Beach", "FL", 26.7163, -80.0896, 117, "33409"),
    ("Norman", "OK", 35.2267, -97.4322, 128, "73071"),
    ("Pueblo", "CO", 38.2843, -104.6278, 111, "81003"),
    ("Richardson", "TX", 32.966, -96.7058, 119, "75081"),
    ("Westminster", "CO", 39.8528, -105.0358, 116, "80030"),
    ("Erie", "PA", 42.1133, -80.0668, 94, "16503"),
    ("Green Bay", "WI", 44.5, -88.0264, 107, "54304"),
    ("Wichita Falls", "TX", 33.8931, -98.5145, 102, "76309"),
    ("South Bend", "IN", 41.6796, -86.2456, 103, "46601"),
    ("Davenport", "IA", 41.5386, -90.5892, 101, "52804"),
    ("Columbia", "MO", 38.9666, -92.3081, 126, "65202"),
    ("Tyler", "TX", 32.362, -95.3031, 105, "75702"),
    ("Burbank", "CA", 34.1745, -118.3231, 107, "91506"),
    ("Inglewood", "CA", 33.9566, -118.3539, 107, "90301"),
    ("El Monte", "CA", 34.0748, -118.026, 109, "91732"),
    ("Las Cruces", "NM", 32.3224, -106.7714, 111, "88005"),
    ("Murrieta", "CA", 33.5661, -117.226, 110, "92563"),
    ("Temecula", "CA", 33.4983, -117.1286, 110, "92591"),
    ("Antioch", "CA", 37.9798, -121.7923, 115, "94509"),
    ("Everett", "WA", 47.9419, -122.2006, 110, "98203"),
    ("Boulder", "CO", 40.0172, -105.2531, 108, "80303"),
    ("Gresham", "OR", 45.4985, -122.4179, 114, "97080"),
    ("Santa Maria", "CA", 34.9535, -120.4325, 109, "93454"),
    ("Lewisville", "TX", 33.0532, -96.9999, 111, "75057"),
    ("Downey", "CA", 33.9416, -118.1306, 114, "90241"),
    ("Costa Mesa", "CA", 33.6642, -117.912, 111, "92627"),
    ("Pompano Beach", "FL", 26.2604, -80.1792, 112, "33066"),
    ("Palm Bay", "FL", 27.9992, -80.6606, 119, "32907"),
    ("Lakeland", "FL", 28.0381, -81.9591, 112, "33801"),
    ("Daly City", "CA", 37.6831, -122.4584, 104, "94015"),
    ("Rialto", "CA", 34.1347, -117.3906, 104, "92376"),
    ("Edison", "NJ", 40.5264, -74.3781, 107, "08817"),
    ("Charleston", "WV", 38.349, -81.6306, 48, "25301"),
    ("Huntington", "WV", 38.4097, -82.4227, 46, "25703"),
    ("Cheyenne", "WY", 41.1437, -104.8023, 65, "82001"),
    ("Casper", "WY", 42.8406, -106.3166, 59, "82601"),
    ("Burlington", "VT", 44.498, -73.2345, 45, "05408"),
    ("Portland", "ME", 43.6694, -70.2732, 68, "04101"),
    ("Bangor", "ME", 44.8242, -68.7918, 31, "04401"),
    ("Concord", "NH", 43.2501, -71.5936, 44, "03303"),
    ("Dover", "DE", 39.157, -75.5294, 39, "19906"),
    ("Wilmington", "DE", 39.7567, -75.5566, 70, "19806"),
    ("Juneau", "AK", 58.3628, -134.5294, 32, "99801"),
    ("Fairbanks", "AK", 64.8484, -147.7174, 32, "99790"),
    ("Hilo", "HI", 19.7025, -155.0939, 45, "96720"),
    ("Kahului", "HI", 20.8814, -156.4783, 28, "96732"),
    ("Missoula", "MT", 46.8563, -114.0265, 74, "59801"),
    ("Great Falls", "MT", 47.5098, -111.2734, 60, "59401"),
    ("Bismarck", "ND", 46.8124, -100.7821, 74, "58501"),
    ("Rapid City", "SD", 44.048, -103.2052, 77, "57703"),
    ("Pierre", "SD", 44.3695, -100.3211, 14, "57501"),
    ("Helena", "MT", 46.6131, -112.0213, 33, "59601"),
    ("Santa Fe", "NM", 35.6567, -105.9821, 88, "87507"),
    ("Flagstaff", "AZ", 35.1859, -111.662, 76, "86001"),
    ("Yuma", "AZ", 32.7015, -114.4905, 95, "85365"),
    ("Saint George", "UT", 37.0936, -113.5711, 95, "84770"),
    ("Ogden", "UT", 41.2215, -111.9689, 87, "84401"),
    ("Idaho Falls", "ID", 43.4842, -111.9892, 64, "83404"),
    ("Pocatello", "ID", 42.8876, -112.4434, 56, "83201"),
    ("Yakima", "WA", 46.5978, -120.6202, 96, "98902"),
    ("Bend", "OR", 44.0569, -121.3529, 99, "97702"),
    ("Medford", "OR", 42.309, -122.8726, 85, "97501"),
    ("Redding", "CA", 40.5605, -122.353, 93, "96002"),
    ("Eureka", "CA", 40.7765, -124.1583, 27, "95501"),
    ("Chico", "CA", 39.7458, -121.8444, 101, "95926"),
    ("Duluth", "MN", 46.7851, -92.1112, 86, "55805"),
    ("Sioux City", "IA", 42.505, -96.3917, 85, "51105"),
    ("Dubuque", "IA", 42.5122, -90.6829, 59, "52001"),
    ("La Crosse", "WI", 43.8238, -91.233, 52, "54603"),
    ("Eau Claire", "WI", 44.8093, -91.5018, 69, "54701"),
    ("Marquette", "MI", 46.5786, -87.4545, 20, "49855"),
    ("Traverse City", "MI", 44.7897, -85.5978, 15, "49685"),
    ("Saginaw", "MI", 43.4301, -83.9745, 45, "48602"),
    ("Flint", "MI", 43.0151, -83.7001, 81, "48502"),
    ("Kalamazoo", "MI", 42.2922, -85.5882, 73, "49007"),
    ("Youngstown", "OH", 41.0969, -80.6546, 60, "44503"),
    ("Canton", "OH", 40.8109, -81.3777, 70, "44703"),
    ("Scranton", "PA", 41.4095, -75.6642, 76, "18503"),
    ("Harrisburg", "PA", 40.2722, -76.8602, 50, "17103"),
    ("Reading", "PA", 40.3328, -75.9397, 95, "19611"),
    ("Lancaster", "PA", 40.0357, -76.3081, 58, "17611"),
    ("Albany", "NY", 42.656, -73.7641, 99, "12210"),
    ("Utica", "NY", 43.0969, -75.2314, 65, "13501"),
    ("Binghamton", "NY", 42.1161, -75.8921, 47, "13904"),
    ("Ithaca", "NY", 42.444, -76.4901, 32, "14850"),
    ("Springfield", "IL", 39.7725, -89.6495, 114, "62703"),
    ("Champaign", "IL", 40.111, -88.2788, 88, "61821"),
    ("Bloomington", "IN", 39.1714, -86.5185, 79, "47406"),
    ("Terre Haute", "IN", 39.471, -87.3945, 58, "47807"),
    ("Lafayette", "IN", 40.4089, -86.8808, 70, "47901"),
    ("Bowling Green", "KY", 36.9663, -86.4481, 72, "42104"),
    ("Owensboro", "KY", 37.7536, -87.1179, 60, "42301"),
    ("Jackson", "TN", 35.6465, -88.821, 68, "38301"),
    ("Johnson City", "TN", 36.3339, -82.381, 71, "37604"),
    ("Asheville", "NC", 35.5987, -82.5426, 94, "28801"),
    ("Greenville", "SC", 34.8533, -82.4002, 70, "29601"),
    ("Spartanburg", "SC", 34.9352, -81.9168, 38, "29306"),
    ("Myrtle Beach", "SC", 33.7226, -78.9736, 35, "29588"),
    ("Florence", "SC", 34.1838, -79.6893, 39, "29506"),
    ("Roanoke", "VA", 37.269, -79.9463, 100, "24011"),
    ("Lynchburg", "VA", 37.3717, -79.1804, 79, "24501"),
    ("Charlottesville", "VA", 38.0401, -78.4851, 46, "22904"),
    ("Hagerstown", "MD", 39.6446, -77.7147, 43, "21740"),
    ("Salisbury", "MD", 38.3666, -75.5837, 33, "21804"),
    ("Atlantic City", "NJ", 39.3664, -74.4317, 38, "08401"),
    ("Trenton", "NJ", 40.2226, -74.742, 90, "08609"),
    ("New Bedford", "MA", 41.6474, -70.934, 101, "02746"),
    ("Hyannis", "MA", 41.6601, -70.2967, 14, "02601"),
    ("Pittsfield", "MA", 42.4531, -73.2471, 43, "01201"),
    ("Waterbury", "CT", 41.5566, -73.0385, 114, "06702"),
    ("Dothan", "AL", 31.2197, -85.3971, 71, "36303"),
    ("Tuscaloosa", "AL", 33.1898, -87.5252, 99, "35405"),
    ("Gulfport", "MS", 30.3962, -89.0886, 72, "39501"),
    ("Hattiesburg", "MS", 31.3122, -89.342, 48, "39402"),
    ("Tupelo", "MS", 34.2681, -88.6962, 38, "38801"),
    ("Monroe", "LA", 32.5286, -92.0722, 47, "71201"),
    ("Lake Charles", "LA", 30.2435, -93.1996, 84, "70601"),
    ("Alexandria", "LA", 31.2885, -92.4633, 45, "71301"),
    ("Fort Smith", "AR", 35.3427, -94.3872, 89, "72903"),
    ("Fayetteville", "AR", 36.0877, -94.1716, 93, "72703"),
    ("Jonesboro", "AR", 35.7792, -90.766, 78, "72404"),
    ("Texarkana", "TX", 33.4391, -94.1274, 36, "75503"),
    ("Lawton", "OK", 34.6179, -98.3895, 90, "73507"),
    ("Enid", "OK", 36.3975, -97.9026, 51, "73703"),
    ("Garden City", "KS", 37.9769, -100.8621, 28, "67846"),
    ("Dodge City", "KS", 37.7569, -100.0241, 27, "67801"),
    ("Hays", "KS", 38.8782, -99.3348, 21, "67601"),
    ("Salina", "KS", 38.8237, -97.6421, 46, "67401"),
    ("Grand Island", "NE", 40.9253, -98.3642, 53, "68803"),
    ("Kearney", "NE", 40.7325, -99.1035, 33, "68845"),
    ("North Platte", "NE", 41.1326, -100.7746, 23, "69101"),
    ("Scottsbluff", "NE", 41.872, -103.6619, 14, "69361"),
    ("Joplin", "MO", 37.0717, -94.5077, 51, "64801"),
    ("Cape Girardeau", "MO", 37.3114, -89.532, 40, "63701"),
    ("Saint Joseph", "MO", 39.7619, -94.8279, 72, "64501"),
    ("Valdosta", "GA", 30.846, -83.2876, 55, "31602"),
    ("Albany", "GA", 31.5571, -84.1868, 69, "31701"),
    ("Pensacola", "FL", 30.4481, -87.2589, 54, "32505"),
    ("Panama City", "FL", 30.1654, -85.6611, 32, "32401"),
    ("Ocala", "FL", 29.1565, -82.161, 63, "34471"),
    ("Key West", "FL", 24.5552, -81.7816, 26, "33040"),
    ("Naples", "FL", 26.1895, -81.7389, 19, "34105"),
    ("Fort Myers", "FL", 26.5681, -81.84, 86, "33966"),
    ("Sarasota", "FL", 27.3262, -82.5128, 55, "34237"),
    ("Daytona Beach", "FL", 29.2012, -81.0371, 72, "32114"),
    ("San Angelo", "TX", 31.4677, -100.4593, 99, "76903"),
    ("Victoria", "TX", 28.809, -96.9993, 65, "77901"),
    ("Harlingen", "TX", 26.1891, -97.7179, 71, "78550"),
    ("Del Rio", "TX", 29.4102, -100.8932, 35, "78840"),
    ("Bryan", "TX", 30.6711, -96.3662, 84, "77803"),
    ("College Station", "TX", 30.5582, -96.3147, 120, "77840"),
    ("Sherman", "TX", 33.6403, -96.6129, 43, "75092"),
    ("Grand Junction", "CO", 39.0787, -108.5474, 65, "81501"),
    ("Durango", "CO", 37.2015, -107.8763, 19, "81303"),
    ("Elko", "NV", 40.9056, -115.5344, 20, "89801"),
    ("Carson City", "NV", 39.1606, -119.7654, 58, "89703"),
    ("Twin Falls", "ID", 42.5565, -114.4693, 51, "83301"),
    ("Coeur D Alene", "ID", 47.7088, -116.787, 55, "83814"),
    ("Bellingham", "WA", 48.749, -122.4448, 91, "98225"),
    ("Wenatchee", "WA", 47.4253, -120.3273, 35, "98801"),
    ("Kennewick", "WA", 46.1814, -119.168, 84, "99336"),
    ("Walla Walla", "WA", 46.0614, -118.3315, 34, "99362"),
    ("Olympia", "WA", 47.0585, -122.8732, 55, "98501"),
    ("Klamath Falls", "OR", 42.2426, -121.7705, 22, "97603"),
    ("Roswell", "NM", 33.5057, -104.4516, 48, "88201"),
    ("Farmington", "NM", 36.7549, -108.1637, 46, "87402"),
    ("Gallup", "NM", 35.5065, -108.7414, 22, "87301"),
    ("Prescott", "AZ", 34.6309, -112.4733, 45, "86330"),
    ("Sierra Vista", "AZ", 31.5129, -110.2409, 45, "85635"),
    ("Brooklyn", "NY", 40.6482, -73.9517, 2590, "11226"),
    ("Bronx", "NY", 40.8465, -73.8841, 1420, "10460"),
    ("Jamaica", "NY", 40.6872, -73.791, 1200, "11433"),
    ("Staten Island", "NY", 40.6039, -74.1472, 475, "10314"),
    ("Flushing", "NY", 40.7636, -73.8234, 1200, "11354"),
)

# How often a need domain is offered by a service, and asked about by a caseworker (relative).
DOMAIN_WEIGHTS: dict[str, int] = {
    "shelter": 10,
    "food": 12,
    "clothing": 4,
    "language": 2,
    "legal": 6,
    "benefits": 6,
    "court_advocacy": 2,
    "transportation": 4,
    "medical": 12,
    "substance_use": 6,
    "mental_health": 12,
    "family": 8,
    "compensation": 1,
    "community": 5,
    "education": 6,
    "employment": 6,
}
# Age ranges a youth-serving directory lists, with how often (None: no bound that side).
AGE_RANGES: tuple[tuple[float | None, float | None, int], ...] = (
    (None, None, 25),
    (None, 17, 5),
    (None, 21, 4),
    (None, 24, 3),
    (18, None, 12),
    (16, None, 3),
    (12, None, 3),
    (0, 17, 6),
    (12, 17, 8),
    (12, 18, 4),
    (13, 24, 6),
    (16, 24, 6),
    (18, 24, 6),
    (14, 21, 5),
    (0, 21, 4),
)
# Languages besides English: (code, share of services nationally, share where the language
# is common); the states where it is common.
OTHER_LANGUAGES: tuple[tuple[str, float, float, frozenset[str]], ...] = (
    ("es", 0.25, 0.55, frozenset(["CA", "TX", "FL", "AZ", "NM", "NV", "NY", "NJ", "IL", "CO"])),
    ("ht", 0.004, 0.10, frozenset(["FL", "NY", "MA", "NJ"])),
    ("vi", 0.01, 0.06, frozenset(["CA", "TX", "WA", "LA", "VA"])),
    ("zh", 0.015, 0.08, frozenset(["CA", "NY", "WA", "MA", "HI"])),
    ("ar", 0.01, 0.03, frozenset(["MI", "IL", "NY"])),
    ("fr", 0.01, 0.03, frozenset(["LA", "ME"])),
    ("pt", 0.005, 0.05, frozenset(["MA", "RI"])),
    ("ru", 0.005, 0.02, frozenset(["NY", "WA"])),
    ("ase", 0.01, 0.01, frozenset()),
)
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "ht": "Haitian Creole",
    "vi": "Vietnamese",
    "zh": "Chinese",
    "ar": "Arabic",
    "fr": "French",
    "pt": "Portuguese",
    "ru": "Russian",
    "ase": "American Sign Language",
}
THREE_LETTER = {two: three for three, two in LANGUAGE_ALIASES.items() if len(three) == 3}
# Languages a caseworker asks for (relative weights).
QUERY_LANGUAGES: dict[str, int] = {
    "es": 45,
    "en": 35,
    "ht": 4,
    "vi": 4,
    "zh": 4,
    "ar": 3,
    "fr": 2,
    "pt": 2,
    "ru": 1,
}
# Open Eligibility situations: who a service is for (code, share of services).
SITUATIONS: tuple[tuple[str, float], ...] = (
    ("20036", 0.05),  # female
    ("20037", 0.02),  # male
    ("20038", 0.01),  # transgender
    ("20084", 0.10),  # human trafficking survivors
    ("20004", 0.15),  # teens
    ("20040", 0.05),  # foster youth
    ("20076", 0.04),  # young parents
    ("20078", 0.05),  # LGBTQ
)
DOCUMENTS = (
    "Photo ID",
    "Proof of address",
    "Birth certificate",
    "Insurance card or Medicaid number",
    "Parent or guardian consent for minors",
)
UNITS = ("beds", "appointments", "openings")
ORGANIZATION_WORDS = ("Youth Services", "Family Center", "Alliance", "Network", "House", "Project")
NAME_WORDS = (
    "Harbor", "Beacon", "Bridge", "Horizon", "Compass", "Haven", "Lighthouse", "Anchor",
    "Pathways", "Open Door", "New Leaf", "Cornerstone", "Safe Passage", "Northstar",
    "Riverbend", "Summit", "Kinship", "Evergreen", "Crossroads", "Sunrise", "Hope Landing",
    "Journey", "Springs",
)  # fmt: skip
DOMAIN_WORDS: dict[str, tuple[str, ...]] = {
    "shelter": ("Youth Shelter", "Transitional Housing", "Safe House", "Housing Help"),
    "food": ("Food Pantry", "Community Meals", "Nutrition Program"),
    "clothing": ("Clothing Closet", "Clothing Vouchers"),
    "language": ("Interpreting Services",),
    "legal": ("Legal Aid", "Immigration Legal Services", "Youth Law Project"),
    "benefits": ("Benefits Enrollment", "Benefits Navigation"),
    "court_advocacy": ("Court Advocacy",),
    "transportation": ("Rides to Care", "Transit Passes"),
    "medical": ("Teen Health Clinic", "Community Health Center", "Mobile Clinic"),
    "substance_use": ("Recovery Services", "Youth Substance Use Program"),
    "mental_health": ("Trauma Counseling", "Youth Therapy", "Crisis Counseling"),
    "family": ("Family Support", "Parenting Program", "Family Reunification"),
    "compensation": ("Victim Compensation Help",),
    "community": ("Youth Center", "Mentoring Program"),
    "education": ("GED Program", "Tutoring Center", "School Reentry"),
    "employment": ("Job Training", "Youth Employment Program"),
}
HOUSING_DOMAINS = frozenset({"shelter"})


# --- Places -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Home:
    """Where an organization (or a question) is: a city or a rural ZIP, and how far it spreads."""

    label: str
    state: str
    latitude: float
    longitude: float
    spread_miles: float
    postal_code: str


@functools.cache
def _city_homes() -> tuple[tuple[Home, ...], list[float]]:
    homes = tuple(
        Home(f"{name}, {state}", state, lat, lon, 3 + 5 * math.sqrt(pop / 1000), zip5)
        for name, state, lat, lon, pop, zip5 in CITIES
    )
    cumulative: list[float] = []
    total = 0.0
    for _name, _state, _lat, _lon, pop, _zip in CITIES:
        total += pop
        cumulative.append(total)
    return homes, cumulative


@functools.cache
def _rural_homes() -> tuple[Home, ...]:
    """Every standard U.S. ZIP code's centre, in ZIP order (Alaska and Hawaii included)."""
    import zipcodes

    homes = []
    for z in sorted(zipcodes.list_all(), key=lambda z: z["zip_code"]):
        lat, lon = float(z["lat"]), float(z["long"])
        if z["zip_code_type"] != "STANDARD" or (lat == 0 and lon == 0):
            continue
        homes.append(Home(f"{z['city']}, {z['state']}", z["state"], lat, lon, 3.0, z["zip_code"]))
    return tuple(homes)


def _home(rng: random.Random, rural_share: float = 0.15) -> Home:
    if rng.random() < rural_share:
        return rng.choice(_rural_homes())
    homes, cumulative = _city_homes()
    return rng.choices(homes, cum_weights=cumulative)[0]


def _point_near(rng: random.Random, home: Home) -> tuple[float, float]:
    """A point around `home`, Gaussian with `spread_miles` in each direction."""
    north = rng.gauss(0, home.spread_miles)
    east = rng.gauss(0, home.spread_miles)
    lat = max(-89.9, min(89.9, home.latitude + north / 69.0))
    lon = home.longitude + east / (69.0 * math.cos(math.radians(home.latitude)))
    lon = (lon + 180.0) % 360.0 - 180.0
    return round(lat, 6), round(lon, 6)


# --- The builder ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    services: int = DEFAULT_SERVICES
    seed: int = DEFAULT_SEED
    chunk: int = CHUNK

    @property
    def chunks(self) -> int:
        return math.ceil(self.services / self.chunk)

    def chunk_size(self, number: int) -> int:
        return min(self.chunk, self.services - number * self.chunk)

    def chunk_marker(self, number: int) -> uuid.UUID:
        """The id of the chunk's first organization: present means the chunk is built."""
        return uuid.uuid5(BENCH_NAMESPACE, f"{self.seed}/{self.chunk}/{number}")

    @property
    def locations(self) -> int:
        return sum(self._locations_in(n) for n in range(self.chunks))

    def _locations_in(self, number: int) -> int:
        return round(self.chunk_size(number) * LOCATIONS_PER_SERVICE)


@dataclass
class BuildReport:
    chunks_built: int
    chunks_skipped: int
    seconds: float
    counts: dict[str, int]

    @property
    def fresh(self) -> bool:
        return self.chunks_skipped == 0


def unit_id(name: str) -> uuid.UUID:
    return uuid.uuid5(BENCH_NAMESPACE, f"unit/{name}")


class _Rows:
    """Rows for one table, in the order of `columns` (attnames), written with executemany."""

    def __init__(self, model: type[Model], columns: Sequence[str]) -> None:
        self.model = model
        self.columns = tuple(columns)
        self.rows: list[tuple[Any, ...]] = []

    def add(self, *values: Any) -> None:
        self.rows.append(values)

    def write(self, batch: int = 2_000) -> None:
        if not self.rows:
            return
        meta = self.model._meta
        by_attname = {f.attname: f for f in meta.concrete_fields}
        given = [by_attname[c] for c in self.columns]
        rest = [f for f in meta.concrete_fields if f.attname not in self.columns]
        # Columns not given take the model's default, prepared once for the database.
        constants = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
        quote = connection.ops.quote_name
        names = ", ".join(quote(str(f.column)) for f in [*given, *rest])
        marks = ", ".join(["%s"] * (len(given) + len(rest)))
        sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608
        with connection.cursor() as cursor:
            for start in range(0, len(self.rows), batch):
                cursor.executemany(
                    sql, [(*row, *constants) for row in self.rows[start : start + batch]]
                )
        self.rows.clear()


def _db_uuid() -> Callable[[uuid.UUID | None], Any]:
    if connection.features.has_native_uuid_field:
        return lambda value: value
    return lambda value: value.hex if value is not None else None


def load_reference_rows() -> None:
    """Open Eligibility's two taxonomies and every term (ids from taxonomy.term_id), and the
    capacity units; rows already present are left alone."""
    u = _db_uuid()
    if not Taxonomy.objects.filter(pk__in=[t["id"] for t in taxonomy.hsds_taxonomies()]).exists():
        rows = _Rows(Taxonomy, ("id", "name", "description", "uri", "version"))
        for tax in taxonomy.hsds_taxonomies():
            rows.add(
                u(uuid.UUID(tax["id"])), tax["name"], tax["description"], tax["uri"], tax["version"]
            )
        rows.write()
    present = set(TaxonomyTerm.objects.values_list("pk", flat=True))
    terms = _Rows(
        TaxonomyTerm,
        ("id", "code", "name", "description", "parent_id", "taxonomy", "taxonomy_detail_id"),
    )
    for t in taxonomy.hsds_terms():
        term_uuid = uuid.UUID(str(t["id"]))
        if term_uuid in present:
            continue
        parent = uuid.UUID(str(t["parent_id"])) if t["parent_id"] else None
        detail = uuid.UUID(str(t["taxonomy_id"]))
        terms.add(
            u(term_uuid),
            t["code"],
            t["name"],
            t["description"],
            u(parent),
            t["taxonomy"],
            u(detail),
        )
    terms.write()
    units = _Rows(Unit, ("id", "name", "scheme"))
    have = set(Unit.objects.values_list("pk", flat=True))
    for name in UNITS:
        if unit_id(name) not in have:
            units.add(u(unit_id(name)), name, "continuum-bench")
    units.write()


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _languages(rng: random.Random, state: str) -> list[str]:
    """English (95%) and up to two more, with regional frequencies; 1 to 3 in all."""
    codes = ["en"] if rng.random() < 0.95 else []
    for code, usual, local, states in OTHER_LANGUAGES:
        if rng.random() < (local if state in states else usual):
            codes.append(code)
    if not codes:
        codes = ["es"]
    return codes[:3]


def _area_name(rng: random.Random, home: Home) -> str | None:
    """A service area, for a few services: a state (by code or name), the whole country, a
    city ("Saint Paul, MN") or a list of ZIP codes; None for most."""
    draw = rng.random()
    if draw < 0.012:
        return home.state
    if draw < 0.015:
        return STATE_NAMES.get(home.state, home.state)
    if draw < 0.018:
        return "Nationwide"
    if draw < 0.026:
        return home.label
    if draw < 0.036:
        other = rng.choice(_rural_homes()).postal_code
        return f"{home.postal_code}, {other}"
    return None


def _build_chunk(spec: Spec, number: int) -> None:
    rng = random.Random(f"continuum-bench/{spec.seed}/{spec.chunk}/{number}")
    u = _db_uuid()
    dt = connection.ops.adapt_datetimefield_value
    day = connection.ops.adapt_datefield_value
    today = BENCH_TODAY
    noon = datetime.datetime.combine(today, datetime.time(12), tzinfo=datetime.UTC)

    def new_id() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    built_services: list[uuid.UUID] = []

    organizations = _Rows(Organization, ("id", "name", "description", "email"))
    services = _Rows(
        Service,
        (
            "id",
            "organization_id",
            "name",
            "description",
            "status",
            "interpretation_services",
            "minimum_age",
            "maximum_age",
            "assured_date",
            "last_modified",
        ),
    )
    locations = _Rows(
        Location,
        ("id", "organization_id", "location_type", "name", "latitude", "longitude", "confidential"),
    )
    at_locations = _Rows(ServiceAtLocation, ("id", "service_id", "location_id"))
    languages = _Rows(Language, ("id", "service_id", "code", "name"))
    site_languages = _Rows(Language, ("id", "location_id", "code", "name"))
    attributes = _Rows(Attribute, ("id", "link_id", "taxonomy_term_id", "link_entity"))
    capacities = _Rows(
        ServiceCapacity, ("id", "service_id", "unit_id", "available", "maximum", "updated")
    )
    areas = _Rows(ServiceArea, ("id", "service_id", "service_at_location_id", "name"))
    documents = _Rows(RequiredDocument, ("id", "service_id", "document"))

    size = spec.chunk_size(number)
    n_locations = spec._locations_in(number)
    # Which services get a second location: exactly enough for n_locations in this chunk.
    second = set(rng.sample(range(size), n_locations - size))
    domains = list(DOMAIN_WEIGHTS)
    domain_weights = list(DOMAIN_WEIGHTS.values())
    made = 0
    first_org = True
    while made < size:
        org_id = spec.chunk_marker(number) if first_org else new_id()
        first_org = False
        home = _home(rng)
        word = rng.choice(NAME_WORDS)
        kind = rng.choice(ORGANIZATION_WORDS)
        org_name = f"{word} {kind} of {home.label.split(',')[0]}"
        organizations.add(
            u(org_id),
            org_name,
            f"A synthetic organization in {home.label}.",
            f"info{made}@{word.lower()}.example",
        )
        org_locations: list[tuple[uuid.UUID, uuid.UUID]] = []  # (location, service)
        for _ in range(min(rng.choice((1, 1, 1, 2, 2, 3, 4, 6)), size - made)):
            index = made
            made += 1
            service_id = new_id()
            built_services.append(service_id)
            chosen: list[str] = []
            for _k in range(rng.choices((1, 2, 3), weights=(60, 30, 10))[0]):
                d = rng.choices(domains, weights=domain_weights)[0]
                if d not in chosen:
                    chosen.append(d)
            low, high, _w = rng.choices(AGE_RANGES, weights=[w for *_r, w in AGE_RANGES])[0]
            status = rng.choices(
                (
                    ServiceStatus.ACTIVE,
                    ServiceStatus.INACTIVE,
                    ServiceStatus.TEMPORARILY_CLOSED,
                    ServiceStatus.DEFUNCT,
                ),
                weights=(92, 4, 2, 2),
            )[0]
            checked = rng.random()
            assured = (
                today - datetime.timedelta(days=rng.randint(0, 180))
                if checked < 0.7
                else today - datetime.timedelta(days=rng.randint(181, 720))
                if checked < 0.9
                else None
            )
            services.add(
                u(service_id),
                u(org_id),
                f"{word} {rng.choice(DOMAIN_WORDS[chosen[0]])}",
                f"Synthetic listing: {', '.join(chosen)} in {home.label}.",
                status.value,
                "Telephone interpreter line" if rng.random() < 0.2 else "",
                low,
                high,
                day(assured) if assured else None,
                dt(noon - datetime.timedelta(days=rng.randint(0, 400))),
            )
            # Locations: one, or two for the chosen services; a few also share a sibling's.
            housing = any(d in HOUSING_DOMAINS for d in chosen)
            for _n in range(2 if index in second else 1):
                location_id = new_id()
                lat, lon = _point_near(rng, home)
                locations.add(
                    u(location_id),
                    u(org_id),
                    "physical",
                    f"{org_name} — site {len(org_locations) + 1}",
                    lat,
                    lon,
                    rng.random() < (0.3 if housing else 0.02),
                )
                org_locations.append((location_id, service_id))
                sal_id = new_id()
                at_locations.add(u(sal_id), u(service_id), u(location_id))
                if rng.random() < 0.005:
                    areas.add(u(new_id()), None, u(sal_id), home.state)
                # A few sites list a language of their own (HSDS allows it per location).
                if rng.random() < 0.05:
                    others = [c for c in _languages(rng, home.state) if c != "en"]
                    code = rng.choice(others or ["es"])
                    site_languages.add(u(new_id()), u(location_id), code, LANGUAGE_NAMES[code])
            if len(org_locations) > 1 and rng.random() < 0.1:
                siblings = [loc for loc, svc in org_locations if svc != service_id]
                if siblings:
                    at_locations.add(u(new_id()), u(service_id), u(rng.choice(siblings)))
            # Languages, sometimes written in ISO 639-3 as HSDS allows; a few listings name
            # none (matching reads those as English).
            for code in _languages(rng, home.state) if rng.random() >= 0.03 else []:
                written = THREE_LETTER.get(code, code) if rng.random() < 0.05 else code
                languages.add(u(new_id()), u(service_id), written, LANGUAGE_NAMES[code])
            # Taxonomy: one or two of each domain's terms, and a few situations.
            codes: list[str] = []
            for d in chosen:
                terms = NEED_DOMAIN_TERMS[d]
                codes += rng.sample(terms, min(len(terms), rng.choice((1, 1, 2))))
            codes += [code for code, share in SITUATIONS if rng.random() < share]
            for code in dict.fromkeys(codes):
                attributes.add(u(new_id()), u(service_id), u(taxonomy.term_id(code)), "service")
            # Capacity: none for a quarter; a third of the rest full; some with an older
            # figure for the same unit, some with a second unit.
            if rng.random() < 0.75:
                unit = "beds" if housing else rng.choice(("appointments", "openings"))
                updated = noon - datetime.timedelta(minutes=rng.randint(0, 45 * 24 * 60))
                available = 0 if rng.random() < 0.3 else rng.randint(1, 12)
                maximum = None if rng.random() < 0.2 else available + rng.randint(0, 20)
                capacities.add(
                    u(new_id()), u(service_id), u(unit_id(unit)), available, maximum, dt(updated)
                )
                if rng.random() < 0.08:
                    older = updated - datetime.timedelta(days=rng.randint(10, 90))
                    capacities.add(
                        u(new_id()),
                        u(service_id),
                        u(unit_id(unit)),
                        rng.randint(0, 12),
                        maximum,
                        dt(older),
                    )
                if rng.random() < 0.05:
                    other = "openings" if unit != "openings" else "appointments"
                    capacities.add(
                        u(new_id()),
                        u(service_id),
                        u(unit_id(other)),
                        rng.randint(0, 5),
                        None,
                        dt(updated),
                    )
            area = _area_name(rng, home)
            if area is not None:
                areas.add(u(new_id()), u(service_id), None, area)
            if rng.random() < 0.2:
                for document in rng.sample(DOCUMENTS, rng.choice((1, 1, 2))):
                    documents.add(u(new_id()), u(service_id), document)
    # Parents before children (foreign keys are checked at commit on both databases, but
    # PostgreSQL checks them per statement unless deferred).
    for rows in (
        organizations,
        services,
        locations,
        at_locations,
        languages,
        site_languages,
        attributes,
        capacities,
        areas,
        documents,
    ):
        rows.write()
    # The bulk writes above send no signals: the chunk's match index rows, as any import.
    match_index.refresh(built_services)


DIRECTORY_TABLES: tuple[type[Model], ...] = (
    Organization,
    Service,
    Location,
    ServiceAtLocation,
    Language,
    Attribute,
    ServiceCapacity,
    ServiceArea,
    RequiredDocument,
    TaxonomyTerm,
    MatchSite,
    MatchArea,
)


def counts() -> dict[str, int]:
    return {m._meta.db_table: m._default_manager.count() for m in DIRECTORY_TABLES}


def build(
    spec: Spec,
    *,
    progress: Callable[[str], None] = lambda line: None,
    analyze: bool = True,
) -> BuildReport:
    """Build the directory `spec` describes, skipping chunks already built; see the module doc.

    Refuses a database that holds services of another spec (a different seed or size), so
    that two benchmarks never mix.
    """
    started = time.perf_counter()
    load_reference_rows()
    present = set(
        Organization.objects.filter(
            pk__in=[spec.chunk_marker(n) for n in range(spec.chunks)]
        ).values_list("pk", flat=True)
    )
    expected = sum(
        spec.chunk_size(n) for n in range(spec.chunks) if spec.chunk_marker(n) in present
    )
    found = Service.objects.count()
    if found != expected:
        raise RuntimeError(
            f"the database holds {found:,} services, but the chunks of this spec found in it "
            f"hold {expected:,}: it was built with another seed or size, or by hand. "
            "Start from an empty database (--fresh)."
        )
    built = 0
    for number in range(spec.chunks):
        if spec.chunk_marker(number) in present:
            continue
        chunk_started = time.perf_counter()
        with transaction.atomic():
            _build_chunk(spec, number)
        built += 1
        done = len(present) + built
        progress(
            f"  chunk {number + 1}/{spec.chunks}: {spec.chunk_size(number):,} services "
            f"in {time.perf_counter() - chunk_started:.1f} s ({done}/{spec.chunks} built)"
        )
    if analyze and built:
        analyze_tables()
    return BuildReport(
        chunks_built=built,
        chunks_skipped=len(present),
        seconds=time.perf_counter() - started,
        counts=counts(),
    )


def analyze_tables() -> None:
    """The state a live database settles into after a bulk load: planner statistics (both
    databases) and, on PostgreSQL, a vacuum, which is what lets it answer from an index alone
    (autovacuum would do both within minutes)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")


# --- The question, asked two ways ------------------------------------------------------------


def random_queries(count: int, *, seed: int = DEFAULT_SEED) -> list[MatchCriteria]:
    """`count` caseworker questions at population-weighted places: a need, an age from 11 to
    24, a language the service must speak, 25 miles, room today."""
    rng = random.Random(f"continuum-bench-queries/{seed}")
    queries = []
    for _ in range(count):
        home = _home(rng, rural_share=0.10)
        place = place_for_zip(_nearest_zip(*_point_near(rng, home)))
        assert place is not None
        queries.append(
            MatchCriteria(
                today=BENCH_TODAY,
                domain=_weighted(rng, DOMAIN_WEIGHTS),
                age=rng.randint(11, 24),
                language=_weighted(rng, QUERY_LANGUAGES),
                language_required=True,
                place=place,
                radius_miles=RADIUS_MILES,
                room_today=True,
            )
        )
    return queries


@functools.cache
def _zip_grid() -> dict[tuple[int, int], list[Home]]:
    grid: dict[tuple[int, int], list[Home]] = {}
    for home in _rural_homes():
        grid.setdefault((math.floor(home.latitude), math.floor(home.longitude)), []).append(home)
    return grid


def _nearest_zip(lat: float, lon: float) -> str:
    """The ZIP code whose centre is nearest the point (what a case manager would type)."""
    grid = _zip_grid()
    row, col = math.floor(lat), math.floor(lon)
    for reach in range(1, 30):
        near = [
            home
            for r in range(row - reach, row + reach + 1)
            for c in range(col - reach, col + reach + 1)
            for home in grid.get((r, c), ())
        ]
        if near:
            best = min(near, key=lambda h: geo.haversine_miles(lat, lon, h.latitude, h.longitude))
            return best.postal_code
    raise ValueError(f"no ZIP code near {lat}, {lon}")


def orm_match(criteria: MatchCriteria) -> list[uuid.UUID]:
    """The product path: `match_services`, ranked and explained; its services' ids."""
    return [m.service.pk for m in match_services(criteria)]


def orm_find(criteria: MatchCriteria) -> list[uuid.UUID]:
    """Only what the hand-written statement does, through the ORM: every service that
    passes the rules, with how near (matching.find_candidates); no ranking, no reasons."""
    return find_candidates(criteria).ids


# The hard rules of matching.candidates, by hand, on a row of the match index
# (directory/match_index.py, `m`): tagged with one of the need's terms; the age inside the
# range (a missing bound is no bound); the language listed by the service or one of its
# locations (or, for English, no language listed at all); not known to be full. {terms} is
# an OR of LIKEs on named placeholders; nothing from the criteria is pasted into the SQL.
_RULES = """
    ({terms})
    AND (m.minimum_age IS NULL OR m.minimum_age <= %(age)s)
    AND (m.maximum_age IS NULL OR m.maximum_age >= %(age)s)
    AND (m.languages LIKE %(language)s{english})
    AND m.not_full = %(true)s
"""
# Haversine in miles from (%(phi)s, %(lambda)s) in radians; `{least}` is the two-argument
# minimum (SQLite: min, PostgreSQL: least).
_HAVERSINE = """
    2 * %(earth)s * asin(sqrt({least}(1.0,
        power(sin((radians(m.latitude) - %(phi)s) / 2), 2)
        + %(cos_phi)s * cos(radians(m.latitude))
          * power(sin((radians(m.longitude) - %(lambda)s) / 2), 2))))
"""
# One statement: services with a site in the box and within the radius (a confidential
# site is at its general area in the index), with the nearest site's distance; plus
# services whose service area covers the place (distance NULL); nearest first. A box across
# the date line is two longitude ranges, otherwise the same range twice.
_MATCH = """
SELECT service_id, MIN(miles) AS miles
FROM (
    SELECT service_id, miles FROM (
        SELECT m.service_id AS service_id, {haversine} AS miles
        FROM directory_matchsite m
        WHERE m.latitude BETWEEN %(min_lat)s AND %(max_lat)s
          AND (m.longitude BETWEEN %(west1)s AND %(east1)s
               OR m.longitude BETWEEN %(west2)s AND %(east2)s)
          AND {rules}
    ) in_box
    WHERE miles <= %(radius_limit)s
    UNION ALL
    SELECT m.service_id AS service_id, NULL AS miles
    FROM directory_matcharea m
    WHERE m.key IN ({area_names}) AND {rules}
) found
GROUP BY service_id
ORDER BY MIN(miles) IS NULL, MIN(miles), service_id
"""
# geo.within_radius lets a point a micro-mile past the radius in.
_RADIUS_SLACK_MILES = 1e-6


def raw_sql(criteria: MatchCriteria) -> tuple[str, dict[str, Any]]:
    """The hand-written statement for this database, and its parameters."""
    place = criteria.place
    if place is None or criteria.domain is None or criteria.age is None:
        raise ValueError("the benchmark's question has a need, an age and a place")
    if criteria.text or criteria.gender or criteria.transgender:
        raise ValueError("the benchmark's question has no words and no gender")
    if not (criteria.language and criteria.language_required and criteria.room_today):
        raise ValueError("the benchmark's question requires a language and room today")
    base = language_code(criteria.language)
    params: dict[str, Any] = {
        "age": criteria.age,
        "true": True,
        "language": f"%|{base}|%",
        "earth": geo.EARTH_RADIUS_MILES,
        "phi": math.radians(place.latitude),
        "cos_phi": math.cos(math.radians(place.latitude)),
        "lambda": math.radians(place.longitude),
        "radius_limit": criteria.radius_miles + _RADIUS_SLACK_MILES,
    }
    codes = NEED_DOMAIN_TERMS.get(criteria.domain, ())
    marks = _named(params, "term", [f"%|{code}|%" for code in codes]).split(", ")
    terms = " OR ".join(f"m.terms LIKE {mark}" for mark in marks) if codes else "1 = 0"
    area_names = _named(params, "area", sorted(n.lower() for n in matching_area_names(place)))
    box = geo.bounding_box(place.latitude, place.longitude, criteria.radius_miles)
    ranges = box.longitude_ranges()
    (params["west1"], params["east1"]), (params["west2"], params["east2"]) = (
        ranges[0],
        ranges[-1],
    )
    params["min_lat"], params["max_lat"] = box.min_lat, box.max_lat
    least = "least" if connection.vendor == "postgresql" else "min"
    rules = _RULES.format(terms=terms, english=" OR m.languages = ''" if base == ENGLISH else "")
    sql = _MATCH.format(
        haversine=_HAVERSINE.format(least=least), rules=rules, area_names=area_names
    )
    return sql, params


def _named(params: dict[str, Any], prefix: str, values: Iterable[Any]) -> str:
    marks = []
    for i, value in enumerate(values):
        params[f"{prefix}{i}"] = value
        marks.append(f"%({prefix}{i})s")
    return ", ".join(marks)


def raw_match(criteria: MatchCriteria) -> list[tuple[uuid.UUID, float | None]]:
    """The same question in one hand-written SQL statement: (service id, miles), nearest first
    (services found only through their service area last, with no distance)."""
    sql, params = raw_sql(criteria)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.features.has_native_uuid_field:
        return [(service_id, miles) for service_id, miles in rows]
    return [(uuid.UUID(service_id), miles) for service_id, miles in rows]


# --- Timing -----------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), linear between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    k = (len(ordered) - 1) * p / 100
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


@dataclass
class Timings:
    """Wall-clock milliseconds per query, and CPU milliseconds (see `_timed`). On a shared
    machine the wall clock includes waiting for a CPU; the CPU time does not. SQLite works
    in this thread, so its CPU time is the whole cost; for PostgreSQL the server process's
    CPU time is added when this machine's kernel shows it."""

    milliseconds: list[float] = field(default_factory=list)
    cpu_milliseconds: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        ms, cpu = self.milliseconds, self.cpu_milliseconds
        return {
            "p50": percentile(ms, 50),
            "p95": percentile(ms, 95),
            "max": max(ms) if ms else math.nan,
            "mean": statistics.fmean(ms) if ms else math.nan,
            "cpu_p50": percentile(cpu, 50),
            "cpu_p95": percentile(cpu, 95),
            "cpu_max": max(cpu) if cpu else math.nan,
        }


@dataclass
class Measurement:
    orm: Timings
    raw: Timings
    matches: list[int]
    queries: int
    warmup: int
    mismatches: list[str]
    load: list[tuple[float, float, float]] = field(default_factory=list)
    seconds: float = 0.0
    # The finding step alone (orm_find): the like-for-like comparison with the statement.
    find: Timings = field(default_factory=Timings)
    # (place, need, language, services found, match_services CPU ms, raw SQL CPU ms)
    asked: list[tuple[str, str, str, int, float, float]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        orm, raw, find = self.orm.summary(), self.raw.summary(), self.find.summary()
        return {
            "find_ms": find,
            "find_cpu_ratio_p50": find["cpu_p50"] / raw["cpu_p50"],
            "find_cpu_ratio_p95": find["cpu_p95"] / raw["cpu_p95"],
            "queries": self.queries,
            "warmup": self.warmup,
            "seconds": self.seconds,
            "load_average": self.load,
            "orm_ms": orm,
            "raw_ms": raw,
            "ratio_p50": orm["p50"] / raw["p50"],
            "ratio_p95": orm["p95"] / raw["p95"],
            "cpu_ratio_p50": orm["cpu_p50"] / raw["cpu_p50"],
            "cpu_ratio_p95": orm["cpu_p95"] / raw["cpu_p95"],
            "matches": {
                "p50": percentile(self.matches, 50),
                "p95": percentile(self.matches, 95),
                "max": max(self.matches),
                "zero": sum(1 for m in self.matches if m == 0),
            },
            "mismatches": self.mismatches,
            "slowest": [
                dict(zip(_ASKED, q, strict=True))
                for q in sorted(self.asked, key=lambda q: q[4], reverse=True)[:10]
            ],
        }


_ASKED = ("place", "need", "language", "found", "orm_cpu_ms", "raw_cpu_ms")


def _timed(call: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall ms, CPU ms, what `call` returned). CPU is this thread's (user + system) plus,
    on PostgreSQL, the CPU time of our server process when the kernel shows it (a server
    on this machine: /proc/<pid>/schedstat)."""
    server = _server_schedstat()
    server_before = _cpu_ns(server)
    cpu, started = time.thread_time(), time.perf_counter()
    result = call()
    wall, cpu = time.perf_counter() - started, time.thread_time() - cpu
    return wall * 1000, cpu * 1000 + (_cpu_ns(server) - server_before) / 1e6, result


def _server_schedstat() -> Path | None:
    """Where the kernel counts our PostgreSQL server process's CPU time, if we can read it."""
    if connection.vendor != "postgresql":
        return None
    connection.ensure_connection()
    key = id(connection.connection)
    if key not in _SCHEDSTAT:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            row = cursor.fetchone()
        path = Path(f"/proc/{row[0]}/schedstat") if row else None
        _SCHEDSTAT[key] = path if path is not None and _cpu_ns(path) >= 0 else None
    return _SCHEDSTAT[key]


_SCHEDSTAT: dict[int, Path | None] = {}


def _cpu_ns(path: Path | None) -> int:
    if path is None:
        return 0
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return -1


def server_cpu_counted() -> bool:
    """Whether CPU figures include the database server's (always true of SQLite, which
    works in this thread)."""
    return connection.vendor != "postgresql" or _server_schedstat() is not None


def measure(
    queries: Sequence[MatchCriteria],
    *,
    warmup: int = 20,
    budget_seconds: float | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> Measurement:
    """Ask each question both ways (alternating which goes first); the first `warmup` are not
    counted. Each answer is checked: match_services' results (its top `limit`) must be
    among the raw statement's services, and as many as min(limit, raw count). With a
    budget, timing stops once it is spent (after at least 10 timed queries), so that a slow
    version of matching still gives figures in reasonable time; `queries` says how many."""
    result = Measurement(Timings(), Timings(), [], len(queries) - warmup, warmup, [])
    started = time.perf_counter()
    for i, criteria in enumerate(queries):
        if i == warmup:
            result.load.append(os.getloadavg())
        if i % 2 == 0:
            orm_ms, orm_cpu, orm_ids = _timed(functools.partial(orm_match, criteria))
            raw_ms, raw_cpu, raw_rows = _timed(functools.partial(raw_match, criteria))
        else:
            raw_ms, raw_cpu, raw_rows = _timed(functools.partial(raw_match, criteria))
            orm_ms, orm_cpu, orm_ids = _timed(functools.partial(orm_match, criteria))
        find_ms, find_cpu, find_ids = _timed(functools.partial(orm_find, criteria))
        raw_ids = {service_id for service_id, _miles in raw_rows}
        if set(find_ids) != raw_ids:
            result.mismatches.append(
                f"query {i}: find_candidates gave {len(find_ids)}, raw SQL {len(raw_ids)}"
            )
        if not set(orm_ids) <= raw_ids or len(orm_ids) != min(criteria.limit, len(raw_ids)):
            result.mismatches.append(
                f"query {i}: match_services gave {len(orm_ids)}, raw SQL {len(raw_ids)}, "
                f"{len(set(orm_ids) - raw_ids)} of match_services' not in raw SQL's"
            )
        if i < warmup:
            continue
        result.orm.milliseconds.append(orm_ms)
        result.orm.cpu_milliseconds.append(orm_cpu)
        result.raw.milliseconds.append(raw_ms)
        result.raw.cpu_milliseconds.append(raw_cpu)
        result.find.milliseconds.append(find_ms)
        result.find.cpu_milliseconds.append(find_cpu)
        place = criteria.place.label if criteria.place else ""
        result.asked.append(
            (place, criteria.domain or "", criteria.language, len(raw_ids), orm_cpu, raw_cpu)
        )
        result.matches.append(len(raw_ids))
        done = i + 1 - warmup
        if done % 50 == 0:
            progress(f"  {done}/{len(queries) - warmup} queries")
        spent = time.perf_counter() - started
        if budget_seconds is not None and done >= 10 and spent > budget_seconds:
            progress(f"  time budget spent after {done} timed queries ({spent:.0f} s)")
            break
    result.queries = len(result.orm.milliseconds)
    result.load.append(os.getloadavg())
    result.seconds = time.perf_counter() - started
    return result


def unlimited(criteria: MatchCriteria) -> MatchCriteria:
    """The same question with every result kept (match_services keeps the best `limit`)."""
    return dataclasses.replace(criteria, limit=10**9)


# --- Sizes and plans --------------------------------------------------------------------------


def table_sizes() -> list[tuple[str, int, int | None]]:
    """(table, rows, bytes with its indexes, or None where the database cannot say)."""
    rows = counts()
    sizes: dict[str, int | None] = dict.fromkeys(rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in rows:
                cursor.execute("SELECT pg_total_relation_size(%s)", [table])
                sizes[table] = cursor.fetchone()[0]
        else:
            try:
                cursor.execute(
                    "SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat d "
                    "JOIN sqlite_master m ON m.name = d.name GROUP BY m.tbl_name"
                )
                by_table = dict(cursor.fetchall())
                for table in rows:
                    sizes[table] = by_table.get(table)
            except DatabaseError:
                # dbstat is a compile-time option of SQLite; without it, rows only.
                return [(table, count, None) for table, count in rows.items()]
    return [(table, count, sizes[table]) for table, count in rows.items()]


def database_bytes() -> int | None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
        else:
            cursor.execute(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
            )
        row = cursor.fetchone()
    return int(row[0]) if row else None


@dataclass
class Statement:
    """One SQL statement match_services sent: run again alone, fetched whole, and explained."""

    sql: str
    params: Any
    milliseconds: float
    rows: int
    plan: list[str]


def explain(criteria: MatchCriteria) -> tuple[float, list[Statement]]:
    """match_services' CPU milliseconds for `criteria` (see `_timed`), and each statement it
    sent, run again alone (best of three, every row fetched, CPU milliseconds) with the
    database's plan for it (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE). What
    the statements do not account for is Django and matching's Python."""
    sent: list[tuple[str, Any]] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append((sql, params))
        return execute(sql, params, many, context)

    orm_match(criteria)  # warm
    _server_schedstat()  # its own query, before recording
    with connection.execute_wrapper(record):
        _wall, total, _ids = _timed(functools.partial(orm_match, criteria))
    statements = []
    with connection.cursor() as cursor:
        for sql, params in sent:
            best, rows = math.inf, 0
            for _ in range(3):
                _wall, cpu, rows = _timed(functools.partial(_run, cursor, sql, params))
                best = min(best, cpu)
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = [row[0] for row in cursor.fetchall()]
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                plan = [f"{row[1]:>4} {row[3]}" for row in cursor.fetchall()]
            statements.append(Statement(sql, params, best, rows, plan))
    return total, statements


def _run(cursor: Any, sql: str, params: Any) -> int:
    cursor.execute(sql, params)
    return len(cursor.fetchall())
