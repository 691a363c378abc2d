"""Lab and ModelLab are both the lab the app drives: core.protocol.LabLike, written out."""

import inspect

import pytest

from tui_lab.core.lab import Lab
from tui_lab.core.protocol import MEMBERS, LabLike
from tui_lab.trained.lab import ModelLab


def declared(cls) -> set[str]:
    return {name for name in vars(cls) if not name.startswith("_")}


def test_members_are_the_protocols():
    assert declared(LabLike) == set(MEMBERS)


@pytest.mark.parametrize("cls", [Lab, ModelLab])
@pytest.mark.parametrize("name", MEMBERS)
def test_every_member_with_the_same_parameters(cls, name):
    expected = inspect.getattr_static(LabLike, name)
    actual = inspect.getattr_static(cls, name, None)
    assert actual is not None, f"{cls.__name__} has no {name}"
    if isinstance(expected, property):
        assert isinstance(actual, property), f"{cls.__name__}.{name} is not a property"
        return
    assert callable(actual)
    assert list(inspect.signature(actual).parameters) == \
        list(inspect.signature(expected).parameters), f"{cls.__name__}.{name}"


def test_model_lab_forwards_nothing_implicitly():
    assert not hasattr(ModelLab, "__getattr__")
    assert "__getattr__" not in vars(ModelLab)


def test_instances_satisfy_the_protocol():
    from tui_lab.trained.lab import open_model_lab

    lab = Lab()
    lab.build()
    assert isinstance(lab, LabLike)
    model_lab = open_model_lab(None)
    assert isinstance(model_lab, LabLike)
    model_lab.seek(2)
    snapshot = model_lab.snapshot()
    assert snapshot.model is not None and lab.snapshot().model is None
    assert model_lab.t == snapshot.t == 2 and model_lab.is_lyrics and lab.is_lyrics
