"""Build the course's default data sets into data/ (run by `make data`).

Everything is made offline and reproducibly: scikit-learn's bundled digits and breast-cancer
tables, split with a fixed seed, and 2-D point sets drawn from the seeded formulas documented in
data/README.md.  Each file uses the classic layout (train_set_x, train_set_y, test_set_x,
test_set_y, list_classes; one example per row).  A SHA256SUMS file is written next to them.
"""

import argparse
import hashlib
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def split(x, y, test_fraction, seed):
    """Shuffle with a fixed seed and cut off the last ``test_fraction`` as the test set."""
    order = np.random.default_rng(seed).permutation(len(y))
    cut = len(y) - int(round(test_fraction * len(y)))
    return x[order[:cut]], y[order[:cut]], x[order[cut:]], y[order[cut:]]


def flower(m, seed):
    """Two-petal-coloured rose r = 4 sin(4t): angle and radius jittered by N(0, 0.2^2)."""
    rng = np.random.default_rng(seed)
    half = m // 2
    points, labels = [], []
    for label in (0, 1):
        t = np.linspace(label * 3.12, (label + 1) * 3.12, half) + rng.normal(0, 0.2, half)
        r = 4 * np.sin(4 * t) + rng.normal(0, 0.2, half)
        points.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        labels.append(np.full(half, label))
    return np.concatenate(points), np.concatenate(labels)


def xor(m, seed):
    """Points scattered N(0, 0.15^2) around the corners of the unit square; label = x1 XOR x2."""
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, 2, size=(m, 2))
    return corners + rng.normal(0, 0.15, size=(m, 2)), corners[:, 0] ^ corners[:, 1]


def noisy_circles(m, seed):
    """Two concentric circles, radii 1 and 0.5, with N(0, 0.08^2) noise; label 1 = inner."""
    rng = np.random.default_rng(seed)
    labels = np.arange(m) % 2
    t = rng.uniform(0, 2 * np.pi, m)
    radius = np.where(labels == 1, 0.5, 1.0)
    points = np.column_stack([radius * np.cos(t), radius * np.sin(t)])
    return points + rng.normal(0, 0.08, size=(m, 2)), labels


def noisy_moons(m, seed):
    """Two interleaved half circles with N(0, 0.2^2) noise."""
    rng = np.random.default_rng(seed)
    labels = np.arange(m) % 2
    t = rng.uniform(0, np.pi, m)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)])
    points = np.where(labels[:, None] == 0, upper, lower)
    return points + rng.normal(0, 0.2, size=(m, 2)), labels


def blobs(m, seed):
    """Four Gaussian clusters (std 0.6) at the corners of a square; label = cluster index mod 2."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-2.0, -2.0], [2.0, 2.0], [-2.0, 2.0], [2.0, -2.0]])
    cluster = np.arange(m) % 4
    return centres[cluster] + rng.normal(0, 0.6, size=(m, 2)), cluster % 2


def gaussian_quantiles(m, seed):
    """Standard 2-D Gaussian; label 1 when the squared radius exceeds its median (chi^2_2: 2 ln 2)."""
    rng = np.random.default_rng(seed)
    points = rng.normal(0, 1, size=(m, 2))
    return points, (np.sum(points**2, axis=1) > 2 * np.log(2)).astype(np.int64)


def wavy(m, seed, noise):
    """Uniform points on [-1, 1]^2; label 1 when x2 - 0.5 sin(pi x1) + N(0, noise^2) > 0.

    The noise blurs the labels near the wavy boundary, so a large network can memorise them (week 5).
    """
    rng = np.random.default_rng(seed)
    points = rng.uniform(-1, 1, size=(m, 2))
    margin = points[:, 1] - 0.5 * np.sin(np.pi * points[:, 0]) + rng.normal(0, noise, m)
    return points, (margin > 0).astype(np.int64)


def wavy_small(m, seed):
    """Week 5 regularization: few points, noisy labels (noise 0.25)."""
    return wavy(m, seed, 0.25)


def wavy_large(m, seed):
    """Week 5 optimization: many points, cleaner labels (noise 0.1)."""
    return wavy(m, seed, 0.1)


PLANAR = {
    "flower": (flower, 400, 200),
    "xor": (xor, 200, 100),
    "noisy_circles": (noisy_circles, 200, 100),
    "noisy_moons": (noisy_moons, 200, 100),
    "blobs": (blobs, 200, 100),
    "gaussian_quantiles": (gaussian_quantiles, 200, 100),
    "wavy_small": (wavy_small, 200, 400),
    "wavy_large": (wavy_large, 8192, 2048),
}


def write(path, train_x, train_y, test_x, test_y, classes, **extra):
    with h5py.File(path, "w", track_order=False) as store:
        store.create_dataset("train_set_x", data=train_x)
        store.create_dataset("train_set_y", data=np.asarray(train_y, dtype=np.int64))
        store.create_dataset("test_set_x", data=test_x)
        store.create_dataset("test_set_y", data=np.asarray(test_y, dtype=np.int64))
        store.create_dataset("list_classes", data=np.array([c.encode() for c in classes]))
        for key, value in extra.items():
            store.create_dataset(key, data=value)


def build(out):
    from sklearn.datasets import load_breast_cancer, load_digits

    out.mkdir(parents=True, exist_ok=True)
    for name, (generate, m_train, m_test) in PLANAR.items():
        train_x, train_y = generate(m_train, seed=1)
        test_x, test_y = generate(m_test, seed=2)
        write(out / f"{name}.h5", train_x, train_y, test_x, test_y, ["0", "1"])

    digits = load_digits()
    # 0..16 intensities scaled to 0..255 so the images look like ordinary 8-bit pictures.
    images = np.round(digits.images * 255 / 16).astype(np.uint8)
    write(out / "digits.h5", *split(images, digits.target, 0.2, seed=0), [str(d) for d in range(10)])

    cancer = load_breast_cancer()
    write(
        out / "breast_cancer.h5",
        *split(cancer.data, cancer.target, 0.2, seed=0),
        list(cancer.target_names),
        feature_names=np.array([f.encode() for f in cancer.feature_names]),
    )

    files = sorted(out.glob("*.h5"))
    lines = [f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.name}" for f in files]
    (out / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    return files


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data", help="output folder (default: data/)")
    for f in build(parser.parse_args().out):
        print(f"wrote {f} ({f.stat().st_size / 1024:.0f} KiB)")
