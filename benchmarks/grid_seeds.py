"""How the per-class grid (d) fares across trained models: the quality test's bar, per seed.

For each seed, trains the notebook's default model with its own `train_vae` (default recipe,
the arithmetic `--precision` picks), draws the latent codes and the per-class grid with its own
`sample_latents` and `class_latents`, exactly as the notebook does, and asks the two classifiers
of tests/test_quality.py (an MLP and a small CNN, trained on the real training images) to label
the 50 images. Prints the held-out loss, how many images each classifier recognises, and the
misreadings. The quality test asks for at least 49 of 50 from each.

Usage: python benchmarks/grid_seeds.py SEED [SEED ...] [--precision auto|float32] [--threads T]
"""
import argparse

# first: it quiets train_vae's progress bar before tqdm is imported, and puts tests/ on the path
from train_speed import NB, ROOT
import test_quality
import torch


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", nargs="+", type=int)
    parser.add_argument("--precision", choices=("auto", "float32"), default="auto")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cpu = torch.device("cpu")
    bf16 = args.precision == "auto" and NB.native_bf16(cpu)
    data = NB.load_fashion_mnist(args.data_dir, cpu)
    classifiers = {name.upper(): test_quality.trained_classifier(name, data)
                   for name in test_quality.CLASSIFIERS}
    names = NB.CLASS_NAMES
    print(f"PyTorch {torch.__version__}, {'bfloat16 autocast' if bf16 else 'float32'}, "
          f"{torch.get_num_threads()} thread(s), {NB.EPOCHS} epochs\n")
    for seed in args.seeds:
        model, history = NB.train_vae(data, NB.EPOCHS, NB.BATCH_SIZE, NB.LEARNING_RATE,
                                      NB.RECON_LOSS, seed, cpu, bf16=bf16)
        noise = torch.Generator().manual_seed(seed)
        z = NB.sample_latents(model, data["train_x"], noise).numpy()
        _, images = NB.class_latents(model, z, data["train_y"].numpy(), NB.SAMPLES_PER_CLASS)
        report = []
        for name, classifier in classifiers.items():
            labels = test_quality.predict(classifier, images).reshape(len(names), -1)
            wrong = [f"{names[row]} as {names[label]}" for row, row_labels in enumerate(labels)
                     for label in row_labels if label != row]
            verdict = f"{name} {labels.size - len(wrong)}/{labels.size}"
            report.append(verdict + (f" ({', '.join(wrong)})" if wrong else ""))
        print(f"seed {seed}: held-out {history[-1]['test_loss']:.2f}; " + "; ".join(report),
              flush=True)


if __name__ == "__main__":
    main()
