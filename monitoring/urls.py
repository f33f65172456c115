from django.urls import path

from monitoring import method_views, public, views

app_name = "monitoring"

urlpatterns = [
    path("h/<str:token>/hardship/", public.hardship_report, name="hardship"),
    path("monitoring/", views.queue, name="queue"),
    path("monitoring/assign/", views.queue_assign, name="assign"),
    path("monitoring/export/", views.queue_export, name="export"),
    path("monitoring/alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("monitoring/monitored/", views.monitored_list, name="monitored_list"),
    path("monitoring/monitored/<int:pk>/", views.monitored_detail, name="monitored"),
    path("monitoring/households/<int:pk>/income/", views.income_edit, name="income"),
    path("monitoring/campaigns/", views.campaigns, name="campaigns"),
    path("monitoring/portrait/", views.portrait, name="portrait"),
    path("monitoring/portrait/chart.svg", views.portrait_chart, name="portrait_chart"),
    path("monitoring/wall/", views.wall, name="wall"),
    path("monitoring/portrait/export/", views.portrait_export, name="portrait_export"),
    path("monitoring/portrait/rules/", method_views.portrait_rules, name="portrait_rules"),
    path("monitoring/portrait/remind/", method_views.portrait_remind, name="remind"),
    path("monitoring/reminders/", method_views.reminder_list, name="reminders"),
    path("monitoring/reminders/<int:pk>/", method_views.reminder_detail, name="reminder"),
    path("monitoring/checks/", method_views.check_list, name="checks"),
    path("monitoring/checks/<int:pk>/", method_views.check_detail, name="check"),
    path("monitoring/meetings/", method_views.meeting_list, name="meetings"),
    path("monitoring/meetings/new/", method_views.meeting_new, name="meeting_new"),
    path("monitoring/meetings/<int:pk>/", method_views.meeting_detail, name="meeting"),
    path("monitoring/lookback/", method_views.lookback, name="lookback"),
    path("monitoring/feeds/", views.feed_list, name="feeds"),
    path("monitoring/runs/", views.run_list, name="runs"),
    path("monitoring/feeds/<int:pk>/rejections/", views.feed_rejections, name="rejections"),
    path("monitoring/feeds/<int:pk>/retry/", views.feed_retry, name="feed_retry"),
    path("monitoring/catalogue/", views.catalogue, name="catalogue"),
    path("monitoring/catalogue/new/", views.item_edit, name="item_new"),
    path("monitoring/catalogue/items/<int:pk>/", views.item_edit, name="item_edit"),
    path("monitoring/rules/", views.rules, name="rules"),
    path("monitoring/rules/new/", views.rule_edit, name="rule_new"),
    path("monitoring/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("monitoring/catalogue/<str:code>/template/", views.feed_template, name="template"),
]
