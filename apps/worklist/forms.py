"""Forms: parse and validate input for the worklist pages and API (no business rules here)."""

from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict

from apps.worklist.models import BulkActionKind, WorklistCategory
from apps.worklist.selectors import SORTS, WorklistFilter

STATUS_CHOICES = [
    ("active", "Active (open & assigned)"),
    ("open", "Open"),
    ("assigned", "Assigned"),
    ("snoozed", "Snoozed"),
    ("resolved", "Resolved"),
    ("dismissed", "Dismissed"),
    ("all", "All"),
]
DUE_CHOICES = [("", "Any"), ("overdue", "Overdue"), ("at_risk", "At risk"), ("week", "Due within 7 days")]
SORT_CHOICES = [
    ("due", "Days left to close"),
    ("-due", "Latest due first"),
    ("-created", "Newest first"),
    ("created", "Oldest first"),
    ("severity", "Severity"),
    ("-amount", "Largest amount"),
    ("amount", "Smallest amount"),
    ("attempts", "Most attempts"),
]
FILTER_FIELDS = (
    "category",
    "entity",
    "flow",
    "status",
    "assignee",
    "age_min",
    "due",
    "amount_min",
    "amount_max",
    "q",
    "tag",
    "sort",
)


class WorklistFilterForm(forms.Form):
    category = forms.MultipleChoiceField(choices=WorklistCategory.choices, required=False)
    entity = forms.CharField(required=False, max_length=200, help_text="Entity codes, comma-separated.")
    flow = forms.CharField(required=False, max_length=100)
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    assignee = forms.CharField(required=False, max_length=150, help_text="me, unassigned or a user name")
    age_min = forms.IntegerField(required=False, min_value=0, max_value=3650, label="Older than (days)")
    due = forms.ChoiceField(choices=DUE_CHOICES, required=False)
    amount_min = forms.DecimalField(required=False, max_digits=18, decimal_places=2)
    amount_max = forms.DecimalField(required=False, max_digits=18, decimal_places=2)
    q = forms.CharField(required=False, max_length=200, label="Text")
    tag = forms.CharField(required=False, max_length=40)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)

    def clean(self):
        data = super().clean()
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", "The maximum is below the minimum.")
        return data

    def to_filter(self) -> WorklistFilter:
        """The validated filter (call after is_valid(); invalid fields fall back to their default)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        entities = [code.strip().upper() for code in (data.get("entity") or "").split(",") if code.strip()]
        return WorklistFilter(
            category=data.get("category") or [],
            entity=entities,
            flow=data.get("flow") or "",
            status=data.get("status") or "active",
            assignee=(data.get("assignee") or "").strip(),
            age_min=data.get("age_min"),
            due=data.get("due") or "",
            amount_min=data.get("amount_min"),
            amount_max=data.get("amount_max"),
            text=(data.get("q") or "").strip(),
            tag=(data.get("tag") or "").strip().lower(),
            sort=data.get("sort") if data.get("sort") in SORTS else "due",
        )


def filter_from_query(query: QueryDict) -> tuple[WorklistFilterForm, WorklistFilter]:
    form = WorklistFilterForm(query)
    form.is_valid()
    return form, form.to_filter()


def filter_query_string(query: QueryDict) -> str:
    """The query string of the filter fields only (for saved filters, bulk actions and paging links)."""
    kept = QueryDict(mutable=True)
    for name in FILTER_FIELDS:
        values = [v for v in query.getlist(name) if v]
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


class UserChoiceField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        user = get_user_model().objects.filter(username=value, is_active=True).first()
        if user is None:
            raise forms.ValidationError("No active user with this name.")
        return user


class AssignForm(forms.Form):
    assignee = UserChoiceField(required=False, max_length=150, help_text="User name; empty puts it back in the queue.")
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    body = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label="Comment")


class NoteForm(forms.Form):
    note = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="Note (required)")


class SnoozeForm(forms.Form):
    until = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Snooze until")
    note = forms.CharField(required=False, max_length=2000)


class DuplicateForm(forms.Form):
    original_item = forms.IntegerField(required=False, min_value=1, label="Original item #")
    original_document = forms.CharField(required=False, max_length=400, label="or original document key")
    note = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="Note (required)")


class CorrectionForm(forms.Form):
    tax_code = forms.CharField(required=False, max_length=64)
    line_id = forms.CharField(required=False, max_length=200, help_text="Leave empty for every line.")
    receipt_received = forms.BooleanField(required=False, label="Receipt received")
    posting_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(required=False, max_length=500)
    retry = forms.BooleanField(required=False, initial=True, label="Retry after saving")

    def corrections(self) -> dict:
        return correction_values(self.cleaned_data)


def correction_values(cleaned_data: dict) -> dict:
    """Only the correction fields filled in (the service validates them against the item's category)."""
    data = {k: v for k, v in cleaned_data.items() if k != "retry" and v not in (None, "", False)}
    if "posting_date" in data:
        data["posting_date"] = data["posting_date"].isoformat()
    return data


class TagForm(forms.Form):
    tags = forms.CharField(required=False, max_length=500, help_text="Words separated by spaces or commas.")


class ReplayForm(forms.Form):
    confirm = forms.BooleanField(required=False, label="Replay for real (otherwise: dry run)")


class BulkForm(forms.Form):
    kind = forms.ChoiceField(choices=BulkActionKind.choices)
    scope = forms.ChoiceField(choices=[("selected", "Selected items"), ("filter", "Every item matching the filter")])
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    assignee = UserChoiceField(required=False, max_length=150)
    note = forms.CharField(required=False, max_length=2000)
    query = forms.CharField(required=False, max_length=1000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any integer is accepted here; the selector keeps only the ids the user can see.
        self.fields["ids"].valid_value = lambda value: str(value).isdigit()

    def clean(self):
        data = super().clean()
        if data.get("scope") == "selected" and not data.get("ids"):
            raise forms.ValidationError("Tick at least one item, or choose every item matching the filter.")
        return data


class SavedFilterForm(forms.Form):
    name = forms.CharField(max_length=80)
    query = forms.CharField(required=False, max_length=1000)


class ClosePeriodForm(forms.Form):
    entity = forms.CharField(max_length=16)
    period_end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    close_deadline = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
