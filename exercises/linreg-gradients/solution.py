"""dL/da and dL/db of the mean squared error of y' = a*x + b, derived by hand, and one SGD step."""


def gradients(a, b, x, y):
    residual = a * x + b - y              # y'_i - y_i for each sample of the batch
    dL_da = 2 * (residual * x).mean()     # chain rule: d(y'_i)/da = x_i
    dL_db = 2 * residual.mean()           # chain rule: d(y'_i)/db = 1
    return dL_da, dL_db


def sgd_step(a, b, x, y, lr):
    dL_da, dL_db = gradients(a, b, x, y)  # both gradients at the same (a, b) ...
    return a - lr * dL_da, b - lr * dL_db  # ... then both updates
