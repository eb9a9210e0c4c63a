# expect: full
"""A bare nn.Linear as the model, pos_weight=None spelled out, no torch.no_grad in predict."""
import torch
from torch import nn


def build_model():
    return nn.Linear(2, 1)


def build_loss():
    return nn.BCEWithLogitsLoss(pos_weight=None, reduction="mean")


def predict(model, x):
    return torch.sigmoid(model(x))
