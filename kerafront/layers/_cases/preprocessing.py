"""Layer case rows: structured-data preprocessing layers (see ``kerafront.layers._cases``).

The string layers (StringLookup, TextVectorization) take strings, which the table's generated inputs
are not; tests/test_preprocessing_structured_text.py checks them, their saving included. Rows with
integer inputs use output modes with float outputs (one_hot, multi_hot, count), so every row has a
loss to differentiate.
"""

from kerafront import layers as L
from kerafront.layers._cases import LayerCase as C

CASES = [
    # Normalization: adapted statistics are weights mean (3), variance (3), count (scalar)
    C("normalization_adaptable", lambda: L.Normalization(), (4, 3), (4, 3), 3, 3 + 3 + 1),
    C("normalization_given_axis1", lambda: L.Normalization(axis=1, mean=[0.5, -1.0, 2.0], variance=[4.0, 1.0, 0.25]),
      (2, 3, 4), (2, 3, 4), 0, 0),
    C("normalization_invert_axis_none", lambda: L.Normalization(axis=None, mean=1.0, variance=4.0, invert=True),
      (2, 5), (2, 5), 0, 0),
    C("discretization_one_hot", lambda: L.Discretization(bin_boundaries=[2.5, 5.0, 7.5], output_mode="one_hot"),
      (2, 3), (2, 3, 4), 0, 0, int_inputs=10),
    C("discretization_count", lambda: L.Discretization(bin_boundaries=[3.0, 6.0], output_mode="count"), (2, 5),
      (2, 3), 0, 0, int_inputs=10),
    C("category_encoding_multi_hot", lambda: L.CategoryEncoding(6), (3, 4), (3, 6), 0, 0, int_inputs=6),
    C("category_encoding_one_hot", lambda: L.CategoryEncoding(5, output_mode="one_hot"), (4, 1), (4, 5), 0, 0,
      int_inputs=5),
    C("category_encoding_count", lambda: L.CategoryEncoding(4, output_mode="count"), (2, 6), (2, 4), 0, 0,
      int_inputs=4),
    C("hashing_multi_hot", lambda: L.Hashing(7, output_mode="multi_hot"), (2, 3), (2, 7), 0, 0, int_inputs=50),
    C("hashing_salted_one_hot", lambda: L.Hashing(5, salt=[3, 7], mask_value=0, output_mode="one_hot"), (4, 1),
      (4, 5), 0, 0, int_inputs=20),
    C("integer_lookup_multi_hot", lambda: L.IntegerLookup(vocabulary=[0, 2, 4, 6], output_mode="multi_hot"), (2, 4),
      (2, 5), 0, 0, int_inputs=8),
    C("integer_lookup_count_mask", lambda: L.IntegerLookup(vocabulary=[1, 3, 5], mask_token=0, num_oov_indices=2,
                                                           output_mode="count"), (3, 4), (3, 5), 0, 0, int_inputs=7),
]
