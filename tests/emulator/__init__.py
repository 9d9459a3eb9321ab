"""Tests of the emulator (a package, so their module names never clash with other test folders)."""
