from django.db import migrations, models


def number_the_path(apps, schema_editor):
    """Existing stages keep the order they have always been listed in: by order bucket, then entry day."""
    Stage = apps.get_model("lifecycle", "LifecycleStage")
    for position, stage in enumerate(Stage.objects.order_by("min_orders", "entry_day", "id"), start=1):
        Stage.objects.filter(pk=stage.pk).update(position=position)


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0002_default_stages")]
    operations = [
        migrations.AddField(
            model_name="lifecyclestage",
            name="position",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="Place of the stage on the members' path (New 1 … Lost 7). Stages that share buyers must "
                          "start on later days as the place grows; 0 puts a new stage last.",
            ),
        ),
        migrations.AlterModelOptions(name="lifecyclestage", options={"ordering": ["position", "min_orders", "entry_day"]}),
        migrations.RunPython(number_the_path, migrations.RunPython.noop),
    ]
