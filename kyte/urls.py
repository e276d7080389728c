from django.contrib import admin
from django.urls import include, path

from billing import views as billing_views
from kyte import views
from peppol import as4_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("healthz/", views.healthz, name="healthz"),
    path("billing/stripe/webhook/", billing_views.stripe_webhook, name="stripe_webhook"),
    path("peppol/as4/", as4_views.as4_receive, name="as4_receive"),
    path("", include("accounts.urls")),
]
