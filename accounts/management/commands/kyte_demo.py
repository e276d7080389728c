from django.core.management import BaseCommand

from accounts.demo import DEMO_PASSWORD, demo_logins, load_demo


class Command(BaseCommand):
    help = "Create (idempotently) the demo firm, its staff, a dozen client dossiers and their entrepreneurs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=None, help="Make the generated numbers deterministic."
        )

    def handle(self, *args, seed, **options):
        firm = load_demo(seed=seed)
        self.stdout.write(
            self.style.SUCCESS(f"Demo firm '{firm.name}' with {firm.dossiers.count()} dossiers.")
        )
        for role, email in demo_logins():
            self.stdout.write(f"  {role:<44} {email}")
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
