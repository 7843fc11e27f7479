"""(c) and (d) across trained models: the quality tests' bar, per seed.

For each seed, trains the notebook's default model with its own `train_vae` (float32, as every
runtime computes), draws its codes, (c) and (d) as the notebook's cells do (`reparameterize`,
`quantile_grid`, `train_classifier`, `class_latents`), and asks the two judges of
scripts/judges.py (an MLP and a small CNN, trained on the real training images) to label the
images. Prints one line per model:
- the held-out loss;
- per judge, how many of the 50 images of (d) it recognises (and the fewest in one row), and how
  many categories it finds among the 225 tiles of (c) (and in how many tiles the rarest);
- how much the five images of a row differ, by the mean absolute pixel difference d of two images:
  `variety`, the mean d of two images of a row, averaged over the rows; `rows>=0.08`; `lowest
  row`; and `alike`, the smallest d of two images of one row (the two most alike), with its row;
then the misreadings, and a contact sheet of every model's (d) grid (`--sheet`) with the images
a judge misreads framed in red. The quality test asks, of the default run, 49 of 50 and 4 of every
row from each judge, all ten categories in (c), a variety of 0.10 and two most alike images that
differ by 0.01.

`--keep DIR` saves each trained model in DIR and reuses it on the next run (to judge a changed
(d) rule without training again). `--colab-cpu` trains and judges as Colab's CPU runtime computes
(one thread, AVX2 kernels; benchmarks/common.py): keep its models in a folder of their own.

Usage: python benchmarks/grid_seeds.py [--seeds 0 1 2 3 4] [--keep DIR] [--sheet PNG]
                                       [--colab-cpu] [--data-dir data]
"""
import argparse
from pathlib import Path

from common import (ROOT, add_colab_cpu_option, describe_cpu,  # first: no tqdm
                    load_notebook, restart_as_colab_cpu)
import judges
import matplotlib
import numpy as np
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NB = load_notebook()


def trained_model(data, seed, keep):
    """The default model for `seed`, trained (or loaded from `keep`); its held-out loss."""
    path = keep / f"vae-seed{seed}.pt" if keep else None
    if path and path.exists():
        saved = torch.load(path, weights_only=True)
        model = NB.VAE()
        model.load_state_dict(saved["model"])
        return model.eval(), saved["test_loss"]
    model, history = NB.train_vae(data, NB.EPOCHS, NB.BATCH_SIZE, NB.LEARNING_RATE,
                                  NB.RECON_LOSS, seed)
    if path:
        torch.save({"model": model.state_dict(), "test_loss": float(history[-1]["test_loss"])},
                   path)
    return model, history[-1]["test_loss"]


def row_differences(images):
    """Per row of `images` (rows, k, 28, 28): the mean d of two of its images, and the least."""
    x = images.reshape(*images.shape[:2], -1)
    d = np.abs(x[:, :, None] - x[:, None]).mean(axis=3)  # (rows, k, k)
    pairs = ~np.eye(x.shape[1], dtype=bool)
    return d[:, pairs].mean(axis=1), d[:, pairs].min(axis=1)


def judge_line(data, judge_models, model, seed):
    """The figures of one model: (d) and (c) per judge, the differences within its rows, the
    misreadings, the (d) images and which of them a judge misreads."""
    with torch.no_grad():  # the codes, as the notebook's "Encoding the training set" cell
        mu, logvar = model.encode(data["train_x"])
    z = NB.reparameterize(mu, logvar, torch.Generator().manual_seed(seed)).numpy()
    classifiers = [NB.train_classifier(data, seed + i) for i in range(3)]
    _, images = NB.class_latents(model, classifiers, data, z)
    manifold = NB.decode(model, NB.quantile_grid(z, 15)).numpy()
    mean, least = row_differences(images)
    parts, wrong, misread = [], [], np.zeros(images.shape[:2], dtype=bool)
    for name, judge in judge_models.items():
        read = judges.predict(judge, images).reshape(images.shape[:2])
        right = read == np.arange(len(images))[:, None]
        misread |= ~right
        tiles = np.bincount(judges.predict(judge, manifold), minlength=len(NB.CLASS_NAMES))
        parts.append(f"{right.sum():2d}/{right.size} (row min {right.sum(axis=1).min()})  "
                     f"{(tiles > 0).sum():2d}/10 (min {tiles.min()})")
        wrong += [f"{name}: {NB.CLASS_NAMES[row]} as {NB.CLASS_NAMES[label]}"
                  for row, row_labels in enumerate(read) for label in row_labels if label != row]
    figures = (f"{mean.mean():7.3f}  {(mean >= 0.08).sum():9d}  {mean.min():10.3f}  "
               f"{least.min():.3f} ({NB.CLASS_NAMES[least.argmin()]})")
    return parts, figures, mean.mean(), wrong, images, misread


def contact_sheet(grids, path):
    """One panel per model (title, (d) images, misread ones framed in red), side by side."""
    fig, axes = plt.subplots(1, len(grids), figsize=(1.6 * len(grids) + 0.4, 3.9), squeeze=False)
    for ax, (title, images, misread) in zip(axes[0], grids):
        rows, cols, gap = images.shape[0], images.shape[1], 1
        ax.imshow(NB.tile(images, gap), cmap="gray_r", vmin=0, vmax=1, interpolation="none",
                  extent=(0, cols, rows, 0))
        for r, c in zip(*np.nonzero(misread)):  # a frame around the misread tile
            ax.add_patch(plt.Rectangle((c, r), 1, 1, fill=False, edgecolor="red",
                                       linewidth=1.2))
        ax.set_title(title, fontsize=7)
        ax.set_xticks([])
        ax.set_yticks(np.arange(rows) + 0.5, NB.CLASS_NAMES if ax is axes[0, 0] else [],
                      fontsize=6)
        ax.tick_params(length=0)
    fig.tight_layout()
    fig.savefig(path, dpi=150)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--keep", type=Path, help="folder to save and reuse trained models")
    parser.add_argument("--sheet", type=Path, default=ROOT / "benchmarks" / "grid_seeds.png",
                        help="contact sheet of every model's (d) grid (PNG)")
    add_colab_cpu_option(parser)
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    args = parser.parse_args()
    if args.colab_cpu:
        restart_as_colab_cpu()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    data = NB.load_fashion_mnist(args.data_dir, torch.device("cpu"))
    judge_models = {name: judges.trained_judge(name, data) for name in judges.JUDGES}
    print(f"{describe_cpu()}; default recipe: {NB.EPOCHS} epochs, batch {NB.BATCH_SIZE}, "
          f"peak {NB.LEARNING_RATE}\n")
    print(f"{'seed':>4s} {'held-out':>8s}  "
          + "  ".join(f"{name.upper() + ' (d) grid, (c) manifold':37s}" for name in judge_models)
          + "  variety  rows>=0.08  lowest row  alike")
    misreadings, grids = [], []
    for seed in args.seeds:
        model, test_loss = trained_model(data, seed, args.keep)
        parts, figures, variety, wrong, images, misread = judge_line(data, judge_models, model,
                                                                     seed)
        print(f"{seed:4d} {test_loss:8.2f}  " + "  ".join(f"{p:37s}" for p in parts)
              + f"  {figures}", flush=True)
        misreadings += [f"seed {seed}: {w}" for w in wrong]
        grids.append((f"seed {seed}\nvariety {variety:.3f}", images, misread))
    print("\nmisread: " + ("; ".join(misreadings) if misreadings else "none"))
    contact_sheet(grids, args.sheet)
    print(f"contact sheet: {args.sheet}")


if __name__ == "__main__":
    main()
