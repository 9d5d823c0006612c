"""The public surface: changes to it should be deliberate."""

import inspect

import interlace.errors
import interlace.protocol


def test_protocol_surface() -> None:
    assert sorted(interlace.protocol.__all__) == sorted(
        name for name in dir(interlace.protocol) if not name.startswith("_")
    )
    for name in interlace.protocol.__all__:
        module = getattr(getattr(interlace.protocol, name), "__module__", "")
        if module.startswith("interlace"):
            assert module.startswith("interlace.protocol._"), name


def test_every_error_is_an_interlace_error_and_drawn_in_the_tree() -> None:
    doc = interlace.errors.__doc__ or ""
    for name in interlace.errors.__all__:
        error = getattr(interlace.errors, name)
        assert inspect.isclass(error)
        assert issubclass(error, interlace.errors.InterlaceError)
        assert name in doc, f"{name} is missing from the tree in errors.py's docstring"
