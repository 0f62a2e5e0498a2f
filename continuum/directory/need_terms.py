"""Which Open Eligibility service terms meet each need domain (issue #7). This is data.

Keys are the need-domain codes of continuum/needs/defaults.py; values are service term codes
of the vendored Open Eligibility taxonomy (continuum/directory/taxonomy.py). A directory
service tagged with any of a domain's codes is offered for that need.

Codes are matched as written, not widened to their narrower terms: the taxonomy's branches
drift (Housing > Residential Housing > Short-Term Housing > Nursing Home), so each useful
term is listed by itself. Open Eligibility files one idea in several places under separate
codes (three "Food Benefits", two "Emergency Shelter"), so every copy that fits is listed;
the comment after a code gives the term's name and, where it helps, its place in the tree.

Open Eligibility has no term for some of what the guidelines ask for (court accompaniment,
crime victim compensation, criminal legal help, cultural communities); the comments say which
nearest terms stand in. "other" maps to nothing: a need that fits no domain has no term.
A test checks every code exists and is a service term.
"""

from __future__ import annotations

# Open Eligibility's human situations that say which genders a service is for: women,
# men, transgender (matching reads them to rule out or caution).
GENDER_TERMS: tuple[str, str, str] = ("20036", "20037", "20038")
# And those a case manager may prefer (matching.PREFERRED_SITUATIONS says them in words):
# survivors of trafficking, LGBTQ, teens, foster care, parents.
SITUATION_TERMS: tuple[str, ...] = ("20084", "20078", "20004", "20040", "20076")

NEED_DOMAIN_TERMS: dict[str, tuple[str, ...]] = {
    "shelter": (
        "1103",  # Housing: the top-level term, for programs tagged broadly
        "1121",  # Emergency > Emergency Shelter: a safe bed tonight
        "1135",  # Housing > Emergency Shelter: the same, filed under Housing
        "1125",  # Emergency > Immediate Safety > Safe Housing: confidential safe housing
        "1151",  # Housing > Residential Housing > Safe Housing: the same, under Housing
        "1152",  # Short-Term Housing: transitional and residential programs
        "1146",  # Long-Term Housing: where to live later on
        "1148",  # Independent Living: youth moving on from care or a program
        "1136",  # Housing > Help Find Housing
        "1295",  # Navigating the System > Help Find Housing
        "1116",  # Emergency Payments > Help Pay for Housing
        "1137",  # Housing > Help Pay for Housing
    ),
    "food": (
        "1102",  # Food: the top-level term
        "1120",  # Emergency > Emergency Food: something to eat today
        "1128",  # Food > Emergency Food
        "1130",  # Food Pantry: groceries the survivor chooses, so food can be culturally right
        "1131",  # Free Meals
        "1129",  # Food Delivery
        "1134",  # Food > Nutrition
        "1114",  # Emergency Payments > Help Pay for Food
        "1132",  # Food > Help Pay for Food
        "1133",  # Food > Help Pay for Food > Food Benefits (SNAP, WIC)
    ),
    "clothing": (
        "1158",  # Goods > Clothing
        "1160",  # Clothing > Clothes for School
        "1161",  # Clothing > Clothes for Work
        "1162",  # Clothing Vouchers: buy what fits and suits the season
        "1159",  # Clothing > Baby Clothes: for a survivor who is a parent
    ),
    "language": (
        "1390",  # Legal > Translation & Interpretation: the taxonomy's only interpreting term
    ),
    "legal": (
        "1111",  # Legal: the top-level term
        "1389",  # Representation: a lawyer for criminal, civil or immigration matters
        "1375",  # Advocacy & Legal Aid
        "1381",  # Advocacy & Legal Aid > Citizenship & Immigration: T and U visas, SIJS
        "1382",  # Discrimination & Civil Rights
        "1383",  # Guardianship
        "1384",  # Identification Recovery: traffickers often keep a survivor's documents
    ),
    "benefits": (
        "1256",  # Money > Government Benefits
        "1260",  # Government Benefits > Understand Government Programs
        "1385",  # Advocacy & Legal Aid > Understand Government Programs
        "1258",  # Government Benefits > Food Benefits
        "1257",  # Government Benefits > Disability Benefits
        "1239",  # Financial Assistance > Help Pay for Healthcare > Health Insurance (Medicaid)
        "1293",  # Navigating the System > Help Fill out Forms: applying for benefits
    ),
    "court_advocacy": (
        "1375",  # Advocacy & Legal Aid: no court-accompaniment term exists; the nearest
    ),
    "transportation": (
        "1105",  # Transit: the top-level term
        "1175",  # Transit > Transportation
        "1176",  # Transportation > Transportation for Healthcare
        "1177",  # Transportation > Transportation for School
        "1172",  # Transit > Help Pay for Transit
        "1173",  # Transit > Help Pay for Transit > Bus Passes
        "1254",  # Money > Help Pay for Transit > Bus Passes
        "1205",  # Health > Help Pay for Healthcare > Transportation for Healthcare
        "1242",  # Money > Help Pay for Healthcare > Transportation for Healthcare
        "1251",  # Money > Help Pay for School > Transportation for School
        "1322",  # Education > Help Pay for School > Transportation for School
    ),
    "medical": (
        "1206",  # Health > Medical Care
        "1184",  # Dental Care
        "1216",  # Checkup & Test > Vision Tests
        "1210",  # Checkup & Test
        "1212",  # Checkup & Test > Disease Screening: STI screening after exploitation
        "1215",  # Checkup & Test > Pregnancy Tests
        "1209",  # Birth Control
        "1217",  # Maternity Care
        "1219",  # Prevent & Treat
        "1221",  # Prevent & Treat > HIV Treatment
        "1227",  # Prevent & Treat > Vaccinations
        "1204",  # Health > Help Pay for Healthcare > Prescription Assistance
        "1241",  # Money > Help Pay for Healthcare > Prescription Assistance
        "1201",  # Health > Help Pay for Healthcare > Discounted Healthcare
        "1238",  # Money > Help Pay for Healthcare > Discounted Healthcare
    ),
    "substance_use": (
        "1178",  # Health > Addiction & Recovery
        "1180",  # Addiction & Recovery > Detox
        "1181",  # Addiction & Recovery > Outpatient Treatment
        "1182",  # Addiction & Recovery > Residential Treatment
        "1183",  # Addiction & Recovery > Sober Living
        "1154",  # Short-Term Housing > Sober Living: the same, filed under Housing
        "1179",  # Addiction & Recovery > 12-Step
        "1313",  # Support Groups > 12-Step
    ),
    "mental_health": (
        "1220",  # Prevent & Treat > Counseling
        "1304",  # Support Network > Counseling
        "1226",  # Prevent & Treat > Specialized Therapy: trauma-focused therapy
        "1214",  # Checkup & Test > Mental Health Evaluation
        "1126",  # Emergency > Psychiatric Emergency Services
        "1231",  # Medical Care > Psychiatric Emergency Services
        "1305",  # Support Network > Help Hotlines: someone to talk to at any hour
        "1312",  # Support Network > Support Groups
        "1310",  # Support Network > Peer Support: survivor mentors
    ),
    "family": (
        "1280",  # Daytime Care > Childcare: for a survivor's own children
        "1281",  # Childcare > Help Find Childcare
        "1294",  # Navigating the System > Help Find Childcare
        "1282",  # Childcare > Help Pay for Childcare
        "1233",  # Financial Assistance > Help Pay for Childcare
        "1155",  # Goods > Baby Supplies
        "1157",  # Baby Supplies > Diapers & Formula
        "1195",  # Health Education > Parenting Education
        "1315",  # Support Groups > Parenting Education
        "1337",  # More Education > Health Education > Parenting Education
        "1306",  # Support Network > Home Visiting
        "1271",  # Care > Adoption & Foster Care: family members in or giving foster care
        "1376",  # Advocacy & Legal Aid > Adoption & Foster Care: the legal side of it
    ),
    "compensation": (
        "1113",  # Emergency > Emergency Payments: no crime-victim-compensation term exists
        "1232",  # Money > Financial Assistance: nearest term for state compensation funds
        "1293",  # Navigating the System > Help Fill out Forms: help with the application
    ),
    "community": (
        "1311",  # Support Network > Spiritual Support: faith communities
        "1303",  # Care > Support Network: no cultural-community term exists; the nearest
        "1308",  # Support Network > Mentoring
        "1310",  # Support Network > Peer Support: others who share the survivor's story
    ),
    "education": (
        "1109",  # Education: the top-level term
        "1326",  # More Education > English as a Second Language (ESL)
        "1348",  # Screening & Exams > English as a Second Language (ESL)
        "1332",  # More Education > GED/High-School Equivalency
        "1347",  # Screening & Exams > GED/High-School Equivalency
        "1368",  # Work > Skills & Training > GED/High-School Equivalency
        "1324",  # More Education > Alternative Education
        "1342",  # More Education > Special Education
        "1343",  # More Education > Tutoring
        "1317",  # Education > Help Find School
        "1296",  # Navigating the System > Help Find School
        "1350",  # Education > Skills & Training > Basic Literacy
        "1366",  # Work > Skills & Training > Basic Literacy
        "1118",  # Emergency Payments > Help Pay for School
        "1247",  # Financial Assistance > Help Pay for School
        "1318",  # Education > Help Pay for School
    ),
    "employment": (
        "1110",  # Work: the top-level term
        "1357",  # Work > Help Find Work
        "1297",  # Navigating the System > Help Find Work
        "1358",  # Help Find Work > Job Placement
        "1359",  # Help Find Work > Supported Employment
        "1373",  # Work > Supported Employment
        "1341",  # More Education > Supported Employment
        "1365",  # Work > Skills & Training
        "1349",  # Education > Skills & Training
        "1369",  # Work > Skills & Training > Interview Training
        "1353",  # Education > Skills & Training > Interview Training
        "1370",  # Work > Skills & Training > Resume Development
        "1354",  # Education > Skills & Training > Resume Development
        "1360",  # Work > Help Pay for Work Expenses
        "1255",  # Financial Assistance > Help Pay for Work Expenses
        "1374",  # Work > Workplace Rights: labour exploitation and fair treatment at work
        "1386",  # Advocacy & Legal Aid > Workplace Rights
    ),
    "other": (),  # "Something else": a need that fits no domain has no term by design
}

# Situation terms (who a program serves) for the people this project serves. Open Eligibility
# has "Human Trafficking Survivors" and nothing for sexual exploitation as such.
TRAFFICKING_SITUATION_TERMS: tuple[str, ...] = (
    "20084",  # Survivors > Human Trafficking Survivors
)
# Situations that often apply too, for a directory filter "serves people like this survivor".
RELATED_SITUATION_TERMS: tuple[str, ...] = (
    "20086",  # Survivors > Sexual Assault Survivors: the nearest to sexual exploitation
    "20081",  # Survivors > Abuse or Neglect Survivors
    "20004",  # Age Group > Teens
    "20005",  # Age Group > Children
    "20040",  # Guardianship > Foster Youth
    "20060",  # Housing > Runaways
)
