"""Where the Keras data sets are downloaded from, with their published hashes (the files Keras uses)."""

KERAS_DATASETS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
TORONTO = "https://www.cs.toronto.edu/~kriz/"

# name -> (folder URL, file name, sha256 or md5 hex)
FILES = {
    "mnist": (KERAS_DATASETS, "mnist.npz", "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),
    "imdb": (KERAS_DATASETS, "imdb.npz", "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"),
    "imdb_word_index": (KERAS_DATASETS, "imdb_word_index.json", "bfafd718b763782e994055a2d397834f"),
    "reuters": (KERAS_DATASETS, "reuters.npz", "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"),
    "reuters_word_index": (KERAS_DATASETS, "reuters_word_index.json", "4d44cc38712099c9e383dc6e5f11a921"),
    "boston_housing": (KERAS_DATASETS, "boston_housing.npz",
                       "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"),
    "california_housing": (KERAS_DATASETS, "california_housing.npz",
                           "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"),
    "cifar10": (TORONTO, "cifar-10-python.tar.gz", "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"),
    "cifar100": (TORONTO, "cifar-100-python.tar.gz",
                 "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"),
    # Fashion-MNIST's four idx files have no published hash in Keras; they are checked by their idx headers.
    "fashion_mnist": (KERAS_DATASETS, None, None),
}


def fetch(name, fname=None, member=None, **kwargs):
    """The local path of data set file ``name`` (downloaded once into the cache by ``get_file``)."""
    from kerafront.utils.file_utils import get_file
    folder, default_name, file_hash = FILES[name]
    remote = member or default_name
    return get_file(fname=fname or remote, origin=folder + remote, file_hash=file_hash, **kwargs)
