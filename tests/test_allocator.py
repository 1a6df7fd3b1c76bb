import sys

import pytest

from chainrule.autodiff.allocator import tune_allocator


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_tunes_glibc_and_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert tune_allocator() is True
    monkeypatch.setenv("CHAINRULE_DEFAULT_MALLOC", "1")
    assert tune_allocator() is False
