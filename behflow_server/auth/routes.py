"""Account endpoints: /register, /login, /logout, /me."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Header, Path, Request, status
from pydantic import ValidationError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from behflow_server.api.deps import ClientIP, Context, CurrentClaims, CurrentUser, SessionDep
from behflow_server.auth import service, sessions
from behflow_server.auth.models import (
    LoginRequest,
    PasswordChange,
    ProfileUpdate,
    RegisterRequest,
    TokenResponse,
    User,
    UserPublic,
)
from behflow_server.auth.ratelimit import (
    AddressRateLimiter,
    AttemptLimiter,
    Limit,
    Reservation,
    limit_key,
)
from behflow_server.auth.security import HashingBusy, PasswordGate, verify_password
from behflow_server.auth.sessions import AccountSessionList
from behflow_server.context import AppContext
from behflow_server.errors import Forbidden, InvalidInput, Unauthorized

T = TypeVar("T")

router = APIRouter(tags=["accounts"])

# The client a token is issued to, as its sessions list shows it ("behflow-cli", a browser).
UserAgent = Annotated[str | None, Header(alias="User-Agent", max_length=500)]


def password_gate(context: AppContext) -> PasswordGate:
    """This app's one gate around Argon2 (created on first use, on the event loop)."""
    if context.password_gate is None:
        settings = context.settings
        context.password_gate = PasswordGate(
            settings.password_hash_concurrency, settings.password_hash_wait_seconds
        )
    return context.password_gate


def registration_limiter(context: AppContext) -> AddressRateLimiter:
    if context.registration_limiter is None:
        settings = context.settings
        # Counted in process memory: with N workers each takes its share, so the machine as a
        # whole never registers more than the limit from one address (login limits are rows).
        context.registration_limiter = AddressRateLimiter(
            max(1, settings.registration_max_per_address // settings.workers),
            settings.registration_window_seconds,
            "Too many accounts registered from this address; try again later.",
        )
    return context.registration_limiter


def attempt_limiter(context: AppContext) -> AttemptLimiter:
    """Failed password attempts, counted in the store (shared by every process)."""
    if context.attempt_limiter is None:
        context.attempt_limiter = AttemptLimiter(
            context.db.engine, "Too many failed attempts; try again later."
        )
    return context.attempt_limiter


def _address_limit(context: AppContext, ip: str) -> Limit:
    settings = context.settings
    return Limit(
        limit_key("address", ip),
        settings.login_max_failures_per_address,
        settings.login_window_seconds,
        reset_on_success=False,  # one valid account must not clear its address's failures
    )


def login_limits(context: AppContext, ip: str, username: str) -> list[Limit]:
    """Per username + address and per address; no per-username lock-out across addresses."""
    settings = context.settings
    return [
        Limit(
            limit_key("login", username.lower(), ip),
            settings.login_max_failures,
            settings.login_window_seconds,
        ),
        _address_limit(context, ip),
    ]


def password_change_limits(context: AppContext, ip: str, user: User) -> list[Limit]:
    settings = context.settings
    return [
        Limit(
            limit_key("password", str(user.id)),
            settings.login_max_failures,
            settings.login_window_seconds,
        ),
        _address_limit(context, ip),
    ]


async def _checked(context: AppContext, reservation: Reservation, check: Callable[[], T]) -> T:
    """Run `check` (which ends `reservation`) in a hashing slot; a request that never got to
    the check (503 busy, an error) hands its reservation back."""
    try:
        return await password_gate(context).run(check)
    finally:
        await run_in_threadpool(reservation.close)


def check_registration_allowed(context: AppContext, data: RegisterRequest) -> None:
    """403 unless self-registration is open, or by invite and the code is one of the list."""
    settings = context.settings
    mode = settings.registration_mode
    if mode == "open":
        return
    if mode == "closed":
        raise Forbidden(
            "Registration is closed on this server: ask its operator to create an account.",
            code="registration_closed",
        )
    given = (data.invite_code or "").strip().encode()
    valid = [code.encode() for code in settings.registration_invite_codes]
    # Compare with every code (no early exit), so timing does not tell how close a guess was.
    matches = [secrets.compare_digest(given, code) for code in valid]
    if not given or not any(matches):
        raise Forbidden(
            "Registration on this server needs a valid invite code (invite_code)."
            if given
            else "Registration on this server needs an invite code (invite_code).",
            code="invite_invalid" if given else "invite_required",
            details={"field": "invite_code"},
        )


def _token_for(context: Context, user: User, session: Session, client: str | None) -> TokenResponse:
    """A new token, recorded as a signed-in session (`GET /me/sessions`)."""
    token, expires_at = context.tokens.issue(user.id, user.token_version)
    sessions.open_session(session, context.tokens.decode(token), client)
    session.commit()
    return TokenResponse(access_token=token, expires_at=expires_at)


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=TokenResponse)
async def register(
    data: RegisterRequest, context: Context, ip: ClientIP, client: UserAgent
) -> TokenResponse:
    """Create an account and return a token for it.

    403 when registration is closed or the invite code is missing or wrong, 429 past the
    per-address limit, 503 busy when the password hashing slots stay taken.
    """
    check_registration_allowed(context, data)
    limiter = registration_limiter(context)
    limiter.hit(ip)

    def _register() -> TokenResponse:
        with context.db.session() as session:
            return _token_for(context, service.register(session, data), session, client)

    try:
        return await password_gate(context).run(_register)
    except HashingBusy:
        limiter.refund(ip)  # turned away before any work: does not count against the address
        raise


async def _login_request(request: Request) -> LoginRequest:
    """JSON {username, password}, or the OAuth2 password form that /docs sends."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        raw = {"username": form.get("username"), "password": form.get("password")}
    else:
        try:
            raw = await request.json()
        except ValueError:
            raise InvalidInput(
                "The request body is not valid JSON.", code="invalid_json", status=400
            ) from None
    return LoginRequest.model_validate(raw if isinstance(raw, dict) else {})


@router.post(
    "/login",
    response_model=TokenResponse,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": LoginRequest.model_json_schema()},
                "application/x-www-form-urlencoded": {"schema": LoginRequest.model_json_schema()},
            },
            "required": True,
        }
    },
)
async def login(
    request: Request, context: Context, ip: ClientIP, client: UserAgent
) -> TokenResponse:
    """Exchange a username and password for a bearer token."""
    try:
        data = await _login_request(request)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"]) or "body"
        raise InvalidInput(f"{field}: {error['msg']}", details={"field": field}) from None

    # The attempt is reserved (or answered 429) before it takes a hashing slot: a parallel
    # burst cannot have more passwords checked than the limit allows.
    limiter = attempt_limiter(context)
    reservation = await run_in_threadpool(limiter.reserve, login_limits(context, ip, data.username))

    def _authenticate() -> TokenResponse:
        with context.db.session() as session:
            user = service.get_by_username(session, data.username)
            right = verify_password(data.password, user.password_hash if user else None)
            if user is None or not right:
                reservation.failed()
                raise Unauthorized("Wrong username or password.", code="invalid_credentials")
            reservation.succeeded()
            return _token_for(context, user, session, client)

    return await _checked(context, reservation, _authenticate)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    session: SessionDep, claims: CurrentClaims, user: CurrentUser, everywhere: bool = False
) -> None:
    """Revoke this token (or, with ?everywhere=true, every token of the account)."""
    if everywhere:
        service.revoke_all_tokens(session, user)
    else:
        service.revoke_token(session, claims)


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> User:
    return user


@router.patch("/me", response_model=UserPublic)
def update_me(data: ProfileUpdate, session: SessionDep, user: CurrentUser) -> User:
    return service.update_profile(session, user, data)


@router.post("/me/password", response_model=TokenResponse)
async def change_password(
    data: PasswordChange,
    session: SessionDep,
    user: CurrentUser,
    context: Context,
    ip: ClientIP,
    client: UserAgent,
) -> TokenResponse:
    """Change the password; every earlier token stops working. Returns a fresh token.

    Wrong current passwords are limited like failed logins (429 rate_limited).
    """
    limiter = attempt_limiter(context)
    reservation = await run_in_threadpool(
        limiter.reserve, password_change_limits(context, ip, user)
    )

    def _change() -> TokenResponse:
        try:
            service.change_password(session, user, data)
        except InvalidInput as exc:
            if exc.code == "invalid_credentials":
                reservation.failed()
            raise
        reservation.succeeded()
        return _token_for(context, user, session, client)

    return await _checked(context, reservation, _change)


@router.get("/me/sessions", response_model=AccountSessionList)
def list_sessions(
    session: SessionDep, user: CurrentUser, claims: CurrentClaims
) -> AccountSessionList:
    """Where you are signed in: each live token's start, last use and client, newest first."""
    return AccountSessionList(items=sessions.list_sessions(session, user, claims))


@router.delete("/me/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_session(
    session_id: Annotated[str, Path(max_length=64)], session: SessionDep, user: CurrentUser
) -> None:
    """Sign one session out (404 session_not_found when it is not yours or not there)."""
    sessions.revoke_session(session, user, session_id)
