from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_document_updated_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="documentline",
            index=models.Index(fields=["date", "amount"], name="docline_date_amount"),
        ),
    ]
