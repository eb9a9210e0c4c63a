"""A two-layer network: fc1 (10 -> 20), ReLU, fc2 (20 -> 1)."""
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 20)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(20, 1)

    def forward(self, x):
        x = self.fc1(x)
        # TODO: apply the activation, then the second layer.
        return x
