"""How good are predictions: accuracy and the confusion matrix."""

import numpy as np


def accuracy(predictions, Y):
    """Percentage of the labels ``Y: (1, m)`` that ``predictions: (1, m)`` get right, as a float."""
    predictions, Y = np.asarray(predictions), np.asarray(Y)
    if predictions.shape != Y.shape:
        raise ValueError(f"predictions have shape {predictions.shape} but the labels {Y.shape}")
    return float(np.mean(predictions == Y) * 100)


def confusion_matrix(labels, predictions, num_classes):
    """Counts ``C[i, j]`` of examples of true class ``i`` predicted as ``j``."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.ravel(labels).astype(int), np.ravel(predictions).astype(int)), 1)
    return matrix
