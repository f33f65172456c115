from django.urls import path

from points import views

app_name = "points"

urlpatterns = [
    path("points/", views.entries, name="entries"),
    path("points/find/", views.entry_lookup, name="entry_lookup"),
    path("points/households/<int:pk>/new/", views.entry_new, name="entry_new"),
    path("points/bulk/", views.entry_bulk, name="entry_bulk"),
    path("points/entries/<int:pk>/", views.entry_action, name="entry_action"),
    path("points/rules/", views.rules, name="rules"),
    path("points/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("points/honours/", views.honours, name="honours"),
    path("points/coop/", views.coop, name="coop"),
    path("points/coop/sales/", views.coop_sales, name="coop_sales"),
    path("points/coop/goods/<int:pk>/", views.good_edit, name="good_edit"),
    path("points/report/", views.report, name="report"),
    path("v/<str:code>/points/", views.leaderboard, name="leaderboard"),
]
