# expect: mistake probabilities_are_logits
"""Switched correctly for training, but predict returns the raw logits as if probabilities."""
import torch
from torch import nn


def build_model():
    return nn.Sequential(nn.Linear(2, 1))


def build_loss():
    return nn.BCEWithLogitsLoss()


def predict(model, x):
    with torch.no_grad():
        return model(x)
