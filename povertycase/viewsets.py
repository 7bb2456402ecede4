from rest_framework import mixins, viewsets


class ListCreatePatchViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and PATCH; no PUT, and no DELETE: records are never deleted through
    the API. Subclasses write through services in perform_create/perform_update."""

    http_method_names = ["get", "post", "patch", "head", "options"]
