"""The Celery app. Without CELERY_BROKER_URL, tasks run eagerly in the calling process.

Limits and the beat schedule live here, in code, not in each deployment's settings:
every task has a soft limit (the task gets SoftTimeLimitExceeded and records a failure
the user can read) and a hard one (the worker process is replaced), so no task holds a
worker forever. Apps add their periodic tasks to BEAT_SCHEDULE (monitoring's nightly
screening at 02:00 Asia/Shanghai, DESIGN §3).
"""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

#: the default limits of a task, in seconds; a task may set tighter ones
SOFT_TIME_LIMIT = 30 * 60
TIME_LIMIT = SOFT_TIME_LIMIT + 60
#: periodic tasks: name → {"task": dotted path, "schedule": crontab(...)}
BEAT_SCHEDULE: dict[str, dict] = {
    # the staff home's village figures (households.stats)
    "registry-figures-stale": {
        "task": "households.tasks.stats_refresh_stale_task",
        "schedule": 5 * 60,
    },
    "registry-exports-purge": {
        "task": "households.tasks.exports_purge_task",
        "schedule": 60 * 60,
    },
    "registry-figures-nightly": {
        "task": "households.tasks.stats_refresh_all_task",
        "schedule": crontab(hour=0, minute=20),
    },
    # return-to-poverty screening (DESIGN §3): collect, load, match, score, alerts
    "monitoring-nightly-screening": {
        "task": "monitoring.tasks.nightly_screening",
        "schedule": crontab(hour=2, minute=0),
    },
    # background jobs whose process died: failed with a sentence, never running for ever
    "monitoring-feeds-reap": {
        "task": "monitoring.tasks.feeds_reap_task",
        "schedule": 5 * 60,
    },
    "registry-jobs-reap": {
        "task": "households.tasks.jobs_reap_task",
        "schedule": 5 * 60,
    },
    # residents' matters past their deadline: to the township, then the county
    "grid-escalate-overdue": {
        "task": "grid.tasks.escalate_overdue_task",
        "schedule": 5 * 60,
    },
    # broadcasts to residents written at night go out when the day's hours begin
    "notices-callouts-due": {
        "task": "notices.tasks.callouts_due_task",
        "schedule": 5 * 60,
    },
    # feed and import files past UPLOAD_RETENTION_DAYS
    "uploads-purge": {
        "task": "monitoring.tasks.uploads_purge_task",
        "schedule": crontab(hour=3, minute=30),
    },
    # the months of feed values and assessments past their retention (partitions dropped)
    "periods-drop": {
        "task": "monitoring.tasks.periods_drop_task",
        "schedule": crontab(hour=3, minute=40),
    },
    # the months of notifications and of access records past their retention
    "notifications-drop": {
        "task": "notices.tasks.notifications_drop_task",
        "schedule": crontab(hour=3, minute=45),
    },
    "access-drop": {
        "task": "households.tasks.access_drop_task",
        "schedule": crontab(hour=3, minute=50),
    },
}

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_soft_time_limit=SOFT_TIME_LIMIT,
    task_time_limit=TIME_LIMIT,
    beat_schedule=BEAT_SCHEDULE,
)
app.autodiscover_tasks()
