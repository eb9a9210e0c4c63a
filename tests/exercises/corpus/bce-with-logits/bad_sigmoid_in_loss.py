# expect: mistake saturated_gradient
"""Moved the sigmoid into the loss: same numbers as before on ordinary data, and the same
saturation on extreme logits."""
import torch
from torch import nn


def build_model():
    return nn.Sequential(nn.Linear(2, 1))


def build_loss():
    bce = nn.BCELoss()
    return lambda logits, y: bce(torch.sigmoid(logits), y)


def predict(model, x):
    with torch.no_grad():
        return torch.sigmoid(model(x))
