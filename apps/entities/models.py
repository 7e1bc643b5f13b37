from django.core.validators import RegexValidator
from django.db import models


class LegalEntity(models.Model):
    """A legal entity the console posts for: one Odoo company, with its currency and lock dates mirrored."""

    code = models.CharField(
        max_length=16,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9_-]+$", "Use upper-case letters, digits, '-' or '_'.")],
        help_text="Short code used by expense platforms and in reports, e.g. FR.",
    )
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, help_text="ISO 4217 company currency, e.g. EUR.")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 country of the tax jurisdiction.")
    odoo_company_id = models.PositiveIntegerField(null=True, blank=True, help_text="res.company id in Odoo.")
    # Lock dates as last read from Odoo (names follow Odoo 16/17; 18+ maps its global/tax/hard dates here).
    fiscalyear_lock_date = models.DateField(null=True, blank=True)
    period_lock_date = models.DateField(null=True, blank=True)
    tax_lock_date = models.DateField(null=True, blank=True)
    hard_lock_date = models.DateField(null=True, blank=True)
    lock_dates_read_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "legal entities"
        permissions = [("access_entity_data", "Can see and work on this entity's documents and exceptions")]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def effective_lock_date(self):
        """The latest date before which nothing may be posted (None when the period is open)."""
        dates = [d for d in (self.fiscalyear_lock_date, self.period_lock_date, self.hard_lock_date) if d]
        return max(dates) if dates else None
