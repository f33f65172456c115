"""What the notices app brings to the shared pages (registered from NoticesConfig.ready):
menu entries (notices, the voice inbox, messages with their unread count), the notices
and voice parts of the public household page, the village board as the village's
public front page, the inbox as the portal's delivery of notifications
(villages.notifications), and its answer to the grid's announcement that a matter was
resolved (a message that became the matter gets its reply)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _

from grid.services import MATTER_RESOLVED
from households.services import LISTING_REFUSED, LISTING_SOLD
from notices import callouts, public, services
from notices.roles import CALLOUT_READERS, INBOX_HOLDERS, NOTICE_READERS, VOICE_READERS
from villages.registry import MenuEntry, PublicPanel, portal


def register() -> None:
    portal.add_menu(
        MenuEntry(
            key="notices",
            label=_("Notices"),
            url_name="notices:list",
            roles=NOTICE_READERS,
            order=50,
            active_for=("notices:new", "notices:detail", "notices:edit"),
        )
    )
    portal.add_menu(
        MenuEntry(
            key="voice",
            label=_("Voice of the people"),
            url_name="notices:voice",
            roles=VOICE_READERS,
            order=55,
            active_for=("notices:voice_detail", "notices:voice_phone"),
        )
    )
    portal.add_menu(
        MenuEntry(
            key="inbox",
            label=_("Messages"),
            url_name="notices:inbox",
            roles=INBOX_HOLDERS,
            order=90,
            active_for=("notices:broadcast",),
            badge=services.unread_count,
        )
    )
    portal.add_public_panel(
        PublicPanel(
            key="notices",
            title=_("Notices and village rules"),
            template="notices/_public_notices.html",
            context=public.notices_panel,
            order=30,
            version_key=lambda household: services.public_key(household.village_code),
        )
    )
    portal.add_menu(
        MenuEntry(
            key="callouts",
            label=_("Broadcasts to residents"),
            url_name="notices:callouts",
            roles=CALLOUT_READERS,
            order=52,
            active_for=("notices:callout_new", "notices:callout", "notices:speaker_zones"),
        )
    )
    portal.add_public_panel(
        PublicPanel(
            key="callouts",
            title=_("Village broadcasts"),
            template="notices/_public_callouts.html",
            context=public.callouts_panel,
            order=25,
            version_key=lambda household: callouts.version_key(household.village_code),
            version=callouts.this_hour,
        )
    )
    portal.add_village_panel(
        PublicPanel(
            key="callouts",
            title=_("Village broadcasts"),
            template="notices/_public_callouts.html",
            context=public.board_callouts_panel,
            order=5,
            version_key=lambda village: callouts.version_key(village.code),
            version=callouts.this_hour,
        )
    )
    portal.add_public_panel(
        PublicPanel(
            key="voice",
            title=_("Voice of the people"),
            template="notices/_public_voice.html",
            context=public.voice_panel,
            order=50,
            version_key=lambda household: services.voice_key(household.pk),
        )
    )
    portal.village_page = "notices:board"  # the village's public front page
    portal.deliver = services.notify  # the inbox keeps every app's notifications
    portal.deliver_each = services.notify_each
    portal.on(MATTER_RESOLVED, services.reply_from_matter)
    portal.on(LISTING_REFUSED, services.text_listing_refused)
    portal.on(LISTING_SOLD, services.text_listing_sold)
    user_logged_in.connect(services.count_at_login, dispatch_uid="notices-unread-count")
