"""armada_executor: a local executor that runs Armada jobs as processes of this machine.

It is a client of `executorapi.ExecutorApi` over gRPC, as Armada's own executor is: it
leases runs, runs each pod's containers as process groups with Kubernetes' semantics
(images are not pulled), and reports Assigned, Running, Succeeded or terminal errors.
"""

from __future__ import annotations

from armada_executor.config import ConfigError, ExecutorConfig, LocalSettings, load_config
from armada_executor.executor import LocalExecutor

__all__ = ["ConfigError", "ExecutorConfig", "LocalExecutor", "LocalSettings", "load_config"]
