"""The browser pages, one module of views (with its URLs) per part of the workspace."""

from povertycase.web.views import auth, households, programmes, reports, reviews, todo

app_name = "web"
urlpatterns = [
    *auth.urlpatterns,
    *households.urlpatterns,
    *reviews.urlpatterns,
    *programmes.urlpatterns,
    *todo.urlpatterns,
    *reports.urlpatterns,
]
