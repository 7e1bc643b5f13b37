"""The ledger browser's filters, shared by the pages, the CSV export and the API (one parser, one meaning)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from apps.ledger.models import LedgerEntryDirection, LedgerEntryOutcome

TEXT_FILTERS = ("kind", "entity", "connector", "flow", "source_id", "target_id", "actor", "correlation_id")


def _blank_choice(choices):
    return [("", "Any"), *choices]


class LedgerFilterForm(forms.Form):
    """Every field optional; text filters are exact matches (they walk an index). Dates are whole days (UTC)."""

    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))
    direction = forms.ChoiceField(required=False, choices=_blank_choice(LedgerEntryDirection.choices))
    outcome = forms.ChoiceField(required=False, choices=_blank_choice(LedgerEntryOutcome.choices))
    kind = forms.CharField(required=False, max_length=100)
    entity = forms.CharField(required=False, max_length=32)
    connector = forms.CharField(required=False, max_length=100)
    flow = forms.CharField(required=False, max_length=100)
    source_id = forms.CharField(required=False, max_length=200, label="Source id")
    target_id = forms.CharField(required=False, max_length=200, label="Target id")
    actor = forms.CharField(required=False, max_length=150)
    correlation_id = forms.CharField(required=False, max_length=64, label="Correlation id")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filters(self) -> dict:
        """The non-empty filters as {name: value}, times as aware datetimes [from, to)."""
        values = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        if "date_from" in values:
            values["time_from"] = _midnight(values.pop("date_from"))
        if "date_to" in values:
            values["time_to"] = _midnight(values.pop("date_to") + dt.timedelta(days=1))
        return values


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC).astimezone(timezone.get_current_timezone())
