from django.urls import path

from households import public, views, views_import, views_market, views_presence

app_name = "households"

urlpatterns = [
    path("h/<str:token>/", public.household_page, name="public"),
    path("h/<str:token>/produce/", views_market.listing_new, name="listing_new"),
    path("market/close/<str:code>/", views_market.listing_close_public, name="listing_close"),
    path("v/<str:code>/market/", views_market.market, name="market"),
    path("market/", views_market.market_queue, name="market_queue"),
    path("market/<int:pk>/action/", views_market.market_action, name="market_action"),
    path("households/", views.household_list, name="list"),
    path("households/groups/", views.group_options, name="group_options"),
    path("households/export/", views.household_export, name="export"),
    path("exports/", views.export_list, name="export_list"),
    path("exports/<str:token>/", views.export_job, name="export_job"),
    path("exports/<str:token>/download/", views.export_download, name="export_download"),
    path("households/new/", views.household_create, name="create"),
    path("households/<int:pk>/", views.household_detail, name="detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="edit"),
    path("households/<int:pk>/qr.png", views.household_qr, name="qr"),
    path("plaques/", views.plaque_sheet, name="plaques"),
    path("public-info/", views.public_info, name="public_info"),
    path("households/<int:pk>/public-code/", views.household_rotate_code, name="rotate_code"),
    path("households/<int:pk>/residents/new/", views.resident_create, name="resident_create"),
    path("households/<int:pk>/documents/new/", views.document_upload, name="document_upload"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/export/", views.resident_export, name="resident_export"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/move/", views.resident_move, name="resident_move"),
    path("residents/<int:pk>/events/new/", views.life_event_create, name="event_create"),
    path("residents/<int:pk>/reveal/<str:field>/", views.resident_reveal, name="reveal"),
    path("residents/<int:pk>/presence/", views_presence.presence_edit, name="presence"),
    path("inflows/", views_presence.inflow_list, name="inflows"),
    path("inflows/<int:pk>/leave/", views_presence.inflow_leave, name="inflow_leave"),
    path("access-log/", views.access_log, name="access_log"),
    path("import/", views_import.import_upload, name="import"),
    path("import/template.xlsx", views_import.import_template, name="import_template"),
    path("import/<str:token>/", views_import.import_preview, name="import_preview"),
    path("import/<str:token>/errors.xlsx", views_import.import_errors, name="import_errors"),
]
