"""Keras-style layers, written once over ``kerafront.ops`` (the contract: ``kerafront.layers.layer``)."""

from kerafront.layers.audio import MelSpectrogram, STFTSpectrogram
from kerafront.layers.adaptive_pooling import (AdaptiveAveragePooling1D, AdaptiveAveragePooling2D,
                                               AdaptiveAveragePooling3D, AdaptiveMaxPooling1D, AdaptiveMaxPooling2D,
                                               AdaptiveMaxPooling3D)
from kerafront.layers.activations import ELU, LeakyReLU, PReLU, ReLU, Softmax
from kerafront.layers.attention import AdditiveAttention, Attention, MultiHeadAttention
from kerafront.layers.attention.group_query_attention import GroupQueryAttention
from kerafront.layers.convolutional import Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose
from kerafront.layers.core import Activation, Dense, Embedding, Identity
from kerafront.layers.depthwise import DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D
from kerafront.layers.einsum_dense import EinsumDense
from kerafront.layers.input_layer import Input, InputLayer
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.lambda_layer import Lambda
from kerafront.layers.layer import Layer
from kerafront.layers.masking import Masking
from kerafront.layers.merging import Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract
from kerafront.layers.merging import add, average, concatenate, dot, maximum, minimum, multiply, subtract
from kerafront.layers.normalization import BatchNormalization, GroupNormalization, LayerNormalization, UnitNormalization
from kerafront.layers.preprocessing.category_encoding import CategoryEncoding
from kerafront.layers.preprocessing.discretization import Discretization
from kerafront.layers.preprocessing.hashed_crossing import HashedCrossing
from kerafront.layers.preprocessing.hashing import Hashing
from kerafront.layers.preprocessing.image.center_crop import CenterCrop
from kerafront.layers.preprocessing.image.blur import RandomGaussianBlur
from kerafront.layers.preprocessing.image.color import (AutoContrast, RandomColorDegeneration, RandomGrayscale,
                                                       RandomHue, RandomInvert, RandomPosterization, RandomSaturation,
                                                       RandomSharpness, RandomColorJitter, Solarization)
from kerafront.layers.preprocessing.image.equalization import Equalization
from kerafront.layers.preprocessing.image.geometric_more import RandomPerspective, RandomShear
from kerafront.layers.preprocessing.image.elastic import RandomElasticTransform
from kerafront.layers.preprocessing.image.policies import AugMix, RandAugment
from kerafront.layers.preprocessing.image.mixing import CutMix, MixUp, RandomErasing
from kerafront.layers.preprocessing.image.random_brightness import RandomBrightness
from kerafront.layers.preprocessing.image.random_contrast import RandomContrast
from kerafront.layers.preprocessing.image.random_crop import RandomCrop
from kerafront.layers.preprocessing.image.random_flip import RandomFlip
from kerafront.layers.preprocessing.image.random_rotation import RandomRotation
from kerafront.layers.preprocessing.image.random_translation import RandomTranslation
from kerafront.layers.preprocessing.image.random_zoom import RandomZoom
from kerafront.layers.preprocessing.image.rescaling import Rescaling
from kerafront.layers.preprocessing.image.resizing import Resizing
from kerafront.layers.preprocessing.integer_lookup import IntegerLookup
from kerafront.layers.preprocessing.normalization import Normalization
from kerafront.layers.preprocessing.string_lookup import StringLookup
from kerafront.layers.preprocessing.text_vectorization import TextVectorization
from kerafront.layers.pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D, GlobalAveragePooling1D,
                                      GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalMaxPooling1D,
                                      GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPooling1D, MaxPooling2D, MaxPooling3D)
from kerafront.layers.regularization import (ActivityRegularization, AlphaDropout, Dropout, GaussianDropout,
                                             GaussianNoise, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D)
from kerafront.layers.reshaping import (Cropping1D, Cropping2D, Cropping3D, Flatten, Permute, RepeatVector, Reshape,
                                        UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D,
                                        ZeroPadding3D)
from kerafront.layers.reversible_embedding import ReversibleEmbedding
from kerafront.layers.rms_normalization import RMSNormalization
from kerafront.layers.spectral_normalization import SpectralNormalization
from kerafront.layers.rnn import (GRU, LSTM, RNN, Bidirectional, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell,
                                  StackedRNNCells, TimeDistributed)
from kerafront.layers.rnn.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from kerafront.layers.symbolic import KerasTensor
from kerafront.layers.wrappers import Pipeline, Wrapper

__all__ = [
    "Layer", "InputSpec", "InputLayer", "KerasTensor", "Dense", "Activation", "Embedding", "Lambda",
    "Conv1D", "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D",
    "Conv3D", "Conv1DTranspose", "Conv3DTranspose", "MaxPooling3D", "AveragePooling3D", "GlobalMaxPooling3D",
    "GlobalAveragePooling3D", "Cropping1D", "Cropping3D", "ZeroPadding1D", "ZeroPadding3D", "UpSampling1D",
    "UpSampling3D",
    "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D", "GlobalMaxPooling1D",
    "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
    "BatchNormalization", "LayerNormalization", "Dropout", "SpatialDropout2D",
    "Flatten", "Reshape", "Permute", "RepeatVector", "ZeroPadding2D", "Cropping2D", "UpSampling2D",
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    "Input",
    "MultiHeadAttention", "Attention", "AdditiveAttention", "Masking",
    "RNN", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "SimpleRNN", "LSTM", "GRU", "Bidirectional",
    "TimeDistributed",
    "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
    "GroupNormalization", "UnitNormalization", "Identity", "ActivityRegularization", "GaussianNoise",
    "GaussianDropout", "AlphaDropout", "SpatialDropout1D", "SpatialDropout3D", "EinsumDense",
    "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
    "Rescaling", "Resizing", "CenterCrop",
    "Normalization", "Discretization", "CategoryEncoding", "Hashing", "IntegerLookup", "StringLookup",
    "TextVectorization",
    "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness",
    "RandomCrop",
]
__all__ += ["Solarization", "RandomInvert", "RandomGrayscale", "AutoContrast", "RandomPosterization",
            "RandomColorDegeneration", "RandomSaturation", "RandomHue", "RandomSharpness", "RandomColorJitter"]
__all__ += ["RandomGaussianBlur", "Equalization", "MixUp", "CutMix", "RandomErasing", "RandomShear",
            "RandomPerspective"]
__all__ += ["RandomElasticTransform", "RandAugment", "AugMix"]
__all__ += ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
__all__ += ["STFTSpectrogram", "MelSpectrogram"]

__all__ += ["DepthwiseConv1D", "SeparableConv1D", "RMSNormalization", "AdaptiveAveragePooling1D",
            "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D",
            "AdaptiveMaxPooling3D", "ReversibleEmbedding", "Wrapper", "Pipeline",
            "SpectralNormalization", "GroupQueryAttention", "HashedCrossing"]

# Keras's second spellings of the same classes (``keras.layers.MaxPool2D is keras.layers.MaxPooling2D``).
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose = Conv1DTranspose, Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
__all__ += ["AvgPool1D", "AvgPool2D", "AvgPool3D", "MaxPool1D", "MaxPool2D", "MaxPool3D", "GlobalAvgPool1D",
            "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
            "Convolution1D", "Convolution2D", "Convolution3D", "Convolution1DTranspose", "Convolution2DTranspose",
            "Convolution3DTranspose", "SeparableConvolution1D", "SeparableConvolution2D"]

__all__ += ["serialize", "deserialize"]


def serialize(layer):
    """Keras's ``layers.serialize``: ``layer`` in Keras 3's config form (``saving.serialize_keras_object``)."""
    from kerafront.saving import serialize_keras_object
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """Keras's ``layers.deserialize``: a layer from Keras 3's, tf.keras 2's or kerafront's config form."""
    from kerafront.saving import deserialize_keras_object
    layer = deserialize_keras_object(config, custom_objects)
    if not isinstance(layer, Layer):
        raise ValueError(f"layers.deserialize: the config describes a {type(layer).__name__}, not a layer.")
    return layer
