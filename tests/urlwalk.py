"""Every URL pattern of the project, as something a test can fill and request.

The walk goes through `get_resolver()`, so the admin's and allauth's patterns
are in it, and a URL added tomorrow is in it without editing any test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from django.contrib.admin import ModelAdmin
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

# A named group of a regular expression, one level of inner parentheses allowed.
_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)")
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass(frozen=True)
class Endpoint:
    """One URL pattern: its qualified name, its full route and its view."""

    name: str  # "claims:detail"; unnamed patterns get "<namespace:>path:<route>"
    url_name: str  # the pattern's own name, "" when unnamed
    route: str
    kwargs: tuple[str, ...]
    callback: Callable
    _parts: tuple[object, ...]

    def path(self, values: Mapping[str, object]) -> str:
        """The concrete path with `values` in place of the pattern's kwargs."""
        return "/" + "".join(_fill(part, values) for part in self._parts)

    @property
    def model_admin(self) -> ModelAdmin | None:
        """The ModelAdmin serving this pattern, for the back-office's views."""
        return model_admin_of(self.callback)


def _fill(pattern: object, values: Mapping[str, object]) -> str:
    if isinstance(pattern, RoutePattern):
        return _CONVERTER.sub(lambda m: str(values[m.group(2)]), str(pattern))
    route = _NAMED_GROUP.sub(lambda m: str(values[m.group(1)]), str(pattern))
    return route.lstrip("^").replace("$", "").replace("\\Z", "").replace("\\", "")


def _kwargs(pattern: object) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return tuple(pattern.regex.groupindex)
    return ()


def model_admin_of(callback: Callable) -> ModelAdmin | None:
    """The ModelAdmin whose view `callback` wraps (admin_view, csrf, cache...)."""
    seen = set()
    view = callback
    while view is not None and id(view) not in seen:
        seen.add(id(view))
        for candidate in (
            getattr(view, "model_admin", None),
            getattr(view, "__self__", None),
        ):
            if isinstance(candidate, ModelAdmin):
                return candidate
        view = getattr(view, "__wrapped__", None)
    return None


def endpoints(
    patterns: list | None = None,
    namespace: str = "",
    route: str = "",
    parts: tuple[object, ...] = (),
) -> Iterator[Endpoint]:
    """Every URL pattern of the project, in resolution order."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        inner_parts = (*parts, pattern.pattern)
        inner_route = route + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner_namespace = namespace
            if pattern.namespace:
                inner_namespace = f"{namespace}{pattern.namespace}:"
            yield from endpoints(
                pattern.url_patterns, inner_namespace, inner_route, inner_parts
            )
        elif isinstance(pattern, URLPattern):
            kwargs = tuple(k for part in inner_parts for k in _kwargs(part))
            name = pattern.name or f"path:{inner_route}"
            yield Endpoint(
                name=namespace + name,
                url_name=pattern.name or "",
                route=inner_route,
                kwargs=kwargs,
                callback=pattern.callback,
                _parts=inner_parts,
            )
