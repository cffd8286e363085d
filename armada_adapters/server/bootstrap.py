"""The composition root: the only place that reads config and environment, picks
plugins, and wires storage, the core service, authentication and both adapters.

`run()` is what `armada-server` calls; `serve()` runs the same server inside an
existing event loop (tests, embedding) until `stop` is set.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable, Iterator, Mapping
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, replace
from typing import Any, NoReturn

from armada_adapters.observability.access_log import AccessLog
from armada_adapters.observability.log_format import use_format
from armada_adapters.observability.record import FanOut, RequestObserver
from armada_adapters.server.config import ConfigError, ServerConfig, config_path, load_config
from armada_adapters.server.interpreter import tune_interpreter
from armada_adapters.server.listeners import Endpoints, Listeners, start_listeners
from armada_adapters.server.local_executor import start_local_executor
from armada_adapters.server.metrics import MetricsServer, start_metrics
from armada_adapters.server.scheduling_loop import start_scheduling
from armada_adapters.server.ui_logs import ui_log_sources
from armada_auth import Authenticator, build_authenticator
from armada_auth import ConfigError as AuthConfigError
from armada_config.policy import CONFIG_LOGGER, lookup, read_value
from armada_core.config import ServiceConfig
from armada_core.permissions import OPEN_SERVER, PermissionConfig
from armada_core.ports import Storage
from armada_core.service import ArmadaService
from armada_storage.registry import open_storage

logger = logging.getLogger(__name__)

PERMISSION_KEYS = {
    "groups": "permissionGroupMapping",
    "scopes": "permissionScopeMapping",
    "claims": "permissionClaimMapping",
}
PermissionMapping = Mapping[str, frozenset[str]]  # permission -> groups, scopes or claims
AUTH_OFF_WARNING = (
    "authentication is off: no auth section is configured, every caller is 'anonymous' "
    "and every user-facing permission (and execute_jobs) is granted to everyone"
)


class StartupError(Exception):
    """The server cannot start; the message is one line for the operator."""


@dataclass(frozen=True, slots=True)
class Assembly:
    """The wired parts of a running server."""

    service: ArmadaService
    storage: Storage
    authenticator: Authenticator


def run(cli_config: str | None, environ: Mapping[str, str] = os.environ) -> None:
    """Load the configuration, serve until SIGINT/SIGTERM, shut down cleanly."""
    with _held(CONFIG_LOGGER) as held:
        try:
            config = load_config(config_path(cli_config, environ), environ)
        except ConfigError as exc:
            raise StartupError(str(exc)) from None
        use_format(config.log_format)
    for record in held:
        logging.getLogger(record.name).handle(record)
    asyncio.run(serve(config, stop=None))


class _Holding(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.held: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.held.append(record)


@contextmanager
def _held(name: str) -> Iterator[list[logging.LogRecord]]:
    """The records of logger `name` kept back, to be logged in the configured format."""
    handler = _Holding()
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler.held
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


async def serve(
    config: ServerConfig,
    *,
    stop: asyncio.Event | None,
    on_ready: Callable[[Endpoints], None] | None = None,
) -> None:
    """Run the server until `stop` is set (None: until SIGINT or SIGTERM)."""
    stop = stop if stop is not None else _stop_on_signals()
    async with AsyncExitStack() as stack:
        assembly = await assemble(config, stack)
        metrics = await _start_metrics(config, assembly, stack)
        stack.push_async_callback(
            start_scheduling(
                assembly.service,
                metrics.metrics if metrics is not None else None,
                is_leader=assembly.storage.is_scheduling_leader,
            )
        )
        listeners = await _start(config, assembly, _request_observer(config, metrics))
        stack.push_async_callback(listeners.stop, config.shutdown_grace_seconds)
        endpoints = replace(listeners.endpoints, metrics_port=metrics.port if metrics else None)
        await start_local_executor(config, endpoints.grpc_port, stack)
        stack.push_async_callback(tune_interpreter())
        logger.info("armada-server ready: %s", endpoints.describe())
        if on_ready is not None:
            on_ready(endpoints)
        await listeners.wait(stop)
        logger.info("shutting down (grace %.1f s)", config.shutdown_grace_seconds)
    logger.info("stopped")


async def assemble(config: ServerConfig, stack: AsyncExitStack) -> Assembly:
    """Storage, service and authenticator; each is closed when `stack` unwinds.

    Storage comes last: every other section is checked before a database file is
    created or migrated, so a configuration error leaves nothing behind.
    """
    service_config = _service_config(config)
    authenticator = await _startup_step("auth", build_authenticator(_auth_section(config)))
    stack.push_async_callback(authenticator.aclose)
    storage = await _startup_step("storage", open_storage(config.storage))
    stack.push_async_callback(storage.aclose)
    if not config.authentication_configured:
        logger.warning(AUTH_OFF_WARNING)
    return Assembly(ArmadaService(storage, config=service_config), storage, authenticator)


def _service_config(config: ServerConfig) -> ServiceConfig:
    try:
        return ServiceConfig(
            permissions=permissions_for(config),
            submission=config.submission,
            max_query_items=config.max_query_items,
            scheduler=config.scheduler.to_core(),
            retry=config.scheduler.scheduling.retry_policy.to_core(),
            max_request_items=config.max_request_items,
        )
    except ValueError as exc:
        raise StartupError(f"invalid configuration: {exc}") from None


def permissions_for(config: ServerConfig) -> PermissionConfig:
    """Global permissions: the auth section's mappings, or everything for everyone without one."""
    if config.auth is None:
        return PermissionConfig.everyone_may(OPEN_SERVER)
    try:
        mappings = {
            name: read_value(PermissionMapping, lookup(config.auth, key), f"auth.{key}")
            for name, key in PERMISSION_KEYS.items()
        }
    except ConfigError as exc:
        raise StartupError(str(exc)) from None
    return PermissionConfig.from_mappings(**mappings)


def _auth_section(config: ServerConfig) -> Mapping[str, Any]:
    return config.auth if config.auth is not None else {"anonymousAuth": True}


async def _startup_step(what: str, step: Any) -> Any:
    """Await one start-up step; its configuration errors become a `StartupError`."""
    try:
        return await step
    except (AuthConfigError, ValueError) as exc:
        text = str(exc)
        raise StartupError(text if f"{what}." in text else f"{what}: {text}") from None
    except OSError as exc:
        raise StartupError(f"{what}: {exc.strerror or exc}") from None


async def _start(
    config: ServerConfig, assembly: Assembly, observer: RequestObserver | None
) -> Listeners:
    try:
        return await start_listeners(
            config,
            assembly.service,
            assembly.authenticator,
            observer,
            ui_logs=ui_log_sources(config),
        )
    except OSError as exc:
        raise StartupError(exc.strerror or str(exc)) from None


async def _start_metrics(
    config: ServerConfig, assembly: Assembly, stack: AsyncExitStack
) -> MetricsServer | None:
    """The metrics listener when `metricsPort` is set; closed when `stack` unwinds."""
    if not config.metrics_enabled:
        return None
    pool = assembly.service.config.default_pool
    try:
        metrics = await start_metrics(config, assembly.storage, pool=pool)
    except OSError as exc:
        raise StartupError(exc.strerror or str(exc)) from None
    stack.push_async_callback(metrics.aclose)
    return metrics


def _request_observer(config: ServerConfig, metrics: MetricsServer | None) -> RequestObserver:
    """Who hears of each request: the access log (unless off) and the metrics (if on)."""
    observers: list[RequestObserver] = []
    if config.log_requests:
        observers.append(AccessLog(health_checks=config.log_health_checks))
    if metrics is not None:
        observers.append(metrics.metrics)
    return FanOut(observers)


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _on_signal, stop, sig)
    return stop


def _on_signal(stop: asyncio.Event, sig: signal.Signals) -> None:
    if stop.is_set():
        _exit_now(sig)
    logger.info("%s received; a second one forces exit", sig.name)
    stop.set()


def _exit_now(sig: signal.Signals) -> NoReturn:
    """The operator insists: exit without waiting for running calls (as Kubernetes'
    signal handler does on a second signal). Nothing acknowledged is lost: every
    write the server answered for is committed; storage and clients see a dropped
    connection, as after a crash."""
    logger.warning("%s received again; exiting now without waiting for running calls", sig.name)
    logging.shutdown()  # flush the log before the process goes
    os._exit(128 + sig)
