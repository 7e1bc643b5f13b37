"""Forms of the mapping pages: they collect input; the services decide (their field errors come back here)."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from apps.access.permissions import entities_for
from apps.access.roles import ROLES
from apps.mappings.engine import CONDITION_KEYS, DIMENSION_TARGETS
from apps.mappings.models import MappingDimension, MappingRuleMatch, MappingSetVersionStatus, MasterKind


def apply_errors(form, fields: dict) -> None:
    """Attach a service's field errors to the form (unknown fields become form-wide errors)."""
    for name, message in fields.items():
        form.add_error(name if name in form.fields else None, message)


class SetFilterForm(forms.Form):
    entity = forms.ModelChoiceField(queryset=None, required=False, empty_label="All entities")
    dimension = forms.ChoiceField(choices=[("", "All dimensions"), *MappingDimension.choices], required=False)
    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any owner")
    status = forms.ChoiceField(
        choices=[("", "Any status"), *MappingSetVersionStatus.choices],
        required=False,
        help_text="Sets having a version in this status.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = entities_for(user)
        self.fields["owner"].queryset = get_user_model().objects.filter(owned_mapping_sets__isnull=False).distinct()


class MappingSetForm(forms.Form):
    entity = forms.ModelChoiceField(queryset=None)
    dimension = forms.ChoiceField(choices=MappingDimension.choices)
    name = forms.CharField(max_length=200)
    owner = forms.ModelChoiceField(queryset=None, help_text="Answers for these rules; mapping problems go to them.")
    steward_group = forms.ModelChoiceField(queryset=Group.objects.exclude(name__in=ROLES), required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = entities_for(user)
        self.fields["owner"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, groups__name__in=list(ROLES))
            .distinct()
            .order_by("username")
        )
        self.initial.setdefault("owner", user.pk)


class RuleForm(forms.Form):
    """Raw rule input; parsing and validation happen in the service (apps.mappings.rule_input)."""

    match = forms.ChoiceField(choices=MappingRuleMatch.choices, initial="exact")
    source_value = forms.CharField(max_length=255, label="Source value", help_text="As the platform sends it.")
    target_model = forms.ChoiceField(choices=())
    target_id = forms.CharField(label="Odoo record")
    conditions = forms.CharField(
        required=False, help_text=f"Optional, e.g. document_type=card_transaction. Keys: {', '.join(CONDITION_KEYS)}."
    )
    effective_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    effective_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, dimension: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_model"].choices = [(m, m) for m in DIMENSION_TARGETS[dimension]]

    def raw(self) -> dict:
        """What the service parses: the submitted strings (a bound form's data, not cleaned values)."""
        return {name: self.data.get(self.add_prefix(name), "") for name in self.fields}


class ProposedRuleForm(RuleForm):
    """The pre-filled rule of fix-and-retry: a rule, the maker's reason (required), and whether to submit now."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why is this rule needed?",
        help_text="Required: the approver reads it.",
    )
    submit = forms.BooleanField(required=False, initial=True, label="Submit the draft for approval now")
    worklist_item = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def raw(self) -> dict:
        return {name: value for name, value in super().raw().items() if name in RuleForm.base_fields}


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ConfigureForm(forms.Form):
    auto_match = forms.BooleanField(required=False, label="Match values without a rule by key")
    effective_from = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Documents dated from this day use this version; empty: documents of any date.",
    )


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV (UTF-8) or XLSX with the export's columns.")
    mode = forms.ChoiceField(choices=[("replace", "Replace the draft's rules"), ("append", "Add to the draft")])


class MasterFilterForm(forms.Form):
    entity = forms.ModelChoiceField(queryset=None, required=False, empty_label=None)
    kind = forms.ChoiceField(choices=[("", "All kinds"), *MasterKind.choices], required=False)
    q = forms.CharField(required=False, label="Search")
    archived = forms.BooleanField(required=False, label="Include archived")

    def __init__(self, *args, entities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = entities
