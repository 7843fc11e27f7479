"""(c) and (d) across trained models: the quality tests' bar, per arithmetic path and seed.

For each path (bfloat16 autocast where this CPU has it natively, and float32) and each seed,
trains the notebook's default model with its own `train_vae`, then draws (c) and (d) exactly as
its cells do (`sample_latents`, `quantile_grid`, `train_classifier`, `class_latents`), and asks
the two judges of scripts/judges.py (an MLP and a small CNN, trained on the real training images)
to label the images. Prints one line per model: the held-out loss, how many of the 50 per-class
images each judge recognises (and the fewest in one row), how many categories each finds in the
manifold (and how many tiles show the rarest), how much a row's images differ (`variety`: the
mean absolute pixel difference of two images of a row, averaged over the rows, as the notebook's
summary reports it; `rows>=0.08` and `lowest row`; `gap`: the smallest largest-pixel difference
of two images of one row), and the misreadings; then, per model, each category's best score and
the categories whose bar (d)'s second pass widened. It also draws every model's (d) grid side by
side into one contact sheet (`--sheet`), with the images a judge misreads framed in red.
The quality test asks, of the default run, at least 49 of 50 and 4 of every row from each judge,
all ten categories in the manifold, and every two images of a row differing by more than 0.05 in
some pixel.

`--keep DIR` saves each trained model in DIR and reuses it on the next run (to judge a changed
(d) rule without training again). `--colab-cpu` trains and judges the float32 path as Colab's CPU
runtime computes (one thread, AVX2 kernels; benchmarks/common.py); a later run with the same
`--keep DIR` reuses those models beside the bfloat16 ones, for one sheet of both paths.

Usage: python benchmarks/grid_seeds.py [--seeds 0 1 2 3 4] [--paths bfloat16 float32]
                                       [--keep DIR] [--sheet PNG] [--colab-cpu]
                                       [--data-dir data]
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


def trained_model(data, seed, bf16, keep):
    """The default model for `seed`, trained (or loaded from `keep`); its held-out loss."""
    path = keep / f"vae-{'bfloat16' if bf16 else 'float32'}-seed{seed}.pt" if keep else None
    if path and path.exists():
        saved = torch.load(path, weights_only=True)
        model = NB.VAE()
        model.load_state_dict(saved["model"])
        return model.eval(), saved["test_loss"]
    model, history = NB.train_vae(data, NB.EPOCHS, NB.BATCH_SIZE, NB.LEARNING_RATE,
                                  NB.RECON_LOSS, seed, torch.device("cpu"), bf16=bf16)
    if path:
        torch.save({"model": model.state_dict(), "test_loss": float(history[-1]["test_loss"])},
                   path)
    return model, history[-1]["test_loss"]


def chosen_images(model, classifiers, data, z):
    """(d)'s images as `class_latents` chooses them, and per category its best score s_c and
    whether the second pass (near-copies) widened its bar: `choose_samples`' recognised set
    against the one it returns with RELAXED out of play (its second pass then keeps the first
    bar)."""
    record, choose = [], NB.choose_samples

    def recording(images, score, k):
        recognised, chosen = choose(images, score, k)
        relaxed, NB.RELAXED = NB.RELAXED, 1.0
        first, _ = choose(images, score, k)
        NB.RELAXED = relaxed
        record.append((score.max(), recognised.sum() > first.sum()))
        return recognised, chosen

    NB.choose_samples = recording  # class_latents looks it up in the notebook's namespace
    try:
        _, _, images = NB.class_latents(model, classifiers, data, z, NB.SAMPLES_PER_CLASS)
    finally:
        NB.choose_samples = choose
    return images, record


def judge_line(data, judge_models, model, seed):
    """The figures of one model: (d) per judge, (c) per judge, the variety of its rows, the
    smallest gap, the misreadings, the (d) images and which of them a judge misreads, and the
    per-category record of `chosen_images`."""
    z = NB.sample_latents(model, data["train_x"], torch.Generator().manual_seed(seed)).numpy()
    classifiers = [NB.train_classifier(data, seed + i) for i in range(NB.N_CLASSIFIERS)]
    images, record = chosen_images(model, classifiers, data, z)
    manifold = NB.decode(model, NB.quantile_grid(z, NB.GRID_SIZE, NB.MANIFOLD_COVERAGE)).numpy()
    k = images.shape[1]
    rows = [NB.within_row_difference(row) for row in images]
    variety = (np.mean(rows), sum(v >= 0.08 for v in rows), min(rows))
    gap = min(np.abs(a - b).max() for row in images for i, a in enumerate(row) for b in row[:i])
    parts, wrong, misread = [], [], np.zeros(images.shape[:2], dtype=bool)
    for name, judge in judge_models.items():
        read = judges.predict(judge, images).reshape(len(images), k)
        right = read == np.arange(len(images))[:, None]
        misread |= ~right
        tiles = np.bincount(judges.predict(judge, manifold), minlength=len(NB.CLASS_NAMES))
        parts.append(f"{right.sum():2d}/{right.size} (row min {right.sum(axis=1).min()})  "
                     f"{(tiles > 0).sum():2d}/10 (min {tiles.min()})")
        wrong += [f"{name}: {NB.CLASS_NAMES[row]} as {NB.CLASS_NAMES[label]}"
                  for row, row_labels in enumerate(read) for label in row_labels if label != row]
    return parts, variety, gap, wrong, images, misread, record


def contact_sheet(grids, path):
    """One panel per model (title, (d) images, misread ones framed in red), side by side."""
    fig, axes = plt.subplots(1, len(grids), figsize=(1.6 * len(grids) + 0.4, 3.9), squeeze=False)
    for ax, (title, images, misread) in zip(axes[0], grids):
        rows, size, gap = len(images), images.shape[2], 2
        ax.imshow(NB.tile_images(images, gap), cmap="gray_r", vmin=0, vmax=1,
                  interpolation="none")
        for r, c in zip(*np.nonzero(misread)):  # a frame around the misread tile
            ax.add_patch(plt.Rectangle((c * (size + gap) - 1, r * (size + gap) - 1), size + 1,
                                       size + 1, fill=False, edgecolor="red", linewidth=1.2))
        ax.set_title(title, fontsize=7)
        ax.set_xticks([])
        ax.set_yticks(NB.tile_centres(rows, size, gap),
                      NB.CLASS_NAMES if ax is axes[0, 0] else [], fontsize=6)
        ax.tick_params(length=0)
    fig.tight_layout()
    fig.savefig(path, dpi=150)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--paths", nargs="+", choices=("bfloat16", "float32"),
                        default=["bfloat16", "float32"])
    parser.add_argument("--keep", type=Path, help="folder to save and reuse trained models")
    parser.add_argument("--sheet", type=Path, default=ROOT / "benchmarks" / "grid_seeds.png",
                        help="contact sheet of every model's (d) grid (PNG)")
    add_colab_cpu_option(parser)
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    args = parser.parse_args()
    if args.colab_cpu:
        if args.paths != ["float32"]:
            parser.error("--colab-cpu runs the float32 path only: add --paths float32")
        restart_as_colab_cpu()
    cpu = torch.device("cpu")
    if "bfloat16" in args.paths and not NB.native_bf16(cpu):
        parser.error("this CPU has no native bfloat16: use --paths float32")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    data = NB.load_fashion_mnist(args.data_dir, cpu)
    judge_models = {name: judges.trained_judge(name, data) for name in judges.JUDGES}
    print(f"{describe_cpu()}; default recipe: {NB.EPOCHS} epochs, batch {NB.BATCH_SIZE}, "
          f"peak {NB.LEARNING_RATE}\n")
    print(f"{'path':9s} {'seed':>4s} {'held-out':>8s}  "
          + "  ".join(f"{name.upper() + ' (d) grid, (c) manifold':37s}" for name in judge_models)
          + "  variety  rows>=0.08  lowest row    gap")
    misreadings, grids, passes = [], [], []
    for path in args.paths:
        for seed in args.seeds:
            model, test_loss = trained_model(data, seed, path == "bfloat16", args.keep)
            parts, variety, gap, wrong, images, misread, record = judge_line(
                data, judge_models, model, seed)
            print(f"{path:9s} {seed:4d} {test_loss:8.2f}  " + "  ".join(f"{p:37s}" for p in parts)
                  + f"  {variety[0]:7.3f}  {variety[1]:9d}  {variety[2]:10.3f}  {gap:.3f}",
                  flush=True)
            misreadings += [f"{path} seed {seed}: {w}" for w in wrong]
            grids.append((f"{path} seed {seed}\nvariety {variety[0]:.3f}", images, misread))
            widened = [name for name, (_, wide) in zip(NB.CLASS_NAMES, record) if wide]
            passes.append(f"{path:9s} {seed:4d}  " + " ".join(f"{best:.2f}" for best, _ in record)
                          + "  " + (", ".join(widened) or "none"))
    print("\nmisread: " + ("; ".join(misreadings) if misreadings else "none"))
    print("\nbest score s_c per category (in CLASS_NAMES order), and the categories whose bar the "
          "second pass (near-copies) widened:\n" + "\n".join(passes))
    contact_sheet(grids, args.sheet)
    print(f"contact sheet: {args.sheet}")


if __name__ == "__main__":
    main()
