"""Image preprocessing and augmentation layers (channels-last by default, as Keras)."""
