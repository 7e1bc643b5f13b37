"""The reporting store: a small star schema in its own database alias (see apps.reporting.router).

Written only by apps.reporting.services.publication (incremental, idempotent); read by BI tools, the extracts
and the reconciliation. Grain of the fact table: one expense line — or one allocation of a line that is split
across projects / cost centres — of a document posted to Odoo. Amounts are tax-included (`amount`), with the
tax and the net beside them, in the transaction currency and in the entity's (company) currency.
No foreign keys leave this schema: entities, documents and postings are named by their codes and keys.
"""

from django.db import models


class DimDate(models.Model):
    date_key = models.IntegerField(primary_key=True, help_text="YYYYMMDD")
    date = models.DateField(unique=True)
    year = models.SmallIntegerField()
    quarter = models.SmallIntegerField()
    month = models.SmallIntegerField()
    day = models.SmallIntegerField()
    iso_year = models.SmallIntegerField()
    iso_week = models.SmallIntegerField()
    weekday = models.SmallIntegerField(help_text="1 = Monday … 7 = Sunday")

    class Meta:
        db_table = "dim_date"
        ordering = ["date_key"]

    def __str__(self) -> str:
        return self.date.isoformat()


class DimEntity(models.Model):
    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3)
    country = models.CharField(max_length=2, blank=True)

    class Meta:
        db_table = "dim_entity"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class DimDepartment(models.Model):
    entity = models.ForeignKey(DimEntity, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    odoo_id = models.IntegerField(null=True, blank=True)

    class Meta:
        db_table = "dim_department"
        ordering = ["entity", "name"]
        constraints = [models.UniqueConstraint(fields=["entity", "name"], name="dim_department_unique")]

    def __str__(self) -> str:
        return self.name


class DimEmployee(models.Model):
    entity = models.ForeignKey(DimEntity, on_delete=models.PROTECT, related_name="+")
    email = models.CharField(max_length=254)
    name = models.CharField(max_length=200, blank=True)
    odoo_id = models.IntegerField(null=True, blank=True)
    department = models.ForeignKey(DimDepartment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        db_table = "dim_employee"
        ordering = ["entity", "email"]
        constraints = [models.UniqueConstraint(fields=["entity", "email"], name="dim_employee_unique")]

    def __str__(self) -> str:
        return self.email


class DimProject(models.Model):
    entity = models.ForeignKey(DimEntity, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=200)
    name = models.CharField(max_length=300, blank=True)
    odoo_id = models.IntegerField(null=True, blank=True, help_text="account.analytic.account id")

    class Meta:
        db_table = "dim_project"
        ordering = ["entity", "code"]
        constraints = [models.UniqueConstraint(fields=["entity", "code"], name="dim_project_unique")]

    def __str__(self) -> str:
        return self.code


class DimAccount(models.Model):
    entity = models.ForeignKey(DimEntity, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=300, blank=True)
    odoo_id = models.IntegerField(null=True, blank=True)

    class Meta:
        db_table = "dim_account"
        ordering = ["entity", "code"]
        constraints = [models.UniqueConstraint(fields=["entity", "code"], name="dim_account_unique")]

    def __str__(self) -> str:
        return self.code


NO_CONSTRAINT = {"on_delete": models.DO_NOTHING, "db_constraint": False, "db_index": False}


class FactExpenseLine(models.Model):
    """One published expense line (or allocation of a line). `digest` covers every other column: a row is
    written only when its digest changes, so publishing the same data twice writes nothing.

    The dimension keys are not enforced by the database (no FOREIGN KEY constraints, as usual in a star schema
    a BI tool reads): the publisher creates every dimension row before the facts that name it, and row-by-row
    constraint triggers would cost the load more than everything else."""

    document_key = models.CharField(max_length=200, help_text="The document's idempotency key.")
    line_id = models.CharField(max_length=220, help_text="The line's id; '#n' appended for allocation n > 1.")
    source_system = models.CharField(max_length=50)
    source_id = models.CharField(max_length=200)
    object_type = models.CharField(max_length=32)
    # Dimension keys: no FOREIGN KEY constraint and no single-column index each (see the class docstring);
    # the composite indexes below serve the entity + period queries.
    entity = models.ForeignKey(DimEntity, related_name="+", **NO_CONSTRAINT)
    employee = models.ForeignKey(DimEmployee, null=True, blank=True, related_name="+", **NO_CONSTRAINT)
    department = models.ForeignKey(DimDepartment, null=True, blank=True, related_name="+", **NO_CONSTRAINT)
    project = models.ForeignKey(DimProject, null=True, blank=True, related_name="+", **NO_CONSTRAINT)
    account = models.ForeignKey(DimAccount, null=True, blank=True, related_name="+", **NO_CONSTRAINT)
    expense_date = models.ForeignKey(DimDate, related_name="+", db_column="expense_date_key", **NO_CONSTRAINT)
    posting_date = models.ForeignKey(DimDate, null=True, blank=True, related_name="+", db_column="posting_date_key",
                                     **NO_CONSTRAINT)  # fmt: skip
    category = models.CharField(max_length=200)
    merchant = models.CharField(max_length=300, blank=True)
    tax_code = models.CharField(max_length=100, blank=True)
    payment_mode = models.CharField(max_length=16)
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=20, decimal_places=4, help_text="Tax included, transaction currency.")
    tax_amount = models.DecimalField(max_digits=20, decimal_places=4)
    net_amount = models.DecimalField(max_digits=20, decimal_places=4)
    company_currency = models.CharField(max_length=3)
    amount_company = models.DecimalField(
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Empty when the platform gave no conversion (Odoo converts).",
    )
    tax_amount_company = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    net_amount_company = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    status = models.CharField(max_length=16, help_text="Document state: posted, confirmed, published, superseded.")
    reimbursement_state = models.CharField(max_length=20, blank=True, help_text="Odoo payment_state, as last read.")
    odoo_model = models.CharField(max_length=64, blank=True)
    odoo_ids = models.CharField(max_length=200, blank=True)
    odoo_entry = models.CharField(max_length=100, blank=True, help_text="Entry name in Odoo, e.g. MISC/2026/0001.")
    received_at = models.DateTimeField()
    posted_at = models.DateTimeField(null=True, blank=True)
    digest = models.CharField(max_length=32)
    batch_id = models.BigIntegerField(help_text="The publication batch that last wrote the row.")
    published_at = models.DateTimeField()

    class Meta:
        db_table = "fact_expense_line"
        ordering = ["document_key", "line_id"]
        constraints = [models.UniqueConstraint(fields=["document_key", "line_id"], name="fact_line_unique")]
        indexes = [
            models.Index(fields=["entity", "expense_date"], name="fact_entity_expense_date"),
            models.Index(fields=["entity", "posting_date"], name="fact_entity_posting_date"),
        ]

    def __str__(self) -> str:
        return f"{self.document_key} / {self.line_id}"


class PublicationBatch(models.Model):
    """One publication that wrote something: counts, totals per company currency, and its ledger entry."""

    trigger = models.CharField(max_length=16, default="schedule")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    documents = models.PositiveIntegerField(default=0)
    rows_seen = models.PositiveIntegerField(default=0)
    rows_inserted = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    totals = models.JSONField(default=dict, help_text="{company currency: total written, tax included}")
    watermark = models.JSONField(default=dict)
    ledger_sequence = models.BigIntegerField(null=True, blank=True, help_text="Set once the batch is ledgered.")

    class Meta:
        db_table = "publication_batch"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"publication batch {self.pk}"


class PublicationWatermark(models.Model):
    """How far the incremental publication has read each change stream (documents, reimbursement states)."""

    name = models.CharField(max_length=40, primary_key=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "publication_watermark"

    def __str__(self) -> str:
        return f"{self.name} @ {self.changed_at}"
