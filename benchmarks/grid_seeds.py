"""(c) and (d) across trained models: the quality tests' bar, per arithmetic path and seed.

For each path (bfloat16 autocast where this CPU has it natively, and float32) and each seed,
trains the notebook's default model with its own `train_vae`, then draws (c) and (d) exactly as
its cells do (`sample_latents`, `quantile_grid`, `train_classifier`, `class_latents`), and asks
the two judges of scripts/judges.py (an MLP and a small CNN, trained on the real training images)
to label the images. Prints one line per model: the held-out loss, how many of the 50 per-class
images each judge recognises (and the fewest in one row), how many categories each finds in the
manifold (and how many tiles show the rarest), how much a row's images differ (the mean absolute
pixel difference of two images of a row, and the smallest largest-pixel difference of two images
of one row), and the misreadings.
The quality test asks, of the default run, at least 49 of 50 and 4 of every row from each judge,
all ten categories in the manifold, and every two images of a row differing by more than 0.05 in
some pixel.

`--keep DIR` saves each trained model in DIR and reuses it on the next run (to judge a changed
(d) rule without training again).

Usage: python benchmarks/grid_seeds.py [--seeds 0 1 2 3 4] [--paths bfloat16 float32]
                                       [--keep DIR] [--data-dir data]
"""
import argparse
from pathlib import Path

from common import ROOT, load_notebook  # first: it turns progress bars off
import judges
import numpy as np
import torch

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


def judge_line(data, judge_models, model, seed):
    """The figures of one model: (d) per judge, (c) per judge, row variety, misreadings."""
    z = NB.sample_latents(model, data["train_x"], torch.Generator().manual_seed(seed)).numpy()
    labels = data["train_y"].numpy()
    classifiers = [NB.train_classifier(data, seed + i) for i in range(NB.N_CLASSIFIERS)]
    _, _, images = NB.class_latents(model, classifiers, z, labels, NB.SAMPLES_PER_CLASS)
    manifold = NB.decode(model, NB.quantile_grid(z, NB.GRID_SIZE, NB.MANIFOLD_COVERAGE)).numpy()
    k = images.shape[1]
    variety = NB.within_row_difference(images)
    gap = min(NB.smallest_gap(row) for row in images)
    parts, wrong = [], []
    for name, judge in judge_models.items():
        read = judges.predict(judge, images).reshape(len(images), k)
        right = read == np.arange(len(images))[:, None]
        tiles = np.bincount(judges.predict(judge, manifold), minlength=len(NB.CLASS_NAMES))
        parts.append(f"{right.sum():2d}/{right.size} (row min {right.sum(axis=1).min()})  "
                     f"{(tiles > 0).sum():2d}/10 (min {tiles.min()})")
        wrong += [f"{name}: {NB.CLASS_NAMES[row]} as {NB.CLASS_NAMES[label]}"
                  for row, row_labels in enumerate(read) for label in row_labels if label != row]
    return parts, variety, gap, wrong


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--paths", nargs="+", choices=("bfloat16", "float32"),
                        default=["bfloat16", "float32"])
    parser.add_argument("--keep", type=Path, help="folder to save and reuse trained models")
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    args = parser.parse_args()
    cpu = torch.device("cpu")
    if "bfloat16" in args.paths and not NB.native_bf16(cpu):
        parser.error("this CPU has no native bfloat16: use --paths float32")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    data = NB.load_fashion_mnist(args.data_dir, cpu)
    judge_models = {name: judges.trained_judge(name, data) for name in judges.JUDGES}
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s); default recipe: "
          f"{NB.EPOCHS} epochs, batch {NB.BATCH_SIZE}, peak {NB.LEARNING_RATE}\n")
    print(f"{'path':9s} {'seed':>4s} {'held-out':>8s}  "
          + "  ".join(f"{name.upper() + ' (d) grid, (c) manifold':37s}" for name in judge_models)
          + "  variety  gap")
    misread = []
    for path in args.paths:
        for seed in args.seeds:
            model, test_loss = trained_model(data, seed, path == "bfloat16", args.keep)
            parts, variety, gap, wrong = judge_line(data, judge_models, model, seed)
            print(f"{path:9s} {seed:4d} {test_loss:8.2f}  " + "  ".join(f"{p:37s}" for p in parts)
                  + f"  {variety:.3f}  {gap:.3f}", flush=True)
            misread += [f"{path} seed {seed}: {w}" for w in wrong]
    print("\nmisread: " + ("; ".join(misread) if misread else "none"))


if __name__ == "__main__":
    main()
