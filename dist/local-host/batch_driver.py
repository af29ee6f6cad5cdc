"""Runs an Azure ML batch scoring script on this machine, with the batch deployment contract (stdlib only).

The contract, as Azure ML batch deployments run it:
- init() is called once per worker, before any mini-batch; AZUREML_MODEL_DIR is the registered model's folder.
- run(mini_batch) gets a list of file paths (up to mini_batch_size of them) and returns a list, an array or a
  pandas DataFrame. With output_action append_row every returned item is one line of output_file_name
  (default predictions.csv) in the output folder, AZUREML_BI_OUTPUT_PATH (a DataFrame row as CSV without a
  header, anything else as str()); summary_only writes no file. How many items a file yields is up to run().
- A run() that raises (or outlives retry_settings.timeout) is tried again up to retry_settings.max_retries
  times; then every file of that mini-batch counts as failed. When the failed files outnumber error_threshold
  the job fails; -1 ignores every failure.
- max_concurrency_per_instance workers score mini-batches at once (each has called init() itself).

No scoring script (--mlflow-model): an MLflow model is scored the way Azure ML's generated driver does it, each
file read as CSV and each prediction written as `row,prediction,file`.

Modes:
  batch_driver.py --entry score.py --check            import the script and call init() (deploy-model's check)
  batch_driver.py --entry score.py --input PATH --output-dir DIR [settings]     run a job over PATH
Progress and the result go to stdout as lines starting with `@@batch ` followed by JSON; everything else on
stdout and stderr is the script's own output. Exit code 0: Completed, 1: Failed, 2: bad arguments.
"""

import importlib.util
import json
import os
import signal
import sys
import time

# A job's overhead over a plain loop calling the script is the point of this file (bench/batch-local.mjs):
# argparse, logging and traceback load only when they are needed.

EVENT = "@@batch "
LOGGING_LEVEL = "info"


def emit(event, **fields):
    fields["event"] = event
    sys.stdout.write(EVENT + json.dumps(fields) + "\n")
    sys.stdout.flush()


class MiniBatchTimeout(Exception):
    pass


def format_exc():
    import traceback  # noqa: PLC0415 - only on failures

    return traceback.format_exc()


def configure_logging():
    """Log records of the script to stderr at logging_level, as on Azure; only when the script uses logging."""
    if "logging" not in sys.modules:
        return
    import logging  # noqa: PLC0415

    level = getattr(logging, str(LOGGING_LEVEL).upper(), logging.INFO)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def load_entry_script(entry):
    """The scoring script as a module, from the working directory (the code folder, also on sys.path)."""
    path = os.path.abspath(entry)
    folder = os.path.dirname(path)
    for p in (os.getcwd(), folder):
        if p not in sys.path:
            sys.path.insert(0, p)
    spec = importlib.util.spec_from_file_location("azureml_batch_entry", path)
    if spec is None or spec.loader is None:
        raise ImportError("cannot load the scoring script %s" % path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["azureml_batch_entry"] = module
    spec.loader.exec_module(module)
    if not callable(getattr(module, "run", None)):
        raise AttributeError("the scoring script %s has no run(mini_batch) function" % entry)
    return module


def import_mlflow_support():
    """azureml_local_mlflow.py from this file's folder (shared with host.py)."""
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location(
        "azureml_local_mlflow", os.path.join(here, "azureml_local_mlflow.py"))
    if spec is None or spec.loader is None:
        raise ImportError("azureml_local_mlflow.py is missing beside batch_driver.py (%s)" % here)
    module = importlib.util.module_from_spec(spec)
    sys.modules["azureml_local_mlflow"] = module
    spec.loader.exec_module(module)
    return module


class MlflowBatchEntry:
    """Azure ML's generated driver for MLflow models: each file read as CSV, `row,prediction,file` out."""

    def __init__(self, path):
        self.path = path
        self.support = None
        self.model = None

    def init(self):
        self.support = import_mlflow_support()
        self.model = self.support.load(self.path)
        sys.stderr.write("MLflow model %s loaded with %s\n" % (self.model.folder, self.model.kind))

    def run(self, mini_batch):
        import csv  # noqa: PLC0415

        out = []
        for path in mini_batch:
            with open(path, newline="", encoding="utf-8") as f:
                rows = [r for r in csv.reader(f) if r]
            if not rows:
                continue
            columns, data = rows[0], [[number(v) for v in r] for r in rows[1:]]
            columns, data = self.support.to_table("split", {"columns": columns, "data": data}, self.model.columns)
            predictions = self.support.to_jsonable_predictions(
                self.model.predict(self.support.model_input(self.model, columns, data), None))
            name = os.path.basename(path)
            for i, p in enumerate(predictions):
                value = json.dumps(p) if isinstance(p, (dict, list)) else p
                out.append("%d,%s,%s" % (i, value, name))
        return out


def number(text):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


# --- the worker side: init() once, then mini-batches ----------------------------------------------------


class Worker:
    def __init__(self, entry, mlflow_model):
        self.entry = entry
        self.mlflow_model = mlflow_model
        self.module = None

    def start(self):
        if self.mlflow_model is not None:
            self.module = MlflowBatchEntry(self.mlflow_model)
        else:
            self.module = load_entry_script(self.entry)
        configure_logging()
        init = getattr(self.module, "init", None)
        if callable(init):
            init()

    def score(self, files, timeout, max_retries):
        """(lines or None, attempts, traceback of the last failure or None)."""
        last = None
        for attempt in range(1, max_retries + 2):
            try:
                result = call_with_timeout(self.module.run, list(files), timeout)
                return output_lines(result), attempt, None
            except Exception as exc:  # noqa: BLE001 - any error of the user's run() is a failed attempt
                last = user_traceback(exc)
        return None, max_retries + 1, last


def user_traceback(exc):
    """The traceback from the scoring script's frames on (this driver's own frames left out)."""
    import traceback  # noqa: PLC0415 - only on failures

    tb = exc.__traceback__
    here = os.path.abspath(__file__)
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) == here:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def call_with_timeout(fn, arg, timeout):
    """fn(arg), raising MiniBatchTimeout after `timeout` seconds (main thread, POSIX; else no limit)."""
    usable = timeout and timeout > 0 and hasattr(signal, "setitimer")
    if usable:
        def expired(_signum, _frame):
            raise MiniBatchTimeout("run() took longer than retry_settings.timeout (%ss)" % timeout)

        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return fn(arg)
    finally:
        if usable:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def output_lines(result):
    """What run() returned, as the lines append_row writes."""
    if result is None:
        return []
    if hasattr(result, "to_csv") and hasattr(result, "columns"):  # a pandas DataFrame: CSV rows, no header
        text = result.to_csv(header=False, index=False)
        return [line for line in text.splitlines() if line != ""]
    if hasattr(result, "tolist") and not isinstance(result, (str, bytes)):
        result = result.tolist() if getattr(result, "ndim", 1) > 0 else [result.tolist()]
    if isinstance(result, (str, bytes)):
        result = [result]
    return [item.decode("utf-8") if isinstance(item, bytes) else str(item) for item in result]


# multiprocessing: one Worker per process, started by the pool's initializer.
_worker = None


def _pool_init(entry, mlflow_model):
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker = Worker(entry, mlflow_model)
    try:
        _worker.start()
    except BaseException:  # noqa: BLE001 - reported with the first mini-batch this worker takes
        _worker.init_error = format_exc()


def _pool_score(job):
    index, files, timeout, max_retries = job
    error = getattr(_worker, "init_error", None)
    if error:
        return index, files, None, 0, "init() failed:\n" + error
    lines, attempts, tb = _worker.score(files, timeout, max_retries)
    return index, files, lines, attempts, tb


# --- the job --------------------------------------------------------------------------------------------


def list_input(path):
    """The files of the input: the file itself, or every file under the folder, sorted by path."""
    if os.path.isfile(path):
        return [os.path.abspath(path)]
    found = []

    def walk(folder):
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir():
                    walk(entry.path)
                else:
                    found.append(entry.path)

    walk(os.path.abspath(path))
    found.sort()
    return found


def run_job(args):
    started = time.monotonic()
    files = list_input(args.input)
    if not files:
        emit("end", state="Failed", error="the input %s has no files" % args.input, files=0)
        return 1
    size = max(1, args.mini_batch_size)
    batches = [files[i:i + size] for i in range(0, len(files), size)]
    workers = max(1, min(args.workers, len(batches)))
    os.makedirs(args.output_dir, exist_ok=True)
    emit("start", files=len(files), miniBatches=len(batches), workers=workers, miniBatchSize=size)

    out = None
    if not args.summary_only:
        out = open(os.path.join(args.output_dir, args.output_file_name), "w", encoding="utf-8", newline="\n")
    state = {"done": 0, "failedFiles": 0, "rows": 0, "failures": [], "aborted": None, "last": 0.0}

    def record(index, batch, lines, attempts, tb):
        state["done"] += 1
        if lines is None:
            state["failedFiles"] += len(batch)
            names = [os.path.relpath(f, args.input) if os.path.isdir(args.input) else os.path.basename(f)
                     for f in batch]
            failure = {"miniBatch": index, "files": names, "attempts": attempts, "traceback": tb}
            state["failures"].append(failure)
            emit("mini-batch-failed", **failure)
            if 0 <= args.error_threshold < state["failedFiles"]:
                state["aborted"] = failure
        else:
            if out is not None:
                out.writelines(line + "\n" for line in lines)
            state["rows"] += len(lines)
        now = time.monotonic()
        if now - state["last"] >= args.progress_seconds or state["done"] == len(batches):
            state["last"] = now
            emit("progress", done=state["done"], total=len(batches), failedFiles=state["failedFiles"],
                 rows=state["rows"])

    try:
        if workers == 1:
            worker = Worker(args.entry, args.mlflow_model)
            try:
                worker.start()
            except BaseException:  # noqa: BLE001
                return finish(args, state, started, init_error=format_exc(), out=out)
            for index, batch in enumerate(batches):
                lines, attempts, tb = worker.score(batch, args.timeout, args.max_retries)
                record(index, batch, lines, attempts, tb)
                if state["aborted"]:
                    break
        else:
            import multiprocessing  # noqa: PLC0415

            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            context = multiprocessing.get_context(method)
            jobs = [(i, b, args.timeout, args.max_retries) for i, b in enumerate(batches)]
            with context.Pool(workers, initializer=_pool_init, initargs=(args.entry, args.mlflow_model)) as pool:
                for index, batch, lines, attempts, tb in pool.imap_unordered(_pool_score, jobs):
                    if tb and tb.startswith("init() failed:"):
                        pool.terminate()
                        return finish(args, state, started, init_error=tb[len("init() failed:\n"):], out=out)
                    record(index, batch, lines, attempts, tb)
                    if state["aborted"]:
                        pool.terminate()
                        break
    finally:
        if out is not None:
            out.close()
    return finish(args, state, started, out=None)


def finish(args, state, started, init_error=None, out=None):
    if out is not None:
        out.close()
    seconds = round(time.monotonic() - started, 3)
    common = dict(done=state["done"], failedFiles=state["failedFiles"], rows=state["rows"],
                  failures=state["failures"], seconds=seconds)
    if init_error is not None:
        sys.stderr.write(init_error)
        emit("end", state="Failed", error="init() failed: %s" % last_line(init_error), traceback=init_error, **common)
        return 1
    aborted = state["aborted"]
    if aborted is not None:
        error = ("%d file(s) failed, more than error_threshold %d allows; the mini-batch of %s failed after %d "
                 "attempt(s): %s" % (state["failedFiles"], args.error_threshold, ", ".join(aborted["files"]),
                                     aborted["attempts"], last_line(aborted["traceback"])))
        emit("end", state="Failed", error=error, traceback=aborted["traceback"], **common)
        return 1
    emit("end", state="Completed", **common)
    return 0


def last_line(text):
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no details"


def check(args):
    """deploy-model's check: the script imports and init() succeeds."""
    try:
        Worker(args.entry, args.mlflow_model).start()
    except BaseException as exc:  # noqa: BLE001 - SystemExit from a script is a failed init() too
        tb = format_exc()
        sys.stderr.write(tb)
        emit("check", ok=False, error="init() failed: %s: %s" % (type(exc).__name__, exc), traceback=tb,
             python=sys.executable)
        return 1
    emit("check", ok=True, python=sys.executable, version=sys.version.split()[0])
    return 0


OPTIONS = {
    "--entry": str,  # the scoring script, relative to the working directory
    "--mlflow-model": str,  # an MLflow model folder, scored without a script
    "--input": str,  # a file or a folder of files to score
    "--output-dir": str,  # the output folder (AZUREML_BI_OUTPUT_PATH)
    "--output-file-name": str,
    "--mini-batch-size": int,
    "--error-threshold": int,
    "--max-retries": int,
    "--timeout": float,  # seconds per run() call; 0: none
    "--workers": int,
    "--progress-seconds": float,
    "--logging-level": str,
}
FLAGS = ("--check", "--summary-only")
DEFAULTS = {
    "entry": None, "mlflow_model": None, "input": None, "output_dir": None, "output_file_name": "predictions.csv",
    "mini_batch_size": 10, "error_threshold": -1, "max_retries": 3, "timeout": 30.0, "workers": 1,
    "progress_seconds": 1.0, "logging_level": "info", "check": False, "summary_only": False,
}
USAGE = ("usage: batch_driver.py (--entry SCRIPT | --mlflow-model PATH) (--check | --input PATH --output-dir DIR) "
         "[--output-file-name NAME] [--summary-only] [--mini-batch-size N] [--error-threshold N] [--max-retries N] "
         "[--timeout SECONDS] [--workers N] [--progress-seconds SECONDS] [--logging-level LEVEL]")


class Args:
    def __init__(self, values):
        self.__dict__.update(values)


def usage_error(message):
    sys.stderr.write("%s\nbatch_driver.py: error: %s\n" % (USAGE, message))
    sys.exit(2)


def parse_args(argv):
    """The command line (no argparse: it costs a job more than a mini-batch of small files)."""
    values = dict(DEFAULTS)
    i = 0
    while i < len(argv):
        arg = argv[i]
        name, eq, value = arg.partition("=")
        if arg in FLAGS:
            values[arg[2:].replace("-", "_")] = True
        elif name in OPTIONS:
            if not eq:
                i += 1
                if i >= len(argv):
                    usage_error("%s needs a value" % name)
                value = argv[i]
            try:
                values[name[2:].replace("-", "_")] = OPTIONS[name](value)
            except ValueError:
                usage_error("%s: %r is not a %s" % (name, value, OPTIONS[name].__name__))
        else:
            usage_error("unknown argument %s" % arg)
        i += 1
    args = Args(values)
    if (args.entry is None) == (args.mlflow_model is None):
        usage_error("give one of --entry and --mlflow-model")
    if not args.check and (not args.input or not args.output_dir):
        usage_error("--input and --output-dir are needed to run a job")
    return args


def main(argv=None):
    global LOGGING_LEVEL
    args = parse_args(sys.argv[1:] if argv is None else argv)
    LOGGING_LEVEL = args.logging_level
    if args.check:
        return check(args)
    os.environ["AZUREML_BI_OUTPUT_PATH"] = os.path.abspath(args.output_dir)
    return run_job(args)


if __name__ == "__main__":
    sys.exit(main())
