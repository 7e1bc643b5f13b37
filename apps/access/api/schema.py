"""OpenAPI helpers for API views that validate with the pages' Django forms (one validation, two front doors).

    form_serializer(SnoozeForm, "SnoozeInput")      # a request body schema with the form's fields and limits
    form_parameters(WorklistFilterForm)             # the form's fields as query parameters
    error_responses(400, 404)                       # the consistent error body, for @extend_schema(responses=…)

Documentation only: the views keep validating with the forms, so the schema cannot drift from what is checked
without the schema test (tests/api/test_schema.py) or schemathesis noticing.
"""

from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from apps.access.api.errors import DEFAULT_MESSAGES


def _limits(field: forms.Field) -> dict:
    options = {"required": field.required, "help_text": str(field.help_text or field.label or "") or None}
    if isinstance(field, forms.CharField):
        options["allow_blank"] = not field.required
        if field.max_length:
            options["max_length"] = field.max_length
    if isinstance(field, forms.IntegerField | forms.DecimalField):
        for name in ("min_value", "max_value"):
            if getattr(field, name, None) is not None:
                options[name] = getattr(field, name)
    return options


def _serializer_field(field: forms.Field) -> serializers.Field:
    options = _limits(field)
    if isinstance(field, forms.BooleanField):
        options.pop("help_text", None)
        return serializers.BooleanField(required=False)
    if isinstance(field, forms.MultipleChoiceField):
        options.pop("allow_blank", None)
        choices = [value for value, _ in field.choices] if field.choices else None
        child = serializers.ChoiceField(choices=choices) if choices else serializers.IntegerField()
        return serializers.ListField(child=child, required=field.required)
    if isinstance(field, forms.ChoiceField):
        options.pop("max_length", None)
        options.pop("allow_blank", None)
        return serializers.ChoiceField(choices=[v for v, _ in field.choices if v != ""], **options)
    if isinstance(field, forms.DateField):
        options.pop("allow_blank", None)
        return serializers.DateField(**options)
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(**options)
    if isinstance(field, forms.DecimalField):
        return serializers.DecimalField(max_digits=field.max_digits, decimal_places=field.decimal_places, **options)
    if isinstance(field, forms.FileField):
        options.pop("allow_blank", None)
        return serializers.FileField(**options)
    return serializers.CharField(**options)


def form_serializer(form_class: type[forms.Form], name: str):
    """An inline serializer named `name` with the fields of `form_class` (for request bodies)."""
    return inline_serializer(name, {key: _serializer_field(field) for key, field in form_class.base_fields.items()})


def _parameter_type(field: forms.Field):
    if isinstance(field, forms.IntegerField):
        return OpenApiTypes.INT
    if isinstance(field, forms.DecimalField):
        return OpenApiTypes.NUMBER
    if isinstance(field, forms.DateField):
        return OpenApiTypes.DATE
    if isinstance(field, forms.BooleanField):
        return OpenApiTypes.BOOL
    return OpenApiTypes.STR


def form_parameters(form_class: type[forms.Form], *, exclude: tuple[str, ...] = ()) -> list[OpenApiParameter]:
    """The form's fields as optional query parameters (choice fields as enums)."""
    parameters = []
    for name, field in form_class.base_fields.items():
        if name in exclude:
            continue
        choices = [v for v, _ in field.choices if v != ""] if isinstance(field, forms.ChoiceField) else None
        description = str(field.help_text or field.label or name.replace("_", " ").capitalize())
        parameters.append(
            OpenApiParameter(name, _parameter_type(field), required=False, description=description, enum=choices)
        )
    return parameters


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.CharField())


class ErrorSerializer(serializers.Serializer):
    """{"error": {"code", "message", "fields"}, "detail"} — every API error (apps.access.api.errors)."""

    error = ErrorDetailSerializer()
    detail = serializers.CharField()


def error_responses(*codes: int) -> dict:
    return {code: OpenApiResponse(ErrorSerializer, description=DEFAULT_MESSAGES.get(code, "")) for code in codes}
