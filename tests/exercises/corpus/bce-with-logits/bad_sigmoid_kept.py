# expect: mistake sigmoid_kept
"""Not switched yet (the starter): Sigmoid in the model, BCELoss on probabilities."""
import torch
from torch import nn


def build_model():
    return nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())


def build_loss():
    return nn.BCELoss()


def predict(model, x):
    with torch.no_grad():
        return model(x)
