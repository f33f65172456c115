"""Exports of the household and resident lists (issue 7).

A list of up to a page's worth of rows is written in the request, as before. A larger one
becomes an ExportJob: a Celery task streams the rows into the one xlsx writer (a temporary
file, constant memory), encrypts the workbook chunk by chunk into MEDIA_ROOT, and the
user downloads it from the job's page until it expires. Every download is recorded in the
access log, with the reason when full numbers were asked for.

Rows are read as tuples in chunks of 2,000 (heads and member counts as correlated
subqueries, two index probes a row), and choice labels looked up in dictionaries built
once. A masked export reads
the masked numbers stored beside the ciphers and decrypts nothing; only a full export
decrypts, under the reveal rule the view enforced.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import tempfile
from collections.abc import Iterable, Iterator

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db.models import CharField, Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common import leases
from common.crypto import decrypt, decrypt_stream, encrypt_stream
from common.queue import enqueue
from common.xlsx import SheetSpec, XlsxWriter
from households import plaques
from households.forms import HouseholdFilterForm, ResidentFilterForm
from households.models import (
    DisabilityGrade,
    Education,
    Employment,
    ExportJob,
    ExportKind,
    ExportStatus,
    Health,
    Household,
    LabourAbility,
    LivingEnvironment,
    MonitoringCategory,
    Political,
    PovertyStatus,
    Relation,
    Resident,
    ResidentStatus,
    Sex,
)
from households.roles import REGISTRY_READERS
from households.selectors import filter_households, filter_residents
from villages.models import Level, Region
from villages.scoping import may_see_identity_everywhere, require_role

logger = logging.getLogger(__name__)

CHUNK = 2_000
PROGRESS_EVERY = 5_000
# The export task's limits (households.tasks); a county's 700,000 residents take about a
# minute. A job still "writing" past its hard limit has lost its process (common.leases).
EXPORT_SOFT_LIMIT = 30 * 60
EXPORT_TIME_LIMIT = EXPORT_SOFT_LIMIT + 60
EXPORT_LEASE = EXPORT_TIME_LIMIT + 60


def export_queryset(user, kind: str, params: QueryDict) -> QuerySet:
    """What the list shows this user with these filters, in the list's order (plaques:
    the households of one village the user reads)."""
    if kind == ExportKind.PLAQUES:
        village = params.get("village", "")
        return (
            Household.objects.visible_to(user)
            .filter(village_id=int(village) if village.isdigit() else 0)
            .order_by("number")
        )
    if kind == ExportKind.HOUSEHOLDS:
        form = HouseholdFilterForm(params or None, user=user)
        qs = Household.objects.visible_to(user)
        if form.is_valid():
            qs = filter_households(qs, form.cleaned_data)
        return qs.order_by("village__code", "number")
    resident_form = ResidentFilterForm(params or None, user=user)
    residents = Resident.objects.visible_to(user)
    residents = (
        filter_residents(residents, resident_form.cleaned_data)
        if resident_form.is_valid()
        else residents.living()
    )
    return residents.order_by("household__village__code", "household__number", "pk")


def _labels(choices) -> dict:
    return {value: str(label) for value, label in choices}


def _region_names() -> dict[int, str]:
    return dict(
        Region.objects.filter(level__in=[Level.VILLAGE, Level.GROUP]).values_list("pk", "name")
    )


def household_headers() -> list[str]:
    return [
        _("Village"),
        _("Villager group"),
        _("Household number"),
        _("Head of household"),
        _("Head's ID number"),
        _("Members"),
        _("Address"),
        _("Poverty status"),
        _("Monitored household"),
        _("低保"),
        _("特困"),
        _("Contracted land (mu)"),
        _("Living environment"),
    ]


UNIT_SEPARATOR = "\x1f"  # between the head's name and number in one subquery's value


def household_rows(qs: QuerySet[Household], *, full: bool) -> Iterator[list]:
    names = _region_names()
    poverty = _labels(PovertyStatus.choices)
    monitoring = _labels(MonitoringCategory.choices)
    environment = _labels(LivingEnvironment.choices)
    yes = _("Yes")
    number_field = "id_cipher" if full else "id_masked"
    heads = Resident.objects.filter(
        household=OuterRef("pk"), status=ResidentStatus.LIVING, relation=Relation.HEAD
    ).order_by("pk")
    members = (
        Resident.objects.filter(household=OuterRef("pk"), status=ResidentStatus.LIVING)
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # the head (name and number in one value: one probe, issue 26) and the member count
    # as correlated subqueries: two index probes a row in the database, the rows streamed
    # in chunks
    head_pair = Concat("name", Value(UNIT_SEPARATOR), number_field, output_field=CharField())
    rows = (
        qs.annotate(
            head_pair=Subquery(heads.annotate(pair=head_pair).values("pair")[:1]),
            members=Subquery(members),
        )
        .values_list(
            "village_id",
            "group_id",
            "number",
            "head_pair",
            "members",
            "address",
            "poverty_status",
            "monitoring_category",
            "is_dibao",
            "is_tekun",
            "land_area_mu",
            "living_environment",
        )
        .iterator(chunk_size=CHUNK)
    )
    for (
        village,
        group,
        number,
        pair,
        count,
        address,
        status,
        monitored,
        dibao,
        tekun,
        land,
        env,
    ) in rows:
        # the last separator: a number (masked, or a cipher) holds none
        head, _sep, head_number = pair.rpartition(UNIT_SEPARATOR) if pair else ("", "", "")
        # a blank cell is None, not "": the writer's fast way knows a row's kinds by type
        yield [
            names.get(village),
            names.get(group) if group else None,
            number,
            head or None,
            (decrypt(head_number) if full else head_number) if head_number else None,
            count or 0,
            address or None,
            poverty.get(status, status) or None,
            monitoring[monitored] if monitored else None,
            yes if dibao else None,
            yes if tekun else None,
            land,
            environment[env] if env else None,
        ]


def resident_headers() -> list[str]:
    return [
        _("Village"),
        _("Villager group"),
        _("Household number"),
        _("Name"),
        _("Relation"),
        _("ID number"),
        _("Sex"),
        _("Age"),
        _("Education"),
        _("Health"),
        _("Disability"),
        _("Labour ability"),
        _("Employment"),
        _("Place of work"),
        _("Political status"),
        _("Phone"),
        _("Status"),
    ]


def _age(birth: datetime.date, today: datetime.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def resident_rows(qs: QuerySet[Resident], *, full: bool) -> Iterator[list]:
    names = _region_names()
    labels = {
        "relation": _labels(Relation.choices),
        "sex": _labels(Sex.choices),
        "education": _labels(Education.choices),
        "health": _labels(Health.choices),
        "disability": _labels(DisabilityGrade.choices),
        "labour": _labels(LabourAbility.choices),
        "employment": _labels(Employment.choices),
        "political": _labels(Political.choices),
        "status": _labels(ResidentStatus.choices),
    }
    today = timezone.localdate()
    fields = (
        "household__village_id",
        "household__group_id",
        "household__number",
        "name",
        "relation",
        "id_cipher" if full else "id_masked",
        "sex",
        "birth_date",
        "education",
        "health",
        "disability_grade",
        "labour_ability",
        "employment",
        "work_place",
        "political_status",
        "phone_cipher" if full else "phone_masked",
        "status",
    )
    for row in qs.values_list(*fields).iterator(chunk_size=CHUNK):
        (village, group, household, name, relation, number, sex, birth, education, health) = row[
            :10
        ]
        disability, labour, employment, work_place, political, phone, status = row[10:]
        yield [  # blanks as None (household_rows says why)
            names.get(village),
            names.get(group) if group else None,
            household,
            name or None,
            labels["relation"].get(relation, relation) or None,
            (decrypt(number) if full else number) or None,
            labels["sex"].get(sex, sex) or None,
            _age(birth, today),
            labels["education"].get(education, education) or None,
            labels["health"].get(health, health) or None,
            labels["disability"].get(disability, disability) or None,
            labels["labour"].get(labour, labour) or None,
            labels["employment"].get(employment, employment) or None,
            work_place or None,
            labels["political"].get(political, political) or None,
            (decrypt(phone) if full else phone) or None,
            labels["status"].get(status, status) or None,
        ]


def export_table(kind: str, qs: QuerySet, *, full: bool) -> tuple[str, list[str], Iterator]:
    """(title, headers, rows) of an export, in the active language."""
    if kind == ExportKind.HOUSEHOLDS:
        return _("households"), household_headers(), household_rows(qs, full=full)
    return _("residents"), resident_headers(), resident_rows(qs, full=full)


def write_workbook(target, title: str, headers: list[str], rows: Iterable, progress=None) -> int:
    """Rows into the one xlsx writer; returns how many."""
    count = 0
    with XlsxWriter(target) as writer:
        writer.sheet(SheetSpec(title=title, headers=headers, widths={6: 24}))
        for row in rows:
            writer.append(row)
            count += 1
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count)
    return count


def export_title(kind: str) -> str:
    """The list's name for the access log."""
    return {
        ExportKind.HOUSEHOLDS: _("households"),
        ExportKind.RESIDENTS: _("residents"),
        ExportKind.PLAQUES: _("door plaques"),
    }[ExportKind(kind)]


# --- Jobs -----------------------------------------------------------------------------


def export_submit(*, user, kind: str, params: str, full: bool, reason: str) -> ExportJob:
    """Queue an export; its task starts once this transaction commits. An export with
    full ID numbers needs the full-identity right everywhere the user reads the registry
    (the reason is recorded with the download)."""
    if user is not None:
        require_role(user, REGISTRY_READERS)
        if full and not may_see_identity_everywhere(user, REGISTRY_READERS):
            raise PermissionDenied
    job = ExportJob.objects.create(
        token=secrets.token_urlsafe(32),
        created_by=user,
        kind=kind,
        params=params,
        full=full,
        reason=reason,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        expires_at=timezone.now() + datetime.timedelta(hours=settings.EXPORT_RETENTION_HOURS),
    )
    enqueue("households.tasks.export_task", job.pk)
    return job


def export_run(*, job_id: int) -> None:
    """The task's work: write, encrypt, keep. A failure leaves a failed job, not a file."""
    claimed = leases.claim(
        ExportJob.objects,
        job_id,
        among=[ExportStatus.QUEUED],
        seconds=EXPORT_LEASE,
        status=ExportStatus.RUNNING,
    )
    if not claimed:
        return  # delivered twice (acks_late): another delivery owns it
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        with translation.override(job.language):
            qs = export_queryset(job.created_by, job.kind, QueryDict(job.params))
            total = qs.count()
            ExportJob.objects.filter(pk=job.pk).update(rows_total=total)

            def progress(done: int) -> None:
                ExportJob.objects.filter(pk=job.pk).update(rows_done=done)

            with tempfile.TemporaryFile() as plain, tempfile.TemporaryFile() as sealed:
                if job.kind == ExportKind.PLAQUES:
                    village = Region.objects.get(pk=int(QueryDict(job.params)["village"]))
                    written = plaques.write_pdf(
                        plain,
                        village.name,
                        plaques.slogan_of(village.pk),
                        plaques.plaques(qs),  # type: ignore[arg-type]  # the households queryset
                        progress,
                    )
                else:
                    title, headers, rows = export_table(job.kind, qs, full=job.full)
                    written = write_workbook(plain, title, headers, rows, progress)
                plain.seek(0)
                size = encrypt_stream(plain, sealed)
                sealed.seek(0)
                job.file.save(f"{job.token}.bin", File(sealed), save=False)
    except (SoftTimeLimitExceeded, Exception):
        logger.exception("export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
            status=ExportStatus.FAILED, finished_at=timezone.now(), lease_until=None
        )
        return
    # conditional: a job reaped as stopped stays as the reaper left it
    ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
        status=ExportStatus.DONE,
        lease_until=None,
        file=job.file.name,
        size=size,
        rows_total=written,
        rows_done=written,
        finished_at=timezone.now(),
    )


def exports_reap() -> int:
    """Exports whose task died (still writing past the task's hard limit) are failed; the
    export page offers them again. Says how many."""
    return len(
        leases.reap(
            ExportJob.objects,
            running=[ExportStatus.RUNNING],
            status=ExportStatus.FAILED,
            finished_at=timezone.now(),
        )
    )


def export_chunks(job: ExportJob) -> Iterator[bytes]:
    """The workbook's bytes, decrypted chunk by chunk for a streamed download."""
    with job.file.open("rb") as handle:
        yield from decrypt_stream(handle)


def exports_purge(now: datetime.datetime | None = None) -> int:
    """Delete the files of expired exports (hourly task); says how many."""
    now = now or timezone.now()
    expired = ExportJob.objects.filter(expires_at__lte=now).exclude(status=ExportStatus.EXPIRED)
    count = 0
    for job in expired:
        export_expire(job)
        count += 1
    return count


def export_expire(job: ExportJob) -> None:
    """The job's file deleted, the job marked expired."""
    if job.file:
        job.file.delete(save=False)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.EXPIRED, file="")
