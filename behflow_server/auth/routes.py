"""Account endpoints: /register, /login, /logout, /me."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from behflow_server.api.deps import ClientIP, Context, CurrentClaims, CurrentUser, SessionDep
from behflow_server.auth import service
from behflow_server.auth.models import (
    LoginRequest,
    PasswordChange,
    ProfileUpdate,
    RegisterRequest,
    TokenResponse,
    User,
    UserPublic,
)
from behflow_server.errors import InvalidInput

router = APIRouter(tags=["accounts"])


def _token_for(context: Context, user: User) -> TokenResponse:
    token, expires_at = context.tokens.issue(user.id, user.token_version)
    return TokenResponse(access_token=token, expires_at=expires_at)


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=TokenResponse)
def register(data: RegisterRequest, session: SessionDep, context: Context) -> TokenResponse:
    """Create an account and return a token for it."""
    return _token_for(context, service.register(session, data))


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
async def login(request: Request, context: Context, ip: ClientIP) -> TokenResponse:
    """Exchange a username and password for a bearer token."""
    try:
        data = await _login_request(request)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"]) or "body"
        raise InvalidInput(f"{field}: {error['msg']}", details={"field": field}) from None

    def _authenticate() -> TokenResponse:
        with context.db.session() as session:
            user = service.authenticate(
                session, data.username, data.password, ip=ip, limiter=context.login_limiter
            )
            return _token_for(context, user)

    return await run_in_threadpool(_authenticate)


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
def change_password(
    data: PasswordChange, session: SessionDep, user: CurrentUser, context: Context
) -> TokenResponse:
    """Change the password; every earlier token stops working. Returns a fresh token."""
    service.change_password(session, user, data)
    return _token_for(context, user)
