"""checkpoint.py's version policy: older files keep loading, a newer one is refused by name,
and a format change is one VERSION bump plus one UPGRADES entry."""

import json

import pytest

from mgrad_cli.training import checkpoint
from mgrad_cli.errors import CheckpointError

from models import as_version, config_path, train_checkpoint


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
    old = as_version(saved, 1)
    del old["history"], old["data"]["target"]  # added within version 1: its first files lack them
    loaded = checkpoint.load_checkpoint(write(tmp_path, old))
    assert loaded["history"] == [] and loaded["data"]["target"] is None


@pytest.mark.parametrize("version", [checkpoint.VERSION + 1, 0, "1", None, True, 1.5])
def test_an_unknown_version_is_refused_by_name(tmp_path, saved, version):
    with pytest.raises(CheckpointError) as e:
        checkpoint.load_checkpoint(write(tmp_path, dict(saved, version=version)))
    assert str(e.value) == (f"{tmp_path / 'm.json'}: version: {version!r} is not supported "
                            f"(this mgrad reads versions 1 to {checkpoint.VERSION})")


def test_a_version_1_file_loads_without_a_data_fingerprint(tmp_path, saved):
    old = as_version(saved, 1)
    assert "fingerprint" not in old["data"]
    loaded = checkpoint.load_checkpoint(write(tmp_path, old))
    assert loaded["version"] == checkpoint.VERSION and loaded["data"]["fingerprint"] is None


def test_a_version_2_file_loads_without_target_scale_or_early_stopping(tmp_path, saved):
    old = as_version(saved, 2)
    assert not {"target_mean", "target_std"} & set(old["data"]) and "early_stopping" not in old
    loaded = checkpoint.load_checkpoint(write(tmp_path, old))
    assert loaded["version"] == checkpoint.VERSION
    assert (loaded["data"]["target_mean"], loaded["data"]["target_std"], loaded["early_stopping"]) == (None,) * 3


def test_a_version_bump_is_one_entry(tmp_path, saved, monkeypatch):
    # a pretend next version that adds a top-level "notes" field: older files get its default
    now, next_ = checkpoint.VERSION, checkpoint.VERSION + 1

    def upgrade(ckpt, bad):
        return dict(ckpt, notes="")

    monkeypatch.setattr(checkpoint, "VERSION", next_)
    monkeypatch.setattr(checkpoint, "UPGRADES", {**checkpoint.UPGRADES, now: upgrade})
    monkeypatch.setattr(checkpoint.fields, "FIELDS", {**checkpoint.fields.FIELDS, "notes": next_})
    loaded = checkpoint.load_checkpoint(write(tmp_path, saved))
    assert (loaded["version"], loaded["notes"]) == (next_, "")
    assert loaded["weights"] == saved["weights"]
    current = checkpoint.load_checkpoint(write(tmp_path, dict(saved, version=next_, notes="mine")))
    assert current["notes"] == "mine"
    with pytest.raises(CheckpointError) as e:
        checkpoint.load_checkpoint(write(tmp_path, dict(saved, version=next_ + 1)))
    assert str(e.value).endswith(f"version: {next_ + 1} is not supported "
                                 f"(this mgrad reads versions 1 to {next_})")


def test_an_upgrade_that_cannot_fill_a_field_says_what_the_old_file_lacks(tmp_path, saved, monkeypatch):
    def upgrade(ckpt, bad):
        raise bad("older checkpoints lack the notes; train again to use this mgrad")

    monkeypatch.setattr(checkpoint, "VERSION", checkpoint.VERSION + 1)
    monkeypatch.setattr(checkpoint, "UPGRADES", {**checkpoint.UPGRADES, checkpoint.VERSION - 1: upgrade})
    with pytest.raises(CheckpointError) as e:
        checkpoint.load_checkpoint(write(tmp_path, saved))
    assert str(e.value) == (f"{tmp_path / 'm.json'}: older checkpoints lack the notes; "
                            f"train again to use this mgrad")


def test_a_version_3_file_loads_with_the_engine_on_the_cpu_in_float64(tmp_path, saved):
    old = as_version(saved, 3)
    assert not {"device", "dtype"} & set(old["config"])
    loaded = checkpoint.load_checkpoint(write(tmp_path, old))
    assert loaded["version"] == checkpoint.VERSION
    assert (loaded["config"]["device"], loaded["config"]["dtype"]) == ("auto", "auto")


def test_a_version_4_file_loads_with_no_overrides_named(tmp_path, saved):
    old = as_version(saved, 4)
    assert "overrides" not in old
    loaded = checkpoint.load_checkpoint(write(tmp_path, old))
    assert (loaded["version"], loaded["overrides"]) == (checkpoint.VERSION, [])


@pytest.mark.parametrize("overrides", [None, "--epochs 3", [3], ["x" * (checkpoint.OVERRIDE_CHARS + 1)]])
def test_overrides_are_a_list_of_strings(tmp_path, saved, overrides):
    with pytest.raises(CheckpointError) as e:
        checkpoint.load_checkpoint(write(tmp_path, dict(saved, overrides=overrides)))
    assert str(e.value) == (f"{tmp_path / 'm.json'}: overrides: expected a list of at most 1,000 settings as "
                            f"typed (strings)")
