"""The outbound request policy: where the server may send requests on a user's behalf.

Every user-chosen URL (webhooks today, other notification channels later) goes through
`send`, which resolves the host, checks every address it resolves to, and connects to the
checked address itself (the Host header and TLS SNI keep the name), never following
redirects. By default only public unicast addresses are allowed; `BEHFLOW_OUTBOUND_ALLOW` and
`BEHFLOW_OUTBOUND_DENY` (CIDRs or host names) let an operator allow, say, a private network for
a self-hosted receiver. Link-local (cloud metadata), unspecified and multicast addresses, and
this server itself, are refused whatever the allow list says.

Addresses are normalised first to what they mean: IPv4-mapped and IPv4-compatible IPv6,
NAT64, 6to4 and Teredo carry an IPv4 address that is checked too, and integer hosts such as
`2130706433`, `0x7f.1` or `0177.0.0.1` are read as the IPv4 address a resolver would use.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from behflow_server.config import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")
_NUMBER_PART = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


class InvalidAddress(ValueError):
    """A host that looks like an address but is not a valid one (e.g. `08.1`, `1.2.3.256`)."""


def _number(part: str) -> int:
    if part.startswith("0x"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        if not all(c in "01234567" for c in part):
            raise InvalidAddress(f"{part!r} is not an octal number")
        return int(part, 8)
    return int(part)


def _integer_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Read `a`, `a.b`, `a.b.c` or `a.b.c.d` in decimal, octal or hex as inet_aton does."""
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts = parts[:-1]  # a trailing dot
    if not 1 <= len(parts) <= 4 or not all(_NUMBER_PART.match(p) for p in parts):
        return None
    numbers = [_number(p) for p in parts]
    last_limit = 256 ** (5 - len(numbers))
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= last_limit:
        raise InvalidAddress(f"{host!r} is out of range for an IPv4 address")
    value = numbers[-1]
    for index, n in enumerate(numbers[:-1]):
        value += n << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def parse_host(host: str) -> IPAddress | None:
    """The address a URL host literally names (any notation), or None for a name to resolve."""
    text = host.strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = text.split("%", 1)[0]  # an IPv6 zone id does not change which address it is
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if ":" in text:
        raise InvalidAddress(f"{host!r} is not a valid IPv6 address")
    return _integer_ipv4(text)


def meanings(address: IPAddress) -> list[IPAddress]:
    """Every address that `address` stands for: itself, or the IPv4 address it embeds."""
    if isinstance(address, ipaddress.IPv4Address):
        return [address]
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    value = int(address)
    if value >> 32 == 0 and value > 1:  # IPv4-compatible ::a.b.c.d (not :: or ::1)
        return [ipaddress.IPv4Address(value & 0xFFFFFFFF)]
    found: list[IPAddress] = [address]
    if address in NAT64_PREFIX:
        found.append(ipaddress.IPv4Address(value & 0xFFFFFFFF))
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    return found


@lru_cache(maxsize=1)
def _own_addresses() -> frozenset[IPAddress]:
    try:
        names = socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        return frozenset()
    return frozenset(ipaddress.ip_address(n) for n in names)


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses `host` resolves to now (raises OSError or UnicodeError when it does not)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    return list(dict.fromkeys(addresses))


def _split_entries(entries: Iterable[str]) -> tuple[tuple[IPNetwork, ...], frozenset[str]]:
    networks: list[IPNetwork] = []
    hosts: set[str] = set()
    for entry in entries:
        text = entry.strip().lower().rstrip(".")
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text.strip("[]"), strict=False))
        except ValueError:
            hosts.add(text)
    return tuple(networks), frozenset(hosts)


Verdict = Literal["allowed", "refused", "never"]


@dataclass(frozen=True)
class OutboundPolicy:
    allow_networks: tuple[IPNetwork, ...] = ()
    allow_hosts: frozenset[str] = frozenset()
    deny_networks: tuple[IPNetwork, ...] = ()
    deny_hosts: frozenset[str] = frozenset()
    # This server, so a user cannot make it call its own API.
    server_host: str = "127.0.0.1"
    server_port: int = 8765

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboundPolicy:
        allow_networks, allow_hosts = _split_entries(settings.outbound_allow)
        deny_networks, deny_hosts = _split_entries(settings.outbound_deny)
        return cls(
            allow_networks=allow_networks,
            allow_hosts=allow_hosts,
            deny_networks=deny_networks,
            deny_hosts=deny_hosts,
            server_host=settings.host,
            server_port=settings.port,
        )

    def is_server(self, address: IPAddress, port: int) -> bool:
        if port != self.server_port:
            return False
        return (
            address.is_loopback
            or str(address) == self.server_host.strip("[]")
            or address in _own_addresses()
        )

    def never_allowed(self, address: IPAddress, port: int) -> bool:
        """Refused whatever the allow list says: link-local, unspecified, multicast, us."""
        for meant in meanings(address):
            if meant.is_link_local or meant.is_unspecified or meant.is_multicast:
                return True
            if isinstance(meant, ipaddress.IPv4Address) and meant == ipaddress.IPv4Address(
                "255.255.255.255"
            ):
                return True
            if self.is_server(meant, port):
                return True
        return False

    def check(self, address: IPAddress, port: int, host: str | None = None) -> Verdict:
        """Whether a request to `address`:`port` (reached by the name `host`) may go out."""
        if self.never_allowed(address, port):
            return "never"
        name = host.strip().lower().rstrip(".") if host else None
        if name is not None and name in self.deny_hosts:
            return "refused"
        name_allowed = name is not None and name in self.allow_hosts
        for meant in meanings(address):
            if any(meant in network for network in self.deny_networks):
                return "refused"
            if name_allowed or any(meant in network for network in self.allow_networks):
                continue
            if not meant.is_global:
                return "refused"
        return "allowed"


class Refused(Exception):
    """The policy does not let a request go to this URL."""

    def __init__(self, reason: str, *, never: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.never = never


class BadURL(ValueError):
    """Not a URL the server can send to (scheme, host, port); `code` names the problem."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    literal: IPAddress | None


def parse_url(url: str) -> Target:
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise BadURL(f"Not a valid URL: {exc}.", "invalid_url") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise BadURL(
            f"URLs must use http or https, not {parts.scheme or 'no scheme'!r}.",
            "unsupported_scheme",
        )
    host = parts.hostname
    if not host:
        raise BadURL("The URL has no host.", "invalid_url")
    try:
        literal = parse_host(host)
    except InvalidAddress as exc:
        raise BadURL(f"Not a valid URL: {exc}.", "invalid_url") from None
    return Target(text, scheme, host, port or (443 if scheme == "https" else 80), literal)


def addresses_for(target: Target, policy: OutboundPolicy) -> list[IPAddress]:
    """Resolve the target's host and check every address; raise Refused if any is refused."""
    if target.literal is not None:
        addresses = [target.literal]
    else:
        try:
            addresses = resolve(target.host, target.port)
        except (OSError, UnicodeError):
            raise Refused(f"cannot resolve {target.host!r}") from None
        if not addresses:
            raise Refused(f"cannot resolve {target.host!r}")
    hostname = None if target.literal is not None else target.host
    for address in addresses:
        verdict = policy.check(address, target.port, hostname)
        if verdict != "allowed":
            raise Refused(f"{address} is not allowed", never=verdict == "never")
    return addresses


@dataclass(frozen=True)
class Outcome:
    """What a caller may show a user: delivered, refused by policy, or failed (HTTP status)."""

    kind: Literal["delivered", "refused", "failed"]
    status: int | None = None

    @property
    def message(self) -> str | None:
        if self.kind == "delivered":
            return None
        if self.kind == "refused":
            return "refused by policy"
        return f"failed (HTTP {self.status})" if self.status else "failed (no response)"


def _netloc(target: Target) -> str:
    host = target.host if ":" not in target.host else f"[{target.host}]"
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def send(
    url: str,
    *,
    policy: OutboundPolicy,
    content: bytes,
    headers: Mapping[str, str],
    timeout: float,
    method: str = "POST",
) -> Outcome:
    """One request under the policy; neither errors nor the answer's body reach the caller."""
    try:
        target = parse_url(url)
        addresses = addresses_for(target, policy)
    except (BadURL, Refused):
        return Outcome("refused")
    # Imported on the first delivery: at start-up httpx (and the click, rich and pygments its
    # __init__ pulls in for its own CLI) cost ~0.1 s and several MB of every idle server.
    import httpx

    original = httpx.URL(target.url)
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as http:
        for address in addresses:
            # Connect to the checked address: an IPv4-mapped one as the IPv4 address it means.
            pinned = original.copy_with(host=str(meanings(address)[0]))
            request_headers = {**headers, "Host": _netloc(target)}
            extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
            request = http.build_request(
                method, pinned, content=content, headers=request_headers, extensions=extensions
            )
            try:
                response = http.send(request, stream=True)  # the body is never read
            except httpx.HTTPError:
                continue
            response.close()
            if 200 <= response.status_code < 300:
                return Outcome("delivered", response.status_code)
            return Outcome("failed", response.status_code)
    return Outcome("failed")
