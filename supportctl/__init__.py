"""supportctl: run a customer-support operation from one YAML file."""

__version__ = "0.1.0"
