"""``DataLayer``: the base of every preprocessing layer.

A preprocessing layer runs like any layer inside a model. It is also called on data pipelines, on
tensors of a framework other than the active backend:

* a ``tf.data`` ``map`` hands it ``tf.Tensor``s (symbolic ones: the map function is traced in graph
  mode) whatever the active backend is. When the inputs are TensorFlow tensors and the active
  backend is not TensorFlow, the call runs with the TensorFlow backend in this thread
  (``kerafront.config.backend_scope``), so its ops build the ``tf.data`` graph, as Keras's
  ``TFDataLayer`` does;
* a torch ``DataLoader`` under the torch backend hands it ``torch.Tensor``s: the backend's own, so
  the call is an ordinary one.

Frameworks are recognised by the module of the input's type (``type(x).__module__``), so nothing
is imported that the user did not import.

Randomness on a pipeline. A layer's seed state is a variable of the backend it was made on; a
``tf.data`` graph cannot read or advance it. ``seed_generator_for_call()`` returns, during a
pipeline call, a second generator made on the pipeline's backend from the same seed (a
``tf.Variable`` that the graph advances on every element, so each batch draws fresh values), and
otherwise the layer's own. The pipeline generator is not tracked: it is neither saved nor counted.
"""

import threading

from kerafront import config, tree
from kerafront.layers.layer import Layer
from kerafront.random import SeedGenerator

_PIPELINE_FRAMEWORKS = {"tensorflow": "tensorflow"}  # a type's top-level module -> the backend that computes on it
_pipeline = threading.local()


def pipeline_backend(inputs):
    """The backend a call on ``inputs`` must run with, when it is not the active one; else ``None``."""
    for x in tree.flatten(inputs)[0]:
        framework = _PIPELINE_FRAMEWORKS.get(type(x).__module__.partition(".")[0])
        if framework is not None and framework != config.backend():
            return framework
    return None


class DataLayer(Layer):
    """Base class of preprocessing layers (no trainable weights; usable in ``tf.data`` pipelines on any backend)."""

    _UNTRACKED = Layer._UNTRACKED | {"_pipeline_seed_generators"}

    def __call__(self, *args, **kwargs):
        inputs = args[0] if args else kwargs.get("inputs")
        backend = pipeline_backend(inputs)
        if backend is None:
            return super().__call__(*args, **kwargs)
        previous = getattr(_pipeline, "backend", None)
        _pipeline.backend = backend
        try:
            with config.backend_scope(backend):
                return super().__call__(*args, **kwargs)
        finally:
            _pipeline.backend = previous

    def seed_generator_for_call(self):
        """``self.seed_generator``, or during a pipeline call the generator of the pipeline's backend."""
        backend = getattr(_pipeline, "backend", None)
        if backend is None:
            return self.seed_generator
        generators = self.__dict__.get("_pipeline_seed_generators")
        if generators is None:
            generators = {}
            object.__setattr__(self, "_pipeline_seed_generators", generators)
        if backend not in generators:
            generators[backend] = SeedGenerator(self.seed_generator.initial_seed, name="seed_generator")
        return generators[backend]
