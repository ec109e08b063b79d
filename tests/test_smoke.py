from fastapi.testclient import TestClient


def test_health_reports_database_kind(client: TestClient, database_url: str) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == ("postgresql" if database_url.startswith("postgresql") else "sqlite")
    assert response.headers["x-request-id"]
