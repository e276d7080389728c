"""The URL matrix: every tenant view, every persona. Anonymous → login, outsider → 404,
member without the capability → 403, POST-only on GET → 405, allowed member → success."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Invitation
from accounts.roles import DossierRole, FirmRole
from accounts.services import invitation_create
from billing.models import FirmKyte, KyteSubscription, Mode, Status


@dataclass(frozen=True)
class View:
    name: str
    tenant: str  # "firm" or "dossier"
    allowed: str  # persona that may use it
    lacking: tuple[str, ...] = ()  # members of the tenant without the capability
    post_only: bool = False
    lacking_post: tuple[str, ...] = ()  # may GET, may not POST
    obj: str | None = None  # extra URL object
    post_data: dict = field(default_factory=dict)
    expect: int | None = None  # what the allowed member gets, when not 200 (GET) / 302 (POST)
    scoped_obj: bool = True  # the URL object is looked up in the tenant (another tenant's → 404)
    obj_kwarg: str = "uuid"
    kwargs: dict = field(default_factory=dict)  # further URL arguments


VIEWS = [
    View("firm_dashboard", "firm", "assistant"),
    View("dossier_create", "firm", "accountant", lacking=("assistant",)),
    View("dossier_import", "firm", "accountant", lacking=("assistant",)),
    View("dossier_import_confirm", "firm", "accountant", lacking=("assistant",), post_only=True),
    View("firm_settings", "firm", "owner", lacking=("accountant", "assistant")),
    View("firm_team", "firm", "owner", lacking=("accountant", "assistant")),
    View(
        "firm_invite",
        "firm",
        "owner",
        lacking=("accountant", "assistant"),
        post_only=True,
        post_data={"email": "new@alpha.test", "role": "accountant"},
    ),
    View(
        "firm_invitation_revoke",
        "firm",
        "owner",
        lacking=("accountant",),
        post_only=True,
        obj="firm_invitation",
    ),
    View(
        "firm_member_remove",
        "firm",
        "owner",
        lacking=("accountant", "assistant"),
        post_only=True,
        obj="assistant_membership",
    ),
    View("dossier_dashboard", "dossier", "reader_a"),
    View("dossier_mailboxes", "dossier", "reader_a"),
    View("dossier_settings", "dossier", "reader_a", lacking_post=("reader_a",)),
    View("dossier_members", "dossier", "reader_a"),
    View(
        "dossier_invite",
        "dossier",
        "entrepreneur_a",
        lacking=("reader_a", "assistant"),
        post_only=True,
        post_data={"email": "colleague@client.test", "role": "member"},
    ),
    View(
        "dossier_invitation_revoke",
        "dossier",
        "accountant",
        lacking=("reader_a", "assistant"),
        post_only=True,
        obj="dossier_invitation",
    ),
    View(
        "dossier_member_remove",
        "dossier",
        "entrepreneur_a",
        lacking=("reader_a", "assistant"),
        post_only=True,
        obj="reader_membership",
    ),
    View("kyte_home", "dossier", "reader_a", expect=302),
    View("kyte_activate", "dossier", "entrepreneur_a", lacking=("reader_a", "assistant"), expect=302),
    View("kyte_prompt_snooze", "dossier", "reader_a", post_only=True),
    View("kyte_subscription", "dossier", "reader_a", lacking_post=("reader_a", "assistant")),
    View("kyte_subscribe", "dossier", "entrepreneur_a", lacking=("reader_a", "assistant"), post_only=True),
    View(
        "kyte_checkout_local",
        "dossier",
        "entrepreneur_a",
        lacking=("reader_a", "assistant"),
        obj="checkout_token",
        scoped_obj=False,
    ),
    View("kyte_checkout_return", "dossier", "reader_a"),
    View("kyte_stop", "dossier", "entrepreneur_a", lacking=("reader_a", "assistant"), post_only=True),
    View("kyte_resume", "dossier", "entrepreneur_a", lacking=("reader_a", "assistant"), post_only=True),
    View("kyte_portal", "dossier", "entrepreneur_a", lacking=("reader_a", "assistant"), post_only=True),
    View(
        "kyte_mode",
        "dossier",
        "accountant",
        lacking=("reader_a", "assistant", "entrepreneur_a"),
        post_only=True,
        post_data={"mode": "accountant"},
    ),
    View("customer_list", "dossier", "reader_a"),
    View("customer_create", "dossier", "entrepreneur_a", lacking=("reader_a",)),
    View(
        "customer_edit", "dossier", "reader_a", lacking_post=("reader_a",), obj="customer", obj_kwarg="code"
    ),
    View(
        "customer_archive",
        "dossier",
        "entrepreneur_a",
        lacking=("reader_a",),
        post_only=True,
        obj="customer",
        obj_kwarg="code",
    ),
    View("product_list", "dossier", "reader_a", lacking_post=("reader_a",)),
    View("product_search", "dossier", "reader_a"),
    View("product_edit", "dossier", "reader_a", lacking_post=("reader_a",), obj="product", obj_kwarg="code"),
    View("document_settings", "dossier", "reader_a", lacking_post=("reader_a",)),
    View("invoice_list", "dossier", "reader_a"),
    View("invoice_export", "dossier", "reader_a"),
    View("invoice_create", "dossier", "entrepreneur_a", lacking=("reader_a",), post_only=True),
    View("invoice_detail", "dossier", "reader_a", lacking_post=("reader_a",), obj="draft"),
    View("invoice_preview", "dossier", "reader_a", obj="draft"),
    View("invoice_pdf", "dossier", "reader_a", obj="issued"),
    View("invoice_ubl", "dossier", "reader_a", obj="issued_with_ubl"),
    View("invoice_credit", "dossier", "entrepreneur_a", lacking=("reader_a",), post_only=True, obj="issued"),
    View("invoice_delete", "dossier", "entrepreneur_a", lacking=("reader_a",), post_only=True, obj="draft"),
    View("invoice_send", "dossier", "entrepreneur_a", lacking=("reader_a",), post_only=True, obj="issued"),
    View("invoice_delivery", "dossier", "reader_a", obj="issued"),
    View("invoice_bulk_send", "dossier", "entrepreneur_a", lacking=("reader_a",), post_only=True),
    View("invoice_bulk_progress", "dossier", "reader_a", kwargs={"token": "unknown"}, expect=404),
    View("inbox", "dossier", "reader_a"),
    View("customer_peppol", "dossier", "reader_a", obj="customer", obj_kwarg="code"),
    View("inbox_detail", "dossier", "reader_a", obj="received"),
    View("inbox_file", "dossier", "reader_a", obj="received", kwargs={"kind": "ubl"}),
    View("firm_kyte", "firm", "accountant", lacking=("assistant",)),
    View("surveillance", "firm", "accountant", lacking=("assistant",)),
    View(
        "surveillance_month", "firm", "accountant", lacking=("assistant",), kwargs={"year": 2026, "month": 1}
    ),
    View(
        "surveillance_export", "firm", "accountant", lacking=("assistant",), kwargs={"year": 2026, "month": 1}
    ),
    View(
        "firm_kyte_bulk",
        "firm",
        "accountant",
        lacking=("assistant",),
        post_only=True,
        post_data={"action": "make_available", "dossiers": ["x"]},
    ),
]
OUTSIDERS = {"firm": ("outsider", "entrepreneur_a"), "dossier": ("outsider", "entrepreneur_b")}


@pytest.fixture(autouse=True)
def _eager_tasks(settings):
    """The PDF download renders on demand through the Celery task, run in-process here."""
    from kyte.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _objects(p, view=None):
    firm_inv, _ = invitation_create(
        firm=p.firm, email="pending@x.test", role=FirmRole.ACCOUNTANT, actor=p.owner
    )
    dossier_inv, _ = invitation_create(
        firm=p.firm, dossier=p.dossier_a, email="pending2@x.test", role=DossierRole.MEMBER, actor=p.accountant
    )
    firm_kyte = FirmKyte.objects.create(firm=p.firm, available_by_default=True)
    sub = KyteSubscription.objects.create(
        dossier=p.dossier_a,
        status=Status.TRIAL,
        mode=Mode.SELF_SERVICE,
        trial_started_at=timezone.now(),
        backend="local",
        trial_ends_at=timezone.now() + timedelta(days=30),
    )
    assert firm_kyte.available_by_default
    invoicing = _invoicing_objects(
        p, p.dossier_a, with_ubl=view is not None and view.obj == "issued_with_ubl"
    )
    return {
        **invoicing,
        "received": _received(p.dossier_a),
        "checkout_token": sub.checkout_token,
        "firm_invitation": firm_inv.uuid,
        "dossier_invitation": dossier_inv.uuid,
        "assistant_membership": p.assistant.firm_membership.uuid,
        "reader_membership": p.dossier_a.memberships.get(user=p.reader_a).uuid,
    }


def _received(dossier):
    from django.core.files.base import ContentFile

    from peppol.models import ReceivedDocument

    doc = ReceivedDocument(
        dossier=dossier,
        via="test",
        sender="0208:0202239951",
        receiver=f"0208:{dossier.enterprise_number}",
        instance_id=f"instance-{dossier.code}",
        doctype="test",
        sha256="0" * 64,
        ubl_sha256="0" * 64,
        kind="invoice",
        number="IN-1",
    )
    doc.envelope.save("envelope.xml", ContentFile(b"<x/>"), save=False)
    doc.ubl.save("IN-1.xml", ContentFile(b"<Invoice/>"), save=False)
    doc.save()
    return doc.uuid


def _invoicing_objects(p, dossier, *, with_ubl=False):
    from invoicing import services as inv

    dossier.street, dossier.postal_code, dossier.city = "Rue 1", "5000", "Namur"
    dossier.save()
    customer = inv.customer_create(
        dossier=dossier,
        actor=p.accountant,
        legal_name="Buyer SA",
        enterprise_number="0202239951",
        vat_number="BE0202239951",
        country="BE",
    )
    product = inv.product_save(
        dossier=dossier,
        actor=p.accountant,
        name="Consultance",
        unit="HUR",
        unit_price=Decimal("80"),
        vat_case="standard",
        vat_rate=Decimal("21"),
    )
    line = {
        "description": "Work",
        "quantity": Decimal("1"),
        "unit": "HUR",
        "unit_price": Decimal("100"),
        "discount_percent": Decimal("0"),
        "vat_case": "standard",
        "vat_rate": Decimal("21"),
    }

    def draft():
        invoice = inv.invoice_create(dossier=dossier, actor=p.accountant, customer=customer)
        return inv.invoice_save_draft(invoice=invoice, actor=p.accountant, data={}, lines=[line])

    issued = inv.invoice_issue(invoice=draft(), actor=p.accountant)
    objects = {
        "customer": customer.code,
        "product": product.code,
        "draft": draft().uuid,
        "issued": issued.uuid,
    }
    if with_ubl:  # rendering costs a few hundred ms: only for the view that needs it
        from invoicing.tasks import render_invoice_pdf

        render_invoice_pdf(issued.pk)
        objects["issued_with_ubl"] = issued.uuid
    return objects


def url_for(view: View, p, objects, *, firm=None, dossier=None):
    kwargs = (
        {"firm_slug": (firm or p.firm).slug}
        if view.tenant == "firm"
        else {"dossier_code": (dossier or p.dossier_a).code}
    )
    if view.obj:
        kwargs[view.obj_kwarg] = objects[view.obj]
    return reverse(view.name, kwargs={**kwargs, **view.kwargs})


def call(client, view: View, url):
    return client.post(url, view.post_data) if view.post_only else client.get(url)


ids = [v.name for v in VIEWS]


@pytest.mark.parametrize("view", VIEWS, ids=ids)
def test_anonymous_is_sent_to_login(client, personas, view):
    url = url_for(view, personas, _objects(personas, view))
    response = call(client, view, url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login") + "?next=")


@pytest.mark.parametrize("view", VIEWS, ids=ids)
def test_outsider_gets_404(login, personas, view):
    objects = _objects(personas, view)
    url = url_for(view, personas, objects)
    for persona in OUTSIDERS[view.tenant]:
        response = call(login(personas[persona]), view, url)
        assert response.status_code == 404, persona


@pytest.mark.parametrize("view", VIEWS, ids=ids)
def test_unknown_tenant_code_gets_404(login, personas, view):
    kwargs = {"firm_slug": "no-such-firm"} if view.tenant == "firm" else {"dossier_code": "zzzzzzzz"}
    if view.obj:
        kwargs[view.obj_kwarg] = _objects(personas, view)[view.obj]
    response = call(login(personas[view.allowed]), view, reverse(view.name, kwargs={**kwargs, **view.kwargs}))
    assert response.status_code == 404


SCOPED = [v for v in VIEWS if v.obj and v.scoped_obj]


@pytest.mark.parametrize("view", SCOPED, ids=[v.name for v in SCOPED])
def test_object_of_another_tenant_gets_404(login, personas, view):
    """A member of tenant A naming an object of tenant B in A's URL gets 404, not the object."""
    objects = _objects(personas, view)
    other = {
        "firm_invitation": invitation_create(
            firm=personas.other_firm, email="o@x.test", role="accountant", actor=personas.outsider
        )[0].uuid,
        "dossier_invitation": invitation_create(
            firm=personas.firm,
            dossier=personas.dossier_b,
            email="o2@x.test",
            role="member",
            actor=personas.accountant,
        )[0].uuid,
        "assistant_membership": personas.outsider.firm_membership.uuid,
        "reader_membership": personas.dossier_b.memberships.get(user=personas.entrepreneur_b).uuid,
        "received": _received(personas.dossier_b),
    }
    if view.obj in ("customer", "product", "draft", "issued", "issued_with_ubl"):
        from billing.models import KyteSubscription as Sub

        Sub.objects.create(dossier=personas.dossier_b, status=Status.TRIAL, mode=Mode.SELF_SERVICE)
        other.update(_invoicing_objects(personas, personas.dossier_b, with_ubl=view.obj == "issued_with_ubl"))
    objects[view.obj] = other[view.obj]
    response = call(login(personas[view.allowed]), view, url_for(view, personas, objects))
    assert response.status_code == 404


LACKING = [(v, who) for v in VIEWS for who in v.lacking]


@pytest.mark.parametrize(("view", "persona"), LACKING, ids=[f"{v.name}-{w}" for v, w in LACKING])
def test_member_without_capability_gets_403(login, personas, view, persona):
    response = call(login(personas[persona]), view, url_for(view, personas, _objects(personas, view)))
    assert response.status_code == 403


LACKING_POST = [(v, who) for v in VIEWS for who in v.lacking_post]


@pytest.mark.parametrize(("view", "persona"), LACKING_POST, ids=[f"{v.name}-{w}" for v, w in LACKING_POST])
def test_member_who_may_read_but_not_write_gets_403_on_post(login, personas, view, persona):
    client = login(personas[persona])
    url = url_for(view, personas, _objects(personas, view))
    assert client.get(url).status_code == 200
    assert client.post(url, {"legal_name": "Hijacked"}).status_code == 403
    personas.dossier_a.refresh_from_db()
    assert personas.dossier_a.legal_name != "Hijacked"


POST_ONLY = [v for v in VIEWS if v.post_only]


@pytest.mark.parametrize("view", POST_ONLY, ids=[v.name for v in POST_ONLY])
def test_post_only_view_refuses_get(login, personas, view):
    response = login(personas[view.allowed]).get(url_for(view, personas, _objects(personas, view)))
    assert response.status_code == 405


@pytest.mark.parametrize("view", VIEWS, ids=ids)
def test_allowed_member_gets_the_page(login, personas, view):
    response = call(login(personas[view.allowed]), view, url_for(view, personas, _objects(personas, view)))
    assert response.status_code == (view.expect or (302 if view.post_only else 200))


def _tenant_url_names():
    names = set()

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and (
                "<slug:firm_slug>" in prefix or "<str:dossier_code>" in prefix
            ):
                names.add(p.name)

    walk(get_resolver().url_patterns)
    return names


def test_matrix_covers_every_tenant_view():
    assert _tenant_url_names() == {v.name for v in VIEWS}


@pytest.mark.parametrize("name", ["dossier_choose", "firm_signup"])
def test_global_pages_need_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_set_language_is_post_only(client, db):
    assert client.get(reverse("set_language")).status_code == 405


def test_invitation_links_are_not_enumerable(client, db):
    assert client.get(reverse("invitation_accept", kwargs={"token": "guess"})).status_code == 404
    assert Invitation.objects.count() == 0
