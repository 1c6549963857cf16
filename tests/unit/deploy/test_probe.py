"""`python -m deploy.probe URL`, the containers' health check: healthy on 200 only."""

import http.server
import threading

import pytest

from deploy.local.nats_server import free_port
from deploy.probe import main


@pytest.fixture
def server():
    """A real HTTP server answering /ok with 200 and /down with 503 (what /healthz says when unhealthy)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            self.send_response(200 if self.path == "/ok" else 503)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_200_is_healthy_503_is_not(server):
    assert main([f"{server}/ok"]) == 0
    assert main([f"{server}/down"]) == 1


def test_nothing_listening_is_unhealthy_and_a_bad_call_says_how_to_use_it():
    assert main([f"http://127.0.0.1:{free_port()}/healthz"]) == 1
    assert main(["not a url"]) == 1
    assert main([]) == 2
