"""The outbound request policy (issue 10, point 4): a user's webhook cannot make the server
reach loopback, private networks, cloud metadata or itself, in any notation or through DNS,
and the delivery log says only "delivered", "refused by policy" or "failed (HTTP status)"."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from behflow_server import outbound
from behflow_server.config import ConfigError, Settings, load_settings
from behflow_server.main import create_app
from behflow_server.outbound import OutboundPolicy, meanings, parse_host
from tests.automation.receiver import Receiver
from tests.conftest import TEST_SECRET

Headers = dict[str, str]
REFUSED = "refused by policy"
ip = ipaddress.ip_address

# --- address forms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "meant"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),  # one decimal integer
        ("0x7f000001", "127.0.0.1"),  # one hex integer
        ("0x7f.1", "127.0.0.1"),  # a.b with hex
        ("0177.0.0.1", "127.0.0.1"),  # octal
        ("127.1", "127.0.0.1"),
        ("10.0.258", "10.0.1.2"),  # a.b.c
        ("0xA9.0xFE.0xA9.0xFE", "169.254.169.254"),
        ("127.0.0.1.", "127.0.0.1"),  # trailing dot
        ("[::ffff:127.0.0.1]", "127.0.0.1"),  # IPv4-mapped
        ("::ffff:7f00:1", "127.0.0.1"),
        ("[::127.0.0.1]", "127.0.0.1"),  # IPv4-compatible
        ("[::ffff:169.254.169.254]", "169.254.169.254"),
    ],
)
def test_alternate_forms_mean_the_ipv4_address(host: str, meant: str) -> None:
    address = parse_host(host)
    assert address is not None
    assert ip(meant) in meanings(address)


@pytest.mark.parametrize(
    ("host", "embedded"),
    [
        ("2002:7f00:1::1", "127.0.0.1"),  # 6to4
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"),  # NAT64
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1"),  # Teredo (client, inverted)
    ],
)
def test_tunnelled_ipv6_is_checked_for_the_ipv4_it_carries(host: str, embedded: str) -> None:
    address = parse_host(host)
    assert address is not None and ip(embedded) in meanings(address)
    assert OutboundPolicy().check(address, 80) != "allowed"


@pytest.mark.parametrize("host", ["example.com", "localhost", "1.2.3.example"])
def test_names_are_left_for_the_resolver(host: str) -> None:
    assert parse_host(host) is None


@pytest.mark.parametrize("host", ["08.1", "1.2.3.256", "4294967296", "1.2.3.4.5.6", "[::g]"])
def test_malformed_numeric_hosts_are_not_names(host: str) -> None:
    if host == "1.2.3.4.5.6":  # five or more parts is a name, as inet_aton says
        assert parse_host(host) is None
        return
    with pytest.raises(outbound.InvalidAddress):
        parse_host(host)


# --- the policy ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "2130706433",
        "0x7f.1",
        "[::ffff:127.0.0.1]",
        "[::1]",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",
        "[fc00::1]",
        "[::ffff:10.0.0.1]",
    ],
)
def test_loopback_and_private_are_refused_by_default(host: str) -> None:
    address = parse_host(host)
    assert address is not None
    assert OutboundPolicy().check(address, 5432) == "refused"


@pytest.mark.parametrize(
    "host",
    [
        "169.254.169.254",
        "[fe80::1]",
        "[fe80::1%25eth0]",
        "0.0.0.0",
        "[::]",
        "224.0.0.1",
        "[ff02::1]",
    ],
)
def test_link_local_unspecified_and_multicast_are_never_allowed(host: str) -> None:
    address = parse_host(host)
    assert address is not None
    everything = OutboundPolicy(
        allow_networks=(
            ipaddress.ip_network("0.0.0.0/0"),
            ipaddress.ip_network("::/0"),
            ipaddress.ip_network("169.254.0.0/16"),
            ipaddress.ip_network("fe80::/10"),
        )
    )
    assert everything.check(address, 80) == "never"


@pytest.mark.parametrize("host", ["93.184.215.14", "8.8.8.8", "[2606:4700::1111]"])
def test_public_unicast_is_allowed(host: str) -> None:
    address = parse_host(host)
    assert address is not None
    assert OutboundPolicy().check(address, 443) == "allowed"


def test_operator_allow_and_deny_lists(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        outbound_allow="10.0.0.0/8, receiver.internal ,::1",  # type: ignore[arg-type]
        outbound_deny="10.9.0.0/16,blocked.example.com",  # type: ignore[arg-type]
    )
    policy = OutboundPolicy.from_settings(settings)
    assert policy.check(ip("10.1.2.3"), 80) == "allowed"
    assert policy.check(ip("::ffff:10.1.2.3"), 80) == "allowed"
    assert policy.check(ip("::1"), 9000) == "allowed"
    assert policy.check(ip("10.9.0.1"), 80) == "refused"  # deny wins over allow
    assert policy.check(ip("192.168.0.5"), 80) == "refused"
    assert policy.check(ip("192.168.0.5"), 80, "receiver.internal") == "allowed"
    assert policy.check(ip("8.8.8.8"), 80, "blocked.example.com") == "refused"
    assert policy.check(ip("8.8.8.8"), 80) == "allowed"
    # This server itself, whatever is allowed.
    assert policy.check(ip("::1"), settings.port) == "never"
    with pytest.raises(ConfigError, match="OUTBOUND_ALLOW"):
        load_settings(data_dir=tmp_path, outbound_allow="10.0.0.0/33,/etc/passwd")


def test_every_resolved_address_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbound, "resolve", lambda host, port: [ip("8.8.8.8"), ip("10.0.0.1")])
    target = outbound.parse_url("http://mixed.example/hook")
    with pytest.raises(outbound.Refused):
        outbound.addresses_for(target, OutboundPolicy())
    monkeypatch.setattr(outbound, "resolve", lambda host, port: [ip("8.8.8.8")])
    assert outbound.addresses_for(target, OutboundPolicy()) == [ip("8.8.8.8")]


def test_send_connects_to_the_checked_address_keeping_the_host_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The name is resolved once, by the policy: the connection goes to what was checked."""
    policy = OutboundPolicy(allow_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    monkeypatch.setattr(outbound, "resolve", lambda host, port: [ip("127.0.0.1")])
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        outcome = outbound.send(
            f"http://receiver.invalid:{port}/hook",
            policy=policy,
            content=b"{}",
            headers={"Content-Type": "application/json"},
            timeout=2,
        )
        [got] = receiver.wait_for(1)
    assert outcome.kind == "delivered" and outcome.message is None
    assert got.headers["Host"] == f"receiver.invalid:{port}" and got.path == "/hook"


# --- through the API -----------------------------------------------------------------------


def _client(database_url: str, isolated_env: Path, **overrides: Any) -> TestClient:
    settings = Settings(
        data_dir=isolated_env / "data",
        database_url=database_url,
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
        scheduler_enabled=False,
        webhook_retry_base_seconds=0.2,
        webhook_max_attempts=2,
        webhook_timeout_seconds=2,
        **overrides,
    )
    return TestClient(create_app(settings))


MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(database_url: str, isolated_env: Path) -> Iterator[MakeClient]:
    opened: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        client = _client(database_url, isolated_env, **overrides)
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def _login(client: TestClient) -> Headers:
    token = client.post("/register", json={"username": "alice", "password": "correct horse"})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _test_delivery(client: TestClient, auth: Headers, url: str) -> dict[str, Any]:
    made = client.post("/api/v1/webhooks", headers=auth, json={"url": url})
    assert made.status_code == 201, made.text
    hook_id = made.json()["id"]
    result: dict[str, Any] = client.post(f"/api/v1/webhooks/{hook_id}/test", headers=auth).json()
    [logged] = client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=auth).json()
    assert logged["error"] == result["error"] and logged["status"] == result["status"]
    return result


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "[::ffff:127.0.0.1]", "0x7f.1", "2130706433", "localhost"]
)
def test_loopback_in_any_form_is_refused_by_default(make_client: MakeClient, host: str) -> None:
    client = make_client()
    auth = _login(client)
    with Receiver() as receiver:  # something listens there: it must not be reached
        port = receiver.server.server_address[1]
        result = _test_delivery(client, auth, f"http://{host}:{port}/hook")
        assert receiver.received == []
    assert (result["status"], result["error"], result["response_status"]) == (
        "failed",
        REFUSED,
        None,
    )


def test_nothing_listening_and_something_listening_look_the_same(
    make_client: MakeClient,
) -> None:
    """Refused before connecting: a closed port and an open one give the same log entry."""
    client = make_client()
    auth = _login(client)
    with Receiver() as receiver:
        open_url = receiver.url
    closed = _test_delivery(client, auth, open_url)
    with Receiver() as receiver:
        listening = _test_delivery(client, auth, receiver.url)
    keys = ("status", "error", "response_status")
    assert [closed[k] for k in keys] == [listening[k] for k in keys] == ["failed", REFUSED, None]


def test_the_local_receiver_gets_the_delivery_when_allowed(make_client: MakeClient) -> None:
    client = make_client(outbound_allow=["127.0.0.1/32"])
    auth = _login(client)
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        for host in ("127.0.0.1", "0x7f.1", "[::ffff:127.0.0.1]"):
            result = _test_delivery(client, auth, f"http://{host}:{port}/hook")
            assert (result["status"], result["error"]) == ("delivered", None), host
        assert len(receiver.wait_for(3)) == 3
        # Only what was allowed: the rest of 127.0.0.0/8 is still refused.
        other = _test_delivery(client, auth, f"http://127.0.0.2:{port}/hook")
        assert (other["status"], other["error"]) == ("failed", REFUSED)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://0xA9FEA9FE/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fe80::1]:8080/",
        "http://0.0.0.0:5432/",
    ],
)
def test_link_local_is_refused_at_creation_even_when_allowed(
    make_client: MakeClient, url: str
) -> None:
    client = make_client(outbound_allow=["169.254.0.0/16", "fe80::/10", "0.0.0.0/0"])
    auth = _login(client)
    made = client.post("/api/v1/webhooks", headers=auth, json={"url": url})
    assert made.status_code == 422, made.text
    assert made.json()["error"]["code"] == "address_not_allowed"


def test_dns_is_checked_again_at_delivery(
    make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name that was public when saved and points at cloud metadata (or loopback) later is
    refused at delivery, even with link-local and loopback in the allow list."""
    client = make_client(outbound_allow=["169.254.0.0/16"])
    auth = _login(client)
    answers = {"rebind.example": [ip("93.184.215.14")]}
    monkeypatch.setattr(outbound, "resolve", lambda host, port: answers[host])
    made = client.post("/api/v1/webhooks", headers=auth, json={"url": "http://rebind.example/"})
    assert made.status_code == 201, made.text
    hook_id = made.json()["id"]
    for address in ("169.254.169.254", "::ffff:169.254.169.254", "127.0.0.1"):
        answers["rebind.example"] = [ip(address)]
        result = client.post(f"/api/v1/webhooks/{hook_id}/test", headers=auth).json()
        assert (result["status"], result["error"], result["response_status"]) == (
            "failed",
            REFUSED,
            None,
        ), address


def test_localhost_is_refused_by_default_through_the_resolver(make_client: MakeClient) -> None:
    client = make_client()
    auth = _login(client)
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        result = _test_delivery(client, auth, f"http://localhost:{port}/hook")
        assert receiver.received == []
    assert result["error"] == REFUSED


class _Redirector:
    """Answers every POST with 302 to `location`."""

    def __init__(self, location: str) -> None:
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.hits += 1
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_redirect_to_a_private_address_is_not_followed(make_client: MakeClient) -> None:
    client = make_client(outbound_allow=["127.0.0.1/32"])
    auth = _login(client)
    with Receiver() as private:  # stands for the private service the redirect points at
        target = f"http://localhost:{private.server.server_address[1]}/internal"
        redirector = _Redirector(target)
        try:
            result = _test_delivery(client, auth, redirector.url)
        finally:
            redirector.close()
        assert redirector.hits == 1
        assert private.received == []
    assert (result["status"], result["error"], result["response_status"]) == (
        "failed",
        "failed (HTTP 302)",
        302,
    )
