"""TikTok Shop markets the emulator knows: currency, price scale, and a few real places to ship to."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Place:
    state: str
    city: str
    district: str
    postal_code: str


@dataclass(frozen=True)
class Region:
    code: str                 # ISO 3166-1 alpha-2 as the shops API returns it ("GB", not "UK")
    country: str
    currency: str
    decimals: int             # how many decimals TikTok prints in this currency's money strings
    usd_rate: Decimal         # local units per USD, to price the catalogue
    price_step: Decimal       # prices end on this step (whole rupiah, .90 cents ...)
    phone_prefix: str
    places: tuple[Place, ...]
    names: tuple[str, ...]
    # Assumption: the docs do not say which markets hold paid orders ON_HOLD; the US and UK have a
    # buyer cancellation window after payment, so the emulator puts their paid orders ON_HOLD first.
    on_hold_after_payment: bool = False
    sales_tax_rate: Decimal = Decimal(0)   # US marketplace-facilitator sales tax, added on top of prices


def _places(*rows: tuple[str, str, str, str]) -> tuple[Place, ...]:
    return tuple(Place(*row) for row in rows)


REGIONS: dict[str, Region] = {
    "SG": Region("SG", "Singapore", "SGD", 2, Decimal("1.35"), Decimal("0.10"), "(+65)", _places(
        ("Singapore", "Singapore", "Tampines", "520201"), ("Singapore", "Singapore", "Jurong West", "640638"),
        ("Singapore", "Singapore", "Ang Mo Kio", "560406"), ("Singapore", "Singapore", "Bedok", "460086"),
    ), ("Tan Wei Ming", "Nur Aisyah", "Rajesh Kumar", "Lim Hui Ling", "Chen Jia Hui")),
    "MY": Region("MY", "Malaysia", "MYR", 2, Decimal("4.7"), Decimal("0.10"), "(+60)", _places(
        ("Selangor", "Petaling Jaya", "SS2", "47300"), ("Kuala Lumpur", "Kuala Lumpur", "Cheras", "56000"),
        ("Johor", "Johor Bahru", "Skudai", "81300"), ("Penang", "George Town", "Jelutong", "11600"),
    ), ("Ahmad Faiz", "Siti Nurhaliza", "Lee Chong Wei", "Kavitha Raj", "Nurul Izzah")),
    "TH": Region("TH", "Thailand", "THB", 2, Decimal("36"), Decimal("1"), "(+66)", _places(
        ("Bangkok", "Bangkok", "Chatuchak", "10900"), ("Chiang Mai", "Mueang Chiang Mai", "Suthep", "50200"),
        ("Nonthaburi", "Pak Kret", "Bang Talat", "11120"), ("Chon Buri", "Bang Lamung", "Nong Prue", "20150"),
    ), ("Somchai Srisuk", "Nattaya Wongsa", "Kittipong Chai", "Pimchanok Boon", "Anan Thongdee")),
    "VN": Region("VN", "Vietnam", "VND", 0, Decimal("25000"), Decimal("1000"), "(+84)", _places(
        ("Ho Chi Minh", "Quan 1", "Ben Nghe", "700000"), ("Ha Noi", "Cau Giay", "Dich Vong", "100000"),
        ("Da Nang", "Hai Chau", "Thach Thang", "550000"), ("Can Tho", "Ninh Kieu", "An Hoa", "900000"),
    ), ("Nguyen Van An", "Tran Thi Mai", "Le Hoang Nam", "Pham Thu Ha", "Vo Minh Tuan")),
    "PH": Region("PH", "Philippines", "PHP", 2, Decimal("56"), Decimal("1"), "(+63)", _places(
        ("Metro Manila", "Quezon City", "Diliman", "1101"), ("Metro Manila", "Makati", "Poblacion", "1210"),
        ("Cebu", "Cebu City", "Lahug", "6000"), ("Davao del Sur", "Davao City", "Poblacion", "8000"),
    ), ("Juan Dela Cruz", "Maria Santos", "Jose Reyes", "Ana Garcia", "Mark Villanueva")),
    "ID": Region("ID", "Indonesia", "IDR", 0, Decimal("16000"), Decimal("100"), "(+62)", _places(
        ("DKI Jakarta", "Jakarta Selatan", "Kebayoran Baru", "12110"),
        ("Jawa Barat", "Bandung", "Coblong", "40132"), ("Jawa Timur", "Surabaya", "Gubeng", "60281"),
        ("Bali", "Denpasar", "Denpasar Selatan", "80225"),
    ), ("Budi Santoso", "Siti Rahayu", "Agus Wijaya", "Dewi Lestari", "Rina Kusuma")),
    "US": Region("US", "United States", "USD", 2, Decimal("1"), Decimal("0.01"), "(+1)", _places(
        ("California", "San Jose", "Santa Clara", "95110"), ("Texas", "Austin", "Travis", "78701"),
        ("New York", "Brooklyn", "Kings", "11201"), ("Florida", "Miami", "Miami-Dade", "33130"),
    ), ("David Kong", "Emily Johnson", "Michael Brown", "Jessica Davis", "Chris Miller"),
        on_hold_after_payment=True, sales_tax_rate=Decimal("0.0825")),
    "GB": Region("GB", "United Kingdom", "GBP", 2, Decimal("0.79"), Decimal("0.01"), "(+44)", _places(
        ("England", "London", "Camden", "NW1 8NH"), ("England", "Manchester", "Ancoats", "M4 6DE"),
        ("Scotland", "Edinburgh", "Leith", "EH6 6QU"), ("Wales", "Cardiff", "Cathays", "CF24 4AN"),
    ), ("Oliver Smith", "Amelia Jones", "Harry Taylor", "Isla Wilson", "Jack Evans"),
        on_hold_after_payment=True),
    "MX": Region("MX", "Mexico", "MXN", 2, Decimal("17"), Decimal("1"), "(+52)", _places(
        ("Ciudad de Mexico", "Coyoacan", "Del Carmen", "04100"), ("Jalisco", "Guadalajara", "Americana", "44160"),
        ("Nuevo Leon", "Monterrey", "Centro", "64000"), ("Puebla", "Puebla", "Centro", "72000"),
    ), ("Juan Hernandez", "Maria Lopez", "Carlos Garcia", "Sofia Martinez", "Luis Rodriguez")),
}


def region(code: str) -> Region:
    try:
        return REGIONS[code.upper()]
    except KeyError:
        raise KeyError(f"the TikTok Shop emulator knows no region {code!r}; known: {sorted(REGIONS)}") from None
