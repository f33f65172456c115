"""Starting risk rules, the 2026 monitoring line and the settings row. County staff edit
them all on the rules page; these are a reasonable first set, not policy: weights sum
so that one strong sign (e.g. 20,000 元 of out-of-pocket medical costs, 40) reaches the
alert level (medium, 40) alone and two weaker ones together."""

from decimal import Decimal

from django.db import migrations

RULES = [
    # item, comparison, threshold, weight, cause, label
    ("YB02", "gte", "20000", 40, "illness", "近12个月住院自付"),
    ("WJ01", "eq", "1", 20, "illness", "确诊重大疾病"),
    ("CL02", "eq", "1", 20, "disability", "家有重度残疾人"),
    ("GA01", "eq", "1", 30, "death", "家庭成员死亡注销"),
    ("YJ01", "gte", "10000", 30, "disaster", "自然灾害受灾损失"),
    ("YJ02", "eq", "1", 30, "housing", "房屋倒损"),
    ("YJ03", "eq", "1", 20, "accident", "发生意外事故"),
    ("RS04", "eq", "1", 15, "unemployment", "务工中断返乡"),
    ("RS01", "eq", "1", 10, "unemployment", "登记失业"),
    ("ZJ01", "gte", "3", 25, "housing", "危房鉴定等级"),
    ("JR02", "gte", "10000", 20, "debt", "逾期贷款"),
    ("JR04", "gte", "50000", 15, "debt", "新增大额负债"),
    ("JY04", "eq", "1", 20, "education", "适龄成员辍学"),
    ("CZ02", "eq", "1", 10, "income", "惠民补贴停发"),
    ("NY01", "eq", "1", 15, "income", "产业项目受损"),
]


def load(apps, schema_editor):
    DataItem = apps.get_model("monitoring", "DataItem")
    RiskRule = apps.get_model("monitoring", "RiskRule")
    MonitoringLine = apps.get_model("monitoring", "MonitoringLine")
    ScreeningSettings = apps.get_model("monitoring", "ScreeningSettings")
    if not RiskRule.objects.exists():
        for code, comparison, threshold, weight, cause, label in RULES:
            RiskRule.objects.create(
                kind="item",
                item=DataItem.objects.get(code=code),
                comparison=comparison,
                threshold=Decimal(threshold),
                weight=weight,
                cause=cause,
                label=label,
            )
        RiskRule.objects.create(
            kind="income", comparison="lt", threshold=Decimal("1"), weight=40, cause="income",
            label="人均纯收入低于监测标准",
        )
        RiskRule.objects.create(
            kind="income", comparison="lt", threshold=Decimal("1.5"), weight=10, cause="income",
            label="人均纯收入低于监测标准的1.5倍",
        )
    MonitoringLine.objects.get_or_create(year=2026, defaults={"amount": Decimal("7800")})
    if not ScreeningSettings.objects.exists():
        ScreeningSettings.objects.create()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0003_scoring_and_alerts")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
