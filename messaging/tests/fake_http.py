"""The plumbing every provider fake shares: an HTTP server on a free 127.0.0.1 port in a thread, and ids."""
import threading
from http.server import ThreadingHTTPServer


class FakeHttpServer:
    """Subclasses set their own state, call this __init__, and give `_handler()` (their request handler class)."""

    def __init__(self):
        self._ids = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self):
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def next_id(self) -> int:
        with self._lock:
            self._ids += 1
            return self._ids
