import random

import factory
from allauth.account.models import EmailAddress

from accounts.demo import belgian_iban, enterprise_number
from accounts.models import Dossier, DossierMembership, Firm, FirmMembership, User
from accounts.roles import DossierRole, FirmRole

_rng = random.Random(42)
PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name", locale="fr_BE")
    language = "en"

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm

    name = factory.Sequence(lambda n: f"Fiduciaire {n}")
    slug = factory.Sequence(lambda n: f"firm-{n}")
    enterprise_number = factory.LazyFunction(lambda: enterprise_number(_rng))


class FirmMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FirmMembership

    firm = factory.SubFactory(FirmFactory)
    user = factory.SubFactory(UserFactory)
    role = FirmRole.ACCOUNTANT


class DossierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dossier

    firm = factory.SubFactory(FirmFactory)
    legal_name = factory.Sequence(lambda n: f"Client {n} SRL")
    enterprise_number = factory.LazyFunction(lambda: enterprise_number(_rng))
    vat_number = factory.LazyAttribute(lambda o: f"BE{o.enterprise_number}")
    iban = factory.LazyFunction(lambda: belgian_iban(_rng))
    city = "Namur"
    postal_code = "5000"


class DossierMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DossierMembership

    dossier = factory.SubFactory(DossierFactory)
    user = factory.SubFactory(UserFactory)
    role = DossierRole.OWNER
