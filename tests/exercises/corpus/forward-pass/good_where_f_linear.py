# expect: full
"""F.linear with the layers' own weights, and torch.where as the ReLU."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 20)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(20, 1)

    def forward(self, x):
        h = F.linear(x, self.fc1.weight, self.fc1.bias)
        h = torch.where(h > 0, h, torch.zeros_like(h))
        return F.linear(h, self.fc2.weight, self.fc2.bias)
