"""End to end: the notebook re-executed headless, a few epochs, as a grader would run it."""
import numpy as np
import torch
from conftest import ARTIFACTS


def displayed_images(notebook):
    return [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
            if "image/png" in o.get("data", {})]


def test_the_notebook_runs_to_the_end_and_shows_every_figure(short_run):
    code = [c for c in short_run.notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    assert len(displayed_images(short_run.notebook)) == 4  # (a), (b), (c), (d)
    text = "".join(o.get("text", "") for c in code for o in c.outputs)
    assert "3 epochs in" in text and "The chosen z" in text
    assert text.count("|") >= 40  # (d)'s values: four separators in each of ten rows


def test_every_artifact_is_written(short_run):
    for name in ARTIFACTS:
        assert (short_run.outputs / name).stat().st_size > 0, name


def test_history_has_one_complete_record_per_epoch(short_run):
    keys = {"epoch", "train_loss", "train_recon", "train_kl", "test_loss", "test_recon",
            "test_kl", "seconds"}
    assert [h["epoch"] for h in short_run.history] == [1, 2, 3]
    for h in short_run.history:
        assert set(h) == keys
        assert h["train_kl"] > 0 and h["test_kl"] > 0 and h["seconds"] > 0
    # that the figures are the model's losses is checked on the default run (test_quality.py)


def test_held_out_loss_falls_during_training(short_run):
    losses = [h["test_loss"] for h in short_run.history]
    assert losses[-1] < losses[0]


def test_latent_scatter_arrays(short_run):
    arrays = np.load(short_run.outputs / "latent_scatter.npz")
    assert arrays["z"].shape == (5000, 2) and np.isfinite(arrays["z"]).all()
    assert arrays["labels"].shape == (5000,) and set(arrays["labels"]) == set(range(10))
    indices = arrays["indices"]
    assert indices.shape == (5000,) and len(set(indices)) == 5000
    assert indices.min() >= 0 and indices.max() < 60_000


def test_manifold_arrays_form_a_regular_grid(short_run):
    arrays = np.load(short_run.outputs / "manifold.npz")
    z, images = arrays["z"], arrays["images"]
    assert z.shape == (15, 15, 2) and images.shape == (15, 15, 28, 28)
    assert images.min() >= 0 and images.max() <= 1
    assert np.allclose(z[:, :, 0], z[0:1, :, 0]) and np.all(np.diff(z[0, :, 0]) > 0)
    assert np.allclose(z[:, :, 1], z[:, 0:1, 1]) and np.all(np.diff(z[:, 0, 1]) < 0)


def test_class_grid_arrays_hold_one_row_per_class(short_run):
    arrays = np.load(short_run.outputs / "class_grid.npz")
    assert arrays["z"].shape == (10, 5, 2) and arrays["images"].shape == (10, 5, 28, 28)
    assert arrays["images"].min() >= 0 and arrays["images"].max() <= 1
    for row in arrays["z"]:
        assert len({tuple(p) for p in row}) == 5, "the five samples of a row must differ"


def test_saved_model_reproduces_the_saved_images(short_run, nb):
    model = nb.VAE()
    model.load_state_dict(torch.load(short_run.outputs / "vae.pt", weights_only=True))
    arrays = np.load(short_run.outputs / "class_grid.npz")
    images = nb.decode(model.eval(), arrays["z"]).numpy()
    assert np.allclose(images, arrays["images"], atol=1e-5)
