"""The helpers behind (c) and (d): the quantile grid, the classifiers, and the rule that picks
the z values of each category, checked against what they promise."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn


def test_quantile_grid_puts_its_lines_at_the_medians_of_equal_shares(nb):
    z = np.random.default_rng(0).standard_normal((20_000, 2)) ** 3  # heavy-tailed, skewed
    grid = nb.quantile_grid(z, 15)
    z1, z2 = grid[0, :, 0], grid[:, 0, 1]
    assert grid.shape == (15, 15, 2)
    assert np.allclose(grid[:, :, 0], z1) and np.allclose(grid[:, :, 1], z2[:, None])
    for i in (0, 7, 14):  # line i is the median of share i: the quantile (i + 0.5) / 15
        assert np.isclose(z1[i], np.quantile(z[:, 0], (i + 0.5) / 15), rtol=1e-5)
        assert np.isclose(z2[14 - i], np.quantile(z[:, 1], (i + 0.5) / 15), rtol=1e-5)
    assert np.all(np.diff(z1) > 0) and np.all(np.diff(z2) < 0)  # top row: highest z2
    shares = np.diff([(z[:, 0] <= v).mean() for v in z1])
    assert np.allclose(shares, 1 / 15, atol=0.002)


def test_class_regions_lie_where_a_class_is_dense_and_the_most_common(nb):
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal([-2, 0], 0.5, (3000, 2)), rng.normal([2, 0], 0.5, (3000, 2)),
                        rng.normal([-2, 0], 0.5, (600, 2))])  # class 2: inside class 0, fewer
    labels = np.repeat([0, 1, 2], [3000, 3000, 600])
    labels = np.concatenate([labels, np.arange(7)])  # every class occurs (CLASS_NAMES has 10)
    z = np.concatenate([z, np.full((7, 2), 9.0)])
    grid, regions = nb.class_regions(z, labels, k=5)
    assert grid.shape == (160 * 160, 2) and len(regions) == len(nb.CLASS_NAMES)
    for c, centre in ((0, -2), (1, 2)):
        points = grid[regions[c]]
        assert len(points) >= 5 and np.all(np.abs(points[:, 0] - centre) < 2), c
        assert np.all(np.sign(points[:, 0]) == np.sign(centre)), c  # not the other blob
    assert not (regions[0] & regions[1]).any()
    # never the most common: its five points closest to it, inside class 0's blob
    assert regions[2].sum() == 5 and np.all(np.abs(grid[regions[2], 0] + 2) < 2)


def binary_patterns(n, seed):
    """n crisp, distinct images: random black-and-white pixels."""
    return (np.random.default_rng(seed).random((n, 28, 28)) < 0.3).astype(np.float32)


def mean_differences(images):
    """d of every two of `images` (N, 28, 28): their mean absolute pixel difference."""
    x = images.reshape(len(images), -1)
    return np.abs(x[:, None] - x).mean(axis=2)


def in_walk_order(images, chosen):
    return np.all(np.diff(mean_differences(images)[chosen[0], chosen]) >= 0)


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
    score = np.linspace(0.7, best, 100)  # more than 20 reach 90% of the best
    recognised, chosen = nb.choose_samples(images, score, 5)
    assert np.array_equal(recognised, score >= 0.9 * best)
    assert recognised[chosen].all()


def test_choose_samples_keeps_at_least_four_per_sample_to_choose_from(nb):
    images = binary_patterns(30, seed=8)
    score = np.where(np.arange(30) < 3, 1.0, np.linspace(0.1, 0.5, 30))
    recognised, chosen = nb.choose_samples(images, score, 5)
    assert recognised.sum() == 20 and recognised[:3].all() and recognised[chosen].all()
    assert np.array_equal(recognised, score >= np.sort(score)[-20])


def test_choose_samples_starts_and_spreads_as_its_rule_says(nb):
    """The first sample is the recognised image that differs most from the best-scored one;
    each next one, of the recognised images at least MIN_DIFFERENCE from every sample taken, the
    one whose differences from them add up to the most (re-derived from the definitions)."""
    images = np.random.default_rng(2).random((60, 28, 28)) ** 3  # varied: some near, some far
    score = np.random.default_rng(4).uniform(0.5, 1, 60)
    recognised, chosen = nb.choose_samples(images, score, 6)
    d = mean_differences(images)
    first = np.argmax(np.where(recognised, d[np.argmax(score)], -1))
    taken = [first]
    for _ in range(5):
        left = recognised & ~np.isin(np.arange(60), taken)
        apart = left & (d[:, taken].min(axis=1) >= nb.MIN_DIFFERENCE)
        assert apart.any()  # these images are far apart: the fallback is not needed
        taken.append(int(np.argmax(np.where(apart, d[:, taken].sum(axis=1), -np.inf))))
    assert sorted(chosen.tolist()) == sorted(taken) and chosen[0] == first


def test_choose_samples_never_takes_a_near_copy_while_another_image_is_apart(nb):
    """Copies of the best-scored image lie at the largest summed difference from the others, but
    within MIN_DIFFERENCE of each other: only one of them is taken."""
    base = binary_patterns(1, seed=11)
    copies = np.repeat(base, 6, axis=0)
    copies[:, 0, :3] = np.linspace(0, 1, 6)[:, None]  # a few pixels apart: near-copies
    others = 0.5 * binary_patterns(6, seed=12)  # fainter, and nearer to each other
    images = np.concatenate([copies, others])
    d = mean_differences(images)
    assert d[:6, :6].max() < nb.MIN_DIFFERENCE <= d[6:, 6:][~np.eye(6, dtype=bool)].min()
    _, chosen = nb.choose_samples(images, np.ones(12), 5)
    assert (chosen < 6).sum() == 1


def test_choose_samples_falls_back_to_the_farthest_from_its_nearest_sample(nb):
    images = np.stack([np.full((28, 28), 1 - 0.002 * i) for i in range(8)])  # all near-copies
    d = mean_differences(images)
    assert d.max() < nb.MIN_DIFFERENCE
    _, chosen = nb.choose_samples(images, np.ones(8), 5)  # image 0 is the best (first of equals)
    taken = [7]  # the first: the farthest from the best
    for _ in range(4):  # then, each time, the one whose nearest sample is the farthest
        nearest = d[:, taken].min(axis=1)
        nearest[taken] = -1
        taken.append(int(np.argmax(nearest)))
    assert chosen[0] == 7 and sorted(chosen.tolist()) == sorted(taken)


def test_choose_samples_returns_five_distinct_images_even_of_copies(nb):
    copies = np.zeros((8, 28, 28), dtype=np.float32)
    _, chosen = nb.choose_samples(copies, np.ones(8), 5)
    assert len(set(chosen.tolist())) == 5


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


def test_recognition_score_is_the_classifiers_geometric_mean_times_the_neighbour_share(nb):
    base = binary_patterns(3, seed=11).reshape(3, 784)
    rng = np.random.default_rng(12)
    train_x = np.concatenate([np.clip(b + 0.05 * rng.standard_normal((40, 784)), 0, 1)
                              for b in base]).astype(np.float32)
    train_y = np.repeat([0, 1, 2], 40)
    train_y[:10] = 5  # a quarter of the images near base[0] are labelled 5
    data = {"train_x": torch.as_tensor(train_x), "train_y": torch.as_tensor(train_y)}
    torch.manual_seed(0)
    nets = [nn.Linear(784, 10) for _ in range(3)]
    queries = np.concatenate([base, rng.random((4, 784))]).astype(np.float32)
    for c in (0, 1, 5):
        score = nb.recognition_score(queries.reshape(-1, 28, 28), c, nets, data)
        with torch.no_grad():
            p = np.stack([F.softmax(net(torch.as_tensor(queries)), dim=1)[:, c].numpy()
                          for net in nets])
        nearest = np.argsort(((train_x[None] - queries[:, None]) ** 2).sum(axis=2), axis=1)
        share = (train_y[nearest[:, :25]] == c).mean(axis=1)
        assert np.allclose(score, p.prod(axis=0) ** (1 / 3) * share, rtol=1e-4, atol=1e-7), c
    score = nb.recognition_score(base.reshape(3, 28, 28), 1, nets, data)
    assert score[0] == 0 and score[2] == 0 and score[1] > 0  # only base[1]'s neighbours are 1s


@pytest.fixture(scope="module")
def classifier(nb, data):
    return nb.train_classifier(data, seed=0)


def test_a_classifier_recognises_most_real_held_out_images(data, classifier):
    with torch.no_grad():
        read = classifier(data["test_x"]).argmax(dim=1)
    assert (read == data["test_y"]).float().mean() > 0.85


def test_class_latents_returns_five_distinct_points_of_each_region_with_their_images(
        nb, data, short_run, classifier):
    model = nb.VAE()
    model.load_state_dict(torch.load(short_run.outputs / "vae.pt", weights_only=True))
    model.eval()
    with torch.no_grad():
        mu, logvar = model.encode(data["train_x"])
    z = nb.reparameterize(mu, logvar, torch.Generator().manual_seed(0)).numpy()
    points, images = nb.class_latents(model, [classifier], data, z, 5)
    assert points.shape == (10, 5, 2) and images.shape == (10, 5, 28, 28)
    assert np.allclose(images, nb.decode(model, points).numpy(), atol=1e-6)
    grid, regions = nb.class_regions(z, data["train_y"].numpy())
    for row, region in zip(points, regions):
        assert len({tuple(p) for p in row}) == 5
        assert all((grid[region] == p).all(axis=1).any() for p in row)  # each in its region
