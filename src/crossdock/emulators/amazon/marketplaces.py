"""The EU marketplaces the emulator knows: ids and currencies as documented, plus local buyers and places."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Place:
    city: str
    state: str          # StateOrRegion as Amazon fills it for the country ("" where unused)
    postcode: str
    streets: tuple[str, ...]


@dataclass(frozen=True)
class Marketplace:
    id: str             # developer-docs "Marketplace IDs"
    country: str        # ISO 3166-1 alpha-2, as getMarketplaceParticipations answers (GB, not UK)
    name: str           # marketplace.name
    domain: str         # marketplace.domainName
    currency: str
    language: str       # marketplace.defaultLanguageCode
    vat: Decimal        # standard VAT rate: EU prices are shown and charged VAT-inclusive
    eur_rate: Decimal   # catalogue prices are kept in EUR and converted at this rate
    phone_prefix: str
    ship_levels: tuple[tuple[str, str], ...]   # (ShipServiceLevel, ShipmentServiceLevelCategory)
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    places: tuple[Place, ...]


def _levels(cc: str) -> tuple[tuple[str, str], ...]:
    # Seller-fulfilled service level names follow Amazon's "Std <CC> Dom_<n>" pattern.
    return ((f"Std {cc} Dom_1", "Standard"), (f"Std {cc} Dom_2", "Standard"), (f"Exp {cc} Dom_1", "Expedited"),
            (f"Next {cc} Dom_1", "NextDay"))


MARKETPLACES: dict[str, Marketplace] = {m.country: m for m in (
    Marketplace(
        "A1PA6795UKMFR9", "DE", "Amazon.de", "www.amazon.de", "EUR", "de_DE", Decimal("0.19"), Decimal(1), "+49 ",
        _levels("DE"),
        ("Lukas", "Anna", "Jonas", "Lea", "Felix", "Sophie", "Maximilian", "Laura", "Paul", "Katharina"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schäfer"),
        (Place("Berlin", "Berlin", "10115", ("Invalidenstraße", "Chausseestraße", "Torstraße")),
         Place("München", "Bayern", "80331", ("Sendlinger Straße", "Rosenstraße")),
         Place("Hamburg", "Hamburg", "20095", ("Mönckebergstraße", "Spitalerstraße")),
         Place("Köln", "Nordrhein-Westfalen", "50667", ("Hohe Straße", "Schildergasse")),
         Place("Leipzig", "Sachsen", "04109", ("Petersstraße", "Grimmaische Straße")))),
    Marketplace(
        "A13V1IB3VIYZZH", "FR", "Amazon.fr", "www.amazon.fr", "EUR", "fr_FR", Decimal("0.20"), Decimal(1), "+33 ",
        _levels("FR"),
        ("Camille", "Louis", "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Arthur", "Inès", "Jules"),
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"),
        (Place("Paris", "Île-de-France", "75011", ("Rue de la Roquette", "Boulevard Voltaire")),
         Place("Lyon", "Auvergne-Rhône-Alpes", "69002", ("Rue de la République", "Quai Saint-Antoine")),
         Place("Marseille", "Provence-Alpes-Côte d'Azur", "13001", ("La Canebière", "Rue Paradis")),
         Place("Toulouse", "Occitanie", "31000", ("Rue d'Alsace-Lorraine", "Rue de Metz")),
         Place("Nantes", "Pays de la Loire", "44000", ("Rue Crébillon", "Cours des 50 Otages")))),
    Marketplace(
        "APJ6JRA9NG5V4", "IT", "Amazon.it", "www.amazon.it", "EUR", "it_IT", Decimal("0.22"), Decimal(1), "+39 ",
        _levels("IT"),
        ("Giulia", "Lorenzo", "Sofia", "Alessandro", "Martina", "Francesco", "Chiara", "Matteo", "Aurora", "Andrea"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco"),
        (Place("Milano", "MI", "20121", ("Via Manzoni", "Corso Garibaldi")),
         Place("Roma", "RM", "00184", ("Via Nazionale", "Via Cavour")),
         Place("Torino", "TO", "10123", ("Via Roma", "Via Po")),
         Place("Napoli", "NA", "80134", ("Via Toledo", "Via Chiaia")),
         Place("Bologna", "BO", "40121", ("Via dell'Indipendenza", "Via Ugo Bassi")))),
    Marketplace(
        "A1RKKUPIHCS9HS", "ES", "Amazon.es", "www.amazon.es", "EUR", "es_ES", Decimal("0.21"), Decimal(1), "+34 ",
        _levels("ES"),
        ("Lucía", "Hugo", "Martina", "Pablo", "María", "Daniel", "Paula", "Álvaro", "Carmen", "Javier"),
        ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Ruiz"),
        (Place("Madrid", "Madrid", "28004", ("Calle de Fuencarral", "Calle de Hortaleza")),
         Place("Barcelona", "Barcelona", "08010", ("Carrer de Girona", "Passeig de Sant Joan")),
         Place("Valencia", "Valencia", "46002", ("Carrer de Colón", "Carrer de Xàtiva")),
         Place("Sevilla", "Sevilla", "41004", ("Calle San Fernando", "Avenida de la Constitución")),
         Place("Bilbao", "Bizkaia", "48001", ("Gran Vía de Don Diego López de Haro",)))),
    Marketplace(
        "A1F83G8C2ARO7P", "GB", "Amazon.co.uk", "www.amazon.co.uk", "GBP", "en_GB", Decimal("0.20"), Decimal("0.86"),
        "+44 ", _levels("UK"),
        ("Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Emily", "Charlie", "Sophie"),
        ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Walker"),
        (Place("London", "Greater London", "E1 6AN", ("Commercial Street", "Brick Lane")),
         Place("Manchester", "Greater Manchester", "M1 1AD", ("Oldham Street", "Deansgate")),
         Place("Birmingham", "West Midlands", "B1 1BB", ("Broad Street", "New Street")),
         Place("Leeds", "West Yorkshire", "LS1 4DY", ("Briggate", "Boar Lane")),
         Place("Bristol", "Bristol", "BS1 4ST", ("Park Street", "Queen Square")))),
    Marketplace(
        "A1805IZSGTT6HS", "NL", "Amazon.nl", "www.amazon.nl", "EUR", "nl_NL", Decimal("0.21"), Decimal(1), "+31 ",
        _levels("NL"),
        ("Daan", "Emma", "Sem", "Julia", "Lucas", "Mila", "Levi", "Tess", "Finn", "Sara"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer"),
        (Place("Amsterdam", "Noord-Holland", "1012 AB", ("Damrak", "Kalverstraat")),
         Place("Rotterdam", "Zuid-Holland", "3011 AA", ("Coolsingel", "Lijnbaan")),
         Place("Utrecht", "Utrecht", "3511 AA", ("Oudegracht", "Vredenburg")),
         Place("Eindhoven", "Noord-Brabant", "5611 AA", ("Stratumseind", "Demer")))),
    Marketplace(
        "A1C3SOZRARQ6R3", "PL", "Amazon.pl", "www.amazon.pl", "PLN", "pl_PL", Decimal("0.23"), Decimal("4.30"),
        "+48 ", _levels("PL"),
        ("Jan", "Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Michał", "Agnieszka", "Paweł", "Joanna"),
        ("Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamiński", "Lewandowska", "Zieliński", "Szymańska"),
        (Place("Warszawa", "mazowieckie", "02-516", ("ul. Puławska", "ul. Racławicka")),
         Place("Kraków", "małopolskie", "30-059", ("ul. Królewska", "ul. Karmelicka")),
         Place("Poznań", "wielkopolskie", "60-815", ("ul. Dąbrowskiego",)),
         Place("Gdańsk", "pomorskie", "80-831", ("ul. Długa", "ul. Grunwaldzka")))),
    Marketplace(
        "A2NODRKZP88ZB9", "SE", "Amazon.se", "www.amazon.se", "SEK", "sv_SE", Decimal("0.25"), Decimal("11.20"),
        "+46 ", _levels("SE"),
        ("Alice", "William", "Maja", "Hugo", "Elsa", "Lucas", "Astrid", "Liam", "Wilma", "Oscar"),
        ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson"),
        (Place("Stockholm", "Stockholms län", "111 51", ("Drottninggatan", "Kungsgatan")),
         Place("Göteborg", "Västra Götalands län", "411 05", ("Kungsportsavenyn", "Vasagatan")),
         Place("Malmö", "Skåne län", "211 22", ("Södergatan", "Stortorget")),
         Place("Uppsala", "Uppsala län", "753 20", ("Svartbäcksgatan",)))),
)}

BY_ID: dict[str, Marketplace] = {m.id: m for m in MARKETPLACES.values()}
# The marketplace-id table in the docs lists the United Kingdom as "UK"; the API answers the ISO code GB.
ALIASES = {"UK": "GB"}


def by_region(region: str) -> Marketplace:
    code = ALIASES.get(region.upper(), region.upper())
    try:
        return MARKETPLACES[code]
    except KeyError:
        known = ", ".join(sorted(MARKETPLACES))
        raise ValueError(f"unknown Amazon EU marketplace {region!r}; known: {known}") from None
