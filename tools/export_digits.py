"""Export scikit-learn's bundled copy of the UCI 8x8 digits to examples/data/digits.csv.

Run once: python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install scikit-learn
          /tmp/skvenv/bin/python tools/export_digits.py
"""
from sklearn.datasets import load_digits

d = load_digits()
with open("examples/data/digits.csv", "w") as f:
    for x, y in zip(d.data, d.target):
        f.write(",".join(str(int(v)) for v in x) + "," + str(int(y)) + "\n")
