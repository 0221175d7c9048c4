"""A loopback TCP relay in front of a real server that a test can cut and restore.

Not a fake: every byte goes to the real server. Cutting closes every relayed connection
and refuses new ones, which is what a client sees when the server restarts or the network
drops; restoring lets new connections through again::

    with TcpProxy(6379) as proxy:
        client = connect(f"redis://127.0.0.1:{proxy.port}/0")
        proxy.cut()
        ...
"""

from __future__ import annotations

import socket
import threading


class TcpProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.up = True
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, name="tcp-proxy", daemon=True).start()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cut()
        self.listener.close()

    def cut(self) -> None:
        with self._lock:
            self.up = False
            for sock in self._open:
                _shut(sock)
            self._open.clear()

    def restore(self) -> None:
        with self._lock:
            self.up = True

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # the listener was closed
                return
            with self._lock:
                if not self.up:
                    _shut(client)
                    continue
                upstream = socket.create_connection(self.target)
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        _shut(sink)


def _shut(sock: socket.socket) -> None:
    """shutdown() wakes a thread blocked in recv() on it; close() alone may not."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
