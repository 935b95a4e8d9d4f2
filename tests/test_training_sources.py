"""fit/evaluate accept torch DataLoaders and tf.data Datasets when those libraries are installed."""

import numpy as np
import pytest

import kerafront
from kerafront import layers, optimizers


def _model_and_data():
    kerafront.utils.set_random_seed(0)
    model = kerafront.Sequential([kerafront.Input(shape=(4,)), layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(0.01), loss="mse")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 4)).astype("float32")
    return model, x, x.sum(axis=1, keepdims=True)


def test_torch_dataloader():
    torch = pytest.importorskip("torch")
    model, x, y = _model_and_data()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)),
                                         batch_size=8)
    history = model.fit(loader, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.evaluate(loader, verbose=0) == pytest.approx(model.evaluate(x, y, batch_size=8, verbose=0), rel=1e-6)


def test_tf_data_dataset():
    tf = pytest.importorskip("tensorflow")
    model, x, y = _model_and_data()
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    history = model.fit(dataset, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.evaluate(dataset, verbose=0) == pytest.approx(model.evaluate(x, y, batch_size=8, verbose=0),
                                                               rel=1e-6)
