"""Batch scoring script for the scikit-learn example, written to the Azure ML batch deployment contract.

init() runs once per worker before any mini-batch; run(mini_batch) gets a list of file paths (up to
mini_batch_size of them) and returns one item per line of the output file (predictions.csv). The same file runs
unchanged on an Azure ML batch endpoint and on this project's local target.

Each input file is a CSV with a header row and ten numeric features per row; each output line is
`file,row,prediction`.
"""

import csv
import logging
import os

import joblib
import numpy

model = None


def init():
    global model
    # AZUREML_MODEL_DIR is the registered model version's folder; the folder registered as ./model/ is inside it.
    model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "sklearn_regression_model.pkl")
    model = joblib.load(model_path)
    logging.info("loaded %s", model_path)


def run(mini_batch):
    results = []
    for path in mini_batch:
        with open(path, newline="") as f:
            rows = [row for row in csv.reader(f) if row]
        # A file that is not ten numbers per row raises here: the whole mini-batch is retried, then counted as failed.
        features = numpy.array([[float(value) for value in row] for row in rows[1:]])
        name = os.path.basename(path)
        for i, prediction in enumerate(model.predict(features)):
            results.append("%s,%d,%r" % (name, i, float(prediction)))
    logging.info("scored %d file(s), %d row(s)", len(mini_batch), len(results))
    return results
