# expect: mistake loss_summed
import torch
from torch import nn


def build_model():
    return nn.Sequential(nn.Linear(2, 1))


def build_loss():
    return nn.BCEWithLogitsLoss(reduction="sum")


def predict(model, x):
    with torch.no_grad():
        return torch.sigmoid(model(x))
