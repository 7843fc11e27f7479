"""Robustness: clear errors for bad parameters and data, finite training, reproducibility."""
import hashlib
import http.server
import json
import math
import shutil
import threading
import time

import papermill
import pytest
import torch
from conftest import NOTEBOOK, Run, execute_notebook

GOOD = dict(epochs=2, batch_size=256, learning_rate=1e-3, seed=0, recon_loss="bce")


# --- bad parameters --------------------------------------------------------------------------

@pytest.mark.parametrize("name, value, accepted", [
    ("epochs", 0, "positive integer"), ("epochs", -3, "positive integer"),
    ("epochs", 2.5, "positive integer"), ("epochs", True, "positive integer"),
    ("batch_size", 0, "positive integer"), ("batch_size", "64", "positive integer"),
    ("learning_rate", 0.0, "finite number greater than 0"),
    ("learning_rate", -1e-3, "finite number greater than 0"),
    ("learning_rate", math.inf, "finite number greater than 0"),
    ("learning_rate", math.nan, "finite number greater than 0"),
    ("seed", 1.5, "an integer"), ("seed", "0", "an integer"),
    ("recon_loss", "l1", '"bce", "mse"'), ("recon_loss", "BCE", '"bce", "mse"'),
])
def test_each_bad_parameter_is_named_with_what_is_accepted(nb, tmp_path, name, value,
                                                           accepted):
    params = {**GOOD, name: value}
    with pytest.raises(ValueError) as err:
        nb.validate_parameters(output_dir=tmp_path, **params)
    assert name.upper() in str(err.value) and accepted in str(err.value)


def test_an_unwritable_output_dir_is_rejected(nb, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    with pytest.raises(ValueError, match="OUTPUT_DIR"):
        nb.validate_parameters(output_dir=blocker / "outputs", **GOOD)


def test_good_parameters_create_the_output_dir(nb, tmp_path):
    out = nb.validate_parameters(output_dir=tmp_path / "new" / "outputs", **GOOD)
    assert out.is_dir() and list(out.iterdir()) == []


def test_the_notebook_stops_on_a_bad_parameter_before_loading_data(tmp_path):
    empty = tmp_path / "no_data_here"
    start = time.perf_counter()
    with pytest.raises(papermill.PapermillExecutionError) as err:
        execute_notebook(tmp_path, BATCH_SIZE=0, DATA_DIR=str(empty))
    assert time.perf_counter() - start < 60
    assert err.value.ename == "ValueError" and "BATCH_SIZE" in err.value.evalue
    assert not empty.exists(), "the data loader must not have run"


# --- missing and corrupt data ------------------------------------------------------------------

@pytest.fixture
def offline(nb, monkeypatch):
    """Make every download attempt fail as it does on a machine with no network."""
    def refuse(*args, **kwargs):
        raise OSError("network is unreachable (test)")
    monkeypatch.setattr("socket.socket.connect", refuse)
    monkeypatch.setattr("socket.create_connection", refuse)


def test_missing_data_and_no_network_fails_fast_with_instructions(nb, tmp_path, offline):
    start = time.perf_counter()
    with pytest.raises(RuntimeError) as err:
        nb.load_fashion_mnist(tmp_path, torch.device("cpu"))
    message = str(err.value)
    assert time.perf_counter() - start < 30
    assert "FashionMNIST" in message and str(tmp_path / "FashionMNIST" / "raw") in message
    assert "train-images-idx3-ubyte" in message and "internet" in message


class SilentHandler(http.server.BaseHTTPRequestHandler):
    """Accepts the connection, then never answers: a stalled network."""

    def do_GET(self):
        time.sleep(20)

    def log_message(self, *args):
        pass


def test_a_stalled_download_times_out_instead_of_hanging(nb, tmp_path, monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SilentHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    mirror = f"http://127.0.0.1:{server.server_address[1]}/"
    monkeypatch.setattr(nb.torchvision.datasets.FashionMNIST, "mirrors", [mirror])
    monkeypatch.setattr(nb, "DOWNLOAD_TIMEOUT_S", 1)
    start = time.perf_counter()
    try:
        with pytest.raises(RuntimeError, match="could not be downloaded"):
            nb.load_split(tmp_path, train=True)
    finally:
        server.shutdown()
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize("damage", ["truncated", "wrong_header"])
def test_corrupt_files_give_a_clear_error(nb, tmp_path, data_dir, damage):
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name in nb.RAW_FILES:
        shutil.copy(data_dir / "FashionMNIST" / "raw" / name, raw / name)
    images = raw / "train-images-idx3-ubyte"
    content = images.read_bytes()
    images.write_bytes(content[:len(content) // 2] if damage == "truncated"
                       else b"\x00\x00\x00\x00" + content[4:])
    with pytest.raises(RuntimeError, match="corrupt or truncated"):
        nb.load_split(tmp_path, train=True)


def test_the_notebook_reports_missing_data_clearly(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError) as err:
        execute_notebook(tmp_path, DATA_DIR=str(tmp_path / "empty"))
    assert err.value.ename == "RuntimeError"
    assert "FashionMNIST" in err.value.evalue and "empty" in err.value.evalue


# --- numerical safety ------------------------------------------------------------------------

@pytest.mark.parametrize("recon_loss, lr", [("bce", 1e-2), ("mse", 1e-2), ("mse", 1e-3)])
def test_training_stays_finite(nb, data, recon_loss, lr):
    _, history = nb.train_vae(data, 2, nb.BATCH_SIZE, lr, recon_loss, 0, torch.device("cpu"))
    for record in history:
        assert all(math.isfinite(v) for v in record.values()), record
    assert history[-1]["test_loss"] < history[0]["test_loss"] * 1.05


def test_a_non_finite_loss_stops_training_naming_epoch_and_step(nb):
    n, batch_size, seed = 1024, 128, 3
    x = torch.rand(n, 784)
    # the image that the seeded shuffle puts first into step 5 of epoch 1
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    x[order[4 * batch_size]] = math.nan
    data = {"train_x": x, "train_y": torch.zeros(n, dtype=torch.long),
            "test_x": torch.rand(64, 784), "test_y": torch.zeros(64, dtype=torch.long)}
    with pytest.raises(FloatingPointError, match=r"epoch 1, step 5\b"):
        nb.train_vae(data, 3, batch_size, 1e-3, "bce", seed, torch.device("cpu"))


# --- reproducibility -------------------------------------------------------------------------

def artifact_digests(outputs):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(outputs.iterdir()) if p.suffix in (".png", ".npz")}


def losses(history):
    return [{k: v for k, v in h.items() if k != "seconds"} for h in history]


def test_two_executions_give_identical_results(tmp_path, short_run):
    again = Run(tmp_path, execute_notebook(tmp_path, EPOCHS=3))
    assert losses(again.history) == losses(short_run.history)
    assert artifact_digests(again.outputs) == artifact_digests(short_run.outputs)
    model_a = torch.load(short_run.outputs / "vae.pt", weights_only=True)
    model_b = torch.load(again.outputs / "vae.pt", weights_only=True)
    assert all(torch.equal(model_a[k], model_b[k]) for k in model_a)


def test_run_all_twice_in_one_kernel_gives_the_same_results(tmp_path, data_dir):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    params = nbformat.v4.new_code_cell(
        f"EPOCHS = 2\nDATA_DIR = {str(data_dir)!r}\nOUTPUT_DIR = {str(tmp_path / 'out')!r}")
    index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(index + 1, params)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={
        "metadata": {"path": str(NOTEBOOK.parent)}})
    results = []
    with client.setup_kernel():
        for _ in range(2):
            for i, cell in enumerate(nb.cells):
                client.execute_cell(cell, i)
            out = tmp_path / "out"
            history = json.loads((out / "history.json").read_text())
            results.append((losses(history), artifact_digests(out)))
    assert results[0] == results[1]


# --- portability -----------------------------------------------------------------------------

@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine")
def test_training_on_cuda_keeps_data_on_the_gpu(nb, data_dir):
    device = torch.device("cuda")
    data = nb.load_fashion_mnist(data_dir, device)
    assert all(t.is_cuda for t in data.values())
    model, history = nb.train_vae(data, 2, 256, 2e-3, "bce", 0, device)
    assert next(model.parameters()).is_cuda
    assert history[-1]["test_loss"] < history[0]["test_loss"]


@pytest.mark.skipif(not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()),
                    reason="no Apple MPS device on this machine")
def test_training_on_mps(nb, data_dir):
    device = torch.device("mps")
    data = nb.load_fashion_mnist(data_dir, device)
    _, history = nb.train_vae(data, 1, 256, 2e-3, "bce", 0, device)
    assert math.isfinite(history[-1]["test_loss"])


def test_device_is_chosen_cuda_then_mps_then_cpu(nb, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert nb.pick_device().type == "cpu"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert nb.pick_device().type == "mps"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert nb.pick_device().type == "cuda"
