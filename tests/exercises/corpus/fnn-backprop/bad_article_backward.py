# expect: mistake sigmoid_derivative_twice
import torch


def sigmoid_first_order_derivative(s):
    return s * (1 - s)


def gradients(X, l, w1, w2):
    # the tutorial's backward(), unchanged
    y2 = torch.sigmoid(torch.matmul(X, w1))
    y4 = torch.sigmoid(torch.matmul(y2, w2))
    dC_dy4 = y4 - l
    dy4_dy3 = sigmoid_first_order_derivative(y4)
    y4_delta = dC_dy4 * dy4_dy3
    dC_dw2 = torch.matmul(torch.t(y2), y4_delta)
    y2_delta = torch.matmul(y4_delta, torch.t(w2)) * sigmoid_first_order_derivative(y2)
    dC_dw1 = torch.matmul(torch.t(X), y2_delta)
    return dC_dw1, dC_dw2


def gd_step(X, y, w1, w2, lr):
    dw1, dw2 = gradients(X, y, w1, w2)
    return w1 - lr * dw1, w2 - lr * dw2
