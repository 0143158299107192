"""The OpenID Connect provider used for every single sign-on (académie, ProConnect)."""

from __future__ import annotations

from allauth.socialaccount.providers.openid_connect.provider import (
    OpenIDConnectProvider,
    _pick_data,
)
from django.http import HttpRequest
from django.utils.crypto import get_random_string

from accounts.sso.views import StrictOIDCAdapter

# ProConnect refuses a nonce (or state) shorter than 32 characters.
NONCE_LENGTH = 43


class ImaginOIDCProvider(OpenIDConnectProvider):
    id = "imagin_oidc"
    name = "OpenID Connect"
    oauth2_adapter_class = StrictOIDCAdapter

    def redirect(
        self, request: HttpRequest, process, next_url=None, data=None, **kwargs
    ):
        nonce = get_random_string(NONCE_LENGTH)
        auth_params = kwargs.pop("auth_params", None) or self.get_auth_params()
        auth_params = {**auth_params, "nonce": nonce}
        # The nonce travels in the stashed state and is checked against the ID
        # token when the provider sends the browser back.
        return super().redirect(
            request,
            process,
            next_url,
            data,
            auth_params=auth_params,
            nonce=nonce,
            **kwargs,
        )

    def extract_common_fields(self, data):
        fields = super().extract_common_fields(data)
        # ProConnect calls the family name "usual_name".
        fields["last_name"] = fields.get("last_name") or _pick_data(data).get(
            "usual_name"
        )
        fields["username"] = None  # usernames are ours to choose, not the provider's
        return fields


provider_classes = [ImaginOIDCProvider]
