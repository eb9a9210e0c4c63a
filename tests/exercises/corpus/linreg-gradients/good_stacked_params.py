# expect: full
# both parameters in one vector; the update is one in-place vector operation
import torch


def gradients(a, b, x, y):
    features = torch.stack([x, torch.ones_like(x)], dim=1)          # N x 2
    theta = torch.cat([a.reshape(1), b.reshape(1)])
    g = 2 * features.T @ (features @ theta - y) / len(y)
    return g[0], g[1]


def sgd_step(a, b, x, y, lr):
    theta = torch.cat([a.reshape(1), b.reshape(1)]).clone()
    theta.sub_(lr * torch.stack(gradients(a, b, x, y)))
    return theta[0], theta[1]
