"""Layer case rows: elastic and policy augmentation layers (see ``kerafront.layers._cases``).

As in ``augmentation_more.py``: inference rows (the identity) are compared across backends; rows marked
``random_in_training`` draw from each backend's generator and are checked on NumPy.
"""

from kerafront import layers as L
from kerafront.layers._cases import LayerCase as C

S = (2, 6, 7, 3)

CASES = [
    C("random_elastic_transform_inference", lambda: L.RandomElasticTransform(seed=1), S, S, 0, 0),
    C("random_elastic_transform_training", lambda: L.RandomElasticTransform(0.8, (0.5, 1.0), value_range=(-3, 3),
                                                                            seed=1), S, S, 0, 0, training=True,
      random_in_training=True),
    C("random_elastic_transform_training_cf", lambda: L.RandomElasticTransform(
        interpolation="nearest", fill_mode="constant", fill_value=0.5, value_range=(-3, 3),
        data_format="channels_first", seed=1), (2, 3, 6, 7), (2, 3, 6, 7), 0, 0, training=True,
      random_in_training=True),
]
CASES += [
    C("rand_augment_inference", lambda: L.RandAugment(seed=1), S, S, 0, 0),
    C("rand_augment_training", lambda: L.RandAugment(value_range=(-3, 3), num_ops=3, factor=(0.2, 0.6), seed=1),
      S, S, 0, 0, training=True, random_in_training=True),
    C("rand_augment_training_cf", lambda: L.RandAugment(value_range=(-3, 3), interpolation="nearest",
                                                        data_format="channels_first", seed=2),
      (2, 3, 6, 7), (2, 3, 6, 7), 0, 0, training=True, random_in_training=True),
]
CASES += [
    C("aug_mix_inference", lambda: L.AugMix(seed=1), S, S, 0, 0),
    C("aug_mix_training", lambda: L.AugMix(value_range=(-3, 3), num_chains=2, chain_depth=2, seed=1), S, S, 0, 0,
      training=True, random_in_training=True),
    C("aug_mix_training_cf", lambda: L.AugMix(value_range=(-3, 3), num_chains=1, all_ops=False, alpha=0.5,
                                              data_format="channels_first", seed=2),
      (2, 3, 6, 7), (2, 3, 6, 7), 0, 0, training=True, random_in_training=True),
]
