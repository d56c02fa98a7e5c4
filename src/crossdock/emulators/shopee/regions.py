"""Per-region reference data of the emulated Shopee markets: currency, money precision, places, carriers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal


@dataclass(frozen=True)
class Place:
    state: str
    city: str
    district: str
    town: str
    zipcode: str
    streets: tuple[str, ...]


@dataclass(frozen=True)
class Region:
    code: str
    currency: str
    # Smallest amount a listing price is rounded to: 1000 VND, 100 IDR, 0.01 SGD...
    price_step: Decimal
    # Decimal places the currency is written with on the wire (0 -> JSON integers).
    decimals: int
    # Order numbers carry the seller-local date, so they need the market's offset.
    utc_offset: timedelta
    usd_rate: Decimal
    # How many values a new buyer's contact details take from the shop's generator: the digits it once drew for a
    # phone number. Taking as many keeps everything else a seed generates as it was.
    contact_draws: int
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    places: tuple[Place, ...]
    carriers: tuple[tuple[str, int], ...]
    payment_methods: tuple[str, ...]
    cod_share: float
    shipping_fee_usd: tuple[Decimal, Decimal]
    location_id: str


def _h(hours: float) -> timedelta:
    return timedelta(hours=hours)


REGIONS: dict[str, Region] = {
    "SG": Region(
        code="SG",
        currency="SGD",
        price_step=Decimal("0.01"),
        decimals=2,
        utc_offset=_h(8),
        usd_rate=Decimal("1.35"),
        contact_draws=8,
        first_names=("Wei Ling", "Jun Jie", "Siti", "Arjun", "Hui Min", "Marcus", "Nurul", "Kai Xuan"),
        last_names=("Tan", "Lim", "Ng", "Lee", "Wong", "Rahman", "Kumar", "Goh"),
        places=(
            Place("Singapore", "Singapore", "Tampines", "", "520123", ("Tampines Street 21", "Tampines Avenue 4")),
            Place("Singapore", "Singapore", "Jurong West", "", "640456", ("Jurong West Street 52",)),
            Place("Singapore", "Singapore", "Ang Mo Kio", "", "560321", ("Ang Mo Kio Avenue 3",)),
            Place("Singapore", "Singapore", "Bedok", "", "460789", ("Bedok North Road", "New Upper Changi Road")),
        ),
        carriers=(("Standard Delivery", 18025), ("Ninja Van", 18040), ("SPX Express", 18099)),
        payment_methods=("Credit/Debit Card", "ShopeePay", "Bank Transfer"),
        cod_share=0.05,
        shipping_fee_usd=(Decimal("1.5"), Decimal("4")),
        location_id="SGZ",
    ),
    "MY": Region(
        code="MY",
        currency="MYR",
        price_step=Decimal("0.01"),
        decimals=2,
        utc_offset=_h(8),
        usd_rate=Decimal("4.70"),
        contact_draws=8,
        first_names=("Ahmad", "Nur Aisyah", "Mei Ling", "Muthu", "Farah", "Chee Keong", "Hafiz", "Priya"),
        last_names=("bin Ismail", "binti Hassan", "Lim", "a/l Raju", "Wong", "Tan", "bin Abdullah", "Chong"),
        places=(
            Place("Selangor", "Shah Alam", "Seksyen 13", "", "40100", ("Jalan Kristal 13/7", "Persiaran Bandaraya")),
            Place("Kuala Lumpur", "Kuala Lumpur", "Cheras", "", "56000", ("Jalan Cheras", "Jalan Manis 3")),
            Place("Johor", "Johor Bahru", "Taman Molek", "", "81100", ("Jalan Molek 1/29",)),
            Place("Sarawak", "Kuching", "Tabuan Jaya", "", "93350", ("Jalan Wan Alwi",)),
            Place("Penang", "George Town", "Jelutong", "", "11600", ("Jalan Perak", "Lebuh Pantai")),
        ),
        carriers=(("Shopee Xpress", 20024), ("J&T Express", 20028), ("Ninja Van", 20030), ("Pos Laju", 20018)),
        payment_methods=("Online Banking", "ShopeePay", "Credit/Debit Card", "SPayLater"),
        cod_share=0.2,
        shipping_fee_usd=(Decimal("1"), Decimal("2.5")),
        location_id="MYZ",
    ),
    "TH": Region(
        code="TH",
        currency="THB",
        price_step=Decimal("1"),
        decimals=2,
        utc_offset=_h(7),
        usd_rate=Decimal("36"),
        contact_draws=9,
        first_names=("Somchai", "Malee", "Anan", "Siriporn", "Nattapong", "Kanya", "Prasert", "Wanida"),
        last_names=("Saetang", "Srisuk", "Wongsa", "Chaiyaporn", "Rattanakorn", "Boonmee"),
        places=(
            Place("Bangkok", "Chatuchak", "Lat Yao", "", "10900", ("Phahonyothin Road", "Soi Ratchadaphisek 36")),
            Place("Chiang Mai", "Mueang Chiang Mai", "Suthep", "", "50200", ("Huay Kaew Road",)),
            Place("Nonthaburi", "Pak Kret", "Bang Talat", "", "11120", ("Chaeng Watthana Road",)),
            Place("Khon Kaen", "Mueang Khon Kaen", "Nai Mueang", "", "40000", ("Mittraphap Road",)),
        ),
        carriers=(("Kerry Express", 70016), ("Flash Express", 70021), ("Shopee Express", 70066)),
        payment_methods=("ShopeePay", "Credit/Debit Card", "Mobile Banking", "SPayLater"),
        cod_share=0.35,
        shipping_fee_usd=(Decimal("0.8"), Decimal("1.8")),
        location_id="THZ",
    ),
    "VN": Region(
        code="VN",
        currency="VND",
        price_step=Decimal("1000"),
        decimals=0,
        utc_offset=_h(7),
        usd_rate=Decimal("25000"),
        contact_draws=8,
        first_names=("Nguyễn Văn", "Trần Thị", "Lê Minh", "Phạm Thu", "Hoàng Anh", "Võ Thị", "Đặng Quốc"),
        last_names=("An", "Bình", "Hà", "Linh", "Tuấn", "Trang", "Dũng", "Hương"),
        places=(
            Place("TP. Hồ Chí Minh", "Quận 7", "Phường Tân Phong", "", "", ("Nguyễn Thị Thập", "Huỳnh Tấn Phát")),
            Place("Hà Nội", "Quận Cầu Giấy", "Phường Dịch Vọng", "", "", ("Trần Thái Tông", "Xuân Thủy")),
            Place("Bạc Liêu", "Huyện Phước Long", "Xã Phong Thạnh Tây B", "", "", ("Ấp 1",)),
            Place("Đà Nẵng", "Quận Hải Châu", "Phường Hòa Thuận Tây", "", "", ("Núi Thành",)),
        ),
        carriers=(("Giao Hàng Nhanh", 50011), ("SPX Express", 50021), ("J&T Express", 50018)),
        payment_methods=("ShopeePay", "Thẻ Tín dụng/Ghi nợ", "SPayLater"),
        cod_share=0.6,
        shipping_fee_usd=(Decimal("0.6"), Decimal("1.5")),
        location_id="VN10XX2UZ",
    ),
    "PH": Region(
        code="PH",
        currency="PHP",
        price_step=Decimal("1"),
        decimals=2,
        utc_offset=_h(8),
        usd_rate=Decimal("56"),
        contact_draws=9,
        first_names=("Juan", "Maria", "Jose", "Angelica", "Mark", "Kristine", "Paolo", "Jasmine"),
        last_names=("Dela Cruz", "Santos", "Reyes", "Garcia", "Mendoza", "Bautista", "Villanueva"),
        places=(
            Place("Metro Manila", "Quezon City", "Barangay Commonwealth", "", "1121", ("Commonwealth Avenue",)),
            Place("Metro Manila", "Makati City", "Poblacion", "", "1210", ("Kalayaan Avenue", "JP Rizal Street")),
            Place("Cebu", "Cebu City", "Lahug", "", "6000", ("Gorordo Avenue",)),
            Place("Davao del Sur", "Davao City", "Poblacion District", "", "8000", ("CM Recto Street",)),
        ),
        carriers=(("Standard Delivery - Domestic", 48002), ("J&T Express", 48010), ("Flash Express", 48011)),
        payment_methods=("GCash", "ShopeePay", "Credit/Debit Card", "SPayLater"),
        cod_share=0.45,
        shipping_fee_usd=(Decimal("0.7"), Decimal("2")),
        location_id="PHZ",
    ),
    "ID": Region(
        code="ID",
        currency="IDR",
        price_step=Decimal("100"),
        decimals=0,
        utc_offset=_h(7),
        usd_rate=Decimal("16000"),
        contact_draws=10,
        first_names=("Budi", "Siti", "Agus", "Dewi", "Rizky", "Putri", "Andi", "Ayu"),
        last_names=("Santoso", "Wijaya", "Pratama", "Lestari", "Saputra", "Hidayat", "Kurniawan"),
        places=(
            Place("DKI Jakarta", "Kota Jakarta Selatan", "Kebayoran Baru", "Senayan", "12190", ("Jl. Asia Afrika",)),
            Place("Jawa Barat", "Kota Bandung", "Coblong", "Dago", "40135", ("Jl. Ir. H. Juanda",)),
            Place("Jawa Timur", "Kota Surabaya", "Gubeng", "Airlangga", "60286", ("Jl. Dharmawangsa",)),
            Place("Sumatera Utara", "Kota Medan", "Medan Baru", "Petisah Hulu", "20153", ("Jl. Gatot Subroto",)),
        ),
        carriers=(("SPX Standard", 8005), ("J&T Express", 8001), ("SiCepat REG", 8006), ("JNE Reguler", 8003)),
        payment_methods=("ShopeePay", "Transfer Bank", "Indomaret", "SPayLater", "Bank BCA (Virtual Account)"),
        cod_share=0.4,
        shipping_fee_usd=(Decimal("0.6"), Decimal("2")),
        location_id="IDZ",
    ),
    "TW": Region(
        code="TW",
        currency="TWD",
        price_step=Decimal("1"),
        decimals=0,
        utc_offset=_h(8),
        usd_rate=Decimal("32"),
        contact_draws=8,
        first_names=("志明", "淑芬", "家豪", "怡君", "俊傑", "雅婷"),
        last_names=("陳", "林", "黃", "張", "李", "王"),
        places=(
            Place("臺北市", "大安區", "", "", "106", ("忠孝東路四段", "復興南路一段")),
            Place("新北市", "板橋區", "", "", "220", ("文化路一段",)),
            Place("臺中市", "西屯區", "", "", "407", ("臺灣大道三段",)),
            Place("高雄市", "苓雅區", "", "", "802", ("四維三路",)),
        ),
        carriers=(("蝦皮店到店", 30029), ("7-ELEVEN", 30005), ("黑貓宅急便", 30001)),
        payment_methods=("信用卡/金融卡", "ShopeePay", "銀行轉帳"),
        cod_share=0.3,
        shipping_fee_usd=(Decimal("1.2"), Decimal("2.5")),
        location_id="TWZ",
    ),
    "BR": Region(
        code="BR",
        currency="BRL",
        price_step=Decimal("0.01"),
        decimals=2,
        utc_offset=_h(-3),
        usd_rate=Decimal("5.0"),
        contact_draws=9,
        first_names=("João", "Maria", "Ana", "Pedro", "Lucas", "Juliana", "Gabriel", "Fernanda"),
        last_names=("Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Rodrigues"),
        places=(
            Place("SP", "São Paulo", "Pinheiros", "", "05422-010", ("Rua dos Pinheiros", "Rua Teodoro Sampaio")),
            Place("RJ", "Rio de Janeiro", "Copacabana", "", "22070-011", ("Avenida Nossa Senhora de Copacabana",)),
            Place("MG", "Belo Horizonte", "Savassi", "", "30140-071", ("Rua Pernambuco",)),
            Place("PR", "Curitiba", "Batel", "", "80420-090", ("Avenida do Batel",)),
        ),
        carriers=(("Shopee Xpress", 90021), ("Correios PAC", 90003), ("Loggi", 90024)),
        payment_methods=("Pix", "Cartão de crédito", "Boleto Bancário"),
        cod_share=0.0,
        shipping_fee_usd=(Decimal("2"), Decimal("5")),
        location_id="BRZ",
    ),
    "MX": Region(
        code="MX",
        currency="MXN",
        price_step=Decimal("0.01"),
        decimals=2,
        utc_offset=_h(-6),
        usd_rate=Decimal("17"),
        contact_draws=8,
        first_names=("José", "Guadalupe", "Luis", "Alejandra", "Carlos", "Daniela"),
        last_names=("Hernández", "García", "Martínez", "López", "González", "Ramírez"),
        places=(
            Place("Ciudad de México", "Benito Juárez", "Del Valle", "", "03100", ("Avenida Insurgentes Sur",)),
            Place("Jalisco", "Guadalajara", "Americana", "", "44160", ("Avenida Chapultepec",)),
            Place("Nuevo León", "Monterrey", "Centro", "", "64000", ("Calle Padre Mier",)),
        ),
        carriers=(("Estafeta", 110001), ("Shopee Express", 110010), ("J&T Express", 110012)),
        payment_methods=("Tarjeta de crédito/débito", "OXXO", "ShopeePay"),
        cod_share=0.0,
        shipping_fee_usd=(Decimal("2"), Decimal("4")),
        location_id="MXZ",
    ),
    "CO": Region(
        code="CO",
        currency="COP",
        price_step=Decimal("100"),
        decimals=0,
        utc_offset=_h(-5),
        usd_rate=Decimal("4000"),
        contact_draws=9,
        first_names=("Andrés", "Valentina", "Santiago", "Camila", "Felipe", "Laura"),
        last_names=("Rodríguez", "Gómez", "Muñoz", "Díaz", "Torres", "Vargas"),
        places=(
            Place("Bogotá D.C.", "Bogotá", "Chapinero", "", "110231", ("Carrera 7", "Calle 63")),
            Place("Antioquia", "Medellín", "El Poblado", "", "050021", ("Carrera 43A",)),
            Place("Valle del Cauca", "Cali", "San Fernando", "", "760042", ("Calle 5",)),
        ),
        carriers=(("Coordinadora", 130002), ("Servientrega", 130003)),
        payment_methods=("Tarjeta de crédito", "PSE", "Efecty"),
        cod_share=0.3,
        shipping_fee_usd=(Decimal("2"), Decimal("4")),
        location_id="COZ",
    ),
    "CL": Region(
        code="CL",
        currency="CLP",
        price_step=Decimal("10"),
        decimals=0,
        utc_offset=_h(-4),
        usd_rate=Decimal("900"),
        contact_draws=8,
        first_names=("Matías", "Sofía", "Benjamín", "Isidora", "Vicente", "Antonia"),
        last_names=("González", "Muñoz", "Rojas", "Díaz", "Pérez", "Soto"),
        places=(
            Place("Región Metropolitana", "Santiago", "Providencia", "", "7500000", ("Avenida Providencia",)),
            Place("Valparaíso", "Viña del Mar", "Viña del Mar", "", "2520000", ("Avenida Libertad",)),
            Place("Biobío", "Concepción", "Concepción", "", "4030000", ("Calle Barros Arana",)),
        ),
        carriers=(("Chilexpress", 140001), ("Blue Express", 140004)),
        payment_methods=("Webpay", "Tarjeta de crédito"),
        cod_share=0.0,
        shipping_fee_usd=(Decimal("2"), Decimal("4")),
        location_id="CLZ",
    ),
    "PL": Region(
        code="PL",
        currency="PLN",
        price_step=Decimal("0.01"),
        decimals=2,
        utc_offset=_h(1),
        usd_rate=Decimal("4.0"),
        contact_draws=9,
        first_names=("Jan", "Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena"),
        last_names=("Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamiński", "Lewandowska"),
        places=(
            Place("mazowieckie", "Warszawa", "Mokotów", "", "02-516", ("ul. Puławska", "ul. Racławicka")),
            Place("małopolskie", "Kraków", "Krowodrza", "", "30-059", ("ul. Królewska",)),
            Place("wielkopolskie", "Poznań", "Jeżyce", "", "60-815", ("ul. Dąbrowskiego",)),
        ),
        carriers=(("InPost Paczkomaty 24/7", 150001), ("DPD Pickup", 150004)),
        payment_methods=("BLIK", "Przelewy24", "Karta płatnicza"),
        cod_share=0.1,
        shipping_fee_usd=(Decimal("2"), Decimal("4")),
        location_id="PLZ",
    ),
}
