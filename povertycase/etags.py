"""ETags for detail views: a record's ETag is its version number in quotes."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.response import Response

from povertycase.errors import etag, version_matches

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=str(
        _(
            "The ETag of the record as you last read it. If the record has changed since, the "
            "write is refused with 412 and nothing changes. Omit it (or send `*`) to write "
            "unconditionally."
        )
    ),
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=str(
        _("The ETag you hold. If the record is unchanged the answer is 304 with no body.")
    ),
)


class VersionedRetrieveMixin:
    """Detail responses carry the record's ETag; If-None-Match saves a slow line the body."""

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        tag = etag(instance.version)
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match and version_matches(if_none_match, instance.version):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": tag})
        return Response(self.get_serializer(instance).data, headers={"ETag": tag})


def versioned_response(serializer_class, instance, *, context, status_code=status.HTTP_200_OK):
    return Response(
        serializer_class(instance, context=context).data,
        status=status_code,
        headers={"ETag": etag(instance.version)},
    )
