"""Route templates: logs, hooks and traces name a request by its template, never by the ids in its path."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voucherify_async._routes import route_template
from voucherify_async.resources._paths import path_with_id

COLLECTIONS = ("/v1/orders/", "/v1/async-actions/", "/v1/exports/")


@given(
    prefix=st.sampled_from(COLLECTIONS),
    method=st.sampled_from(["GET", "PUT", "DELETE"]),
    resource_id=st.text(min_size=1),
)
def test_any_id_a_user_gives_becomes_the_id_placeholder(prefix: str, method: str, resource_id: str) -> None:
    path = path_with_id(prefix, resource_id)
    assert route_template(method, path) == prefix + "{id}"


@pytest.mark.parametrize("word", ["import", "export", "v1", "token", ".", "..", "{id}", "orders"])
def test_an_id_that_reads_like_a_word_of_the_api_is_still_an_id(word: str) -> None:
    # GET /v1/orders/import is the order whose source_id is "import"; only POST imports.
    assert route_template("GET", path_with_id("/v1/orders/", word)) == "/v1/orders/{id}"
    assert route_template("PUT", path_with_id("/v1/orders/", word)) == "/v1/orders/{id}"


def test_the_apis_own_words_stay_in_their_templates() -> None:
    assert route_template("POST", "/v1/orders/import") == "/v1/orders/import"
    assert route_template("POST", "/v1/orders/export") == "/v1/orders/export"
    assert route_template("POST", "/v1/oauth/token") == "/v1/oauth/token"


def test_a_base_urls_own_path_is_kept_and_ids_after_it_are_not() -> None:
    assert route_template("GET", "/download/v1/exports/exp_1") == "/download/v1/exports/{id}"
    assert route_template("GET", "/gateway/v1/orders/o-1/items/3") == "/gateway/v1/orders/{id}/{id}/{id}"


def test_a_path_outside_the_api_shows_no_segment() -> None:
    assert route_template("GET", "/files/secret-name.csv") == "/{id}/{id}"
