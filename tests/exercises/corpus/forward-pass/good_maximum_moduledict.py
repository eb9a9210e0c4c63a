# expect: full
"""Layers kept in an nn.ModuleDict; torch.maximum with 0 as the ReLU; one-line forward."""
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleDict({"fc1": nn.Linear(10, 20), "fc2": nn.Linear(20, 1)})

    def forward(self, x):
        return self.layers["fc2"](torch.maximum(self.layers["fc1"](x), torch.tensor(0.0)))
