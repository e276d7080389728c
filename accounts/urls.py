from django.urls import include, path

from accounts import views
from billing import urls as billing_urls
from invoicing import urls as invoicing_urls
from monitoring import urls as monitoring_urls
from peppol import urls as peppol_urls

firm_patterns = [
    path("", views.firm_dashboard, name="firm_dashboard"),
    path("dossiers/new/", views.dossier_create, name="dossier_create"),
    path("dossiers/import/", views.dossier_import, name="dossier_import"),
    path("dossiers/import/confirm/", views.dossier_import_confirm, name="dossier_import_confirm"),
    path("settings/", views.firm_settings, name="firm_settings"),
    path("settings/team/", views.firm_team, name="firm_team"),
    path("settings/team/invite/", views.firm_invite, name="firm_invite"),
    path(
        "settings/team/invitations/<uuid:uuid>/revoke/",
        views.firm_invitation_revoke,
        name="firm_invitation_revoke",
    ),
    path("settings/team/members/<uuid:uuid>/remove/", views.firm_member_remove, name="firm_member_remove"),
]

dossier_patterns = [
    path("", views.dossier_dashboard, name="dossier_dashboard"),
    path("mailboxes/", views.dossier_mailboxes, name="dossier_mailboxes"),
    path("settings/", views.dossier_settings, name="dossier_settings"),
    path("settings/members/", views.dossier_members, name="dossier_members"),
    path("settings/members/invite/", views.dossier_invite, name="dossier_invite"),
    path(
        "settings/members/invitations/<uuid:uuid>/revoke/",
        views.dossier_invitation_revoke,
        name="dossier_invitation_revoke",
    ),
    path("settings/members/<uuid:uuid>/remove/", views.dossier_member_remove, name="dossier_member_remove"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("dossiers/", views.dossier_choose, name="dossier_choose"),
    path("onboarding/firm/", views.firm_signup, name="firm_signup"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("language/", views.set_language, name="set_language"),
    path(
        "f/<slug:firm_slug>/",
        include(firm_patterns + billing_urls.firm_patterns + monitoring_urls.firm_patterns),
    ),
    path(
        "d/<str:dossier_code>/",
        include(
            dossier_patterns
            + billing_urls.dossier_patterns
            + invoicing_urls.dossier_patterns
            + peppol_urls.dossier_patterns
        ),
    ),
]
