# expect: mistake double_sigmoid
"""Switched the loss but kept nn.Sigmoid in the model: the sigmoid is applied twice."""
import torch
from torch import nn


def build_model():
    return nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())


def build_loss():
    return nn.BCEWithLogitsLoss()


def predict(model, x):
    with torch.no_grad():
        return model(x)
