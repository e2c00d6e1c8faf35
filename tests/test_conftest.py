"""What tests/conftest.py sets up for the whole run holds in every test process."""

import greenlet  # type: ignore[import-untyped]  # no py.typed in greenlet 3.5


def test_greenlets_optional_cleanup_is_off_in_the_test_process() -> None:
    # greenlet reports None once `enable_optional_cleanup(False)` has run, a count otherwise.
    assert greenlet._greenlet.get_clocks_used_doing_optional_cleanup() is None
