# expect: full
"""An nn.Module subclass, a lambda around the functional loss, nn.Sigmoid applied in predict."""
import torch
import torch.nn.functional as F
from torch import nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)

    def forward(self, x):
        return self.fc(x)  # logits


def build_model():
    return Classifier()


def build_loss():
    return lambda logits, y: F.binary_cross_entropy_with_logits(logits, y, pos_weight=None)


def predict(model, x):
    model.eval()
    with torch.no_grad():
        probs = nn.Sigmoid()(model(x))
    model.train()
    return probs
