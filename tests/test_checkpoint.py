"""checkpoint.py's version policy: older files keep loading, a newer one is refused by name,
and a format change is one VERSION bump plus one UPGRADES entry."""

import json

import pytest

from mgrad_cli import checkpoint
from mgrad_cli.errors import CheckpointError

from models import config_path, train_checkpoint


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "xor.json"
    train_checkpoint(path, config_path("xor"), epochs=2)
    return json.loads(path.read_text())


def write(tmp_path, doc):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc))
    return path


def test_a_checkpoint_carries_its_version(saved):
    assert (saved["format"], saved["version"]) == ("mgrad-checkpoint", checkpoint.VERSION)


def test_fields_an_older_file_lacks_get_their_documented_defaults(tmp_path, saved):
    old = json.loads(json.dumps(saved))
    del old["history"], old["data"]["target"]
    loaded = checkpoint.load_checkpoint(write(tmp_path, old))
    assert loaded["history"] == [] and loaded["data"]["target"] is None


@pytest.mark.parametrize("version", [2, 0, "1", None, True, 1.5])
def test_an_unknown_version_is_refused_by_name(tmp_path, saved, version):
    with pytest.raises(CheckpointError) as e:
        checkpoint.load_checkpoint(write(tmp_path, dict(saved, version=version)))
    assert str(e.value) == (f"{tmp_path / 'm.json'}: checkpoint version {version!r} is not supported "
                            f"(this mgrad reads version 1)")


def test_a_version_bump_is_one_entry(tmp_path, saved, monkeypatch):
    # a pretend version 2 that adds a top-level "notes" field: version 1 files get its default
    def to_v2(ckpt, bad):
        return dict(ckpt, notes="")

    monkeypatch.setattr(checkpoint, "VERSION", 2)
    monkeypatch.setattr(checkpoint, "UPGRADES", {1: to_v2})
    loaded = checkpoint.load_checkpoint(write(tmp_path, saved))
    assert (loaded["version"], loaded["notes"]) == (2, "")
    assert loaded["weights"] == saved["weights"]
    current = checkpoint.load_checkpoint(write(tmp_path, dict(saved, version=2, notes="mine")))
    assert current["notes"] == "mine"
    with pytest.raises(CheckpointError) as e:
        checkpoint.load_checkpoint(write(tmp_path, dict(saved, version=3)))
    assert str(e.value).endswith("checkpoint version 3 is not supported (this mgrad reads versions 1 to 2)")


def test_an_upgrade_that_cannot_fill_a_field_says_what_the_old_file_lacks(tmp_path, saved, monkeypatch):
    def to_v2(ckpt, bad):
        raise bad("version 1 checkpoints lack the data fingerprint; train again to use this mgrad")

    monkeypatch.setattr(checkpoint, "VERSION", 2)
    monkeypatch.setattr(checkpoint, "UPGRADES", {1: to_v2})
    with pytest.raises(CheckpointError) as e:
        checkpoint.load_checkpoint(write(tmp_path, saved))
    assert str(e.value) == (f"{tmp_path / 'm.json'}: version 1 checkpoints lack the data fingerprint; "
                            f"train again to use this mgrad")
