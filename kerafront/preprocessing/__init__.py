"""``keras.preprocessing``: Keras's older spellings of the data set builders and image/sequence helpers.

Each name is the ``kerafront.utils`` function of the same name (no second copy), so scripts written for
``keras.preprocessing.image_dataset_from_directory`` or ``keras.preprocessing.sequence.pad_sequences`` run.
"""

from kerafront.preprocessing import image, sequence  # noqa: F401
from kerafront.utils import image_dataset_from_directory, text_dataset_from_directory, timeseries_dataset_from_array

__all__ = ["image", "sequence", "image_dataset_from_directory", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
