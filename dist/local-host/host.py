"""Hosts an Azure ML entry script (init() / run(raw)) over HTTP on this machine.

The bundled, stdlib-only stand-in for azureml-inference-server-http (azmlinfsrv), used by the local target
when azmlinfsrv is not installed. It keeps the parts of the Azure ML runtime contract a scoring script can
see, so users' score.py files run unchanged:

- AZUREML_MODEL_DIR comes from the environment (the caller sets it to the model version folder);
- the working directory (the code folder) and the entry script's own folder are on sys.path;
- init() is called once before the port starts listening; run() receives the raw request body as a str
  (UTF-8) and its return value is sent back as JSON (a str is JSON-encoded as a string, numpy values go
  through .tolist() / .item()); a dict with `aml_response_body` / `aml_response_headers` is unwrapped;
- run() may take a `request_headers` keyword, as with azmlinfsrv;
- WORKER_COUNT (default 1) bounds how many run() calls execute at once, like the server's workers.

Key auth: when the environment has AZUREML_LOCAL_SCORING_KEY (the local target sets it for an endpoint with
auth_mode key), host.py takes it out of os.environ before the entry script is loaded (the user's code and its
child processes never see it), and POST /score and GET /swagger.json without `Authorization: Bearer <key>`
answer 401 with a JSON message (compared in constant time). GET / and GET /score (liveness) stay open.

Routes: GET / -> 200 "Healthy" (liveness); GET /score -> 200 "Healthy"; GET /swagger.json -> a minimal
Swagger 2.0 document, always served (azmlinfsrv answers 404 unless inference-schema decorators are used;
serving it always gives smoke tests and reports a working swagger URI); POST /score -> run(); run() raising
-> 500 with "<ExceptionType>: <message>" as the body; any other path -> 404.

MLflow mode (no-code deployments of `mlflow_model` models, as Azure ML serves them without a scoring
script): `host.py --mlflow-model [PATH]` instead of `--entry`. PATH is the folder with the MLmodel file, or a
folder whose only subfolder with an MLmodel file is the model (a registered model version folder); without
PATH, $AZUREML_MODEL_DIR/$MLFLOW_MODEL_FOLDER (as Azure sets them) or just $AZUREML_MODEL_DIR. The model is
loaded before the port listens (where init() runs for an entry script) by azureml_local_mlflow.py beside this
file: mlflow.pyfunc when mlflow is importable, else the sklearn flavor. POST /score takes Azure's MLflow
request (`input_data` in the split form, records or a plain list; optional `params`) and answers a JSON list
of predictions; a request that does not fit the contract or the model's signature gets 400 with the reason.
A model that cannot be loaded is reported exactly as a failed init(): the `init() failed: ...` line, exit 3.

Exit codes: 0 stopped by SIGTERM/SIGINT, 2 bad arguments, 3 the entry script could not be loaded or init()
raised (the traceback and one `azureml-local-host: import failed: ...` or `init() failed: ...` line are printed
first), 4 the port
is already in use, 1 anything else.
"""

import argparse
import errno
import hmac
import importlib.util
import inspect
import json
import logging
import os
import signal
import socketserver
import sys
import socket
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "azureml-local-host:"
SCORING_KEY_ENV = "AZUREML_LOCAL_SCORING_KEY"
EXIT_INIT_FAILED = 3
EXIT_PORT_IN_USE = 4

log = logging.getLogger("azureml-local-host")


def say(message):
    """A line for the Node side (and humans) to read in the log file; stdout, flushed at once."""
    print("%s %s" % (PREFIX, message), flush=True)


def describe_exception(exc):
    text = str(exc)
    return "%s: %s" % (type(exc).__name__, text) if text else type(exc).__name__


def to_jsonable(value):
    """json.dumps default=: numpy arrays and scalars (and look-alikes) without importing numpy."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


def load_entry_script(entry):
    path = os.path.abspath(entry)
    if not os.path.isfile(path):
        raise FileNotFoundError("entry script %s not found (working directory %s)" % (entry, os.getcwd()))
    # Like azmlinfsrv: the code root and the script's own folder are importable.
    for folder in (os.path.dirname(path), os.getcwd()):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError("cannot load entry script %s" % entry)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    if not callable(getattr(module, "run", None)):
        raise AttributeError("entry script %s does not define run()" % entry)
    return module


def accepts_request_headers(run):
    try:
        params = inspect.signature(run).parameters
    except (TypeError, ValueError):
        return False
    return "request_headers" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


def swagger_document(host, port):
    return {
        "swagger": "2.0",
        "info": {
            "title": "ML service",
            "description": "API specification for the Azure Machine Learning service ML service",
            "version": "1.0",
        },
        "host": "%s:%d" % (host, port),
        "schemes": ["http"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": {
            "/": {
                "get": {
                    "operationId": "ServiceHealthCheck",
                    "description": "Simple health check endpoint to ensure the service is up at any given point.",
                    "responses": {"200": {"description": "The content 'Healthy'", "schema": {"type": "string"}}},
                }
            },
            "/score": {
                "post": {
                    "operationId": "RunMLService",
                    "description": "Run web service's model and get the prediction output",
                    "parameters": [{"name": "serviceInputPayload", "in": "body", "schema": {"type": "object"}}],
                    "responses": {
                        "200": {"description": "The service processed the input correctly", "schema": {}},
                        "500": {"description": "run() raised; the body is the exception message"},
                    },
                }
            },
        },
    }


class ScoringHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "azureml-local-host/1"

    # Set by serve(): the loaded entry module and its call settings.
    entry = None
    pass_headers = False
    # Exceptions of run() that mean a bad request (400, the message as the body); MLflow mode sets it.
    bad_request = ()
    # The endpoint's key (bytes) when it uses key auth; None: no auth.
    scoring_key = None
    run_slots = threading.Semaphore(1)

    def setup(self):
        super().setup()
        # Headers and body leave in two writes; with Nagle on, a keep-alive client then waits for the delayed
        # ACK (~40 ms) on every request. Azure's server does not add that latency, so neither may we.
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, format, *args):  # noqa: A002 (BaseHTTPRequestHandler's signature)
        log.info("%s %s", self.address_string(), format % args)

    def send(self, status, body, content_type="text/plain; charset=utf-8", headers=None):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(str(key), str(value))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def route(self):
        return self.path.split("?", 1)[0]

    def authorized(self):
        """True when no key is required or the request carries it; else answers 401 and returns False."""
        if self.scoring_key is None:
            return True
        given = self.headers.get("Authorization", "")
        scheme, _, token = given.strip().partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode("utf-8"), self.scoring_key):
            return True
        message = (
            "this endpoint uses key auth: send the header 'Authorization: Bearer <key>' "
            "(smoke-test-service looks the key up when given endpoint-name instead of scoring-uri)"
            if not given
            else "the key in the Authorization header is not this endpoint's key"
        )
        self.send(401, json.dumps({"message": message}), "application/json",
                  {"WWW-Authenticate": 'Bearer realm="azureml-local"'})
        return False

    def do_GET(self):
        path = self.route()
        if path in ("/", "/score"):
            self.send(200, "Healthy")
        elif path == "/swagger.json":
            if not self.authorized():
                return
            query = self.path.split("?", 1)[1] if "?" in self.path else ""
            params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
            if params.get("version", "2") != "2":
                self.send(404, json.dumps("Swagger version %s is not available locally" % params["version"]),
                          "application/json")
                return
            host, port = self.server.server_address[:2]
            self.send(200, json.dumps(swagger_document(host, port)), "application/json")
        else:
            self.send(404, "Not Found")

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        body = self.read_body()
        if self.route() != "/score":
            self.send(404, "Not Found")
            return
        if not self.authorized():
            return
        try:
            raw = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.send(400, "request body is not valid UTF-8: %s" % exc)
            return
        self.score(raw)

    def other_method(self):
        self.read_body()
        if self.route() == "/score":
            self.send(405, "Method not allowed", headers={"Allow": "GET, POST"})
        else:
            self.send(404, "Not Found")

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = other_method

    def score(self, raw):
        started = time.perf_counter()
        try:
            with self.run_slots:
                if self.pass_headers:
                    result = self.entry.run(raw, request_headers=dict(self.headers.items()))
                else:
                    result = self.entry.run(raw)
        except self.bad_request as exc:
            self.send(400, str(exc))
            return
        except Exception as exc:  # the user's run() failed: 500 with its message, like azmlinfsrv
            log.error("run() raised:\n%s", traceback.format_exc())
            self.send(500, describe_exception(exc))
            return
        elapsed_ms = (time.perf_counter() - started) * 1000
        headers = {"x-ms-run-fn-exec-ms": "%.3f" % elapsed_ms}
        if isinstance(result, dict) and ("aml_response_body" in result or "aml_response_headers" in result):
            headers.update(result.get("aml_response_headers") or {})
            result = result.get("aml_response_body")
        try:
            payload = json.dumps(result, default=to_jsonable)
        except (TypeError, ValueError) as exc:
            log.error("run() returned a value that cannot be sent as JSON: %s", exc)
            self.send(500, "run() returned a value that cannot be sent as JSON: %s" % describe_exception(exc))
            return
        self.send(200, payload, "application/json", headers)


class ScoringServer(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self):
        # HTTPServer.server_bind resolves the host name (getfqdn), which can stall without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host
        self.server_port = port


def mlflow_model_path(given):
    """--mlflow-model's folder: as given, else $AZUREML_MODEL_DIR[/$MLFLOW_MODEL_FOLDER] (Azure's variables)."""
    if given:
        return os.path.abspath(given)
    base = os.environ.get("AZUREML_MODEL_DIR", "")
    if not base:
        raise ValueError("--mlflow-model without a PATH needs AZUREML_MODEL_DIR")
    folder = os.environ.get("MLFLOW_MODEL_FOLDER", "")
    return os.path.abspath(os.path.join(base, folder) if folder else base)


def import_mlflow_support():
    """azureml_local_mlflow.py from this file's folder (not from the user's code folder)."""
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("azureml_local_mlflow", os.path.join(here, "azureml_local_mlflow.py"))
    if spec is None or spec.loader is None:
        raise ImportError("azureml_local_mlflow.py is missing beside host.py (%s)" % here)
    module = importlib.util.module_from_spec(spec)
    sys.modules["azureml_local_mlflow"] = module
    spec.loader.exec_module(module)
    return module


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="host.py", description="Host an Azure ML entry script over HTTP.")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--entry", help="scoring script, relative to the working directory")
    what.add_argument("--mlflow-model", nargs="?", const="", metavar="PATH",
                      help="serve an MLflow model folder without a scoring script (default: $AZUREML_MODEL_DIR)")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--host", default="127.0.0.1")
    return parser.parse_args(argv)


def take_scoring_key():
    """The endpoint's key from the environment, removed from it before any user code runs."""
    key = os.environ.pop(SCORING_KEY_ENV, None)
    return key.encode("utf-8") if key else None


def main(argv=None):
    scoring_key = take_scoring_key()
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        mlflow_path = mlflow_model_path(args.mlflow_model) if args.mlflow_model is not None else None
    except ValueError as exc:
        sys.stderr.write("host.py: error: %s\n" % exc)
        return 2
    what = args.entry if mlflow_path is None else "the MLflow model %s" % mlflow_path
    say("starting %s (pid %d, python %s, working directory %s, AZUREML_MODEL_DIR=%s)" % (
        what, os.getpid(), sys.version.split()[0], os.getcwd(), os.environ.get("AZUREML_MODEL_DIR", "")))

    # Reserve the port before the (possibly slow) init(), but listen only after it succeeded.
    try:
        server = ScoringServer((args.host, args.port), ScoringHandler, bind_and_activate=False)
        server.server_bind()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            say("port %d is already in use on %s" % (args.port, args.host))
            return EXIT_PORT_IN_USE
        say("cannot listen on %s:%d: %s" % (args.host, args.port, exc.strerror or exc))
        return 1

    bad_request = ()
    try:
        if mlflow_path is not None:
            mlflow_support = import_mlflow_support()
            bad_request = (mlflow_support.BadRequest,)
            try:
                entry = mlflow_support.load_entry(mlflow_path)
            except mlflow_support.ModelLoadError as exc:
                # A clear message of ours: no traceback, one line the Node side reads like a failed init().
                say("init() failed: cannot serve the MLflow model: %s" % exc)
                server.server_close()
                return EXIT_INIT_FAILED
        else:
            try:
                entry = load_entry_script(args.entry)
            except BaseException as exc:
                # Importing the script failed (a missing package, a syntax error, no run()): not init().
                traceback.print_exc()
                sys.stderr.flush()
                say("import failed: loading the entry script %s raised %s" % (args.entry, describe_exception(exc)))
                server.server_close()
                return EXIT_INIT_FAILED
            init = getattr(entry, "init", None)
            if callable(init):
                init()
            else:
                log.warning("entry script %s has no init(); serving run() only", args.entry)
    except BaseException as exc:  # SystemExit from a script counts as a failed init too
        traceback.print_exc()
        sys.stderr.flush()
        if mlflow_path is not None:
            say("init() failed: loading the MLflow model %s raised %s" % (mlflow_path, describe_exception(exc)))
        else:
            say("init() failed: %s" % describe_exception(exc))
        server.server_close()
        return EXIT_INIT_FAILED

    ScoringHandler.entry = entry
    ScoringHandler.scoring_key = scoring_key
    ScoringHandler.bad_request = bad_request
    ScoringHandler.pass_headers = accepts_request_headers(entry.run)
    ScoringHandler.run_slots = threading.Semaphore(max(1, int(os.environ.get("WORKER_COUNT") or 1)))

    def stop(signum, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    server.server_activate()
    say("listening on http://%s:%d%s" % (args.host, server.server_port,
                                         " (key auth)" if scoring_key is not None else ""))
    try:
        server.serve_forever(poll_interval=0.2)
    except SystemExit:
        pass
    finally:
        server.server_close()
    say("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
