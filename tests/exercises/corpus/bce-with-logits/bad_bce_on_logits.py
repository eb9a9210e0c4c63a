# expect: mistake bce_on_logits
"""Removed the Sigmoid but kept BCELoss, which refuses raw logits."""
import torch
from torch import nn


def build_model():
    return nn.Sequential(nn.Linear(2, 1))


def build_loss():
    return nn.BCELoss()


def predict(model, x):
    with torch.no_grad():
        return torch.sigmoid(model(x))
