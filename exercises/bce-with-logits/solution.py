"""A binary classifier that outputs raw logits, trained with BCEWithLogitsLoss; predict() turns
logits into probabilities."""
import torch
from torch import nn


def build_model():
    """The classifier: one linear layer on 2 features; its output is a logit."""
    return nn.Sequential(nn.Linear(2, 1))


def build_loss():
    """Sigmoid and binary cross-entropy in one numerically stable step."""
    return nn.BCEWithLogitsLoss()


def predict(model, x):
    """Probability of class 1 for each row of x, shape [N, 1]."""
    with torch.no_grad():
        return torch.sigmoid(model(x))
