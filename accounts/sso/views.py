"""allauth's OpenID Connect adapter, made strict enough for ProConnect.

ProConnect (the State's identity federation) and careful académie portals
expect: `state` and `nonce` of at least 32 characters, the `nonce` checked in
the ID token (`StrictOIDCAdapter.complete_login`), userinfo
returned as a signed JWT, and logout through the provider with `id_token_hint`.
"""

from __future__ import annotations

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import (
    OAuth2CallbackView,
    OAuth2LoginView,
)
from allauth.socialaccount.providers.openid_connect.views import (
    OpenIDConnectOAuth2Adapter,
)
from allauth.utils import build_absolute_uri
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.http import urlencode

from accounts.sso.refusal import check_nonce

SESSION_ID_TOKEN = "sso_id_token"
SESSION_PROVIDER = "sso_provider_id"


class StrictOIDCAdapter(OpenIDConnectOAuth2Adapter):
    # The nonce this browser's sign-in sent, read from its stashed state by
    # `StrictOIDCCallbackView`; None (refused) on any other path.
    expected_nonce: str | None = None

    def complete_login(self, request: HttpRequest, app, token, **kwargs):
        login = super().complete_login(request, app, token, **kwargs)
        # Checked here, on the only way an ID token comes in, for every app
        # of SSO_PROVIDERS: a token not made for this sign-in stops it.
        check_nonce(
            request,
            expected=self.expected_nonce,
            received=(login.account.extra_data or {}).get("id_token", {}).get("nonce"),
            provider_id=self.provider_id,
        )
        # Kept for RP-initiated logout, which names the session by its ID token.
        id_token = kwargs["response"].get("id_token")
        if id_token:
            request.session[SESSION_ID_TOKEN] = id_token
            request.session[SESSION_PROVIDER] = self.provider_id
        return login

    def _fetch_user_info(self, access_token: str) -> dict:
        headers = {"Authorization": f"Bearer {access_token}"}
        with get_adapter().get_requests_session() as session:
            response = session.get(self.profile_url, headers=headers)
            response.raise_for_status()
        if response.headers.get("Content-Type", "").startswith("application/jwt"):
            # ProConnect signs userinfo: check it came from the provider, for us.
            app = self.get_provider().app
            return jwtkit.verify_and_decode(
                credential=response.text.strip(),
                keys_url=self.openid_config["jwks_uri"],
                issuer=self.openid_config["issuer"],
                audience=app.client_id,
                lookup_kid=jwtkit.lookup_kid_jwk,
                verify_signature=True,
            )
        return response.json()

    def get_callback_url(self, request: HttpRequest, app):
        callback_url = reverse(
            "imagin_oidc_callback", kwargs={"provider_id": self.provider_id}
        )
        return build_absolute_uri(request, callback_url, self.redirect_uri_protocol)

    def end_session_url(self, *, id_token: str, post_logout_redirect_uri: str) -> str:
        """Where to send the browser to end the provider's session too ("" if none)."""
        endpoint = self.openid_config.get("end_session_endpoint")
        if not endpoint:
            return ""
        query = urlencode(
            {
                "id_token_hint": id_token,
                "post_logout_redirect_uri": post_logout_redirect_uri,
                "state": get_random_string(43),
            }
        )
        return f"{endpoint}?{query}"


class StrictOIDCCallbackView(OAuth2CallbackView):
    """allauth's callback, handing the stashed state's nonce to the adapter."""

    def _get_state(self, request: HttpRequest, provider):
        state, response = super()._get_state(request, provider)
        self.adapter.expected_nonce = (state or {}).get("nonce")
        return state, response


@login_not_required
def login(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        return OAuth2LoginView.adapter_view(StrictOIDCAdapter(request, provider_id))(
            request
        )
    except SocialApp.DoesNotExist as error:
        raise Http404 from error


@login_not_required
def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        return StrictOIDCCallbackView.adapter_view(
            StrictOIDCAdapter(request, provider_id)
        )(request)
    except SocialApp.DoesNotExist as error:
        raise Http404 from error
