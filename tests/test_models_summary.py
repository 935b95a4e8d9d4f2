"""model.summary(): Keras's parameter counts and table layout; the text diagram."""

import kerafront
from kerafront import layers as L


def summary_lines(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return lines


def perf_cnn():
    """The W2 model of perf.md."""
    return kerafront.Sequential([
        L.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(), L.Conv2D(64, 3, activation="relu"),
        L.MaxPooling2D(), L.Flatten(), L.Dense(10, activation="softmax")], name="cnn")


def test_perf_cnn_summary_matches_keras():
    kerafront.utils.clear_session()
    lines = summary_lines(perf_cnn())
    assert lines[0] == 'Model: "cnn"'
    assert lines[1:11] == [
        "_" * 65,
        " Layer (type)                     Output Shape         Param #",
        "=" * 65,
        " conv2d (Conv2D)                  (None, 26, 26, 32)       320",
        " max_pooling2d (MaxPooling2D)     (None, 13, 13, 32)         0",
        " conv2d_1 (Conv2D)                (None, 11, 11, 64)    18,496",
        " max_pooling2d_1 (MaxPooling2D)   (None, 5, 5, 64)           0",
        " flatten (Flatten)                (None, 1600)               0",
        " dense (Dense)                    (None, 10)            16,010",
        "=" * 65,
    ]
    assert lines[-4:-1] == ["Total params: 34,826 (136.04 KB)", "Trainable params: 34,826 (136.04 KB)",
                            "Non-trainable params: 0 (0.00 B)"]


def test_non_trainable_counts_batch_norm_and_frozen_layers():
    model = kerafront.Sequential([L.Input((4,)), L.Dense(8), L.BatchNormalization(), L.Dropout(0.5), L.Dense(2)])
    lines = summary_lines(model)
    assert "Total params: 90 (360.00 B)" in lines  # 40 + 32 + 18; dropout's seed state is not counted
    assert "Trainable params: 74 (296.00 B)" in lines and "Non-trainable params: 16 (64.00 B)" in lines
    model.layers[0].trainable = False
    lines = summary_lines(model, show_trainable=True)
    assert "Trainable params: 34 (136.00 B)" in lines and "Non-trainable params: 56 (224.00 B)" in lines
    assert lines[2].split()[-1] == "Trainable" and lines[4].split()[-1] == "N"


def test_functional_summary_has_connections():
    a = L.Input((3,), name="a")
    b = L.Input((3,), name="b")
    shared = L.Dense(2, name="shared")
    model = kerafront.Model([a, b], L.Concatenate(name="cat")([shared(a), shared(b)]), name="siamese")
    lines = summary_lines(model)
    text = "\n".join(lines)
    assert "Connected to" in lines[2]
    assert "shared (Dense)" in text and "multiple" in text and "a[0][0], b[0][0]" in text
    assert "shared[0][0], shared[1][0]" in text
    assert "Total params: 8 (32.00 B)" in lines


def test_unbuilt_and_subclassed_summaries():
    lines = summary_lines(kerafront.Sequential([L.Dense(3, name="later")], name="lazy"))
    assert lines[4].split() == ["later", "(Dense)", "?", "0", "(unbuilt)"]
    assert "Total params: 0 (0.00 B)" in lines


def test_expand_nested_lists_inner_layers():
    inner = kerafront.Sequential([L.Input((2,)), L.Dense(3, name="inner_dense")], name="inner")
    inputs = L.Input((2,))
    model = kerafront.Model(inputs, inner(inputs))
    assert not any("inner_dense" in line for line in summary_lines(model))
    assert any(line.lstrip().startswith("inner_dense (Dense)") for line in summary_lines(model, expand_nested=True))


def test_text_diagram(tmp_path):
    a = L.Input((3,), name="in")
    model = kerafront.Model(a, L.Add(name="add")([L.Dense(3, name="d1")(a), a]))
    text = kerafront.utils.model_to_text(model)
    assert text.splitlines() == [f'Model "{model.name}"',
                                 "in (InputLayer)  : (None, 3)", "d1 (Dense)  <- in  : (None, 3)",
                                 "add (Add)  <- d1, in  : (None, 3)"]
    path = tmp_path / "model.txt"
    assert kerafront.utils.plot_model(model, to_file=str(path)) == text
    assert path.read_text() == text + "\n"


def test_subclassed_model_summary_counts_parameters():
    class Net(kerafront.Model):
        def __init__(self):
            super().__init__(name="net")
            self.body = L.Dense(4, name="body")
            self.head = L.Dense(1, name="head")

        def call(self, x):
            return self.head(self.body(x))

    model = Net()
    model(kerafront.ops.ones((2, 3)))
    lines = summary_lines(model)
    assert [line.split() for line in lines[4:6]] == [["body", "(Dense)", "?", "16"], ["head", "(Dense)", "?", "5"]]
    assert "Total params: 21 (84.00 B)" in lines
