"""Robustness: clear errors for bad parameters and data, finite training, reproducibility."""
import gzip
import hashlib
import http.server
import json
import math
import shutil
import socket
import threading
import time

import papermill
import pytest
import torch
from conftest import NOTEBOOK, Run, execute_notebook, raw_folder

GOOD = {"EPOCHS": 2, "BATCH_SIZE": 256, "LEARNING_RATE": 1e-3, "SEED": 0,
        "RECON_LOSS": "bce"}


def parameters(tmp_path, **changes):
    """GOOD with OUTPUT_DIR in `tmp_path`, and `changes`."""
    return {**GOOD, "OUTPUT_DIR": str(tmp_path / "outputs"), **changes}


# --- bad parameters --------------------------------------------------------------------------

@pytest.mark.parametrize("name, value, accepted", [
    ("EPOCHS", 0, "positive integer"), ("EPOCHS", -3, "positive integer"),
    ("EPOCHS", 2.5, "positive integer"), ("EPOCHS", True, "positive integer"),
    ("BATCH_SIZE", 0, "positive integer"), ("BATCH_SIZE", "64", "positive integer"),
    ("LEARNING_RATE", 0.0, "finite number greater than 0"),
    ("LEARNING_RATE", -1e-3, "finite number greater than 0"),
    ("LEARNING_RATE", math.inf, "finite number greater than 0"),
    ("LEARNING_RATE", math.nan, "finite number greater than 0"),
    ("LEARNING_RATE", "1e-3", "finite number greater than 0"),
    ("SEED", 1.5, "an integer"), ("SEED", "0", "an integer"),
    ("RECON_LOSS", "l1", '"bce" or "mse"'), ("RECON_LOSS", "BCE", '"bce" or "mse"'),
])
def test_each_bad_parameter_is_named_with_what_is_accepted(nb, tmp_path, name, value,
                                                           accepted):
    with pytest.raises(ValueError) as err:
        nb.validate_parameters(parameters(tmp_path, **{name: value}))
    assert f"{name} = {value!r}" in str(err.value) and accepted in str(err.value)


def test_every_parameter_of_the_parameters_cell_is_checked(nb, tmp_path):
    """Each parameter but DATA_DIR (made by the download) is checked: a value that no
    parameter accepts is rejected, naming it."""
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    source = "".join(next(c["source"] for c in cells
                          if "parameters" in c["metadata"].get("tags", [])))
    names = {line.split("=")[0].strip() for line in source.splitlines() if "=" in line}
    assert names - {"DATA_DIR", "OUTPUT_DIR"} == set(GOOD)
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    for name in names - {"DATA_DIR"}:
        bad = str(blocker / "outputs") if name == "OUTPUT_DIR" else -1.5
        with pytest.raises(ValueError, match=f"^{name} = "):
            nb.validate_parameters(parameters(tmp_path, **{name: bad}))


def test_an_unwritable_output_dir_is_rejected(nb, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    with pytest.raises(ValueError, match="OUTPUT_DIR .* folder that can be created"):
        nb.validate_parameters(parameters(tmp_path, OUTPUT_DIR=str(blocker / "outputs")))


def test_good_parameters_create_the_output_dir(nb, tmp_path):
    out = tmp_path / "new" / "outputs"
    nb.validate_parameters(parameters(tmp_path, OUTPUT_DIR=str(out)))
    assert out.is_dir() and list(out.iterdir()) == []


def test_the_notebook_stops_on_a_bad_parameter_before_loading_data(tmp_path):
    empty = tmp_path / "no_data_here"
    start = time.perf_counter()
    with pytest.raises(papermill.PapermillExecutionError) as err:
        execute_notebook(tmp_path, BATCH_SIZE=0, DATA_DIR=str(empty))
    assert time.perf_counter() - start < 60
    assert err.value.ename == "ValueError" and "BATCH_SIZE" in err.value.evalue
    assert not empty.exists(), "the data loader must not have run"


# --- downloading, missing and corrupt data ----------------------------------------------------

@pytest.fixture
def offline(nb, monkeypatch):
    """Make every download attempt fail as it does on a machine with no network."""
    def refuse(*args, **kwargs):
        raise OSError("network is unreachable (test)")
    monkeypatch.setattr("socket.socket.connect", refuse)
    monkeypatch.setattr("socket.create_connection", refuse)


def test_missing_data_and_no_network_fails_fast_with_instructions(nb, tmp_path, offline):
    raw = raw_folder(tmp_path)
    start = time.perf_counter()
    with pytest.raises(RuntimeError) as err:
        nb.download_fashion_mnist(raw.parents[1])
    message = str(err.value)
    assert time.perf_counter() - start < 30
    assert "FashionMNIST" in message and str(raw) in message and "internet" in message
    assert all(mirror in message for mirror in nb.MIRRORS)
    assert not raw.exists() or not any(raw.iterdir())


@pytest.fixture(scope="module")
def gz_files(nb, data_dir):
    """The four files gzipped, as a mirror serves them."""
    raw = raw_folder(data_dir)
    return {f"/{name}.gz": gzip.compress((raw / name).read_bytes(), compresslevel=1)
            for name in nb.RAW_MD5}


def serve(handler):
    """Start a local HTTP server with `handler`; return its base URL and the server."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


def mirror_of(files):
    """A handler class that serves `files` ({path: bytes}) and 404 for anything else."""
    class Mirror(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path not in files:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(files[self.path])))
            self.end_headers()
            self.wfile.write(files[self.path])

        def log_message(self, *args):
            pass
    return Mirror


class Stalled(http.server.BaseHTTPRequestHandler):
    """Accepts the connection, then never answers."""

    def do_GET(self):
        time.sleep(20)

    def log_message(self, *args):
        pass


def dead_mirror():
    """The URL of a local port that nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


def assert_verified(nb, raw):
    for name, md5 in nb.RAW_MD5.items():
        assert hashlib.md5((raw / name).read_bytes()).hexdigest() == md5, name
    assert sorted(p.name for p in raw.iterdir()) == sorted(nb.RAW_MD5)


@pytest.mark.parametrize("first", ["dead", "stalled", "wrong bytes"])
def test_a_failing_first_mirror_falls_back_to_the_second(nb, tmp_path, gz_files, first, capsys):
    bad, bad_server = {"dead": (dead_mirror(), None), "stalled": serve(Stalled),
                       "wrong bytes": serve(mirror_of({p: gzip.compress(b"not the data")
                                                       for p in gz_files}))}[first]
    good, good_server = serve(mirror_of(gz_files))
    raw = raw_folder(tmp_path)
    start = time.perf_counter()
    try:
        nb.download_fashion_mnist(raw.parents[1], mirrors=(bad, good), timeout=1)
    finally:
        for server in (bad_server, good_server):
            if server:
                server.shutdown()
    assert time.perf_counter() - start < 20
    assert_verified(nb, raw)
    printed = capsys.readouterr().out
    assert printed.count(f"from {good}") == 4 and "MD5 verified" in printed
    assert printed.isascii(), "the progress lines must print in the PDF's fonts"


def test_a_mirror_serving_wrong_bytes_is_rejected_and_leaves_no_damaged_file(
        nb, tmp_path, gz_files):
    corrupt = dict(gz_files)
    path = "/train-images-idx3-ubyte.gz"
    corrupt[path] = gzip.compress(gzip.decompress(gz_files[path])[::-1])  # right size, wrong bytes
    url, server = serve(mirror_of(corrupt))
    raw = raw_folder(tmp_path)
    try:
        with pytest.raises(RuntimeError) as err:
            nb.download_fashion_mnist(raw.parents[1], mirrors=(url,), timeout=1)
    finally:
        server.shutdown()
    assert "train-images-idx3-ubyte" in str(err.value) and "MD5" in str(err.value)
    # nothing unverified was written: no damaged file, no partial download
    assert not (raw / "train-images-idx3-ubyte").exists()
    for path in raw.iterdir() if raw.exists() else []:
        assert hashlib.md5(path.read_bytes()).hexdigest() == nb.RAW_MD5[path.name]


@pytest.mark.parametrize("damage", ["truncated", "wrong_header"])
def test_damaged_files_are_fetched_again_or_named(nb, tmp_path, data_dir, gz_files, damage):
    raw = raw_folder(tmp_path)
    raw.mkdir(parents=True)
    for name in nb.RAW_MD5:
        shutil.copy(raw_folder(data_dir) / name, raw / name)
    images = raw / "train-images-idx3-ubyte"
    content = images.read_bytes()
    images.write_bytes(content[:len(content) // 2] if damage == "truncated"
                       else b"\x00\x00\x00\x00" + content[4:])
    with pytest.raises(RuntimeError, match="train-images-idx3-ubyte is missing .* damaged"):
        nb.download_fashion_mnist(raw.parents[1], mirrors=(dead_mirror(),), timeout=1)
    url, server = serve(mirror_of(gz_files))
    try:
        nb.download_fashion_mnist(raw.parents[1], mirrors=(url,), timeout=1)
    finally:
        server.shutdown()
    assert_verified(nb, raw)


# --- numerical safety ------------------------------------------------------------------------

# the BCE runs at about twice the default peak learning rate
@pytest.mark.parametrize("recon_loss, lr", [("bce", 2.5e-2), ("mse", 1e-2), ("mse", 1e-3)])
def test_training_stays_finite(nb, data, recon_loss, lr):
    _, history = nb.train_vae(data, 2, nb.BATCH_SIZE, lr, recon_loss, 0)
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
        nb.train_vae(data, 3, batch_size, 1e-3, "bce", seed)


# --- reproducibility -------------------------------------------------------------------------

def artifact_digests(outputs):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(outputs.iterdir()) if p.suffix in (".png", ".npz")}


def losses(history):
    return [{k: v for k, v in h.items() if k != "seconds"} for h in history]


@pytest.mark.slow
def test_two_executions_give_identical_results(tmp_path, short_run):
    again = Run(tmp_path, execute_notebook(tmp_path, EPOCHS=3))
    assert losses(again.history) == losses(short_run.history)
    assert artifact_digests(again.outputs) == artifact_digests(short_run.outputs)
    model_a = torch.load(short_run.outputs / "vae.pt", weights_only=True)
    model_b = torch.load(again.outputs / "vae.pt", weights_only=True)
    assert all(torch.equal(model_a[k], model_b[k]) for k in model_a)


@pytest.mark.slow
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
    model, history = nb.train_vae(data, 2, 256, 2e-3, "bce", 0)
    assert next(model.parameters()).is_cuda
    assert history[-1]["test_loss"] < history[0]["test_loss"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine")
def test_a_training_step_on_cuda_never_waits_for_the_gpu(nb):
    """The loss, its gradients and the update are queued without one synchronising call."""
    torch.manual_seed(0)
    model = nb.VAE().cuda()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    x = torch.rand(64, 784, device="cuda")
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        recon, kl = nb.vae_loss(model, x, "bce")
        ((recon + kl) / len(x)).backward()
        optimizer.step()
    finally:
        torch.cuda.set_sync_debug_mode("default")


def test_device_is_cuda_when_present_else_the_cpu(monkeypatch):
    """The notebook's own DEVICE statement, evaluated with and without a CUDA GPU."""
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    statement = next(line for c in cells if c["cell_type"] == "code"
                     for line in "".join(c["source"]).splitlines()
                     if line.startswith("DEVICE = "))
    for available, expected in ((False, "cpu"), (True, "cuda")):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: available)
        scope = {"torch": torch}
        exec(statement, scope)
        assert scope["DEVICE"].type == expected
