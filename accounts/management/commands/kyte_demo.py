from django.core.management import BaseCommand

from accounts.demo import DEMO_PASSWORD, demo_logins, load_demo


class Command(BaseCommand):
    help = "Create (idempotently) the demo firm, its staff, a dozen client dossiers and their entrepreneurs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=None, help="Make the generated numbers deterministic."
        )
        parser.add_argument(
            "--invoices", type=int, default=24, help="Issued invoices per dossier where Kyte is active."
        )

    def handle(self, *args, seed, invoices, **options):
        from billing.models import KyteSubscription
        from invoicing.demo import load_invoicing_demo

        firm = load_demo(seed=seed)
        for sub in KyteSubscription.objects.filter(dossier__firm=firm).select_related(
            "dossier", "activated_by"
        ):
            if sub.is_active:
                load_invoicing_demo(dossier=sub.dossier, actor=sub.activated_by, count=invoices, seed=seed)
        self.stdout.write(
            self.style.SUCCESS(f"Demo firm '{firm.name}' with {firm.dossiers.count()} dossiers.")
        )
        for role, email in demo_logins():
            self.stdout.write(f"  {role:<44} {email}")
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
