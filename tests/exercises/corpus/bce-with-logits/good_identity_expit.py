# expect: full
"""Sigmoid replaced by nn.Identity, probabilities through torch.special.expit, detached."""
import torch
from torch import nn


def build_model():
    return nn.Sequential(nn.Linear(2, 1), nn.Identity())


def build_loss():
    loss = nn.BCEWithLogitsLoss()
    return loss


def predict(model, x):
    logits = model(x)
    return torch.special.expit(logits).detach()
