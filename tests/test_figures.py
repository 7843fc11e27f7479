"""The helpers behind (c) and (d): the quantile grid, the classifiers, and the rule that picks
the z values of each category, checked against what they promise."""
import matplotlib.pyplot as plt
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


def test_class_regions_lie_where_a_class_is_dense_and_the_most_common(nb):
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal([-2, 0], 0.5, (3000, 2)), rng.normal([2, 0], 0.5, (3000, 2)),
                        rng.normal([-2, 0], 0.5, (600, 2))])  # class 2: inside class 0, fewer
    labels = np.repeat([0, 1, 2], [3000, 3000, 600])
    labels = np.concatenate([labels, np.arange(7)])  # every class occurs (CLASS_NAMES has 10)
    z = np.concatenate([z, np.full((7, 2), 9.0)])
    grid, regions = nb.class_regions(z, labels, 5)
    assert grid.shape == (160 * 160, 2) and len(regions) == len(nb.CLASS_NAMES)
    for c, centre in ((0, -2), (1, 2)):
        points = grid[regions[c]]
        assert len(points) >= 5 and np.all(np.abs(points[:, 0] - centre) < 2), c
        assert np.all(np.sign(points[:, 0]) == np.sign(centre)), c  # not the other blob
    assert not (regions[0] & regions[1]).any()
    # never the most common: its five points closest to it, inside class 0's blob
    assert regions[2].sum() == 5 and np.all(np.abs(grid[regions[2], 0] + 2) < 2)


def test_spread_out_starts_at_first_and_takes_distinct_allowed_images(nb):
    x = np.random.default_rng(1).random((40, 784))
    allowed = np.arange(40) % 2 == 0
    chosen = nb.spread_out(x, allowed, 4, 5)
    assert chosen[0] == 4 and len(set(chosen.tolist())) == 5 and allowed[chosen].all()
    copies = np.zeros((8, 784))  # all alike: still five different indices
    assert len(set(nb.spread_out(copies, np.full(8, True), 0, 5).tolist())) == 5
    # the second is the allowed image most different from the first
    differences = np.where(allowed, np.abs(x - x[4]).mean(axis=1), -1)
    assert chosen[1] == np.argmax(differences)


def test_spread_out_takes_the_largest_summed_difference_of_those_apart_and_even(nb):
    x = np.random.default_rng(2).random((60, 784)) ** 3  # varied: some pairs far, some near
    allowed = np.arange(60) % 3 != 0
    chosen = nb.spread_out(x, allowed, 1, 6)
    for i in range(1, 6):
        taken = x[chosen[:i]]
        mean = np.abs(x[:, None] - taken).mean(axis=2)  # (60, i): from each taken
        pixel = np.abs(x[:, None] - taken).max(axis=2).min(axis=1)
        left = allowed & ~np.isin(np.arange(60), chosen[:i])
        even = mean.min(axis=1) >= nb.EVEN * mean.min(axis=1)[left].max()
        eligible = left & even & (pixel > nb.APART)
        assert eligible[chosen[i]]
        assert mean.sum(axis=1)[chosen[i]] == mean.sum(axis=1)[eligible].max()


def test_spread_out_skips_images_within_apart_of_one_taken_in_every_pixel(nb):
    shades = np.stack([np.full(784, s) for s in (0.0, 0.06, 0.065, 0.07)])  # 0: a blank
    marks = np.zeros((4, 784))
    for i, mark in enumerate(marks):
        mark[30 * i:30 * (i + 1)] = 1  # a few pixels drawn in, each its own
    assert 0.07 < nb.APART  # every shade is within APART of the blank in every pixel
    assert shades[1:].mean(axis=1).min() > marks.mean(axis=1).max()  # though farther on average
    chosen = nb.spread_out(np.concatenate([shades, marks]), np.full(8, True), 0, 4)
    assert chosen[0] == 0 and set(chosen[1:].tolist()) <= {4, 5, 6, 7}


def test_spread_out_falls_back_to_the_largest_pixel_difference(nb):
    x = np.stack([np.full(784, 1 - 0.01 * i) for i in range(8)])  # all within APART
    assert 0.07 < nb.APART
    chosen = nb.spread_out(x, np.full(8, True), 0, 5)
    assert chosen[1] == 7 and len(set(chosen.tolist())) == 5


def binary_patterns(n, seed):
    """n crisp, distinct images: random black-and-white pixels."""
    return (np.random.default_rng(seed).random((n, 28, 28)) < 0.3).astype(np.float32)


def in_walk_order(images, chosen):
    first = images[chosen[0]]
    return np.all(np.diff([np.abs(images[i] - first).mean() for i in chosen]) >= 0)


def test_choose_samples_takes_five_distinct_recognised_images_in_walk_order(nb):
    images = binary_patterns(40, seed=3)
    score = np.where(np.arange(40) < 20, 0.8, 0.3)
    recognised, chosen = nb.choose_samples(images, score, 5)
    assert len(set(chosen.tolist())) == 5 and recognised[chosen].all()
    assert (score[chosen] == 0.8).all() and not recognised[score == 0.3].any()
    assert in_walk_order(images, chosen)


def test_choose_samples_recognises_scores_from_a_share_of_the_best(nb):
    images = binary_patterns(100, seed=5)
    best = 0.9
    score = np.linspace(0.7, best, 100)  # more than 20 reach RECOGNISED of the best
    recognised, chosen = nb.choose_samples(images, score, 5)
    assert np.array_equal(recognised, score >= nb.RECOGNISED * best)
    assert recognised[chosen].all()
    # the first is the recognised image most different from the best-scored one
    differences = np.abs(images - images[-1]).mean(axis=(1, 2))
    assert chosen[0] == np.argmax(np.where(recognised, differences, -1))


def near_copies(n, seed):
    """n images of one crisp pattern, each with a few pixels changed."""
    rng = np.random.default_rng(seed)
    copies = np.repeat(binary_patterns(1, seed), n, axis=0)
    for image in copies:
        image[rng.integers(0, 28, 3), rng.integers(0, 28, 3)] = 1
    return copies


def test_choose_samples_keeps_at_least_four_per_sample_to_choose_from(nb):
    images = binary_patterns(30, seed=8)
    score = np.where(np.arange(30) < 3, 1.0, np.linspace(0.1, 0.5, 30))
    recognised, chosen = nb.choose_samples(images, score, 5)
    assert recognised.sum() == 20 and recognised[:3].all() and recognised[chosen].all()
    assert np.array_equal(recognised, score >= np.sort(score)[-20])


def test_choose_samples_widens_the_bar_to_relaxed_for_near_copies(nb):
    images = np.concatenate([near_copies(30, seed=4), binary_patterns(20, seed=6)])
    score = np.repeat([1.0, 0.7, 0.3], [30, 10, 10])  # the best: near-copies
    assert nb.RELAXED < 0.7 < nb.RECOGNISED
    recognised, chosen = nb.choose_samples(images, score, 5)
    assert np.array_equal(recognised, score >= nb.RELAXED)
    x = images[chosen]
    assert nb.within_row_difference(x) >= nb.NEAR_COPIES * x.mean()
    assert (score[chosen] == 0.7).any() and in_walk_order(images, chosen)


def test_choose_samples_never_lowers_the_bar_below_its_share_of_the_best(nb):
    images = near_copies(60, seed=2)
    score = np.linspace(0.4, 0.5, 60)  # RECOGNISED of the best is below RELAXED
    recognised, _ = nb.choose_samples(images, score, 5)
    assert np.array_equal(recognised, score >= nb.RECOGNISED * 0.5)


def test_within_row_difference_is_the_mean_over_pairs(nb):
    row = np.stack([np.zeros((28, 28)), np.ones((28, 28)), np.full((28, 28), 0.5)])
    assert np.isclose(nb.within_row_difference(row), (1 + 0.5 + 0.5) / 3)


def test_choose_samples_returns_five_from_as_few_as_five_images(nb):
    images = binary_patterns(5, seed=9)
    recognised, chosen = nb.choose_samples(images, np.linspace(0.1, 0.5, 5), 5)
    assert sorted(chosen.tolist()) == [0, 1, 2, 3, 4] and recognised.all()


def test_clear_images_drops_faint_and_blurred_images(nb):
    crisp = binary_patterns(12, seed=7)
    faint = 0.15 * binary_patterns(6, seed=8)  # a ghost: a fraction of the shade
    blurred = np.full((6, 28, 28), 0.7, dtype=np.float32)  # dark enough, but grey throughout
    clear = nb.clear_images(np.concatenate([crisp, faint, blurred]), 5)
    assert clear[:12].sum() >= 5 and not clear[12:].any()


def test_clear_images_keeps_at_least_k(nb):
    images = np.concatenate([binary_patterns(3, seed=1), 0.1 * binary_patterns(3, seed=2)])
    assert nb.clear_images(images, 5).sum() >= 5


def test_neighbour_share_counts_the_class_of_the_nearest_real_images(nb):
    base = binary_patterns(3, seed=11).reshape(3, 784)
    rng = np.random.default_rng(12)
    train_x = np.concatenate([np.clip(b + 0.05 * rng.standard_normal((40, 784)), 0, 1)
                              for b in base]).astype(np.float32)
    train_y = np.repeat([0, 1, 2], 40)
    train_y[:10] = 5  # a quarter of the images near base[0] are labelled 5
    data = {"train_x": torch.as_tensor(train_x), "train_y": torch.as_tensor(train_y)}
    norms = data["train_x"].pow(2).sum(dim=1)
    queries = base.reshape(3, 28, 28)
    shares = nb.neighbour_share(queries, data, norms, 1)
    assert shares[1] == 1 and shares[0] == 0 and shares[2] == 0
    assert np.isclose(nb.neighbour_share(queries[:1], data, norms, 0)[0],
                      1 - nb.neighbour_share(queries[:1], data, norms, 5)[0])
    expected = (train_y[np.argsort(((train_x - base[0]) ** 2).sum(axis=1))[:nb.NEIGHBOURS]] == 5)
    assert np.isclose(nb.neighbour_share(queries[:1], data, norms, 5)[0], expected.mean())


def test_class_probabilities_give_each_classifiers_softmax(nb):
    torch.manual_seed(0)
    nets = [nn.Linear(784, 10) for _ in range(3)]
    images = np.random.default_rng(2).random((6, 28, 28)).astype(np.float32)
    p = nb.class_probabilities(nets, images)
    x = torch.as_tensor(images).reshape(6, 784)
    expected = torch.stack([torch.softmax(net(x), dim=1) for net in nets])
    assert p.shape == (3, 6, 10) and np.allclose(p.sum(axis=2), 1, atol=1e-6)
    assert np.allclose(p, expected.detach().numpy(), atol=1e-6)


@pytest.fixture(scope="module")
def classifier(nb, data):
    return nb.train_classifier(data, seed=0)


def test_a_classifier_recognises_most_real_held_out_images(nb, data, classifier):
    p = nb.class_probabilities([classifier], data["test_x"])[0]
    assert (p.argmax(axis=1) == data["test_y"].numpy()).mean() > 0.85


def test_class_latents_returns_five_distinct_candidates_per_class_with_their_images(
        nb, data, short_run, classifier):
    model = nb.VAE()
    model.load_state_dict(torch.load(short_run.outputs / "vae.pt", weights_only=True))
    model.eval()
    z = nb.sample_latents(model, data["train_x"], torch.Generator().manual_seed(0)).numpy()
    candidates, points, images = nb.class_latents(model, [classifier], data, z, 5)
    assert points.shape == (10, 5, 2) and images.shape == (10, 5, 28, 28)
    assert np.allclose(images, nb.decode(model, points).numpy(), atol=1e-6)
    for row, dots in zip(points, candidates):
        assert len(dots) >= 5 and len({tuple(p) for p in row}) == 5
        assert all((dots == p).all(axis=1).any() for p in row)  # each point is a candidate


def test_label_offsets_keep_the_numbers_of_crowded_points_apart(nb):
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    rng = np.random.default_rng(0)  # two rows of five points, each row within a few points
    points = np.stack([rng.normal(0, 0.01, (5, 2)), rng.normal([0.1, 0], 0.01, (5, 2))])
    offsets = np.array(nb.label_offsets(ax, points))
    labels = ax.transData.transform(points.reshape(-1, 2)) * 72 / fig.dpi + offsets
    apart = np.hypot(*(labels[:, None] - labels[None]).transpose(2, 0, 1))
    assert apart[np.triu_indices(10, 1)].min() >= 15
    plt.close(fig)
