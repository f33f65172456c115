from django.urls import path

from notices import public, views, views_callout, views_inbox, views_voice

app_name = "notices"

urlpatterns = [
    path("notices/", views.notice_list, name="list"),
    path("notices/new/", views.notice_edit, name="new"),
    path("notices/<int:pk>/", views.notice_detail, name="detail"),
    path("notices/<int:pk>/edit/", views.notice_edit, name="edit"),
    path("notices/<int:pk>/action/", views.notice_action, name="action"),
    path("notices/<int:pk>/lines/", views.line_add, name="line_add"),
    path("notices/lines/<int:pk>/delete/", views.line_delete, name="line_delete"),
    path("notices/<int:pk>/files/", views.file_add, name="file_add"),
    path("notices/files/<int:pk>/", views.file_staff, name="file"),
    path("notices/files/<int:pk>/delete/", views.file_delete, name="file_delete"),
    path("voice/", views_voice.voice_list, name="voice"),
    path("voice/<int:pk>/", views_voice.voice_detail, name="voice_detail"),
    path("voice/<int:pk>/action/", views_voice.voice_action, name="voice_action"),
    path("voice/<int:pk>/phone/", views_voice.voice_phone, name="voice_phone"),
    path("inbox/", views_inbox.inbox, name="inbox"),
    path("inbox/read/", views_inbox.inbox_read, name="inbox_read"),
    path("inbox/text/", views_inbox.text_contact, name="text_contact"),
    path("broadcast/", views_inbox.broadcast, name="broadcast"),
    path("callouts/", views_callout.callout_list, name="callouts"),
    path("callouts/new/", views_callout.callout_new, name="callout_new"),
    path("callouts/<int:pk>/", views_callout.callout_detail, name="callout"),
    path("callouts/zones/", views_callout.speaker_zones, name="speaker_zones"),
    # public pages
    path("v/<str:code>/", public.board, name="board"),
    path("v/<str:code>/notices/<int:pk>/", public.notice_page, name="public_notice"),
    path("v/<str:code>/notices/<int:pk>/files/<int:file>/", public.notice_file, name="public_file"),
    path("h/<str:token>/voice/", public.voice_form, name="voice_form"),
    path("h/<str:token>/texts/", public.texts, name="texts"),
    path("voice/r/<str:receipt>/", public.voice_receipt, name="voice_receipt"),
]
