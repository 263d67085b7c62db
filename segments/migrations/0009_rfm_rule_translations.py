"""RFM segment rules carry their names per language (core.translated_content): the seeded map gets Russian
names in the column (the shop's language) and the English in `translations`.

The name is also a value: member statistics store it (`rfm_segment`) and segment rules pick it
(`{"type": "rfm_segment", "values": [...]}`), so both are renamed here too: the statistics in one UPDATE
(on a very large table it rewrites every scored member's row once: run it in a quiet hour), the rules
segment by segment. A rule staff renamed keeps its name.
"""
from django.db import migrations, models
from django.db.models import Case, CharField, Value, When

RUSSIAN = {
    "Champions": "Чемпионы",
    "Loyal": "Лояльные",
    "Potential loyalist": "Потенциально лояльные",
    "New": "Новички",
    "Promising": "Перспективные",
    "Need attention": "Требуют внимания",
    "About to sleep": "Засыпающие",
    "At risk": "Под угрозой",
    "Can't lose them": "Нельзя потерять",
    "Hibernating": "В спячке",
    "Lost": "Потерянные",
}


def _rename_in_rules(node, renamed: dict) -> bool:
    changed = False
    if node.get("type") == "rfm_segment" and isinstance(node.get("values"), list):
        values = [renamed.get(value, value) for value in node["values"]]
        changed, node["values"] = values != node["values"], values
    for child in node.get("children") or []:
        changed = _rename_in_rules(child, renamed) or changed
    return changed


def _rename(apps, renamed: dict):
    if not renamed:
        return
    MemberStats = apps.get_model("segments", "MemberStats")
    MemberStats.objects.filter(rfm_segment__in=list(renamed)).update(rfm_segment=Case(
        *(When(rfm_segment=old, then=Value(new)) for old, new in renamed.items()), output_field=CharField()))
    Segment = apps.get_model("segments", "Segment")
    for segment in Segment.objects.exclude(rules={}).only("pk", "rules"):
        rules = segment.rules
        if isinstance(rules, dict) and _rename_in_rules(rules, renamed):
            Segment.objects.filter(pk=segment.pk).update(rules=rules)


def names_in_russian(apps, schema_editor):
    Rule = apps.get_model("segments", "RfmSegmentRule")
    renamed = {}
    for rule in Rule.objects.filter(name__in=list(RUSSIAN)):
        english = {**((rule.translations or {}).get("en") or {}), "name": rule.name}
        renamed[rule.name] = RUSSIAN[rule.name]
        rule.name, rule.translations = RUSSIAN[rule.name], {**(rule.translations or {}), "en": english}
        rule.save(update_fields=["name", "translations"])
    _rename(apps, renamed)


def names_in_english(apps, schema_editor):
    Rule = apps.get_model("segments", "RfmSegmentRule")
    english = {russian: name for name, russian in RUSSIAN.items()}
    renamed = {}
    for rule in Rule.objects.filter(name__in=list(english)):
        renamed[rule.name] = english[rule.name]
        rule.name = english[rule.name]
        rule.save(update_fields=["name"])
    _rename(apps, renamed)


class Migration(migrations.Migration):

    dependencies = [
        ("segments", "0008_translatable_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="rfmsegmentrule",
            name="translations",
            field=models.JSONField(blank=True, default=dict, help_text="The texts in the shop's other languages, edited on this form.", verbose_name="translations"),
        ),
        migrations.RunPython(names_in_russian, names_in_english),
    ]
