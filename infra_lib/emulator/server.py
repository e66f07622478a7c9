"""moto's server in a daemon thread of this process, with the kit's models installed."""

from __future__ import annotations

import logging
import socket
import threading

from infra_lib.emulator.common import DEFAULT_ACCOUNT_ID, DUMMY_CREDENTIALS, EmulatorError, PortInUseError


class Emulator:
    """moto's server on ``host`` (127.0.0.1), started by ``start()`` and stopped by ``stop()``.

    ``endpoint_url`` uses ``localhost``, which every client resolves to the loopback address the
    server listens on; TemplateURLs naming 127.0.0.1 instead work too (``moto_patches``).
    """

    def __init__(self, *, port: int = 0, host: str = "127.0.0.1", quiet: bool = True):
        self._requested_port = port
        self.host = host
        self.quiet = quiet
        self._server = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    @property
    def endpoint_url(self) -> str:
        if self.port is None:
            raise EmulatorError("the emulator is not running; call start() first")
        return f"http://localhost:{self.port}"

    def env(self, region: str = "us-east-1") -> dict[str, str]:
        """Environment for a process (CDK CLI, notebook kernel, AWS CLI) to use this emulator."""
        return {"AWS_ENDPOINT_URL": self.endpoint_url, "AWS_REGION": region, "AWS_DEFAULT_REGION": region,
                **DUMMY_CREDENTIALS}

    def start(self) -> Emulator:
        from infra_lib.emulator.registry import install_models

        install_models()  # first: a moto of the wrong version fails here, before any port is taken
        from moto.moto_server.threaded_moto_server import MotoRequestHandler
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server

        if self.quiet:  # one log line per request drowns the CDK CLI's progress
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        app = DomainDispatcherApplication(create_backend_app)
        in_use = PortInUseError(
            f"cannot listen on {self.host}:{self._requested_port}: the port is in use (an emulator started "
            f"earlier?). Choose another with --port, or omit --port to take a free one.")
        if self._requested_port and not port_is_free(self._requested_port, self.host):
            raise in_use
        try:
            # Built here, not in the thread (as ThreadedMotoServer does), so that a port in use
            # raises in the caller instead of leaving start() waiting forever. werkzeug exits
            # the process on a busy port; that is the race after the check above.
            self._server = make_server(self.host, self._requested_port, app, True,
                                       request_handler=MotoRequestHandler)
        except (OSError, SystemExit) as exc:
            raise in_use from exc
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"moto-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and forget every resource: moto keeps its state per process, so without
        the reset the next emulator started in this process (a notebook, a long-lived caller)
        would begin with this one's stacks."""
        if self._server is not None:
            from moto.moto_api import _internal

            _internal.moto_api_backend.reset()
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def reset(self) -> None:
        """Forget every resource (moto's global state), e.g. between tests."""
        import urllib.request

        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=30):
            pass

    def add_hosted_zone(self, name: str, zone_id: str, *, account_id: str = DEFAULT_ACCOUNT_ID) -> str:
        """A public hosted zone with a chosen ID (Route 53's API cannot choose one), so a
        scenario's ``hosted_zone_id`` can name it. In-process emulators only."""
        from moto.route53.models import route53_backends

        backend = route53_backends[account_id]["aws"]
        created = backend.create_hosted_zone(name, private_zone=False, caller_reference=f"infrakit-{zone_id}")
        backend.zones.pop(created.resource_id)
        created.resource_id = zone_id
        backend.zones[zone_id] = created
        return zone_id

    def __enter__(self) -> Emulator:
        return self.start() if self._server is None else self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def start_emulator(*, port: int = 0, quiet: bool = True) -> Emulator:
    """Start an emulator on 127.0.0.1 (``port=0``: a free port) and return it."""
    return Emulator(port=port, quiet=quiet).start()


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
