"""Logging in and out, role checks on every route, CSRF protection on every form."""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timezone
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from services.intake.adapters.accounts import Accounts, Session
from services.intake.domain.staff import Permission
from services.intake.domain.throttle import LoginThrottle

SESSION_COOKIE = "tgpl_session"
LOGIN_CSRF_COOKIE = "tgpl_login_csrf"


class LoginRequired(Exception):
    """The route needs a logged-in user."""


class Forbidden(Exception):
    """The user's roles do not allow this."""


class BadCsrf(Exception):
    """A form came without the session's CSRF token (another site, or a stale page)."""


async def current_session(request: Request) -> Session | None:
    """The caller's live session, looked up once per request."""
    if not hasattr(request.state, "session"):
        accounts: Accounts = request.app.state.accounts
        request.state.session = await accounts.session(request.cookies.get(SESSION_COOKIE))
    return request.state.session


def require(permission: Permission):
    """A dependency: the session of a user allowed to do `permission`."""

    async def dependency(request: Request) -> Session:
        session = await current_session(request)
        if session is None:
            raise LoginRequired()
        if not session.user.may(permission):
            raise Forbidden()
        return session

    return dependency


async def csrf_checked(request: Request, csrf_token: str = Form("")) -> None:
    """A dependency for every form post: the hidden field must carry the session's token."""
    session = await current_session(request)
    if session is None:
        raise LoginRequired()
    if not secrets.compare_digest(csrf_token, session.csrf_token):
        raise BadCsrf()


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def install(app: FastAPI, templates: Jinja2Templates, accounts: Accounts, *, secure_cookies: bool,
            throttle: LoginThrottle | None = None) -> None:
    """Add the login routes and the error pages of the auth layer to the app."""
    throttle = throttle or LoginThrottle()
    app.state.accounts = accounts
    router = APIRouter(include_in_schema=False)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Cần đăng nhập."}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, _exc: Forbidden) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Bạn không có quyền thực hiện thao tác này."}, status_code=403)
        return templates.TemplateResponse(request, "message.html", {
            "title": "Không có quyền", "message": "Vai trò của bạn không được phép xem hoặc thực hiện thao tác này.",
        }, status_code=403)

    @app.exception_handler(BadCsrf)
    async def bad_csrf(request: Request, _exc: BadCsrf) -> Response:
        return templates.TemplateResponse(request, "message.html", {
            "title": "Biểu mẫu không hợp lệ",
            "message": "Biểu mẫu đã cũ hoặc không gửi từ trang của Trung tâm. Vui lòng tải lại trang và thử lại.",
        }, status_code=403)

    def login_page(request: Request, *, error: str | None = None, username: str = "", next_url: str = "/",
                   status_code: int = 200) -> Response:
        token = secrets.token_urlsafe(24)
        response = templates.TemplateResponse(request, "login.html", {
            "error": error, "username": username, "next": next_url, "login_csrf": token,
        }, status_code=status_code)
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies)
        return response

    @router.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request, next: str = "/") -> Response:
        return login_page(request, next_url=_safe_next(next))

    @router.post("/login")
    async def login(request: Request, username: str = Form(""), password: str = Form(""),
                    login_csrf: str = Form(""), next: str = Form("/")) -> Response:
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not expected or not secrets.compare_digest(login_csrf, expected):
            return login_page(request, error="Trang đăng nhập đã cũ, vui lòng thử lại.", username=username,
                              next_url=_safe_next(next), status_code=403)
        account, address = username.strip(), request.client.host if request.client else "?"
        now = datetime.now(timezone.utc)
        if (until := throttle.locked_until(account, address, now)) is not None:
            minutes = max(1, math.ceil((until - now).total_seconds() / 60))
            return login_page(request, error=f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
                              username=username, next_url=_safe_next(next), status_code=429)
        session = await accounts.log_in(username.strip(), password)
        if session is None:
            throttle.failed(account, address, now)
            return login_page(request, error="Tên đăng nhập hoặc mật khẩu không đúng.", username=username,
                              next_url=_safe_next(next), status_code=401)
        throttle.succeeded(account)
        await accounts.audit(session.user, "log_in")
        response = RedirectResponse(_safe_next(next), status_code=303)
        response.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="lax", secure=secure_cookies)
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        return response

    @router.post("/logout", dependencies=[Depends(csrf_checked)])
    async def logout(request: Request) -> Response:
        session = await current_session(request)
        if session is not None:
            await accounts.log_out(session.token)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    app.include_router(router)


def _safe_next(target: str) -> str:
    """Only same-site paths after login (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") else "/"
