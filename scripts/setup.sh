#!/usr/bin/env bash
# Set up the project: a virtual environment in $VENV with requirements-dev.txt and FashionMNIST in
# $DATA_DIR; with the argument `pdf`, also the PDF tool chain (LaTeX, pandoc, pdftoppm), which
# only `make pdf`, `make submission` and `make test` need. Never installs into the Python that
# runs it. Safe to run again: every step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
DATA_DIR=${DATA_DIR:-data}
MIN_PYTHON=3.10
STAMP="$VENV/.requirements-installed"

log() { echo "[setup] $*"; }
die() { echo "[setup] ERROR: $*" >&2; exit 1; }

apt_install() {  # apt_install PACKAGE...: install Debian packages when apt-get is available
  command -v apt-get >/dev/null || return 1
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ -z "${APT_UPDATED:-}" ]; then $sudo apt-get update -qq && APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# 1. The virtual environment, created once with $PYTHON (which gets nothing installed) and reused.
if [ ! -x "$VENV/bin/python" ]; then
  command -v "$PYTHON" >/dev/null || die "no '$PYTHON' on PATH: install Python $MIN_PYTHON or newer."
  version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  [ "$(printf '%s\n' "$MIN_PYTHON" "$version" | sort -V | head -1)" = "$MIN_PYTHON" ] ||
    die "Python $MIN_PYTHON or newer is needed; $PYTHON is Python $version."
  log "creating the virtual environment $VENV with $PYTHON (Python $version)"
  # What the starting interpreter has installed, to check later that set-up left it alone.
  snapshot=$("$PYTHON" scripts/site_packages.py)
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    log "the venv module is missing (Debian/Ubuntu ship it separately): installing python$version-venv"
    apt_install "python$version-venv" ||
      die "'$PYTHON -m venv' fails and apt-get cannot install python$version-venv; install it, then run again."
    "$PYTHON" -m venv "$VENV"
  fi
  printf '%s\n' "$snapshot" > "$VENV/system-site-packages.txt"
fi
VPY="$VENV/bin/python"

# 2. The packages, installed again only when the requirements change.
wanted=$(cat requirements.txt requirements-dev.txt | cksum)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ]; then
  log "Python packages up to date in $VENV"
else
  log "installing requirements-dev.txt into $VENV"
  "$VPY" -m pip install --quiet --disable-pip-version-check --no-cache-dir -r requirements-dev.txt
  echo "$wanted" > "$STAMP"
fi

# 3. FashionMNIST: downloaded by the notebook's own code (MD5-checked); offline, from Debian's
# dataset-fashion-mnist package through the same code.
fetch() {  # fetch [MIRROR]: put FashionMNIST in $DATA_DIR with the notebook's downloader
  "$VPY" - "$DATA_DIR" "$@" <<'PY'
import sys
sys.path.insert(0, "scripts")
from notebook_code import load_notebook_module
nb = load_notebook_module()
mirrors = tuple(sys.argv[2:]) or nb.MIRRORS
try:
    nb.download_fashion_mnist(sys.argv[1], mirrors)
except RuntimeError as err:
    sys.exit(f"[setup] {err}")
PY
}
DEBIAN_DIR=/usr/share/datasets/fashion-mnist
if [ -d "$DEBIAN_DIR" ]; then
  fetch "file://$DEBIAN_DIR/"
elif ! fetch; then
  log "trying Debian's dataset-fashion-mnist package instead"
  apt_install dataset-fashion-mnist ||
    die "FashionMNIST could not be downloaded nor installed with apt-get (see above)."
  fetch "file://$DEBIAN_DIR/"
fi

# 4. With `pdf`: the PDF tool chain (LaTeX, pandoc, pdftoppm).
[ "${1:-}" = pdf ] || exit 0
if command -v xelatex >/dev/null && command -v pandoc >/dev/null && command -v pdftoppm >/dev/null; then
  log "PDF tools already installed"
elif apt_install texlive-xetex texlive-fonts-recommended texlive-plain-generic pandoc poppler-utils; then
  log "PDF tools installed (xelatex, pandoc, pdftoppm)"
elif [ "$(uname)" = Darwin ]; then
  die "the PDF needs xelatex, pandoc and pdftoppm: brew install --cask mactex-no-gui && brew install pandoc poppler"
else
  die "the PDF needs xelatex, pandoc and pdftoppm; install them with your package manager"
fi
