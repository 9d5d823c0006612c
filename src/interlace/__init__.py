"""interlace: a fast Jupyter-compatible kernel and the frontends that share it."""

__version__ = "0.1.0"
