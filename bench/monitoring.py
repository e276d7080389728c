"""Surveillance benchmark (run on demand, not in CI):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kyte_bench .venv/bin/python bench/monitoring.py [--dossiers 5000]

A firm with N dossiers and 36 months of Kyte state changes (trials, firm and self-service subscriptions, mode
switches, stops). Prints: the time to close one month and to close all 35 ended months; the Surveillance page
server time (median of 20) and query count with every month closed (current month computed, then cached), and
with no month closed (24 months counted live from the history, the worst case); the drill-down and CSV export.
Set REDIS_URL to use Redis as the cache, as in production.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import configure, test_database  # noqa: E402

configure()

BXL = ZoneInfo("Europe/Brussels")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=5_000)
    parser.add_argument("--months", type=int, default=36)
    args = parser.parse_args()

    with test_database():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        run(args, CaptureQueriesContext, connection)


def _timed(client, url: str, CaptureQueriesContext, connection, n: int = 20, cold: bool = False):  # noqa: N803
    from django.core.cache import cache

    client.get(url)
    times = []
    for _ in range(n):
        if cold:
            cache.clear()
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times), len(queries)


def run(args, CaptureQueriesContext, connection) -> None:  # noqa: N803
    import time_machine
    from django.test import Client

    from accounts.models import Dossier, Firm, FirmMembership, User
    from billing.models import KyteSubscription, StatusChange
    from monitoring import intervals, services

    now = datetime(2026, 12, 4, 15, tzinfo=BXL)
    rng = random.Random(36)  # noqa: S311 - benchmark data
    firm = Firm.objects.create(name="Bench", slug="bench")
    owner = User.objects.create_user("owner@bench.test", "pw-bench-123")
    FirmMembership.objects.create(firm=firm, user=owner, role="owner")
    staff = [owner]
    for n in range(5):
        user = User.objects.create_user(f"acc{n}@bench.test", "pw-bench-123")
        FirmMembership.objects.create(firm=firm, user=user, role="accountant")
        staff.append(user)
    t0 = time.perf_counter()
    dossiers = Dossier.objects.bulk_create(
        Dossier(
            firm=firm,
            legal_name=f"Client {n:05d} SRL",
            enterprise_number=f"{10_000_000 + n:08d}{97 - (10_000_000 + n) % 97:02d}",
            accountant=rng.choice(staff),
        )
        for n in range(args.dossiers)
    )
    subs = KyteSubscription.objects.bulk_create(KyteSubscription(dossier=d) for d in dossiers)
    start = now - timedelta(days=30.44 * args.months)
    changes = []
    for dossier, sub in zip(dossiers, subs, strict=True):
        at = start + timedelta(days=rng.uniform(0, 30.44 * args.months * 0.8))
        status, mode = "not_active", rng.choice(["accountant", "self_service"])
        while at < now:
            if status == "not_active":
                following = "trial"
            elif status == "trial":
                following = rng.choice(["active", "active", "not_active"])
            else:
                following = rng.choice(["not_active", "past_due", "active"]) if rng.random() < 0.5 else status
                if following == status:  # a mode switch, same status
                    mode = "self_service" if mode == "accountant" else "accountant"
            changes.append(
                StatusChange(
                    subscription=sub,
                    dossier=dossier,
                    at=at,
                    from_status=status,
                    to_status=following,
                    mode=mode,
                    reason="bench",
                )
            )
            status = following
            at += timedelta(days=30 if status == "trial" else rng.uniform(20, 400))
    StatusChange.objects.bulk_create(changes, batch_size=5000)
    print(
        f"data: {args.dossiers} dossiers, {len(changes)} state changes over {args.months} months "
        f"(built in {time.perf_counter() - t0:.1f} s)"
    )

    client = Client()
    client.force_login(owner)
    url = f"/f/{firm.slug}/surveillance/"
    with time_machine.travel(now, tick=False):
        live_ms, live_q = _timed(client, url, CaptureQueriesContext, connection, n=10, cold=True)
        last = intervals.month_of(now - timedelta(days=now.day + 1))
        t0 = time.perf_counter()
        close = services.close_month(firm=firm, month=last, now=now)
        one = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        closed = services.close_ended_months(now=now)
        every = time.perf_counter() - t0
        t0 = time.perf_counter()
        services.close_month(firm=firm, month=last, now=now)
        recheck = (time.perf_counter() - t0) * 1000
        closed_ms, closed_q = _timed(client, url, CaptureQueriesContext, connection, cold=True)
        cached_ms, cached_q = _timed(client, url, CaptureQueriesContext, connection)
        month_url = f"/f/{firm.slug}/surveillance/{last:%Y-%m}/?show=billable"
        month_ms, month_q = _timed(client, month_url, CaptureQueriesContext, connection)
        csv_ms, csv_q = _timed(
            client, f"/f/{firm.slug}/surveillance/{last:%Y-%m}/export.csv", CaptureQueriesContext, connection
        )
        current_url = f"/f/{firm.slug}/surveillance/{intervals.month_of(now):%Y-%m}/"
        current_ms, current_q = _timed(client, current_url, CaptureQueriesContext, connection)
    print(
        f"close: one month ({last:%Y-%m}: {close.activated} activated, {close.billable} billable) {one:.0f} ms; "
        f"{closed} more months {every:.1f} s; re-run of a closed month {recheck:.0f} ms (no change)"
    )
    print(f"page, every month closed: median {closed_ms:.1f} ms, {closed_q} queries (current month computed)")
    print(f"page, every month closed, current month cached: median {cached_ms:.1f} ms, {cached_q} queries")
    print(f"page, no month closed (24 months live): median {live_ms:.1f} ms, {live_q} queries")
    print(f"drill-down of a closed month: median {month_ms:.1f} ms, {month_q} queries")
    print(f"drill-down of the current month (live): median {current_ms:.1f} ms, {current_q} queries")
    print(f"CSV export of a closed month: median {csv_ms:.1f} ms, {csv_q} queries")
    print(f"ratio page live / closed: {live_ms / closed_ms:.1f}x")
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        with time_machine.travel(now, tick=False):
            for target in (url, month_url):
                profile = cProfile.Profile()
                profile.enable()
                client.get(target)
                profile.disable()
                pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
