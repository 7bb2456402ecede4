"""OpenAPI generation: every operation declares the errors it can answer with, in one place,
so no view can forget its 400, 401, 403, 404 or 412."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers
from rest_framework.permissions import AllowAny

# Fields of a response that may be absent: every other field of a response is always there.
OPTIONAL_IN_RESPONSE = "optional_in_response"


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, in the caller's language."))


class ValidationErrorSerializer(serializers.Serializer):
    """A 400 names each field that was refused and why: `{"field": ["message", ...]}`.
    Nested fields nest, rows of a list keyed by their position from 0
    (`{"members": {"1": {"national_id": ["..."]}}}`); errors that belong to no one field
    come under `non_field_errors`."""

    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False,
                                             style={OPTIONAL_IN_RESPONSE: True})

    class Meta:
        ref_name = "ValidationError"


ERROR_DESCRIPTIONS = {
    "400": _("Bad input: the body names each refused field and the reason."),
    "401": _("No valid credentials were sent."),
    "403": _("Your role may not do this."),
    "404": _("No such record in your area (or an invalid page cursor)."),
    "409": _("The change conflicts with the record's current state."),
    "412": _("The record changed since you read it: If-Match does not match its ETag."),
    "429": _("Too many failed logins: wait the seconds `Retry-After` gives."),
}


ETAG = {"schema": {"type": "string"}, "description": str(_(
    "The record's version in quotes (`\"3\"`): send it back in If-Match to write only if the record is "
    "unchanged, or in If-None-Match to read it only if it changed."))}
CONTENT_DISPOSITION = {"schema": {"type": "string"}, "description": str(_(
    "`attachment; filename=\"...\"`: the name to save the file under."))}
LOCATION = {"schema": {"type": "string", "format": "uri"}, "description": str(_(
    "The URL of the job that does the work: read it (GET) for its state, progress, result or errors."))}
RETRY_AFTER = {"schema": {"type": "integer"}, "description": str(_("Seconds to wait before trying again."))}
NO_NUL = "^[^\\u0000]*$"


class AutoSchema(SpectacularAutoSchema):
    def _error_codes(self):
        method = self.method.upper()
        view = self.view
        codes = ["400"]
        public = any(isinstance(p, AllowAny) for p in view.get_permissions())
        if not public:
            codes += ["401", "403"]
        if "{" in self.path or self._is_list_view():
            codes.append("404")
        codes += list(getattr(view, "extra_error_codes", {}).get(method, ()))
        if method in ("POST", "PATCH", "PUT") and not public:
            # A database constraint can catch what a concurrent request slipped past the
            # service's checks: any write may answer 409.
            codes.append("409")
        if method in ("PATCH", "PUT") and getattr(view, "versioned", False):
            codes.append("412")
        if self._returns_etag() and method == "GET":
            codes.append("304")
        return sorted(set(codes))

    def _returns_etag(self) -> bool:
        """Detail reads and writes of versioned records answer with the record's ETag."""
        view = self.view
        if not getattr(view, "versioned", False):
            return False
        action = getattr(view, "action", None)
        return action in ("retrieve", "create", "partial_update") or (
            self.method == "POST" and getattr(view, "detail", False))

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = super()._get_response_headers_for_code(status_code, direction)
        if self._returns_etag() and (status_code.startswith("2") or status_code == "304"):
            headers["ETag"] = ETAG
        if status_code == "429":
            headers["Retry-After"] = RETRY_AFTER
        if status_code == "202":
            headers["Location"] = LOCATION
        return headers

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response":
            # Responses carry every field (null when empty), whatever a request may leave out.
            fields = force_instance(serializer).fields.values()
            required = [f.field_name for f in fields if not f.write_only and not f.style.get(OPTIONAL_IN_RESPONSE)
                        and f.field_name in schema.get("properties", {})]
            if required:
                schema["required"] = sorted(required)
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or schema is None or "$ref" in schema:
            return schema
        if schema.get("type") == "string" and "format" not in schema and "enum" not in schema:
            # What CharField refuses, said in the schema: blanks unless allowed, NUL always.
            if not getattr(field, "allow_blank", True) and not schema.get("minLength"):
                schema["minLength"] = 1
            schema.setdefault("pattern", NO_NUL)
        if isinstance(field, serializers.ListField) and getattr(field, "unique_items", False):
            schema["uniqueItems"] = True
        if isinstance(field, serializers.ListSerializer) and field.min_length is not None:
            schema["minItems"] = field.min_length
        return schema

    def _download(self):
        """The renderer of a view that answers with a file only (a CSV or XLSX table), or None."""
        renderers = self.view.renderer_classes
        return renderers[0] if len(renderers) == 1 and hasattr(renderers[0], "download_schema") else None

    def get_response_serializers(self):
        return OpenApiTypes.BINARY if self._download() else super().get_response_serializers()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        if renderer := self._download():
            responses = {"200": {
                "content": {renderer.media_type: {"schema": renderer.download_schema}},
                "headers": {"Content-Disposition": CONTENT_DISPOSITION},
                "description": str(getattr(self.view, "download_description", None) or _(
                    "The file (%(format)s): the same figures as the JSON operation, as a table.") % {
                    "format": renderer.format.upper()}),
            }}
        for code in self._error_codes():
            if code in responses:
                continue
            if code == "304":
                responses[code] = {"description": str(_("Unchanged since the ETag given in If-None-Match: no body.")),
                                   "headers": {"ETag": ETAG}}
                continue
            serializer = ValidationErrorSerializer if code == "400" else ErrorSerializer
            # Errors answer in JSON on every endpoint, spreadsheet endpoints included.
            response = self._get_response_for_code(serializer, code, media_types=["application/json"])
            response["description"] = str(ERROR_DESCRIPTIONS[code])
            responses[code] = response
        return dict(sorted(responses.items()))


# One tag per resource, in the order the docs list them: (description, one, many).
TAGS = {
    "api": (_("The root of the API: the resources, and where the schema and the docs are."), "", ""),
    "auth": (_("Log in for a token, log out, and who you are."), "", ""),
    "areas": (_("Administrative units of today: provinces, communes, wards, special zones, villages."),
              _("an administrative unit"), _("administrative units")),
    "former-units": (_("Administrative units as they stood before July 2025, and where each went."),
                     _("a former unit"), _("former units")),
    "households": (_("The household register, each household's history and the programmes it may join."),
                   _("a household"), _("households")),
    "members": (_("Household members."), _("a member"), _("members")),
    "poverty-standards": (_("Multidimensional poverty standards: income lines, ceilings, indicators."),
                          _("a poverty standard"), _("poverty standards")),
    "reviews": (_("The annual poverty review: drafts, their classification and approval."), _("a review"),
                _("reviews")),
    "imports": (_("Registers and reviews in bulk from CSV or XLSX files."), "", ""),
    "programmes": (_("Programmes, projects and local interventions, with their budgets."), _("a programme"),
                   _("programmes")),
    "enrollments": (_("Households and members enrolled in programmes."), _("an enrolment"), _("enrolments")),
    "deliveries": (_("Support delivered under enrolments."), _("a delivery"), _("deliveries")),
    "follow-ups": (_("What became of enrolled households, and the visits due."), _("a follow-up"),
                   _("follow-ups")),
    "case-notes": (_("Notes of visits to households."), _("a case note"), _("case notes")),
    "reports": (_("Poverty, sustainability and programme outcomes, in JSON, CSV or XLSX."), "", ""),
    "users": (_("User accounts (admins)."), _("a user"), _("users")),
    "access-log": (_("Who read whole national ID numbers (admins)."), "", _("access log entries")),
    "health": (_("Whether the service and its database answer."), "", ""),
}
VERBS = {"list": (_("List %(many)s"), 2), "retrieve": (_("Read %(one)s"), 1), "create": (_("Create %(one)s"), 1),
         "partial_update": (_("Change %(one)s"), 1)}


def _tag(path: str) -> str:
    first = path.removeprefix("/api/v1/").split("/")[0]
    return first if first in TAGS else "api"


def _summary(path: str, operation: dict) -> str:
    """A short line for each operation: for the plain list, read, create and change of a
    resource, the verb and the resource; otherwise its docstring's first sentence, up to its
    first colon or comma when long."""
    parts = [p for p in path.removeprefix("/api/v1/").split("/") if p]
    operation_id = operation["operationId"]
    verb = "partial_update" if operation_id.endswith("partial_update") else operation_id.rsplit("_", 1)[-1]
    plain = len(parts) == 1 or (len(parts) == 2 and parts[1].startswith("{"))
    if plain and verb in VERBS and parts[0] in TAGS and TAGS[parts[0]][VERBS[verb][1]]:
        _description, one, many = TAGS[parts[0]]
        return str(VERBS[verb][0]) % {"one": one, "many": many}
    sentence = (operation.get("description") or "").strip().split("\n\n")[0].replace("\n", " ").split(". ")[0]
    for mark in (":", ";", ","):
        if len(sentence) > 90 and mark in sentence[20:]:
            sentence = sentence[:20] + sentence[20:].split(mark)[0]
    return sentence.rstrip(".") or operation_id.replace("_", " ")


def postprocess(result, generator, request, public):
    """Tags by resource with their descriptions, a summary on every operation (the linters'
    rules, and what generated clients name their functions' docs after)."""
    for path, operations in result["paths"].items():
        for operation in operations.values():
            operation["tags"] = [_tag(path)]
            operation.setdefault("summary", _summary(path, operation))
            if operation.get("security") == [{}]:
                # No credentials at all (login, health): an empty list says so plainly; `[{}]`
                # reads as "some security" to generators, which then demand a token for login.
                operation["security"] = []
            for suffix in ("csv/", "xlsx/"):
                if path.endswith(suffix) and not path.endswith("template/" + suffix):
                    operation["summary"] += f" ({suffix.rstrip('/').upper()})"
    result["tags"] = [{"name": name, "description": str(text)} for name, (text, _one, _many) in TAGS.items()]
    _typed_nullables(result["components"])
    return result


def _typed_nullables(node):
    """OpenAPI 3.0 ignores `nullable` without a `type` beside it: a nullable reference
    (`allOf: [$ref]`) is said to be a nullable object."""
    if isinstance(node, dict):
        if node.get("nullable") and "allOf" in node and "type" not in node:
            node["type"] = "object"
        for value in node.values():
            _typed_nullables(value)
    elif isinstance(node, list):
        for value in node:
            _typed_nullables(value)
