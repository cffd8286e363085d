"""What the server tells its operators: Prometheus metrics, request logs, log format.

Both adapters report each request to a `RequestObserver` (`record.py`); the
composition root hands them one that fans out to the access log and the metrics.
"""
