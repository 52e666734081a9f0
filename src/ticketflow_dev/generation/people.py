"""Who writes the tickets: names from many languages, companies, and the email addresses they use.

Variety on purpose: hyphenated, apostrophised, accented and multi-word names, personal and company
addresses, plus-tags and initials, so the PII checks see more than "John Doe". Nothing mails these
addresses (the pipeline notifies the support team, never the customer).
"""

from __future__ import annotations

import random
import re
import unicodedata

from ticketflow.model import CustomerContact

FIRST_NAMES = (
    "Maria", "James", "Aiko", "Priya", "Lucas", "Fatima", "Noah", "Elena", "Kwame", "Sofia", "Wei", "Omar",
    "Chloé", "José", "Zoë", "Björn", "Siobhan", "Mateus", "Anaïs", "Dmitri", "Ngozi", "Hiroshi", "Leila",
    "Tomasz", "Ana-Lucía", "Jean-Luc", "Mei", "Raj", "Olumide", "Ingrid", "Carlos", "Yuki", "Amara",
    "Nikolai", "Thandiwe", "Sebastián", "Hannah", "Mohammed", "Isabela", "Arjun", "Li", "Freya", "Kofi",
    "Camille", "Daniel", "Ayesha", "Pedro", "Svetlana", "Ravi", "Emma", "Michael", "John", "Sarah", "David",
)  # fmt: skip
LAST_NAMES = (
    "Garcia", "Smith", "Tanaka", "Patel", "Silva", "Khan", "Johnson", "Rossi", "Mensah", "Novak", "Chen",
    "O'Brien", "Müller", "van der Berg", "Nguyen", "Okafor", "Kowalski", "Ivanova", "Fernández", "Haddad",
    "Lindqvist", "Smith-Jones", "dos Santos", "Yamamoto", "Adeyemi", "Dubois", "Kim", "Sharma", "Murphy",
    "Schwarz", "Papadopoulos", "Ó Súilleabháin", "Al-Farsi", "Eriksen", "Moreau", "Zhang", "Gonzalez",
    "Wójcik", "Abebe", "MacLeod", "Doe", "Brown", "Wilson", "Costa", "Lee", "Singh", "Jansen",
)  # fmt: skip
COMPANIES = (
    "Northwind Traders", "Contoso Retail", "Globex Health", "Initech Labs", "Umbrella Logistics",
    "Acme Analytics", "Blue Harbor Media", "Fjordline Energy", "Sakura Mobility", "Helios Payments",
    "Brightpath Learning", "Kestrel Insurance", "Verdant Foods", "Orbital Games", "Quartz Legal",
    "Meridian Travel", "Lumen Biotech", "Cobalt Freight", "Tidewater Bank", "Atlas Robotics",
    "Papaya Commerce", "Redwood Clinics", "Nimbus Streaming", "Granite Construction Group",
    "Saffron Hospitality", "Polar Data Co", "Juniper Public Sector", "Mosaic Marketing", "Zenith Telecom",
    "Ironbridge Manufacturing", "Café Noir Holdings", "Nordlicht GmbH", "Estrella Seguros S.A.",
)  # fmt: skip
_PERSONAL_DOMAINS = ("gmail.com", "outlook.com", "proton.me", "yahoo.co.uk", "icloud.com")
_TLDS = ("com", "com", "io", "co.uk", "de", "net", "com.br", "co.jp", "fr", "org")
_CORPORATE_SUFFIX = re.compile(r"\b(?:gmbh|s\.a\.|co|group|holdings|inc)\b\.?", re.IGNORECASE)


def ascii_fold(text: str) -> str:
    """'Zoë Ó Súilleabháin' -> 'Zoe O Suilleabhain': what a mail system would accept in an address."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _local(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", ascii_fold(text).lower())


def _domain(rng: random.Random, company: str) -> str:
    words = [_local(word) for word in _CORPORATE_SUFFIX.sub("", company).split()]
    return rng.choice(("", "-")).join(word for word in words if word) + "." + rng.choice(_TLDS)


def email(rng: random.Random, first: str, last: str, company: str) -> str:
    """One of the shapes people's addresses take, at the company or a personal provider."""
    f, l_ = _local(first), _local(last)
    local = rng.choice(
        (f"{f}.{l_}", f"{f[0]}.{l_}", f"{f}{l_[0]}", f"{f}_{l_}", f"{f}", f"{l_}.{f}", f"{f}.{l_}+aws")
    )
    domain = rng.choice(_PERSONAL_DOMAINS) if rng.random() < 0.12 else _domain(rng, company)
    return ascii_fold(f"{local}@{domain}").lower()


def customer(rng: random.Random) -> CustomerContact:
    first, last, company = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), rng.choice(COMPANIES)
    return CustomerContact(
        first_name=first,
        last_name=last,
        full_name=f"{first} {last}",
        email=email(rng, first, last, company),
        company=company,
    )
