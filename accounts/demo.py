"""Demo data: a firm with its staff and a dozen realistic Belgian client dossiers (valid numbers and IBANs)."""

from __future__ import annotations

import random

from allauth.account.models import EmailAddress
from django.db import transaction
from stdnum import iban as std_iban

from accounts.identifiers import bic_for_iban
from accounts.models import Dossier, DossierMembership, Firm, FirmMembership, LegalForm, User
from accounts.roles import DossierRole, FirmRole
from accounts.services import audit_log

DEMO_PASSWORD = "kyte-demo-2026"
DEMO_DOMAIN = "demo.kyte.test"
FIRM_SLUG = "fiduciaire-demo"

STAFF = [
    ("owner", "Isabelle Verhaegen", FirmRole.OWNER, "fr"),
    ("accountant", "Thomas Dubois", FirmRole.ACCOUNTANT, "fr"),
    ("assistant", "Lien Claes", FirmRole.ASSISTANT, "nl"),
]

# (legal name, legal form, street, postal code, city, language, entrepreneur, login)
CLIENTS = [
    ("Boulangerie Dupont", LegalForm.SRL, "Rue de Fer 12", "5000", "Namur", "fr", "Marc Dupont", "dupont"),
    ("Brouwerij De Smet", LegalForm.SRL, "Veldstraat 88", "9000", "Gent", "nl", "An De Smet", "desmet"),
    (
        "Menuiserie Lambert",
        LegalForm.SOLE,
        "Rue Saint-Gilles 140",
        "4000",
        "Liège",
        "fr",
        "Luc Lambert",
        "lambert",
    ),
    (
        "Bakkerij Peeters",
        LegalForm.SOLE,
        "Bondgenotenlaan 21",
        "3000",
        "Leuven",
        "nl",
        "Jan Peeters",
        "peeters",
    ),
    (
        "Atelier Graphique Lemaire",
        LegalForm.SRL,
        "Chaussée d'Ixelles 233",
        "1050",
        "Ixelles",
        "fr",
        "Claire Lemaire",
        "lemaire",
    ),
    (
        "Van den Broeck Elektriciteit",
        LegalForm.SRL,
        "Meir 45",
        "2000",
        "Antwerpen",
        "nl",
        "Koen Van den Broeck",
        "vandenbroeck",
    ),
    (
        "Cabinet de kinésithérapie Martin",
        LegalForm.SOLE,
        "Boulevard Tirou 9",
        "6000",
        "Charleroi",
        "fr",
        "Sophie Martin",
        "martin",
    ),
    (
        "Tuinaanleg Janssens",
        LegalForm.SNC,
        "Kempischesteenweg 300",
        "3500",
        "Hasselt",
        "nl",
        "Pieter Janssens",
        "janssens",
    ),
    ("IT Consult Maes", LegalForm.SRL, "Grote Markt 7", "2800", "Mechelen", "nl", "Els Maes", "maes"),
    ("Fleurs & Co", LegalForm.SRL, "Grand-Place 30", "7000", "Mons", "fr", "Nathalie Leroy", "leroy"),
    ("Transport Claeys", LegalForm.SA, "Kustlaan 112", "8000", "Brugge", "nl", "Bart Claeys", "claeys"),
    (
        "Studio Wouters Architecture",
        LegalForm.SRL,
        "Avenue Louise 350",
        "1050",
        "Bruxelles",
        "en",
        "Emma Wouters",
        "wouters",
    ),
]

BANK_CODES = ["001", "310", "734", "068", "000", "363"]


def enterprise_number(rng: random.Random) -> str:
    base = rng.randrange(20_000_000, 99_999_999)
    return f"0{base:08d}"[:8] + f"{97 - int(f'0{base:08d}'[:8]) % 97:02d}"


def belgian_iban(rng: random.Random) -> str:
    bank = rng.choice(BANK_CODES)
    account = f"{bank}{rng.randrange(0, 10_000_000):07d}"
    check = int(account) % 97 or 97
    bban = f"{account}{check:02d}"
    return f"BE{std_iban.calc_check_digits('BE00' + bban)}{bban}"


def demo_logins() -> list[tuple[str, str]]:
    logins = [(f"Firm {role.value}", f"{login}@{DEMO_DOMAIN}") for login, _n, role, _l in STAFF]
    logins += [(f"Entrepreneur ({c[0]})", f"{c[7]}@{DEMO_DOMAIN}") for c in CLIENTS[:3]]
    logins.append(("… one per dossier", f"<name>@{DEMO_DOMAIN}"))
    return logins


def _user(email: str, full_name: str, language: str) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "language": language}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@transaction.atomic
def load_demo(*, seed: int | None = None) -> Firm:
    rng = random.Random(seed if seed is not None else 2026)  # noqa: S311 - demo data, not secrets
    firm, created = Firm.objects.get_or_create(
        slug=FIRM_SLUG,
        defaults={
            "name": "Fiduciaire Demo",
            "enterprise_number": "0403170701",
            "vat_number": "BE0403170701",
            "street": "Rue de la Loi 16",
            "postal_code": "1000",
            "city": "Bruxelles",
            "email": f"office@{DEMO_DOMAIN}",
            "phone": "+32 2 555 01 00",
        },
    )
    from billing.models import FirmKyte

    FirmKyte.objects.get_or_create(firm=firm, defaults={"available_by_default": True})
    staff = {}
    for login, name, role, language in STAFF:
        user = _user(f"{login}@{DEMO_DOMAIN}", name, language)
        FirmMembership.objects.get_or_create(user=user, defaults={"firm": firm, "role": role})
        staff[login] = user
    if created:
        audit_log(
            actor=staff["owner"], firm=firm, obj=firm, action="kyte.firm.created", data={"name": firm.name}
        )
    for name, form, street, postal, city, language, person, login in CLIENTS:
        number = enterprise_number(rng)
        iban = belgian_iban(rng)
        code = "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(8))
        dossier = Dossier.objects.filter(firm=firm, legal_name=name).first()
        if dossier is None:
            dossier = Dossier.objects.create(
                firm=firm,
                code=code,
                legal_name=name,
                legal_form=form,
                enterprise_number=number,
                vat_number="" if form == LegalForm.SOLE and login == "martin" else f"BE{number}",
                street=street,
                postal_code=postal,
                city=city,
                iban=iban,
                bic=bic_for_iban(iban),
                email=f"{login}@{DEMO_DOMAIN}",
                phone=f"+32 4{rng.randrange(70, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} "
                f"{rng.randrange(10, 99)}",
                language=language,
                accountant=staff["accountant"],
            )
            audit_log(
                actor=staff["accountant"],
                dossier=dossier,
                obj=dossier,
                action="kyte.dossier.created",
                data={"legal_name": name, "enterprise_number": number},
            )
        user = _user(f"{login}@{DEMO_DOMAIN}", person, language if language != "en" else "en")
        DossierMembership.objects.get_or_create(
            dossier=dossier, user=user, defaults={"role": DossierRole.OWNER}
        )
    _demo_kyte(firm, staff)
    return firm


def _demo_history(firm: Firm, owner_of: dict, accountant: User) -> None:
    """Past Kyte periods (ended at least 40 days ago) so Surveillance has months of history to chart; the months
    that are over are then closed, as the beat job does."""
    from datetime import timedelta

    from django.utils import timezone

    from billing.models import KyteSubscription, Mode, StatusChange
    from monitoring.services import close_ended_months

    rng = random.Random(7)  # noqa: S311 - demo data
    now = timezone.now()
    for dossier in firm.dossiers.order_by("legal_name"):
        if rng.random() < 0.25:
            continue
        sub, _ = KyteSubscription.objects.get_or_create(dossier=dossier)
        mode = Mode.ACCOUNTANT if rng.random() < 0.5 else Mode.SELF_SERVICE
        actor = accountant if mode == Mode.ACCOUNTANT else owner_of.get(dossier.pk)
        start = now - timedelta(days=rng.randrange(200, 600))
        end = min(start + timedelta(days=rng.randrange(45, 420)), now - timedelta(days=40))
        steps = [(start, "not_active", "trial"), (start + timedelta(days=30), "trial", "active")]
        steps.append((end, "active", "not_active"))
        for at, before, after in steps:
            StatusChange.objects.create(
                subscription=sub,
                dossier=dossier,
                at=at,
                from_status=before,
                to_status=after,
                mode=mode,
                actor=actor,
                reason="demo_history",
            )
    close_ended_months(now=now)


def _demo_kyte(firm: Firm, staff: dict) -> None:
    """A few dossiers in each Kyte state, so every screen has something to show (only on first load)."""
    from datetime import timedelta

    from django.utils import timezone

    from billing import services as kyte
    from billing.models import KyteSubscription, Mode

    if KyteSubscription.objects.filter(dossier__firm=firm).exclude(status="not_active").exists():
        return
    by_name = {d.legal_name: d for d in firm.dossiers.all()}
    owner_of = {m.dossier_id: m.user for m in DossierMembership.objects.filter(dossier__firm=firm)}
    accountant = staff["accountant"]

    def start(name, mode, days_ago, contact=None):
        d = by_name[name]
        actor = accountant if mode == Mode.ACCOUNTANT else owner_of[d.pk]
        contact = contact or kyte.default_contact(user=actor, dossier=d, mode=mode)
        company = {f: getattr(d, f) for f in kyte.COMPANY_FIELDS}
        sub = kyte.kyte_start_trial(dossier=d, actor=actor, mode=mode, company=company, contact=contact)
        started = timezone.now() - timedelta(days=days_ago)
        KyteSubscription.objects.filter(pk=sub.pk).update(
            trial_started_at=started, trial_ends_at=started + timedelta(days=30)
        )
        sub.refresh_from_db()
        return d, sub

    _demo_history(firm, owner_of, accountant)
    start("Brouwerij De Smet", Mode.SELF_SERVICE, days_ago=10)
    d, sub = start("Studio Wouters Architecture", Mode.SELF_SERVICE, days_ago=3)
    kyte.kyte_local_checkout_paid(dossier=d, actor=owner_of[d.pk], token=sub.checkout_token)
    d, _ = start("IT Consult Maes", Mode.ACCOUNTANT, days_ago=29)
    kyte.kyte_update_contact(dossier=d, actor=accountant, name="Els Maes", email=d.email, phone=d.phone)
    kyte.kyte_firm_subscribe(dossier=d, actor=accountant)
    start("Transport Claeys", Mode.ACCOUNTANT, days_ago=25)
