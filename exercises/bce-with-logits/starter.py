"""A binary classifier that ends in Sigmoid and trains with BCELoss (seed-003 lab). Switch it to
raw logits + BCEWithLogitsLoss, and keep predict() returning probabilities."""
import torch
from torch import nn


def build_model():
    """The classifier: one linear layer on 2 features, then Sigmoid."""
    return nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())


def build_loss():
    """The loss the training loop calls as loss_fn(model(x), y)."""
    return nn.BCELoss()


def predict(model, x):
    """Probability of class 1 for each row of x, shape [N, 1]."""
    with torch.no_grad():
        return model(x)
