"""The helpers behind (c) and (d): the quantile grid, the classifiers, and the rule that picks
the z values of each category, checked against what they promise."""
import numpy as np
import pytest
import torch
from torch import nn


def test_quantile_grid_spans_the_coverage_with_equal_shares_of_the_data(nb):
    z = np.random.default_rng(0).standard_normal((20_000, 2)) ** 3  # heavy-tailed, skewed
    grid = nb.quantile_grid(z, 15, 0.99)
    z1, z2 = grid[0, :, 0], grid[:, 0, 1]
    assert grid.shape == (15, 15, 2)
    assert np.allclose(grid[:, :, 0], z1) and np.allclose(grid[:, :, 1], z2[:, None])
    assert np.isclose(z1[0], np.quantile(z[:, 0], 0.005), rtol=1e-5)
    assert np.isclose(z1[-1], np.quantile(z[:, 0], 0.995), rtol=1e-5)
    assert np.all(np.diff(z1) > 0) and np.all(np.diff(z2) < 0)  # top row: highest z2
    shares = np.diff([(z[:, 0] <= v).mean() for v in z1])
    assert np.allclose(shares, 0.99 / 14, atol=0.002)


def test_narrow_keeps_what_passes_or_else_the_k_best_of_what_it_had(nb):
    keep = np.array([True, True, True, True, False, True])
    score = np.array([5.0, 1.0, 4.0, 3.0, 9.0, 2.0])
    passes = np.array([True, False, True, True, True, True])
    assert nb.narrow(keep, passes, score, 3).tolist() == [True, False, True, True, False, True]
    few = np.array([True, False, False, False, True, False])
    assert nb.narrow(keep, few, score, 3).tolist() == [True, False, True, True, False, False]


def test_pixel_entropy_is_zero_for_a_sure_image_and_log_2_for_a_grey_one(nb):
    images = np.stack([np.zeros((28, 28)), np.ones((28, 28)), np.full((28, 28), 0.5)])
    assert np.allclose(nb.pixel_entropy(images), [0, 0, np.log(2)], atol=1e-4)


def test_spread_points_starts_at_the_best_score_and_picks_distinct_images(nb):
    images = np.random.default_rng(1).random((40, 28, 28))
    scores = np.arange(40.0)
    chosen = nb.spread_points(images, scores, 5)
    assert chosen[0] == 39 and len(set(chosen)) == 5


def test_smallest_gap_is_the_largest_pixel_difference_of_the_closest_pair(nb):
    images = np.zeros((3, 28, 28))
    images[1, 5, 5] = 0.2
    images[2] = 1.0
    assert nb.smallest_gap(images) == pytest.approx(0.2)


def binary_patterns(n, seed):
    """n crisp, distinct images: random black-and-white pixels."""
    return (np.random.default_rng(seed).random((n, 28, 28)) < 0.3).astype(np.float32)


def test_choose_samples_keeps_the_strict_bar_when_its_images_already_differ(nb):
    images = binary_patterns(20, seed=3)
    p = np.where(np.arange(20) < 10, 0.8, 0.3)
    keep, chosen = nb.choose_samples(images, p, np.ones(20), 5)
    assert len(set(chosen.tolist())) == 5 and keep[chosen].all()
    assert (p[chosen] == 0.8).all()
    assert nb.smallest_gap(images[chosen]) >= nb.VISIBLE_DIFFERENCE


def test_choose_samples_lowers_the_bar_until_the_samples_differ_visibly(nb):
    # the ten best-recognised images are one image with faint noise; ten others differ
    noise = np.random.default_rng(4).random((10, 28, 28)) * 0.02
    alike = np.clip(binary_patterns(1, seed=5) + noise, 0, 1)
    images = np.concatenate([alike, binary_patterns(10, seed=6)]).astype(np.float32)
    p = np.where(np.arange(20) < 10, 0.8, 0.6)
    keep, chosen = nb.choose_samples(images, p, np.ones(20), 5)
    assert nb.smallest_gap(images[chosen]) >= nb.VISIBLE_DIFFERENCE
    assert (p[chosen] == 0.6).all() and keep[chosen].all()


def test_points_are_ordered_along_the_main_axis_of_their_region(nb):
    t = np.linspace(-3, 3, 50)
    region = np.stack([t, 0.5 * t + 0.01 * np.sin(7 * t)], axis=1)
    points = region[[40, 5, 25, 10, 33]]
    order = nb.along_main_axis(points, region)
    assert list(order) in ([1, 3, 2, 4, 0], [0, 4, 2, 3, 1])


def test_class_probabilities_average_the_classifiers(nb):
    torch.manual_seed(0)
    nets = [nn.Linear(784, 10) for _ in range(3)]
    images = np.random.default_rng(2).random((6, 28, 28)).astype(np.float32)
    p = nb.class_probabilities(nets, images)
    x = torch.as_tensor(images).reshape(6, 784)
    expected = torch.stack([torch.softmax(net(x), dim=1) for net in nets]).mean(dim=0)
    assert p.shape == (6, 10) and np.allclose(p.sum(axis=1), 1, atol=1e-6)
    assert np.allclose(p, expected.detach().numpy(), atol=1e-6)


@pytest.fixture(scope="module")
def classifier(nb, data):
    return nb.train_classifier(data, seed=0)


def test_a_classifier_recognises_most_real_held_out_images(nb, data, classifier):
    p = nb.class_probabilities([classifier], data["test_x"])
    assert (p.argmax(axis=1) == data["test_y"].numpy()).mean() > 0.85


def test_class_latents_returns_five_distinct_candidates_per_class_with_their_images(
        nb, data, short_run, classifier):
    model = nb.VAE()
    model.load_state_dict(torch.load(short_run.outputs / "vae.pt", weights_only=True))
    model.eval()
    z = nb.sample_latents(model, data["train_x"], torch.Generator().manual_seed(0)).numpy()
    candidates, points, images = nb.class_latents(model, [classifier], z,
                                                  data["train_y"].numpy(), 5)
    assert points.shape == (10, 5, 2) and images.shape == (10, 5, 28, 28)
    assert np.allclose(images, nb.decode(model, points).numpy(), atol=1e-6)
    for row, dots in zip(points, candidates):
        assert len(dots) >= 5 and len({tuple(p) for p in row}) == 5
        assert all((dots == p).all(axis=1).any() for p in row)  # each point is a candidate
