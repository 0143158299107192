"""The local OpenID Connect provider starts, and a code flow goes through it."""

from __future__ import annotations

import base64
import json
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.oidc_provider.harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    Browser,
    form_action,
    node_available,
    run_oidc_provider,
)

# Nothing listens there: the flow stops at the redirect, as a browser would
# hand over to the relying party.
REDIRECT_URI = "http://127.0.0.1:9/callback"
POST_LOGOUT_REDIRECT_URI = "http://127.0.0.1:9/signed-out"
USER = {
    "sub": "u1",
    "email": "prof@ac-test.fr",
    "email_verified": True,
    "given_name": "Paul",
    "family_name": "Durand",
    "login": "paul",
    "password": "secret",
}


@pytest.fixture(autouse=True)
def require_node():
    if not node_available():
        pytest.skip("node and npm are needed to run the local OIDC provider")


def jwt_parts(token: str) -> tuple[dict, dict]:
    """Header and payload of a JWS; the signature is the provider's business."""

    def decode(part: str) -> dict:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    header, payload, _signature = token.split(".")
    return decode(header), decode(payload)


def discovery(issuer: str) -> dict:
    url = f"{issuer}/.well-known/openid-configuration"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def auth_url(config: dict, **params) -> str:
    query = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "scope": "openid email profile",
        "redirect_uri": REDIRECT_URI,
        **params,
    }
    return f"{config['authorization_endpoint']}?{urllib.parse.urlencode(query)}"


@pytest.mark.parametrize("proconnect", [False, True], ids=["plain", "proconnect"])
def test_discovery(proconnect):
    with run_oidc_provider(
        redirect_uris=[REDIRECT_URI],
        post_logout_redirect_uris=[POST_LOGOUT_REDIRECT_URI],
        users=[USER],
        proconnect=proconnect,
    ) as issuer:
        config = discovery(issuer)

    assert config["issuer"] == issuer
    for endpoint in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "end_session_endpoint",
        "jwks_uri",
    ):
        assert config[endpoint].startswith(issuer)
    assert "RS256" in config["id_token_signing_alg_values_supported"]
    assert {"client_secret_basic", "client_secret_post"} <= set(
        config["token_endpoint_auth_methods_supported"]
    )


def test_proconnect_refuses_short_state_or_nonce():
    long_value = secrets.token_hex(16)  # 32 characters
    with run_oidc_provider(
        redirect_uris=[REDIRECT_URI],
        post_logout_redirect_uris=[],
        users=[USER],
        proconnect=True,
    ) as issuer:
        config = discovery(issuer)
        browser = Browser()
        short_state = browser.request(
            auth_url(config, state="s" * 10, nonce=long_value)
        )
        no_nonce = browser.request(auth_url(config, state=long_value))
        accepted = browser.request(auth_url(config, state=long_value, nonce=long_value))

    assert short_state[0] == 400
    assert "state" in json.loads(short_state[2])["error_description"]
    assert no_nonce[0] == 400
    assert "nonce" in json.loads(no_nonce[2])["error_description"]
    # On to the login page: the length check let it through.
    assert accepted[0] == 303
    assert "/interaction/" in accepted[1]["Location"]


def test_plain_mode_accepts_short_state():
    with run_oidc_provider(
        redirect_uris=[REDIRECT_URI], post_logout_redirect_uris=[], users=[USER]
    ) as issuer:
        status, headers, _ = Browser().request(
            auth_url(discovery(issuer), state="short")
        )

    assert status == 303
    assert "/interaction/" in headers["Location"]


@pytest.mark.parametrize(
    ("proconnect", "token_auth"),
    [(False, "client_secret_post"), (True, "client_secret_basic")],
    ids=["plain", "proconnect"],
)
def test_code_flow(proconnect, token_auth):
    state, nonce = secrets.token_hex(16), secrets.token_hex(16)
    with run_oidc_provider(
        redirect_uris=[REDIRECT_URI],
        post_logout_redirect_uris=[POST_LOGOUT_REDIRECT_URI],
        users=[USER],
        proconnect=proconnect,
    ) as issuer:
        config = discovery(issuer)
        browser = Browser()

        # Authorization: follow the provider's redirects, sign in on its form.
        url, data, signed_in = auth_url(config, state=state, nonce=nonce), None, False
        for _hop in range(10):
            status, headers, html = browser.request(url, data)
            if status in (302, 303):
                url, data = urllib.parse.urljoin(url, headers["Location"]), None
                if url.startswith(REDIRECT_URI):
                    break
            else:
                assert status == 200, html
                assert not signed_in, f"login form shown twice:\n{html}"
                assert 'for="login">Login<' in html and "Sign in</button>" in html
                url = urllib.parse.urljoin(url, form_action(html))
                data = {"login": USER["login"], "password": USER["password"]}
                signed_in = True
        else:
            pytest.fail("the provider never redirected to the redirect_uri")
        callback = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        assert callback["state"] == [state]

        # Token: client authentication either way.
        token_request = {
            "grant_type": "authorization_code",
            "code": callback["code"][0],
            "redirect_uri": REDIRECT_URI,
        }
        headers = {}
        if token_auth == "client_secret_basic":
            credentials = f"{CLIENT_ID}:{CLIENT_SECRET}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
        else:
            token_request |= {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        status, _, body = browser.request(
            config["token_endpoint"], token_request, headers
        )
        assert status == 200, body
        tokens = json.loads(body)
        id_header, id_token = jwt_parts(tokens["id_token"])

        # Userinfo: plain JSON, or a signed JWT for ProConnect.
        status, headers, body = browser.request(
            config["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        assert status == 200, body
        content_type = headers["Content-Type"].split(";")[0]
        if proconnect:
            assert content_type == "application/jwt"
            userinfo_header, userinfo = jwt_parts(body)
            assert userinfo_header["alg"] == "RS256"
            assert userinfo["iss"] == issuer and userinfo["aud"] == CLIENT_ID
        else:
            assert content_type == "application/json"
            userinfo = json.loads(body)

        # RP-initiated logout with id_token_hint, confirmed on the provider's page.
        logout_url = (
            config["end_session_endpoint"]
            + "?"
            + urllib.parse.urlencode(
                {
                    "id_token_hint": tokens["id_token"],
                    "post_logout_redirect_uri": POST_LOGOUT_REDIRECT_URI,
                    "state": state,
                }
            )
        )
        status, _, html = browser.request(logout_url)
        assert status == 200, html
        xsrf = re.search(r'name="xsrf" value="([^"]+)"', html).group(1)
        status, headers, _ = browser.request(
            urllib.parse.urljoin(logout_url, form_action(html)),
            {"xsrf": xsrf, "logout": "yes"},
        )

    assert id_header["alg"] == "RS256"
    assert id_token["iss"] == issuer
    assert id_token["aud"] == CLIENT_ID
    assert id_token["nonce"] == nonce
    assert id_token["sub"] == USER["sub"]
    assert userinfo["sub"] == USER["sub"]
    assert userinfo["email"] == USER["email"]
    assert userinfo["email_verified"] is True
    assert userinfo["given_name"] == USER["given_name"]
    assert userinfo["family_name"] == USER["family_name"]
    assert "password" not in userinfo and "login" not in userinfo
    assert status in (302, 303)
    assert headers["Location"] == f"{POST_LOGOUT_REDIRECT_URI}?state={state}"


def test_wrong_password_shows_the_form_again():
    with run_oidc_provider(
        redirect_uris=[REDIRECT_URI], post_logout_redirect_uris=[], users=[USER]
    ) as issuer:
        browser = Browser()
        status, headers, _ = browser.request(auth_url(discovery(issuer)))
        login_url = urllib.parse.urljoin(issuer, headers["Location"])
        _, _, html = browser.request(login_url)
        status, _, html = browser.request(
            urllib.parse.urljoin(login_url, form_action(html)),
            {"login": USER["login"], "password": "wrong"},
        )

    assert status == 200
    assert "Invalid login or password." in html
