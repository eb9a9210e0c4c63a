# expect: full
"""predict() as a two-class softmax over [0, z]: its second column is exactly sigmoid(z)."""
import torch
from torch import nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, x):
        return self.linear(x)


def build_model():
    return Classifier()


def build_loss():
    return nn.BCEWithLogitsLoss(reduction="mean")


def predict(model, x):
    z = model(x).detach()
    two = torch.cat([torch.zeros_like(z), z], dim=1)
    return torch.softmax(two, dim=1)[:, 1:]
