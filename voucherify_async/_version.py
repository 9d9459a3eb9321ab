"""The package version, read by the build backend and shown in the User-Agent."""

__version__ = "0.1.0.dev0"
