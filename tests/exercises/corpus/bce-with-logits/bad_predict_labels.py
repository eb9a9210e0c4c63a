# expect: mistake labels_not_probabilities
import torch
from torch import nn


def build_model():
    return nn.Sequential(nn.Linear(2, 1))


def build_loss():
    return nn.BCEWithLogitsLoss()


def predict(model, x):
    with torch.no_grad():
        return (torch.sigmoid(model(x)) > 0.5).float()
