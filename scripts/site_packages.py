"""Print what this interpreter has installed: its path, then each site-packages folder and its
entries. scripts/setup.sh records it before it builds the environment, and the tests compare it
again later, to check that set-up never installed anything into the Python that started it."""
import os
import site
import sys

print(sys.executable)
for folder in site.getsitepackages() + [site.getusersitepackages()]:
    entries = sorted(os.listdir(folder)) if os.path.isdir(folder) else ["(absent)"]
    print(folder, *entries)
