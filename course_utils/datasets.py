"""Loaders for the course's data sets, all stored as HDF5 in the classic key layout.

Every file holds ``train_set_x``, ``train_set_y``, ``test_set_x``, ``test_set_y`` and
``list_classes``, one example per row (the classic cat / non-cat files split the train and test
keys over two files).  Loaders return labels as ``Y: (1, m)``.  Features come in column layout
``X: (n_x, m)``, except for pictures: :func:`load_images` returns them as ``(m, height, width,
channels)`` because flattening them is an exercise of week 2.

Paths are resolved from an explicit argument, else ``$COURSE_DATA``, else the data installed with
the package (see :mod:`course_utils.paths`), never from the current directory.
"""

import os
from collections import namedtuple
from pathlib import Path

import h5py
import numpy as np

from .paths import CAT_ENV, CAT_FILES, DATA_DIR, DATA_ENV, cat_data_dir
from .paths import data_dir as _default_data_dir

Dataset = namedtuple("Dataset", "train_x train_y test_x test_y classes")

PLANAR_SETS = (
    "flower",
    "xor",
    "noisy_circles",
    "noisy_moons",
    "blobs",
    "gaussian_quantiles",
    "wavy_small",
    "wavy_large",
)
IMAGE_SETS = ("digits",)
TABULAR_SETS = ("breast_cancer",)


class DatasetError(ValueError):
    """A data file is missing or does not have the expected layout."""


def _resolve(name, data_dir):
    path = Path(name)
    if path.suffix != ".h5":
        path = Path(data_dir or _default_data_dir(DATA_DIR)) / f"{name}.h5"
    if not path.is_file():
        known = ", ".join(PLANAR_SETS + IMAGE_SETS + TABULAR_SETS)
        where = (
            f"${DATA_ENV} is set to {os.environ[DATA_ENV]!r}: point it at the folder holding the .h5 files, or unset it"
            if os.environ.get(DATA_ENV) and not data_dir
            else f"set {DATA_ENV} to the folder holding them, reinstall the course package "
            "(`pip install .` ships them), or in the repository rebuild them with `make data`"
        )
        raise DatasetError(
            f"data file {path} not found. The course's own sets ({known}) come with the course package: "
            f"{where}. Pass a path ending in .h5 to load another file."
        )
    return path


def _read_split(path, split):
    """Read ``<split>_set_x``, ``<split>_set_y`` and ``list_classes`` from one file, validated."""
    keys = (f"{split}_set_x", f"{split}_set_y", "list_classes")
    try:
        with h5py.File(path, "r") as store:
            missing = [key for key in keys if key not in store]
            if missing:
                raise DatasetError(
                    f"{path} lacks the key(s) {missing}; it has {sorted(store.keys())}. "
                    f"Expected the classic layout {list(keys)}."
                )
            x, y, classes = (np.asarray(store[key][()]) for key in keys)
    except OSError as exc:
        raise DatasetError(f"{path} is not a readable HDF5 file ({exc}); rebuild it with `make data`") from exc
    if y.ndim == 2 and 1 in y.shape:
        y = y.reshape(-1)
    if y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise DatasetError(
            f"{path}: {keys[0]} has shape {x.shape} and {keys[1]} has shape {y.shape}; "
            "expected one label per example (first axis)"
        )
    classes = np.array([c.decode() if isinstance(c, bytes) else str(c) for c in classes.reshape(-1)])
    if y.size and (y.min() < 0 or y.max() >= len(classes)):
        raise DatasetError(f"{path}: labels range over [{y.min()}, {y.max()}] but there are {len(classes)} classes")
    return x, y.reshape(1, -1).astype(np.int64), classes


def _read(train_path, test_path=None):
    train_x, train_y, classes = _read_split(train_path, "train")
    test_x, test_y, _ = _read_split(test_path or train_path, "test")
    if train_x.shape[1:] != test_x.shape[1:]:
        raise DatasetError(f"train examples have shape {train_x.shape[1:]} but test examples {test_x.shape[1:]}")
    return Dataset(train_x, train_y, test_x, test_y, classes)


def _as_images(data, path):
    if data.train_x.ndim not in (3, 4):
        raise DatasetError(f"{path}: expected images of shape (m, height, width[, channels]), got {data.train_x.shape}")
    if data.train_x.ndim == 3:
        data = data._replace(train_x=data.train_x[..., np.newaxis], test_x=data.test_x[..., np.newaxis])
    return data


def _as_columns(data, path):
    if data.train_x.ndim != 2:
        raise DatasetError(f"{path}: expected a table (m, n_x), got {data.train_x.shape}")
    return data._replace(train_x=data.train_x.T.astype(float), test_x=data.test_x.T.astype(float))


def load_images(name="digits", data_dir=None):
    """Image set: ``train_x`` is ``(m, height, width, channels)`` uint8, ``train_y`` is ``(1, m)``."""
    path = _resolve(name, data_dir)
    return _as_images(_read(path), path)


def load_planar(name="flower", data_dir=None):
    """2-D point set: ``train_x`` is ``(2, m)``, ``train_y`` is ``(1, m)`` with labels 0 / 1."""
    if name not in PLANAR_SETS and not str(name).endswith(".h5"):
        raise DatasetError(f"unknown planar set {name!r}; choose one of {', '.join(PLANAR_SETS)}")
    path = _resolve(name, data_dir)
    return _as_columns(_read(path), path)


def load_tabular(name="breast_cancer", data_dir=None):
    """Table of features: ``train_x`` is ``(n_x, m)`` floats, ``train_y`` is ``(1, m)``."""
    path = _resolve(name, data_dir)
    return _as_columns(_read(path), path)


def load_cat_data(data_dir=None):
    """The classic 64x64 cat / non-cat images: ``train_x`` is ``(209, 64, 64, 3)``, ``train_y`` is ``(1, 209)``."""
    folder = cat_data_dir(data_dir)
    if folder is None:
        raise DatasetError(
            f"the cat / non-cat files {CAT_FILES} were not found. Put them in {DATA_DIR}, or set "
            f"{CAT_ENV} to the folder that holds them (they are not distributed with the course)."
        )
    return _as_images(_read(folder / CAT_FILES[0], folder / CAT_FILES[1]), folder)


def one_vs_rest(data, positive, names):
    """Turn a multi-class set into a binary one: label 1 for the classes in ``positive``, else 0.

    ``names`` is the pair ``(negative name, positive name)``; e.g. the digits as even (1) versus
    odd (0): ``one_vs_rest(load_images("digits"), [0, 2, 4, 6, 8], ("odd", "even"))``.
    """
    positive = np.asarray(positive)
    return data._replace(
        train_y=np.isin(data.train_y, positive).astype(np.int64),
        test_y=np.isin(data.test_y, positive).astype(np.int64),
        classes=np.array(names),
    )
