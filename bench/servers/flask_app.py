# Benchmark peer: the Flask seed's stack (Talisman, Flask-CORS, Flask-Limiter), run by gunicorn with 2 sync workers.
import os

from flask import Flask, jsonify
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

app = Flask(__name__)
# One trusted proxy hop, as the service trusts the load balancer.
app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
# force_https off: the bench talks plain HTTP to 127.0.0.1 and must get 200s, not redirects.
Talisman(app, force_https=False)
CORS(app, origins=[os.environ["BENCH_ORIGIN"]])
# The limiter runs on every request; the limit is high enough never to answer 429, as for the service.
Limiter(
    get_remote_address,
    app=app,
    default_limits=[f"{os.environ['BENCH_LIMIT_PER_MINUTE']} per minute"],
    storage_uri="memory://",
)


@app.get("/")
def hello():
    return jsonify(message="Hello, World")


@app.get("/health")
def health():
    return jsonify(status="ok")
