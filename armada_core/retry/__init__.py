"""Retry policies: the stored record and its rules (`policy`), how a failure is
classified (`categories`) and the decision to retry or fail a run (`engine`)."""
