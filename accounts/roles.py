"""Roles and their capabilities. A view declares the capability it needs; roles grant capabilities."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Capability(models.TextChoices):
    FIRM_VIEW = "firm.view", _("See the firm and its dossiers")
    FIRM_MANAGE = "firm.manage", _("Change the firm's settings")
    FIRM_MANAGE_TEAM = "firm.manage_team", _("Invite and remove staff")
    DOSSIER_CREATE = "dossier.create", _("Create and import dossiers")
    DOSSIER_VIEW = "dossier.view", _("Open the dossier")
    DOSSIER_EDIT = "dossier.edit", _("Change the dossier's data")
    DOSSIER_MANAGE_MEMBERS = "dossier.manage_members", _("Invite and remove the dossier's users")
    KYTE_MANAGE = "kyte.manage", _("Activate, subscribe to and stop Kyte")
    FIRM_KYTE = "firm.kyte", _("Make Kyte available and activate it for clients")


class FirmRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    ACCOUNTANT = "accountant", _("Accountant")
    ASSISTANT = "assistant", _("Assistant")

    @property
    def capabilities(self) -> frozenset[str]:
        return _FIRM_CAPABILITIES[self]

    @property
    def can_manage_firm(self) -> bool:
        return Capability.FIRM_MANAGE in self.capabilities

    @property
    def can_create_dossiers(self) -> bool:
        return Capability.DOSSIER_CREATE in self.capabilities


class DossierRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    MEMBER = "member", _("Member")
    READ_ONLY = "read_only", _("Read only")

    @property
    def capabilities(self) -> frozenset[str]:
        return _DOSSIER_CAPABILITIES[self]

    @property
    def can_edit(self) -> bool:
        return Capability.DOSSIER_EDIT in self.capabilities


_FIRM_CAPABILITIES = {
    FirmRole.OWNER: frozenset(Capability.values),
    FirmRole.ACCOUNTANT: frozenset(
        {
            Capability.FIRM_VIEW,
            Capability.DOSSIER_CREATE,
            Capability.DOSSIER_VIEW,
            Capability.DOSSIER_EDIT,
            Capability.DOSSIER_MANAGE_MEMBERS,
            Capability.KYTE_MANAGE,
            Capability.FIRM_KYTE,
        }
    ),
    FirmRole.ASSISTANT: frozenset({Capability.FIRM_VIEW, Capability.DOSSIER_VIEW, Capability.DOSSIER_EDIT}),
}

_DOSSIER_CAPABILITIES = {
    DossierRole.OWNER: frozenset(
        {
            Capability.DOSSIER_VIEW,
            Capability.DOSSIER_EDIT,
            Capability.DOSSIER_MANAGE_MEMBERS,
            Capability.KYTE_MANAGE,
        }
    ),
    DossierRole.MEMBER: frozenset({Capability.DOSSIER_VIEW, Capability.DOSSIER_EDIT}),
    DossierRole.READ_ONLY: frozenset({Capability.DOSSIER_VIEW}),
}
