"""The real langchain-openai client against a small OpenAI-compatible server run by the test."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from behflow_server.config import Settings
from behflow_server.main import create_app


class FakeOpenAI:
    """POST /v1/chat/completions: a tool call first, then a text answer quoting the tool result."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(
                    {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
                )
                time.sleep(fake.delay)
                answer = fake.answer(body)
                try:
                    if body.get("stream"):
                        self._stream(answer)
                        return
                    payload = json.dumps(answer).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting: that is the point of the slow server

            def _stream(self, answer: dict[str, Any]) -> None:
                """The same answer as chat.completion.chunk events, text split into pieces."""
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                choice = answer["choices"][0]
                message = choice["message"]
                deltas: list[dict[str, Any]] = []
                if message.get("tool_calls"):
                    deltas.append(
                        {
                            "role": "assistant",
                            "tool_calls": [
                                {"index": n, **call} for n, call in enumerate(message["tool_calls"])
                            ],
                        }
                    )
                else:
                    words = message["content"].split(" ")
                    deltas.extend(
                        {"content": w + (" " if n < len(words) - 1 else "")}
                        for n, w in enumerate(words)
                    )
                for n, delta in enumerate(deltas):
                    chunk = {
                        "id": answer["id"],
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": answer["model"],
                        "choices": [
                            {
                                "index": 0,
                                "delta": delta,
                                "finish_reason": choice["finish_reason"]
                                if n == len(deltas) - 1
                                else None,
                            }
                        ],
                    }
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        last = body["messages"][-1]
        if last["role"] == "tool":
            message: dict[str, Any] = {"role": "assistant", "content": f"Done: {last['content']}"}
            finish = "stop"
        else:
            arguments = json.dumps(
                {"title": "Buy oat milk", "due": "tomorrow 9am", "priority": "high"}
            )
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "add_task", "arguments": arguments},
                    }
                ],
            }
            finish = "tool_calls"
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    yield server
    server.close()


def _client_for(settings: Settings, **llm: Any) -> TestClient:
    return TestClient(create_app(Settings(**{**settings.model_dump(), **llm})))


def _login(client: TestClient) -> dict[str, str]:
    response = client.post(
        "/register",
        json={"username": "alice", "password": "correct horse", "timezone": "Europe/Berlin"},
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_llm_tool_calls_go_over_the_wire(settings: Settings, fake_openai: FakeOpenAI) -> None:
    with _client_for(
        settings,
        llm_base_url=fake_openai.url,
        llm_model="tiny-model",
        llm_api_key="sk-test",
        llm_max_retries=0,
    ) as client:
        auth = _login(client)
        response = client.post("/api/v1/chat", headers=auth, json={"message": "get oat milk"})
        assert response.status_code == 200, response.text
        reply = response.json()
        task = client.get("/api/v1/tasks/1", headers=auth).json()
    assert reply["model"] == "tiny-model"
    assert reply["actions"] == [{"action": "created", "number": 1, "title": "Buy oat milk"}]
    assert reply["reply"].startswith("Done: Created #1 Buy oat milk")
    assert (task["title"], task["priority"]) == ("Buy oat milk", "high")
    first, second = (r["body"] for r in fake_openai.requests)
    assert fake_openai.requests[0]["path"] == "/v1/chat/completions"
    assert fake_openai.requests[0]["auth"] == "Bearer sk-test"
    assert first["model"] == "tiny-model"
    assert {t["function"]["name"] for t in first["tools"]} == {
        "add_task",
        "list_tasks",
        "update_task",
        "complete_task",
        "delete_task",
        "list_history",
        "undo",
        "add_note",
    }
    assert first["messages"][0]["role"] == "system"
    assert "Time zone: Europe/Berlin" in first["messages"][0]["content"]
    assert second["messages"][-1]["role"] == "tool"
    assert second["messages"][-1]["tool_call_id"] == "call_1"


def test_llm_replies_stream_token_by_token(settings: Settings, fake_openai: FakeOpenAI) -> None:
    with _client_for(settings, llm_base_url=fake_openai.url, llm_max_retries=0) as client:
        auth = _login(client)
        response = client.post(
            "/api/v1/chat/stream", headers=auth, json={"message": "get oat milk"}
        )
        assert response.status_code == 200
        events = [
            (
                block.split("\n", 1)[0].removeprefix("event: "),
                json.loads(block.split("\n", 1)[1].removeprefix("data: ")),
            )
            for block in response.text.split("\n\n")
            if block.strip()
        ]
        assert client.get("/api/v1/tasks/1", headers=auth).json()["title"] == "Buy oat milk"
    tokens = [body["text"] for name, body in events if name == "token"]
    name, done = events[-1]
    assert name == "done"
    assert len(tokens) > 3
    assert "".join(tokens) == done["reply"]
    assert done["reply"].startswith("Done: Created #1 Buy oat milk")
    assert done["actions"] == [{"action": "created", "number": 1, "title": "Buy oat milk"}]
    assert all(r["body"].get("stream") for r in fake_openai.requests)


def test_openai_api_key_is_used_when_no_behflow_key(
    settings: Settings, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-openai-env")
    with _client_for(settings, llm_base_url=fake_openai.url, llm_max_retries=0) as client:
        auth = _login(client)
        assert client.post("/api/v1/chat", headers=auth, json={"message": "hi"}).status_code == 200
    assert fake_openai.requests[0]["auth"] == "Bearer sk-from-openai-env"


def test_llm_timeout_falls_back_to_the_offline_model(settings: Settings) -> None:
    slow = FakeOpenAI(delay=5.0)
    try:
        with _client_for(
            settings, llm_base_url=slow.url, llm_timeout_seconds=0.3, llm_max_retries=0
        ) as client:
            auth = _login(client)
            started = time.monotonic()
            response = client.post(
                "/api/v1/chat", headers=auth, json={"message": "add water the plants tomorrow"}
            )
            elapsed = time.monotonic() - started
            reply = response.json()
    finally:
        slow.close()
    assert response.status_code == 200
    assert elapsed < 4.0  # the slow server would take 5 s
    assert reply["model"] == "offline"
    assert "did not answer" in reply["reply"] and slow.url in reply["reply"]
    assert reply["actions"] == [{"action": "created", "number": 1, "title": "Water the plants"}]


def test_unreachable_llm_falls_back_too(settings: Settings) -> None:
    with _client_for(
        settings, llm_base_url="http://127.0.0.1:9/v1", llm_max_retries=0, llm_timeout_seconds=2
    ) as client:
        auth = _login(client)
        reply = client.post("/api/v1/chat", headers=auth, json={"message": "list my tasks"})
    assert reply.status_code == 200
    assert reply.json()["model"] == "offline" and "did not answer" in reply.json()["reply"]
