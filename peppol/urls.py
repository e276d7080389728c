from django.urls import path

from peppol import views

dossier_patterns = [
    path("kyte/invoices/send/", views.invoice_bulk_send, name="invoice_bulk_send"),
    path("kyte/invoices/sending/<str:token>/", views.invoice_bulk_progress, name="invoice_bulk_progress"),
    path("kyte/invoices/<uuid:uuid>/send/", views.invoice_send, name="invoice_send"),
    path("kyte/invoices/<uuid:uuid>/delivery/", views.invoice_delivery, name="invoice_delivery"),
    path("kyte/customers/<str:code>/peppol/", views.customer_peppol, name="customer_peppol"),
    path("kyte/received/", views.inbox, name="inbox"),
    path("kyte/received/<uuid:uuid>/", views.inbox_detail, name="inbox_detail"),
    path("kyte/received/<uuid:uuid>/<str:kind>/", views.inbox_file, name="inbox_file"),
]
