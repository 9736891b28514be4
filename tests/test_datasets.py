import h5py
import numpy as np
import pytest

from course_utils import datasets, paths
from course_utils.datasets import DatasetError


@pytest.mark.parametrize("name", datasets.PLANAR_SETS)
def test_planar_sets_are_column_layout(name):
    data = datasets.load_planar(name)
    m = data.train_y.shape[1]
    assert data.train_x.shape == (2, m) and data.train_y.shape == (1, m)
    assert data.test_x.shape[0] == 2 and data.test_y.shape == (1, data.test_x.shape[1])
    assert set(np.unique(data.train_y)) == {0, 1}


def test_flower_has_400_points_in_two_balanced_classes():
    data = datasets.load_planar("flower")
    assert data.train_x.shape == (2, 400)
    assert data.train_y.sum() == 200


def test_digits_images_and_one_vs_rest():
    data = datasets.load_images("digits")
    assert data.train_x.shape[1:] == (8, 8, 1) and data.train_x.dtype == np.uint8
    assert data.train_y.shape == (1, data.train_x.shape[0]) and len(data.classes) == 10
    binary = datasets.one_vs_rest(data, [0, 2, 4, 6, 8], ("odd", "even"))
    assert list(binary.classes) == ["odd", "even"]
    np.testing.assert_array_equal(binary.train_y, (data.train_y % 2 == 0).astype(int))


def test_breast_cancer_table():
    data = datasets.load_tabular("breast_cancer")
    assert data.train_x.shape[0] == 30 and data.train_x.shape[1] + data.test_x.shape[1] == 569


def test_loaders_do_not_depend_on_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert datasets.load_planar("xor").train_x.shape[0] == 2


def test_missing_file_says_how_to_build_it(tmp_path):
    with pytest.raises(DatasetError, match="make data"):
        datasets.load_planar("flower", data_dir=tmp_path)


def test_unknown_planar_name_lists_the_choices():
    with pytest.raises(DatasetError, match="noisy_moons"):
        datasets.load_planar("spiral")


def test_wrong_keys_are_named(tmp_path):
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as store:
        store["X"] = np.zeros((3, 2))
    with pytest.raises(DatasetError, match=r"lacks the key\(s\).*train_set_x.*it has \['X'\]"):
        datasets.load_planar(str(path))


def test_wrong_shapes_are_named(tmp_path):
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as store:
        store["train_set_x"] = np.zeros((5, 2))
        store["train_set_y"] = np.zeros(4, dtype=int)
        store["list_classes"] = np.array([b"a", b"b"])
    with pytest.raises(DatasetError, match="one label per example"):
        datasets.load_planar(str(path))


def test_not_hdf5_is_reported(tmp_path):
    path = tmp_path / "broken.h5"
    path.write_text("not hdf5")
    with pytest.raises(DatasetError, match="not a readable HDF5 file"):
        datasets.load_images(str(path))


def test_missing_cat_files_explain_where_to_put_them(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "COURSE_ROOT", tmp_path / "course")  # cat_data_dir lives in paths (no NumPy there)
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path / "course" / "data")
    monkeypatch.delenv(datasets.CAT_ENV, raising=False)
    assert datasets.cat_data_dir() is None
    with pytest.raises(DatasetError, match=datasets.CAT_ENV):
        datasets.load_cat_data()


def test_classic_cat_layout():
    if datasets.cat_data_dir() is None:
        pytest.skip("classic cat / non-cat files not found in ../shared/data, data/ or $COURSE_CAT_DATA")
    data = datasets.load_cat_data()
    assert data.train_x.shape == (209, 64, 64, 3) and data.train_y.shape == (1, 209)
    assert data.test_x.shape == (50, 64, 64, 3) and data.test_y.shape == (1, 50)
    assert list(data.classes) == ["non-cat", "cat"]
