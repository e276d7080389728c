from django.urls import path

from invoicing import views

dossier_patterns = [
    path("kyte/customers/", views.customer_list, name="customer_list"),
    path("kyte/customers/new/", views.customer_create, name="customer_create"),
    path("kyte/customers/<str:code>/", views.customer_edit, name="customer_edit"),
    path("kyte/customers/<str:code>/archive/", views.customer_archive, name="customer_archive"),
    path("kyte/products/", views.product_list, name="product_list"),
    path("kyte/products/search/", views.product_search, name="product_search"),
    path("kyte/products/<str:code>/", views.product_edit, name="product_edit"),
    path("kyte/documents/", views.document_settings, name="document_settings"),
    path("kyte/invoices/", views.invoice_list, name="invoice_list"),
    path("kyte/invoices/export.csv", views.invoice_export, name="invoice_export"),
    path("kyte/invoices/new/", views.invoice_create, name="invoice_create"),
    path("kyte/invoices/<uuid:uuid>/", views.invoice_detail, name="invoice_detail"),
    path("kyte/invoices/<uuid:uuid>/preview/", views.invoice_preview, name="invoice_preview"),
    path("kyte/invoices/<uuid:uuid>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("kyte/invoices/<uuid:uuid>/ubl/", views.invoice_ubl, name="invoice_ubl"),
    path("kyte/invoices/<uuid:uuid>/credit/", views.invoice_credit, name="invoice_credit"),
    path("kyte/invoices/<uuid:uuid>/delete/", views.invoice_delete, name="invoice_delete"),
]
