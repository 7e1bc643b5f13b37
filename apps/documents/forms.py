"""The file-drop form: the file, a preset, an optional column mapping and defaults."""

import json

from django import forms

from apps.documents.normalize.tabular import PRESETS, ROW_FIELDS


class DocumentImportForm(forms.Form):
    file = forms.FileField(help_text="CSV (UTF-8) or Excel .xlsx, one row per expense line.")
    preset = forms.ChoiceField(
        choices=[(p.name, p.label) for p in PRESETS.values()], initial="canonical", required=False
    )
    entity = forms.CharField(required=False, max_length=16, help_text="Entity for rows that do not name one.")
    column_map = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='Optional JSON {"field": "Column header"} overriding the preset, e.g. {"amount": "Total"}.',
    )

    def clean_preset(self) -> str:
        return self.cleaned_data["preset"] or "canonical"

    def clean_column_map(self) -> dict:
        text = self.cleaned_data["column_map"].strip()
        if not text:
            return {}
        try:
            mapping = json.loads(text)
        except ValueError:
            raise forms.ValidationError('Write the mapping as JSON, e.g. {"amount": "Total"}.') from None
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise forms.ValidationError("The mapping is an object of field → column header.")
        unknown = sorted(set(mapping) - set(ROW_FIELDS))
        if unknown:
            raise forms.ValidationError(f"Unknown fields: {', '.join(unknown)}. Known: {', '.join(ROW_FIELDS)}.")
        return mapping

    def defaults(self) -> dict:
        entity = self.cleaned_data.get("entity", "").strip().upper()
        return {"entity": entity} if entity else {}
