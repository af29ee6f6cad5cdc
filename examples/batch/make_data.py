"""Writes the example's input files and what the model predicts for them (scikit-learn and joblib needed;
on Debian/Ubuntu: apt-get install python3-sklearn python3-joblib, then /usr/bin/python3 make_data.py).

- data/part-1.csv, part-2.csv, part-3.csv  rows of scikit-learn's bundled diabetes data set (ten features)
- expected-predictions.csv               `file,row,prediction` as code/score.py writes them, computed by the
                                         model itself (row order does not matter: batch jobs append as
                                         mini-batches finish)
"""

import csv
import os

import joblib
from sklearn.datasets import load_diabetes

HERE = os.path.dirname(os.path.abspath(__file__))
COLUMNS = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
PARTS = {"part-1.csv": range(0, 5), "part-2.csv": range(5, 9), "part-3.csv": range(9, 12)}


def main():
    features, _ = load_diabetes(return_X_y=True)
    model = joblib.load(os.path.join(HERE, "model", "sklearn_regression_model.pkl"))
    expected = []
    for name, rows in PARTS.items():
        data = features[list(rows)]
        with open(os.path.join(HERE, "data", name), "w", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(COLUMNS)
            for row in data:
                writer.writerow(["%r" % float(v) for v in row])
        # Read back as the scoring script reads it, so the numbers are exactly the ones it scores.
        with open(os.path.join(HERE, "data", name), newline="") as f:
            parsed = [[float(v) for v in row] for row in list(csv.reader(f))[1:]]
        for i, prediction in enumerate(model.predict(parsed)):
            expected.append("%s,%d,%r" % (name, i, float(prediction)))
    with open(os.path.join(HERE, "expected-predictions.csv"), "w") as f:
        f.write("".join(line + "\n" for line in expected))
    print("wrote data/%s and expected-predictions.csv (%d rows)" % (", data/".join(PARTS), len(expected)))


if __name__ == "__main__":
    main()
