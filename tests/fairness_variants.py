"""Student variants that the grader once misgraded (review `fairness.md`, appendix B), with the grade each deserves.

Each variant is code a real student writes for one exercise: *correct* ones (another container, dtype or
style, a debugging print) must keep every point; *wrong* ones must lose the points of the cells they break,
with a reason that names the cause and never a misleading one.  To keep grading short, variants of
different exercises of one notebook share a student when they cannot affect each other; every other
exercise holds the solution.
"""

import re
import textwrap
from dataclasses import dataclass, field

from grading.notebook_cells import SOLUTION_REGION, nbgrader_meta, source_text, strip_markers
from grading.pipeline.submissions import solved

NOTEBOOKS = {
    "week1_introduction": "introduction.ipynb",
    "week2_numpy_basics": "numpy_basics.ipynb",
    "week2_logistic_regression": "logistic_regression.ipynb",
    "week3_shallow_network": "shallow_network.ipynb",
    "week4_deep_network_step_by_step": "deep_network_step_by_step.ipynb",
    "week4_deep_network_application": "deep_network_application.ipynb",
    "week5_regularization": "regularization.ipynb",
}
MISLEADING = ("divided by m twice", "numerically stable", "the cost is summed")


@dataclass(frozen=True)
class Student:
    """One submission: ``code`` is ``{grade_id: variant code replacing the solution region}``.

    ``fails`` is ``{test grade_id: substrings its reason must contain}``; every other test cell keeps its
    points.  No reason may contain ``forbidden`` (misleading advice); ``shown`` are texts the graded notebook
    must show (outside any error), e.g. a note about stderr.
    """

    name: str
    assignment: str
    variants: tuple
    code: dict
    fails: dict = field(default_factory=dict)
    forbidden: tuple = MISLEADING
    shown: tuple = ()

    @property
    def notebook(self):
        return NOTEBOOKS[self.assignment]


SIGMOID_FLOAT32 = """
z32 = np.asarray(z, dtype=np.float32)
e = np.exp(-np.abs(z32))
s = np.where(z32 >= 0, 1.0, e) / (1.0 + e)
return float(s) if np.ndim(z) == 0 else s
"""
L1_DEBUG_STDERR = """
import sys
loss = float(np.sum(np.abs(yhat - y)))
print("debug: l1 =", loss, file=sys.stderr)
return loss
"""
L1_LOGGING = """
import logging
loss = float(np.sum(np.abs(yhat - y)))
logging.warning("l1 loss computed: %s", loss)
return loss
"""
PROPAGATE_Z_FROM_B = """
n_x = X.shape[0]
cost = 0.0
dw = np.zeros((n_x, 1))
db = 0.0
for i in range(m):
    z = b
    for j in range(n_x):
        z += w[j, 0] * X[j, i]
    a = sigmoid(np.array([[z]]))[0, 0]
    cost += -(Y[0, i] * np.log(a) + (1 - Y[0, i]) * np.log(1 - a))
    for j in range(n_x):
        dw[j, 0] += X[j, i] * (a - Y[0, i])
    db += a - Y[0, i]
cost /= m
dw /= m
db /= m
"""
PROPAGATE_KEEPDIMS_DB = """
A = sigmoid(w.T @ X + b)
cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
dZ = A - Y
dw = X @ dZ.T / m
db = np.sum(dZ, axis=1, keepdims=True) / m
"""
PROPAGATE_NO_SQUEEZE = """
A = sigmoid(np.dot(w.T, X) + b)
cost = -(np.dot(Y, np.log(A).T) + np.dot(1 - Y, np.log(1 - A).T)) / m
dw = np.dot(X, (A - Y).T) / m
db = np.sum(A - Y) / m
"""
PROPAGATE_FLOAT32 = """
X32, w32 = X.astype(np.float32), w.astype(np.float32)
A = sigmoid(w32.T @ X32 + np.float32(b))
cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
dZ = A - Y
dw = (X32 @ dZ.T / m).astype(np.float32)
db = np.mean(dZ)
"""
OPTIMIZE_ASCENT = """
grads, cost = propagate(w, b, X, Y)
w = w + learning_rate * grads["dw"]
b = b + learning_rate * grads["db"]
"""
FORWARD_FLOAT32 = """
X32 = X.astype(np.float32)
Z1 = W1.astype(np.float32) @ X32 + b1.astype(np.float32)
A1 = np.tanh(Z1)
Z2 = W2.astype(np.float32) @ A1 + b2.astype(np.float32)
A2 = sigmoid(Z2)[0]
"""
BACKWARD_ELEMENTWISE_W2 = """
dZ2 = A2 - Y
dW2 = dZ2 @ A1.T / m
db2 = np.sum(dZ2, axis=1, keepdims=True) / m
dZ1 = W2.T * dZ2 * (1 - A1 ** 2)
dW1 = dZ1 @ X.T / m
db1 = np.sum(dZ1, axis=1, keepdims=True) / m
"""
SHAPES_EXAMPLES_FIRST = """
shapes = {"A0": (10, 5)}
for l in range(1, 4):
    n, p = layer_dims[l], layer_dims[l - 1]
    for prefix in ("", "d"):
        shapes[f"{prefix}W{l}"] = (n, p)
        shapes[f"{prefix}b{l}"] = (n, 1)
        shapes[f"{prefix}Z{l}"] = (m, n)
        shapes[f"{prefix}A{l}"] = (m, n)
"""
TWO_LAYER_DA2_SIGN = """
A1, cache1 = linear_activation_forward(X, parameters["W1"], parameters["b1"], "relu")
A2, cache2 = linear_activation_forward(A1, parameters["W2"], parameters["b2"], "sigmoid")
cost = compute_cost(A2, Y)
dA2 = Y / A2 - (1 - Y) / (1 - A2)
dA1, dW2, db2 = linear_activation_backward(dA2, cache2, "sigmoid")
dA0, dW1, db1 = linear_activation_backward(dA1, cache1, "relu")
parameters = update_parameters(parameters, {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}, learning_rate)
"""
PREDICT_GE_ZERO = """
AL, caches = L_model_forward(X, parameters)
predictions = (AL >= 0).astype(int)
"""
MULTICLASS_MEAN_ALL = """
cost = float(-np.mean(Y_onehot * np.log(AL)))
"""
DROPOUT_BINOMIAL = """
for l in range(1, L):
    A, layer_cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], "relu")
    D = rng.binomial(1, keep_prob, size=A.shape).astype(bool)
    A = A * D / keep_prob
    caches.append((layer_cache, D))
AL, layer_cache = linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], "sigmoid")
caches.append(layer_cache)
"""
GRADIENT_CHECK_NUDGE_UNDO = """
grad, gradapprox = [], []
for key in keys:
    array = parameters[key]
    for index in np.ndindex(array.shape):
        array[index] += epsilon
        J_plus = compute_cost(L_model_forward(X, parameters)[0], Y)
        array[index] -= 2 * epsilon
        J_minus = compute_cost(L_model_forward(X, parameters)[0], Y)
        array[index] += epsilon
        gradapprox.append((J_plus - J_minus) / (2 * epsilon))
        grad.append(gradients["d" + key][index])
grad, gradapprox = np.array(grad), np.array(gradapprox)
difference = float(np.linalg.norm(grad - gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox)))
print("backward pass looks right" if difference < 1e-7 else "suspicious" if difference < 1e-5 else "there is a mistake in the backward pass", difference)
"""
GRADIENT_CHECK_ONE_SIDED = """
theta = np.concatenate([parameters[key].reshape(-1, 1) for key in keys])
grad = np.concatenate([gradients["d" + key].reshape(-1, 1) for key in keys])
def cost_at(vector):
    probe, start = {}, 0
    for key in keys:
        size = parameters[key].size
        probe[key] = vector[start:start + size].reshape(parameters[key].shape)
        start += size
    return compute_cost(L_model_forward(X, probe)[0], Y)
J0 = cost_at(theta)
gradapprox = np.zeros_like(theta)
for i in range(theta.shape[0]):
    plus = theta.copy(); plus[i, 0] += epsilon
    gradapprox[i, 0] = (cost_at(plus) - J0) / epsilon
difference = float(np.linalg.norm(grad - gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox)))
print(difference)
"""
NORMALIZE_OWN_STATISTICS = """
mu = np.mean(X_train, axis=1, keepdims=True)
sigma = np.std(X_train, axis=1, keepdims=True)
X_train_norm = (X_train - mu) / sigma
X_test_norm = (X_test - np.mean(X_test, axis=1, keepdims=True)) / np.std(X_test, axis=1, keepdims=True)
"""
L2_LAMBDA_OVER_M = """
cross_entropy = compute_cost(AL, Y)
squares = sum(np.sum(np.square(parameters[f"W{l}"])) for l in range(1, L + 1))
cost = float(cross_entropy + lambd / m * squares)
"""

# Issue 22, item 5: known mistakes whose visible test now says what to change.
KNOWN_MISTAKES = (
    Student(
        "in_max_no_biases",
        "week1_introduction",
        ("relu_python_max", "count_parameters_no_biases"),
        {
            "relu_neuron": "return max(0.0, w * x + b)",
            "count_parameters": "return int(sum(layer_dims[l] * layer_dims[l - 1] for l in range(1, len(layer_dims))))",
        },
        fails={
            "test_relu_neuron": ("np.maximum",),
            "test_count_parameters": ("Looks like the biases are not counted", "one neuron [1, 1]"),
        },
        forbidden=MISLEADING + ("tolerance",),
    ),
    Student(
        "rg_own_statistics_lambda_m",
        "week5_regularization",
        ("normalize_own_statistics", "l2_lambda_over_m"),
        {"normalize_inputs": NORMALIZE_OWN_STATISTICS, "compute_cost_with_regularization": L2_LAMBDA_OVER_M},
        fails={
            "test_normalize_inputs": ("normalized with its own mean and standard deviation",),
            "test_compute_cost_with_regularization": ("lambd / m where the L2 term is lambd / (2 m)",),
        },
    ),
)

STUDENTS = (
    Student(
        "np_float32_stderr",
        "week2_numpy_basics",
        ("np_sigmoid_float32", "np_l1_loss_debug_stderr"),
        {"sigmoid": SIGMOID_FLOAT32, "l1_loss": L1_DEBUG_STDERR},
        shown=("wrote to stderr", "debug: l1 = 1.0"),
    ),
    Student(
        "np_logging",
        "week2_numpy_basics",
        ("np_l1_loss_logging_warning",),
        {"l1_loss": L1_LOGGING},
        shown=("wrote to stderr", "l1 loss computed: 1.0"),
    ),
    Student(
        "np_means",
        "week2_numpy_basics",
        ("np_l1_loss_mean", "np_l2_loss_mean"),
        {"l1_loss": "return float(np.mean(np.abs(yhat - y)))", "l2_loss": "return float(np.mean((yhat - y) ** 2))"},
        fails={"test_l1_loss": ("extra division by m", "np.mean"), "test_l2_loss": ("extra division by m",)},
    ),
    Student(
        "lr_keepdims_ascent",
        "week2_logistic_regression",
        ("lr_propagate_keepdims_db", "lr_optimize_ascent"),
        {"propagate": PROPAGATE_KEEPDIMS_DB, "optimize": OPTIMIZE_ASCENT},
        fails={
            "test_optimize": ("divide by zero encountered in log", "signs of your gradients and updates"),
            "test_model": (),
        },
    ),
    Student(
        "lr_no_squeeze",
        "week2_logistic_regression",
        ("lr_propagate_dot_cost_no_squeeze",),
        {"propagate": PROPAGATE_NO_SQUEEZE},
    ),
    Student(
        "lr_z_from_b", "week2_logistic_regression", ("lr_propagate_loops_z_from_b",), {"propagate": PROPAGATE_Z_FROM_B}
    ),
    Student("lr_float32", "week2_logistic_regression", ("lr_propagate_float32",), {"propagate": PROPAGATE_FLOAT32}),
    Student(
        "sh_float32_elementwise",
        "week3_shallow_network",
        ("sh_forward_propagation_float32", "sh_backward_propagation_elementwise_w2"),
        {"forward_propagation": FORWARD_FLOAT32, "backward_propagation": BACKWARD_ELEMENTWISE_W2},
        fails={"test_backward_propagation": ("n_y = 2", "`*` multiplies elementwise")},
    ),
    Student(
        "dn_shapes_examples_first",
        "week4_deep_network_step_by_step",
        ("dn_shapes_examples_first",),
        {"shapes": SHAPES_EXAMPLES_FIRST},
        fails={"test_shapes": ("shapes['A0'][0] is 10 but expected 5",)},
        forbidden=MISLEADING + ("looks like", "Looks like"),
    ),
    Student(
        "da_three",
        "week4_deep_network_application",
        ("da_two_layer_model_da2_sign", "da_predict_ge_zero", "da_compute_multiclass_cost_mean_all"),
        {
            "two_layer_model": TWO_LAYER_DA2_SIGN,
            "predict": PREDICT_GE_ZERO,
            "compute_multiclass_cost": MULTICLASS_MEAN_ALL,
        },
        fails={
            "test_two_layer_model": ("signs of your gradients and updates",),
            "test_predict": ("mixed labels",),
            "test_compute_multiclass_cost": ("both the number of examples and another size",),
        },
        forbidden=MISLEADING + ("Looks like",),
    ),
    Student(
        "rg_nudge_binomial",
        "week5_regularization",
        ("rg_gradient_check_n_nudge_undo_arith", "rg_forward_propagation_with_dropout_binomial"),
        {"gradient_check_n": GRADIENT_CHECK_NUDGE_UNDO, "forward_propagation_with_dropout": DROPOUT_BINOMIAL},
        fails={"test_forward_propagation_with_dropout": ("with keep_prob 0.5", "rng.random(A1.shape) < keep_prob")},
    ),
    Student(
        "rg_one_sided",
        "week5_regularization",
        ("rg_gradient_check_n_one_sided",),
        {"gradient_check_n": GRADIENT_CHECK_ONE_SIDED},
        fails={"test_gradient_check_n": ("epsilon 1e-4",)},
        forbidden=MISLEADING + ("hidden",),
    ),
) + KNOWN_MISTAKES


def fill(source_text_, code):
    """The solution cell ``source_text_`` with its solution region replaced by ``code``, markers removed."""
    region = SOLUTION_REGION.search(source_text_)
    indent = re.match(r"[ \t]*", source_text_[region.start() :]).group(0)
    code = textwrap.indent(textwrap.dedent(code).strip("\n") + "\n", indent)
    return strip_markers(source_text_[: region.start()] + code + source_text_[region.end() :])


def submission(student, release_nb, source_nb):
    """The release notebook solved, with ``student``'s variants in their cells."""
    notebook = solved(release_nb, source_nb)
    sources = {nbgrader_meta(c).get("grade_id"): source_text(c) for c in source_nb["cells"]}
    for cell in notebook["cells"]:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in student.code:
            cell["source"] = fill(sources[grade_id], student.code[grade_id])
    missing = set(student.code) - {nbgrader_meta(c).get("grade_id") for c in notebook["cells"]}
    if missing:
        raise ValueError(f"{student.name}: no cells {sorted(missing)} in {student.notebook}")
    return notebook
