from django.db import migrations


def load(apps, schema_editor):
    from console.catalogue import load_catalogue

    load_catalogue(apps.get_model("console", "Region"), apps.get_model("console", "Zone"))


class Migration(migrations.Migration):
    dependencies = [("console", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
