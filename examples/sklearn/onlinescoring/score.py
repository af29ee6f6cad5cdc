"""Scoring script for the scikit-learn example, written to the Azure ML entry-script contract.

init() runs once when the deployment starts; run(raw_data) runs per request with the request body as a
string and returns something JSON-serializable. The same file runs unchanged on a managed online
endpoint, under azmlinfsrv, and on this project's local target.
"""

import json
import logging
import os

import joblib
import numpy

model = None


def init():
    global model
    # Azure ML sets AZUREML_MODEL_DIR to the registered model version's folder
    # (azureml-models/<model name>/<version>); the folder registered as ./model/ sits inside it as model/.
    model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "sklearn_regression_model.pkl")
    model = joblib.load(model_path)
    logging.info("loaded %s", model_path)


def run(raw_data):
    # Expects {"data": [[10 numbers], ...]}; a missing key or a bad shape raises, which the server turns
    # into an HTTP 500 carrying the message.
    rows = numpy.array(json.loads(raw_data)["data"])
    predictions = model.predict(rows)
    logging.info("scored %d rows", len(rows))
    return predictions.tolist()
