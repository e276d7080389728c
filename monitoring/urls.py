from django.urls import path

from monitoring import views

firm_patterns = [
    path("surveillance/", views.surveillance, name="surveillance"),
    path("surveillance/<int:year>-<int:month>/", views.surveillance_month, name="surveillance_month"),
    path(
        "surveillance/<int:year>-<int:month>/export.csv",
        views.surveillance_export,
        name="surveillance_export",
    ),
]
