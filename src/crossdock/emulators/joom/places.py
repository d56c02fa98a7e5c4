"""Reference data of the EU buyers the emulated Joom stores sell to: VAT, names, places."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Place:
    city: str
    state: str
    zip_code: str
    streets: tuple[str, ...]


@dataclass(frozen=True)
class Country:
    code: str
    # Standard VAT rate of the buyer's country: Joom collects import VAT (IOSS) on EU orders.
    vat_rate: Decimal
    # How many values a new buyer's contact details take from the store's generator: the digits it once drew for
    # a phone number. Taking as many keeps everything else a seed generates as it was.
    contact_draws: int
    # Whether the house number is written before the street ("12 rue ...") or after ("Hauptstraße 12").
    number_first: bool
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    places: tuple[Place, ...]


COUNTRIES: dict[str, Country] = {
    "DE": Country(
        "DE", Decimal("0.19"), 10, False,
        ("Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Maximilian", "Sophie"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker"),
        (
            Place("Berlin", "Berlin", "10115", ("Invalidenstraße", "Chausseestraße", "Torstraße")),
            Place("München", "Bayern", "80331", ("Sendlinger Straße", "Rosenstraße")),
            Place("Hamburg", "Hamburg", "20095", ("Mönckebergstraße", "Spitalerstraße")),
            Place("Köln", "Nordrhein-Westfalen", "50667", ("Hohe Straße", "Schildergasse")),
        ),
    ),
    "FR": Country(
        "FR", Decimal("0.20"), 9, True,
        ("Camille", "Louis", "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Jules"),
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"),
        (
            Place("Paris", "Île-de-France", "75011", ("rue de la Roquette", "boulevard Voltaire")),
            Place("Lyon", "Auvergne-Rhône-Alpes", "69002", ("rue de la République", "quai Saint-Antoine")),
            Place("Marseille", "Provence-Alpes-Côte d'Azur", "13001", ("La Canebière", "rue Paradis")),
            Place("Toulouse", "Occitanie", "31000", ("rue d'Alsace-Lorraine", "rue de Metz")),
        ),
    ),
    "IT": Country(
        "IT", Decimal("0.22"), 10, False,
        ("Giulia", "Francesco", "Sofia", "Alessandro", "Aurora", "Lorenzo", "Martina", "Matteo"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"),
        (
            Place("Milano", "MI", "20121", ("Via Brera", "Corso Garibaldi")),
            Place("Roma", "RM", "00184", ("Via Nazionale", "Via Cavour")),
            Place("Napoli", "NA", "80134", ("Via Toledo", "Via Chiaia")),
        ),
    ),
    "ES": Country(
        "ES", Decimal("0.21"), 9, False,
        ("Lucía", "Hugo", "Martina", "Mateo", "Sofía", "Leo", "Paula", "Daniel"),
        ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez"),
        (
            Place("Madrid", "Madrid", "28013", ("Calle Mayor", "Calle de Alcalá")),
            Place("Barcelona", "Barcelona", "08002", ("Carrer de Ferran", "Carrer del Carme")),
            Place("Valencia", "Valencia", "46002", ("Carrer de Sant Vicent Màrtir",)),
        ),
    ),
    "NL": Country(
        "NL", Decimal("0.21"), 9, False,
        ("Daan", "Emma", "Sem", "Julia", "Lucas", "Mila", "Finn", "Tess"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit"),
        (
            Place("Amsterdam", "Noord-Holland", "1012 JS", ("Kalverstraat", "Damrak")),
            Place("Utrecht", "Utrecht", "3511 LX", ("Oudegracht", "Lange Viestraat")),
        ),
    ),
    "PL": Country(
        "PL", Decimal("0.23"), 9, False,
        ("Jan", "Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Jakub", "Zofia"),
        ("Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamiński", "Lewandowska", "Zieliński"),
        (
            Place("Warszawa", "mazowieckie", "02-516", ("ul. Puławska", "ul. Racławicka")),
            Place("Kraków", "małopolskie", "30-059", ("ul. Królewska", "ul. Karmelicka")),
        ),
    ),
    "AT": Country(
        "AT", Decimal("0.20"), 10, False,
        ("Elias", "Anna", "Paul", "Lena", "David", "Hannah"),
        ("Gruber", "Huber", "Bauer", "Wagner", "Pichler", "Steiner"),
        (Place("Wien", "Wien", "1070", ("Mariahilfer Straße", "Neubaugasse")),),
    ),
    "BE": Country(
        "BE", Decimal("0.21"), 9, False,
        ("Noah", "Olivia", "Arthur", "Louise", "Jules", "Mila"),
        ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Dubois"),
        (Place("Bruxelles", "Bruxelles-Capitale", "1000", ("Rue Neuve", "Boulevard Anspach")),),
    ),
    "PT": Country(
        "PT", Decimal("0.23"), 9, False,
        ("Francisco", "Maria", "Afonso", "Leonor", "Tomás", "Matilde"),
        ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa"),
        (Place("Lisboa", "Lisboa", "1100-148", ("Rua Augusta", "Rua da Prata")),),
    ),
    "SE": Country(
        "SE", Decimal("0.25"), 9, False,
        ("William", "Alice", "Liam", "Maja", "Noah", "Elsa"),
        ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson"),
        (Place("Stockholm", "Stockholms län", "111 57", ("Drottninggatan", "Vasagatan")),),
    ),
}

# Where the buyers of an "EU" store come from, weighted roughly by Joom's European audience.
EU_BUYER_WEIGHTS: dict[str, int] = {
    "DE": 22, "FR": 18, "IT": 14, "ES": 14, "NL": 6, "PL": 8, "AT": 4, "BE": 5, "PT": 4, "SE": 5,
}
