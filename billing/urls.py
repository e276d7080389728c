from django.urls import path

from billing import views

dossier_patterns = [
    path("kyte/", views.kyte_home, name="kyte_home"),
    path("kyte/activate/", views.kyte_activate, name="kyte_activate"),
    path("kyte/later/", views.kyte_prompt_snooze, name="kyte_prompt_snooze"),
    path("kyte/subscription/", views.kyte_subscription, name="kyte_subscription"),
    path("kyte/subscription/start/", views.kyte_subscribe, name="kyte_subscribe"),
    path("kyte/subscription/checkout/<uuid:uuid>/", views.kyte_checkout_local, name="kyte_checkout_local"),
    path("kyte/subscription/return/", views.kyte_checkout_return, name="kyte_checkout_return"),
    path("kyte/subscription/stop/", views.kyte_stop, name="kyte_stop"),
    path("kyte/subscription/resume/", views.kyte_resume, name="kyte_resume"),
    path("kyte/subscription/portal/", views.kyte_portal, name="kyte_portal"),
    path("kyte/subscription/mode/", views.kyte_mode, name="kyte_mode"),
]

firm_patterns = [
    path("settings/kyte/", views.firm_kyte, name="firm_kyte"),
    path("kyte/bulk/", views.firm_kyte_bulk, name="firm_kyte_bulk"),
]
