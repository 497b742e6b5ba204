"""PrivateLink test fixtures: accounts with PrivateLink activated, a throwaway PostgreSQL."""

import pytest
from pl_factories import activate

from factories import make_account


@pytest.fixture
def account_a(catalogue):
    return activate(make_account("Account A"))


@pytest.fixture
def account_b(catalogue):
    return activate(make_account("Account B"))
