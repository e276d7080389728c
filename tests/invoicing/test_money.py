"""EN 16931 totals: a property-based test over thousands of generated invoices (BR-CO-10 … BR-CO-17)."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.money import (
    AllowanceChargeInput,
    LineInput,
    compute_totals,
    is_valid_structured_communication,
    line_net,
    q2,
    structured_communication,
)

rates = st.sampled_from(
    [
        ("S", Decimal("21")),
        ("S", Decimal("12")),
        ("S", Decimal("6")),
        ("Z", Decimal("0")),
        ("AE", Decimal("0")),
        ("E", Decimal("0")),
        ("K", Decimal("0")),
    ]
)
quantities = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("10000"), places=4)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=4)
discounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)


@st.composite
def lines(draw):
    category, rate = draw(rates)
    return LineInput(draw(quantities), draw(prices), draw(discounts), category, rate)


@st.composite
def allowances(draw):
    category, rate = draw(rates)
    return AllowanceChargeInput(
        draw(st.booleans()),
        draw(st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=2)),
        category,
        rate,
    )


@settings(max_examples=3000, deadline=None)
@given(st.lists(lines(), min_size=1, max_size=12), st.lists(allowances(), max_size=3))
def test_totals_satisfy_the_en16931_identities(line_inputs, allowance_inputs):
    t = compute_totals(line_inputs, allowance_inputs)
    cents = Decimal("0.01")
    for amount in (
        t.line_total,
        t.allowance_total,
        t.charge_total,
        t.tax_exclusive,
        t.tax_total,
        t.tax_inclusive,
        t.payable,
        *t.line_nets,
    ):
        assert amount == amount.quantize(cents)  # two decimals everywhere
    assert t.line_total == sum(t.line_nets)  # BR-CO-10
    assert t.allowance_total == sum(q2(a.amount) for a in allowance_inputs if not a.is_charge)  # BR-CO-11
    assert t.charge_total == sum(q2(a.amount) for a in allowance_inputs if a.is_charge)  # BR-CO-12
    assert t.tax_exclusive == t.line_total - t.allowance_total + t.charge_total  # BR-CO-13
    assert t.tax_total == sum(b.tax for b in t.breakdown)  # BR-CO-14
    assert t.tax_inclusive == t.tax_exclusive + t.tax_total  # BR-CO-15
    assert t.payable == t.tax_inclusive - t.prepaid  # BR-CO-16
    for b in t.breakdown:
        assert b.tax == q2(b.taxable * b.rate / 100)  # BR-CO-17
    assert sum(b.taxable for b in t.breakdown) == t.tax_exclusive  # bases add up to the total without VAT


def test_line_net_rounds_half_up_after_the_discount():
    assert line_net(Decimal("3"), Decimal("0.335")) == Decimal("1.01")  # 1.005 → 1.01
    assert line_net(Decimal("1"), Decimal("100"), Decimal("12.5")) == Decimal("87.50")
    assert line_net(Decimal("0.3333"), Decimal("3")) == Decimal("1.00")


def test_vat_is_computed_on_the_summed_base_not_per_line():
    t = compute_totals([LineInput(Decimal("1"), Decimal("0.05"), Decimal("0"), "S", Decimal("21"))] * 3)
    assert t.breakdown[0].taxable == Decimal("0.15")
    assert t.tax_total == Decimal("0.03")  # per line it would be 3 × 0.01


def test_structured_communication():
    assert structured_communication(1234567890) == "+++123/4567/89002+++"
    assert structured_communication(97) == "+++000/0000/09797+++"  # remainder 0 → check 97
    assert is_valid_structured_communication("+++123/4567/89002+++")
    assert not is_valid_structured_communication("+++123/4567/89003+++")
