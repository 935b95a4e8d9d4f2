"""examples/text_classification.py: its data checked by hand, its mask in effect, and its training run on NumPy."""

import importlib.util
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "text_classification.py"
_spec = importlib.util.spec_from_file_location("kerafront_example_text_classification", EXAMPLE)
example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(example)


def test_dataset_labels_say_whether_first_comes_before_second():
    ids, labels = example.make_dataset(300, seed=5)
    assert ids.shape == (300, example.MAX_LENGTH) and ids.dtype == np.int32 and labels.shape == (300, 1)
    for row, label in zip(ids, labels[:, 0]):
        length = int(np.count_nonzero(row))
        assert 4 <= length <= example.MAX_LENGTH
        assert np.all(row[:length] != 0) and np.all(row[length:] == 0)   # padding only at the end
        assert list(row).count(example.FIRST) == 1 and list(row).count(example.SECOND) == 1
        assert label == float(list(row).index(example.FIRST) < list(row).index(example.SECOND))
    assert 0.4 < labels.mean() < 0.6


def test_padding_does_not_reach_the_output():
    # With mask_zero=True the padded steps are skipped: the embedding row of id 0 never reaches the output.
    model = example.make_model()
    ids, _ = example.make_dataset(16, seed=6)
    before = np.asarray(model.predict(ids, verbose=0))
    embedding = model.layers[0]
    weights = embedding.get_weights()[0].copy()
    weights[0] = np.random.default_rng(0).normal(0, 10, weights.shape[1])
    embedding.set_weights([weights])
    np.testing.assert_allclose(np.asarray(model.predict(ids, verbose=0)), before, rtol=1e-6, atol=1e-7)


def test_example_trains_to_the_target_accuracy_on_numpy(capsys):
    result = example.main(epochs=2, verbose=0)
    assert f"test_accuracy={result['accuracy']:.4f} (reached" in capsys.readouterr().out
    assert result["accuracy"] >= example.TARGET_ACCURACY
    losses = result["history"]["loss"]
    assert len(losses) == 2 and losses[1] < losses[0] < np.log(2) + 0.05


def test_readme_sequence_snippet_skips_the_padding(capsys):
    readme = (EXAMPLE.parents[1] / "README.md").read_text()
    section = readme.split("## Sequence models: recurrent layers, attention and masks", 1)[1]
    namespace = {}
    exec(section.split("```python\n", 1)[1].split("```", 1)[0], namespace)
    capsys.readouterr()
    model, ids = namespace["model"], namespace["ids"]
    assert model.layers[0].compute_mask(ids).tolist() == [[True] * 3 + [False] * 2, [True] * 5]
    np.testing.assert_allclose(np.asarray(model.predict(ids[:1, :3], verbose=0)),
                               np.asarray(model.predict(ids, verbose=0))[:1], rtol=1e-6)
