from rest_framework import mixins, status, viewsets

from povertycase.etags import versioned_response


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


class ServiceCreateMixin:
    """POST: validate with `serializer_class`, write through the `create_service` function
    (called with `by=` the caller and the validated fields), answer 201 with the row as the
    list shows it and its ETag."""

    create_service = None

    def create(self, request):
        serializer = self.serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        row = type(self).create_service(by=request.user, **serializer.validated_data)
        return versioned_response(self.serializer_class, self.get_queryset().get(pk=row.pk),
                                  context=self.get_serializer_context(), status_code=status.HTTP_201_CREATED)
