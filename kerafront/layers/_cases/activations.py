"""Layer case rows: activations layers (see ``kerafront.layers._cases``)."""

from kerafront import layers as L
from kerafront.layers._cases import LayerCase as C

CASES = [
    C("relu_layer", lambda: L.ReLU(), (2, 5), (2, 5), 0, 0),
    C("relu_layer_capped_leaky_thresholded", lambda: L.ReLU(max_value=1.2, negative_slope=0.1, threshold=0.3),
      (3, 6), (3, 6), 0, 0),
    C("leaky_relu_layer", lambda: L.LeakyReLU(), (2, 5), (2, 5), 0, 0),
    C("leaky_relu_layer_slope", lambda: L.LeakyReLU(negative_slope=0.05), (2, 3, 4), (2, 3, 4), 0, 0),
    # PReLU: alpha of shape input_shape[1:] with 1 on shared axes
    C("prelu", lambda: L.PReLU(alpha_initializer="random_uniform"), (2, 5), (2, 5), 1, 5),
    C("prelu_shared_axes", lambda: L.PReLU(shared_axes=[1, 2]), (2, 3, 3, 4), (2, 3, 3, 4), 1, 4),
    C("elu_layer", lambda: L.ELU(alpha=0.5), (2, 5), (2, 5), 0, 0),
    C("softmax_layer", lambda: L.Softmax(), (2, 5), (2, 5), 0, 0),
    C("softmax_layer_axis1", lambda: L.Softmax(axis=1), (2, 4, 3), (2, 4, 3), 0, 0),
    C("softmax_layer_two_axes", lambda: L.Softmax(axis=[1, 2]), (2, 3, 4), (2, 3, 4), 0, 0),
]
