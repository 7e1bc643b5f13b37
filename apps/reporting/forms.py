"""Input forms of the reporting pages: a period and an entity, validated field by field."""

from __future__ import annotations

from datetime import date

from django import forms

from apps.reporting.services.reconciliation import MAX_DAYS, month_bounds


class PeriodForm(forms.Form):
    """An entity among `entities` and a period: a month (YYYY-MM) or a from/to pair."""

    entity = forms.ChoiceField(choices=())
    month = forms.CharField(required=False, help_text="YYYY-MM")
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, entities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.entities = {e.code: e for e in entities}
        self.fields["entity"].choices = [(code, f"{code} — {e.name}") for code, e in self.entities.items()]

    def clean(self):
        data = super().clean()
        month, start, end = data.get("month"), data.get("start"), data.get("end")
        if month:
            try:
                year, number = (int(part) for part in month.split("-"))
                start, end = month_bounds(year, number)
            except ValueError:
                self.add_error("month", "Give the month as YYYY-MM, e.g. 2026-11.")
                return data
        if not (start and end):
            if not self.errors:
                self.add_error("month", "Choose a month, or both a start and an end date.")
            return data
        if start > end:
            self.add_error("end", "The end date is before the start date.")
        elif (end - start).days >= MAX_DAYS:
            self.add_error("start", f"Choose at most {MAX_DAYS} days.")
        data["start"], data["end"] = start, end
        data["entity_obj"] = self.entities.get(data.get("entity"))
        return data

    @property
    def period(self) -> tuple[date, date]:
        return self.cleaned_data["start"], self.cleaned_data["end"]


class ExtractForm(PeriodForm):
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("parquet", "Parquet")], initial="csv")
