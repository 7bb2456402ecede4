import pytest


@pytest.fixture
def manager(users, client_for):
    return client_for(users["manager"])


@pytest.fixture
def officer(users, client_for):
    return client_for(users["officer"])


@pytest.fixture
def seed_programme(manager):
    response = manager.post("/api/v1/programmes/", {
        "code": "QS-SEED", "name": "Lúa giống", "kind": "livelihood", "area": "20641", "starts_on": "2025-01-01",
        "budget": 500_000_000, "funding_source": "enterprise", "eligible_classes": ["poor"], "capacity": 2,
        "status": "open", "targets": ["water"]}, format="json")
    assert response.status_code == 201, response.data
    return response.data


@pytest.fixture
def training(manager):
    return manager.post("/api/v1/programmes/", {
        "code": "QS-VT", "name": "Sửa máy", "kind": "vocational_training", "area": "48", "starts_on": "2025-01-01",
        "budget": 100_000_000, "funding_source": "central", "eligible_classes": ["poor", "near_poor"],
        "status": "open", "min_age": 16, "max_age": 45}, format="json").data
