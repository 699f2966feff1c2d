"""entrylint: keeps the x86 boot entry paths of Linux converged."""

__version__ = "0.1.0"
