#!/usr/bin/env bash
# Set up a fresh machine: Python packages, FashionMNIST in DATA_DIR, and the PDF tool chain.
# Safe to run again: every step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
DATA_DIR=${DATA_DIR:-data}
RAW="$DATA_DIR/FashionMNIST/raw"
FILES="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"
DEBIAN_DIR=/usr/share/datasets/fashion-mnist

log() { echo "[setup] $*"; }

apt_install() {  # apt_install PACKAGE...: install Debian packages when apt-get is available
  command -v apt-get >/dev/null || return 1
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ -z "${APT_UPDATED:-}" ]; then $sudo apt-get update -qq && APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

have_data() {
  for f in $FILES; do [ -s "$RAW/$f" ] || return 1; done
}

log "Python packages (requirements-dev.txt)"
PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install --quiet --disable-pip-version-check \
  -r requirements-dev.txt

if have_data; then
  log "FashionMNIST already in $RAW"
else
  log "FashionMNIST: downloading into $DATA_DIR (with the notebook's own loader)"
  if ! "$PYTHON" - "$DATA_DIR" <<'PY'
import sys
sys.path.insert(0, "tests")
from notebook_code import load_notebook_module
nb = load_notebook_module()
try:
    nb.load_fashion_mnist(sys.argv[1], nb.torch.device("cpu"))
except RuntimeError as err:
    sys.exit(f"[setup] {err}")
PY
  then
    log "trying Debian's dataset-fashion-mnist package instead"
    [ -d "$DEBIAN_DIR" ] || apt_install dataset-fashion-mnist || true
    if [ -d "$DEBIAN_DIR" ]; then
      mkdir -p "$RAW"
      for f in $FILES; do gzip -dc "$DEBIAN_DIR/$f.gz" > "$RAW/$f"; done
    fi
  fi
  if ! have_data; then
    echo "[setup] ERROR: FashionMNIST could not be downloaded, and Debian's dataset-fashion-mnist" >&2
    echo "        package is not available. Put the four files ($FILES)," >&2
    echo "        gunzipped, into $RAW and run this again." >&2
    exit 1
  fi
  log "FashionMNIST ready in $RAW"
fi

if command -v xelatex >/dev/null && command -v pandoc >/dev/null && command -v pdftoppm >/dev/null; then
  log "PDF tools already installed"
elif apt_install texlive-xetex texlive-fonts-recommended texlive-plain-generic pandoc poppler-utils; then
  log "PDF tools installed (xelatex, pandoc, pdftoppm)"
else
  log "WARNING: could not install xelatex/pandoc (no apt-get); 'make pdf' needs them" >&2
fi
