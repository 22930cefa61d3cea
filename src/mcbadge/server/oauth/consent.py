"""The teacher's consent page of the authorization endpoint: server-rendered HTML, no
JavaScript, one form. It names the tool asking (as it registered itself: its name and site,
which the provider has not vetted), lists what it asks for in plain words, and takes the
teacher's e-mail and one-time sign-in code. "Allow" signs in and grants; "Deny" answers the
tool with ``access_denied``. The authorization request travels in hidden fields and is
validated again when the form comes back.

The page may not be framed (``X-Frame-Options: DENY``, CSP ``frame-ancestors 'none'``), so
another site cannot overlay it to harvest a click; it loads nothing from elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape

from mcbadge.registry.oauth import OB_SCOPES, OFFLINE_ACCESS

__all__ = ["PAGE_HEADERS", "consent_page", "error_page"]

PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    # no form-action: browsers apply it to the redirect that follows the form (to the
    # client's redirect_uri), which would block the answer to the application
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #1a1a1a; }
h1 { font-size: 1.4rem; }
.error { border: 2px solid #a00; padding: .5rem 1rem; color: #700; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input[type=email], input[type=text] { font-size: 1rem; padding: .4rem; width: 100%;
       box-sizing: border-box; }
.actions { margin-top: 1.5rem; display: flex; gap: 1rem; }
button { font-size: 1rem; padding: .5rem 1.2rem; }
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _scope_item(scope: str) -> str:
    if scope == OFFLINE_ACCESS:
        return "<li>keep this access until you revoke it (without asking you again)</li>"
    return f"<li>{escape(OB_SCOPES.get(scope, scope))}</li>"


def consent_page(
    *,
    action: str,
    client_name: str,
    client_uri: str | None,
    scopes: Iterable[str],
    request_fields: Mapping[str, str],
    email: str = "",
    error: str | None = None,
) -> str:
    """The consent form; ``request_fields`` is the authorization request, sent back hidden."""
    hidden = "\n".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in request_fields.items()
    )
    site = (
        f' (<a href="{escape(client_uri)}" rel="noopener noreferrer">{escape(client_uri)}</a>)'
        if client_uri
        else ""
    )
    problem = f'<p class="error" role="alert">{escape(error)}</p>\n' if error else ""
    items = "\n".join(_scope_item(scope) for scope in scopes)
    body = f"""<h1>Allow {escape(client_name)} to use your badges?</h1>
{problem}<p>The application <strong>{escape(client_name)}</strong>{site} asks to:</p>
<ul>
{items}
</ul>
<p>The application named itself; this provider has not checked who runs it. Allow it only
if you started this from an application you trust.</p>
<form method="post" action="{escape(action)}">
{hidden}
<label for="email">Your e-mail address</label>
<input type="email" id="email" name="email" autocomplete="email" required
 value="{escape(email)}">
<label for="sign_in_code">Your sign-in code (from the provider's invitation)</label>
<input type="text" id="sign_in_code" name="sign_in_code" autocomplete="one-time-code"
 spellcheck="false" autocapitalize="characters">
<div class="actions">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</div>
</form>"""
    return _page(f"Allow {client_name}?", body)


def error_page(message: str) -> str:
    """What the teacher sees when the request cannot go back to the application (an unknown
    application or a redirect address it did not register: RFC 6749 §4.1.2.1)."""
    body = f"""<h1>This sign-in request cannot be used</h1>
<p class="error" role="alert">{escape(message)}</p>
<p>Nothing was shared. Go back to the application and start again, or tell its makers.</p>"""
    return _page("Sign-in request refused", body)
