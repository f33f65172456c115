"""FeedValue rows are written matched (monitoring.screening.match): the keyed hash and
the masked number they carried for the match step go, resident and household are set,
and the table keeps no constraint and no index but the primary key and (batch,
household): COPY of a 2,000,000-row feed spent most of its time in them."""

import django.db.models.deletion
from django.db import migrations, models


def drop_unmatched(apps, schema_editor):
    # only a load killed half-way left unmatched rows; its batch loads again from the start
    apps.get_model("monitoring", "FeedValue").objects.filter(
        models.Q(resident__isnull=True) | models.Q(household__isnull=True)
    ).delete()


def _fk(to, on_delete, **kwargs):
    return models.ForeignKey(
        db_constraint=False, db_index=False, on_delete=on_delete, to=to, **kwargs
    )


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0011_village_figures_related_name"),
        ("monitoring", "0004_default_rules"),
    ]

    operations = [
        migrations.RunPython(drop_unmatched, migrations.RunPython.noop),
        migrations.RemoveField(model_name="feedvalue", name="id_hash"),
        migrations.RemoveField(model_name="feedvalue", name="id_masked"),
        migrations.AlterField(
            model_name="feedvalue",
            name="batch",
            field=_fk(
                "monitoring.feedbatch",
                django.db.models.deletion.CASCADE,
                related_name="values",
            ),
        ),
        migrations.AlterField(
            model_name="feedvalue",
            name="item",
            field=_fk("monitoring.dataitem", django.db.models.deletion.PROTECT, related_name="+"),
        ),
        migrations.AlterField(
            model_name="feedvalue",
            name="household",
            field=_fk(
                "households.household", django.db.models.deletion.DO_NOTHING, related_name="+"
            ),
        ),
        migrations.AlterField(
            model_name="feedvalue",
            name="resident",
            field=_fk(
                "households.resident", django.db.models.deletion.DO_NOTHING, related_name="+"
            ),
        ),
    ]
