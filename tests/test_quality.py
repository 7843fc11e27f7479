"""Quality of the default run: held-out loss and images an independent classifier recognises.

The classifier is trained here, on the real FashionMNIST training images only; it never sees
the VAE or its outputs before it is asked to label them.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn


def make_classifier():
    """A multilayer perceptron for 28x28 greyscale images (about 88% test accuracy)."""
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256),
                         nn.ReLU(), nn.Linear(256, 10))


@pytest.fixture(scope="session")
def classifier(data):
    """Train the classifier on the 60,000 real training images; check it on the test set."""
    torch.manual_seed(0)
    model = make_classifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = data["train_x"], data["train_y"]
    generator = torch.Generator().manual_seed(0)
    for _ in range(8):
        model.train()
        for batch in torch.randperm(len(x), generator=generator).split(128):
            loss = F.cross_entropy(model(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    accuracy = (predict(model, data["test_x"].numpy()) == data["test_y"].numpy()).mean()
    assert accuracy > 0.87, f"the classifier is too weak to judge images ({accuracy:.3f})"
    return model


def predict(model, images):
    with torch.no_grad():
        x = torch.as_tensor(images, dtype=torch.float32).reshape(-1, 784)
        return model(x).argmax(dim=1).numpy()


def test_held_out_loss_meets_the_target(default_run):
    assert default_run.history[-1]["test_loss"] <= 260.0


def test_every_per_class_image_is_recognised_as_its_category(default_run, classifier, nb):
    images = np.load(default_run.outputs / "class_grid.npz")["images"]
    labels = predict(classifier, images).reshape(10, 5)
    correct = labels == np.arange(10)[:, None]
    report = {name: labels[i].tolist() for i, name in enumerate(nb.CLASS_NAMES)}
    print(f"per-class grid: {correct.sum()}/50 recognised; predictions per row: {report}")
    assert correct.sum() >= 45, report
    assert correct.sum(axis=1).min() >= 3, report


def test_the_five_samples_of_a_row_differ_visibly(default_run):
    images = np.load(default_run.outputs / "class_grid.npz")["images"]
    pairs = [(row[i], row[j]) for row in images for i in range(5) for j in range(i + 1, 5)]
    # every pair differs by at least 0.05 (13 grey levels) somewhere, and on average a lot
    assert min(np.abs(a - b).max() for a, b in pairs) > 0.05
    assert np.mean([np.abs(a - b).mean() for a, b in pairs]) > 0.03


def test_the_manifold_shows_every_category(default_run, classifier, nb):
    images = np.load(default_run.outputs / "manifold.npz")["images"]
    found = set(predict(classifier, images).tolist())
    missing = [nb.CLASS_NAMES[c] for c in range(10) if c not in found]
    assert not missing, f"categories missing from the manifold: {missing}"
