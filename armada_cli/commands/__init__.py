"""armadactl's commands, one module per parent command; `main` registers them."""
