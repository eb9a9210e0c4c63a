# expect: mistake double_sigmoid
"""Training is right, but predict squashes twice."""
import torch
from torch import nn


def build_model():
    return nn.Sequential(nn.Linear(2, 1))


def build_loss():
    return nn.BCEWithLogitsLoss()


def predict(model, x):
    with torch.no_grad():
        probs = torch.sigmoid(model(x))
        return torch.sigmoid(probs)
