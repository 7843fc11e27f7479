"""The judges of image quality: two classifiers of different families (a multilayer perceptron
and a small convolutional network), trained on the real FashionMNIST training images only, which
never see the VAE or its outputs before they are asked to label them. tests/test_quality.py and
benchmarks/grid_seeds.py ask them whether decoded images show the category they should."""
import torch
import torch.nn.functional as F
from torch import nn


def make_mlp():
    """A multilayer perceptron for 28x28 greyscale images (about 88% test accuracy)."""
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256),
                         nn.ReLU(), nn.Linear(256, 10))


def make_cnn():
    """A small convolutional network for 28x28 greyscale images (about 90% test accuracy)."""
    return nn.Sequential(nn.Unflatten(1, (1, 28, 28)),
                         nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


# each judge: how it is built, its training epochs and the test accuracy it must reach
JUDGES = {"mlp": (make_mlp, 8, 0.87), "cnn": (make_cnn, 4, 0.89)}


def predict(model, images):
    """The class each image (any shape ending in 28x28 or 784) is read as."""
    with torch.no_grad():
        x = torch.as_tensor(images, dtype=torch.float32).reshape(-1, 784)
        return torch.cat([model(part).argmax(dim=1) for part in x.split(2_000)]).numpy()


def trained_judge(name, data):
    """The judge `name` of JUDGES, trained on the real training images (on the CPU, seeded).

    Raises an AssertionError if its held-out accuracy is below the bar: too weak to judge."""
    make, epochs, min_accuracy = JUDGES[name]
    torch.manual_seed(0)
    model = make()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = data["train_x"].cpu(), data["train_y"].cpu()
    generator = torch.Generator().manual_seed(0)
    for _ in range(epochs):
        model.train()
        for batch in torch.randperm(len(x), generator=generator).split(128):
            loss = F.cross_entropy(model(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    accuracy = (predict(model, data["test_x"].cpu()) == data["test_y"].cpu().numpy()).mean()
    assert accuracy > min_accuracy, f"the {name} is too weak to judge images ({accuracy:.3f})"
    return model
